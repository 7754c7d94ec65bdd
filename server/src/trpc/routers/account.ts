// The signed-in person's own things: who they are, their API keys, sessions and password.
import {
  changePasswordBody,
  otherSessionsRevoked,
  passwordChanged,
  portalMe,
  sessionList,
  sessionRevoked,
} from "../../contracts/account.ts";
import * as keyContract from "../../contracts/apiKeys.ts";
import { secondsUntil } from "../../contracts/auth.ts";
import { idParams, ok } from "../../contracts/common.ts";
import * as apiKeys from "../../services/apiKeys.ts";
import { getKeySettings } from "../../services/keySettings.ts";
import { changePassword, listActiveSessions, revokeOtherSessions, revokeSession } from "../../services/sessions.ts";
import { callerAccount } from "../../services/users.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const meProcedure = protectedProcedure.output(portalMe).query(({ ctx }) => ({
  user: callerAccount(ctx.principal),
  access_expires_in: secondsUntil(ctx.principal.expiresAt, ctx.app.clock.now()),
}));

export const keysRouter = router({
  /** What applies to keys on this server that the portal shows before a key exists. */
  policy: protectedProcedure.output(keyContract.keyPolicy).query(async ({ ctx }) => {
    const limit = ctx.app.config.defaultKeyRateLimit;
    const settings = await getKeySettings(ctx.app);
    return {
      default_rate_limit: limit ? { requests: limit.requests, window_seconds: limit.windowSeconds } : null,
      max_lifetime_days: settings.max_key_lifetime_days,
    };
  }),

  /** The caller's active keys that expire within 7 days (the reminder after login). */
  expiring: protectedProcedure
    .output(keyContract.expiringKeys)
    .query(({ ctx }) => apiKeys.keysExpiringSoon(ctx.app, ctx.userId)),

  list: protectedProcedure
    .input(keyContract.listKeysQuery)
    .output(keyContract.apiKeyPage)
    .query(({ ctx, input }) => apiKeys.listApiKeys(ctx.app, ctx.userId, input)),

  create: protectedProcedure
    .input(keyContract.createKeyBody)
    .output(keyContract.createdApiKey)
    .mutation(({ ctx, input }) => apiKeys.createApiKey(ctx.app, ctx.principal, input, ctx.meta)),

  update: protectedProcedure
    .input(keyContract.updateKeyBody.extend(idParams.shape))
    .output(keyContract.apiKey)
    .mutation(({ ctx, input: { id: keyId, ...changes } }) =>
      apiKeys.updateApiKey(ctx.app, { id: ctx.userId }, keyId, changes, ctx.meta, ctx.principal),
    ),

  delete: protectedProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await apiKeys.deleteApiKey(ctx.app, { id: ctx.userId }, input.id, ctx.meta);
      return { ok: true as const };
    }),

  /** A new secret for the same key record; the old one works for the chosen overlap. */
  roll: protectedProcedure
    .input(keyContract.rollKeyBody.extend(idParams.shape))
    .output(keyContract.createdApiKey)
    .mutation(({ ctx, input }) => apiKeys.rollApiKey(ctx.app, ctx.userId, input.id, input.overlap, ctx.meta)),

  usage: protectedProcedure
    .input(keyContract.usageQuery.extend(idParams.shape))
    .output(keyContract.keyUsage)
    .query(({ ctx, input }) => apiKeys.apiKeyUsage(ctx.app, ctx.userId, input.id, input.days)),
});

export const sessionsRouter = router({
  list: protectedProcedure.output(sessionList).query(async ({ ctx }) => ({
    items: await listActiveSessions(ctx.app, ctx.userId, ctx.principal.sessionId),
  })),

  revoke: protectedProcedure
    .input(idParams)
    .output(sessionRevoked)
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx.app, ctx.userId, input.id, ctx.meta);
      const current = input.id === ctx.principal.sessionId;
      if (current) ctx.endSession();
      return { ok: true as const, current };
    }),

  /** "Log out all other sessions": this one stays. */
  revokeOthers: protectedProcedure.output(otherSessionsRevoked).mutation(async ({ ctx }) => ({
    revoked_sessions: await revokeOtherSessions(
      ctx.app,
      { userId: ctx.userId, sessionId: ctx.principal.sessionId },
      ctx.meta,
    ),
  })),
});

export const passwordRouter = router({
  /** Changes the password; every other session ends, this one stays. */
  change: protectedProcedure
    .input(changePasswordBody)
    .output(passwordChanged)
    .mutation(async ({ ctx, input }) => {
      const ended = await changePassword(
        ctx.app,
        { userId: ctx.userId, sessionId: ctx.principal.sessionId },
        input,
        ctx.meta,
      );
      return { ok: true as const, other_sessions_ended: ended };
    }),
});
