import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes, SESSION_COOKIE } from '@metaoffice/protocol';
import { templates } from '@metaoffice/maps';
import { hashToken, newToken } from '../auth/tokens.js';
import { DEMO_TEAM_ID, DEMO_TENANT_ID, seedDemoTenant, startFakeMicrosoft, type FakeMicrosoft } from '@metaoffice/fake-microsoft';
import { apiFor, startHarness, uniqueEmail, type Harness } from './harness.js';
import { startTeamsHarness, type TeamsHarness } from './teams-harness.js';
import { dialects } from './dialects.js';

/**
 * HTTP fuzzing driven by the server's own OpenAPI document: for every operation it lists, requests generated with
 * fast-check, both shaped like the schema (then mutated: fields dropped, retyped, added; huge and odd strings; nulls)
 * and not shaped at all (random JSON, broken JSON, raw bytes, wrong content types, odd path parameters and query
 * strings, stray cookies and origins), as a signed-in admin and as nobody. No answer may be a 5xx, and every 4xx must
 * be a typed problem body (`application/problem+json` with a code from the protocol's ErrorCodes).
 *
 * Routes that end a session or delete data (sign-in/up rotate the session; sign-out, sign-out everywhere, deleting
 * the account or the organisation) are fuzzed too, but as a throwaway admin of a throwaway organisation, with a
 * fresh session per request: the generators know its password and its organisation's name, so the deletions really
 * happen now and then, and a new throwaway takes over.
 *
 * HTTP_FUZZ_RUNS (requests per operation, per caller, per storage dialect; default 30) and HTTP_FUZZ_SEED make a run
 * larger or reproduce one. HTTP_FUZZ_DIALECTS=sqlite limits it to SQLite.
 */
const RUNS = Number(process.env.HTTP_FUZZ_RUNS ?? 30);
const SEED = Number(process.env.HTTP_FUZZ_SEED ?? 20261127);
const ONLY = process.env.HTTP_FUZZ_DIALECTS?.toLowerCase();

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  $ref?: string;
};
interface Operation {
  method: string;
  path: string;
  params: { name: string; schema: Schema }[];
  /** Query parameters the document names (GET /api/teams/tab's tab key, a map's `?version=`). */
  query: { name: string; schema: Schema }[];
  body?: Schema;
}
type Caller = 'admin' | 'anonymous';
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What kind of generator made it, for the report. */
  kind: string;
}
interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Routes whose success ends the caller's session or deletes the caller: fuzzed as a throwaway admin. */
const DESTRUCTIVE = new Set([
  'POST /api/auth/signup',
  'POST /api/auth/signin',
  'POST /api/auth/signout',
  'POST /api/auth/signout-all',
  'DELETE /api/me',
  'DELETE /api/organisation',
]);

// ---- odd values --------------------------------------------------------------------------------------------------

