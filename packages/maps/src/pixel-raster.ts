// A tiny RGBA raster with the few drawing primitives pixel art needs. No Node imports, so the browser can draw
// with it too (avatar-art.ts); scripts/lib/canvas.ts adds PNG encoding on top for the generator.
// Everything is integer-pixel and deterministic, so the same drawing gives the same bytes on every run and platform.

export type RGBA = readonly [number, number, number, number];
export type Colour = string | RGBA;

const parsed = new Map<string, RGBA>();

export function rgba(c: Colour): RGBA {
  if (typeof c !== 'string') return c;
  let out = parsed.get(c);
  if (out === undefined) {
    const hex = c.replace('#', '');
    const n = parseInt(hex.slice(0, 6), 16);
    const a = hex.length === 8 ? parseInt(hex.slice(6, 8), 16) : 255;
    out = Object.freeze([(n >> 16) & 255, (n >> 8) & 255, n & 255, a] as const);
    if (parsed.size < 4096) parsed.set(c, out);
  }
  return out;
}

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** Mixes toward black (f < 0) or white (f > 0); |f| in 0..1. */
export function shade(c: Colour, f: number): RGBA {
  const [r, g, b, a] = rgba(c);
  const t = f < 0 ? 0 : 255;
  const k = Math.abs(f);
  return [clamp(r + (t - r) * k), clamp(g + (t - g) * k), clamp(b + (t - b) * k), a];
}

export function mix(a: Colour, b: Colour, t: number): RGBA {
  const x = rgba(a);
  const y = rgba(b);
  return [clamp(x[0] + (y[0] - x[0]) * t), clamp(x[1] + (y[1] - x[1]) * t), clamp(x[2] + (y[2] - x[2]) * t), clamp(x[3] + (y[3] - x[3]) * t)];
}

export function withAlpha(c: Colour, a: number): RGBA {
  const [r, g, b] = rgba(c);
  return [r, g, b, clamp(a)];
}

