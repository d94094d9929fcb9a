import { useId, useMemo, useState } from 'react';
import type { PersonView } from '@metaoffice/protocol';
import { colourOf, statusText } from './presence.js';
import { faceStyle } from '../avatar/faces.js';
import { nudgeResultText, useTeamsActions } from './teamsActions.js';

export interface PeoplePanelProps {
  people: readonly PersonView[];
  myUserId: string;
  officeId: string;
  /** Names of the organisation's offices, to say where someone else is. */
  officeNames: ReadonlyMap<string, string>;
  onGoTo(person: PersonView): void;
  onTeleport(person: PersonView): void;
  onClose(): void;
  /** Admins: copy a sign-up link that brings the new person to this office. */
  onInvite?: (() => void) | undefined;
}

type Group = { key: string; title: string; people: PersonView[] };

/** Everyone in the organisation: here first, then in other offices, then offline; each group by name. */
export function PeoplePanel({ people, myUserId, officeId, officeNames, onGoTo, onTeleport, onClose, onInvite }: PeoplePanelProps) {
  const [query, setQuery] = useState('');
  const searchId = useId();

  const groups = useMemo(() => {
    const q = query.trim().toLocaleLowerCase();
    const matching = people.filter((p) => !q || p.name.toLocaleLowerCase().includes(q));
    const byName = (a: PersonView, b: PersonView) =>
      // Me first among the people here, so I can find myself at a glance.
      Number(b.userId === myUserId) - Number(a.userId === myUserId) || a.name.localeCompare(b.name);
    const here = matching.filter((p) => p.officeId === officeId && p.availability !== 'Offline').sort(byName);
    const elsewhere = matching.filter((p) => p.officeId !== null && p.officeId !== officeId && p.availability !== 'Offline').sort(byName);
    // Teams mode: people outside every office still have a Microsoft 365 presence (Available in Teams, in a meeting…).
    const away = matching.filter((p) => p.officeId === null && p.availability !== 'Offline').sort(byName);
    const offline = matching.filter((p) => p.availability === 'Offline').sort(byName);
    const list: Group[] = [
      { key: 'here', title: 'In this office', people: here },
      { key: 'elsewhere', title: 'In other offices', people: elsewhere },
      { key: 'away', title: 'Not in an office', people: away },
      { key: 'offline', title: 'Offline', people: offline },
    ];
    return list.filter((g) => g.people.length > 0);
  }, [people, query, myUserId, officeId]);

  const onlineCount = people.filter((p) => p.officeId !== null && p.availability !== 'Offline').length;

  return (
    <aside className="people-panel" data-testid="people-panel" aria-label="People">
      <div className="panel-head">
        <h2>
          People <span className="count">{onlineCount} online</span>
        </h2>
        {onInvite && (
          <button type="button" className="btn small" onClick={onInvite} title="Copy a sign-up link to this office">
            Invite
          </button>
        )}
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close people panel" title="Close">
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          </svg>
        </button>
      </div>
      <div className="search">
        <label htmlFor={searchId} className="visually-hidden">
          Search people
        </label>
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" className="search-icon">
          <circle cx="7" cy="7" r="4.8" stroke="currentColor" strokeWidth="1.6" fill="none" />
          <path d="M10.6 10.6L14 14" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
        <input
          id={searchId}
          type="search"
          placeholder="Search by name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
          autoComplete="off"
        />
      </div>
      <div className="people-scroll">
        {groups.length === 0 && <p className="muted empty-people">{query ? `Nobody matches “${query}”.` : 'Nobody here yet.'}</p>}
        {groups.map((g) => (
          <section key={g.key} className="people-group" aria-label={g.title}>
            <h3>
              {g.title} <span className="count">{g.people.length}</span>
            </h3>
            <ul>
              {g.people.map((p) => (
                <PersonRow
                  key={p.userId}
                  person={p}
                  isMe={p.userId === myUserId}
                  here={g.key === 'here'}
                  where={g.key === 'elsewhere' ? officeNames.get(p.officeId ?? '') : undefined}
                  onGoTo={onGoTo}
                  onTeleport={onTeleport}
                  officeId={officeId}
                />
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}

function PersonRow({
  person,
  isMe,
  here,
  where,
  onGoTo,
  onTeleport,
  officeId,
}: {
  person: PersonView;
  isMe: boolean;
  here: boolean;
  where: string | undefined;
  onGoTo(p: PersonView): void;
  onTeleport(p: PersonView): void;
  officeId: string;
}) {
  const offline = person.availability === 'Offline';
  const teams = useTeamsActions();
  const [nudged, setNudged] = useState<string | null>(null);
  const nudge = (kind: 'invite' | 'talk') => {
    if (!teams) return;
    setNudged('Sending…');
    teams.nudge(officeId, person.userId, kind).then(
      (outcome) => setNudged(nudgeResultText(kind, outcome)),
      () => setNudged(nudgeResultText(kind, 'failed')),
    );
  };
  return (
    <li className={`person${offline ? ' offline' : ''}`} data-user-id={person.userId}>
      <span className="face" style={faceStyle(person)} aria-hidden="true">
        <span className="status-dot" style={{ background: colourOf(person.availability) }} />
      </span>
      <span className="person-text">
        <span className="person-name">
          {person.name}
          {isMe && <span className="you"> (you)</span>}
        </span>
        <span className="person-status">
          {statusText(person.availability, person.activity)}
          {where && <span className="where"> · {where}</span>}
        </span>
      </span>
      {teams && !here && !isMe && (
        <span className="person-actions">
          <button type="button" className="btn small" onClick={() => nudge('invite')} aria-label={`Invite ${person.name} to this office`} title="Send an invitation to their Teams activity feed">
            Invite
          </button>
          {person.officeId === null && (
            <button type="button" className="btn small subtle" onClick={() => nudge('talk')} aria-label={`Ask ${person.name} to talk`} title="Tell them in Teams that you want to talk">
              Ask to talk
            </button>
          )}
        </span>
      )}
      {nudged && (
        <span className="nudge-result" role="status" data-testid="nudge-result">
          {nudged}
        </span>
      )}
      {here && !isMe && (
        <span className="person-actions">
          <button type="button" className="btn small" onClick={() => onGoTo(person)} aria-label={`Go to ${person.name}`} title={`Walk to ${person.name}`}>
            Go to
          </button>
          <button
            type="button"
            className="btn small subtle"
            onClick={() => onTeleport(person)}
            aria-label={`Teleport to ${person.name}`}
            title={`Appear next to ${person.name}`}
          >
            Teleport
          </button>
        </span>
      )}
    </li>
  );
}
