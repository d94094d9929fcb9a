import { useEffect, useId, useState } from 'react';
import type { OfficeConnection } from '@metaoffice/client';
import type { PersonView, RosterReplyMsg } from '@metaoffice/protocol';
import { availabilityText, colourOf } from './presence.js';

/** How often the list asks the server again while it is open. */
const REFRESH_MS = 3_000;

/**
 * The office as a list, for people who cannot use the map (screen readers, keyboard only): each meeting room and focus
 * area with who is in it, then everyone on the open floor, each with their status and Go to. It is a plain document
 * of headings, lists and buttons, so a screen reader's heading and list navigation work on it as on any page.
 */
export function OfficeList({ conn, people, myUserId, onGoTo, onClose }: {
  conn: OfficeConnection;
  people: readonly PersonView[];
  myUserId: string;
  onGoTo(person: PersonView): void;
  onClose(): void;
}) {
  const [roster, setRoster] = useState<RosterReplyMsg | null>(null);
  const titleId = useId();
  useEffect(() => {
    const off = conn.on('roster', setRoster);
    conn.requestRoster();
    const timer = setInterval(() => conn.requestRoster(), REFRESH_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [conn]);

  const byId = new Map(people.map((p) => [p.userId, p]));
  const person = (userId: string): PersonView =>
    byId.get(userId) ?? { userId, name: 'Someone', availability: 'Available', activity: 'Available', officeId: null, look: 0 };
  const entry = (userId: string) => {
    const p = person(userId);
    const me = userId === myUserId;
    return (
      <li key={userId} className="office-list-person">
        <span className="status-dot" style={{ background: colourOf(p.availability) }} aria-hidden="true" />
        <span className="office-list-name">
          {p.name}
          {me ? ' (you)' : ''}
        </span>
        <span className="muted">{availabilityText[p.availability]}</span>
        {!me && (
          <button type="button" className="btn small" onClick={() => onGoTo(p)} aria-label={`Go to ${p.name}`}>
            Go to
          </button>
        )}
      </li>
    );
  };

  return (
    <section className="office-list card" aria-labelledby={titleId} data-testid="office-list">
      <header className="office-list-head">
        <h2 id={titleId}>Who is where</h2>
        <button type="button" className="btn small" onClick={onClose} aria-label="Close the office list">
          Close
        </button>
      </header>
      {!roster && <p className="muted">Loading…</p>}
      {roster && (
        <>
          {roster.zones.map((z) => (
            <section key={z.id} aria-label={z.name}>
              <h3>
                {z.name}{' '}
                <span className="muted">
                  {z.kind === 'focus' ? 'focus area' : 'meeting room'} · {z.people.length}
                  {z.capacity ? ` of ${z.capacity}` : ''} {z.people.length === 1 ? 'person' : 'people'}
                </span>
              </h3>
              {z.people.length > 0 ? <ul>{z.people.map(entry)}</ul> : <p className="muted">Empty</p>}
            </section>
          ))}
          <section aria-label="Open floor">
            <h3>
              Open floor <span className="muted">· {roster.elsewhere.length} {roster.elsewhere.length === 1 ? 'person' : 'people'}</span>
            </h3>
            {roster.elsewhere.length > 0 ? <ul>{roster.elsewhere.map(entry)}</ul> : <p className="muted">Empty</p>}
          </section>
        </>
      )}
    </section>
  );
}