const HUGE = 'x'.repeat(70_000); // over the 64 KiB body limit once in JSON
const odd = [
  '', ' ', '\u0000', 'nul\u0000inside', '\uD800', 'lone \uDC00 surrogate', '\uFEFF', '\u202Eevil', '👩‍👩‍👧‍👦', 'Ω≈ç√∫', '𝕳𝖊𝖑𝖑𝖔', 'ｆｕｌｌ', 'e\u0301', '\n\r\t',
  '0', '-1', '1e309', 'NaN', 'true', 'null', 'undefined', '[]', '{}', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  "' OR 1=1 --", '"; DROP TABLE users; --', '<script>alert(1)</script>', '${jndi:ldap://x}', '{{7*7}}', '../../../../etc/passwd', '%00', '%s%s%n',
  'a'.repeat(201), 'a'.repeat(5000), 'é'.repeat(3000),
];
const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...odd) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1000, maxLength: 30_000 }) },
);
/** Odd strings short enough for a URL (Node refuses a request head over 16 KiB before any route sees it). */
const shortOdd = fc.oneof(fc.constantFrom(...odd.filter((s) => s.length < 300)), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }));
/** Anything JSON can hold, weighted towards the shapes that break handlers: wrong types, nulls, deep nesting. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oddString },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, [], {}, [null], { '': null }, HUGE) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown) },
);

const contentTypes = [
  'text/plain', 'text/plain;charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=----fuzz', 'application/xml', 'application/octet-stream',
  'application/json; charset=utf-16le', 'application/json; charset=latin1', 'application/json;charset=', 'Application/JSON', 'application/json;;;', 'application/json, text/html',
  'application/jsonp', 'application/merge-patch+json', 'application/vnd.api+json', '*/*', 'json', '', ' application/json',
];
const badJson = [
  '', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", 'null', 'undefined', 'NaN', '[1,2', '"unterminated', '{"a":1}{"b":2}', '{"a":1} trailing', '\uFEFF{}',
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":1,"a":2}', '1'.repeat(400), '-', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":"\\x00"}',
  '[' .repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(8000) + '1' + '}'.repeat(8000),
];
/** Path parameters that are not what the route expects, in the raw form they go on the wire. */
const rawOddParams = [
  '', '.', '..', '%', '%zz', '%0', '%00', '%2e%2e', '%2F', '%2f..%2f', '%C0%AF', '%FF%FE', '%ED%A0%80', '%E0%A4%A', '..%2F..%2Fetc', 'a%20b', '%3Cscript%3E',
  '*', ':officeId', '{officeId}', '~', '%7E', ';', 'a;b=c', 'a?b', 'a#b', '\u00e9', '\u00ff\u00fe', 'x'.repeat(70), 'x'.repeat(3000), '0', '-1', 'null', '__proto__', 'constructor',
];

