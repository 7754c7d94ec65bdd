// Login sessions: password login and, for accounts with two-factor login, its second step;
// refresh-token rotation with reuse detection, logout, and the list of a user's active sessions.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Prisma } from "@fim/db";
import { signToken, verifyToken } from "../auth/jwt.ts";
import { confirmIdentity } from "../auth/recentAuth.ts";
import type { Principal } from "../auth/scopes.ts";
import { hasSecondFactor, type SecondFactorResult, verifySecondFactor } from "../auth/secondFactor.ts";
import type { AppContext } from "../context.ts";
import type { Session } from "../contracts/account.ts";
import type { Reauthenticated, TokenPair } from "../contracts/auth.ts";
import { MFA_TOKEN_TTL_SECONDS, type MfaChallenge } from "../contracts/mfa.ts";
import type { User } from "../contracts/users.ts";
import { AppError, notFound, validationError } from "../errors.ts";
import { type RequestMeta, recordAudit } from "./audit.ts";
import { normalizeEmail, setPassword, toPublicUser, type UserRow, userSelect } from "./users.ts";

function issuePair(ctx: AppContext, user: User, sessionId: string, jti: string, sessionExpiresAt: Date): TokenPair {
  const { jwtKey, accessTokenTtl } = ctx.config;
  const access = signToken(jwtKey, ctx.clock, accessTokenTtl, { sub: user.id, sid: sessionId, typ: "access" });
  const refreshTtl = Math.max(1, Math.floor((sessionExpiresAt.getTime() - ctx.clock.now().getTime()) / 1000));
  const refresh = signToken(jwtKey, ctx.clock, refreshTtl, { sub: user.id, sid: sessionId, typ: "refresh", jti });
  return {
    access_token: access.token,
    refresh_token: refresh.token,
    token_type: "bearer",
    expires_in: accessTokenTtl,
    refresh_expires_at: refresh.expiresAt.toISOString(),
    user,
  };
}

/**
 * What a failed login's audit entry keeps of the typed email: the address when it is a
 * well-formed one (cut to 100 characters), nothing otherwise, since a mistyped field may hold a
 * password.
 */
function auditableEmail(typed: string): { email?: string } {
  const email = normalizeEmail(typed);
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return {};
  return { email: email.slice(0, 100) };
}

export type LoginResult = TokenPair | MfaChallenge;

export async function login(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<LoginResult> {
  const email = normalizeEmail(input.email);
  const ip = meta.ip ?? "unknown";
  const attempt = await ctx.loginThrottle.begin(email, ip);

  let row: (UserRow & { passwordHash: string }) | null;
  let passwordOk: boolean;
  try {
    row = await ctx.db.user.findUnique({ where: { email }, select: { ...userSelect, passwordHash: true } });
    // Unknown emails spend the same argon2 time as wrong passwords.
    passwordOk = row
      ? await ctx.passwords.verify(row.passwordHash, input.password)
      : await ctx.passwords.verifyNobody(input.password);
  } catch (error) {
    // Never checked (the hashing gate was full, the database away): the attempt does not count.
    await attempt.abandoned();
    throw error;
  }
  if (!row || !passwordOk || row.disabled) {
    await recordAudit(ctx, {
      actorId: row?.id ?? null,
      action: "login_failed",
      targetType: "user",
      meta,
      detail: {
        ...auditableEmail(input.email),
        reason: !row ? "unknown_email" : row.disabled ? "disabled" : "wrong_password",
      },
    });
    // A disabled account answers exactly as a wrong password does, so a guess cannot be
    // confirmed against it; the audit log tells the operator which it was.
    throw new AppError("unauthorized", "Invalid email or password");
  }
  await attempt.succeeded();
  // The password was right; an account with a second factor gets no tokens before its code.
  if (await hasSecondFactor(ctx, row.id)) return createMfaChallenge(ctx, row.id);
  return startSession(ctx, row, meta);
}

/** A login session for a user whose credentials were all checked: its row, its audit entry, its tokens. */
async function startSession(ctx: AppContext, row: UserRow, meta: RequestMeta): Promise<TokenPair> {
  const now = ctx.clock.now();
  const jti = randomUUID();
  const session = await ctx.db.session.create({
    data: {
      userId: row.id,
      refreshJti: jti,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + ctx.config.refreshTokenTtl * 1000),
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      ip: meta.ip,
      // Logging in is confirming the password: sensitive actions are open for the first minutes.
      reauthenticatedAt: now,
    },
  });
  await recordAudit(ctx, { actorId: row.id, action: "login", targetType: "session", targetId: session.id, meta });
  return issuePair(ctx, toPublicUser(row), session.id, jti, session.expiresAt);
}

