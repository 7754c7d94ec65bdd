// API keys: what a caller may ask for, and a key as every answer shows it (never its secret,
// except the full `key` in the one answer that issues it).
import { MAX_ALLOWED_IP_CHARS, MAX_ALLOWED_IPS } from "../auth/addressAllowList.ts";
import { SCOPES } from "../auth/scopes.ts";
import { instant, page, pageQueryOf, z } from "./common.ts";

export const MAX_KEY_NAME_CHARS = 100;
export const RATE_LIMIT_BOUNDS = { requests: { min: 1, max: 1_000_000 }, windowSeconds: { min: 1, max: 86_400 } };
/** How long the old secret keeps working after a roll, in seconds. */
export const ROLL_OVERLAPS = { none: 0, "1h": 3600, "24h": 86_400, "7d": 604_800 } as const;
export type RollOverlap = keyof typeof ROLL_OVERLAPS;
export const MAX_USAGE_DAYS = 90;
/** A key expiring within this many days is marked `expires_soon`. */
export const EXPIRES_SOON_DAYS = 7;
/** Bounds of the administrators' maximum key lifetime, in days. */
export const MAX_KEY_LIFETIME_BOUNDS = { min: 1, max: 3650 };

export const scope = z.enum(SCOPES).meta({ id: "Scope" });

/** Scopes as the reference writes them ("chat,kb") or as an array; unknown names are refused. */
export const scopesInput = z
  .union([
    z.string().max(200).meta({ description: "Comma-separated, as the reference writes them", example: "chat,kb" }),
    z.array(z.string().max(50)).max(SCOPES.length * 2),
  ])
  .nullable()
  .meta({ description: `Any of ${SCOPES.join(", ")}; null, absent or empty: full access` });

export const rateLimit = z
  .strictObject({
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
  })
  .meta({ id: "RateLimit" });
export type RateLimit = z.infer<typeof rateLimit>;

const keyName = z.string().max(MAX_KEY_NAME_CHARS).meta({ example: "Zapier" });

const expiresAtInput = z.string().max(64).nullable().meta({
  description: "ISO 8601 date-time, or a bare date meaning the end of that day (UTC). Must be in the future.",
  example: "2027-06-30",
});

const allowedIpsInput = z
  .array(z.string().max(MAX_ALLOWED_IP_CHARS))
  .max(MAX_ALLOWED_IPS)
  .nullable()
  .meta({
    description: `Up to ${MAX_ALLOWED_IPS} IPv4/IPv6 addresses or CIDR ranges the key may be used from; null or empty: anywhere`,
    example: ["203.0.113.7", "10.0.0.0/8", "2001:db8::/32"],
  });

export const createKeyBody = z.strictObject({
  name: keyName,
  scopes: scopesInput.optional(),
  expires_at: expiresAtInput.optional().meta({ description: "Absent or null: the key never expires" }),
  rate_limit: rateLimit
    .nullable()
    .optional()
    .meta({ description: "Requests per window for this key; null or absent: the server default, if any" }),
  allowed_ips: allowedIpsInput.optional(),
});
export type CreateKeyInput = z.infer<typeof createKeyBody>;

export const updateKeyBody = z.strictObject({
  name: keyName.optional(),
  is_active: z.boolean().optional(),
  expires_at: expiresAtInput.optional().meta({ description: "null: never expires" }),
  scopes: scopesInput.optional(),
  rate_limit: rateLimit.nullable().optional().meta({ description: "null removes the key's own limit" }),
  allowed_ips: allowedIpsInput.optional(),
});
export type UpdateKeyInput = z.infer<typeof updateKeyBody>;

export const rollKeyBody = z.strictObject({
  overlap: z
    .enum(Object.keys(ROLL_OVERLAPS) as [RollOverlap, ...RollOverlap[]])
    .default("none")
    .meta({ description: "How long the old secret keeps working" }),
});

/** What a key list can be ordered by: creation, last use (never used counts as oldest), requests. */
export const KEY_SORTS = ["created", "last_used", "requests"] as const;
export type KeySort = (typeof KEY_SORTS)[number];
/** A key's status as a list filter; `expiring_soon`: active and expiring within EXPIRES_SOON_DAYS. */
export const KEY_STATUS_FILTERS = ["active", "disabled", "expired", "expiring_soon"] as const;
export type KeyStatusFilter = (typeof KEY_STATUS_FILTERS)[number];
/** A scope filter: a scope (keys that may use it, full-access keys included), or full-access keys only. */
export const KEY_SCOPE_FILTERS = [...SCOPES, "full_access"] as const;
export type KeyScopeFilter = (typeof KEY_SCOPE_FILTERS)[number];

/** Search, filters and order shared by the owner's and the administrators' key lists; all optional. */
const keyListFilters = {
  search: z
    .string()
    .trim()
    .max(MAX_KEY_NAME_CHARS)
    .optional()
    .meta({ description: "Part of the key's name, or the start of its prefix (case-insensitive)", example: "zapier" }),
  status: z.enum(KEY_STATUS_FILTERS).optional().meta({ description: "Only keys in this state" }),
  scope: z.enum(KEY_SCOPE_FILTERS).optional().meta({
    description:
      "Only keys that may use this scope (full-access keys included); `full_access`: only keys without scopes",
  }),
  sort: z.enum(KEY_SORTS).default("created").meta({ description: "The order of the list" }),
  order: z.enum(["asc", "desc"]).default("desc"),
};

