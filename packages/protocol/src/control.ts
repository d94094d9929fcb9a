import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { Availability, Activity, ChosenAvailability } from './presence.js';
import { AvatarSpecView, PersonView } from './http.js';
import { ErrorCodes } from './errors.js';

/**
 * JSON control messages on the office WebSocket (text frames). Position traffic does not go here: it uses the
 * binary codecs in `binary.ts`. Each message has a discriminating `t`.
 */
/** Session descriptions with a few audio/video m-lines stay well under this; larger ones are refused. */
export const MAX_SDP_CHARS = 24_000;
export const MAX_CHAT_CHARS = 1000;

const Tile = Type.Integer({ minimum: 0, maximum: 65535 });
const Dir = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('left'), Type.Literal('right')]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Viewport = Type.Object(
  { cols: Type.Integer({ minimum: 1, maximum: 200 }), rows: Type.Integer({ minimum: 1, maximum: 200 }) },
  { additionalProperties: false },
);

// ---- client → server -------------------------------------------------------------------------------------------

export const HelloMsg = Type.Object(
  {
    t: Type.Literal('hello'),
    protocol: Type.Integer({ minimum: 0, maximum: 65535 }),
    officeId: Id,
    viewport: Viewport,
    /** Where the client last stood, so a reconnect after a server restart reappears there. */
    resume: Type.Optional(Type.Object({ x: Tile, y: Tile }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const ViewportMsg = Type.Object({ t: Type.Literal('viewport'), viewport: Viewport }, { additionalProperties: false });
/** Ask where a person stands, to walk to them (Go to). */
export const LocateMsg = Type.Object({ t: Type.Literal('locate'), userId: Id }, { additionalProperties: false });
/** Appear on a free tile next to a person. */
export const TeleportMsg = Type.Object({ t: Type.Literal('teleport'), userId: Id }, { additionalProperties: false });
/** Choose where the next visit starts, or save the current tile as one's point. */
export const SpawnSetMsg = Type.Object(
  { t: Type.Literal('spawn.set'), mode: Type.Union([Type.Literal('default'), Type.Literal('saved'), Type.Literal('here')]) },
  { additionalProperties: false },
);
export const StatusSetMsg = Type.Object({ t: Type.Literal('status.set'), availability: ChosenAvailability }, { additionalProperties: false });
export const PingMsg = Type.Object({ t: Type.Literal('ping'), n: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
/** Lock or unlock one's walk-up conversation so nobody new joins. */
export const ConversationLockMsg = Type.Object({ t: Type.Literal('conversation.lock'), locked: Type.Boolean() }, { additionalProperties: false });

/**
 * Which peer-connection session of a pair a description or candidate belongs to. The side of the pair with the
 * greater user id opens each session (a new id per RTCPeerConnection it creates); the other side adopts it. A
 * signal of an older session, still in flight when either side started over, is then told apart and dropped.
 */
const RtcSession = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));

/** WebRTC signalling, relayed by the server only between members of the same conversation ("perfect negotiation"). */
export const RtcSignal = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('description'),
      session: RtcSession,
      description: Type.Object({ type: Type.Union([Type.Literal('offer'), Type.Literal('answer'), Type.Literal('rollback'), Type.Literal('pranswer')]), sdp: Type.String({ maxLength: MAX_SDP_CHARS }) }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('candidate'),
      session: RtcSession,
      candidate: Type.Union([
        Type.Null(),
        Type.Object(
          {
            candidate: Type.String({ maxLength: 1024 }),
            sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
            usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
      ]),
    },
    { additionalProperties: false },
  ),
  /** Mute marks: what the sender currently sends, so tiles can show a muted microphone or a camera-off avatar. */
  Type.Object({ kind: Type.Literal('media'), audio: Type.Boolean(), video: Type.Boolean() }, { additionalProperties: false }),
]);
export type RtcSignal = Static<typeof RtcSignal>;
export const RtcSignalMsg = Type.Object({ t: Type.Literal('rtc.signal'), to: Id, signal: RtcSignal }, { additionalProperties: false });
export const ChatSendMsg = Type.Object({ t: Type.Literal('chat.send'), text: Type.String({ minLength: 1, maxLength: MAX_CHAT_CHARS }) }, { additionalProperties: false });
/** The emoji a reaction burst may carry. */
export const REACTIONS = ['👋', '👍', '❤️', '😂', '🎉', '👏', '😮', '🙌'] as const;
export type Reaction = (typeof REACTIONS)[number];
export const ReactMsg = Type.Object({ t: Type.Literal('react'), emoji: Type.Union(REACTIONS.map((e) => Type.Literal(e))) }, { additionalProperties: false });

/**
 * Ask for (on) or stop (off) the organisation's People-panel changes. Small organisations get them always; in a large
 * one they go only to clients showing the panel, which get the whole list when they ask.
 */
export const PeopleWatchMsg = Type.Object({ t: Type.Literal('people.watch'), on: Type.Boolean() }, { additionalProperties: false });

/** Who are these avatars? Asked once per avatar and connection, for names the AOI frame does not carry. */
export const WhoMsg = Type.Object(
  { t: Type.Literal('who'), avatarIds: Type.Array(Type.Integer({ minimum: 0, maximum: 0xffffffff }), { minItems: 1, maxItems: 256 }) },
  { additionalProperties: false },
);

/** Who is in the office, room by room: the list view of the office (keyboard and screen-reader users). */
export const RosterMsg = Type.Object({ t: Type.Literal('roster') }, { additionalProperties: false });

const clientMessages = [RosterMsg, WhoMsg, PeopleWatchMsg, HelloMsg, ViewportMsg, LocateMsg, TeleportMsg, SpawnSetMsg, StatusSetMsg, PingMsg, ConversationLockMsg, RtcSignalMsg, ChatSendMsg, ReactMsg] as const;
export const ClientControl = Type.Union([...clientMessages]);
export type ClientControl = Static<typeof ClientControl>;
export type HelloMsg = Static<typeof HelloMsg>;

// ---- server → client -------------------------------------------------------------------------------------------

export const IceServer = Type.Object({
  urls: Type.Union([Type.String(), Type.Array(Type.String())]),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServer>;

/** Everything a client needs to draw an avatar it has not seen before. */
export const AvatarInfo = Type.Object({
  avatarId: Type.Integer({ minimum: 0 }),
  userId: Id,
  name: Type.String(),
  look: Type.Integer({ minimum: 0 }),
  /** The layered avatar to draw; `look` (a ready-made sprite) is the fallback until it is known. */
  avatar: Type.Optional(AvatarSpecView),
  availability: Availability,
  activity: Activity,
  x: Tile,
  y: Tile,
  dir: Dir,
});
export type AvatarInfo = Static<typeof AvatarInfo>;

export const SpawnState = Type.Object({
  mode: Type.Union([Type.Literal('default'), Type.Literal('saved')]),
  saved: Type.Union([Type.Object({ x: Tile, y: Tile }), Type.Null()]),
});
export type SpawnState = Static<typeof SpawnState>;

export const WelcomeMsg = Type.Object({
  t: Type.Literal('welcome'),
  protocol: Type.Integer(),
  tickMs: Type.Integer(),
  stepsPerSecond: Type.Number(),
  /** `mapVersion`: the version of the map the office runs; a client holding another one fetches `mapUrl` again. */
  office: Type.Object({ id: Id, name: Type.String(), mapUrl: Type.String(), mapVersion: Type.Optional(Type.Integer({ minimum: 1 })) }),
  self: AvatarInfo,
  spawn: SpawnState,
  people: Type.Array(PersonView),
  /**
   * False in an organisation too large to send everyone on every join: `people` is then empty and the client sends
   * `people.watch` while it shows the People panel. Absent or true: `people` is complete and changes follow.
   */
  peopleComplete: Type.Optional(Type.Boolean()),
  /** STUN/TURN servers for calls; empty on a LAN, where host candidates suffice. */
  iceServers: Type.Array(IceServer),
  /** Largest walk-up conversation. */
  conversationCap: Type.Integer(),
});
/** People-panel changes across the organisation (online, offline, status). */
export const PeopleMsg = Type.Object({ t: Type.Literal('people'), changed: Type.Array(PersonView) });
export const LocatedMsg = Type.Object({ t: Type.Literal('located'), userId: Id, x: Tile, y: Tile });
export const SpawnMsg = Type.Object({ t: Type.Literal('spawn'), spawn: SpawnState });
export const ErrorMsg = Type.Object({
  t: Type.Literal('error'),
  code: Type.Union(ErrorCodes.map((c) => Type.Literal(c))),
  message: Type.String(),
  /** The `t` of the client message this answers, when there is one. */
  ref: Type.Optional(Type.String()),
});
export const PongMsg = Type.Object({ t: Type.Literal('pong'), n: Type.Integer(), serverTime: Type.Number() });

export const ConversationMember = Type.Object({ userId: Id, name: Type.String(), avatarId: Type.Integer() });
export const ConversationState = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('walkup'), Type.Literal('room')]),
  roomId: Type.Optional(Type.String()),
  roomName: Type.Optional(Type.String()),
  members: Type.Array(ConversationMember),
  locked: Type.Boolean(),
});
export type ConversationState = Static<typeof ConversationState>;
/** The conversation (walk-up or meeting room) this client is in now, or null when it is in none. */
export const ConversationMsg = Type.Object({ t: Type.Literal('conversation'), conversation: Type.Union([ConversationState, Type.Null()]) });
export const RtcSignalFromMsg = Type.Object({ t: Type.Literal('rtc.signal'), from: Id, signal: RtcSignal });
export const ChatMsg = Type.Object({
  t: Type.Literal('chat'),
  id: Type.String(),
  conversationId: Type.String(),
  from: Id,
  name: Type.String(),
  text: Type.String(),
  at: Type.Number(),
});
export const ReactionMsg = Type.Object({ t: Type.Literal('reaction'), avatarId: Type.Integer(), emoji: Type.String() });
export type ConversationMsg = Static<typeof ConversationMsg>;
export type ChatMsg = Static<typeof ChatMsg>;
export type ReactionMsg = Static<typeof ReactionMsg>;
export type RtcSignalFromMsg = Static<typeof RtcSignalFromMsg>;


/** The answer to `who`: the avatars still in the office among those asked for. */
export const WhoReplyMsg = Type.Object({
  t: Type.Literal('who'),
  people: Type.Array(Type.Object({ avatarId: Type.Integer(), userId: Type.String(), name: Type.String(), avatar: Type.Optional(AvatarSpecView) })),
});
export type WhoReplyMsg = Static<typeof WhoReplyMsg>;

/** Teams mode: the Teams meeting of the caller's conversation or room ("Join on Teams", for screen sharing). */
export const MeetingMsg = Type.Object({ t: Type.Literal('meeting'), conversationId: Type.String(), joinWebUrl: Type.String({ pattern: '^https://' }) });
export type MeetingMsg = Static<typeof MeetingMsg>;

/** Someone in the office changed their avatar (the avatar editor): redraw them. */
export const AvatarMsg = Type.Object({ t: Type.Literal('avatar'), userId: Type.String(), avatarId: Type.Integer(), avatar: AvatarSpecView });
export type AvatarMsg = Static<typeof AvatarMsg>;

/** The answer to `roster`: everyone in the office by meeting room or focus area (map order), then the open floor. */
export const RosterReplyMsg = Type.Object({
  t: Type.Literal('roster'),
  zones: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('meeting-room'), Type.Literal('focus')]),
    capacity: Type.Optional(Type.Integer()),
    people: Type.Array(Type.String()),
  })),
  /** User ids of the people standing outside every room and focus area. */
  elsewhere: Type.Array(Type.String()),
});
export type RosterReplyMsg = Static<typeof RosterReplyMsg>;

