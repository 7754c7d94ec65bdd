// Re-authentication for sensitive actions ("sudo mode"): creating a full-access or admin-scoped
// key, widening a key's scopes, creating an administrator, changing a role, and changing a second
// factor need the password (and the second factor's code, when the account has one) confirmed in
// this login session within the last SUDO_MODE_SECONDS (10 minutes by default). The confirmation
// time lives on the Session row (`reauthenticatedAt`; a login sets it), and the gate reads the row
// itself, never the credential cache, so a confirmation made through any instance holds at once on
// every other one.
import type { AppContext } from "../context.ts";
import { AppError, validationError } from "../errors.ts";
import type { Principal } from "./scopes.ts";
import { hasSecondFactor, verifySecondFactor } from "./secondFactor.ts";

export const REAUTHENTICATE_PATH = "/api/auth/reauthenticate";

/** What the gate needs of a caller: the credential's kind and scopes, and its login session. */
export type RecentAuthSubject = Pick<Principal, "kind" | "scopes" | "sessionId">;

/** The refusal a client recognises (`reauthenticate: true`), to confirm the password and retry. */
export function reauthenticationRequired(ctx: AppContext): AppError {
  const window = ctx.config.sudoModeSeconds;
  const span = window % 60 === 0 ? `${window / 60} minute${window === 60 ? "" : "s"}` : `${window} seconds`;
  return new AppError(
    "forbidden",
    `This action needs your password (and two-factor code, if you use one) confirmed in the last ${span}: ` +
      `POST ${REAUTHENTICATE_PATH} with them, then retry`,
    { extra: { reauthenticate: true } },
  );
}

/**
 * Throws `forbidden` (with `reauthenticate: true`) unless the caller's login session confirmed its
 * password within the last SUDO_MODE_SECONDS.
 *
 * API keys: a key cannot re-authenticate. A scoped key is already refused every gated action (see
 * assertUnscoped); a full-access key passes, since it is an account-wide credential whose very
 * creation went through this gate, and that a program holds on purpose (as GitHub's sudo mode
 * leaves personal access tokens alone). What the gate guards against is a login session someone
 * else got hold of (an unattended browser, a stolen cookie or access token).
 */
export async function requireRecentAuth(ctx: AppContext, subject: RecentAuthSubject): Promise<void> {
  if (subject.kind === "api_key") {
    if (subject.scopes.length > 0)
      throw new AppError("forbidden", "This action needs a login session, not a scoped key");
    return;
  }
  if (!subject.sessionId) throw reauthenticationRequired(ctx);
  // Read fresh from the database on purpose (not the credential cache): rare, sensitive, and
  // must agree across instances the moment a confirmation is made.
  const row = await ctx.db.session.findUnique({
    where: { id: subject.sessionId },
    select: { reauthenticatedAt: true, revokedAt: true },
  });
  const confirmedAt = row && !row.revokedAt ? row.reauthenticatedAt : null;
  if (!confirmedAt || ctx.clock.now().getTime() - confirmedAt.getTime() >= ctx.config.sudoModeSeconds * 1000) {
    throw reauthenticationRequired(ctx);
  }
}

/**
 * Checks that the person is who the session says: their password, and their second factor when
 * they have one (a current code or an unused recovery code, taken under the same anti-replay rule
 * as at login). Returns false for a wrong answer (the caller turns it into the login-style error);
 * a missing code for an account that has two-factor login is a validation error on `code`, so a
 * client knows to ask for it.
 */
export async function confirmIdentity(
  ctx: AppContext,
  user: { id: string; passwordHash: string },
  input: { password: string; code?: string },
): Promise<boolean> {
  const passwordOk = await ctx.passwords.verify(user.passwordHash, input.password);
  if (!passwordOk) return false;
  if (!(await hasSecondFactor(ctx, user.id))) return true;
  if (!input.code) {
    throw validationError("code", "This account uses two-factor login: give the code from your authenticator app");
  }
  return (await verifySecondFactor(ctx, user.id, input.code)).ok;
}