export const listKeysQuery = pageQueryOf(100).extend(keyListFilters);
export type ListKeysQuery = z.infer<typeof listKeysQuery>;

export const usageQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(MAX_USAGE_DAYS).default(30),
});

export const apiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    key_prefix: z.string().meta({ description: "The key's first 8 characters", example: "fim_Ab3x" }),
    scopes: z.array(scope).meta({ description: "Empty: full access" }),
    is_active: z.boolean(),
    status: z.enum(["active", "disabled", "expired"]),
    created_at: instant,
    expires_at: instant.nullable(),
    last_used_at: instant.nullable(),
    last_used_ip: z
      .string()
      .nullable()
      .meta({ description: "The client address of the key's last use", example: "203.0.113.7" }),
    expires_soon: z.boolean().meta({ description: `An active key that expires within ${EXPIRES_SOON_DAYS} days` }),
    allowed_ips: z
      .array(z.string())
      .meta({ description: "Addresses and CIDR ranges the key may be used from; empty: anywhere" }),
    total_requests: z.number().int().min(0),
    previous_key_expires_at: instant
      .nullable()
      .meta({ description: "While a roll's overlap lasts: when the previous secret stops working" }),
    rolled_at: instant.nullable(),
    rate_limit: rateLimit.nullable().meta({ description: "The key's own rate limit; null: none of its own" }),
    effective_rate_limit: rateLimit.nullable().meta({
      description: "The limit that applies: the key's own, else the server's default (DEFAULT_KEY_RATE_LIMIT)",
    }),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof apiKey>;

export const createdApiKey = apiKey
  .extend({ key: z.string().meta({ description: "The full key. Shown once, here only.", example: "fim_…" }) })
  .meta({ id: "CreatedApiKey" });
export type CreatedApiKey = z.infer<typeof createdApiKey>;

/** A key as administrators see it: with its owner. */
export const ownedApiKey = apiKey
  .extend({ owner: z.object({ id: z.string(), email: z.string() }) })
  .meta({ id: "OwnedApiKey" });
export type OwnedApiKey = z.infer<typeof ownedApiKey>;

export const listAllKeysQuery = pageQueryOf(20).extend({
  user_id: z.string().max(100).optional().meta({ description: "Only this user's keys" }),
  ...keyListFilters,
  search: keyListFilters.search.meta({
    description: "Part of the key's name or its owner's email, or the start of its prefix (case-insensitive)",
  }),
});
export type ListAllKeysQuery = z.infer<typeof listAllKeysQuery>;

const totalKeys = z
  .number()
  .int()
  .min(0)
  .meta({ description: "How many keys match the search and filters, all pages" });

/** A page of the caller's keys, with the number of matching keys. */
export const apiKeyPage = page(apiKey).extend({ total: totalKeys }).meta({ id: "ApiKeyPage" });
/** A page of everyone's keys (administrators), with the number of matching keys. */
export const ownedApiKeyPage = page(ownedApiKey).extend({ total: totalKeys }).meta({ id: "OwnedApiKeyPage" });

export const adminKeyBody = z.strictObject({ is_active: z.boolean() });

/** A key's requests per UTC day, split by outcome. */
export const keyUsage = z
  .object({
    days: z.array(
      z.object({
        day: z.iso.date(),
        count: z.number().int().min(0).meta({ description: "Requests served" }),
        refused: z
          .number()
          .int()
          .min(0)
          .meta({ description: "Refused after the key was recognised: 401 (disabled, expired) or 403 (scope)" }),
        rate_limited: z.number().int().min(0).meta({ description: "Refused by the key's rate limit (429)" }),
      }),
    ),
    total: z.number().int().min(0).meta({ description: "Requests served over the days" }),
    refused: z.number().int().min(0),
    rate_limited: z.number().int().min(0),
  })
  .meta({ id: "KeyUsage" });
export type KeyUsage = z.infer<typeof keyUsage>;

const maxKeyLifetimeDays = z
  .number()
  .int()
  .min(MAX_KEY_LIFETIME_BOUNDS.min)
  .max(MAX_KEY_LIFETIME_BOUNDS.max)
  .nullable()
  .meta({ description: "The longest a new key may live, in days; null: no maximum", example: 90 });

/** What applies to keys on this server, shown before a key exists (portal). */
export const keyPolicy = z.object({
  default_rate_limit: rateLimit.nullable(),
  max_lifetime_days: maxKeyLifetimeDays,
});

/** The administrators' key settings. */
export const keySettings = z.object({ max_key_lifetime_days: maxKeyLifetimeDays }).meta({ id: "KeySettings" });
export type KeySettings = z.infer<typeof keySettings>;

export const keySettingsBody = z.strictObject({ max_key_lifetime_days: maxKeyLifetimeDays });

/** The caller's active keys that expire soon, for the portal's reminder. */
export const expiringKeys = z
  .object({
    items: z.array(z.object({ id: z.string(), name: z.string(), key_prefix: z.string(), expires_at: instant })),
  })
  .meta({ id: "ExpiringKeys" });
export type ExpiringKeys = z.infer<typeof expiringKeys>;
