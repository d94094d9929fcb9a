import type { MeView } from '@metaoffice/protocol';

/**
 * Teams single sign-on as a small state machine over injected calls, so it is tested without Teams or a server:
 * TeamsJS `getAuthToken` → POST /api/teams/sso → a session, or a state the page explains.
 */

export type SignInOutcome =
  | { status: 'signedIn'; me: MeView; tenantId: string }
  /** The person (or an admin) has to consent first; `detail` is the server's or Teams' reason. */
  | { status: 'consentRequired'; detail: string | undefined }
  /** Microsoft 365 did not answer: worth a retry, not a sign-in. */
  | { status: 'unavailable'; detail: string | undefined }
  | { status: 'failed'; message: string };

export interface SignInDeps {
  getAuthToken(): Promise<string>;
  exchange(token: string): Promise<{ me: MeView; tenantId: string }>;
}

/** Reasons Teams gives `getAuthToken` when the app's scopes still need consent. */
const TEAMS_CONSENT_REASONS = /consent|interaction_required|invalid_grant/i;

export async function signInSilently(deps: SignInDeps): Promise<SignInOutcome> {
  let token: string;
  try {
    token = await deps.getAuthToken();
  } catch (err) {
    const reason = messageOf(err);
    if (TEAMS_CONSENT_REASONS.test(reason)) return { status: 'consentRequired', detail: reason };
    return { status: 'failed', message: `Teams could not sign you in (${reason || 'no reason given'}).` };
  }
  try {
    const { me, tenantId } = await deps.exchange(token);
    return { status: 'signedIn', me, tenantId };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const detail = (err as { problem?: { detail?: string } } | null)?.problem?.detail;
    if (code === 'CONSENT_REQUIRED') return { status: 'consentRequired', detail };
    if (code === 'MICROSOFT_UNAVAILABLE') return { status: 'unavailable', detail };
    if (code === 'UNAVAILABLE') return { status: 'failed', message: 'MetaOffice cannot be reached. Check your connection and try again.' };
    if (code === 'UNAUTHENTICATED') return { status: 'failed', message: 'Microsoft 365 did not vouch for this sign-in. Reload the tab to try again.' };
    return { status: 'failed', message: messageOf(err) || 'Signing in failed.' };
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : '';
}
