import type { MeView, SignUpBody } from '@metaoffice/protocol';
import { loadTemplateMap, templates } from '@metaoffice/maps';
import { StorageError, normaliseEmail, type Store, type User } from '../storage/index.js';
import { AppError, unauthenticated } from '../errors.js';
import { DEFAULT_PASSWORD_COST, dummyHash, hashPassword, verifyPassword, weakPasswordReason } from './passwords.js';
import { hashToken, newToken } from './tokens.js';

export interface AuthServiceOptions {
  sessionTtlMs: number;
  publicUrl: string;
  inviteTtlMs?: number;
  now?: () => number;
  /** Per-account lock-out after repeated failed sign-ins (see Config.signInLockout). */
  lockout?: { maxFailures: number; windowMs: number; lockMs: number };
  /** log2 of scrypt's N for new password hashes (Config.passwordCost). */
  passwordCost?: number;
}

const DEFAULT_LOCKOUT = { maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

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
    this.dummy = dummyHash(this.cost);
  }

  /** A hash of a throwaway password at the same cost, verified against when the e-mail is unknown, so timing does not reveal accounts. */
  private readonly dummy: Promise<string>;
  private get cost(): number {
    return this.opts.passwordCost ?? DEFAULT_PASSWORD_COST;
  }

  /**
   * The very first account joins the demo organisation as its admin. Later accounts join the organisation of the
   * invite they carry, or, without one, start an organisation of their own (with a starter office) as its admin.
   */
  async signUp(body: SignUpBody, previousToken?: string): Promise<{ me: MeView; token: string; expiresAt: number }> {
    const weak = weakPasswordReason(body.password, body.email);
    if (weak) throw new AppError('WEAK_PASSWORD', 400, `The password ${weak}.`, [{ path: '/password', message: weak }]);
    const passwordHash = await hashPassword(body.password, this.cost);
    const user = await this.store.transaction(async (tx) => {
      let orgId: string;
      let role: 'admin' | 'member';
      if (body.inviteToken) {
        const invite = await tx.invites.byTokenHash(hashToken(body.inviteToken));
        if (!invite || invite.expiresAt <= this.now()) throw new AppError('INVITE_INVALID', 400, 'This invite link is invalid or has expired.');
        orgId = invite.orgId;
        role = 'member';
        await tx.invites.markUsed(invite.tokenHash);
      } else if ((await tx.users.countAll()) === 0 && (await this.demoOrganisation(tx))) {
        orgId = (await this.demoOrganisation(tx))!.id;
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
    const session = await this.rotateSession(user.id, previousToken);
    return { me: await this.meOf(user), ...session };
  }

  /**
   * Checks the password, counting failures against the account's lock-out. A new session replaces the one the
   * request came with (session fixation: a cookie planted before sign-in must not become a signed-in one).
   */
  async signIn(email: string, password: string, previousToken?: string): Promise<{ me: MeView; token: string; expiresAt: number }> {
    const user = await this.store.users.byEmailWithHash(email);
    if (user) await this.refuseIfLocked(user.id);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummy));
    if (!user) throw new AppError('BAD_CREDENTIALS', 401, 'Wrong e-mail or password.');
    if (!ok) await this.failed(user.id, 401);
    await this.store.users.clearSignInFailures(user.id);
    const session = await this.rotateSession(user.id, previousToken);
    const { passwordHash: _drop, ...plain } = user;
    return { me: await this.meOf(plain), ...session };
  }

  /**
   * Confirms a signed-in person's password before something irreversible. Failures count towards the same lock-out
   * as sign-in, so a stolen session cannot be used to guess the password.
   */
  async confirmPassword(user: User, password: string): Promise<void> {
    await this.refuseIfLocked(user.id);
    const withHash = await this.store.users.byEmailWithHash(user.email);
    const ok = await verifyPassword(password, withHash?.passwordHash ?? (await this.dummy));
    if (!withHash || !ok) await this.failed(user.id, 403);
    await this.store.users.clearSignInFailures(user.id);
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.store.sessions.delete(hashToken(token));
  }

  /** Ends every session of the user, on every device. */
  async signOutEverywhere(userId: string): Promise<number> {
    return this.store.sessions.deleteByUser(userId);
  }

  /**
   * Erases an account. The last admin cannot leave while others remain (nobody could invite or offboard then); the
   * last person of an organisation takes it with them, so no unreachable organisation is left behind.
   */
  async deleteAccount(user: User, proof: { password: string } | { confirm: string }): Promise<{ organisationDeleted: boolean }> {
    if ('password' in proof) {
      await this.confirmPassword(user, proof.password);
    } else {
      // Only an account that has no password (a Teams person) may confirm by its e-mail; one with a password must
      // give it, so a stolen session alone cannot erase it.
      const withHash = await this.store.users.byEmailWithHash(user.email);
      if (!withHash || withHash.passwordHash !== '') throw new AppError('CONFIRMATION_REQUIRED', 400, 'Confirm with your password.', [{ path: '/password', message: 'required for an account with a password' }]);
      if (normaliseEmail(proof.confirm) !== normaliseEmail(user.email)) {
        throw new AppError('CONFIRMATION_REQUIRED', 400, 'Type your e-mail address exactly to confirm deleting your account.', [{ path: '/confirm', message: 'does not match your e-mail address' }]);
      }
    }
    return this.store.transaction(async (tx) => {
      const people = await tx.users.listByOrg(user.orgId);
      const others = people.filter((p) => p.id !== user.id);
      if (others.length === 0) {
        await tx.organisations.delete(user.orgId);
        return { organisationDeleted: true };
      }
      if (user.role === 'admin' && !others.some((p) => p.role === 'admin')) {
        throw new AppError('LAST_ADMIN', 409, 'You are the last admin of this organisation. Make someone else an admin, or delete the organisation, first.');
      }
      await tx.users.delete(user.id);
      return { organisationDeleted: false };
    });
  }

  /** Offboarding: deletes the organisation and everything it owns. Only an admin, who types its name to confirm. */
  async deleteOrganisation(user: User, confirm: string): Promise<void> {
    if (user.role !== 'admin') throw new AppError('FORBIDDEN', 403, 'Only an admin of the organisation can delete it.');
    const org = await this.store.organisations.byId(user.orgId);
    if (!org) throw new AppError('NOT_FOUND', 404, 'Organisation not found.');
    if (confirm.trim() !== org.name.trim()) {
      throw new AppError('CONFIRMATION_REQUIRED', 400, 'Type the organisation\'s name exactly to confirm deleting it.', [{ path: '/confirm', message: 'does not match the organisation name' }]);
    }
    await this.store.organisations.delete(org.id);
  }

  private async refuseIfLocked(userId: string): Promise<void> {
    const until = await this.store.users.lockedUntil(userId);
    if (until !== null && until > this.now()) throw locked(until - this.now());
  }

  private async failed(userId: string, status: 401 | 403): Promise<never> {
    const { lockedUntil } = await this.store.users.recordSignInFailure(userId, this.opts.lockout ?? DEFAULT_LOCKOUT);
    if (lockedUntil !== null) throw locked(lockedUntil - this.now());
    throw new AppError('BAD_CREDENTIALS', status, status === 401 ? 'Wrong e-mail or password.' : 'Wrong password.');
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

  /** Of these sessions, the ones still valid: the live-connection re-check asks for thousands at once. */
  validSessions(tokenHashes: readonly string[]): Promise<Set<string>> {
    return this.store.sessions.validAmong(tokenHashes, this.now());
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

  /**
   * A session for someone another identity provider has already verified (Teams SSO, checked by TeamsSsoValidator).
   * Like signIn, it replaces the session the request came with.
   */
  async signInVerified(user: User, previousToken: string | undefined): Promise<{ me: MeView; token: string; expiresAt: number }> {
    const session = await this.rotateSession(user.id, previousToken);
    return { me: await this.meOf(user), ...session };
  }

  /** The seeded demo organisation: the oldest one, unless it belongs to a Microsoft 365 tenant (never joined by sign-up). */
  private async demoOrganisation(tx: Store) {
    const first = await tx.organisations.first();
    return first && (await tx.teams.tenantOf(first.id)) === undefined ? first : undefined;
  }

  private async rotateSession(userId: string, previousToken: string | undefined): Promise<{ token: string; expiresAt: number }> {
    if (previousToken) await this.signOut(previousToken);
    return this.openSession(userId);
  }

  private async openSession(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = newToken();
    const now = this.now();
    const expiresAt = now + this.opts.sessionTtlMs;
    await this.store.sessions.create({ tokenHash: hashToken(token), userId, createdAt: now, expiresAt });
    return { token, expiresAt };
  }
}

function locked(remainingMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  return new AppError('ACCOUNT_LOCKED', 429, `Too many failed sign-ins. This account is locked; try again in ${Math.ceil(seconds / 60)} min.`, undefined, { 'retry-after': String(seconds) });
}
