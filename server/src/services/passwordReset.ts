// "Forgot password": a single-use link, valid RESET_TOKEN_TTL_MS, mailed to the account's address
// (or, without SMTP_URL, written to the log for the operator). The token is stored only as its
// SHA-256; using it sets the new password, spends every open link of the account and ends all its
// sessions.
//
// No user enumeration: the request is answered the same, at the same speed, for any address. The
// answer is sent after the throttle and before any lookup; the lookup, the token and the mail
// happen afterwards, in the background.
import { createHash, randomBytes } from "node:crypto";
import { PASSWORD_MIN_LENGTH } from "../auth/passwords.ts";
import type { AppContext } from "../context.ts";
import { type AppError, validationError } from "../errors.ts";
import { describeMailError } from "../lib/mailer.ts";
import { type RequestMeta, recordAudit } from "./audit.ts";
import { revokeAllSessions } from "./sessions.ts";
import { normalizeEmail } from "./users.ts";

export const RESET_TOKEN_TTL_MS = 30 * 60_000;

/** What every "forgot password" request is told, whether the address has an account or not. */
export const RESET_REQUESTED_MESSAGE =
  "If the address has an account, a link to reset its password is on its way. It is valid for 30 minutes.";

function hashResetToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The portal page a reset link opens. */
export function resetLink(ctx: AppContext, token: string): string {
  return `${ctx.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
}

/** Counts the request against the throttles, then issues the link in the background. Never tells whether the account exists. */
export async function requestPasswordReset(
  ctx: AppContext,
  input: { email: string },
  meta: RequestMeta,
): Promise<void> {
  const email = normalizeEmail(input.email);
  await ctx.passwordResetThrottle.take(email, meta.ip ?? "unknown");
  ctx.background.run("password reset", () => issueResetLink(ctx, email, meta), describeMailError);
}

async function issueResetLink(ctx: AppContext, email: string, meta: RequestMeta): Promise<void> {
  const user = await ctx.db.user.findUnique({ where: { email }, select: { id: true, email: true, disabled: true } });
  if (!user) return;
  if (user.disabled) {
    await recordAudit(ctx, {
      actorId: user.id,
      action: "password_reset_requested",
      targetType: "user",
      targetId: user.id,
      meta,
      detail: { sent: false, reason: "disabled" },
    });
    return;
  }
  const token = randomBytes(32).toString("base64url");
  const now = ctx.clock.now();
  await ctx.db.$transaction(async (tx) => {
    await tx.passwordResetToken.create({
      data: {
        userId: user.id,
        tokenHash: hashResetToken(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
      },
    });
    await recordAudit(
      ctx,
      {
        actorId: user.id,
        action: "password_reset_requested",
        targetType: "user",
        targetId: user.id,
        meta,
        detail: { sent: true, delivery: ctx.mailer ? "mail" : "log" },
      },
      tx,
    );
  });
  const link = resetLink(ctx, token);
  if (!ctx.mailer) {
    // The documented operator path without SMTP (README): the one log line that carries a secret.
    ctx.logger.warn(
      { email: user.email, reset_link: link },
      "password reset link (SMTP_URL is not set: pass it on to the account holder; valid 30 minutes, once)",
    );
    return;
  }
  await ctx.mailer.send({
    to: user.email,
    subject: "Reset your FIM One password",
    text: [
      "Someone (hopefully you) asked to reset the password of your FIM One account.",
      "",
      "Open this link within 30 minutes to choose a new password (it works once):",
      "",
      link,
      "",
      "Resetting the password logs you out everywhere. If you did not ask for this, ignore this mail:",
      "your password stays as it is.",
    ].join("\n"),
  });
  ctx.logger.info({ user_id: user.id }, "password reset mail sent");
}

function invalidResetLink(): AppError {
  return validationError("token", "this reset link is invalid, was already used or has expired; ask for a new one");
}

/**
 * Sets a new password with a reset token. The token is spent atomically (a conditional update in
 * the same transaction as the new password), so of two uses at once, through any instances, one
 * wins. Every session of the account ends; returns how many.
 */
export async function resetPassword(
  ctx: AppContext,
  input: { token: string; new_password: string },
  meta: RequestMeta,
): Promise<{ sessions_ended: number }> {
  if (input.new_password.length < PASSWORD_MIN_LENGTH) {
    throw validationError("new_password", `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  const tokenHash = hashResetToken(input.token);
  const found = await ctx.db.passwordResetToken.findUnique({
    where: { tokenHash },
    select: { userId: true, expiresAt: true, usedAt: true },
  });
  if (!found || found.usedAt || found.expiresAt <= ctx.clock.now()) throw invalidResetLink();
  const passwordHash = await ctx.passwords.hash(input.new_password);
  const now = ctx.clock.now();
  const userId = found.userId;
  const ended = await ctx.db.$transaction(async (tx) => {
    const spent = await tx.passwordResetToken.updateMany({
      where: { tokenHash, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (spent.count !== 1) throw invalidResetLink();
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    // Other links of the account mailed before this reset stop working too.
    await tx.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
    const count = await revokeAllSessions(ctx, userId, { reason: "password_reset" }, tx);
    await recordAudit(
      ctx,
      {
        actorId: userId,
        action: "password_reset",
        targetType: "user",
        targetId: userId,
        meta,
        detail: { sessions_ended: count },
      },
      tx,
    );
    return count;
  });
  // Committed: every cached session of the account is forgotten here and announced to the others.
  ctx.credentials.invalidateUser(userId);
  return { sessions_ended: ended };
}
