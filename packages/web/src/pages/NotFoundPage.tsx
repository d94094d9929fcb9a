import { AppHeader } from '../components.js';
import { followLink } from '../router.js';

export function NotFoundPage() {
  return (
    <div className="page">
      <AppHeader />
      <main className="content empty-state">
        <h1>Nothing here</h1>
        <p className="muted">This page does not exist.</p>
        <a className="btn primary" href="/" onClick={followLink}>
          Back to your offices
        </a>
      </main>
    </div>
  );
}
