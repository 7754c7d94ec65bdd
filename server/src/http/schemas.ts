// Zod schemas shared by several REST routes and by the OpenAPI document.

import { SCOPES } from "../auth/scopes.ts";
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
