// Output shapes of the portal's procedures. Every procedure validates what it returns, so a
// column the portal must not see (a key hash, a password hash) cannot leave by accident.
import { z } from "zod";
import { ROLL_OVERLAPS } from "../services/apiKeys.ts";

// The shapes the REST API documents serve the portal too.
export {
  apiKeyView as apiKey,
  auditEntryView as auditEntry,
  createdApiKey,
  keyUsageView as keyUsage,
  ownedApiKeyView as ownedApiKey,
  page,
  rateLimitShape as rateLimit,
  scopeName as scope,
  userView as user,
} from "../http/schemas.ts";

export const id = z.string().min(1).max(100);

export const pageInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).nullish(),
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
