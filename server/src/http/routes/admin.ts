// /api/admin: users, everyone's keys, sessions and the audit log. Needs the `admin` scope and an
// administrator account (both checked by the access rule on every request).
import { adminActor, adminCreateUser, adminRevokeSessions, adminUpdateUser } from "../../services/admin.ts";
import { deleteApiKey, listAllApiKeys, updateApiKey } from "../../services/apiKeys.ts";
import { listAudit } from "../../services/audit.ts";
import { getUser, listUsers } from "../../services/users.ts";
import { defineRoute } from "../route.ts";
import { apiKeyView, auditEntryView, idParams, ownedApiKeyView, page, pageQuery, userView } from "../schemas.ts";
import { z } from "../zod.ts";

const admin = { scope: "admin" } as const;
const role = z.enum(["user", "admin"]);

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** A bare date means the start of that day (UTC) for `since` and its end for `until`. */
function toDate(value: string | undefined, edge: "start" | "end"): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return new Date(`${value}T${edge === "start" ? "00:00:00.000" : "23:59:59.999"}Z`);
  }
  return new Date(value);
}

export const adminRoutes = [
  defineRoute({
    method: "get",
    path: "/api/admin/users",
    tag: "admin",
    summary: "All users, newest first; `search` matches email or name",
    access: admin,
    query: pageQuery.extend({ search: z.string().max(200).optional() }),
    success: { status: 200, description: "A page of users", schema: page(userView) },
    handler: ({ ctx, query }) => listUsers(ctx, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/admin/users",
    tag: "admin",
    summary: "Create a user",
    access: admin,
    body: z.strictObject({
      email: z.email().max(320),
      password: z.string().max(1024),
      name: z.string().max(200).optional(),
      role: role.optional(),
    }),
    success: { status: 201, description: "The new user", schema: userView },
    handler: ({ ctx, principal, body, meta }) => adminCreateUser(ctx, adminActor(principal), body, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/users/:id",
    tag: "admin",
    summary: "One user",
    access: admin,
    params: idParams,
    success: { status: 200, description: "The user", schema: userView },
    errors: [404],
    handler: ({ ctx, params }) => getUser(ctx, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/admin/users/:id",
    tag: "admin",
    summary:
      "Disable or enable a user (disabling ends their sessions and stops their keys at once), or change their role",
    access: admin,
    params: idParams,
    body: z.strictObject({ disabled: z.boolean().optional(), role: role.optional() }),
    success: { status: 200, description: "The updated user", schema: userView },
    errors: [404],
    handler: ({ ctx, principal, params, body, meta }) =>
      adminUpdateUser(ctx, adminActor(principal), params.id, body, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/admin/users/:id/revoke-sessions",
    tag: "admin",
    summary: "End every login session of a user (their API keys keep working)",
    access: admin,
    params: idParams,
    success: {
      status: 200,
      description: "How many sessions were ended",
      schema: z.object({ revoked_sessions: z.number().int() }),
    },
    errors: [404],
    handler: ({ ctx, principal, params, meta }) => adminRevokeSessions(ctx, adminActor(principal), params.id, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/api-keys",
    tag: "admin",
    summary: "Everyone's API keys with their owner, newest first",
    access: admin,
    query: pageQuery.extend({ user_id: z.string().max(100).optional() }),
    success: {
      status: 200,
      description: "A page of keys",
      schema: page(ownedApiKeyView),
    },
    handler: ({ ctx, query }) =>
      listAllApiKeys(ctx, { limit: query.limit, cursor: query.cursor, userId: query.user_id }),
  }),
  defineRoute({
    method: "patch",
    path: "/api/admin/api-keys/:id",
    tag: "admin",
    summary: "Disable or enable anyone's key; the change holds from the next request",
    access: admin,
    params: idParams,
    body: z.strictObject({ is_active: z.boolean() }),
    success: { status: 200, description: "The updated key", schema: apiKeyView },
    errors: [404],
    handler: ({ ctx, principal, params, body, meta }) =>
      updateApiKey(ctx, { ...adminActor(principal), asAdmin: true }, params.id, body, meta),
  }),
  defineRoute({
    method: "delete",
    path: "/api/admin/api-keys/:id",
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
    path: "/api/admin/audit-log",
    tag: "admin",
    summary: "The audit log, newest first; filter by user (actor or target), action and time",
    access: admin,
    query: pageQuery.extend({
      user_id: z.string().max(100).optional(),
      action: z.string().max(100).optional().meta({ example: "admin.user_disable" }),
      since: instant.optional().meta({ description: "ISO 8601 date-time or date (inclusive)" }),
      until: instant.optional().meta({ description: "ISO 8601 date-time or date (inclusive)" }),
    }),
    success: { status: 200, description: "A page of audit entries", schema: page(auditEntryView) },
    handler: ({ ctx, query }) =>
      listAudit(ctx, {
        userId: query.user_id,
        action: query.action,
        from: toDate(query.since, "start"),
        to: toDate(query.until, "end"),
        limit: query.limit,
        cursor: query.cursor,
      }),
  }),
];
