// Two-factor login for the account holder and for administrators: enrolling an authenticator app
// (a pending secret, confirmed by a first code, then recovery codes shown once, and new ones in
// their place on request), turning it off with a code or the password, an administrator's reset
// of someone's second factor, and the policy that administrators need one. The codes themselves
// are checked in auth/secondFactor.ts.
import type { Prisma } from "@fim/db";
import { requireRecentAuth } from "../auth/recentAuth.ts";
import { assertUnscoped, type Principal } from "../auth/scopes.ts";
import {
  adminsNeedSecondFactor,
  hashRecoveryCode,
  hasSecondFactor,
  newRecoveryCode,
  newTotpSecret,
  openTotpSecret,
  otpauthUrl,
  REQUIRE_ADMIN_MFA_SETTING,
  sealTotpSecret,
  totpStepOf,
  verifySecondFactor,
} from "../auth/secondFactor.ts";
import type { AppContext } from "../context.ts";
import {
  type AdminUser,
  type MfaPolicy,
  type MfaResetResult,
  type MfaStatus,
  RECOVERY_CODE_COUNT,
  type RecoveryCodes,
  type TotpEnrolment,
} from "../contracts/mfa.ts";
import type { User } from "../contracts/users.ts";
import { notFound, validationError } from "../errors.ts";
import { type AdminActor, assertMayActOn } from "./admin.ts";
import { type RequestMeta, recordAudit } from "./audit.ts";

/** Users as administrators see them: each with whether their second factor is on (one query for all). */
export async function withMfaState(ctx: AppContext, users: User[]): Promise<AdminUser[]> {
  const on = await ctx.db.totpFactor.findMany({
    where: { userId: { in: users.map((u) => u.id) }, confirmedAt: { not: null } },
    select: { userId: true },
  });
  const enabled = new Set(on.map((row) => row.userId));
  return users.map((u) => ({ ...u, mfa_enabled: enabled.has(u.id) }));
}

export async function mfaStatus(ctx: AppContext, userId: string): Promise<MfaStatus> {
  const [factor, left] = await Promise.all([
    ctx.db.totpFactor.findUnique({ where: { userId }, select: { confirmedAt: true } }),
    ctx.db.recoveryCode.count({ where: { userId, usedAt: null } }),
  ]);
  const enabled = Boolean(factor?.confirmedAt);
  return { enabled, pending: Boolean(factor && !factor.confirmedAt), recovery_codes_left: enabled ? left : 0 };
}

/**
 * Starts (or starts over) an enrolment: a new secret, stored sealed and not yet in force. Refused
 * while a confirmed factor is on: turn it off first, so a stolen session cannot swap it silently.
 * Needs sudo mode (the password confirmed in this session in the last minutes).
 */
export async function startTotpEnrolment(
  ctx: AppContext,
  caller: Principal,
  meta: RequestMeta,
): Promise<TotpEnrolment> {
  const user = caller.user;
  if (await hasSecondFactor(ctx, user.id)) {
    throw validationError("totp", "two-factor login is already on; turn it off before enrolling again");
  }
  // Changing the second factor is a sudo-mode action: the password confirmed in this session lately.
  await requireRecentAuth(ctx, caller);
  const secret = newTotpSecret();
  const sealed = sealTotpSecret(ctx, user.id, secret);
  await ctx.db.$transaction(async (tx) => {
    await tx.totpFactor.upsert({
      where: { userId: user.id },
      create: { userId: user.id, secretEnc: sealed, createdAt: ctx.clock.now() },
      update: { secretEnc: sealed, confirmedAt: null, lastUsedStep: 0, createdAt: ctx.clock.now() },
    });
    await recordAudit(
      ctx,
      { actorId: user.id, action: "mfa.totp_enrol", targetType: "user", targetId: user.id, meta },
      tx,
    );
  });
  return { secret, otpauth_url: otpauthUrl(secret, user.email) };
}

/** Ten new recovery codes in place of the user's earlier ones (stored hashed), returned as they are. */
async function replaceRecoveryCodes(ctx: AppContext, tx: Prisma.TransactionClient, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.recoveryCode.createMany({
    data: codes.map((recovery) => ({
      userId,
      hash: hashRecoveryCode(ctx, userId, recovery),
      createdAt: ctx.clock.now(),
    })),
  });
  return codes;
}

