import { useEffect, useState } from 'react';
import { Splash } from '../components.js';
import { followLink } from '../router.js';

type OfficeViewModule = typeof import('./OfficeView.js');

let loaded: OfficeViewModule | undefined;
let loading: Promise<OfficeViewModule> | undefined;

/** Phaser is most of the bundle and only the office needs it, so it comes in its own chunk, fetched once. */
export function loadOfficeView(): Promise<OfficeViewModule> {
  loading ??= import('./OfficeView.js').then((m) => (loaded = m));
  loading.catch(() => (loading = undefined));
  return loading;
}

/**
 * The office screen once its chunk is here. Not React.lazy: Suspense holds a revealed boundary back for a few
 * hundred milliseconds, which would go straight onto the time to the own avatar.
 */
export function OfficeRoute({ officeId }: { officeId: string }) {
  const [mod, setMod] = useState<OfficeViewModule | undefined>(loaded);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (mod) return;
    let live = true;
    loadOfficeView().then(
      (m) => live && setMod(m),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [mod]);
  if (failed) {
    return (
      <main className="content empty-state">
        <h1>The office could not be loaded</h1>
        <p className="muted">Check your connection and reload the page.</p>
        <div style={{ display: 'flex', gap: 8 }}>
          <button type="button" className="btn primary" onClick={() => location.reload()}>
            Reload
          </button>
          <a className="btn" href="/" onClick={followLink}>
            Back to offices
          </a>
        </div>
      </main>
    );
  }
  if (!mod) return <Splash label="Opening the office…" />;
  const View = mod.default;
  return <View officeId={officeId} />;
}
