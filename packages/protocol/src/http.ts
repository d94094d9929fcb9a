import { Type, type Static } from '@sinclair/typebox';
import { Availability, Activity } from './presence.js';
import { Problem } from './errors.js';

/**
 * HTTP API bodies. The same TypeBox schemas drive Fastify's validation, the OpenAPI document and the typed SDK.
 */
const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const SignUpBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    inviteToken: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SignUpBody = Static<typeof SignUpBody>;

export const SignInBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

export const UserView = Type.Object(
  { id: Id, email: Type.String(), name: Type.String(), role: Role, orgId: Id },

);
export type UserView = Static<typeof UserView>;

export const OrganisationView = Type.Object({ id: Id, name: Type.String() });
export type OrganisationView = Static<typeof OrganisationView>;

export const MeView = Type.Object({ user: UserView, organisation: OrganisationView });
export type MeView = Static<typeof MeView>;

export const InviteView = Type.Object(
  { token: Type.String(), url: Type.String(), expiresAt: Type.Integer() },

);
export type InviteView = Static<typeof InviteView>;

export const InviteInfo = Type.Object(
  { organisationName: Type.String(), expiresAt: Type.Integer() },

);
export type InviteInfo = Static<typeof InviteInfo>;

export const TemplateView = Type.Object(
  { id: Type.String(), name: Type.String(), description: Type.String(), thumbnailUrl: Type.String() },

);
export type TemplateView = Static<typeof TemplateView>;

export const OfficeView = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.String(),
    template: Type.String(),
    thumbnailUrl: Type.String(),
    mapUrl: Type.String(),
    /** People connected to this office right now. */
    online: Type.Integer({ minimum: 0 }),
  },

);
export type OfficeView = Static<typeof OfficeView>;

export const CreateOfficeBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80 }),
    description: Type.String({ maxLength: 500, default: '' }),
    template: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type CreateOfficeBody = Static<typeof CreateOfficeBody>;

/**
 * A person's avatar: one choice per layer, each an index into @metaoffice/maps' AVATAR_PARTS (which the server checks
 * the exact ranges against). The body of PUT /api/me/avatar, and what `who`, `avatar` and `welcome` messages carry.
 */
const AvatarChoice = Type.Integer({ minimum: 0, maximum: 63 });
export const AvatarSpecView = Type.Object(
  { skin: AvatarChoice, hair: AvatarChoice, hairColour: AvatarChoice, outfit: AvatarChoice, outfitColour: AvatarChoice, eyes: AvatarChoice, glasses: AvatarChoice, hat: AvatarChoice },
  { additionalProperties: false },
);
export type AvatarSpecView = Static<typeof AvatarSpecView>;

/** One row of the People panel. */
export const PersonView = Type.Object(
  {
    userId: Id,
    name: Type.String(),
    availability: Availability,
    activity: Activity,
    /** The office this person is connected to, or null when offline. */
    officeId: Type.Union([Id, Type.Null()]),
    look: Type.Integer({ minimum: 0 }),
    /** Their layered avatar, where the list carries it (full lists do; presence changes leave it out). */
    avatar: Type.Optional(AvatarSpecView),
  },

);
export type PersonView = Static<typeof PersonView>;

export const OfficeIdParams = Type.Object({ officeId: Id });
export const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) });

/** The HttpOnly cookie that carries the session, on HTTP requests and on the WebSocket upgrade. */
export const SESSION_COOKIE = 'mo_session';

