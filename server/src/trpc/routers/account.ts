// The signed-in person's own things: who they are, their API keys, sessions and password.
import { z } from "zod";
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
import {
  apiKey,
  createdApiKey,
  expiresAtInput,
  id,
  keyUsage,
  ok,
  page,
  pageInput,
  rateLimit,
  rollOverlap,
  scope,
  secondsUntil,
  session,
  user,
} from "../schemas.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const meProcedure = protectedProcedure
  .output(z.object({ user, access_expires_in: z.number().int().nullable() }))
  .query(async ({ ctx }) => ({
    user: await getUser(ctx.app, ctx.userId),
    access_expires_in: secondsUntil(ctx.principal.expiresAt, ctx.app.clock.now()),
  }));

export const keysRouter = router({
  /** What applies to keys on this server that the portal shows before a key exists. */
  policy: protectedProcedure.output(z.object({ default_rate_limit: rateLimit.nullable() })).query(({ ctx }) => {
    const limit = ctx.app.config.defaultKeyRateLimit;
    return { default_rate_limit: limit ? { requests: limit.requests, window_seconds: limit.windowSeconds } : null };
  }),

  list: protectedProcedure
    .input(pageInput)
    .output(page(apiKey))
    .query(({ ctx, input }) =>
      listApiKeys(ctx.app, ctx.userId, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),

  create: protectedProcedure
    .input(
      z.object({
        name: z.string().max(200),
        // null (or nothing) asks for full access; an empty list is refused by the service.
        scopes: z.array(scope).max(10).nullable().default(null),
        expires_at: expiresAtInput.default(null),
        rate_limit: rateLimit.nullable().default(null),
      }),
    )
    .output(createdApiKey)
    .mutation(({ ctx, input }) => createApiKey(ctx.app, ctx.userId, input, ctx.meta)),

  update: protectedProcedure
    .input(
      z.object({
        id,
        name: z.string().max(200).optional(),
        is_active: z.boolean().optional(),
        expires_at: expiresAtInput.optional(),
        scopes: z.array(scope).max(10).nullable().optional(),
        rate_limit: rateLimit.nullable().optional(),
      }),
    )
    .output(apiKey)
    .mutation(({ ctx, input: { id: keyId, ...changes } }) =>
      updateApiKey(ctx.app, { id: ctx.userId }, keyId, changes, ctx.meta),
    ),

  delete: protectedProcedure
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteApiKey(ctx.app, { id: ctx.userId }, input.id, ctx.meta);
      return { ok: true as const };
    }),

  /** A new secret for the same key record; the old one works for the chosen overlap. */
  roll: protectedProcedure
    .input(z.object({ id, overlap: rollOverlap }))
    .output(createdApiKey)
    .mutation(({ ctx, input }) => rollApiKey(ctx.app, ctx.userId, input.id, input.overlap, ctx.meta)),

  usage: protectedProcedure
    .input(z.object({ id, days: z.number().int().min(1).max(90).default(30) }))
    .output(keyUsage)
    .query(({ ctx, input }) => apiKeyUsage(ctx.app, ctx.userId, input.id, input.days)),
});

export const sessionsRouter = router({
  list: protectedProcedure.output(z.object({ items: z.array(session) })).query(async ({ ctx }) => ({
    items: await listActiveSessions(ctx.app, ctx.userId, ctx.principal.sessionId),
  })),

  revoke: protectedProcedure
    .input(z.object({ id }))
    .output(z.object({ ok: z.literal(true), current: z.boolean() }))
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
    .input(z.object({ current_password: z.string().max(1024), new_password: z.string().max(1024) }))
    .output(z.object({ ok: z.literal(true), other_sessions_ended: z.number().int() }))
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