/** Percent-encodes a string byte by byte (UTF-8; a lone surrogate becomes U+FFFD, as the encoder would). */
const encode = (s: string) => Buffer.from(s, 'utf8').reduce((out, b) => out + (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`), '');

// ---- the generators ----------------------------------------------------------------------------------------------

interface Known {
  /** Real values per property or parameter name, so generated requests get past the first checks now and then. */
  values: Record<string, string[]>;
}

function stringFor(name: string, s: Schema, known: Known): fc.Arbitrary<string> {
  const generic =
    s.format === 'email'
      ? fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 }).map((x) => `${x}@example.test`))
      : fc.oneof(...(['grapheme', 'binary', 'grapheme-ascii'] as const).map((unit) => fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 300), unit })));
  const real = known.values[name];
  return real?.length ? fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...real) }, { weight: 2, arbitrary: generic }) : generic;
}

/** A value that satisfies the schema (most of the time: generated strings may still fail a format or a rule). */
function fromSchema(s: Schema, known: Known, name = ''): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return fc.oneof(...alts.map((a) => fromSchema(a, known, name)));
  let base: fc.Arbitrary<unknown>;
  switch (s.type) {
    case 'string': base = stringFor(name, s, known); break;
    case 'integer': base = fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 }); break;
    case 'number': base = fc.double({ noNaN: true, noDefaultInfinity: true }); break;
    case 'boolean': base = fc.boolean(); break;
    case 'null': base = fc.constant(null); break;
    case 'array': base = fc.array(fromSchema(s.items ?? {}, known, name), { maxLength: 4 }); break;
    case 'object': {
      const props = s.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, known, k)]));
      base = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) as never[] });
      break;
    }
    default: base = fc.jsonValue({ maxDepth: 2 });
  }
  return s.nullable ? fc.oneof(base, fc.constant(null)) : base;
}

/** A schema-shaped value with one or more things wrong with it. */
function mutated(s: Schema, known: Known): fc.Arbitrary<unknown> {
  const keys = Object.keys(s.properties ?? {});
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), key: keys.length ? fc.constantFrom(...keys) : fc.constant('x') }),
    fc.record({ op: fc.constant('retype' as const), key: keys.length ? fc.constantFrom(...keys) : fc.constant('x'), value: weirdValue }),
    fc.record({ op: fc.constant('extra' as const), key: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'admin', 'role', 'orgId', 'id')), value: weirdValue }),
    fc.record({ op: fc.constant('replace' as const), value: weirdValue }),
  );
  return fc.tuple(fromSchema(s, known), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([value, ops]) => {
    let v: unknown = value;
    for (const m of ops) {
      if (m.op === 'replace') {
        v = m.value;
        continue;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) v = {};
      const o = { ...(v as Record<string, unknown>) };
      if (m.op === 'drop') delete o[m.key];
      else Object.defineProperty(o, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      v = o;
    }
    return v;
  });
}

function requestsFor(op: Operation, known: Known): fc.Arbitrary<FuzzRequest> {
  const paramValue = (name: string, s: Schema): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 3, arbitrary: (known.values[name]?.length ? fc.constantFrom(...known.values[name]) : stringFor(name, s, known)).map(encode) },
      { weight: 2, arbitrary: stringFor(name, s, known).map(encode) },
      { weight: 2, arbitrary: shortOdd.map(encode) },
      { weight: 2, arbitrary: fc.constantFrom(...rawOddParams) },
    );
  const path = fc
    .tuple(...op.params.map((p) => paramValue(p.name, p.schema)))
    .map((values) => op.params.reduce((p, param, i) => p.replace(`{${param.name}}`, values[i] ?? ''), op.path));
  // The documented query parameters, each present most of the time, with real, generated or odd values.
  const shapedQuery = fc
    .tuple(...op.query.map((p) => fc.option(paramValue(p.name, p.schema), { nil: undefined, freq: 5 }).map((v) => (v === undefined ? undefined : `${encode(p.name)}=${v}`))))
    .map((kv) => '?' + kv.filter((x) => x !== undefined).join('&'));
  const query = fc.oneof(
    { weight: op.query.length ? 1 : 4, arbitrary: fc.constant('') },
    { weight: op.query.length ? 4 : 0, arbitrary: op.query.length ? shapedQuery : fc.constant('') },
    { weight: 1, arbitrary: fc.array(fc.tuple(shortOdd, shortOdd), { minLength: 1, maxLength: 4 }).map((kv) => '?' + kv.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')) },
    // The last one is over Node's 16 KiB limit for the request head.
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?%zz=1', '?a=%', '?__proto__[admin]=1', '?a[b][c]=1', '?a=1&a=2&a=3', '?' + 'k=v&'.repeat(2000), '?officeId=../x', '?%00=%00', '?q=' + 'x'.repeat(20_000)) },
  );
  const extraHeaders = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          origin: fc.constantFrom('null', 'http://evil.example', 'http://127.0.0.1', 'file://', '%zz', ''),
          'sec-fetch-site': fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none', 'bogus'),
          accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'image/png', ''),
          'accept-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity;q=0', 'zstd', '*'),
          'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip', '::1, 10.0.0.1'),
        },
        { requiredKeys: [] },
      ),
    },
  );
  const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8');
  const shapedBody = op.body ? fromSchema(op.body, known).map(json) : fc.constant(undefined);
  const body = fc.oneof(
    { weight: 3, arbitrary: shapedBody.map((b) => ({ kind: 'shaped', body: b, type: b ? 'application/json' : undefined })) },
    { weight: 4, arbitrary: mutated(op.body ?? { type: 'object', properties: {} }, known).map((v) => ({ kind: 'mutated', body: json(v), type: 'application/json' as string | undefined })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'random-json', body: json(v), type: 'application/json' as string | undefined })) },
    { weight: 1, arbitrary: fc.constantFrom(...badJson).map((t) => ({ kind: 'bad-json', body: Buffer.from(t, 'utf8'), type: 'application/json' as string | undefined })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'random-bytes', body: Buffer.from(b), type: 'application/json' as string | undefined })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.oneof(shapedBody, fc.constant(Buffer.from('a=1&b=2'))), fc.option(fc.constantFrom(...contentTypes), { nil: undefined })).map(([b, type]) => ({
        kind: 'content-type',
        body: b ?? Buffer.from('{}'),
        type,
      })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'no-body', body: undefined as Buffer | undefined, type: 'application/json' as string | undefined }) },
  );
  return fc.record({ path, query, body, extra: extraHeaders }).map(({ path, query, body: b, extra }) => {
    const headers: Record<string, string> = { ...extra };
    if (b.type !== undefined) headers['content-type'] = b.type;
    return { method: op.method, path: path + query, headers, body: b.body, kind: b.kind };
  });
}

/** Requests with nothing to do with the document: any method on any path under the API, with any body. */
function randomRequests(ops: Operation[]): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof(fc.constantFrom(...rawOddParams), shortOdd.map(encode), fc.constantFrom('api', 'me', 'offices', 'organisation', 'auth', 'invites', 'templates', 'map', 'export'));
  const path = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => '/api/' + s.join('/')),
    fc.tuple(fc.constantFrom(...ops.map((o) => o.path)), segment).map(([p, s]) => p.replace(/\{[^}]+\}/g, s)),
    fc.constantFrom('/api', '/api/', '//api//me', '/api/./me', '/api/../api/me', '/API/ME', '/api/me/', '/api/me?', '/api/offices/%2e%2e/%2e%2e/healthz', '/%2e%2e/%2e%2e/etc/passwd'),
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'),
      path,
      body: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), fc.constantFrom(...badJson).map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b))), { nil: undefined }),
      type: fc.option(fc.oneof(fc.constant('application/json'), fc.constantFrom(...contentTypes)), { nil: undefined }),
    })
    // A HEAD request the HTTP parser refuses gets an answer with a body, which a client expecting none misreads.
    .map(({ method, path, body, type }) => ({ method, path: method === 'HEAD' ? path.replace(/[^\x21-\x7e]/g, (c) => encode(c)) : path, headers: (type === undefined ? {} : { 'content-type': type }) as Record<string, string>, body: method === 'GET' || method === 'HEAD' ? undefined : body, kind: 'random' }));
}

// ---- the run -----------------------------------------------------------------------------------------------------

/** Sends one request as generated, byte for byte (fetch would normalise or refuse much of it). */
function send(base: URL, r: FuzzRequest, cookie: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers };
    if (cookie !== undefined) headers.cookie = cookie;
    if (r.body !== undefined) headers['content-length'] = String(r.body.length);
    // Teams mode serves https with a certificate of the development CA; the fuzz checks answers, not the certificate.
    const request = base.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent: false, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end(r.body);
  });
}

/** Every refusal is typed; nothing is a server error. Returns what is wrong, or undefined. */
function judge(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status >= 500) return `status ${a.status}: ${a.body.toString('utf8').slice(0, 200)}`;
  if (a.status < 400 || r.method === 'HEAD') return undefined;
  if (!a.contentType.includes('application/problem+json')) return `status ${a.status} with content-type "${a.contentType}": ${a.body.toString('utf8').slice(0, 200)}`;
  let p: { code?: unknown; status?: unknown };
  try {
    p = JSON.parse(a.body.toString('utf8')) as typeof p;
  } catch {
    return `status ${a.status} with a body that is not JSON: ${a.body.toString('utf8').slice(0, 200)}`;
  }
  if (!(ErrorCodes as readonly unknown[]).includes(p.code)) return `status ${a.status} with code ${JSON.stringify(p.code)}`;
  if (p.status !== a.status) return `status ${a.status} but the problem says ${JSON.stringify(p.status)}`;
  return undefined;
}

/** One fuzzing run's record: what was sent, the statuses that came back, and every bad answer. */
class FuzzTally {
  sent = 0;
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];

  /** Sends each request with the cookie `cookieFor` gives it and judges the answer; `after` follows each answer. */
  async run(base: URL, label: string, caller: Caller, requests: readonly FuzzRequest[], cookieFor: (i: number) => Promise<string | undefined> | string | undefined, after?: () => Promise<void>): Promise<void> {
    for (const [i, r] of requests.entries()) {
      let a: Answer;
      try {
        a = await send(base, r, await cookieFor(i));
      } catch (err) {
        this.failures.push(`${label} as ${caller}: ${r.method} ${r.path.slice(0, 200)} [${r.kind}] failed: ${(err as Error).message}`);
        continue;
      }
      this.sent++;
      this.statuses.set(a.status, (this.statuses.get(a.status) ?? 0) + 1);
      const wrong = judge(r, a);
      if (wrong) {
        const body = r.body ? r.body.toString('utf8').slice(0, 300) : '';
        this.failures.push(`${label} as ${caller}: ${r.method} ${r.path.slice(0, 200)} [${r.kind}] headers ${JSON.stringify(r.headers)} body ${JSON.stringify(body)} → ${wrong}`);
      }
      await after?.();
    }
  }

  /** The statuses seen, for the run's summary line: `200×340 400×565 …`. */
  codes(): string {
    return [...this.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code}×${n}`).join(' ');
  }
}

