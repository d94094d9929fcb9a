import type { app } from '@microsoft/teams-js';

/** Pure readings of the TeamsJS context: which tab, who, and how it should look. No DOM, no TeamsJS calls. */

export type TeamsTheme = 'default' | 'dark' | 'contrast';

/** What the pages need from `app.getContext()`, flattened and checked once. */
export interface TeamsPageContext {
  tenantId: string;
  /** The person's Entra object id. */
  userId: string;
  /** For the consent pop-up's `login_hint`; Teams gives the UPN. */
  loginHint: string | undefined;
  /** `team.groupId`: the Microsoft 365 group of the team, which Graph's /teams/{id} takes. */
  teamId: string | undefined;
  channelId: string | undefined;
  /** `page.id`: the tab's entity id, set once the tab was saved (content frame, or Settings reopened). */
  entityId: string | undefined;
  frameContext: string | undefined;
  theme: TeamsTheme;
  locale: string;
}

/** The key the server stores a channel tab's office under (with the tenant, which the session already carries). */
export interface TabKey {
  teamId: string;
  channelId: string;
  entityId: string;
}

export class TeamsContextError extends Error {
  override name = 'TeamsContextError';
}

/** Teams sends `default`, `dark` or `contrast`; anything else (older hosts, other M365 apps) is treated as light. */
export function teamsThemeOf(theme: string | undefined): TeamsTheme {
  return theme === 'dark' || theme === 'contrast' ? theme : 'default';
}

function text(value: string | undefined | null): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** Flattens the context; a context without tenant or user is not from a signed-in Teams and is refused. */
export function readPageContext(ctx: app.Context): TeamsPageContext {
  const tenantId = text(ctx.user?.tenant?.id);
  const userId = text(ctx.user?.id);
  if (!tenantId || !userId) throw new TeamsContextError('Teams did not say which organisation and person this is.');
  return {
    tenantId,
    userId,
    loginHint: text(ctx.user?.loginHint) ?? text(ctx.user?.userPrincipalName),
    teamId: text(ctx.team?.groupId),
    channelId: text(ctx.channel?.id),
    entityId: text(ctx.page?.id),
    frameContext: text(ctx.page?.frameContext),
    theme: teamsThemeOf(ctx.app?.theme),
    locale: text(ctx.app?.locale) ?? 'en-us',
  };
}

/** The tab being configured: the team and channel from the context, with the tab's entity id or a new one. */
export function configTabKey(ctx: TeamsPageContext, newEntityId: () => string): TabKey & { isNew: boolean } {
  const { teamId, channelId } = needTeamAndChannel(ctx);
  return ctx.entityId ? { teamId, channelId, entityId: ctx.entityId, isNew: false } : { teamId, channelId, entityId: newEntityId(), isNew: true };
}

/** The tab being shown: everything must be in the context, because a content frame always belongs to a saved tab. */
export function contentTabKey(ctx: TeamsPageContext): TabKey {
  const { teamId, channelId } = needTeamAndChannel(ctx);
  if (!ctx.entityId) throw new TeamsContextError('Teams did not say which tab this is. Remove the tab and add it again.');
  return { teamId, channelId, entityId: ctx.entityId };
}

function needTeamAndChannel(ctx: TeamsPageContext): { teamId: string; channelId: string } {
  if (!ctx.teamId || !ctx.channelId) throw new TeamsContextError('An office tab belongs in a team channel; Teams did not say which one.');
  return { teamId: ctx.teamId, channelId: ctx.channelId };
}
