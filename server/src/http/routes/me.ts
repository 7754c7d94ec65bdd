// /api/me: the caller, their API keys, sessions and password.

import {
  apiKeyUsage,
  createApiKey,
  deleteApiKey,
  getApiKey,
  listApiKeys,
  ROLL_OVERLAPS,
  rollApiKey,
  updateApiKey,
} from "../../services/apiKeys.ts";
import { changePassword, listActiveSessions, revokeSession } from "../../services/sessions.ts";
import { getUser } from "../../services/users.ts";
import { defineRoute } from "../route.ts";
import {
  apiKeyView,
  createdApiKey,
  idParams,
  keyUsageView,
  page,
  pageQuery,
  rateLimitShape,
  scopeName,
  scopesInput,
  userView,
} from "../schemas.ts";
import { z } from "../zod.ts";

const expiresAtInput = z.string().max(64).nullable().meta({
  description: "ISO 8601 date-time, or a bare date meaning the end of that day (UTC). Must be in the future.",
  example: "2027-06-30",
});

const sessionView = z.object({
  id: z.string(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string(),
  expires_at: z.string(),
  current: z.boolean(),
});

export const meRoutes = [
  defineRoute({
    method: "get",
    path: "/api/me",
    tag: "me",
    summary: "The authenticated caller and the credential it used",
    access: "authenticated",
    success: {
      status: 200,
      description: "The caller",
      schema: z.object({
        user: userView,
        credential: z.object({
          type: z.enum(["jwt", "api_key"]),
          scopes: z.array(scopeName),
          key_prefix: z.string().nullable(),
          expires_at: z.string().nullable(),
        }),
      }),
    },
    handler: async ({ ctx, principal }) => ({
      user: await getUser(ctx, principal.user.id),
      credential: {
        type: principal.kind,
        scopes: principal.scopes,
        key_prefix: principal.keyPrefix,
        expires_at: principal.expiresAt?.toISOString() ?? null,
      },
    }),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/api-keys",
    tag: "api-keys",
    summary: "Create an API key; the full key is in this response only",
    access: "key_management",
    body: z.strictObject({
      name: z.string().max(200),
      scopes: scopesInput.optional(),
      expires_at: expiresAtInput.optional(),
      rate_limit: rateLimitShape
        .nullable()
        .optional()
        .meta({ description: "Requests per window for this key; null or absent: the server default, if any" }),
    }),
    success: { status: 201, description: "The new key, including the full `key` (shown once)", schema: createdApiKey },
    errors: [400, 403],
    handler: ({ ctx, principal, body, meta }) => createApiKey(ctx, principal.user.id, body, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys",
    tag: "api-keys",
    summary: "The caller's API keys, newest first",
    access: "key_management",
    query: pageQuery.extend({ limit: pageQuery.shape.limit.unwrap().max(100).default(100) }),
    success: { status: 200, description: "A page of keys", schema: page(apiKeyView) },
    handler: ({ ctx, principal, query }) => listApiKeys(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys/:id",
    tag: "api-keys",
    summary: "One of the caller's API keys",
    access: "key_management",
    params: idParams,
    success: { status: 200, description: "The key", schema: apiKeyView },
    errors: [404],
    handler: ({ ctx, principal, params }) => getApiKey(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/me/api-keys/:id",
    tag: "api-keys",
    summary: "Rename, enable/disable, change the expiry, the scopes or the rate limit of a key",
    access: "key_management",
    params: idParams,
    body: z.strictObject({
      name: z.string().max(200).optional(),
      is_active: z.boolean().optional(),
      expires_at: expiresAtInput.optional(),
      scopes: scopesInput.optional(),
      rate_limit: rateLimitShape.nullable().optional().meta({ description: "null removes the key's own limit" }),
    }),
    success: { status: 200, description: "The updated key", schema: apiKeyView },
    errors: [400, 404],
    handler: ({ ctx, principal, params, body, meta }) =>
      updateApiKey(ctx, { id: principal.user.id }, params.id, body, meta),
  }),
  defineRoute({
    method: "delete",
    path: "/api/me/api-keys/:id",
    tag: "api-keys",
    summary: "Delete a key permanently; it stops working on the next request",
    access: "key_management",
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params, meta }) => {
      await deleteApiKey(ctx, { id: principal.user.id }, params.id, meta);
      return undefined;
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/me/api-keys/:id/roll",
    tag: "api-keys",
    summary: "Issue a new secret for the key; the old one keeps working for the chosen overlap",
    access: "key_management",
    params: idParams,
    body: z.strictObject({
      overlap: z.enum(Object.keys(ROLL_OVERLAPS) as [keyof typeof ROLL_OVERLAPS]).default("none"),
    }),
    success: { status: 200, description: "The key with its new full `key` (shown once)", schema: createdApiKey },
    errors: [400, 404],
    handler: ({ ctx, principal, params, body, meta }) =>
      rollApiKey(ctx, principal.user.id, params.id, body.overlap, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys/:id/usage",
    tag: "api-keys",
    summary: "Requests per UTC day for one key: served, refused and rate-limited",
    access: "key_management",
    params: idParams,
    query: z.object({ days: z.coerce.number().int().min(1).max(90).default(30) }),
    success: {
      status: 200,
      description: "Daily counts, oldest first",
      schema: keyUsageView,
    },
    errors: [404],
    handler: ({ ctx, principal, params, query }) => apiKeyUsage(ctx, principal.user.id, params.id, query.days),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/sessions",
    tag: "sessions",
    summary: "The caller's active login sessions",
    access: "key_management",
    success: { status: 200, description: "Active sessions", schema: z.object({ items: z.array(sessionView) }) },
    handler: async ({ ctx, principal }) => ({
      items: await listActiveSessions(ctx, principal.user.id, principal.sessionId),
    }),
  }),
  defineRoute({
    method: "delete",
    path: "/api/me/sessions/:id",
    tag: "sessions",
    summary: "Revoke one of the caller's sessions",
    access: "key_management",
    params: idParams,
    success: { status: 204, description: "Revoked" },
    errors: [404],
    handler: async ({ ctx, principal, params, meta }) => {
      await revokeSession(ctx, principal.user.id, params.id, meta);
      return undefined;
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/me/password",
    tag: "me",
    summary: "Change the password; every other session ends",
    access: "key_management",
    body: z.strictObject({ current_password: z.string().max(1024), new_password: z.string().max(1024) }),
    success: { status: 204, description: "Changed" },
    errors: [400],
    handler: async ({ ctx, principal, body, meta }) => {
      await changePassword(ctx, { userId: principal.user.id, sessionId: principal.sessionId }, body, meta);
      return undefined;
    },
  }),
];