/** Deterministic PRNG (mulberry32), so "random" grain and noise are the same on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Img {
  readonly data: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.data = new Uint8Array(w * h * 4);
  }

  /** A blank image of the same class as this one (so a subclass's crop/flipX/scale/resize keep the subclass). */
  protected blank(w: number, h: number): this {
    return new (this.constructor as new (w: number, h: number) => this)(w, h);
  }

  inside(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.w && y < this.h;
  }

  get(x: number, y: number): RGBA {
    if (!this.inside(x, y)) return [0, 0, 0, 0];
    const i = (y * this.w + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!, this.data[i + 3]!];
  }

  alpha(x: number, y: number): number {
    return this.inside(x, y) ? this.data[(y * this.w + x) * 4 + 3]! : 0;
  }

  /** Overwrites the pixel (no blending). */
  put(x: number, y: number, c: Colour): void {
    if (!this.inside(x, y)) return;
    const [r, g, b, a] = rgba(c);
    const i = (y * this.w + x) * 4;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
    this.data[i + 3] = a;
  }

  /** Source-over blending. */
  px(x: number, y: number, c: Colour): void {
    x = Math.round(x);
    y = Math.round(y);
    if (!this.inside(x, y)) return;
    const [r, g, b, a] = rgba(c);
    if (a === 0) return;
    const i = (y * this.w + x) * 4;
    if (a === 255) {
      this.data[i] = r;
      this.data[i + 1] = g;
      this.data[i + 2] = b;
      this.data[i + 3] = 255;
      return;
    }
    const da = this.data[i + 3]! / 255;
    const sa = a / 255;
    const oa = sa + da * (1 - sa);
    const blend = (s: number, d: number): number => clamp((s * sa + d * da * (1 - sa)) / oa);
    this.data[i] = blend(r, this.data[i]!);
    this.data[i + 1] = blend(g, this.data[i + 1]!);
    this.data[i + 2] = blend(b, this.data[i + 2]!);
    this.data[i + 3] = clamp(oa * 255);
  }

  rect(x: number, y: number, w: number, h: number, c: Colour): void {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.px(i, j, c);
  }

  hline(x1: number, x2: number, y: number, c: Colour): void {
    for (let i = Math.min(x1, x2); i <= Math.max(x1, x2); i++) this.px(i, y, c);
  }

  vline(x: number, y1: number, y2: number, c: Colour): void {
    for (let j = Math.min(y1, y2); j <= Math.max(y1, y2); j++) this.px(x, j, c);
  }

  /** 1 px rectangle border. */
  box(x: number, y: number, w: number, h: number, c: Colour): void {
    this.hline(x, x + w - 1, y, c);
    this.hline(x, x + w - 1, y + h - 1, c);
    this.vline(x, y, y + h - 1, c);
    this.vline(x + w - 1, y, y + h - 1, c);
  }

  /** Rectangle with its four corner pixels cut, the usual pixel-art "rounded" box. */
  rrect(x: number, y: number, w: number, h: number, c: Colour, r = 1): void {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const dx = i < r ? r - i : i >= w - r ? i - (w - r - 1) : 0;
        const dy = j < r ? r - j : j >= h - r ? j - (h - r - 1) : 0;
        if (dx > 0 && dy > 0 && dx + dy > r) continue;
        this.px(x + i, y + j, c);
      }
    }
  }

  /** Filled ellipse inscribed in the box. */
  ellipse(x: number, y: number, w: number, h: number, c: Colour): void {
    const cx = x + w / 2;
    const cy = y + h / 2;
    for (let j = y; j < y + h; j++) {
      for (let i = x; i < x + w; i++) {
        const dx = (i + 0.5 - cx) / (w / 2);
        const dy = (j + 0.5 - cy) / (h / 2);
        if (dx * dx + dy * dy <= 1.0) this.px(i, j, c);
      }
    }
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Colour): void {
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.px(x0, y0, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** Composites `src` (or a part of it) onto this image. */
  blit(src: Img, dx: number, dy: number, sx = 0, sy = 0, w = src.w, h = src.h): void {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const a = src.alpha(sx + i, sy + j);
        if (a > 0) this.px(dx + i, dy + j, src.get(sx + i, sy + j));
      }
    }
  }

  /** Copies pixels verbatim, alpha included. */
  copy(src: Img, dx: number, dy: number, sx = 0, sy = 0, w = src.w, h = src.h): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.put(dx + i, dy + j, src.get(sx + i, sy + j));
  }

  crop(x: number, y: number, w: number, h: number): this {
    const out = this.blank(w, h);
    out.copy(this, 0, 0, x, y, w, h);
    return out;
  }

  flipX(): this {
    const out = this.blank(this.w, this.h);
    for (let y = 0; y < this.h; y++) for (let x = 0; x < this.w; x++) out.put(this.w - 1 - x, y, this.get(x, y));
    return out;
  }

  /**
   * Draws a 1 px outline on transparent pixels that touch opaque ones (4-neighbourhood),
   * which gives sprites the crisp dark edge of hand-made pixel art.
   */
  outline(c: Colour, minAlpha = 200): void {
    const mark: number[] = [];
    for (let y = 0; y < this.h; y++) {
      for (let x = 0; x < this.w; x++) {
        if (this.alpha(x, y) >= minAlpha) continue;
        if (
          this.alpha(x - 1, y) >= minAlpha ||
          this.alpha(x + 1, y) >= minAlpha ||
          this.alpha(x, y - 1) >= minAlpha ||
          this.alpha(x, y + 1) >= minAlpha
        )
          mark.push(x, y);
      }
    }
    for (let k = 0; k < mark.length; k += 2) this.put(mark[k]!, mark[k + 1]!, c);
  }

  /** Nearest-neighbour enlargement, for looking at the art. */
  scale(k: number): this {
    const out = this.blank(this.w * k, this.h * k);
    for (let y = 0; y < out.h; y++) for (let x = 0; x < out.w; x++) out.put(x, y, this.get(Math.floor(x / k), Math.floor(y / k)));
    return out;
  }

  /** Area-averaging reduction to an arbitrary size (for thumbnails). */
  resize(w: number, h: number): this {
    const out = this.blank(w, h);
    const fx = this.w / w;
    const fy = this.h / h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let r = 0;
        let g = 0;
        let b = 0;
        let a = 0;
        let n = 0;
        const x0 = Math.floor(x * fx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
        const y0 = Math.floor(y * fy);
        const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
        for (let j = y0; j < y1; j++) {
          for (let i = x0; i < x1; i++) {
            const p = this.get(i, j);
            const pa = p[3] / 255;
            r += p[0] * pa;
            g += p[1] * pa;
            b += p[2] * pa;
            a += pa;
            n++;
          }
        }
        out.put(x, y, a > 0 ? [r / a, g / a, b / a, (a / n) * 255] : [0, 0, 0, 0]);
      }
    }
    return out;
  }
}