/** An admin saved a new version of the office's map: fetch it from the welcome's `mapUrl` and draw it, staying connected. */
export const MapMsg = Type.Object({ t: Type.Literal('map'), version: Type.Integer({ minimum: 1 }) });
export type MapMsg = Static<typeof MapMsg>;
export const ServerControl = Type.Union([AvatarMsg, RosterReplyMsg, MapMsg, MeetingMsg, WhoReplyMsg, WelcomeMsg, PeopleMsg, LocatedMsg, SpawnMsg, ErrorMsg, PongMsg, ConversationMsg, RtcSignalFromMsg, ChatMsg, ReactionMsg]);
export type ServerControl = Static<typeof ServerControl>;
export type WelcomeMsg = Static<typeof WelcomeMsg>;
export type PeopleMsg = Static<typeof PeopleMsg>;
export type ErrorMsg = Static<typeof ErrorMsg>;

/**
 * Largest control frame either side sends or accepts; anything longer is refused before parsing. Signalling frames
 * carry session descriptions and need more than the rest.
 */
export const MAX_CONTROL_BYTES = 4096;
export const MAX_SIGNAL_BYTES = 32 * 1024;
/** The WebSocket's own frame limit: the largest message of any kind. */
export const MAX_FRAME_BYTES = MAX_SIGNAL_BYTES;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: 'MALFORMED_MESSAGE' | 'UNKNOWN_MESSAGE' | 'VALIDATION_FAILED'; message: string };

