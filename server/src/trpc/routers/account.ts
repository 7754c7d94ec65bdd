// The signed-in person's own things: who they are, their API keys, sessions and password.
import { changePasswordBody, passwordChanged, portalMe, sessionList, sessionRevoked } from "../../contracts/account.ts";
import {
  apiKey,
  createdApiKey,
  createKeyBody,
  keyPolicy,
  keyUsage,
  listKeysQuery,
  rollKeyBody,
  updateKeyBody,
  usageQuery,
} from "../../contracts/apiKeys.ts";
import { secondsUntil } from "../../contracts/auth.ts";
import { idParams, ok, page } from "../../contracts/common.ts";
import {
  apiKeyUsage,
  createApiKey,
  deleteApiKey,
  listApiKeys,
  rollApiKey,
  updateApiKey,
} from "../../services/apiKeys.ts";
import { changePassword, listActiveSessions, revokeSession } from "../../services/sessions.ts";
import { getUser } from "../../services/users.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const meProcedure = protectedProcedure.output(portalMe).query(async ({ ctx }) => ({
  user: await getUser(ctx.app, ctx.userId),
  access_expires_in: secondsUntil(ctx.principal.expiresAt, ctx.app.clock.now()),
}));

export const keysRouter = router({
  /** What applies to keys on this server that the portal shows before a key exists. */
  policy: protectedProcedure.output(keyPolicy).query(({ ctx }) => {
    const limit = ctx.app.config.defaultKeyRateLimit;
    return { default_rate_limit: limit ? { requests: limit.requests, window_seconds: limit.windowSeconds } : null };
  }),

  list: protectedProcedure
    .input(listKeysQuery)
    .output(page(apiKey))
    .query(({ ctx, input }) => listApiKeys(ctx.app, ctx.userId, input)),

  create: protectedProcedure
    .input(createKeyBody)
    .output(createdApiKey)
    .mutation(({ ctx, input }) => createApiKey(ctx.app, ctx.userId, input, ctx.meta)),

  update: protectedProcedure
    .input(updateKeyBody.extend(idParams.shape))
    .output(apiKey)
    .mutation(({ ctx, input: { id: keyId, ...changes } }) =>
      updateApiKey(ctx.app, { id: ctx.userId }, keyId, changes, ctx.meta),
    ),

  delete: protectedProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteApiKey(ctx.app, { id: ctx.userId }, input.id, ctx.meta);
      return { ok: true as const };
    }),

  /** A new secret for the same key record; the old one works for the chosen overlap. */
  roll: protectedProcedure
    .input(rollKeyBody.extend(idParams.shape))
    .output(createdApiKey)
    .mutation(({ ctx, input }) => rollApiKey(ctx.app, ctx.userId, input.id, input.overlap, ctx.meta)),

  usage: protectedProcedure
    .input(usageQuery.extend(idParams.shape))
    .output(keyUsage)
    .query(({ ctx, input }) => apiKeyUsage(ctx.app, ctx.userId, input.id, input.days)),
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
