// Zod schemas shared by several REST routes and by the OpenAPI document.

import { SCOPES } from "../auth/scopes.ts";
import { RATE_LIMIT_BOUNDS } from "../services/apiKeys.ts";
import { z } from "./zod.ts";

export const errorBody = z.object({
  error: z.string().meta({ example: "invalid_token" }),
  message: z.string().meta({ example: "The provided token is invalid or expired" }),
});

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(["user", "admin"]),
  disabled: z.boolean(),
  created_at: z.string(),
});

export const scopeName = z.enum(SCOPES);

/** Scopes as the reference writes them ("chat,kb") or as an array; validated by the service. */
export const scopesInput = z
  .union([z.string().max(200), z.array(z.string().max(50)).max(SCOPES.length * 2)])
  .nullable();

/** A key's rate limit, as given and shown. */
export const rateLimitShape = z.strictObject({
  requests: z
    .number()
    .int()
    .min(RATE_LIMIT_BOUNDS.requests.min)
    .max(RATE_LIMIT_BOUNDS.requests.max)
    .meta({ description: "Requests allowed per window", example: 100 }),
  window_seconds: z
    .number()
    .int()
    .min(RATE_LIMIT_BOUNDS.windowSeconds.min)
    .max(RATE_LIMIT_BOUNDS.windowSeconds.max)
    .meta({ description: "The window, in seconds", example: 60 }),
});

export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  key_prefix: z.string().meta({ example: "fim_Ab3x" }),
  scopes: z.array(scopeName),
  is_active: z.boolean(),
  status: z.enum(["active", "disabled", "expired"]),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  total_requests: z.number().int(),
  previous_key_expires_at: z.string().nullable(),
  rolled_at: z.string().nullable(),
  rate_limit: rateLimitShape.nullable().meta({ description: "The key's own rate limit; null: none of its own" }),
  effective_rate_limit: rateLimitShape
    .nullable()
    .meta({ description: "The limit that applies: the key's own, else the server's default (DEFAULT_KEY_RATE_LIMIT)" }),
});

/** A key's requests per UTC day, split by outcome. */
export const keyUsageView = z.object({
  days: z.array(
    z.object({
      day: z.string(),
      count: z.number().int().meta({ description: "Requests served" }),
      refused: z
        .number()
        .int()
        .meta({ description: "Refused after the key was recognised: 401 (disabled, expired) or 403 (scope)" }),
      rate_limited: z.number().int().meta({ description: "Refused by the key's rate limit (429)" }),
    }),
  ),
  total: z.number().int().meta({ description: "Requests served over the days" }),
  refused: z.number().int(),
  rate_limited: z.number().int(),
});

export const createdApiKey = apiKeyView.extend({
  key: z.string().meta({ description: "The full key. Shown once, here only." }),
});

/** A key as administrators see it: with its owner. */
export const ownedApiKeyView = apiKeyView.extend({ owner: z.object({ id: z.string(), email: z.string() }) });

export const auditEntryView = z.object({
  id: z.string(),
  actor_id: z.string().nullable(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
});

export const idParams = z.object({ id: z.string().min(1).max(100) });

/** Cursor pagination shared by list endpoints. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).optional(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