// Compiled on first use: the server validates every frame and wants the speed of compiled checkers, while a
// browser never calls this and must not run the compiler at all (it evaluates generated code, which a strict
// Content-Security-Policy forbids).
let clientKinds: Map<string, TypeCheck<TSchema>> | undefined;
function clientCheckers(): Map<string, TypeCheck<TSchema>> {
  clientKinds ??= new Map(clientMessages.map((s) => [(s.properties.t as { const: string }).const, TypeCompiler.Compile(s as TSchema)]));
  return clientKinds;
}

/** Parses and validates one client control frame, telling unknown types apart from malformed ones. */
export function parseClientControl(text: string): ParseResult<ClientControl> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'MALFORMED_MESSAGE', message: 'control frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || typeof (raw as { t?: unknown }).t !== 'string') {
    return { ok: false, code: 'MALFORMED_MESSAGE', message: 'control frame must be an object with a string "t"' };
  }
  const kind = (raw as { t: string }).t;
  const checker = clientCheckers().get(kind);
  if (!checker) return { ok: false, code: 'UNKNOWN_MESSAGE', message: `unknown message type "${kind.slice(0, 40)}"` };
  if (!checker.Check(raw)) {
    const first = checker.Errors(raw).First();
    return {
      ok: false,
      code: 'VALIDATION_FAILED',
      message: `invalid "${kind}": ${first ? `${first.path || '/'} ${first.message}` : 'does not match the schema'}`,
    };
  }
  return { ok: true, value: raw as ClientControl };
}

/**
 * Parses a server control frame on the client; a server never sends invalid ones, but a client must not crash if it
 * does. It walks the schema instead of compiling it, so it runs under a strict Content-Security-Policy.
 */
export function parseServerControl(text: string): ServerControl | null {
  try {
    const raw: unknown = JSON.parse(text);
    return Value.Check(ServerControl, raw) ? raw : null;
  } catch {
    return null;
  }
}
