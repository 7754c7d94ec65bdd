// admin.*: administrators only (the admin role, re-checked on every call). Hidden from others in
// the portal, and refused here whatever the portal shows.
import { auditEntry, auditQuery } from "../../contracts/admin.ts";
import {
  adminKeyBody,
  apiKey,
  keySettings,
  keySettingsBody,
  listAllKeysQuery,
  ownedApiKeyPage,
} from "../../contracts/apiKeys.ts";
import { idParams, ok, page } from "../../contracts/common.ts";
import { adminUser } from "../../contracts/mfa.ts";
import { createUserBody, listUsersQuery, revokedSessions, updateUserBody, user } from "../../contracts/users.ts";
import { adminActor, adminCreateUser, adminRevokeSessions, adminUpdateUser } from "../../services/admin.ts";
import { deleteApiKey, listAllApiKeys, updateApiKey } from "../../services/apiKeys.ts";
import { listAudit } from "../../services/audit.ts";
import { getKeySettings, updateKeySettings } from "../../services/keySettings.ts";
import { withMfaState } from "../../services/mfa.ts";
import { listUsers } from "../../services/users.ts";
import { adminProcedure, router } from "../trpc.ts";

export const adminRouter = router({
  users: adminProcedure
    .input(listUsersQuery)
    .output(page(adminUser))
    .query(async ({ ctx, input }) => {
      const found = await listUsers(ctx.app, input);
      return { ...found, items: await withMfaState(ctx.app, found.items) };
    }),

  createUser: adminProcedure
    .input(createUserBody)
    .output(user)
    .mutation(({ ctx, input }) => adminCreateUser(ctx.app, adminActor(ctx.principal), input, ctx.meta)),

  /** Disable / enable an account (all its keys and sessions stop at once) or change its role. */
  updateUser: adminProcedure
    .input(updateUserBody.extend(idParams.shape))
    .output(user)
    .mutation(({ ctx, input: { id: userId, ...changes } }) =>
      adminUpdateUser(ctx.app, adminActor(ctx.principal), userId, changes, ctx.meta),
    ),

  revokeSessions: adminProcedure
    .input(idParams)
    .output(revokedSessions)
    .mutation(({ ctx, input }) => adminRevokeSessions(ctx.app, adminActor(ctx.principal), input.id, ctx.meta)),

  keys: adminProcedure
    .input(listAllKeysQuery)
    .output(ownedApiKeyPage)
    .query(({ ctx, input }) => listAllApiKeys(ctx.app, { ...input, userId: input.user_id })),

  setKeyActive: adminProcedure
    .input(adminKeyBody.extend(idParams.shape))
    .output(apiKey)
    .mutation(({ ctx, input }) =>
      updateApiKey(
        ctx.app,
        { ...adminActor(ctx.principal), asAdmin: true },
        input.id,
        { is_active: input.is_active },
        ctx.meta,
        ctx.principal,
      ),
    ),

  deleteKey: adminProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteApiKey(ctx.app, { ...adminActor(ctx.principal), asAdmin: true }, input.id, ctx.meta);
      return { ok: true as const };
    }),

  keySettings: adminProcedure.output(keySettings).query(({ ctx }) => getKeySettings(ctx.app)),

  updateKeySettings: adminProcedure
    .input(keySettingsBody)
    .output(keySettings)
    .mutation(({ ctx, input }) => updateKeySettings(ctx.app, adminActor(ctx.principal), input, ctx.meta)),

  audit: adminProcedure
    .input(auditQuery)
    .output(page(auditEntry))
    .query(({ ctx, input }) => listAudit(ctx.app, input)),
});
