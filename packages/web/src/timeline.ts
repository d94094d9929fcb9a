import { navigationStartedAt } from './router.js';

/**
 * Milestones of opening an office, in ms since the navigation started. The time to the own avatar on screen is a
 * product target (≤ 1.5 s on loopback); these say where that time goes.
 */
export const timeline: Record<string, number> = {};

export function mark(name: string): void {
  if (!(name in timeline)) timeline[name] = Math.round(performance.now() - navigationStartedAt());
}

/** A new screen, a new timeline (called by the router on every navigation). */
export function resetTimeline(): void {
  for (const k of Object.keys(timeline)) delete timeline[k];
}