/**
 * Confirms a pending enrolment with a current code: the factor is on from now, and ten new
 * recovery codes (any earlier ones are dropped) are returned, the only time they are shown.
 */
export async function confirmTotpEnrolment(
  ctx: AppContext,
  userId: string,
  code: string,
  meta: RequestMeta,
): Promise<RecoveryCodes> {
  const factor = await ctx.db.totpFactor.findUnique({ where: { userId } });
  if (!factor) throw validationError("code", "no enrolment was started: ask for a secret first");
  if (factor.confirmedAt) throw validationError("code", "two-factor login is already on");
  const secret = openTotpSecret(ctx, userId, factor.secretEnc);
  const step = totpStepOf(secret, code.trim(), ctx.clock.now());
  if (step === null) throw validationError("code", "is not the current code of this secret; check the app's clock");
  const codes = await ctx.db.$transaction(async (tx) => {
    // Compare-and-set on the pending row: two confirmations at once turn it on once.
    const confirmed = await tx.totpFactor.updateMany({
      where: { userId, confirmedAt: null, secretEnc: factor.secretEnc },
      data: { confirmedAt: ctx.clock.now(), lastUsedStep: step },
    });
    if (confirmed.count !== 1) throw validationError("code", "this enrolment changed meanwhile; start again");
    const fresh = await replaceRecoveryCodes(ctx, tx, userId);
    await recordAudit(ctx, { actorId: userId, action: "mfa.enable", targetType: "user", targetId: userId, meta }, tx);
    return fresh;
  });
  return { recovery_codes: codes };
}

/**
 * Ten new recovery codes in place of the caller's current ones (used up, or seen by someone else),
 * returned this once; the earlier ones stop working at once. Only with two-factor login on, and in
 * sudo mode, as any change to the second factor.
 */
export async function regenerateRecoveryCodes(
  ctx: AppContext,
  caller: Principal,
  meta: RequestMeta,
): Promise<RecoveryCodes> {
  const userId = caller.user.id;
  const off = () => validationError("totp", "two-factor login is off: there are no recovery codes to replace");
  if (!(await hasSecondFactor(ctx, userId))) throw off();
  await requireRecentAuth(ctx, caller);
  const codes = await ctx.db.$transaction(async (tx) => {
    // Writing the factor's row first holds it for the transaction: a concurrent turn-off or
    // regeneration waits, so the codes returned are the ones in force (the last request wins).
    const held = await tx.totpFactor.updateMany({
      where: { userId, confirmedAt: { not: null } },
      data: { userId },
    });
    if (held.count !== 1) throw off();
    const unused = await tx.recoveryCode.count({ where: { userId, usedAt: null } });
    const fresh = await replaceRecoveryCodes(ctx, tx, userId);
    await recordAudit(
      ctx,
      {
        actorId: userId,
        action: "mfa.recovery_codes_regenerate",
        targetType: "user",
        targetId: userId,
        meta,
        detail: { unused_codes_replaced: unused },
      },
      tx,
    );
    return fresh;
  });
  return { recovery_codes: codes };
}

/**
 * Turns the second factor off, proven by a current code (or a recovery code) or the password.
 * Wrong proofs are throttled like login attempts.
 */
export async function disableTotp(
  ctx: AppContext,
  userId: string,
  proof: { code?: string; password?: string },
  meta: RequestMeta,
): Promise<void> {
  if ((proof.code === undefined) === (proof.password === undefined)) {
    throw validationError("code", "give either a current code or the password (one of the two)");
  }
  if (!(await hasSecondFactor(ctx, userId))) {
    // Nothing on: drop a pending enrolment, if any, and say there was nothing to turn off.
    const dropped = await ctx.db.totpFactor.deleteMany({ where: { userId } });
    if (dropped.count === 0) throw notFound("Second factor");
    return;
  }
  const attempt = await ctx.mfaThrottle.begin(userId, meta.ip ?? "unknown");
  let proven: boolean;
  try {
    // The password's hash (tens of milliseconds) is checked before the transaction, not inside it.
    let passwordOk = false;
    if (proof.password !== undefined) {
      const row = await ctx.db.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
      passwordOk = await ctx.passwords.verify(row.passwordHash, proof.password);
    }
    proven = await ctx.db.$transaction(async (tx) => {
      if (proof.code !== undefined) {
        if (!(await verifySecondFactor(ctx, userId, proof.code, tx)).ok) return false;
      } else if (!passwordOk) {
        return false;
      }
      await tx.totpFactor.deleteMany({ where: { userId } });
      await tx.recoveryCode.deleteMany({ where: { userId } });
      await recordAudit(
        ctx,
        {
          actorId: userId,
          action: "mfa.disable",
          targetType: "user",
          targetId: userId,
          meta,
          detail: { proof: proof.code !== undefined ? "code" : "password" },
        },
        tx,
      );
      return true;
    });
  } catch (error) {
    await attempt.abandoned();
    throw error;
  }
  if (!proven) {
    throw proof.code !== undefined
      ? validationError("code", "is not valid (or was already used)")
      : validationError("password", "is not correct");
  }
  await attempt.succeeded();
}

