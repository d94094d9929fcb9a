import { FakeMicrosoftError } from '../errors.js';

export type FaultKind = '500' | '503' | '504' | 'slow';

export interface FaultRule {
  /** Regular expression tested against "METHOD /v1.0/path" (e.g. "^POST /v1.0/communications/"); default: every request. */
  match?: string;
  /** 0..1, drawn from the seeded generator. */
  probability: number;
  kind: FaultKind;
  /** For 503/504: send `Retry-After` with this many seconds (fractions allowed); omitted = no header. */
  retryAfterSeconds?: number;
  /** For 'slow': delay before the normal answer. */
  delayMs?: number;
}

export interface FaultConfig {
  /** Reseeds the generator, so a run with the same seed injects the same faults. */
  seed?: number;
  rules: FaultRule[];
}

export interface InjectedFault {
  kind: FaultKind;
  retryAfterSeconds?: number;
  delayMs?: number;
}

/** Seeded, per-path random faults for Graph requests. */
export class FaultInjector {
  private rules: Array<FaultRule & { pattern: RegExp }> = [];
  private state: number;
  readonly injected = new Map<FaultKind, number>();

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  configure(config: FaultConfig): void {
    if (!config || !Array.isArray(config.rules)) throw new FakeMicrosoftError('fault config needs a rules array');
    const rules = config.rules.map((rule) => {
      if (!['500', '503', '504', 'slow'].includes(rule.kind)) throw new FakeMicrosoftError(`unknown fault kind '${String(rule.kind)}'`);
      if (!(rule.probability >= 0 && rule.probability <= 1)) throw new FakeMicrosoftError('fault probability must be between 0 and 1');
      if (rule.kind === 'slow' && !(Number(rule.delayMs) > 0)) throw new FakeMicrosoftError("a 'slow' fault needs delayMs > 0");
      if (rule.retryAfterSeconds !== undefined && !(rule.retryAfterSeconds >= 0)) throw new FakeMicrosoftError('retryAfterSeconds must be >= 0');
      let pattern: RegExp;
      try {
        pattern = new RegExp(rule.match ?? '');
      } catch {
        throw new FakeMicrosoftError(`fault match '${rule.match}' is not a valid regular expression`);
      }
      return { ...rule, pattern };
    });
    this.rules = rules;
    if (config.seed !== undefined) this.state = config.seed >>> 0;
  }

  /** The first matching rule whose draw hits decides; at most one fault per request. */
  draw(method: string, path: string): InjectedFault | undefined {
    const subject = `${method.toUpperCase()} ${path}`;
    for (const rule of this.rules) {
      if (!rule.pattern.test(subject)) continue;
      if (this.next() >= rule.probability) continue;
      this.injected.set(rule.kind, (this.injected.get(rule.kind) ?? 0) + 1);
      return {
        kind: rule.kind,
        ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
        ...(rule.delayMs !== undefined ? { delayMs: rule.delayMs } : {}),
      };
    }
    return undefined;
  }

  /** mulberry32: small, seedable, good enough for fault draws. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
