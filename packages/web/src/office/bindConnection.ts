import type { OfficeConnection } from '@metaoffice/client';
import type { OfficeScene } from './OfficeScene.js';

/**
 * Feeds what the office connection reports into the scene. The scene starts after the connection (it waits for
 * the map), so it first catches up from the connection's mirror, then follows its events.
 */
export function bindConnection(conn: OfficeConnection, scene: OfficeScene, stepsPerSecond: () => number): () => void {
  const selfId = () => conn.self?.avatarId;

  if (conn.self) scene.placeSelf(conn.self, stepsPerSecond());
  for (const a of conn.avatars.values()) scene.addAvatar(a);

  const offs = [
    // After a reconnect the SDK has already sent 'leave' for everyone; the server re-announces who is in view.
    conn.on('welcome', (w) => scene.placeSelf(w.self, w.stepsPerSecond)),
    conn.on('enter', (a) => {
      if (a.avatarId !== selfId()) scene.addAvatar(a);
    }),
    conn.on('leave', (id) => scene.removeAvatar(id)),
    conn.on('move', (m) => scene.moveAvatar(m)),
    conn.on('update', (a) => {
      if (a.avatarId === selfId()) {
        scene.setSelfPresence(a.name, a.availability);
        scene.setSelfAvatar(a);
      } else scene.updateAvatar(a);
    }),
    conn.on('correction', (c) => scene.correctSelf(c.x, c.y, c.dir, c.reason)),
    conn.on('people', (changed) => {
      const me = conn.self && changed.find((p) => p.userId === conn.self?.userId);
      if (me) scene.setSelfPresence(me.name, me.availability);
    }),
  ];
  return () => offs.forEach((off) => off());
}
