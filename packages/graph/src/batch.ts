import type { RequestLimits } from './limits.js';

/** Graph's `$batch` takes at most 20 requests. */
export const MAX_BATCH_SIZE = 20;

/**
 * Splits classified requests into `$batch` chunks, in order: at most `maxSize` each, and never more cost on one bucket
 * than that bucket can ever hold (20 calls to one team would need 20 of its 4 tokens at once, and Graph would throttle
 * most of them anyway). A request that alone exceeds a bucket still gets a chunk; the governor then sheds it.
 */
export function splitBatch<T extends { readonly limits: RequestLimits }>(items: readonly T[], maxSize = MAX_BATCH_SIZE): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let load = new Map<string, number>();
  const fits = (item: T): boolean =>
    chunk.length < maxSize && item.limits.draws.every((d) => (load.get(d.key) ?? 0) + d.cost <= d.capacity);
  for (const item of items) {
    if (chunk.length > 0 && !fits(item)) {
      chunks.push(chunk);
      chunk = [];
      load = new Map();
    }
    chunk.push(item);
    for (const d of item.limits.draws) load.set(d.key, (load.get(d.key) ?? 0) + d.cost);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A header of a `$batch` item answer, whose header names come in any case. */
export function batchHeader(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
