import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';
import type { PersonView } from '@metaoffice/protocol';
import { ApiError } from '@metaoffice/client';
import { MAP_LIMITS, validateTiledMap, ZONE_KINDS, type MapProblem, type TilesetRule, type ZoneKind } from '@metaoffice/world';
import { api, describeError, errorCode } from '../api.js';
import { Splash } from '../components.js';
import { followLink } from '../router.js';
import { useSession } from '../session.js';
import { EditorDocument, EditorMapError, TILE_LAYERS, flipMatrix, lineTiles, type EditorZone, type TileLayer } from './editorModel.js';
import './editor.css';

const TILE = 32;
const MAPS_BASE = '/maps/';
type Tool = 'paint' | 'erase' | 'zone' | 'select';
type Tile = { x: number; y: number };

const TOOLS: { id: Tool; label: string; key: string }[] = [
  { id: 'paint', label: 'Paint', key: 'b' },
  { id: 'erase', label: 'Erase', key: 'e' },
  { id: 'zone', label: 'Draw zone', key: 'r' },
  { id: 'select', label: 'Select zone', key: 'v' },
];
const LAYER_NAMES: Record<TileLayer, string> = { floor: 'Floor', walls: 'Walls (block)', furniture: 'Furniture (blocks)', decoration: 'Decoration (above people)' };
const KIND_NAMES: Record<ZoneKind, string> = { 'meeting-room': 'Meeting room', focus: 'Focus area', desk: 'Desk', spawn: 'Spawn point' };
const KIND_COLOURS: Record<ZoneKind, string> = { 'meeting-room': '#9ea2ff', focus: '#4fd1c5', desk: '#f6ad55', spawn: '#68d391' };

interface Tileset {
  image: HTMLImageElement;
  url: string;
  columns: number;
  count: number;
}

/**
 * The office editor (admins): paint floor, walls, furniture and decoration from the office tileset, draw and name
 * zones, undo and redo, and save a new version of the map, which everyone in the office sees at once. One editor at
 * a time: the page holds the office's edit lease while it is open, and shows who has it when someone else does.
 */
