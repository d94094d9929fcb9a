import { Writable } from 'node:stream';
import type { OfficeConnection } from '@metaoffice/client';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { hashToken } from '../auth/tokens.js';
import { apiFor, connect, sleep, uniqueEmail, until, type Harness } from './harness.js';

/** Captures every log line the server writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

/** The secrets and words a busy scenario produced, to look for afterwards. */
export interface Secrets {
  passwords: string[];
  sessionTokens: string[];
  inviteTokens: string[];
  chat: string[];
}

/**
 * People sign up (one through an invite), sign in, fail a sign-in, stand together, chat, signal, react, set a status
 * and walk. Returns everything that must never be written down.
 */
export async function busyScenario(h: Harness): Promise<Secrets> {
  const secrets: Secrets = { passwords: [], sessionTokens: [], inviteTokens: [], chat: [] };
  const token = (api: ReturnType<typeof apiFor>) => /mo_session=([^;]+)/.exec(api.cookieHeader() ?? '')![1]!;
  const adaPassword = `ada-secret-${Date.now()}`;
  const ada = apiFor(h);
  const adaEmail = uniqueEmail('ada');
  await ada.signUp({ email: adaEmail, password: adaPassword, name: 'Ada' });
  secrets.sessionTokens.push(token(ada));
  await ada.signIn({ email: adaEmail, password: adaPassword });
  secrets.sessionTokens.push(token(ada));
  const wrong = `wrong-secret-${Date.now()}`;
  await ada.signIn({ email: adaEmail, password: wrong }).catch(() => undefined);
  const invite = await ada.createInvite();
  secrets.inviteTokens.push(invite.token);
  await fetch(invite.url.replace(/^https?:\/\/[^/]+/, h.server.url)).catch(() => undefined);
  await ada.inviteInfo(invite.token);
  const bobPassword = `bob-secret-${Date.now()}`;
  const bob = apiFor(h);
  await bob.signUp({ email: uniqueEmail('bob'), password: bobPassword, name: 'Bob', inviteToken: invite.token });
  secrets.sessionTokens.push(token(bob));
  // A wrong confirmation on account deletion, and a refused cross-site write carrying a password.
  await bob.deleteMe(wrong).catch(() => undefined);
  await fetch(`${h.server.url}/api/me`, { method: 'DELETE', headers: { cookie: bob.cookieHeader()!, origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ password: bobPassword }) });
  // A malformed body that quotes a password.
  await fetch(`${h.server.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"email":"${adaEmail}","password":"${adaPassword}"` });
  secrets.passwords.push(adaPassword, bobPassword, wrong);

  const [office] = await ada.listOffices();
  const map = OfficeMap.fromTiled(await ada.getOfficeMap(office!.id));
  let spot: [TilePos, TilePos] | undefined;
  for (let y = 2; y < map.height - 2 && !spot; y++) {
    for (let x = 2; x < map.width - 3 && !spot; x++) {
      const ok = (p: TilePos) => map.isWalkable(p.x, p.y) && !map.zonesAt(p.x, p.y).some((z) => z.kind === 'meeting-room');
      if (ok({ x, y }) && ok({ x: x + 1, y }) && ok({ x: x + 1, y: y - 1 })) spot = [{ x, y }, { x: x + 1, y }];
    }
  }
  const a: OfficeConnection = connect(h, ada, office!.id, { startAt: spot![0] });
  const b: OfficeConnection = connect(h, bob, office!.id, { startAt: spot![1] });
  await until(() => a.state === 'open' && b.state === 'open', 5000, 'both to join');
  await until(() => !!a.conversation && !!b.conversation, 5000, 'a conversation');
  const heard: string[] = [];
  b.on('chat', (m) => heard.push(m.text));
  for (let i = 0; i < 3; i++) {
    const text = `confidential-chat-${i}-${Math.random().toString(36).slice(2)}`;
    secrets.chat.push(text);
    a.sendChat(text);
  }
  a.signal(b.self!.userId, { kind: 'description', description: { type: 'offer', sdp: `v=0 sdp-secret-${Date.now()}` } });
  a.react('👍');
  a.setStatus('BeRightBack');
  a.setStatus('DoNotDisturb');
  b.setStatus('Busy');
  await until(() => heard.length === 3, 5000, 'Bob to hear the chat');
  // Bob walks away, Ada locks her status in.
  b.step(spot![1].x, spot![1].y - 1, 'up', false);
  await sleep(300);
  a.setStatus('Available');
  // A chat message that fails validation on the server (too long) and one sent to nobody.
  const tooLong = `toolong-chat-${'x'.repeat(1200)}`;
  secrets.chat.push(tooLong.slice(0, 30));
  a.sendChat(tooLong);
  await sleep(300);
  a.close();
  b.close();
  await sleep(200);
  return secrets;
}

export function leaks(text: string, s: Secrets): string[] {
  const found: string[] = [];
  for (const p of s.passwords) if (text.includes(p)) found.push(`password ${p}`);
  for (const t of s.sessionTokens) {
    if (text.includes(t)) found.push(`session token ${t}`);
    if (text.includes(hashToken(t))) found.push(`session token hash of ${t}`);
  }
  for (const t of s.inviteTokens) if (text.includes(t)) found.push(`invite token ${t}`);
  for (const c of s.chat) if (text.includes(c)) found.push(`chat text ${c}`);
  if (/sdp-secret-/.test(text)) found.push('call signalling');
  return found;
}
