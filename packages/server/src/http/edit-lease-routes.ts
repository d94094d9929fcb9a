import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EditLeaseGranted, EditLeaseToken, OfficeEditorView, OfficeIdParams, Problem } from '@metaoffice/protocol';
import { AppError } from '../errors.js';
import type { OfficeEditLeases } from '../office/edit-lease.js';
import type { Office } from '../storage/index.js';

export interface EditLeaseRouteDeps {
  requireUser: (req: FastifyRequest) => Promise<void>;
  requireAdmin: (req: FastifyRequest) => Promise<void>;
  officeOf: (req: FastifyRequest, officeId: string) => Promise<Office>;
  leases: OfficeEditLeases;
  /** A person's display name, for "being edited by …". */
  nameOf: (userId: string) => Promise<string>;
}

/** The refusal when someone else edits the office; the map routes give the same one to a save. */
export async function beingEdited(nameOf: (userId: string) => Promise<string>, holderUserId: string): Promise<AppError> {
  const name = await nameOf(holderUserId);
  return new AppError('OFFICE_BEING_EDITED', 423, `This office is being edited by ${name}. Try again when they have finished.`);
}

const problems = { 401: Problem, 403: Problem, 404: Problem, 409: Problem, 423: Problem };

/**
 * The office editor's lease (one editor at a time per office): take it when the editor opens, renew it while it
 * stays open, give it back on leaving. Anyone in the organisation may ask who is editing.
 */
export function registerEditLeaseRoutes(http: FastifyInstance, d: EditLeaseRouteDeps): void {
  const tags = ['offices'];
  const path = '/api/offices/:officeId/editor';
  const officeIdOf = (req: FastifyRequest) => (req.params as { officeId: string }).officeId;

  http.get(path, {
    preHandler: d.requireUser,
    schema: { tags, params: OfficeIdParams, description: 'Who is editing the office map now, if anyone.', response: { 200: OfficeEditorView, ...problems } },
  }, async (req) => {
    const office = await d.officeOf(req, officeIdOf(req));
    const userId = await d.leases.editor(office.id);
    return { editor: userId ? { userId, name: await d.nameOf(userId) } : null };
  });

  http.post(path, {
    preHandler: d.requireAdmin,
    schema: {
      tags,
      params: OfficeIdParams,
      description: 'Takes the office editor\'s lease (admins only). 423 names whoever holds it. Opening the editor again in another tab takes your own lease over.',
      response: { 200: EditLeaseGranted, ...problems },
    },
  }, async (req) => {
    const office = await d.officeOf(req, officeIdOf(req));
    const outcome = await d.leases.acquire(office.id, req.user!.id);
    if (!outcome.ok) throw await beingEdited(d.nameOf, outcome.holderUserId);
    return { token: outcome.token, ttlMs: d.leases.leaseMs, mapVersion: office.mapVersion };
  });

  http.put(path, {
    preHandler: d.requireAdmin,
    schema: { tags, params: OfficeIdParams, body: EditLeaseToken, description: 'Renews the editor\'s lease; 409 when it ran out or was taken over.', response: { 204: {}, ...problems } },
  }, async (req, reply) => {
    const office = await d.officeOf(req, officeIdOf(req));
    const { token } = req.body as EditLeaseToken;
    if (!(await d.leases.renew(office.id, req.user!.id, token))) {
      const holder = await d.leases.editor(office.id);
      const by = holder === req.user!.id ? 'you, in another window' : holder ? await d.nameOf(holder) : undefined;
      throw new AppError('EDIT_LEASE_LOST', 409, by ? `The office is now being edited by ${by}.` : 'Your hold on the editor ran out; open the editor again.');
    }
    return reply.status(204).send();
  });

  http.delete(path, {
    preHandler: d.requireAdmin,
    schema: { tags, params: OfficeIdParams, body: EditLeaseToken, description: 'Gives the editor\'s lease back (nothing happens if it is no longer yours).', response: { 204: {}, ...problems } },
  }, async (req, reply) => {
    const office = await d.officeOf(req, officeIdOf(req));
    await d.leases.release(office.id, req.user!.id, (req.body as EditLeaseToken).token);
    return reply.status(204).send();
  });
}
