import type { LoadResult } from './load.js';

/**
 * An SVG of a sweep: users on the x axis and three panels, p99 step latency (ms), server CPU (% of one core) and
 * download per client (KB/s), with the targets drawn as dashed lines.
 */
export function sweepChart(runs: readonly LoadResult[]): string {
  const panels: { title: string; value: (r: LoadResult) => number; target?: number; unit: string }[] = [
    { title: 'p99 step → screen latency', value: (r) => r.latencyMs.p99, target: 150, unit: 'ms' },
    { title: 'server CPU', value: (r) => r.serverCpuPct, unit: '% of one core' },
    { title: 'download per client (median)', value: (r) => r.downKBpsPerClient, target: 4, unit: 'KB/s' },
  ];
  const W = 300;
  const H = 220;
  const pad = { l: 48, r: 12, t: 34, b: 36 };
  const maxUsers = Math.max(...runs.map((r) => r.users), 1);
  const mode = runs[0]?.mode ?? 'aoi';
  const svgPanels = panels.map((p, i) => {
    const values = runs.map(p.value).filter(Number.isFinite);
    const maxV = Math.max(p.target ?? 0, ...values, 1) * 1.1;
    const x = (u: number) => pad.l + (u / maxUsers) * (W - pad.l - pad.r);
    const y = (v: number) => H - pad.b - (v / maxV) * (H - pad.t - pad.b);
    const pts = runs.filter((r) => Number.isFinite(p.value(r))).map((r) => `${x(r.users).toFixed(1)},${y(p.value(r)).toFixed(1)}`);
    const dots = runs
      .filter((r) => Number.isFinite(p.value(r)))
      .map((r) => `<circle cx="${x(r.users).toFixed(1)}" cy="${y(p.value(r)).toFixed(1)}" r="3" fill="#3558b5"/><text x="${x(r.users).toFixed(1)}" y="${(y(p.value(r)) - 6).toFixed(1)}" text-anchor="middle" font-size="10">${p.value(r)}</text>`)
      .join('');
    const target = p.target === undefined ? '' : `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(p.target).toFixed(1)}" y2="${y(p.target).toFixed(1)}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${W - pad.r}" y="${(y(p.target) - 3).toFixed(1)}" text-anchor="end" font-size="10" fill="#c0392b">target ${p.target}</text>`;
    const ticks = runs.map((r) => `<text x="${x(r.users).toFixed(1)}" y="${H - pad.b + 14}" text-anchor="middle" font-size="10">${r.users}</text>`).join('');
    return `<g transform="translate(${i * W},0)">
<text x="${pad.l}" y="16" font-size="12" font-weight="bold">${p.title}</text><text x="${pad.l}" y="28" font-size="10" fill="#555">${p.unit}</text>
<line x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" stroke="#999"/><line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${H - pad.b}" stroke="#999"/>
<text x="${pad.l - 4}" y="${pad.t + 4}" text-anchor="end" font-size="10">${Math.round(maxV)}</text><text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end" font-size="10">0</text>
${target}<polyline points="${pts.join(' ')}" fill="none" stroke="#3558b5" stroke-width="2"/>${dots}${ticks}
<text x="${(W + pad.l) / 2}" y="${H - 6}" text-anchor="middle" font-size="10">users</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H + 20}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${svgPanels.join('\n')}
<text x="8" y="${H + 14}" font-size="10" fill="#555">MetaOffice load benchmark, mode ${mode}, one office, server and load generator on the same machine</text>
</svg>
`;
}
