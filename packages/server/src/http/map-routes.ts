import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { MapUploadProblem, OfficeIdParams, OfficeMapSaved, Problem, type OfficeView } from '@metaoffice/protocol';
import { AppError, notFound } from '../errors.js';
import { officeMapArchive } from '../export/office-map-archive.js';
import { MAX_MAP_UPLOAD_BYTES, checkMapUpload, decodeMapUpload, expectedMapVersion, parseMapUpload } from '../office/map-upload.js';
import { StorageError, type Office } from '../storage/index.js';

/** An office with the version of its map (1 for the map it was created with; one more for every saved upload). */
export interface MapRouteDeps {
  requireUser: (req: FastifyRequest) => Promise<void>;
  requireAdmin: (req: FastifyRequest) => Promise<void>;
  /** The office if the caller may see it (own organisation; in Teams mode, the office's team), else NOT_FOUND. */
  officeOf: (req: FastifyRequest, officeId: string) => Promise<Office>;
  officeView: (office: Office) => OfficeView;
  /** Refuses (423) a save by anyone but the person holding the office editor's lease, if someone holds it. */
  checkEditor: (officeId: string, userId: string) => Promise<void>;
  /**
   * Stores the map if the office's map is still at `expectedVersion` and returns the new version (store.offices.replaceMap):
   * StorageError CONFLICT when it moved on, NOT_FOUND when the office is gone.
   */
  replaceMap: (officeId: string, expectedVersion: number, mapJson: string) => Promise<number>;
  /** After a map was stored: the running office engine (wherever it runs) must switch to it. */
  onMapChanged: (officeId: string, mapJson: string, version: number) => void;
}

const staleMap = (expected: number, current?: number) => {
  const now = current === undefined ? 'a newer version' : `version ${current}`;
  return new AppError('MAP_VERSION_CONFLICT', 409, `The office's map changed since the version this upload replaces (${expected}); it is at ${now}. Export the map again, redo the change, and upload that.`, [
    { path: '/headers/if-match', message: `the map is at ${now}, not ${expected}` },
  ]);
};

const problems = { 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 415: Problem, 423: Problem, 428: Problem };

/**
 * Tiled import and export of an office's map (see docs/maps.md): members export, admins replace. The routes live in
 * their own scope, whose JSON parser sniffs and size-limits map files instead of parsing bodies as the API does.
 */
export function registerMapRoutes(http: FastifyInstance, d: MapRouteDeps): void {
  const tags = ['offices'];
  const security = [{ session: [] }];
  const officeOfUpload = new WeakMap<FastifyRequest, Office>();

  void http.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    // The body stays text: the map is parsed and checked in the handler, and the app's NUL check on bodies costs
    // one scan of a string instead of a walk over every tile.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_MAP_UPLOAD_BYTES }, (_req, body, done) => {
      try {
        done(null, decodeMapUpload(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.setErrorHandler(async (err: FastifyError) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        throw new AppError('PAYLOAD_TOO_LARGE', 413, `A map file may be at most ${MAX_MAP_UPLOAD_BYTES / (1024 * 1024)} MB.`);
      }
      // Everything else is answered like any other API error, by the app's handler.
      throw err;
    });

    scope.get('/api/offices/:officeId/export.tar.gz', {
      preHandler: d.requireUser,
      schema: {
        tags,
        security,
        params: OfficeIdParams,
        description: 'The office map for the Tiled editor, as a .tar.gz: `<office>/<office>.tmj` plus the tileset it references (office-tiles.tsj and office-tiles.png). The ETag is the map version; upload the .tmj with PUT …/map to replace exactly that version.',
        response: { ...problems },
      },
    }, async (req, reply) => {
      const office = await d.officeOf(req, (req.params as { officeId: string }).officeId);
      const { fileName, archive } = await officeMapArchive(office, office.mapVersion);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('etag', `"${office.mapVersion}"`)
        .header('cache-control', 'no-store')
        .send(archive);
    });

    scope.put('/api/offices/:officeId/map', {
      // Who may upload and to which office is settled before a byte of the body is read.
      onRequest: [
        d.requireAdmin,
        async (req) => {
          const office = await d.officeOf(req, (req.params as { officeId: string }).officeId);
          await d.checkEditor(office.id, req.user!.id);
          officeOfUpload.set(req, office);
        },
      ],
      bodyLimit: MAX_MAP_UPLOAD_BYTES,
      schema: {
        tags,
        security,
        params: OfficeIdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 40 })) }),
        description: `Replaces the office map with a Tiled map (.tmj as JSON, at most ${MAX_MAP_UPLOAD_BYTES / (1024 * 1024)} MB). Admins only. Say which version it replaces with If-Match (the ETag of the export or of the last save, or *), or upload a .tmj exported from MetaOffice, which says it itself; another version gives 409, neither gives 428. While another admin has the office editor open, 423 names them. An invalid map changes nothing and gets 400 listing every problem with its layer and tile.`,
        response: { 200: OfficeMapSaved, 400: MapUploadProblem, ...problems },
      },
    }, async (req, reply) => {
      const office = officeOfUpload.get(req)!;
      const upload = checkMapUpload(parseMapUpload(req.body as string));
      const expected = expectedMapVersion(req.headers['if-match'], upload.fileVersion, office.mapVersion);
      if (expected === undefined) {
        throw new AppError('BAD_REQUEST', 428, 'Say which version of the map this replaces: send If-Match with the ETag of the export or of the last save (or * to replace whatever is there), or upload a .tmj exported from MetaOffice.');
      }
      if (expected !== office.mapVersion) throw staleMap(expected, office.mapVersion);
      let mapVersion: number;
      try {
        mapVersion = await d.replaceMap(office.id, expected, upload.mapJson);
      } catch (err) {
        // Someone saved between our read and our write; the store's conditional update refused this one.
        if (err instanceof StorageError && err.code === 'CONFLICT') throw staleMap(expected);
        if (err instanceof StorageError && err.code === 'NOT_FOUND') throw notFound('Office');
        throw err;
      }
      try {
        d.onMapChanged(office.id, upload.mapJson, mapVersion);
      } catch (err) {
        // The map is stored; an engine that missed the news picks it up when it next starts.
        req.log.error({ err, officeId: office.id }, 'telling the office engine about its new map failed');
      }
      return reply.header('etag', `"${mapVersion}"`).send({ office: d.officeView(office), mapVersion });
    });
  });
}
