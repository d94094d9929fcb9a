import { useCallback, useEffect, useState, useSyncExternalStore, type RefObject } from 'react';
import type { CallMeshRecovery, OfficeConnection } from '@metaoffice/client';
import type { ChosenAvailability, ConversationState, Reaction } from '@metaoffice/protocol';
import type { OfficeScene } from '../office/OfficeScene.js';
import { CallController, type PeerStatsRow } from './CallController.js';
import { ChatPanel } from './ChatPanel.js';
import { PrejoinDialog } from './PrejoinDialog.js';
import { ReactionBar } from './ReactionBar.js';
import { CallSceneEffects } from './sceneEffects.js';
import { VideoStrip } from './VideoStrip.js';
import type { Face } from './Avatar.js';
import './call.css';
import { TeamsMeetingLink } from './TeamsMeetingLink.js';

/** What the end-to-end tests read, merged into `window.__metaoffice` next to the office screen's own hooks. */
export interface CallTestHooks {
  call(): { id: string; kind: string; members: string[] } | null;
  stats(): Promise<PeerStatsRow[]>;
  walkTo(x: number, y: number): void;
  setStatus(availability: ChosenAvailability): void;
  readonly firstRemoteFrameMs: number | undefined;
  readonly lastCallClosedMs: number | undefined;
  /** Milestones of the current call, for diagnostics. */
  readonly callTimeline: Record<string, number>;
  /** What the mesh did to keep connections up: restarts, ICE restarts, stale or refused signals (see CallMesh). */
  callRecovery(): CallMeshRecovery;
}
const HOOK_KEYS = ['call', 'stats', 'walkTo', 'setStatus', 'firstRemoteFrameMs', 'lastCallClosedMs', 'callTimeline', 'callRecovery'] as const;

/**
 * Everything calls add to the office screen: the video strip, the chat, the reaction dock, the pre-join / device
 * dialog, and (in the Phaser scene) the meeting-room view and reaction bursts. It owns the {@link CallController}
 * of the office connection.
 */
export function CallLayer({
  conn,
  selfUserId,
  selfName,
  sceneRef,
  sceneReady,
  mapJson,
}: {
  conn: OfficeConnection;
  selfUserId: string;
  selfName: string;
  sceneRef: RefObject<OfficeScene | null>;
  /** True once the scene has drawn my avatar (its objects can be added from then on). */
  sceneReady: boolean;
  /** The office's Tiled map, for its meeting-room zones. */
  mapJson: unknown;
}) {
  const [ctl, setCtl] = useState<CallController | null>(null);
  useEffect(() => {
    const c = new CallController(conn, selfUserId);
    setCtl(c);
    return () => {
      c.dispose();
      setCtl(null);
    };
  }, [conn, selfUserId]);

  // The room view and reaction bursts live in the scene.
  useEffect(() => {
    const scene = sceneRef.current;
    if (!sceneReady || !scene || mapJson === undefined) return;
    const fx = new CallSceneEffects(scene, mapJson);
    const off = conn.on('reaction', (avatarId, emoji) => fx.burst(avatarId, emoji));
    return () => {
      off();
      try {
        fx.destroy();
      } catch {
        /* the game went first */
      }
    };
  }, [conn, sceneRef, sceneReady, mapJson]);

  // Test hooks.
  useEffect(() => {
    if (!ctl) return;
    const w = window as unknown as { __metaoffice?: Record<string, unknown> };
    const target = (w.__metaoffice ??= {});
    const value = (v: unknown): PropertyDescriptor => ({ value: v, configurable: true, enumerable: true, writable: true });
    Object.defineProperties(target, {
      call: value((): ReturnType<CallTestHooks['call']> => {
        const c: ConversationState | null = conn.conversation;
        return c ? { id: c.id, kind: c.kind, members: c.members.map((m) => m.userId) } : null;
      }),
      stats: value(() => ctl.stats()),
      walkTo: value((x: number, y: number) => sceneRef.current?.walkToTile(x, y)),
      setStatus: value((a: ChosenAvailability) => conn.setStatus(a)),
      firstRemoteFrameMs: { get: () => ctl.firstRemoteFrameMs, configurable: true, enumerable: true },
      lastCallClosedMs: { get: () => ctl.lastCallClosedMs, configurable: true, enumerable: true },
      callTimeline: { get: () => ctl.callTimeline, configurable: true, enumerable: true },
      callRecovery: value(() => ctl.mesh.recovery()),
    });
    return () => {
      for (const k of HOOK_KEYS) delete target[k];
    };
  }, [ctl, conn, sceneRef]);

  if (!ctl) return null;
  return <CallUi ctl={ctl} conn={conn} selfName={selfName} />;
}

function CallUi({ ctl, conn, selfName }: { ctl: CallController; conn: OfficeConnection; selfName: string }) {
  const snap = useSyncExternalStore(ctl.subscribe, ctl.getSnapshot);
  const lookOf = useCallback(
    (userId: string, avatarId?: number): Face | undefined => {
      if (userId === ctl.selfId && conn.self) return conn.self;
      return (avatarId !== undefined ? conn.avatars.get(avatarId) : undefined) ?? conn.people.get(userId);
    },
    [ctl, conn],
  );
  const onSave = useCallback((p: Parameters<CallController['savePrefs']>[0]) => void ctl.savePrefs(p), [ctl]);
  const onCancel = useCallback(() => ctl.closeSettings(), [ctl]);
  const onSend = useCallback((text: string) => ctl.sendChat(text), [ctl]);
  const onReact = useCallback((r: Reaction) => ctl.react(r), [ctl]);
  const onDevices = useCallback(() => ctl.openSettings(), [ctl]);
  const call = snap.call;
  const others = call?.members.filter((m) => m.userId !== ctl.selfId).map((m) => m.name) ?? [];
  const callName = !call ? undefined : call.kind === 'room' ? (call.roomName ?? 'The meeting') : `Your conversation with ${listNames(others)}`;
  return (
    <>
      <VideoStrip ctl={ctl} snap={snap} selfName={selfName} lookOf={lookOf} />
      {call && <ChatPanel key={call.id} call={call} messages={snap.chat} selfUserId={ctl.selfId} onSend={onSend} />}
      {call && <TeamsMeetingLink conn={conn} conversationId={call.id} />}
      <ReactionBar onReact={onReact} onDevices={onDevices} />
      {snap.prejoin && (
        <PrejoinDialog
          mode={snap.prejoin}
          prefs={snap.prefs}
          callName={callName}
          selfName={selfName}
          look={lookOf(ctl.selfId)}
          onSave={onSave}
          onCancel={onCancel}
        />
      )}
    </>
  );
}

function listNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? 'them';
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