/**
 * An administrator removes a user's second factor (a lost phone and lost recovery codes): the user
 * logs in with the password alone until they enrol again. Audited; sessions and keys are left as
 * they are. Acting on an administrator needs a session or a full-access key; a session needs sudo
 * mode.
 */
export async function adminResetMfa(
  ctx: AppContext,
  actor: AdminActor,
  userId: string,
  meta: RequestMeta,
): Promise<MfaResetResult> {
  const user = await ctx.db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true },
  });
  if (!user) throw notFound("User");
  assertMayActOn(actor, user);
  await requireRecentAuth(ctx, actor);
  const had = await removeSecondFactor(ctx, userId, { actorId: actor.id, meta });
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role === "admin" ? "admin" : "user" },
    had_second_factor: had,
  };
}

/**
 * Removes a user's second factor, its recovery codes and its pending login challenges, in one
 * transaction with its audit entry (`admin.mfa_reset`; no actor when the operator's CLI did it).
 * Whether the user had a confirmed factor.
 */
export async function removeSecondFactor(
  ctx: AppContext,
  userId: string,
  by: { actorId: string | null; meta?: RequestMeta; detail?: Record<string, unknown> },
): Promise<boolean> {
  return ctx.db.$transaction(async (tx) => {
    const factor = await tx.totpFactor.findUnique({ where: { userId }, select: { confirmedAt: true } });
    await tx.totpFactor.deleteMany({ where: { userId } });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.mfaChallenge.deleteMany({ where: { userId } });
    const hadFactor = Boolean(factor?.confirmedAt);
    await recordAudit(
      ctx,
      {
        actorId: by.actorId,
        action: "admin.mfa_reset",
        targetType: "user",
        targetId: userId,
        meta: by.meta,
        detail: { had_second_factor: hadFactor, ...by.detail },
      },
      tx,
    );
    return hadFactor;
  });
}

export async function getMfaPolicy(ctx: AppContext): Promise<MfaPolicy> {
  return { require_for_admins: await adminsNeedSecondFactor(ctx) };
}

/**
 * Turns the policy "administrators need a second factor" on or off. A security setting: needs a
 * session or a full-access key; and the administrator turning it on must have a second factor
 * themselves, so the change cannot lock its author out of the admin pages.
 */
export async function setMfaPolicy(
  ctx: AppContext,
  actor: AdminActor,
  input: MfaPolicy,
  meta: RequestMeta,
): Promise<MfaPolicy> {
  assertUnscoped(actor, "Changing the two-factor policy");
  if (input.require_for_admins && !(await hasSecondFactor(ctx, actor.id))) {
    throw validationError("require_for_admins", "turn on two-factor login for your own account first");
  }
  const value = String(input.require_for_admins);
  await ctx.db.$transaction(async (tx) => {
    await tx.serverSetting.upsert({
      where: { name: REQUIRE_ADMIN_MFA_SETTING },
      create: { name: REQUIRE_ADMIN_MFA_SETTING, value, createdAt: ctx.clock.now() },
      update: { value },
    });
    await recordAudit(
      ctx,
      {
        actorId: actor.id,
        action: "admin.mfa_policy",
        targetType: "setting",
        targetId: REQUIRE_ADMIN_MFA_SETTING,
        meta,
        detail: { require_for_admins: input.require_for_admins },
      },
      tx,
    );
  });
  return { require_for_admins: input.require_for_admins };
}
