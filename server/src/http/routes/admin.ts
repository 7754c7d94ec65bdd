// /api/admin: users, everyone's keys, sessions and the audit log. Needs the `admin` scope and an
// administrator account (both checked by the access rule on every request).
import { auditEntry, auditQuery } from "../../contracts/admin.ts";
import {
  adminKeyBody,
  apiKey,
  keySettings,
  keySettingsBody,
  listAllKeysQuery,
  ownedApiKeyPage,
} from "../../contracts/apiKeys.ts";
import { idParams, page } from "../../contracts/common.ts";
import { adminUser } from "../../contracts/mfa.ts";
import { createUserBody, listUsersQuery, revokedSessions, updateUserBody, user } from "../../contracts/users.ts";
import { adminActor, adminCreateUser, adminRevokeSessions, adminUpdateUser } from "../../services/admin.ts";
import { deleteApiKey, listAllApiKeys, updateApiKey } from "../../services/apiKeys.ts";
import { listAudit } from "../../services/audit.ts";
import { getKeySettings, updateKeySettings } from "../../services/keySettings.ts";
import { withMfaState } from "../../services/mfa.ts";
import { getUser, listUsers } from "../../services/users.ts";
import { defineRoute } from "../route.ts";

const admin = { scope: "admin" } as const;

export const adminRoutes = [
  defineRoute({
    method: "get",
    path: "/api/admin/users",
    operationId: "adminListUsers",
    tag: "admin",
    summary: "All users, newest first; `search` matches email or name",
    access: admin,
    query: listUsersQuery,
    success: { status: 200, description: "A page of users", schema: page(adminUser) },
    handler: async ({ ctx, query }) => {
      const found = await listUsers(ctx, query);
      return { ...found, items: await withMfaState(ctx, found.items) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/admin/users",
    operationId: "adminCreateUser",
    tag: "admin",
    summary: "Create a user",
    access: admin,
    body: createUserBody,
    success: { status: 201, description: "The new user", schema: user },
    handler: ({ ctx, principal, body, meta }) => adminCreateUser(ctx, adminActor(principal), body, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/users/:id",
    operationId: "adminGetUser",
    tag: "admin",
    summary: "One user",
    access: admin,
    params: idParams,
    success: { status: 200, description: "The user", schema: adminUser },
    errors: [404],
    handler: async ({ ctx, params }) => (await withMfaState(ctx, [await getUser(ctx, params.id)]))[0],
  }),
  defineRoute({
    method: "patch",
    path: "/api/admin/users/:id",
    operationId: "adminUpdateUser",
    tag: "admin",
    summary:
      "Disable or enable a user (disabling ends their sessions and stops their keys at once), or change their role",
    access: admin,
    params: idParams,
    body: updateUserBody,
    success: { status: 200, description: "The updated user", schema: user },
    errors: [404],
    handler: ({ ctx, principal, params, body, meta }) =>
      adminUpdateUser(ctx, adminActor(principal), params.id, body, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/admin/users/:id/revoke-sessions",
    operationId: "adminRevokeSessions",
    tag: "admin",
    summary: "End every login session of a user (their API keys keep working)",
    access: admin,
    params: idParams,
    success: {
      status: 200,
      description: "How many sessions were ended",
      schema: revokedSessions,
    },
    errors: [404],
    handler: ({ ctx, principal, params, meta }) => adminRevokeSessions(ctx, adminActor(principal), params.id, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/api-keys",
    operationId: "adminListApiKeys",
    tag: "admin",
    summary:
      "Everyone's API keys with their owner, newest first unless sorted otherwise; search and filters as for the caller's list",
    access: admin,
    query: listAllKeysQuery,
    success: {
      status: 200,
      description: "A page of keys",
      schema: ownedApiKeyPage,
    },
    handler: ({ ctx, query }) => listAllApiKeys(ctx, { ...query, userId: query.user_id }),
  }),
  defineRoute({
    method: "patch",
    path: "/api/admin/api-keys/:id",
    operationId: "adminUpdateApiKey",
    tag: "admin",
    summary: "Disable or enable anyone's key; the change holds from the next request",
    access: admin,
    params: idParams,
    body: adminKeyBody,
    success: { status: 200, description: "The updated key", schema: apiKey },
    errors: [404],
    handler: ({ ctx, principal, params, body, meta }) =>
      updateApiKey(ctx, { ...adminActor(principal), asAdmin: true }, params.id, body, meta, principal),
  }),
  defineRoute({
    method: "delete",
    path: "/api/admin/api-keys/:id",
    operationId: "adminDeleteApiKey",
    tag: "admin",
    summary: "Delete anyone's key; it stops working on the next request",
    access: admin,
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params, meta }) => {
      await deleteApiKey(ctx, { ...adminActor(principal), asAdmin: true }, params.id, meta);
      return undefined;
    },
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/key-settings",
    operationId: "adminGetKeySettings",
    tag: "admin",
    summary: "Server-wide key policy: the maximum lifetime of new keys",
    access: admin,
    success: { status: 200, description: "The key settings", schema: keySettings },
    handler: ({ ctx }) => getKeySettings(ctx),
  }),
  defineRoute({
    method: "put",
    path: "/api/admin/key-settings",
    operationId: "adminUpdateKeySettings",
    tag: "admin",
    summary:
      "Set the maximum lifetime of new keys (null: none); a key asked for with no expiry or a later one is refused",
    access: admin,
    body: keySettingsBody,
    success: { status: 200, description: "The key settings", schema: keySettings },
    errors: [400],
    handler: ({ ctx, principal, body, meta }) => updateKeySettings(ctx, adminActor(principal), body, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/audit-log",
    operationId: "adminListAuditLog",
    tag: "admin",
    summary: "The audit log, newest first; filter by user (actor or target), action and time",
    access: admin,
    query: auditQuery,
    success: { status: 200, description: "A page of audit entries", schema: page(auditEntry) },
    handler: ({ ctx, query }) => listAudit(ctx, query),
  }),
];