export default function OfficeEditor({ officeId }: { officeId: string }) {
  const { me } = useSession();
  const [doc, setDoc] = useState<EditorDocument | null>(null);
  const [tileset, setTileset] = useState<Tileset | null>(null);
  const [officeName, setOfficeName] = useState('Office');
  const [version, setVersion] = useState(0);
  const [lease, setLease] = useState<{ token: number; ttlMs: number } | null>(null);
  const [lockedBy, setLockedBy] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [people, setPeople] = useState<PersonView[]>([]);
  const [tool, setTool] = useState<Tool>('paint');
  const [layer, setLayer] = useState<TileLayer>('floor');
  const [gid, setGid] = useState(1);
  const [zoneKind, setZoneKind] = useState<ZoneKind>('meeting-room');
  const [selected, setSelected] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [problems, setProblems] = useState<MapProblem[]>([]);
  const [saving, setSaving] = useState(false);
  const [rev, redraw] = useReducer((n: number) => n + 1, 0);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const view = useRef({ scale: 1, ox: 0, oy: 0 });
  const cursor = useRef<Tile>({ x: 0, y: 0 });
  const hover = useRef<Tile | null>(null);
  /** The stroke or zone rectangle under way, drawn as a preview until the pointer lifts. */
  const gesture = useRef<
    | { kind: 'stroke'; tiles: Tile[]; last: Tile }
    | { kind: 'rect'; from: Tile; to: Tile }
    | { kind: 'pan'; x: number; y: number; ox: number; oy: number }
    /** Dragging a selected zone (move), or its bottom-right tile (resize); `to` is where the pointer is now. */
    | { kind: 'zone'; mode: 'move' | 'resize'; zone: EditorZone; from: Tile; to: Tile }
    | null
  >(null);
  const keyboardCorner = useRef<Tile | null>(null);
  const editable = !!lease && !!doc;

  // The lease first (so the map loaded is the one this editor replaces), then the map, its tileset and the people.
  useEffect(() => {
    let live = true;
    let token: number | undefined;
    const load = async () => {
      try {
        const granted = await api.takeEditLease(officeId);
        token = granted.token;
        if (live) setLease({ token: granted.token, ttlMs: granted.ttlMs });
      } catch (err) {
        if (errorCode(err) === 'OFFICE_BEING_EDITED' || errorCode(err) === 'FORBIDDEN') {
          if (live) setLockedBy(describeError(err));
        } else throw err;
      }
      const [{ map, version: v }, office, list] = await Promise.all([
        api.getOfficeMapVersion(officeId),
        api.getOffice(officeId),
        api.people(officeId).catch(() => [] as PersonView[]),
      ]);
      const opened = new EditorDocument(map as never);
      const ts = (map as { tilesets?: { image?: string; columns?: number; tilecount?: number }[] }).tilesets?.[0];
      const url = MAPS_BASE + (ts?.image ?? 'office-tiles.png').split(/[\\/]/).pop();
      const image = await loadImage(url);
      if (!live) return;
      setTileset({ image, url, columns: ts?.columns ?? 8, count: ts?.tilecount ?? 0 });
      setDoc(opened);
      setVersion(v ?? 1);
      setOfficeName(office.name);
      setPeople(list);
      document.title = `Edit ${office.name} · MetaOffice`;
    };
    load().catch((err: unknown) => live && setLoadError(describeError(err)));
    const release = () => {
      if (token === undefined) return;
      // keepalive lets the request outlive the page when the tab closes.
      void fetch(`/api/offices/${encodeURIComponent(officeId)}/editor`, {
        method: 'DELETE',
        keepalive: true,
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      }).catch(() => undefined);
      token = undefined;
    };
    window.addEventListener('pagehide', release);
    return () => {
      live = false;
      window.removeEventListener('pagehide', release);
      release();
    };
  }, [officeId]);

  // Renew the lease well within its time; losing it (another tab, a long sleep) makes the editor read-only.
  useEffect(() => {
    if (!lease) return;
    const timer = setInterval(() => {
      api.renewEditLease(officeId, lease.token).catch((err: unknown) => {
        if (errorCode(err) !== 'EDIT_LEASE_LOST') return;
        setLease(null);
        setLockedBy(describeError(err));
      });
    }, Math.max(1000, lease.ttlMs / 3));
    return () => clearInterval(timer);
  }, [lease, officeId]);

  // Leaving with unsaved changes asks first.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (doc?.dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [doc]);

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas || !doc || !tileset) return;
    const dpr = window.devicePixelRatio || 1;
    const { width: cssW, height: cssH } = canvas.getBoundingClientRect();
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#1f1d2b';
    ctx.fillRect(0, 0, cssW, cssH);
    const { scale, ox, oy } = view.current;
    // The map's own area is lighter than what lies beyond it, so empty tiles (after a resize, say) show as map.
    ctx.fillStyle = '#34314a';
    ctx.fillRect(-ox, -oy, doc.width * TILE * scale, doc.height * TILE * scale);
    const size = TILE * scale;
    const x0 = Math.max(0, Math.floor(ox / size));
    const y0 = Math.max(0, Math.floor(oy / size));
    const x1 = Math.min(doc.width - 1, Math.floor((ox + cssW) / size));
    const y1 = Math.min(doc.height - 1, Math.floor((oy + cssH) / size));
    const g = gesture.current;
    const preview = g?.kind === 'stroke' ? new Set(g.tiles.map((t) => t.y * doc.width + t.x)) : undefined;
    const paintGid = tool === 'erase' ? 0 : gid;
    const drawTile = (value: number, x: number, y: number) => {
      const id = (value & 0x1fffffff) - 1;
      if (id < 0) return;
      const sx = (id % tileset.columns) * TILE;
      const sy = Math.floor(id / tileset.columns) * TILE;
      if (value >>> 29 === 0) {
        ctx.drawImage(tileset.image, sx, sy, TILE, TILE, x * size - ox, y * size - oy, size, size);
        return;
      }
      // A flipped cell: drawn about its centre through the flip's matrix.
      const [a, b, c, d] = flipMatrix(value);
      ctx.save();
      ctx.translate(x * size - ox + size / 2, y * size - oy + size / 2);
      ctx.transform(a, b, c, d, 0, 0);
      ctx.drawImage(tileset.image, sx, sy, TILE, TILE, -size / 2, -size / 2, size, size);
      ctx.restore();
    };
    for (const name of TILE_LAYERS) {
      const data = doc.layers[name];
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const i = y * doc.width + x;
          drawTile(preview && name === layer && preview.has(i) ? paintGid : data[i]!, x, y);
        }
      }
    }
    if (scale >= 0.75) {
      ctx.strokeStyle = 'rgba(255,255,255,0.06)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = x0; x <= x1 + 1; x++) ctx.rect(x * size - ox, -1, 0, cssH + 2);
      for (let y = y0; y <= y1 + 1; y++) ctx.rect(-1, y * size - oy, cssW + 2, 0);
      ctx.stroke();
    }
    ctx.strokeStyle = 'rgba(255,255,255,0.35)';
    ctx.lineWidth = 1;
    ctx.strokeRect(-ox - 0.5, -oy - 0.5, doc.width * TILE * scale + 1, doc.height * TILE * scale + 1);
    const names = new Map(people.map((p) => [p.userId, p.name]));
    ctx.font = '600 12px system-ui, sans-serif';
    for (const z of doc.zones) {
      const colour = KIND_COLOURS[z.kind] ?? '#ffffff';
      const rx = z.x * size - ox;
      const ry = z.y * size - oy;
      ctx.fillStyle = `${colour}33`;
      ctx.fillRect(rx, ry, z.width * size, z.height * size);
      ctx.strokeStyle = colour;
      ctx.lineWidth = z.id === selected ? 3 : 1.5;
      ctx.strokeRect(rx + 0.5, ry + 0.5, z.width * size - 1, z.height * size - 1);
      // Desks are many and small: their names only when zoomed in, assigned, or selected, so they do not bury the map.
      if (z.kind === 'desk' && !z.member && z.id !== selected && scale < 1.5) continue;
      const label = z.kind === 'desk' && z.member ? names.get(z.member) ?? `${z.name} · someone who left` : z.name;
      const w = ctx.measureText(label).width + 8;
      ctx.fillStyle = 'rgba(30,28,45,0.8)';
      ctx.fillRect(rx + 2, ry + 2, w, 16);
      ctx.fillStyle = '#fff';
      ctx.fillText(label, rx + 6, ry + 14);
    }
    const outline = (t: Tile, colour: string) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.strokeRect(t.x * size - ox + 1, t.y * size - oy + 1, size - 2, size - 2);
    };
    if (g?.kind === 'rect') {
      const a = { x: Math.min(g.from.x, g.to.x), y: Math.min(g.from.y, g.to.y) };
      const b = { x: Math.max(g.from.x, g.to.x), y: Math.max(g.from.y, g.to.y) };
      ctx.strokeStyle = KIND_COLOURS[zoneKind];
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 2;
      ctx.strokeRect(a.x * size - ox, a.y * size - oy, (b.x - a.x + 1) * size, (b.y - a.y + 1) * size);
      ctx.setLineDash([]);
    }
    if (g?.kind === 'zone') {
      const r = { ...g.zone, ...zoneDragged(g) };
      ctx.strokeStyle = KIND_COLOURS[g.zone.kind];
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 2;
      ctx.strokeRect(r.x * size - ox, r.y * size - oy, r.width * size, r.height * size);
      ctx.setLineDash([]);
    }
    if (hover.current) outline(hover.current, 'rgba(255,255,255,0.7)');
    if (document.activeElement === canvas) outline(cursor.current, '#ffd166');
    if (keyboardCorner.current) outline(keyboardCorner.current, KIND_COLOURS[zoneKind]);
  }, [doc, tileset, tool, gid, layer, people, selected, zoneKind]);

  useEffect(draw, [draw, rev]);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ro = new ResizeObserver(() => draw());
    ro.observe(canvas);
    return () => ro.disconnect();
  }, [draw]);

  // For the end-to-end tests: where on screen a tile of the map is drawn now.
  useEffect(() => {
    (window as { __metaofficeEditor?: unknown }).__metaofficeEditor = {
      pointOf: (x: number, y: number) => {
        const rect = canvasRef.current!.getBoundingClientRect();
        const { scale, ox, oy } = view.current;
        return { x: rect.left + (x + 0.5) * TILE * scale - ox, y: rect.top + (y + 0.5) * TILE * scale - oy };
      },
      walkable: (x: number, y: number) => doc?.walkable(x, y),
      firstZone: (kind: string) => doc?.zones.find((z) => z.kind === kind),
    };
    return () => void delete (window as { __metaofficeEditor?: unknown }).__metaofficeEditor;
  }, [doc]);

  // Start at a zoom where the whole map fits (down to a quarter of full size; larger maps are panned).
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !doc) return;
    const { width, height } = canvas.getBoundingClientRect();
    view.current.scale = clampScale(Math.min(width / (doc.width * TILE), height / (doc.height * TILE)));
    redraw();
  }, [doc]);

  const tileAt = (e: { clientX: number; clientY: number }): Tile => {
    const rect = canvasRef.current!.getBoundingClientRect();
    const { scale, ox, oy } = view.current;
    return { x: Math.floor((e.clientX - rect.left + ox) / (TILE * scale)), y: Math.floor((e.clientY - rect.top + oy) / (TILE * scale)) };
  };

  const commitStroke = (tiles: Tile[]) => {
    if (!doc || !editable) return;
    if (doc.paint(layer, tiles, tool === 'erase' ? 0 : gid)) setStatus('');
  };
  const commitZone = (a: Tile, b: Tile) => {
    if (!doc || !editable) return;
    const zone = doc.addZone(zoneKind, a, b);
    setSelected(zone.id);
    setTool('select');
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    canvasRef.current?.focus();
    canvasRef.current?.setPointerCapture(e.pointerId);
    const t = tileAt(e);
    if (e.button === 1 || e.button === 2 || e.altKey) {
      gesture.current = { kind: 'pan', x: e.clientX, y: e.clientY, ox: view.current.ox, oy: view.current.oy };
      return;
    }
    if (!doc || !doc.inside(t.x, t.y)) return;
    cursor.current = t;
    if (tool === 'select') {
      const hit = doc.zoneAt(t.x, t.y);
      setSelected(hit?.id ?? null);
      // A zone is moved by dragging it and resized by dragging its bottom-right tile.
      if (hit && editable) {
        const corner = t.x === hit.x + hit.width - 1 && t.y === hit.y + hit.height - 1;
        gesture.current = { kind: 'zone', mode: corner && (hit.width > 1 || hit.height > 1) ? 'resize' : 'move', zone: hit, from: t, to: t };
      }
    } else if (!editable) setStatus('The map is read-only here.');
    else if (tool === 'zone') gesture.current = { kind: 'rect', from: t, to: t };
    else gesture.current = { kind: 'stroke', tiles: [t], last: t };
    redraw();
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = gesture.current;
    if (g?.kind === 'pan') {
      view.current.ox = g.ox - (e.clientX - g.x);
      view.current.oy = g.oy - (e.clientY - g.y);
      redraw();
      return;
    }
    const t = tileAt(e);
    hover.current = doc?.inside(t.x, t.y) ? t : null;
    if (g?.kind === 'stroke' && (t.x !== g.last.x || t.y !== g.last.y)) {
      g.tiles.push(...lineTiles(g.last, t).slice(1));
      g.last = t;
    } else if (g?.kind === 'rect' || g?.kind === 'zone') g.to = t;
    redraw();
  };
  const onPointerUp = () => {
    const g = gesture.current;
    gesture.current = null;
    if (g?.kind === 'stroke') commitStroke(g.tiles);
    else if (g?.kind === 'rect') commitZone(g.from, g.to);
    else if (g?.kind === 'zone' && doc && (g.to.x !== g.from.x || g.to.y !== g.from.y)) doc.placeZone(g.zone.id, zoneDragged(g));
    redraw();
  };
  const onWheel = (e: React.WheelEvent<HTMLCanvasElement>) => {
    const v = view.current;
    if (e.ctrlKey || e.metaKey) {
      const rect = canvasRef.current!.getBoundingClientRect();
      const mx = e.clientX - rect.left;
      const my = e.clientY - rect.top;
      const next = clampScale(v.scale * (e.deltaY < 0 ? 1.25 : 0.8));
      v.ox = ((v.ox + mx) * next) / v.scale - mx;
      v.oy = ((v.oy + my) * next) / v.scale - my;
      v.scale = next;
    } else {
      v.ox += e.shiftKey ? e.deltaY : e.deltaX;
      v.oy += e.shiftKey ? 0 : e.deltaY;
    }
    redraw();
  };
  const zoom = (factor: number) => {
    view.current.scale = clampScale(view.current.scale * factor);
    redraw();
  };

  // The map by keyboard alone: arrows move a cursor, Enter or Space acts on its tile (two presses for a zone's corners).
  const onCanvasKey = (e: ReactKeyboardEvent<HTMLCanvasElement>) => {
    if (!doc) return;
    const step: Record<string, Tile> = { ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 }, ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 } };
    const d = step[e.key];
    if (d) {
      e.preventDefault();
      const c = cursor.current;
      cursor.current = { x: Math.min(doc.width - 1, Math.max(0, c.x + d.x)), y: Math.min(doc.height - 1, Math.max(0, c.y + d.y)) };
      keepInView(cursor.current);
      redraw();
      return;
    }
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    const t = cursor.current;
    if (tool === 'select') setSelected(doc.zoneAt(t.x, t.y)?.id ?? null);
    else if (!editable) setStatus('The map is read-only here.');
    else if (tool === 'zone') {
      if (!keyboardCorner.current) {
        keyboardCorner.current = t;
        setStatus('First corner set; move to the opposite corner and press Enter.');
      } else {
        commitZone(keyboardCorner.current, t);
        keyboardCorner.current = null;
        setStatus('');
      }
    } else commitStroke([t]);
    redraw();
  };
  const keepInView = (t: Tile) => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const { width, height } = canvas.getBoundingClientRect();
    const v = view.current;
    const size = TILE * v.scale;
    if (t.x * size < v.ox) v.ox = t.x * size;
    if ((t.x + 1) * size > v.ox + width) v.ox = (t.x + 1) * size - width;
    if (t.y * size < v.oy) v.oy = t.y * size;
    if ((t.y + 1) * size > v.oy + height) v.oy = (t.y + 1) * size - height;
  };

  const undo = useCallback(() => {
    if (doc?.undo()) redraw();
  }, [doc]);
  const redo = useCallback(() => {
    if (doc?.redo()) redraw();
  }, [doc]);

  const save = useCallback(async () => {
    if (!doc || !editable || saving) return;
    const map = doc.toTiled();
    const ts = (map.tilesets?.[0] ?? {}) as TilesetRule['embedded'];
    const { firstgid: _firstgid, ...embedded } = ts as TilesetRule['embedded'] & { firstgid?: number };
    const checked = validateTiledMap(map, { tileset: { embedded: { ...embedded, firstgid: 1 } as TilesetRule['embedded'], externalSources: [] } });
    if (!checked.ok) {
      setProblems(checked.problems);
      setStatus('The map cannot be saved yet: fix the problems listed below.');
      return;
    }
    setProblems([]);
    setSaving(true);
    setStatus('Saving…');
    try {
      const saved = await api.saveOfficeMap(officeId, map, version);
      setVersion(saved.mapVersion);
      doc.markSaved();
      setStatus(`Saved as version ${saved.mapVersion}. Everyone in the office sees it now.`);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'VALIDATION_FAILED' && err instanceof ApiError) setProblems((err.problem?.errors ?? []) as MapProblem[]);
      if (code === 'OFFICE_BEING_EDITED' || code === 'EDIT_LEASE_LOST') {
        setLease(null);
        setLockedBy(describeError(err));
      }
      setStatus(code === 'MAP_VERSION_CONFLICT' ? 'Someone saved a newer version of this map meanwhile. Reload the editor to get it; changes made here are not saved.' : describeError(err));
    } finally {
      setSaving(false);
      redraw();
    }
  }, [doc, editable, saving, officeId, version]);

  // Shortcuts: undo, redo, save, and a letter for each tool (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void save();
      } else if (!typing && mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if (!typing && mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        redo();
      } else if (!typing && !mod && !e.altKey) {
        const t = TOOLS.find((x) => x.key === e.key.toLowerCase());
        if (t) setTool(t.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, undo, redo]);

  const pickTile = (value: number) => {
    if (!doc) return;
    setGid(value);
    setTool('paint');
    // A blocking tile belongs on walls or furniture, a walkable one on the floor or decoration.
    const blocks = doc.blockingTiles.has(value - 1);
    if (blocks && (layer === 'floor' || layer === 'decoration')) setLayer('walls');
    if (!blocks && (layer === 'walls' || layer === 'furniture')) setLayer('floor');
  };

  const zone = doc?.zones.find((z) => z.id === selected);
  const palette = useMemo(() => Array.from({ length: tileset?.count ?? 0 }, (_, i) => i + 1), [tileset]);

  if (loadError) {
    return (
      <main className="content empty-state">
        <h1>The editor could not be opened</h1>
        <p className="muted">{loadError}</p>
        <a className="btn primary" href={`/office/${encodeURIComponent(officeId)}`} onClick={followLink}>
          Back to the office
        </a>
      </main>
    );
  }
  if (!doc || !tileset) return <Splash label="Opening the editor…" />;

  return (
    <div className="editor-screen">
      <header className="editor-bar">
        <a className="btn" href={`/office/${encodeURIComponent(officeId)}`} onClick={followLink}>
          ← Back to the office
        </a>
        <h1>
          Editing <span>{officeName}</span> <small className="muted">version {version}{doc.dirty ? ' · unsaved changes' : ''}</small>
        </h1>
        <div className="editor-actions">
          <button type="button" className="btn" onClick={undo} disabled={!doc.canUndo} aria-keyshortcuts="Control+Z" title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" className="btn" onClick={redo} disabled={!doc.canRedo} aria-keyshortcuts="Control+Shift+Z" title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
          <button type="button" className="btn primary" onClick={() => void save()} disabled={!editable || saving || !doc.dirty} aria-keyshortcuts="Control+S" title="Save (Ctrl+S)">
            Save
          </button>
        </div>
      </header>
      {lockedBy && (
        <div className="editor-locked" role="alert">
          {lockedBy} You can look at the map, but not change it.
        </div>
      )}
      <div className="editor-body">
        <aside className="editor-side" aria-label="Editor tools">
          <fieldset className="editor-tools">
            <legend>Tool</legend>
            {TOOLS.map((t) => (
              <button key={t.id} type="button" className={`btn${tool === t.id ? ' primary' : ''}`} aria-pressed={tool === t.id} onClick={() => setTool(t.id)} aria-keyshortcuts={t.key.toUpperCase()} title={`${t.label} (${t.key.toUpperCase()})`}>
                {t.label}
              </button>
            ))}
          </fieldset>
          {(tool === 'paint' || tool === 'erase') && (
            <label className="field">
              <span>Layer</span>
              <select value={layer} onChange={(e) => setLayer(e.target.value as TileLayer)}>
                {TILE_LAYERS.map((l) => (
                  <option key={l} value={l}>
                    {LAYER_NAMES[l]}
                  </option>
                ))}
              </select>
            </label>
          )}
          {tool === 'zone' && (
            <label className="field">
              <span>Zone kind</span>
              <select value={zoneKind} onChange={(e) => setZoneKind(e.target.value as ZoneKind)}>
                {ZONE_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_NAMES[k]}
                  </option>
                ))}
              </select>
            </label>
          )}
          {tool === 'paint' && (
            <div className="editor-palette" role="listbox" aria-label="Tiles">
              {palette.map((value) => {
                const id = value - 1;
                const blocks = doc.blockingTiles.has(id);
                return (
                  <button
                    key={value}
                    type="button"
                    role="option"
                    aria-selected={gid === value}
                    aria-label={`Tile ${value}${blocks ? ', blocks' : ''}`}
                    data-gid={value}
                    data-blocks={blocks ? 'true' : undefined}
                    className={`editor-tile${gid === value ? ' selected' : ''}`}
                    style={{ backgroundImage: `url(${tileset.url})`, backgroundPosition: `-${(id % tileset.columns) * TILE}px -${Math.floor(id / tileset.columns) * TILE}px` }}
                    onClick={() => pickTile(value)}
                  />
                );
              })}
            </div>
          )}
          {zone && (
            <ZoneForm
              key={zone.id}
              zone={zone}
              people={people}
              disabled={!editable}
              onChange={(patch) => {
                doc.updateZone(zone.id, patch);
                redraw();
              }}
              onRemove={() => {
                doc.removeZone(zone.id);
                setSelected(null);
                redraw();
              }}
            />
          )}
          <MapSizeForm
            key={`${doc.width}x${doc.height}`}
            width={doc.width}
            height={doc.height}
            disabled={!editable}
            onResize={(width, height) => {
              try {
                if (doc.resize(width, height)) {
                  setSelected(null);
                  setStatus(`The map is now ${width} by ${height} tiles. New tiles are empty: paint a floor where people may walk. Saving a new size reconnects everyone in the office.`);
                }
              } catch (err) {
                setStatus(err instanceof EditorMapError ? err.message : String(err));
              }
              redraw();
            }}
          />
          <p className="muted editor-help">
            Drag to paint or draw. With Select zone, drag a zone to move it, or its bottom-right tile to resize it. Alt-drag or right-drag to pan; Ctrl + wheel to zoom. By keyboard: focus the map, move with the arrow keys and press Enter.
          </p>
        </aside>
        <div className="editor-stage">
          <canvas
            ref={canvasRef}
            className="editor-canvas"
            tabIndex={0}
            role="application"
            aria-label={`Map of ${officeName}, ${doc.width} by ${doc.height} tiles. Arrow keys move the cursor, Enter applies the tool.`}
            data-testid="editor-canvas"
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => {
              hover.current = null;
              redraw();
            }}
            onContextMenu={(e) => e.preventDefault()}
            onWheel={onWheel}
            onKeyDown={onCanvasKey}
            onFocus={redraw}
            onBlur={redraw}
          />
          <div className="editor-zoom">
            <button type="button" className="btn" onClick={() => zoom(1.25)} aria-label="Zoom in">
              +
            </button>
            <button type="button" className="btn" onClick={() => zoom(0.8)} aria-label="Zoom out">
              −
            </button>
          </div>
        </div>
      </div>
      <footer className="editor-status" role="status" aria-live="polite">
        {status}
        {problems.length > 0 && (
          <ul className="editor-problems">
            {problems.map((p, i) => (
              <li key={i}>
                {p.layer ? `${p.layer}${p.x !== undefined ? ` (${p.x}, ${p.y})` : ''}: ` : ''}
                {p.message}
              </li>
            ))}
          </ul>
        )}
        {lease && <span className="visually-hidden">You hold the editor; {me.user.name} is the only one who can save until you leave.</span>}
      </footer>
    </div>
  );
}

