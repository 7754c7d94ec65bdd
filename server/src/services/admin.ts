// What administrators do to other accounts: create users, disable or enable them, change their
// role, end their sessions. Every change is audited, and every change that affects what a
// user's credentials may do takes effect on the very next request (cache invalidated, sessions
// revoked).
import { requireRecentAuth } from "../auth/recentAuth.ts";
import { assertUnscoped, type Principal } from "../auth/scopes.ts";
import type { AppContext } from "../context.ts";
import type { Role, User } from "../contracts/users.ts";
import { validationError } from "../errors.ts";
import { type RequestMeta, recordAudit } from "./audit.ts";
import { revokeAllSessions } from "./sessions.ts";
import { createUser, getUser } from "./users.ts";

/**
 * The administrator acting: who, with what credential (a scoped key may do less), and in which
 * login session (creating an administrator or changing a role needs a recent password confirmation).
 */
export type AdminActor = Pick<Principal, "kind" | "scopes" | "sessionId"> & { id: string };

export function adminActor(principal: Principal): AdminActor {
  return { id: principal.user.id, kind: principal.kind, scopes: principal.scopes, sessionId: principal.sessionId };
}

/** Acting on an administrator's account, sessions or keys needs a session or a full-access key. */
export function assertMayActOn(actor: AdminActor, target: { role: string }): void {
  if (target.role === "admin") assertUnscoped(actor, "Acting on an administrator's account");
}

export async function adminCreateUser(
  ctx: AppContext,
  actor: AdminActor,
  input: { email: string; password: string; name?: string; role?: Role },
  meta: RequestMeta,
): Promise<User> {
  if (input.role === "admin") {
    assertUnscoped(actor, "Creating an administrator");
    await requireRecentAuth(ctx, actor);
  }
  const user = await createUser(ctx, input);
  await recordAudit(ctx, {
    actorId: actor.id,
    action: "admin.user_create",
    targetType: "user",
    targetId: user.id,
    meta,
    detail: { email: user.email, role: user.role },
  });
  return user;
}

/**
 * Disables/enables a user or changes their role. Disabling ends all their sessions, and their
 * keys stop working at once; an administrator cannot disable or demote their own account.
 */
export async function adminUpdateUser(
  ctx: AppContext,
  actor: AdminActor,
  userId: string,
  input: { disabled?: boolean; role?: Role },
  meta: RequestMeta,
): Promise<User> {
  const before = await getUser(ctx, userId);
  if (input.role !== undefined && input.role !== before.role) assertUnscoped(actor, "Changing a role");
  assertMayActOn(actor, before);
  if (userId === actor.id && input.disabled === true) {
    throw validationError("disabled", "you cannot disable your own account");
  }
  if (userId === actor.id && input.role !== undefined && input.role !== "admin") {
    throw validationError("role", "you cannot remove your own administrator role");
  }
  const disabledChanges = input.disabled !== undefined && input.disabled !== before.disabled;
  const roleChanges = input.role !== undefined && input.role !== before.role;
  if (!disabledChanges && !roleChanges) return before;
  if (roleChanges) await requireRecentAuth(ctx, actor);

  // The change, the sessions it ends and its audit entries: all kept, or none.
  await ctx.db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: userId },
      data: {
        ...(disabledChanges ? { disabled: input.disabled } : {}),
        ...(roleChanges ? { role: input.role } : {}),
      },
    });
    if (disabledChanges) {
      let revoked = 0;
      if (input.disabled) revoked = await revokeAllSessions(ctx, userId, { reason: "user_disabled" }, tx);
      await recordAudit(
        ctx,
        {
          actorId: actor.id,
          action: input.disabled ? "admin.user_disable" : "admin.user_enable",
          targetType: "user",
          targetId: userId,
          meta,
          detail: input.disabled ? { revoked_sessions: revoked } : undefined,
        },
        tx,
      );
    }
    if (roleChanges) {
      await recordAudit(
        ctx,
        {
          actorId: actor.id,
          action: "admin.user_role",
          targetType: "user",
          targetId: userId,
          meta,
          detail: { from: before.role, to: input.role },
        },
        tx,
      );
    }
  });
  // Cached keys and sessions carry the user's role and disabled flag (and a disable ended the
  // sessions): drop them so the next request re-reads.
  ctx.credentials.invalidateUser(userId);
  return getUser(ctx, userId);
}

/** Ends every login session of a user (their API keys are not affected). */
export async function adminRevokeSessions(
  ctx: AppContext,
  actor: AdminActor,
  userId: string,
  meta: RequestMeta,
): Promise<{ revoked_sessions: number }> {
  assertMayActOn(actor, await getUser(ctx, userId));
  const revoked = await ctx.db.$transaction(async (tx) => {
    const count = await revokeAllSessions(ctx, userId, { reason: "revoked_by_admin" }, tx);
    await recordAudit(
      ctx,
      {
        actorId: actor.id,
        action: "admin.sessions_revoke",
        targetType: "user",
        targetId: userId,
        meta,
        detail: { revoked_sessions: count },
      },
      tx,
    );
    return count;
  });
  ctx.credentials.invalidateUser(userId);
  return { revoked_sessions: revoked };
}
