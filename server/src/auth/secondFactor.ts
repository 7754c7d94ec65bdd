// The second factor: TOTP codes (RFC 6238, via the `otpauth` library: SHA-1, 6 digits, 30 s,
// accepted one step either side) and single-use recovery codes. Whatever asks for a second factor
// (the login's second step, turning it off, and later the sudo check) calls verifySecondFactor,
// so the rules live here once: a code is accepted only for a time step later than the last one
// accepted (kept in the database, so instances agree and a code is never taken twice), and a
// recovery code is spent by the request that uses it (a compare-and-set on its row).
import { createHmac, randomInt } from "node:crypto";
import type { Prisma } from "@fim/db";
import { Secret, TOTP } from "otpauth";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { openSecret, sealSecret } from "../lib/secretBox.ts";
import type { Principal } from "./scopes.ts";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the server's: a phone's clock that is a little off still works. */
export const TOTP_WINDOW = 1;
export const TOTP_ISSUER = "FIM One";
const SECRET_BYTES = 20;

/** The name of the ServerSetting row of the policy "administrators need a second factor". */
export const REQUIRE_ADMIN_MFA_SETTING = "require_admin_mfa";

type DbClient = Prisma.TransactionClient;

function secretContext(userId: string): string {
  return `totp-secret:${userId}`;
}

export function sealTotpSecret(ctx: AppContext, userId: string, base32: string): string {
  return sealSecret(ctx.config.apiKeySecret, base32, secretContext(userId));
}

export function openTotpSecret(ctx: AppContext, userId: string, sealed: string): string {
  return openSecret(ctx.config.apiKeySecret, sealed, secretContext(userId));
}

/** A new random secret (160 bits, as RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUrl(base32: string, accountName: string): string {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: accountName,
    secret: Secret.fromBase32(base32),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/**
 * The time step a code belongs to, if it is one of the codes of the steps around `now`, else null.
 * The library compares in constant time.
 */
export function totpStepOf(base32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(base32),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp,
    window: TOTP_WINDOW,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp }) + delta;
}

// ---- recovery codes ----

/** Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L). */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_LENGTH = 4;

/** A recovery code as shown: three groups of four, e.g. `k7qm-2xfa-9trn` (about 59 bits). */
export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_GROUPS; g++) {
    let group = "";
    for (let i = 0; i < RECOVERY_GROUP_LENGTH; i++) group += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join("-");
}

/** Case, spaces and dashes do not matter when a recovery code is typed back. */
function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "");
}

/** The stored form: a keyed hash bound to the user, so a row copied to another account is worthless. */
export function hashRecoveryCode(ctx: AppContext, userId: string, code: string): string {
  return createHmac("sha256", ctx.config.apiKeySecret)
    .update(`recovery-code:${userId}:${normalizeRecoveryCode(code)}`)
    .digest("hex");
}

// ---- the one check ----

export type SecondFactorResult = { ok: true; method: "totp" | "recovery_code" } | { ok: false };

/**
 * Checks a second factor of `userId`: a current TOTP code (one step either side) for a time step
 * after the last one accepted, or an unused recovery code, which this call spends. Pass the
 * transaction that depends on the answer, so a refused change gives the step or the code back.
 * A user without a confirmed factor never passes.
 */
export async function verifySecondFactor(
  ctx: AppContext,
  userId: string,
  code: string,
  db: DbClient = ctx.db,
): Promise<SecondFactorResult> {
  const factor = await db.totpFactor.findUnique({ where: { userId } });
  if (!factor?.confirmedAt) return { ok: false };
  const typed = code.trim().replace(/\s/g, "");
  if (/^\d{6}$/.test(typed)) {
    const step = totpStepOf(openTotpSecret(ctx, userId, factor.secretEnc), typed, ctx.clock.now());
    if (step === null || step <= factor.lastUsedStep) return { ok: false };
    // Compare-and-set: of two requests with the same code (or two codes racing), one wins.
    const taken = await db.totpFactor.updateMany({
      where: { userId, lastUsedStep: { lt: step } },
      data: { lastUsedStep: step },
    });
    return taken.count === 1 ? { ok: true, method: "totp" } : { ok: false };
  }
  if (normalizeRecoveryCode(typed).length !== RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH) return { ok: false };
  const spent = await db.recoveryCode.updateMany({
    where: { userId, hash: hashRecoveryCode(ctx, userId, typed), usedAt: null },
    data: { usedAt: ctx.clock.now() },
  });
  return spent.count === 1 ? { ok: true, method: "recovery_code" } : { ok: false };
}

/** Whether the user has a confirmed second factor (a pending enrolment does not count). */
export async function hasSecondFactor(ctx: AppContext, userId: string, db: DbClient = ctx.db): Promise<boolean> {
  const factor = await db.totpFactor.findUnique({ where: { userId }, select: { confirmedAt: true } });
  return Boolean(factor?.confirmedAt);
}

/** Whether the policy "administrators need a second factor" is on (ServerSetting, shared by every instance). */
export async function adminsNeedSecondFactor(ctx: AppContext): Promise<boolean> {
  const row = await ctx.db.serverSetting.findUnique({ where: { name: REQUIRE_ADMIN_MFA_SETTING } });
  return row?.value === "true";
}

/**
 * For admin-only actions: when the policy is on, an administrator whose account has no second
 * factor is refused (403 forbidden, with the reason) until they enrol in Settings → Security;
 * everything else, enrolment included, stays open to them. Applies to their API keys as well:
 * the requirement is the account's.
 */
export async function assertAdminSecondFactor(ctx: AppContext, principal: Principal): Promise<void> {
  if (!(await adminsNeedSecondFactor(ctx))) return;
  if (await hasSecondFactor(ctx, principal.user.id)) return;
  throw new AppError(
    "forbidden",
    "This server requires administrators to use two-factor login: turn it on under Settings, Security first",
  );
}
