import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureDevCertificateAuthority, issueServerCertificate } from './tls.js';

export type HandshakeBehaviour = 'echo' | 'wrong-echo' | 'silent' | 'error';

export interface ReceivedNotification {
  path: string;
  body: { value: Array<Record<string, unknown>> };
}

/**
 * An HTTPS webhook endpoint for tests: answers Graph's validation handshake as told and records every notification.
 * Its certificate comes from the same development CA, as a product webhook behind TLS would in development.
 */
export interface WebhookReceiver {
  /** Base URL, e.g. https://127.0.0.1:PORT; any path under it is accepted. */
  url: string;
  received: ReceivedNotification[];
  handshake: HandshakeBehaviour;
  /** Resolves once `count` notifications (in total) have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedNotification[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(caDir = '.local/dev-ca'): Promise<WebhookReceiver> {
  const certificate = await issueServerCertificate(await ensureDevCertificateAuthority(caDir));
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    handshake: 'echo',
    waitFor: (count, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (receiver.received.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(receiver.received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} notifications, got ${receiver.received.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://receiver.invalid');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        if (receiver.handshake === 'silent') return;
        if (receiver.handshake === 'error') return void response.writeHead(500).end();
        const echo = receiver.handshake === 'echo' ? token : `${token}-wrong`;
        return void response.writeHead(200, { 'content-type': 'text/plain' }).end(echo);
      }
      receiver.received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedNotification['body'] });
      response.writeHead(202).end();
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiver.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
