import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import * as Phaser from 'phaser';
import { GridEngine } from 'grid-engine';
import type { CloseInfo, ConnectionState, OfficeConnection } from '@metaoffice/client';
import type { Availability, ChosenAvailability, Direction, PersonView, SpawnState, WelcomeMsg } from '@metaoffice/protocol';
import { api, describeError, errorCode } from '../api.js';
import { Splash } from '../components.js';
import { followLink, navigationStartedAt } from '../router.js';
import { useSession } from '../session.js';
import { bindConnection } from './bindConnection.js';
import { OfficeList } from './OfficeList.js';
import { useTeamsActions } from './teamsActions.js';
import { AvatarEditor } from '../avatar/AvatarEditor.js';
import { AvatarIcon, ConnectionBanner, EditIcon, ListIcon, PeopleIcon, SpawnMenu, StatusPicker, Toasts, TopBar, type Toast } from './Hud.js';
import { Joystick } from './Joystick.js';
import { OfficeScene, type SceneAssets, type SceneHost } from './OfficeScene.js';
import { PeoplePanel } from './PeoplePanel.js';
import { createConnection, preloadOffice, takeEarlyConnection } from './preload.js';
import { mark, timeline } from '../timeline.js';
import { CallLayer } from '../call/CallLayer.js';
import { OfficeHelp } from '../help/OfficeHelp.js';

mark('officeModuleLoaded');

// grid-engine's build refers to the global `Phaser` at run time instead of importing it.
(globalThis as { Phaser?: unknown }).Phaser = Phaser;

/** What the end-to-end tests and the performance check read. */
interface TestHooks {
  avatarVisibleMs: number | undefined;
  /** Milestones of opening the office (ms since navigation). */
  timeline: Record<string, number>;
  officeId: string;
  state(): ConnectionState;
  self(): { x: number; y: number } | undefined;
  others(): { userId: string; name: string; x: number; y: number }[];
  /** Whether the drawn map blocks a tile (a wall or furniture), as the own avatar's movement sees it. */
  tileBlocked(x: number, y: number): boolean | undefined;
  /** Where a tile's centre is on the page now (CSS pixels), to tap or click it. */
  tileOnPage(x: number, y: number): { x: number; y: number } | undefined;
  /** The texture another person's avatar is drawn with (`avatar:<choices>` for a layered avatar). */
  avatarTexture(userId: string): string | undefined;
  /** The tags drawn on the map (room names, names on assigned desks). */
  mapTags(): { kind: string; text: string }[];
}
declare global {
  interface Window {
    __metaoffice?: TestHooks;
  }
}

const WIDE_SCREEN = '(min-width: 900px)';
const TOUCH = '(pointer: coarse)';
const TOAST_MS = 4_000;
/**
 * Errors the person does not need to read as a message: a rejected step is answered by a visible correction, and
 * the ones that close the connection are explained by the connection banner.
 */
const QUIET_ERRORS = new Set<string>([
  'MOVE_REJECTED',
  'RATE_LIMITED',
  'SESSION_REPLACED',
  'SESSION_EXPIRED',
  'UNAUTHENTICATED',
  'CLIENT_TOO_OLD',
  'SERVER_TOO_OLD',
  'FORBIDDEN',
  'OFFICE_NOT_FOUND',
]);

