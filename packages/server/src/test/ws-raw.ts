import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@metaoffice/protocol';

/** What a raw client heard: parsed text frames, binary frames, and how the socket closed. */
export interface Heard {
  texts: Record<string, unknown>[];
  binaries: Buffer[];
  close?: { code: number; reason: string };
  /** The HTTP status when the upgrade itself was refused. */
  refused?: number;
}

/**
 * A WebSocket client below the SDK, for tests that must send frames the SDK never would (wrong order, wrong shape,
 * foreign ids) and see exactly what comes back.
 */
export class RawClient {
  readonly heard: Heard = { texts: [], binaries: [] };
  readonly opened: Promise<boolean>;
  private readonly ws: WebSocket;

  constructor(baseUrl: string, opts: { cookie?: string; origin?: string } = {}) {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.origin) headers.origin = opts.origin;
    this.ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws', { headers });
    this.ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) this.heard.binaries.push(buf);
      else this.heard.texts.push(JSON.parse(buf.toString('utf8')) as Record<string, unknown>);
    });
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => resolve(true));
      this.ws.once('unexpected-response', (_req, res) => {
        this.heard.refused = res.statusCode;
        resolve(false);
      });
      this.ws.once('error', () => resolve(false));
    });
    this.ws.on('close', (code, reason) => (this.heard.close = { code, reason: reason.toString('utf8') }));
  }

  send(frame: object | Uint8Array | string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (frame instanceof Uint8Array) this.ws.send(frame, { binary: true });
    else this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  hello(officeId: string, extra: Record<string, unknown> = {}): void {
    this.send({ t: 'hello', protocol: PROTOCOL_VERSION, officeId, viewport: { cols: 40, rows: 30 }, ...extra });
  }

  /** The first text frame matching, waiting up to `timeoutMs`. */
  async text(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 3000, what = 'a message'): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.heard.texts.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; heard ${JSON.stringify(this.heard.texts.map((t) => t.t === 'error' ? `error:${String(t.code)}` : t.t))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async closed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.heard.close) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the socket to close');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.heard.close;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  errors(): string[] {
    return this.heard.texts.filter((t) => t.t === 'error').map((t) => String(t.code));
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