function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: Schema }[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, o] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (o.parameters ?? []).filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: (o.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: o.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

const dialectList = dialects().filter((d) => !ONLY || d.name.toLowerCase() === ONLY);

for (const d of dialectList) {
  describe(`HTTP fuzzing from the OpenAPI document (${d.name})`, () => {
    let h: Harness;
    let base: URL;
    let ops: Operation[] = [];
    const known: Known = { values: {} };
    let adminCookie = '';
    let adminId = '';
    let adminOrgId = '';
    let throwaway: { id: string; email: string; password: string; orgName: string } | undefined;
    let throwawaysUsed = 0;
    const tally = new FuzzTally();

    async function newThrowaway(): Promise<void> {
      const api = apiFor(h);
      const email = uniqueEmail('throwaway');
      const password = `throwaway-${newToken(6)}`;
      const me = await api.signUp({ email, password, name: `Throwaway ${throwawaysUsed++}` });
      throwaway = { id: me.user.id, email, password, orgName: me.organisation.name };
      known.values.email = [known.values.email![0]!, email];
      known.values.password = [known.values.password![0]!, password];
      known.values.confirm = [me.organisation.name, ` ${me.organisation.name} `, 'Demo organisation'];
    }

    /** A fresh session straight in the store: cheap, and nothing a request does to it can spoil the next one. */
    async function mintSession(userId: string): Promise<string> {
      const token = newToken();
      const now = Date.now();
      await h.server.store.sessions.create({ tokenHash: hashToken(token), userId, createdAt: now, expiresAt: now + 3_600_000 });
      return `${SESSION_COOKIE}=${token}`;
    }

    const anonymousCookie = fc.option(
      fc.oneof(
        fc.constantFrom(`${SESSION_COOKIE}=`, `${SESSION_COOKIE}=%zz`, `${SESSION_COOKIE}="quoted"`, `${SESSION_COOKIE}=${'a'.repeat(5000)}`, `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=b`, ';;;=', '=', `${SESSION_COOKIE}=\u00ff`),
        fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `${SESSION_COOKIE}=${encode(s)}`),
      ),
      { nil: undefined, freq: 2 },
    );

    beforeAll(async () => {
      // The limiter and the lock-out are tested elsewhere; here they would only hide the handlers behind them.
      h = await startHarness({ ...(await d.env()), AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNIN_LOCKOUT_ATTEMPTS: '1000' });
      base = new URL(h.server.url);
      const admin = apiFor(h);
      const email = uniqueEmail('fuzz-admin');
      const password = 'fuzz-admin-password';
      const me = await admin.signUp({ email, password, name: 'Fuzz Admin' });
      adminCookie = admin.cookieHeader()!;
      adminId = me.user.id;
      adminOrgId = me.organisation.id;
      const invite = await admin.createInvite();
      await apiFor(h).signUp({ email: uniqueEmail('fuzz-member'), password: 'fuzz-member-password', name: 'Fuzz Member', inviteToken: invite.token });
      const offices = await admin.listOffices();
      known.values = {
        email: [email],
        password: [password],
        name: ['Fuzz Admin', 'A'],
        token: [invite.token],
        inviteToken: [invite.token],
        officeId: offices.map((o) => o.id),
        template: templates.map((t) => t.id),
        id: templates.map((t) => t.id),
        speakerId: ['default'],
      };
      await newThrowaway();
      const doc = (await (await fetch(`${h.server.url}/api/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
      ops = operationsOf(doc);
    });
    afterAll(async () => {
      console.info(`HTTP fuzz (${d.name}): ${ops.length} operations, ${tally.sent} requests (${RUNS} per operation and caller), ${tally.failures.length} failures; statuses ${tally.codes()}; ${throwawaysUsed} throwaway admins`);
      await h?.stop();
      await d.cleanup();
    });

    it('lists every documented route', () => {
      const documented = new Set(ops.map((o) => `${o.method} ${o.path.replace(/\{([^}]+)\}/g, ':$1')}`));
      const registered = h.server.routes
        .filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs') && r.url !== '/api/openapi.json' && r.method !== 'HEAD')
        .map((r) => `${r.method} ${r.url}`);
      expect(registered.filter((k) => !documented.has(k)), 'API routes missing from the OpenAPI document').toEqual([]);
      expect(ops.length).toBeGreaterThanOrEqual(20);
    });

    async function fuzz(label: string, arb: fc.Arbitrary<FuzzRequest>, caller: Caller, destructive: boolean, seed: number): Promise<void> {
      const requests = fc.sample(arb, { numRuns: RUNS, seed });
      const cookies = fc.sample(anonymousCookie, { numRuns: RUNS, seed: seed + 1 });
      await tally.run(
        base,
        label,
        caller,
        requests,
        (i) => (caller === 'anonymous' ? cookies[i] : destructive ? mintSession(throwaway!.id) : adminCookie),
        async () => {
          if (destructive && caller === 'admin' && !(await h.server.store.users.byId(throwaway!.id))) await newThrowaway();
        },
      );
    }

    it('answers every generated request for every operation without a server error, and types every refusal', async () => {
      let seed = SEED;
      for (const op of ops) {
        const label = `${op.method} ${op.path}`;
        for (const caller of ['admin', 'anonymous'] as const) {
          await fuzz(label, requestsFor(op, known), caller, DESTRUCTIVE.has(label), seed++);
        }
      }
      for (const caller of ['admin', 'anonymous'] as const) await fuzz('random requests', randomRequests(ops), caller, false, seed++);
      if (process.env.HTTP_FUZZ_FAILURES) writeFileSync(process.env.HTTP_FUZZ_FAILURES, tally.failures.join('\n') + '\n', { flag: 'a' });
      expect(tally.failures.slice(0, 30), `${tally.failures.length} bad answers out of ${tally.sent}`).toEqual([]);
      expect(tally.sent).toBeGreaterThanOrEqual(ops.length * 2 * RUNS);
    }, Math.max(60_000, RUNS * 2_000));

    it('answers what earlier runs found wrong with typed refusals', async () => {
      const office = known.values.officeId![0]!;
      const cases: [FuzzRequest, number][] = [
        // A NUL in an id reached PostgreSQL, which refuses it in text: 500. Now refused at the boundary, everywhere.
        [{ method: 'GET', path: '/api/offices/nul%00inside/map', headers: {}, kind: 'regression' }, 400],
        [{ method: 'POST', path: '/api/offices', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ name: 'a\u0000b', description: '', template: templates[0]!.id })), kind: 'regression' }, 400],
        [{ method: 'PUT', path: '/api/me/av-preferences', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ speakerId: '\u0000', microphoneId: null, cameraId: null, micOnByDefault: true, cameraOnByDefault: true, prejoinDone: false })), kind: 'regression' }, 400],
        [{ method: 'POST', path: '/api/auth/signin', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ email: 'a@b.co', password: 'x\u0000' })), kind: 'regression' }, 400],
        // Refused by the router or Node's HTTP parser before any route: these were untyped Fastify/Node JSON bodies.
        [{ method: 'GET', path: `/api/offices/%FF%FE/people`, headers: {}, kind: 'regression' }, 400],
        [{ method: 'GET', path: `/api/offices/${'x'.repeat(3000)}`, headers: {}, kind: 'regression' }, 414],
        [{ method: 'GET', path: '/api/offices/\u00e9/map', headers: {}, kind: 'regression' }, 400],
        [{ method: 'GET', path: `/api/offices/${office}?q=${'x'.repeat(20_000)}`, headers: {}, kind: 'regression' }, 431],
      ];
      for (const [r, status] of cases) {
        const a = await send(base, r, adminCookie);
        expect(a.status, `${r.method} ${r.path.slice(0, 80)}`).toBe(status);
        expect(judge(r, a), `${r.method} ${r.path.slice(0, 80)}`).toBeUndefined();
      }
      // Nothing of that was stored.
      expect((await h.server.store.offices.listByOrg(adminOrgId)).some((o) => o.name.includes('\u0000'))).toBe(false);
    });

    it('is still healthy afterwards, and the fixture survived', async () => {
      expect((await fetch(`${h.server.url}/readyz`)).status).toBe(200);
      const me = await fetch(`${h.server.url}/api/me`, { headers: { cookie: adminCookie } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: { id: string } }).user.id).toBe(adminId);
      expect(await h.server.store.organisations.byId(adminOrgId)).toBeDefined();
    });
  });
}

/**
 * Teams mode adds its own routes (`/api/teams/*`, the bot's endpoint included), which a standalone server does not
 * register: the same fuzzing against a Teams-mode server over https and the fake Microsoft, as a signed-in team member
 * (whose session the generated requests must not be able to end: no valid SSO token is ever generated) and as nobody.
 */
describe('HTTP fuzzing from the OpenAPI document (Teams mode)', () => {
  const CLIENT_ID = '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f';
  const ALEX = '22222222-2222-4222-8222-222222222222';
  let fake: FakeMicrosoft;
  let h: TeamsHarness;
  let base: URL;
  let ops: Operation[] = [];
  let memberCookie = '';
  const known: Known = { values: {} };
  const tally = new FuzzTally();

  beforeAll(async () => {
    fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: 'fuzz-secret' }] });
    seedDemoTenant(fake, CLIENT_ID);
    h = await startTeamsHarness(fake, { clientId: CLIENT_ID, clientSecret: 'fuzz-secret' }, { AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    base = new URL(h.server.url);
    const alex = await h.signIn(DEMO_TENANT_ID, ALEX);
    memberCookie = alex.cookieHeader()!;
    const tab = { teamId: DEMO_TEAM_ID, channelId: '19:fuzz-general@thread.tacv2', entityId: 'fuzz-tab' };
    const saved = await alex.saveTeamsTab({ ...tab, name: 'Fuzz office', description: '' });
    const people = await alex.people(saved.office.id);
    known.values = {
      teamId: [DEMO_TEAM_ID],
      channelId: [tab.channelId],
      entityId: [tab.entityId],
      officeId: [saved.office.id],
      userId: people.map((p) => p.userId),
      kind: ['invite', 'talk'],
      name: ['Fuzz office'],
      template: templates.map((t) => t.id),
      // Shaped like a token, never a valid one: a valid SSO token would rotate the session the fuzz runs with.
      token: ['eyJhbGciOiJSUzI1NiJ9.e30.not-a-real-signature'],
    };
    const doc = (await (await fetch(`${h.server.url}/api/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
    ops = operationsOf(doc).filter((o) => o.path.startsWith('/api/teams/'));
  }, 60_000);
  afterAll(async () => {
    console.info(`HTTP fuzz (Teams mode): ${ops.length} operations, ${tally.sent} requests (${RUNS} per operation and caller), ${tally.failures.length} failures; statuses ${tally.codes()}`);
    await h?.stop();
    await fake?.close();
  });

  it('documents every Teams route', () => {
    const documented = new Set(ops.map((o) => `${o.method} ${o.path.replace(/\{([^}]+)\}/g, ':$1')}`));
    const registered = h.server.routes.filter((r) => r.url.startsWith('/api/teams/') && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(registered.filter((k) => !documented.has(k)), 'Teams routes missing from the OpenAPI document').toEqual([]);
    expect(ops.length).toBeGreaterThanOrEqual(9);
  });

  it('answers every generated request for every Teams operation without a server error, and types every refusal', async () => {
    let seed = SEED + 1000;
    const run = (label: string, arb: fc.Arbitrary<FuzzRequest>, caller: Caller) =>
      tally.run(base, label, caller, fc.sample(arb, { numRuns: RUNS, seed: seed++ }), () => (caller === 'admin' ? memberCookie : undefined));
    for (const op of ops) for (const caller of ['admin', 'anonymous'] as const) await run(`${op.method} ${op.path}`, requestsFor(op, known), caller);
    for (const caller of ['admin', 'anonymous'] as const) await run('random requests', randomRequests(ops), caller);
    expect(tally.failures.slice(0, 30), `${tally.failures.length} bad answers out of ${tally.sent}`).toEqual([]);
    expect(tally.sent).toBeGreaterThanOrEqual(ops.length * 2 * RUNS);
    // Still serving, and the member's session survived everything.
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${h.server.url}/api/me`, { headers: { cookie: memberCookie } })).status).toBe(200);
  }, Math.max(60_000, RUNS * 2_000));
});