/** A person's audio/video configuration: devices and what is on when a call starts. Stored per user on the server. */
export const AvPreferences = Type.Object(
  {
    speakerId: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    microphoneId: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    cameraId: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    micOnByDefault: Type.Boolean(),
    cameraOnByDefault: Type.Boolean(),
    /** The pre-join screen was completed once; later calls start straight away with these settings. */
    prejoinDone: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type AvPreferences = Static<typeof AvPreferences>;
export const DEFAULT_AV_PREFERENCES: AvPreferences = {
  speakerId: null,
  microphoneId: null,
  cameraId: null,
  micOnByDefault: true,
  cameraOnByDefault: true,
  prejoinDone: false,
};

// ---- data rules: offboarding, export, erasure ------------------------------------------------------------------

/** Deleting the organisation is irreversible; the admin types its name to confirm. */
export const DeleteOrganisationBody = Type.Object(
  { confirm: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type DeleteOrganisationBody = Static<typeof DeleteOrganisationBody>;

/** Deleting one's own account asks for the password again, so a left-open session cannot do it. */
/**
 * Erasing one's account: the password, or for an account without one (Teams people sign in through Microsoft 365
 * only) the account's e-mail address typed out, as deleting an organisation asks for its name.
 */
export const DeleteMeBody = Type.Union([
  Type.Object({ password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  Type.Object({ confirm: Type.String({ minLength: 1, maxLength: 254 }) }, { additionalProperties: false }),
]);
export type DeleteMeBody = Static<typeof DeleteMeBody>;


/** Everything the server keeps about the signed-in person (GET /api/me/export). Secrets and hashes are left out. */
export const MeExport = Type.Object({
  format: Type.Literal('metaoffice-me-export'),
  version: Type.Literal(1),
  exportedAt: Type.Integer(),
  user: Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Role, createdAt: Type.Integer() }),
  organisation: OrganisationView,
  avPreferences: Type.Union([AvPreferences, Type.Null()]),
  /** The avatar chosen in the avatar editor; null when never chosen (everyone then has one picked from their id). */
  avatar: Type.Optional(Type.Union([AvatarSpecView, Type.Null()])),
  spawnPoints: Type.Array(
    Type.Object({ officeId: Id, mode: Type.Union([Type.Literal('default'), Type.Literal('saved')]), savedX: Type.Union([Type.Integer(), Type.Null()]), savedY: Type.Union([Type.Integer(), Type.Null()]) }),
  ),
  /** Open sign-ins; the tokens themselves are never stored, only their hashes, and neither is exported. */
  sessions: Type.Array(Type.Object({ createdAt: Type.Integer(), expiresAt: Type.Integer(), current: Type.Boolean() })),
  invitesCreated: Type.Array(Type.Object({ createdAt: Type.Integer(), expiresAt: Type.Integer(), usedCount: Type.Integer() })),
  /**
   * Teams mode: the Microsoft 365 identifiers kept about the person, and whether a sealed Graph token cache is held
   * (its tokens are secrets and are not exported).
   */
  microsoft: Type.Optional(Type.Object({ tenantId: Type.String(), objectId: Type.String(), userPrincipalName: Type.String(), graphTokenCacheHeld: Type.Boolean() })),
});
export type MeExport = Static<typeof MeExport>;

/** Sign out everywhere: how many sign-ins (this one included) were ended. */
export const SignOutAllView = Type.Object({ revoked: Type.Integer({ minimum: 0 }) });
export type SignOutAllView = Static<typeof SignOutAllView>;

// ---- Teams mode ---------------------------------------------------------------------------------------------------

/** Public facts the tab's consent pop-up needs (GET /api/teams/config). */
export const TeamsConfigView = Type.Object({ clientId: Type.String(), authorityHost: Type.String(), graphScopes: Type.Array(Type.String()) });
export type TeamsConfigView = Static<typeof TeamsConfigView>;

/** The token TeamsJS `authentication.getAuthToken()` returned. */
export const TeamsSsoBody = Type.Object({ token: Type.String({ minLength: 20, maxLength: 16_384 }) }, { additionalProperties: false });
export type TeamsSsoBody = Static<typeof TeamsSsoBody>;

export const TeamsSignInView = Type.Object({ me: MeView, tenantId: Type.String() });
export type TeamsSignInView = Static<typeof TeamsSignInView>;

/** Teams ids are GUIDs and thread ids (19:…@thread.tacv2); generous bounds, no NUL, no control characters. */
const TeamsId = () => Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$' });

/** Which tab: the team and channel from the Teams context, and the tab's own entity id. */
export const TeamsTabQuery = Type.Object({ teamId: TeamsId(), channelId: TeamsId(), entityId: TeamsId() }, { additionalProperties: false });
export type TeamsTabQuery = Static<typeof TeamsTabQuery>;

export const TeamsTabBody = Type.Object(
  {
    teamId: TeamsId(),
    channelId: TeamsId(),
    entityId: TeamsId(),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    description: Type.String({ maxLength: 280, default: '' }),
    template: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type TeamsTabBody = Static<typeof TeamsTabBody>;

export const TeamsTabView = Type.Object({ office: Type.Union([OfficeView, Type.Null()]) });
export type TeamsTabView = Static<typeof TeamsTabView>;

/** What `pages.config.setConfig` needs after a tab is saved. */
export const TeamsTabSaved = Type.Object({ office: OfficeView, contentUrl: Type.String(), websiteUrl: Type.String(), suggestedDisplayName: Type.String() });
export type TeamsTabSaved = Static<typeof TeamsTabSaved>;

export const TeamsOfficeView = Type.Object({ office: OfficeView, teamId: Type.String(), teamName: Type.String() });
export type TeamsOfficeView = Static<typeof TeamsOfficeView>;

/** Teams mode: ask a team member to come to the office, or say you want to talk (activity feed). */
export const TeamsNudgeBody = Type.Object(
  { officeId: Type.String({ minLength: 1, maxLength: 64 }), userId: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.Union([Type.Literal('invite'), Type.Literal('talk')]) },
  { additionalProperties: false },
);
export type TeamsNudgeBody = Static<typeof TeamsNudgeBody>;

/**
 * What became of a nudge: queued for the activity feed; already sent recently; to oneself; the tenant's queue full;
 * or not sent because the person is in an office right now (walk up to them instead).
 */
export const TeamsNudgeView = Type.Object({ outcome: Type.Union([Type.Literal('queued'), Type.Literal('duplicate'), Type.Literal('self'), Type.Literal('queue_full'), Type.Literal('in_office')]) });
export type TeamsNudgeView = Static<typeof TeamsNudgeView>;

/** After an office's map was replaced by an uploaded Tiled map: the office, and the map's new version. */
/** Who is editing an office's map now (the office editor's lease), if anyone. */
export const OfficeEditorView = Type.Object({ editor: Type.Union([Type.Object({ userId: Type.String(), name: Type.String() }), Type.Null()]) });
export type OfficeEditorView = Static<typeof OfficeEditorView>;
/** The office editor's lease: renew it with `token` well within `ttlMs`, release it when done. */
export const EditLeaseGranted = Type.Object({ token: Type.Integer({ minimum: 1 }), ttlMs: Type.Integer({ minimum: 1 }), mapVersion: Type.Integer({ minimum: 1 }) });
export type EditLeaseGranted = Static<typeof EditLeaseGranted>;
export const EditLeaseToken = Type.Object({ token: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
export type EditLeaseToken = Static<typeof EditLeaseToken>;

export const OfficeMapSaved = Type.Object({ office: OfficeView, mapVersion: Type.Integer({ minimum: 1 }) });
export type OfficeMapSaved = Static<typeof OfficeMapSaved>;

/** One problem of an uploaded map: a JSON pointer into the upload, the layer and the tile it is on, and what is wrong. */
export const MapProblemView = Type.Object({
  path: Type.String(),
  message: Type.String(),
  layer: Type.Optional(Type.String()),
  x: Type.Optional(Type.Integer()),
  y: Type.Optional(Type.Integer()),
});
export type MapProblemView = Static<typeof MapProblemView>;

/** The problem body of a refused map upload (VALIDATION_FAILED): every problem found, each with its layer and tile. */
export const MapUploadProblem = Type.Object({ ...Problem.properties, errors: Type.Optional(Type.Array(MapProblemView)) });
export type MapUploadProblem = Static<typeof MapUploadProblem>;
