import type { MeView, SignUpBody } from '@metaoffice/protocol';
import { loadTemplateMap, templates } from '@metaoffice/maps';
import { StorageError, type Store, type User } from '../storage/index.js';
import { AppError, unauthenticated } from '../errors.js';
import { hashPassword, verifyPassword, DUMMY_HASH_PROMISE } from './passwords.js';
import { hashToken, newToken } from './tokens.js';

export interface AuthServiceOptions {
  sessionTtlMs: number;
  publicUrl: string;
  inviteTtlMs?: number;
  now?: () => number;
}

export interface Authenticated {
  user: User;
  tokenHash: string;
  expiresAt: number;
}

/** Local accounts: sign-up (with or without an invite), sign-in, sessions and invites. */
export class AuthService {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly opts: AuthServiceOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * The very first account joins the demo organisation as its admin. Later accounts join the organisation of the
   * invite they carry, or, without one, start an organisation of their own (with a starter office) as its admin.
   */
  async signUp(body: SignUpBody): Promise<{ me: MeView; token: string; expiresAt: number }> {
    const passwordHash = await hashPassword(body.password);
    const user = await this.store.transaction(async (tx) => {
      let orgId: string;
      let role: 'admin' | 'member';
      if (body.inviteToken) {
        const invite = await tx.invites.byTokenHash(hashToken(body.inviteToken));
        if (!invite || invite.expiresAt <= this.now()) throw new AppError('INVITE_INVALID', 400, 'This invite link is invalid or has expired.');
        orgId = invite.orgId;
        role = 'member';
        await tx.invites.markUsed(invite.tokenHash);
      } else if ((await tx.users.countAll()) === 0 && (await tx.organisations.first())) {
        orgId = (await tx.organisations.first())!.id;
        role = 'admin';
      } else {
        const org = await tx.organisations.create(`${body.name.trim()}'s organisation`);
        const tpl = templates[0]!;
        await tx.offices.create({ orgId: org.id, name: 'Main office', description: 'Your first office.', template: tpl.id, mapJson: JSON.stringify(loadTemplateMap(tpl.id)) });
        orgId = org.id;
        role = 'admin';
      }
      try {
        return await tx.users.create({ orgId, email: body.email, name: body.name.trim(), role, passwordHash });
      } catch (err) {
        if (err instanceof StorageError && err.code === 'EMAIL_TAKEN') throw new AppError('EMAIL_TAKEN', 409, 'An account with this e-mail already exists.');
        throw err;
      }
    });
    const session = await this.openSession(user.id);
    return { me: await this.meOf(user), ...session };
  }

  async signIn(email: string, password: string): Promise<{ me: MeView; token: string; expiresAt: number }> {
    const user = await this.store.users.byEmailWithHash(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) throw new AppError('BAD_CREDENTIALS', 401, 'Wrong e-mail or password.');
    const session = await this.openSession(user.id);
    const { passwordHash: _drop, ...plain } = user;
    return { me: await this.meOf(plain), ...session };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.store.sessions.delete(hashToken(token));
  }

  /** Resolves a session cookie to its user; throws UNAUTHENTICATED or SESSION_EXPIRED. */
  async authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token || token.length > 200) throw unauthenticated();
    const tokenHash = hashToken(token);
    const session = await this.store.sessions.byTokenHash(tokenHash);
    if (!session) throw unauthenticated();
    if (session.expiresAt <= this.now()) {
      await this.store.sessions.delete(tokenHash);
      throw unauthenticated(true);
    }
    const user = await this.store.users.byId(session.userId);
    if (!user) throw unauthenticated();
    return { user, tokenHash, expiresAt: session.expiresAt };
  }

  /** True while the session still exists and has not expired; live connections re-check it. */
  async sessionValid(tokenHash: string): Promise<boolean> {
    const s = await this.store.sessions.byTokenHash(tokenHash);
    return !!s && s.expiresAt > this.now();
  }

  async meOf(user: User): Promise<MeView> {
    const org = await this.store.organisations.byId(user.orgId);
    return {
      user: { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.orgId },
      organisation: { id: user.orgId, name: org?.name ?? '' },
    };
  }

  async createInvite(user: User): Promise<{ token: string; url: string; expiresAt: number }> {
    if (user.role !== 'admin') throw new AppError('FORBIDDEN', 403, 'Only an admin of the organisation can invite people.');
    const token = newToken(24);
    const now = this.now();
    const expiresAt = now + (this.opts.inviteTtlMs ?? 7 * 24 * 3_600_000);
    await this.store.invites.create({ tokenHash: hashToken(token), orgId: user.orgId, createdBy: user.id, createdAt: now, expiresAt });
    return { token, url: `${this.opts.publicUrl}/invite/${token}`, expiresAt };
  }

  async inviteInfo(token: string): Promise<{ organisationName: string; expiresAt: number }> {
    const invite = await this.store.invites.byTokenHash(hashToken(token));
    if (!invite || invite.expiresAt <= this.now()) throw new AppError('INVITE_INVALID', 404, 'This invite link is invalid or has expired.');
    const org = await this.store.organisations.byId(invite.orgId);
    return { organisationName: org?.name ?? '', expiresAt: invite.expiresAt };
  }

  private async openSession(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = newToken();
    const now = this.now();
    const expiresAt = now + this.opts.sessionTtlMs;
    await this.store.sessions.create({ tokenHash: hashToken(token), userId, createdAt: now, expiresAt });
    return { token, expiresAt };
  }
}
