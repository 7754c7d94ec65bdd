// admin.*: administrators only (the admin role, re-checked on every call). Hidden from others in
// the portal, and refused here whatever the portal shows.
import { z } from "zod";
import { adminActor, adminCreateUser, adminRevokeSessions, adminUpdateUser } from "../../services/admin.ts";
import { deleteApiKey, listAllApiKeys, updateApiKey } from "../../services/apiKeys.ts";
import { listAudit } from "../../services/audit.ts";
import { listUsers } from "../../services/users.ts";
import { apiKey, auditEntry, id, ok, ownedApiKey, page, pageInput, user } from "../schemas.ts";
import { adminProcedure, router } from "../trpc.ts";

export const adminRouter = router({
  users: adminProcedure
    .input(pageInput.extend({ search: z.string().max(200).optional() }))
    .output(page(user))
    .query(({ ctx, input }) =>
      listUsers(ctx.app, { search: input.search, limit: input.limit, cursor: input.cursor ?? undefined }),
    ),

  createUser: adminProcedure
    .input(
      z.object({
        email: z.string().trim().min(3).max(254),
        password: z.string().max(1024),
        name: z.string().max(200).optional(),
        role: z.enum(["user", "admin"]).default("user"),
      }),
    )
    .output(user)
    .mutation(({ ctx, input }) => adminCreateUser(ctx.app, adminActor(ctx.principal), input, ctx.meta)),

  /** Disable / enable an account (all its keys and sessions stop at once) or change its role. */
  updateUser: adminProcedure
    .input(z.object({ id, disabled: z.boolean().optional(), role: z.enum(["user", "admin"]).optional() }))
    .output(user)
    .mutation(({ ctx, input: { id: userId, ...changes } }) =>
      adminUpdateUser(ctx.app, adminActor(ctx.principal), userId, changes, ctx.meta),
    ),

  revokeSessions: adminProcedure
    .input(z.object({ id }))
    .output(z.object({ revoked_sessions: z.number().int() }))
    .mutation(({ ctx, input }) => adminRevokeSessions(ctx.app, adminActor(ctx.principal), input.id, ctx.meta)),

  keys: adminProcedure
    .input(pageInput.extend({ user_id: z.string().max(100).optional() }))
    .output(page(ownedApiKey))
    .query(({ ctx, input }) =>
      listAllApiKeys(ctx.app, { limit: input.limit, cursor: input.cursor ?? undefined, userId: input.user_id }),
    ),

  setKeyActive: adminProcedure
    .input(z.object({ id, is_active: z.boolean() }))
    .output(apiKey)
    .mutation(({ ctx, input }) =>
      updateApiKey(
        ctx.app,
        { ...adminActor(ctx.principal), asAdmin: true },
        input.id,
        { is_active: input.is_active },
        ctx.meta,
      ),
    ),

  deleteKey: adminProcedure
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteApiKey(ctx.app, { ...adminActor(ctx.principal), asAdmin: true }, input.id, ctx.meta);
      return { ok: true as const };
    }),

  audit: adminProcedure
    .input(
      pageInput.extend({
        user_id: z.string().max(100).optional(),
        action: z.string().max(100).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .output(page(auditEntry))
    .query(({ ctx, input }) =>
      listAudit(ctx.app, {
        userId: input.user_id,
        action: input.action,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
        limit: input.limit,
        cursor: input.cursor ?? undefined,
      }),
    ),
});
