import { useEffect, useState } from 'react';
import { Body1 } from '@fluentui/react-components';
import { api, describeError } from '../api.js';
import { buildAuthorizeUrl, newState, readAuthResult, STATE_STORAGE_KEY } from './authorize.js';
import { finishAuthPopup } from './teamsHost.js';
import { Centered, Problem } from './parts.js';

/**
 * The consent pop-up that `authentication.authenticate` opens. auth-start sends the window to Microsoft's authorize
 * endpoint; Microsoft sends it back to auth-end, which tells the tab how it went. `state` ties the two together
 * (kept in this window's sessionStorage), so an answer to somebody else's request is refused.
 */

export function AuthStartPage() {
  const [failure, setFailure] = useState<string | undefined>();
  useEffect(() => {
    const query = new URLSearchParams(location.search);
    api.teamsConfig().then(
      (config) => {
        const state = newState();
        sessionStorage.setItem(STATE_STORAGE_KEY, state);
        location.replace(
          buildAuthorizeUrl({
            config,
            tenantId: query.get('tenantId') ?? undefined,
            loginHint: query.get('loginHint') ?? undefined,
            origin: location.origin,
            state,
          }),
        );
      },
      (err: unknown) => {
        const reason = describeError(err);
        setFailure(reason);
        void finishAuthPopup({ ok: false, reason }).catch(() => undefined);
      },
    );
  }, []);
  if (failure) return <Problem title="Microsoft sign-in could not start">{failure}</Problem>;
  return <Centered label="Opening Microsoft sign-in…" />;
}

export function AuthEndPage() {
  const [done, setDone] = useState<{ ok: boolean; text: string } | undefined>();
  useEffect(() => {
    const result = readAuthResult(location.search, sessionStorage.getItem(STATE_STORAGE_KEY));
    sessionStorage.removeItem(STATE_STORAGE_KEY);
    finishAuthPopup(result).then(
      () => setDone(result.ok ? { ok: true, text: 'Access granted. This window closes by itself.' } : { ok: false, text: result.reason }),
      () => setDone({ ok: false, text: 'Teams did not answer. Close this window and try again from the tab.' }),
    );
  }, []);
  if (!done) return <Centered label="Finishing sign-in…" />;
  if (!done.ok) return <Problem title="Access was not granted">{done.text}</Problem>;
  return (
    <main className="teams-page">
      <Body1 as="p" data-testid="auth-end-done">
        {done.text}
      </Body1>
    </main>
  );
}
