// /api/me: the caller, their API keys, sessions and password.
import { hasSecondFactor } from "../../auth/secondFactor.ts";
import { changePasswordBody, me, otherSessionsRevoked, sessionList } from "../../contracts/account.ts";
import {
  apiKey,
  apiKeyPage,
  createdApiKey,
  createKeyBody,
  expiringKeys,
  keyUsage,
  listKeysQuery,
  rollKeyBody,
  updateKeyBody,
  usageQuery,
} from "../../contracts/apiKeys.ts";
import { idParams } from "../../contracts/common.ts";
import {
  apiKeyUsage,
  createApiKey,
  deleteApiKey,
  getApiKey,
  keysExpiringSoon,
  listApiKeys,
  rollApiKey,
  updateApiKey,
} from "../../services/apiKeys.ts";
import { changePassword, listActiveSessions, revokeOtherSessions, revokeSession } from "../../services/sessions.ts";
import { callerAccount } from "../../services/users.ts";
import { defineRoute } from "../route.ts";

export const meRoutes = [
  defineRoute({
    method: "get",
    path: "/api/me",
    operationId: "getMe",
    tag: "me",
    summary: "The authenticated caller and the credential it used",
    access: "authenticated",
    success: {
      status: 200,
      description: "The caller",
      schema: me,
    },
    handler: async ({ ctx, principal }) => ({
      user: callerAccount(principal),
      credential: {
        type: principal.kind,
        scopes: principal.scopes,
        key_prefix: principal.keyPrefix,
        expires_at: principal.expiresAt?.toISOString() ?? null,
      },
      mfa_enabled: await hasSecondFactor(ctx, principal.user.id),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/api-keys",
    operationId: "createApiKey",
    tag: "api-keys",
    summary: "Create an API key; the full key is in this response only",
    access: "key_management",
    body: createKeyBody,
    success: { status: 201, description: "The new key, including the full `key` (shown once)", schema: createdApiKey },
    errors: [400, 403],
    handler: ({ ctx, principal, body, meta }) => createApiKey(ctx, principal, body, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys",
    operationId: "listApiKeys",
    tag: "api-keys",
    summary:
      "The caller's API keys, newest first unless sorted otherwise; search by name or prefix, filter by status and scope",
    access: "key_management",
    query: listKeysQuery,
    success: { status: 200, description: "A page of keys, with how many match", schema: apiKeyPage },
    handler: ({ ctx, principal, query }) => listApiKeys(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys/expiring",
    operationId: "listExpiringApiKeys",
    tag: "api-keys",
    summary: "The caller's active keys that expire within 7 days, soonest first",
    access: "key_management",
    success: { status: 200, description: "Keys expiring soon", schema: expiringKeys },
    handler: ({ ctx, principal }) => keysExpiringSoon(ctx, principal.user.id),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys/:id",
    operationId: "getApiKey",
    tag: "api-keys",
    summary: "One of the caller's API keys",
    access: "key_management",
    params: idParams,
    success: { status: 200, description: "The key", schema: apiKey },
    errors: [404],
    handler: ({ ctx, principal, params }) => getApiKey(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/me/api-keys/:id",
    operationId: "updateApiKey",
    tag: "api-keys",
    summary:
      "Rename, enable/disable, change the expiry, the scopes, the IP allow-list or the rate limit of a key; takes effect from the next request",
    access: "key_management",
    params: idParams,
    body: updateKeyBody,
    success: { status: 200, description: "The updated key", schema: apiKey },
    errors: [400, 404],
    handler: ({ ctx, principal, params, body, meta }) =>
      updateApiKey(ctx, { id: principal.user.id }, params.id, body, meta, principal),
  }),
  defineRoute({
    method: "delete",
    path: "/api/me/api-keys/:id",
    operationId: "deleteApiKey",
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
    operationId: "rollApiKey",
    tag: "api-keys",
    summary: "Issue a new secret for the key; the old one keeps working for the chosen overlap",
    access: "key_management",
    params: idParams,
    body: rollKeyBody,
    success: { status: 200, description: "The key with its new full `key` (shown once)", schema: createdApiKey },
    errors: [400, 404],
    handler: ({ ctx, principal, params, body, meta }) =>
      rollApiKey(ctx, principal.user.id, params.id, body.overlap, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/api-keys/:id/usage",
    operationId: "getApiKeyUsage",
    tag: "api-keys",
    summary: "Requests per UTC day for one key: served, refused and rate-limited",
    access: "key_management",
    params: idParams,
    query: usageQuery,
    success: {
      status: 200,
      description: "Daily counts, oldest first",
      schema: keyUsage,
    },
    errors: [404],
    handler: ({ ctx, principal, params, query }) => apiKeyUsage(ctx, principal.user.id, params.id, query.days),
  }),
  defineRoute({
    method: "get",
    path: "/api/me/sessions",
    operationId: "listSessions",
    tag: "sessions",
    summary: "The caller's active login sessions",
    access: "key_management",
    success: { status: 200, description: "Active sessions", schema: sessionList },
    handler: async ({ ctx, principal }) => ({
      items: await listActiveSessions(ctx, principal.user.id, principal.sessionId),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/sessions/revoke-others",
    operationId: "revokeOtherSessions",
    tag: "sessions",
    summary: "Log out all other sessions: every session of the caller ends except the one of this token",
    // A login session only: an API key has no session to keep.
    access: "session",
    success: { status: 200, description: "How many sessions ended", schema: otherSessionsRevoked },
    errors: [403],
    handler: async ({ ctx, principal, meta }) => ({
      revoked_sessions: await revokeOtherSessions(
        ctx,
        { userId: principal.user.id, sessionId: principal.sessionId },
        meta,
      ),
    }),
  }),
  defineRoute({
    method: "delete",
    path: "/api/me/sessions/:id",
    operationId: "revokeSession",
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
    operationId: "changePassword",
    tag: "me",
    summary: "Change the password; every other session ends",
    access: "key_management",
    body: changePasswordBody,
    success: { status: 204, description: "Changed" },
    errors: [400],
    handler: async ({ ctx, principal, body, meta }) => {
      await changePassword(ctx, { userId: principal.user.id, sessionId: principal.sessionId }, body, meta);
      return undefined;
    },
  }),
];
