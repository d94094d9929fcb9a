import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import {
  BinaryDecodeError, BinaryKind, CloseCodes, MAX_CONTROL_BYTES, MAX_SIGNAL_BYTES, PROTOCOL_VERSION, checkClientVersion, decodeMove, parseClientControl,
  type IceServer,
  type ClientControl, type ErrorCode, type HelloMsg, type PersonView,
} from '@metaoffice/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Store, User } from '../storage/index.js';
import type { AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { OfficeRegistry } from '../office/office-registry.js';
import type { OfficeEngine } from '../office/office-engine.js';
import { lookOf, type PresenceService } from '../office/presence-service.js';
import { defaultAvatarFor, parseAvatarSpec, type AvatarSpec } from '@metaoffice/maps/avatar';
import type { Metrics } from '../metrics.js';
import { OwnershipUnavailableError, type OfficeOwnership, type OfficeRoute } from '../cluster/office-ownership.js';
import { openUpstream, pipeSockets, type ForwardedRequest } from './forward.js';
import type { ConnectionFrameLimits, FrameKind, FrameLimits } from './frame-limits.js';

export interface GatewayOptions {
  stepsPerSecond: number;
  tickMs: number;
  /** Close a socket that has not said hello by then. */
  helloTimeoutMs?: number;
  /** Re-check every live connection's session this often, so an expired or signed-out one is closed. */
  sessionCheckMs?: number;
  conversationCap: number;
  /** Organisations larger than this get People-panel changes only while a client asks (people.watch). */
  peopleLiveLimit?: number;
  /** People-panel changes are gathered and sent at most this often, one frame per organisation. */
  peopleFlushMs?: number;
  /** STUN/TURN servers for a user's calls (TURN credentials are minted per user). */
  iceServersFor: (userId: string) => IceServer[];
}

interface Connection {
  socket: WebSocket;
  user: User;
  tokenHash: string;
  engine?: OfficeEngine;
  avatarId?: number;
  officeId?: string;
  invalidFrames: number;
  /** Frame budgets per kind, shared with the person's other connections across the cluster; set on joining. */
  frames?: ConnectionFrameLimits;
  rateLimitedNotified: boolean;
  /** Whether People-panel changes are sent to this connection (always in a small organisation). */
  watchingPeople: boolean;
  /** The organisation was over the People limit when this connection joined: the list is sent only on request. */
  largeOrg: boolean;
  /** Frames dropped for exceeding a budget in the current 10-second window. */
  dropped: number;
  droppedWindowStart: number;
  /** Set when the office runs on another node: every frame goes on to the owner, untouched. */
  upstream?: { toUpstream(bytes: Buffer, isBinary: boolean): void };
}

/** What the HTTP upgrade carried, beyond the session: needed to forward the connection to another node. */
export interface AcceptContext extends ForwardedRequest {
  /** The connection came through another node, which routed it by this lease token. */
  forwardedToken: number | undefined;
}

/**
 * The WebSocket gateway: authenticates a connection, checks the protocol version, routes it to its office's engine,
 * validates every frame and answers bad ones with typed errors — without letting them touch anybody else.
 */
export class Gateway {
  private readonly byUser = new Map<string, Connection>();
  private readonly byOrg = new Map<string, Set<Connection>>();
  /** When each connection last asked for the office list (`roster`). */
  private readonly rosterAskedAt = new WeakMap<Connection, number>();
  /** People-panel changes not yet sent, per organisation, newest per person. */
  private readonly peopleOutbox = new Map<string, Map<string, PersonView>>();
  private sessionTimer: ReturnType<typeof setInterval> | undefined;
  private peopleTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      auth: AuthService;
      registry: OfficeRegistry;
      presence: PresenceService;
      metrics: Metrics;
      log: FastifyBaseLogger;
      /** An extra rule on top of "your organisation's office": Teams offices admit their team's members only. */
      mayEnter?: (user: User, officeId: string) => Promise<boolean>;
      /** Which node runs each office (always this one, outside a cluster). */
      ownership: OfficeOwnership;
      frameLimits: FrameLimits;
    },
    private readonly opts: GatewayOptions,
  ) {
    this.sessionTimer = setInterval(() => void this.recheckSessions(), opts.sessionCheckMs ?? 30_000);
    this.sessionTimer.unref?.();
    this.peopleTimer = setInterval(() => this.flushPeople(), opts.peopleFlushMs ?? 250);
    this.peopleTimer.unref?.();
  }

  get connections(): number {
    return this.byUser.size;
  }

  /**
   * Queues a People-panel change for everyone connected in the organisation. Changes are sent in one frame per
   * organisation a few times a second: when hundreds join at once, each person gets a few frames, not hundreds.
   */
  publishPerson(orgId: string, person: PersonView): void {
    if (!this.byOrg.has(orgId)) return;
    let box = this.peopleOutbox.get(orgId);
    if (!box) this.peopleOutbox.set(orgId, (box = new Map()));
    box.set(person.userId, person);
  }

  private flushPeople(): void {
    for (const [orgId, box] of this.peopleOutbox) {
      const set = this.byOrg.get(orgId);
      if (!set) continue;
      const text = JSON.stringify({ t: 'people', changed: [...box.values()] });
      for (const c of set) if (c.avatarId !== undefined && c.watchingPeople) this.sendText(c, text);
    }
    this.peopleOutbox.clear();
  }

  /**
   * Takes a freshly upgraded socket. Listeners are attached at once: the client says hello as soon as the socket
   * opens, and frames that arrive while the session or the office is still being looked up wait in a short queue
   * instead of being lost.
   */
  accept(socket: WebSocket, sessionToken: string | undefined, context: AcceptContext = { cookie: undefined, origin: undefined, clientAddress: undefined, forwardedToken: undefined }): void {
    const early: [Buffer, boolean][] = [];
    let conn: Connection | undefined;
    let busy = true; // authenticating, or joining after hello
    let closed = false;

    const helloTimer = setTimeout(() => {
      if (conn?.avatarId === undefined && !conn?.upstream) this.fail(socket, 'HELLO_REQUIRED', 'Say hello first.', CloseCodes.PROTOCOL_ERROR);
    }, this.opts.helloTimeoutMs ?? 10_000);

    const handle = (bytes: Buffer, isBinary: boolean): void => {
      const c = conn!;
      if (c.upstream) return c.upstream.toUpstream(bytes, isBinary);
      if (c.avatarId !== undefined) {
        if (isBinary) this.onBinary(c, bytes);
        else this.onControl(c, bytes);
        return;
      }
      if (isBinary) return this.reject(c, 'HELLO_REQUIRED', 'Say hello before anything else.');
      if (!isUtf8(bytes)) return this.reject(c, 'MALFORMED_MESSAGE', 'text frames must be UTF-8');
      const parsed = bytes.byteLength > MAX_CONTROL_BYTES ? null : parseClientControl(bytes.toString('utf8'));
      if (!parsed || !parsed.ok) return this.reject(c, parsed ? parsed.code : 'MALFORMED_MESSAGE', parsed ? parsed.message : 'frame too large');
      if (parsed.value.t !== 'hello') return this.reject(c, 'HELLO_REQUIRED', 'Say hello before anything else.', parsed.value.t);
      busy = true;
      // Routing may wait for a dead owner's lease to run out; the hello arrived, so its deadline no longer applies.
      clearTimeout(helloTimer);
      this.hello(c, parsed.value, bytes, context)
        .catch((err: unknown) => {
          this.deps.log.error({ err }, 'joining an office failed');
          this.fail(socket, 'UNAVAILABLE', 'The office could not be opened right now; try again.', CloseCodes.GOING_AWAY);
        })
        .finally(() => {
          clearTimeout(helloTimer);
          drain();
        });
    };
    const drain = (): void => {
      busy = false;
      while (!busy && !closed && early.length > 0) {
        const [bytes, isBinary] = early.shift()!;
        handle(bytes, isBinary);
      }
    };

    socket.on('message', (data: RawData, isBinary: boolean) => {
      this.deps.metrics.messagesIn.inc({ kind: isBinary ? 'binary' : 'control' });
      const bytes = toBuffer(data);
      if (busy) {
        // A well-behaved client sends one hello and waits; anything beyond a few frames is dropped.
        if (early.length < 16) early.push([bytes, isBinary]);
        return;
      }
      handle(bytes, isBinary);
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(helloTimer);
      if (conn) this.detach(conn);
    });
    socket.on('error', (err) => this.deps.log.debug({ err }, 'websocket error'));

    this.deps.auth.authenticate(sessionToken).then(
      (auth) => {
        conn = {
          socket,
          user: auth.user,
          tokenHash: auth.tokenHash,
          invalidFrames: 0,
          rateLimitedNotified: false,
          watchingPeople: true,
          largeOrg: false,
          dropped: 0,
          droppedWindowStart: Date.now(),
        };
        drain();
      },
      (err: unknown) => {
        clearTimeout(helloTimer);
        const code: ErrorCode = err instanceof AppError ? err.code : 'UNAUTHENTICATED';
        this.fail(socket, code, code === 'SESSION_EXPIRED' ? 'Your session expired; sign in again.' : 'Sign in first.', CloseCodes.UNAUTHENTICATED);
      },
    );
  }

  private async hello(conn: Connection, hello: HelloMsg, helloFrame: Buffer, context: AcceptContext): Promise<void> {
    const v = checkClientVersion(hello.protocol);
    if (!v.ok) {
      const msg = v.code === 'CLIENT_TOO_OLD'
        ? `This app speaks protocol ${hello.protocol}; the server needs ${PROTOCOL_VERSION}. Reload the page to update.`
        : `This app speaks protocol ${hello.protocol}; the server only knows up to ${PROTOCOL_VERSION}. The server is older than the app.`;
      return this.fail(conn.socket, v.code, msg, CloseCodes.VERSION_MISMATCH);
    }
    const office = await this.deps.store.offices.byId(hello.officeId).catch(() => undefined);
    // Another organisation's office answers exactly like a missing one, so ids reveal nothing.
    if (!office || office.orgId !== conn.user.orgId) return this.fail(conn.socket, 'FORBIDDEN', 'This office does not exist or is not yours to join.', CloseCodes.FORBIDDEN);
    if (this.deps.mayEnter && !(await this.deps.mayEnter(conn.user, office.id).catch(() => false))) {
      return this.fail(conn.socket, 'FORBIDDEN', 'This office belongs to a team you are not a member of.', CloseCodes.FORBIDDEN);
    }
    if (conn.socket.readyState !== conn.socket.OPEN) return;

    // One office, one owner: join here, or hand the connection to the node that runs the office.
    let route: OfficeRoute;
    // An owner that stays in the directory but refuses connections (a wrong NODE_URL) must not hold the client forever.
    const giveUpAt = Date.now() + 20_000;
    for (;;) {
      try {
        route = await this.deps.ownership.route(office.id, context.forwardedToken !== undefined ? { forwarded: { token: context.forwardedToken } } : {});
      } catch (err) {
        if (!(err instanceof OwnershipUnavailableError)) throw err;
        this.deps.log.warn({ officeId: office.id, why: err.message }, 'office could not be routed');
        return this.fail(conn.socket, 'UNAVAILABLE', 'The office is moving to another server; reconnecting.', CloseCodes.GOING_AWAY);
      }
      if (route.kind === 'local') break;
      if (conn.socket.readyState !== conn.socket.OPEN) return;
      const upstream = await openUpstream(route, context).catch((err: unknown) => {
        this.deps.log.warn({ err, officeId: office.id, owner: route.kind === 'remote' ? route.nodeId : undefined }, 'the office owner could not be reached; routing again');
        return undefined;
      });
      if (!upstream) {
        if (Date.now() > giveUpAt) return this.fail(conn.socket, 'UNAVAILABLE', 'The office server cannot be reached; reconnecting.', CloseCodes.GOING_AWAY);
        // The owner died a moment ago; routing again waits for its lease to run out, then takes the office.
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (conn.socket.readyState !== conn.socket.OPEN) {
        upstream.close(1000, 'client left');
        return;
      }
      conn.upstream = pipeSockets(conn.socket, upstream, () => this.deps.metrics.forwardedConnections.dec());
      this.deps.metrics.forwardedConnections.inc();
      conn.upstream.toUpstream(helloFrame, false);
      return;
    }

    const previous = this.byUser.get(conn.user.id);
    if (previous && previous !== conn) {
      this.fail(previous.socket, 'SESSION_REPLACED', 'You opened the office in another tab or device; this one was disconnected.', CloseCodes.REPLACED);
      this.detach(previous);
    }
    // Everything that needs the database happens before joining: once the avatar is in the engine, the next tick
    // may write to this socket, and the welcome must be the first thing the client hears.
    const pref = await this.deps.store.spawn.get(conn.user.id, office.id).catch(() => undefined);
    const avatar = avatarFromStore(conn.user.id, await this.deps.store.preferences.getAvatar(conn.user.id).catch(() => undefined));
    conn.largeOrg = (await this.deps.store.organisations.countUsers(conn.user.orgId)) > (this.opts.peopleLiveLimit ?? Infinity);
    conn.watchingPeople = !conn.largeOrg;
    const users = conn.watchingPeople ? await this.deps.store.users.listByOrg(conn.user.orgId) : [];
    const avatars = conn.watchingPeople ? await this.avatarsOf(conn.user.orgId) : new Map<string, string>();
    const frames = this.deps.frameLimits.forConnection(conn.user.id);
    // A person blocked for flooding through another node is blocked here from the first frame (settles quickly even
    // with Redis away).
    await frames.ready;
    if (conn.socket.readyState !== conn.socket.OPEN) {
      frames.release();
      return;
    }
    conn.frames = frames;
    const engine = this.deps.registry.engineFor(office);
    const look = lookOf(conn.user.id);
    const state = this.deps.presence.state(conn.user.id);
    const self = engine.join(
      { userId: conn.user.id, name: conn.user.name, look, avatar, availability: state.availability === 'Offline' ? 'Available' : state.availability, activity: state.activity === 'Offline' ? 'Available' : state.activity },
      { resume: hello.resume, mode: pref?.mode ?? 'default', saved: pref?.savedX != null && pref.savedY != null ? { x: pref.savedX, y: pref.savedY } : null },
      {
        sendText: (t) => this.sendText(conn, t),
        sendBinary: (b) => this.sendBinary(conn, b),
        queuedBytes: () => conn.socket.bufferedAmount,
        // ws keeps its TCP socket in `_socket`; corking it makes the tick's text and binary frames one write.
        cork: () => (conn.socket as unknown as { _socket?: Socket })._socket?.cork(),
        uncork: () => (conn.socket as unknown as { _socket?: Socket })._socket?.uncork(),
      },
      hello.viewport,
    );
    conn.engine = engine;
    conn.avatarId = self.avatarId;
    conn.officeId = office.id;
    this.byUser.set(conn.user.id, conn);
    this.deps.metrics.connectedUsers.set(this.byUser.size);
    // Announce to the others first; this connection gets the whole panel in its welcome.
    this.deps.presence.connected(conn.user, office.id);
    let orgSet = this.byOrg.get(conn.user.orgId);
    if (!orgSet) this.byOrg.set(conn.user.orgId, (orgSet = new Set()));
    orgSet.add(conn);
    const now = this.deps.presence.state(conn.user.id);
    self.availability = now.availability;
    self.activity = now.activity;

    this.sendText(conn, JSON.stringify({
      t: 'welcome',
      protocol: PROTOCOL_VERSION,
      tickMs: this.opts.tickMs,
      stepsPerSecond: this.opts.stepsPerSecond,
      office: { id: office.id, name: office.name, mapUrl: `/api/offices/${office.id}/map`, mapVersion: engine.mapVersion },
      self,
      spawn: spawnState(pref),
      people: users.map((u) => this.deps.presence.view(u, lookOf(u.id), avatarFromStore(u.id, avatars.get(u.id)))),
      ...(conn.watchingPeople ? {} : { peopleComplete: false }),
      iceServers: this.opts.iceServersFor(conn.user.id),
      conversationCap: this.opts.conversationCap,
    }));
    // A resumed client may already stand in a call (a meeting room); tell it right away.
    const conversation = engine.conversationStateOf(self.avatarId);
    if (conversation) this.sendText(conn, JSON.stringify({ t: 'conversation', conversation }));
  }

  private onBinary(conn: Connection, bytes: Buffer): void {
    if (bytes[0] !== BinaryKind.MOVE) return this.reject(conn, 'UNKNOWN_MESSAGE', `unknown binary frame kind ${bytes[0] ?? 'none'}`);
    if (!conn.frames!.take('move')) return this.rateLimited(conn);
    let move;
    try {
      move = decodeMove(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      return this.reject(conn, 'MALFORMED_MESSAGE', err instanceof BinaryDecodeError ? err.message : 'bad move frame');
    }
    const outcome = conn.engine!.handleMove(conn.avatarId!, move);
    if (!outcome.ok) this.deps.metrics.rejected.inc({ code: 'MOVE_REJECTED' });
    else this.deps.presence.touched(conn.user.id);
  }

  private onControl(conn: Connection, bytes: Buffer): void {
    if (bytes.byteLength > MAX_SIGNAL_BYTES) return this.reject(conn, 'PAYLOAD_TOO_LARGE', `frames are limited to ${MAX_SIGNAL_BYTES} bytes`);
    if (!isUtf8(bytes)) return this.reject(conn, 'MALFORMED_MESSAGE', 'text frames must be UTF-8');
    const parsed = parseClientControl(bytes.toString('utf8'));
    if (!parsed.ok) return this.reject(conn, parsed.code, parsed.message);
    const msg = parsed.value;
    // Only signalling may be large; everything else must fit the small control limit.
    if (msg.t !== 'rtc.signal' && bytes.byteLength > MAX_CONTROL_BYTES) return this.reject(conn, 'PAYLOAD_TOO_LARGE', `control frames are limited to ${MAX_CONTROL_BYTES} bytes`, msg.t);
    const kind: FrameKind = msg.t === 'rtc.signal' ? 'signal' : msg.t === 'chat.send' || msg.t === 'react' ? 'chat' : 'control';
    if (!conn.frames!.take(kind)) return this.rateLimited(conn);
    this.handleControl(conn, msg);
  }

  private handleControl(conn: Connection, msg: ClientControl): void {
    const engine = conn.engine!;
    const avatarId = conn.avatarId!;
    switch (msg.t) {
      case 'hello':
        return this.reject(conn, 'BAD_REQUEST', 'Already said hello on this connection.', 'hello');
      case 'viewport':
        engine.setViewport(avatarId, msg.viewport.cols, msg.viewport.rows);
        return;
      case 'people.watch':
        void this.watchPeople(conn, msg.on);
        return;
      case 'who':
        engine.answerWho(avatarId, msg.avatarIds);
        return;
      case 'ping':
        this.sendText(conn, JSON.stringify({ t: 'pong', n: msg.n, serverTime: Date.now() }));
        return;
      case 'roster': {
        // The whole office in one answer (hundreds of kilobytes at 10,000 people): once per 2 s per connection, and
        // built at most once a second per office however many ask.
        const now = Date.now();
        if (now - (this.rosterAskedAt.get(conn) ?? 0) < 2000) return this.reject(conn, 'RATE_LIMITED', 'Ask for the office list at most every 2 seconds.', msg.t);
        this.rosterAskedAt.set(conn, now);
        this.sendText(conn, engine.rosterText(now));
        return;
      }
      case 'locate': {
        const p = engine.locate(msg.userId);
        if (!p) return this.reject(conn, 'PERSON_NOT_FOUND', 'That person is not in this office right now.', 'locate');
        this.sendText(conn, JSON.stringify({ t: 'located', userId: msg.userId, x: p.x, y: p.y }));
        return;
      }
      case 'teleport': {
        const r = engine.teleportNextTo(avatarId, msg.userId);
        if (r !== 'ok') return this.reject(conn, r, r === 'NO_FREE_TILE' ? 'There is no free tile next to them.' : 'That person is not in this office right now.', 'teleport');
        this.deps.presence.touched(conn.user.id);
        return;
      }
      case 'status.set':
        this.deps.presence.choose(conn.user.id, msg.availability);
        return;
      case 'spawn.set':
        void this.setSpawn(conn, msg.mode);
        return;
      case 'conversation.lock': {
        const err = engine.setLocked(avatarId, msg.locked);
        if (err) this.reject(conn, err, 'You are not in a walk-up conversation.', msg.t);
        return;
      }
      case 'rtc.signal': {
        const err = engine.relaySignal(avatarId, msg.to, msg.signal);
        if (err) this.reject(conn, err, 'You can only signal people in your conversation.', msg.t);
        return;
      }
      case 'chat.send': {
        const text = msg.text.trim();
        if (!text) return this.reject(conn, 'VALIDATION_FAILED', 'Empty message.', msg.t);
        const err = engine.chat(avatarId, text);
        if (err) this.reject(conn, err, 'You are not in a conversation.', msg.t);
        else this.deps.presence.touched(conn.user.id);
        return;
      }
      case 'react':
        engine.react(avatarId, msg.emoji);
        this.deps.presence.touched(conn.user.id);
        return;
    }
  }

  private async setSpawn(conn: Connection, mode: 'default' | 'saved' | 'here'): Promise<void> {
    const officeId = conn.officeId!;
    const current = await this.deps.store.spawn.get(conn.user.id, officeId);
    let next = { userId: conn.user.id, officeId, mode: (current?.mode ?? 'default') as 'default' | 'saved', savedX: current?.savedX ?? null, savedY: current?.savedY ?? null };
    if (mode === 'here') {
      const pos = conn.engine!.positionOf(conn.avatarId!);
      if (!pos) return;
      next = { ...next, mode: 'saved', savedX: pos.x, savedY: pos.y };
    } else if (mode === 'saved') {
      if (next.savedX === null) return this.reject(conn, 'BAD_REQUEST', 'You have no saved point yet: use "Set my point here" first.', 'spawn.set');
      next.mode = 'saved';
    } else {
      next.mode = 'default';
    }
    try {
      await this.deps.store.spawn.upsert(next);
    } catch (err) {
      this.deps.log.error({ err }, 'saving spawn preference failed');
      return this.reject(conn, 'UNAVAILABLE', 'Could not save your spawn point; try again.', 'spawn.set');
    }
    this.sendText(conn, JSON.stringify({ t: 'spawn', spawn: spawnState(next) }));
  }

  private reject(conn: Connection, code: ErrorCode, message: string, ref?: string): void {
    this.deps.metrics.rejected.inc({ code });
    this.sendText(conn, JSON.stringify({ t: 'error', code, message, ...(ref ? { ref } : {}) }));
    if (code === 'PERSON_NOT_FOUND' || code === 'NO_FREE_TILE' || code === 'UNAVAILABLE' || code === 'NOT_IN_CONVERSATION') return;
    // A client that keeps sending garbage is broken or hostile; cut it off before it costs the others anything.
    if (++conn.invalidFrames > 50) this.fail(conn.socket, 'MALFORMED_MESSAGE', 'Too many invalid frames.', CloseCodes.PROTOCOL_ERROR);
  }

  private rateLimited(conn: Connection): void {
    this.deps.metrics.rejected.inc({ code: 'RATE_LIMITED' });
    const now = Date.now();
    if (now - conn.droppedWindowStart > 10_000) {
      conn.droppedWindowStart = now;
      conn.dropped = 0;
    }
    // A client that keeps flooding after being told is cut off, so it cannot cost the others latency.
    if (++conn.dropped > 500) return this.fail(conn.socket, 'RATE_LIMITED', 'Too many messages; disconnected.', CloseCodes.PROTOCOL_ERROR);
    if (conn.rateLimitedNotified) return;
    conn.rateLimitedNotified = true;
    setTimeout(() => (conn.rateLimitedNotified = false), 1000).unref?.();
    this.sendText(conn, JSON.stringify({ t: 'error', code: 'RATE_LIMITED', message: 'Too many messages; some were dropped.' }));
  }

  private fail(socket: WebSocket, code: ErrorCode, message: string, closeCode: number): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ t: 'error', code, message }));
    // The close reason carries the code too, for clients that only see the close event.
    socket.close(closeCode, code);
  }

  private detach(conn: Connection): void {
    if (conn.avatarId === undefined) return;
    conn.frames?.release();
    conn.engine?.leave(conn.avatarId);
    const officeId = conn.officeId!;
    conn.avatarId = undefined;
    if (this.byUser.get(conn.user.id) === conn) {
      this.byUser.delete(conn.user.id);
      this.deps.presence.disconnected(conn.user.id, officeId);
    }
    this.byOrg.get(conn.user.orgId)?.delete(conn);
    this.deps.metrics.connectedUsers.set(this.byUser.size);
  }

  /** Starts (with the whole list) or stops People-panel changes for one connection in a large organisation. */
  private async watchPeople(conn: Connection, on: boolean): Promise<void> {
    if (!on) {
      // A small organisation always gets changes; switching them off there would only hide people.
      if (conn.largeOrg) conn.watchingPeople = false;
      return;
    }
    conn.watchingPeople = true;
    const [users, avatars] = await Promise.all([
      this.deps.store.users.listByOrg(conn.user.orgId).catch(() => undefined),
      this.avatarsOf(conn.user.orgId),
    ]);
    if (!users) return this.reject(conn, 'UNAVAILABLE', 'The people list could not be read right now; try again.', 'people.watch');
    this.sendText(conn, JSON.stringify({ t: 'people', changed: users.map((u) => this.deps.presence.view(u, lookOf(u.id), avatarFromStore(u.id, avatars.get(u.id)))) }));
  }

  /** The saved avatars of an organisation's people (JSON by user id), for whole People lists; empty if unreadable. */
  private async avatarsOf(orgId: string): Promise<Map<string, string>> {
    const rows = await this.deps.store.preferences.listAvatarsByOrg(orgId).catch(() => []);
    return new Map(rows.map((r) => [r.userId, r.avatarJson]));
  }

  /** Closes live connections whose session expired or was revoked: one query per 500 connections, not one each. */
  private async recheckSessions(): Promise<void> {
    const conns = [...this.byUser.values()];
    // With the database away, nobody is cut off: sessions are checked again on the next round.
    const valid = await this.deps.auth.validSessions(conns.map((c) => c.tokenHash)).catch(() => undefined);
    if (!valid) return;
    for (const conn of conns) {
      if (!valid.has(conn.tokenHash)) this.fail(conn.socket, 'SESSION_EXPIRED', 'Your session expired; sign in again.', CloseCodes.UNAUTHENTICATED);
    }
  }

  private sendText(conn: Connection, text: string): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(text);
    this.deps.metrics.messagesOut.inc();
    this.deps.metrics.bytesOut.inc(text.length);
  }

  private sendBinary(conn: Connection, bytes: Uint8Array): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(bytes, { binary: true });
    this.deps.metrics.messagesOut.inc();
    this.deps.metrics.bytesOut.inc(bytes.byteLength);
  }

  /**
   * Cuts live connections at once when their sessions are gone (sign-out, sign-out everywhere, an erased account or
   * organisation), instead of waiting for the periodic session re-check. The close code is terminal: no reconnect.
   */
  /** A JSON control message to one connected person (Teams mode: their call's meeting link). */
  sendToUser(userId: string, message: object): void {
    const conn = this.byUser.get(userId);
    if (conn?.engine) this.sendText(conn, JSON.stringify(message));
  }

  /**
   * This node stopped owning an office (its lease could not be renewed): everyone in it is told to reconnect, and
   * lands on the office's new owner with their position.
   */
  evictOffice(officeId: string, message = 'The office moved to another server; reconnecting.'): number {
    let n = 0;
    for (const c of [...this.byUser.values()]) {
      if (c.officeId !== officeId) continue;
      this.fail(c.socket, 'UNAVAILABLE', message, CloseCodes.GOING_AWAY);
      this.detach(c);
      n++;
    }
    return n;
  }

  disconnect(which: { userId?: string; orgId?: string; tokenHash?: string }, message: string): number {
    let n = 0;
    for (const c of [...this.byUser.values()]) {
      if (which.userId !== undefined && c.user.id !== which.userId) continue;
      if (which.orgId !== undefined && c.user.orgId !== which.orgId) continue;
      if (which.tokenHash !== undefined && c.tokenHash !== which.tokenHash) continue;
      this.fail(c.socket, 'UNAUTHENTICATED', message, CloseCodes.UNAUTHENTICATED);
      this.detach(c);
      n++;
    }
    return n;
  }

  closeAll(): void {
    clearInterval(this.sessionTimer);
    clearInterval(this.peopleTimer);
    for (const c of [...this.byUser.values()]) {
      if (c.socket.readyState === c.socket.OPEN) c.socket.close(CloseCodes.GOING_AWAY, 'server shutting down');
    }
  }
}

function spawnState(p: { mode: 'default' | 'saved'; savedX: number | null; savedY: number | null } | undefined) {
  return { mode: p?.mode ?? 'default', saved: p && p.savedX !== null && p.savedY !== null ? { x: p.savedX, y: p.savedY } : null };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The person's saved avatar, or the one picked from their id when they never chose one (or it no longer parses). */
export function avatarFromStore(userId: string, json: string | undefined): AvatarSpec {
  if (json !== undefined) {
    try {
      const checked = parseAvatarSpec(JSON.parse(json));
      if (checked.ok) return checked.spec;
    } catch {
      // An unreadable stored value falls back like a missing one.
    }
  }
  return defaultAvatarFor(userId);
}
