import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** What the benchmark reads from a server's Prometheus /metrics. */
export interface MetricsSample {
  cpuSeconds: number;
  rssBytes: number;
  eventLoopLagP99Seconds: number;
  heapUsedBytes: number;
  /** Tick-duration histogram: cumulative counts by upper bound in seconds (+Inf last). */
  tick: { le: number; count: number }[];
}

export function parseMetrics(text: string): MetricsSample {
  const value = (name: string): number => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const tick: { le: number; count: number }[] = [];
  const re = /^metaoffice_tick_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm;
  for (let m; (m = re.exec(text)); ) tick.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: Number(m[2]) });
  return { cpuSeconds: value('process_cpu_seconds_total'), rssBytes: value('process_resident_memory_bytes'), eventLoopLagP99Seconds: value('nodejs_eventloop_lag_p99_seconds'), heapUsedBytes: value('nodejs_heap_size_used_bytes'), tick };
}

export async function readMetrics(url: string): Promise<MetricsSample> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url} answered ${r.status}`);
  return parseMetrics(await r.text());
}

/**
 * The q-quantile of what a cumulative histogram recorded between two samples, interpolated linearly inside the
 * bucket it falls in (as Prometheus' histogram_quantile does). NaN when nothing was recorded.
 */
export function histogramQuantile(before: MetricsSample['tick'], after: MetricsSample['tick'], q: number): number {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of counts) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return prevLe + (inBucket > 0 ? ((rank - prevCount) / inBucket) * (b.le - prevLe) : 0);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