/** The map's size: grows or shrinks it from the top-left corner (one undo step). */
function MapSizeForm({ width, height, disabled, onResize }: { width: number; height: number; disabled: boolean; onResize(width: number, height: number): void }) {
  const [w, setW] = useState(String(width));
  const [h, setH] = useState(String(height));
  return (
    <details className="editor-size">
      <summary>
        Map size: {width} × {height} tiles
      </summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onResize(Number(w), Number(h));
        }}
      >
        <label className="field">
          <span>Width (tiles)</span>
          <input type="number" min={MAP_LIMITS.minSide} max={MAP_LIMITS.maxSide} step={1} value={w} disabled={disabled} onChange={(e) => setW(e.target.value)} />
        </label>
        <label className="field">
          <span>Height (tiles)</span>
          <input type="number" min={MAP_LIMITS.minSide} max={MAP_LIMITS.maxSide} step={1} value={h} disabled={disabled} onChange={(e) => setH(e.target.value)} />
        </label>
        <p className="muted">The top-left corner stays; tiles and zones past a new edge are cut.</p>
        <button type="submit" className="btn" disabled={disabled || (Number(w) === width && Number(h) === height)}>
          Resize
        </button>
      </form>
    </details>
  );
}

function ZoneForm({ zone, people, disabled, onChange, onRemove }: { zone: EditorZone; people: PersonView[]; disabled: boolean; onChange(patch: Partial<EditorZone>): void; onRemove(): void }) {
  const [name, setName] = useState(zone.name);
  return (
    <form className="editor-zone card" aria-label={`Zone ${zone.name}`} onSubmit={(e) => e.preventDefault()}>
      <h2>{KIND_NAMES[zone.kind]}</h2>
      <label className="field">
        <span>Name</span>
        <input value={name} maxLength={80} disabled={disabled} onChange={(e) => setName(e.target.value)} onBlur={() => name !== zone.name && onChange({ name })} />
      </label>
      <label className="field">
        <span>Kind</span>
        <select value={zone.kind} disabled={disabled} onChange={(e) => onChange({ kind: e.target.value as ZoneKind })}>
          {ZONE_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_NAMES[k]}
            </option>
          ))}
        </select>
      </label>
      {zone.kind === 'meeting-room' && (
        <label className="field">
          <span>Capacity</span>
          <input
            type="number"
            min={1}
            max={1000}
            value={zone.capacity ?? ''}
            disabled={disabled}
            onChange={(e) => {
              const n = Number(e.target.value);
              onChange({ capacity: e.target.value === '' ? undefined : Math.min(1000, Math.max(1, Math.round(n))) });
            }}
          />
        </label>
      )}
      {zone.kind === 'desk' && (
        <label className="field">
          <span>Assigned to</span>
          <select value={zone.member ?? ''} disabled={disabled} onChange={(e) => onChange({ member: e.target.value || undefined })}>
            <option value="">Nobody (a free desk)</option>
            {people.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="muted">
        Tiles {zone.x}, {zone.y} · {zone.width} × {zone.height}
      </p>
      <button type="button" className="btn danger" disabled={disabled} onClick={onRemove}>
        Remove zone
      </button>
    </form>
  );
}

/** Where a dragged zone would go: moved by the drag, or (from its corner) resized to reach the pointer. */
function zoneDragged(g: { mode: 'move' | 'resize'; zone: EditorZone; from: Tile; to: Tile }): { x: number; y: number; width: number; height: number } {
  const { zone } = g;
  if (g.mode === 'move') return { x: zone.x + g.to.x - g.from.x, y: zone.y + g.to.y - g.from.y, width: zone.width, height: zone.height };
  return { x: zone.x, y: zone.y, width: Math.max(1, g.to.x - zone.x + 1), height: Math.max(1, g.to.y - zone.y + 1) };
}

function clampScale(s: number): number {
  return Math.min(3, Math.max(0.25, Number.isFinite(s) ? s : 1));
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`could not load ${url}`));
    img.src = url;
  });
}