export default function OfficeView({ officeId }: { officeId: string }) {
  const { me } = useSession();
  const [assets, setAssets] = useState<SceneAssets | null>(null);
  const [loadError, setLoadError] = useState<{ code: string | undefined; message: string } | null>(null);
  const [conn, setConn] = useState<OfficeConnection | null>(null);
  const [connState, setConnState] = useState<ConnectionState>('connecting');
  const [closeInfo, setCloseInfo] = useState<CloseInfo | undefined>();
  const [welcome, setWelcome] = useState<WelcomeMsg | null>(null);
  const [spawn, setSpawn] = useState<SpawnState | undefined>();
  const [peopleVersion, bumpPeople] = useReducer((n: number) => n + 1, 0);
  const [selfVisible, setSelfVisible] = useState(false);
  const [panelOpen, setPanelOpen] = useState(() => matchMedia(WIDE_SCREEN).matches);
  const [listOpen, setListOpen] = useState(false);
  const [avatarOpen, setAvatarOpen] = useState(false);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [officeNames, setOfficeNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [hintDismissed, setHintDismissed] = useState(() => localStorage.getItem('mo.walkHintSeen') === '1');
  const isTouch = useMemo(() => matchMedia(TOUCH).matches, []);
  const containerRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<OfficeScene | null>(null);
  const welcomeRef = useRef<WelcomeMsg | null>(null);

  const toast = useCallback((text: string) => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-2), { id, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), TOAST_MS);
  }, []);

  // Map, tileset and avatar sheet (usually already downloading since the page loaded).
  useEffect(() => {
    let live = true;
    preloadOffice(officeId).then(
      (a) => {
        mark('assetsLoaded');
        if (live) setAssets(a);
      },
      (err: unknown) => live && setLoadError({ code: errorCode(err), message: describeError(err) }),
    );
    api.listOffices().then(
      (list) => live && setOfficeNames(new Map(list.map((o) => [o.id, o.name]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [officeId]);

  // The connection opens at once, in parallel with the map download.
  useEffect(() => {
    // Adopt the connection opened while the page was still loading, if any; it may have had its welcome already.
    const early = takeEarlyConnection(officeId);
    const c = early?.conn ?? createConnection(officeId);
    const adoptWelcome = (w: WelcomeMsg) => {
      welcomeRef.current = w;
      setWelcome(w);
      setSpawn(w.spawn);
      bumpPeople();
    };
    if (early?.welcome) adoptWelcome(early.welcome);
    setConnState(c.state);
    const offs = [
      c.on('state', (s, info) => {
        setConnState(s);
        if (s === 'open') setCloseInfo(undefined);
        else if (info) setCloseInfo(info);
      }),
      c.on('welcome', (w) => {
        mark('welcome');
        adoptWelcome(w);
      }),
      c.on('people', () => bumpPeople()),
      c.on('spawn', (s) => setSpawn(s)),
      c.on('error', (e) => {
        // Go to reports its own failure.
        if (e.ref === 'locate' || QUIET_ERRORS.has(e.code)) return;
        toast(e.message || describeError(e));
      }),
    ];
    if (!early) {
      mark('connecting');
      c.connect();
    }
    setConn(c);
    return () => {
      offs.forEach((off) => off());
      c.close();
    };
  }, [officeId, toast]);

  // The Phaser game, once the map is here.
  useEffect(() => {
    const container = containerRef.current;
    if (!assets || !conn || !container) return;
    const host: SceneHost = {
      ownStep: (x, y, dir, moving) => conn.step(x, y, dir, moving),
      selfVisible: () => {
        mark('avatarVisible');
        const ms = Math.round(performance.now() - navigationStartedAt());
        if (window.__metaoffice) window.__metaoffice.avatarVisibleMs = ms;
        container.dataset.avatarVisible = 'true';
        setSelfVisible(true);
      },
      viewportChanged: (cols, rows) => conn.setViewport(cols, rows),
      notice: toast,
    };
    const scene = new OfficeScene(assets, host);
    sceneRef.current = scene;
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = container.getBoundingClientRect();
    const game = new Phaser.Game({
      type: preferredRenderer(),
      parent: container,
      width: Math.round(Math.max(1, width) * dpr),
      height: Math.round(Math.max(1, height) * dpr),
      // The canvas has device pixels and is shown at CSS size, so pixel art and labels stay sharp on HiDPI screens.
      scale: { mode: Phaser.Scale.NONE, zoom: 1 / dpr },
      pixelArt: true,
      roundPixels: true,
      backgroundColor: '#1f1d2b',
      // Avatars walk four tiles a second: 30 frames a second look the same as 60 and cost half, which matters on a
      // laptop that also runs a call (and for seven browsers sharing one test machine).
      fps: { limit: 30 },
      banner: false,
      audio: { noAudio: true },
      disableContextMenu: true,
      input: { keyboard: { target: window } },
      plugins: { scene: [{ key: 'gridEngine', plugin: GridEngine, mapping: 'gridEngine' }] },
      scene: [scene],
    });

    mark('gameCreated');
    let unbind: (() => void) | undefined;
    let live = true;
    void scene.ready.then(() => {
      mark('sceneReady');
      if (!live) return;
      const now = container.getBoundingClientRect();
      scene.resize(now.width, now.height, window.devicePixelRatio || 1);
      unbind = bindConnection(conn, scene, () => welcomeRef.current?.stepsPerSecond ?? 4);
    });

    const resize = new ResizeObserver(([entry]) => {
      if (!entry || !sceneRef.current) return;
      const { width: w, height: h } = entry.contentRect;
      if (w > 0 && h > 0) sceneRef.current.resize(w, h, window.devicePixelRatio || 1);
    });
    resize.observe(container);

    return () => {
      live = false;
      resize.disconnect();
      unbind?.();
      sceneRef.current = null;
      delete container.dataset.avatarVisible;
      game.destroy(true);
    };
  }, [assets, conn, toast]);

  // "Ada joined the office": from People-list changes, batched so a crowd arriving makes one toast, not hundreds.
  useEffect(() => {
    if (!conn) return;
    let where = new Map<string, string | null>();
    let complete = false;
    let joined: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const baseline = () => {
      where = new Map([...conn.people.values()].map((p) => [p.userId, p.officeId]));
      complete = conn.peopleComplete;
    };
    baseline();
    const offs = [
      conn.on('welcome', baseline),
      conn.on('people', (changed) => {
        for (const p of changed) {
          const before = where.get(p.userId);
          where.set(p.userId, p.officeId);
          if (!complete || p.userId === me.user.id || p.officeId !== officeId || before === officeId) continue;
          joined.push(p.name);
          timer ??= setTimeout(() => {
            const [first, ...rest] = joined;
            toast(rest.length === 0 ? `${first} joined the office.` : `${first} and ${rest.length} ${rest.length === 1 ? 'other' : 'others'} joined the office.`);
            joined = [];
            timer = undefined;
          }, 1500);
        }
      }),
    ];
    return () => {
      clearTimeout(timer);
      offs.forEach((off) => off());
    };
  }, [conn, officeId, me.user.id, toast]);

  // A map saved while the office is open (the office editor, a Tiled upload) is drawn in place, staying connected.
  // The welcome names the version the office runs, so a map fetched before a save, or cached from an earlier visit,
  // is caught up too.
  const [liveMap, setLiveMap] = useState<{ json: unknown; version: number } | null>(null);
  useEffect(() => {
    if (!conn || !assets) return;
    let live = true;
    let wanted = assets.mapVersion ?? 0;
    const follow = async (version: number | undefined) => {
      if (!version || version <= wanted) return;
      wanted = version;
      try {
        const next = await api.getOfficeMapVersion(officeId, version);
        // A newer save overtook this one: its own fetch draws it.
        if (!live || wanted !== version) return;
        const drawnVersion = next.version ?? version;
        // Another size, or no scene drawn yet: the office is built again around the new map.
        if (!sceneRef.current?.applyMap(next.map)) {
          setAssets({ ...assets, map: next.map, mapVersion: drawnVersion });
          return;
        }
        setLiveMap({ json: next.map, version: drawnVersion });
        toast('The office map was updated.');
      } catch {
        // The next notice or reconnect tries again.
        if (wanted === version) wanted = 0;
      }
    };
    const offs = [conn.on('map', (v) => void follow(v)), conn.on('welcome', (w) => void follow(w.office.mapVersion))];
    void follow(welcomeRef.current?.office.mapVersion);
    return () => {
      live = false;
      offs.forEach((off) => off());
    };
  }, [conn, assets, officeId, toast]);
  const mapJson = liveMap && liveMap.version > (assets?.mapVersion ?? 0) ? liveMap.json : assets?.map;

  // Test and diagnostics hooks.
  useEffect(() => {
    // Merged into the existing object: the call layer adds its own hooks to it.
    window.__metaoffice = Object.assign(window.__metaoffice ?? ({} as TestHooks), {
      avatarVisibleMs: window.__metaoffice?.officeId === officeId ? window.__metaoffice.avatarVisibleMs : undefined,
      timeline,
      officeId,
      state: () => conn?.state ?? 'connecting',
      self: () => sceneRef.current?.selfTile(),
      others: () => sceneRef.current?.drawnAvatars().map(({ userId, name, x, y }) => ({ userId, name, x, y })) ?? [],
      tileBlocked: (x: number, y: number) => sceneRef.current?.tileBlocked(x, y),
      mapTags: () => sceneRef.current?.tags() ?? [],
      avatarTexture: (userId: string) => sceneRef.current?.drawnAvatars().find((a) => a.userId === userId)?.texture,
      tileOnPage: (x: number, y: number) => {
        const at = sceneRef.current?.tileOnScreen(x, y);
        const rect = containerRef.current?.getBoundingClientRect();
        return at && rect ? { x: rect.left + at.x, y: rect.top + at.y } : undefined;
      },
    });
  }, [officeId, conn]);
  useEffect(() => () => void delete window.__metaoffice, []);

  // Typing in a field must not walk the avatar, and Phaser must not swallow the field's keys.
  useEffect(() => {
    const sync = () => sceneRef.current?.setKeyboardEnabled(!isEditable(document.activeElement));
    // On focusout the next element is not focused yet; look once it is.
    const later = () => setTimeout(sync);
    document.addEventListener('focusin', sync);
    document.addEventListener('focusout', later);
    return () => {
      document.removeEventListener('focusin', sync);
      document.removeEventListener('focusout', later);
    };
  }, []);

  // The first steps hide the "how to walk" hint for good.
  useEffect(() => {
    if (hintDismissed) return;
    const timer = setTimeout(() => dismissHint(), 12_000);
    const onKey = (e: KeyboardEvent) => {
      if (!isEditable(document.activeElement) && /^(Arrow|[wasd]$)/i.test(e.key)) dismissHint();
    };
    window.addEventListener('keydown', onKey);
    function dismissHint() {
      localStorage.setItem('mo.walkHintSeen', '1');
      setHintDismissed(true);
    }
    return () => {
      clearTimeout(timer);
      window.removeEventListener('keydown', onKey);
    };
  }, [hintDismissed]);

  // In a large organisation the People list is fetched and kept live only while the panel shows it.
  useEffect(() => conn?.watchPeople(panelOpen), [conn, panelOpen]);
  const people = useMemo(() => [...(conn?.people.values() ?? [])], [conn, peopleVersion]);
  // Desks show the names of the people they are assigned to.
  useEffect(() => {
    if (selfVisible) sceneRef.current?.setPersonNames(new Map(people.map((p) => [p.userId, p.name])));
  }, [people, selfVisible]);
  const myPerson = conn?.people.get(me.user.id);
  const myAvailability: Availability = myPerson?.availability ?? conn?.self?.availability ?? 'Available';
  const officeName = welcome?.office.name ?? officeNames.get(officeId) ?? 'Office';
  const open = connState === 'open';

  useEffect(() => {
    document.title = `${officeName} · MetaOffice`;
  }, [officeName]);

  const frozen = connState === 'closed' && !!closeInfo?.terminal;
  useEffect(() => sceneRef.current?.setFrozen(frozen), [frozen, selfVisible]);

  const goTo = useCallback(
    async (person: PersonView) => {
      if (!conn || !sceneRef.current) return;
      try {
        const at = await conn.locate(person.userId);
        const outcome = sceneRef.current?.walkNextTo(at.x, at.y);
        if (outcome === 'no-free-tile') toast(`There is no free spot next to ${person.name} right now.`);
        else if (outcome === 'no-path') toast(`There is no way to walk to ${person.name} from here. Try Teleport.`);
      } catch (err) {
        toast(errorCode(err) === 'PERSON_NOT_FOUND' ? `${person.name} is not in this office any more.` : describeError(err));
      }
    },
    [conn, toast],
  );
  const teleport = useCallback((person: PersonView) => conn?.teleport(person.userId), [conn]);
  const chooseStatus = useCallback((a: ChosenAvailability) => conn?.setStatus(a), [conn]);
  const chooseSpawn = useCallback(
    (mode: 'default' | 'saved' | 'here') => {
      conn?.setSpawn(mode);
      if (mode === 'here') toast('Saved: you will appear here next time.');
    },
    [conn, toast],
  );
  // An invitation that lands the new person in this office: the sign-up link, with the office to open afterwards.
  // In Teams, the link is a Teams deep link to the office's channel tab.
  const teamsActions = useTeamsActions();
  const inviteToOffice = useCallback(async () => {
    try {
      let url: string;
      let copied: string;
      if (teamsActions) {
        url = await teamsActions.tabLink(officeId);
        copied = 'Link to this tab copied: paste it in a Teams chat.';
      } else {
        const invite = await api.createInvite();
        const link = new URL(invite.url, location.origin);
        link.searchParams.set('office', officeId);
        url = link.toString();
        copied = `Invite link copied: it signs people up and brings them here, until ${new Date(invite.expiresAt).toLocaleDateString()}.`;
      }
      await navigator.clipboard.writeText(url).then(
        () => toast(copied),
        () => toast(`Invite link: ${url}`),
      );
    } catch (err) {
      toast(describeError(err));
    }
  }, [officeId, toast, teamsActions]);
  const onJoystick = useCallback((dir: Direction | null) => sceneRef.current?.setJoystick(dir), []);

  if (loadError) {
    const missing = loadError.code === 'NOT_FOUND' || loadError.code === 'OFFICE_NOT_FOUND' || loadError.code === 'FORBIDDEN';
    return (
      <main className="content empty-state">
        <h1>{missing ? 'This office does not exist' : 'The office could not be opened'}</h1>
        <p className="muted">{missing ? 'It may have been removed, or it belongs to another organisation.' : loadError.message}</p>
        <a className="btn primary" href="/" onClick={followLink}>
          Back to your offices
        </a>
      </main>
    );
  }

  const here = location.pathname + location.search;
  return (
    <div className={`office-screen${panelOpen ? ' panel-open' : ''}${frozen ? ' offline' : ''}`}>
      <div className="office-stage">
        <div className="office-canvas" ref={containerRef} aria-label={`Map of ${officeName}`} role="application" />
        {!selfVisible && (
          <div className="office-loading">
            <Splash label={`Entering ${officeName === 'Office' ? 'the office' : officeName}…`} />
          </div>
        )}
        <TopBar officeName={officeName} state={connState}>
          <StatusPicker availability={myAvailability} onChoose={chooseStatus} disabled={!open} />
          <SpawnMenu spawn={spawn} onChoose={chooseSpawn} disabled={!open} />
          <button type="button" className={`hud-btn${avatarOpen ? ' active' : ''}`} onClick={() => setAvatarOpen(true)} title="Change your avatar">
            <AvatarIcon />
            <span className="hud-btn-text">Avatar</span>
          </button>
          <button
            type="button"
            className={`hud-btn${listOpen ? ' active' : ''}`}
            onClick={() => setListOpen((o) => !o)}
            aria-pressed={listOpen}
            aria-label="Office as a list"
            title={listOpen ? 'Hide the office list' : 'Who is where, as a list'}
          >
            <ListIcon />
            <span className="hud-btn-text">List</span>
          </button>
          {me.user.role === 'admin' && !teamsActions && (
            <a className="hud-btn" href={`/office/${encodeURIComponent(officeId)}/edit`} onClick={followLink} title="Edit this office's map">
              <EditIcon />
              <span className="hud-btn-text">Edit</span>
            </a>
          )}
          <button
            type="button"
            className={`hud-btn${panelOpen ? ' active' : ''}`}
            onClick={() => setPanelOpen((o) => !o)}
            aria-pressed={panelOpen}
            title={panelOpen ? 'Hide people' : 'Show people'}
          >
            <PeopleIcon />
            {/* The name is the visible text ("People 3"), read as "People, 3 online" (WCAG 2.5.3, label in name). */}
            <span className="hud-btn-text">People</span>
            <span className="badge">
              <span className="visually-hidden">, </span>
              {people.filter((p) => p.officeId === officeId && p.availability !== 'Offline').length}
              <span className="visually-hidden"> online</span>
            </span>
          </button>
          <OfficeHelp />
        </TopBar>
        <ConnectionBanner
          state={connState}
          closeInfo={closeInfo}
          onUseHere={() => conn?.connect()}
          signInHref={`/signin?next=${encodeURIComponent(here)}`}
        />
        {selfVisible && !hintDismissed && (
          <div className="walk-hint" role="note">
            {isTouch ? 'Use the joystick or tap the floor to walk.' : 'Walk with the arrow keys or W A S D, or click where you want to go.'}
          </div>
        )}
        {isTouch && <Joystick onDirection={onJoystick} />}
        {conn && (
          <CallLayer conn={conn} selfUserId={me.user.id} selfName={me.user.name} sceneRef={sceneRef} sceneReady={selfVisible} mapJson={mapJson} />
        )}
        {listOpen && conn && <OfficeList conn={conn} people={people} myUserId={me.user.id} onGoTo={goTo} onClose={() => setListOpen(false)} />}
        {avatarOpen && <AvatarEditor onClose={() => setAvatarOpen(false)} onSaved={() => toast('Your new avatar is on.')} />}
        <Toasts toasts={toasts} />
      </div>
      {panelOpen && (
        <PeoplePanel
          people={people}
          myUserId={me.user.id}
          officeId={officeId}
          officeNames={officeNames}
          onGoTo={goTo}
          onTeleport={teleport}
          onClose={() => setPanelOpen(false)}
          onInvite={teamsActions || me.user.role === 'admin' ? inviteToOffice : undefined}
        />
      )}
    </div>
  );
}

/**
 * WebGL unless the browser only has a software rasteriser (no GPU: VMs, remote desktops, headless CI), where the
 * 2D canvas draws the tile map several times faster. `?renderer=webgl|canvas` forces one, for diagnosis.
 */
function preferredRenderer(): number {
  const forced = new URLSearchParams(location.search).get('renderer');
  if (forced === 'canvas') return Phaser.CANVAS;
  if (forced === 'webgl') return Phaser.WEBGL;
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return Phaser.CANVAS;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(name) ? Phaser.CANVAS : Phaser.WEBGL;
  } catch {
    return Phaser.AUTO;
  }
}

function isEditable(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
}
