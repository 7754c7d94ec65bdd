// Output shapes of the portal's procedures. Every procedure validates what it returns, so a
// column the portal must not see (a key hash, a password hash) cannot leave by accident.
import { z } from "zod";
import { SCOPES } from "../auth/scopes.ts";
import { ROLL_OVERLAPS } from "../services/apiKeys.ts";

export const scope = z.enum(SCOPES);
export const id = z.string().min(1).max(100);

export const pageInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).nullish(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const user = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(["user", "admin"]),
  disabled: z.boolean(),
  created_at: z.string(),
});

export const sessionTimes = z.object({
  access_expires_at: z.string(),
  access_expires_in: z.number().int(),
  refresh_expires_at: z.string(),
});

/** Seconds until an expiry, by the server's clock (never negative). */
export function secondsUntil(expiresAt: Date | null, now: Date): number | null {
  return expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)) : null;
}

export const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  key_prefix: z.string(),
  scopes: z.array(scope),
  is_active: z.boolean(),
  status: z.enum(["active", "disabled", "expired"]),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  total_requests: z.number().int(),
  previous_key_expires_at: z.string().nullable(),
  rolled_at: z.string().nullable(),
});

export const createdApiKey = apiKey.extend({ key: z.string() });

export const rollOverlap = z.enum(Object.keys(ROLL_OVERLAPS) as [keyof typeof ROLL_OVERLAPS]);

/** ISO 8601 date or date-time; the service checks it lies in the future. */
export const expiresAtInput = z.string().max(64).nullable();

export const session = z.object({
  id: z.string(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string(),
  expires_at: z.string(),
  current: z.boolean(),
});

export const ok = z.object({ ok: z.literal(true) });