const MFA_TOKEN_PREFIX = "mfa_";

/** The stored form of an mfa_token: 256 random bits need no key or slow hash, only not to be kept as they are. */
function hashMfaToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The pending second step of a login: an opaque random token (never a JWT, so it is refused
 * wherever an access or refresh token is expected, and they are refused here), stored hashed in
 * the database for five minutes, so any instance can complete it and only once.
 */
async function createMfaChallenge(ctx: AppContext, userId: string): Promise<MfaChallenge> {
  const now = ctx.clock.now();
  const token = `${MFA_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  // Challenges nobody completed are dropped as new ones are made.
  await ctx.db.mfaChallenge.deleteMany({ where: { expiresAt: { lte: now } } });
  await ctx.db.mfaChallenge.create({
    data: {
      tokenHash: hashMfaToken(token),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_SECONDS * 1000),
    },
  });
  return { mfa_required: true, mfa_token: token, expires_in: MFA_TOKEN_TTL_SECONDS };
}

/**
 * The login's second step: the mfa_token of a password that was right, and a current TOTP code
 * or an unused recovery code. Codes are throttled like passwords (per account and per address);
 * a wrong code leaves the token usable until it expires, a right one uses it up. Checking the code
 * and using up the token happen in one transaction: of two requests racing with one token, one
 * gets a session and the other's code (a recovery code, a time step) is given back.
 */
export async function completeMfaLogin(
  ctx: AppContext,
  input: { mfa_token: string; code: string },
  meta: RequestMeta,
): Promise<TokenPair> {
  const unknown = () =>
    new AppError("invalid_token", "This mfa_token is not valid or was already used: log in with your password again");
  if (!input.mfa_token.startsWith(MFA_TOKEN_PREFIX)) throw unknown();
  const tokenHash = hashMfaToken(input.mfa_token);
  const challenge = await ctx.db.mfaChallenge.findUnique({ where: { tokenHash } });
  if (!challenge) throw unknown();
  const now = ctx.clock.now();
  if (challenge.expiresAt <= now) {
    await ctx.db.mfaChallenge.deleteMany({ where: { tokenHash } });
    throw new AppError("token_expired", "This mfa_token has expired: log in with your password again");
  }
  const { userId } = challenge;
  const attempt = await ctx.mfaThrottle.begin(userId, meta.ip ?? "unknown");
  let result: SecondFactorResult;
  try {
    result = await ctx.db.$transaction(async (tx) => {
      const checked = await verifySecondFactor(ctx, userId, input.code, tx);
      if (!checked.ok) return checked;
      const used = await tx.mfaChallenge.deleteMany({ where: { tokenHash, expiresAt: { gt: now } } });
      if (used.count !== 1) throw unknown();
      if (checked.method === "recovery_code") {
        const left = await tx.recoveryCode.count({ where: { userId, usedAt: null } });
        await recordAudit(
          ctx,
          {
            actorId: userId,
            action: "mfa.recovery_code_used",
            targetType: "user",
            targetId: userId,
            meta,
            detail: { recovery_codes_left: left },
          },
          tx,
        );
      }
      return checked;
    });
  } catch (error) {
    // Not a judgement on the code (the token was taken by a racing request, the database away).
    await attempt.abandoned();
    throw error;
  }
  if (!result.ok) {
    await recordAudit(ctx, {
      actorId: userId,
      action: "login_failed",
      targetType: "user",
      targetId: userId,
      meta,
      detail: { reason: "wrong_second_factor" },
    });
    throw new AppError("unauthorized", "The code is not valid (or was already used); try the current one");
  }
  await attempt.succeeded();
  const row = await ctx.db.user.findUnique({ where: { id: userId }, select: userSelect });
  if (!row || row.disabled) throw new AppError("unauthorized", "Invalid email or password");
  return startSession(ctx, row, meta);
}

/**
 * Exchanges a refresh token for a new pair. The presented token must be the session's current
 * one; the swap is a compare-and-set on `refreshJti`, so two concurrent uses of one token cannot
 * both win. Presenting a token that was already used revokes the whole session.
 */
export async function rotateRefreshToken(ctx: AppContext, refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
  const claims = verifyToken(ctx.config.jwtKey, ctx.clock, refreshToken, "refresh");
  const session = await ctx.db.session.findUnique({
    where: { id: claims.sid },
    include: { user: { select: userSelect } },
  });
  if (!session || session.userId !== claims.sub) throw new AppError("invalid_token", "This session no longer exists");
  if (session.revokedAt) throw new AppError("invalid_token", "This session was revoked");
  const now = ctx.clock.now();
  if (session.expiresAt <= now) throw new AppError("token_expired", "This session has expired");
  if (session.user.disabled) throw new AppError("unauthorized", "This account is disabled");

  const nextJti = randomUUID();
  const swapped = await ctx.db.session.updateMany({
    where: { id: session.id, refreshJti: claims.jti, revokedAt: null },
    data: { refreshJti: nextJti, rotations: { increment: 1 }, lastUsedAt: now, ip: meta.ip ?? session.ip },
  });
  if (swapped.count === 0) {
    await ctx.db.session.update({
      where: { id: session.id },
      data: { revokedAt: now, revokedReason: "refresh_token_reuse" },
    });
    ctx.credentials.invalidateSession(session.id);
    await recordAudit(ctx, {
      actorId: session.userId,
      action: "refresh_reuse_detected",
      targetType: "session",
      targetId: session.id,
      meta,
    });
    throw new AppError("invalid_token", "This refresh token was already used; the session has been revoked");
  }
  return issuePair(ctx, toPublicUser(session.user), session.id, nextJti, session.expiresAt);
}

export async function logout(ctx: AppContext, sessionId: string, actorId: string, meta: RequestMeta): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await tx.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: ctx.clock.now(), revokedReason: "logout" },
    });
    await recordAudit(ctx, { actorId, action: "logout", targetType: "session", targetId: sessionId, meta }, tx);
  });
  ctx.credentials.invalidateSession(sessionId);
}

/**
 * Ends every session of a user (optionally keeping one), e.g. "log out everywhere". Outside a
 * transaction the user's cached credentials are forgotten here; a caller that passes its
 * transaction (`db`) forgets them itself once it commits, or a request in between could cache
 * the sessions as they were before the commit.
 */
export async function revokeAllSessions(
  ctx: AppContext,
  userId: string,
  options: { exceptSessionId?: string; reason: string },
  db: Prisma.TransactionClient = ctx.db,
): Promise<number> {
  const result = await db.session.updateMany({
    where: {
      userId,
      revokedAt: null,
      ...(options.exceptSessionId ? { id: { not: options.exceptSessionId } } : {}),
    },
    data: { revokedAt: ctx.clock.now(), revokedReason: options.reason },
  });
  if (db === ctx.db) ctx.credentials.invalidateUser(userId);
  return result.count;
}

export async function listActiveSessions(
  ctx: AppContext,
  userId: string,
  currentSessionId: string | null,
): Promise<Session[]> {
  const rows = await ctx.db.session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: ctx.clock.now() } },
    orderBy: { lastUsedAt: "desc" },
  });
  return rows
    .map((row) => {
      // Activity this instance noted but has not written yet counts too.
      const noted = ctx.sessionActivity.pendingFor(row.id);
      const lastUsedAt = noted && noted > row.lastUsedAt ? noted : row.lastUsedAt;
      return {
        id: row.id,
        user_agent: row.userAgent,
        ip: row.ip,
        created_at: row.createdAt.toISOString(),
        last_used_at: lastUsedAt.toISOString(),
        expires_at: row.expiresAt.toISOString(),
        current: row.id === currentSessionId,
      };
    })
    .sort((a, b) => b.last_used_at.localeCompare(a.last_used_at));
}

export async function revokeSession(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const result = await tx.session.updateMany({
      where: { id: sessionId, userId, revokedAt: null },
      data: { revokedAt: ctx.clock.now(), revokedReason: "revoked_by_user" },
    });
    if (result.count === 0) throw notFound("Session");
    await recordAudit(
      ctx,
      { actorId: userId, action: "session.revoke", targetType: "session", targetId: sessionId, meta },
      tx,
    );
  });
  ctx.credentials.invalidateSession(sessionId);
}

/**
 * "Log out all other sessions": ends every session of the caller but the one asking, audited with
 * how many ended. Only a login session can ask (an API key has no session to keep).
 */
export async function revokeOtherSessions(
  ctx: AppContext,
  caller: { userId: string; sessionId: string | null },
  meta: RequestMeta,
): Promise<number> {
  const sessionId = caller.sessionId;
  if (!sessionId) {
    throw new AppError("forbidden", "Only a login session can end the other sessions; an API key has none to keep");
  }
  const ended = await ctx.db.$transaction(async (tx) => {
    const count = await revokeAllSessions(
      ctx,
      caller.userId,
      { exceptSessionId: sessionId, reason: "revoked_by_user" },
      tx,
    );
    await recordAudit(
      ctx,
      {
        actorId: caller.userId,
        action: "session.revoke_others",
        targetType: "user",
        targetId: caller.userId,
        meta,
        detail: { revoked_sessions: count },
      },
      tx,
    );
    return count;
  });
  // After the commit: a request in between could otherwise cache the sessions as they were.
  ctx.credentials.invalidateUser(caller.userId);
  return ended;
}

/**
 * A signed-in user changes their own password: the current one must be given, every other
 * session ends (the one making the change stays). Returns how many sessions ended.
 */
export async function changePassword(
  ctx: AppContext,
  caller: { userId: string; sessionId: string | null },
  input: { current_password: string; new_password: string },
  meta: RequestMeta,
): Promise<number> {
  const row = await ctx.db.user.findUniqueOrThrow({ where: { id: caller.userId }, select: { passwordHash: true } });
  if (!(await ctx.passwords.verify(row.passwordHash, input.current_password))) {
    throw validationError("current_password", "is not correct");
  }
  await setPassword(ctx, caller.userId, input.new_password);
  const ended = await revokeAllSessions(ctx, caller.userId, {
    exceptSessionId: caller.sessionId ?? undefined,
    reason: "password_changed",
  });
  await recordAudit(ctx, {
    actorId: caller.userId,
    action: "password_changed",
    targetType: "user",
    targetId: caller.userId,
    meta,
  });
  return ended;
}

/**
 * Confirms the password (and, once two-factor login exists, the code) in the caller's login
 * session, which opens sensitive actions for SUDO_MODE_SECONDS (see auth/recentAuth.ts). Throttled
 * with the login attempts of the account and the address; a wrong password answers as a failed
 * login does.
 */
export async function reauthenticate(
  ctx: AppContext,
  principal: Principal,
  input: { password: string; code?: string },
  meta: RequestMeta,
): Promise<Reauthenticated> {
  const sessionId = principal.kind === "jwt" ? principal.sessionId : null;
  if (!sessionId) {
    throw new AppError("forbidden", "Only a login session can re-authenticate; an API key cannot");
  }
  const attempt = await ctx.loginThrottle.begin(principal.user.email, meta.ip ?? "unknown");
  let confirmed: boolean;
  try {
    const user = await ctx.db.user.findUniqueOrThrow({
      where: { id: principal.user.id },
      select: { id: true, passwordHash: true },
    });
    confirmed = await confirmIdentity(ctx, user, input);
  } catch (error) {
    await attempt.abandoned();
    throw error;
  }
  if (!confirmed) {
    await recordAudit(ctx, {
      actorId: principal.user.id,
      action: "reauthenticate_failed",
      targetType: "session",
      targetId: sessionId,
      meta,
    });
    throw new AppError("unauthorized", "Invalid password or two-factor code");
  }
  await attempt.succeeded();
  const now = ctx.clock.now();
  await ctx.db.$transaction(async (tx) => {
    const updated = await tx.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { reauthenticatedAt: now },
    });
    if (updated.count === 0) throw new AppError("invalid_token", "This session was revoked");
    await recordAudit(
      ctx,
      { actorId: principal.user.id, action: "reauthenticated", targetType: "session", targetId: sessionId, meta },
      tx,
    );
  });
  return {
    reauthenticated_at: now.toISOString(),
    sudo_until: new Date(now.getTime() + ctx.config.sudoModeSeconds * 1000).toISOString(),
    sudo_expires_in: ctx.config.sudoModeSeconds,
  };
}
