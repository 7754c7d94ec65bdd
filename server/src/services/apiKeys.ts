// API keys: create (the full key is returned here and nowhere else), list, update, delete,
// roll, and usage over time. Every change that affects authentication invalidates the cache.
import { type Prisma, serializeWrites } from "@fim/db";
import { decodeAllowedIps, displayAddress, encodeAllowedIps, parseAllowedIps } from "../auth/addressAllowList.ts";
import { apiKeyPrefix, generateApiKey, hashApiKey } from "../auth/apiKeyFormat.ts";
import { type RecentAuthSubject, requireRecentAuth } from "../auth/recentAuth.ts";
import { decodeScopes, encodeScopes, type Principal, parseScopes, type Scope } from "../auth/scopes.ts";
import { utcDay } from "../auth/usage.ts";
import type { AppContext } from "../context.ts";
import {
  type ApiKey,
  type CreatedApiKey,
  type CreateKeyInput,
  EXPIRES_SOON_DAYS,
  type ExpiringKeys,
  type KeyScopeFilter,
  type KeySort,
  type KeyStatusFilter,
  type KeyUsage,
  MAX_KEY_NAME_CHARS,
  RATE_LIMIT_BOUNDS,
  type RateLimit,
  ROLL_OVERLAPS,
  type RollOverlap,
  type UpdateKeyInput,
} from "../contracts/apiKeys.ts";
import { assertRoomFor, validationError } from "../errors.ts";
import { type AdminActor, assertMayActOn } from "./admin.ts";
import { type AuditAction, type RequestMeta, recordAudit } from "./audit.ts";
import { assertWithinMaxLifetime } from "./keySettings.ts";
import { ownedBy } from "./ownership.ts";
import { type PageRequest, toPage } from "./paging.ts";

const keySelect = {
  id: true,
  userId: true,
  name: true,
  prefix: true,
  scopes: true,
  isActive: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  totalRequests: true,
  previousExpiresAt: true,
  rolledAt: true,
  rateLimitRequests: true,
  rateLimitWindowSeconds: true,
  allowedIps: true,
  lastUsedIp: true,
} satisfies Prisma.ApiKeySelect;

type KeyRow = Prisma.ApiKeyGetPayload<{ select: typeof keySelect }>;

function toLimitView(limit: { requests: number; windowSeconds: number } | null | undefined): RateLimit | null {
  return limit ? { requests: limit.requests, window_seconds: limit.windowSeconds } : null;
}

function toView(ctx: AppContext, row: KeyRow): ApiKey {
  // Add what has been counted but not flushed yet, so figures are exact the moment they are read.
  const pending = ctx.usage.pendingFor(row.id);
  const pendingIsLater = pending.lastUsedAt && (!row.lastUsedAt || pending.lastUsedAt > row.lastUsedAt);
  const lastUsed = pendingIsLater ? pending.lastUsedAt : row.lastUsedAt;
  const lastUsedIp = pendingIsLater && pending.lastUsedIp ? displayAddress(pending.lastUsedIp) : row.lastUsedIp;
  const now = ctx.clock.now();
  const expired = row.expiresAt !== null && row.expiresAt <= now;
  return {
    id: row.id,
    name: row.name,
    key_prefix: row.prefix,
    scopes: decodeScopes(row.scopes),
    is_active: row.isActive,
    status: expired ? "expired" : row.isActive ? "active" : "disabled",
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: lastUsed?.toISOString() ?? null,
    last_used_ip: lastUsedIp ?? null,
    expires_soon: row.isActive && expiresSoon(row.expiresAt, now),
    allowed_ips: decodeAllowedIps(row.allowedIps),
    total_requests: row.totalRequests + pending.count,
    previous_key_expires_at:
      row.previousExpiresAt && row.previousExpiresAt > now ? row.previousExpiresAt.toISOString() : null,
    rolled_at: row.rolledAt?.toISOString() ?? null,
    rate_limit: toLimitView(ownLimit(row)),
    effective_rate_limit: toLimitView(ownLimit(row) ?? ctx.config.defaultKeyRateLimit),
  };
}

/** Not expired yet, but within EXPIRES_SOON_DAYS of it. */
function expiresSoon(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt > now && expiresAt.getTime() - now.getTime() <= EXPIRES_SOON_DAYS * 86_400_000;
}

/**
 * Whether `after` grants anything `before` did not. No scopes means full access, so going to no
 * scopes from some widens, and from none to some narrows.
 */
export function scopesWiden(before: readonly Scope[], after: readonly Scope[]): boolean {
  if (before.length === 0) return false;
  if (after.length === 0) return true;
  return after.some((scope) => !before.includes(scope));
}

function ownLimit(row: KeyRow): { requests: number; windowSeconds: number } | null {
  return row.rateLimitRequests && row.rateLimitWindowSeconds
    ? { requests: row.rateLimitRequests, windowSeconds: row.rateLimitWindowSeconds }
    : null;
}

/** A rate limit as given ({requests, window_seconds}, or null for none) into the two columns. */
function limitColumns(limit: RateLimit | null): {
  rateLimitRequests: number | null;
  rateLimitWindowSeconds: number | null;
} {
  if (limit === null) return { rateLimitRequests: null, rateLimitWindowSeconds: null };
  const { requests, windowSeconds } = RATE_LIMIT_BOUNDS;
  if (!Number.isInteger(limit.requests) || limit.requests < requests.min || limit.requests > requests.max) {
    throw validationError("rate_limit.requests", `must be a whole number from ${requests.min} to ${requests.max}`);
  }
  if (
    !Number.isInteger(limit.window_seconds) ||
    limit.window_seconds < windowSeconds.min ||
    limit.window_seconds > windowSeconds.max
  ) {
    throw validationError(
      "rate_limit.window_seconds",
      `must be a whole number of seconds from ${windowSeconds.min} to ${windowSeconds.max}`,
    );
  }
  return { rateLimitRequests: limit.requests, rateLimitWindowSeconds: limit.window_seconds };
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2})))?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads an expiry: an ISO 8601 date-time with a time zone, or a bare date meaning the end of
 * that day (UTC). It must be a real calendar instant (no 30 February rolling over into March)
 * and lie in the future.
 */
export function parseExpiry(ctx: AppContext, value: string): Date {
  const parts = ISO_INSTANT.exec(value);
  const bareDate = parts !== null && parts[4] === undefined;
  if (!parts || (!bareDate && parts[7] === undefined)) {
    throw validationError("expires_at", "must be an ISO 8601 date (2027-01-31) or date-time with a time zone");
  }
  const field = (index: number) => Number(parts[index] ?? 0);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map(field) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [field(8), field(9)];
  const real =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!real) throw validationError("expires_at", "is not a real date");
  const date = new Date(bareDate ? `${value}T23:59:59.999Z` : value);
  if (Number.isNaN(date.getTime())) throw validationError("expires_at", "is not a real date");
  if (date <= ctx.clock.now()) throw validationError("expires_at", "must be in the future");
  return date;
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") throw validationError("name", "must not be empty");
  if (trimmed.length > MAX_KEY_NAME_CHARS) {
    throw validationError("name", `must be at most ${MAX_KEY_NAME_CHARS} characters`);
  }
  return trimmed;
}

/**
 * Creates a key for the caller. A full-access key (no scopes) or one with the `admin` scope needs
 * the caller's password confirmed recently (requireRecentAuth).
 */
export async function createApiKey(
  ctx: AppContext,
  caller: Principal,
  input: CreateKeyInput,
  meta: RequestMeta,
): Promise<CreatedApiKey> {
  const userId = caller.user.id;
  const name = cleanName(input.name);
  const scopes = parseScopes(input.scopes);
  const expiresAt = input.expires_at ? parseExpiry(ctx, input.expires_at) : null;
  await assertWithinMaxLifetime(ctx, expiresAt);
  const rateLimit = limitColumns(input.rate_limit ?? null);
  if (scopes.length === 0 || scopes.includes("admin")) await requireRecentAuth(ctx, caller);
  const allowedIps = parseAllowedIps(input.allowed_ips);
  const key = generateApiKey();
  const limit = ctx.config.quotas.apiKeys;
  // Count and insert in one transaction, serialized per owner, so parallel creations cannot go
  // past the limit together.
  const row = await ctx.db.$transaction(async (tx) => {
    await serializeWrites(tx, ctx.config.databaseProvider, `quota:${userId}`);
    assertRoomFor(await tx.apiKey.count({ where: { userId } }), limit, "api_keys", "API keys");
    const created = await tx.apiKey.create({
      data: {
        userId,
        name,
        prefix: apiKeyPrefix(key),
        hash: hashApiKey(key, ctx.config.apiKeyHashKey),
        scopes: encodeScopes(scopes),
        expiresAt,
        ...rateLimit,
        allowedIps: encodeAllowedIps(allowedIps),
        createdAt: ctx.clock.now(),
      },
      select: keySelect,
    });
    await recordAudit(
      ctx,
      {
        actorId: userId,
        action: "api_key.create",
        targetType: "api_key",
        targetId: created.id,
        meta,
        detail: {
          name,
          prefix: created.prefix,
          scopes,
          expires_at: expiresAt?.toISOString() ?? null,
          rate_limit: input.rate_limit ?? null,
          allowed_ips: allowedIps,
        },
      },
      tx,
    );
    return created;
  });
  return { ...toView(ctx, row), key };
}

/** The owner's keys, searched, filtered and ordered as asked, a page at a time, with how many match. */
export async function listApiKeys(
  ctx: AppContext,
  userId: string,
  query: KeyListRequest = { limit: 100 },
): Promise<{ items: ApiKey[]; next_cursor: string | null; total: number }> {
  const where = keyListWhere(ctx, query, { userId });
  const after = await afterCursor(ctx, where, query, { userId });
  const [rows, total] = await ctx.usage.consistent(() =>
    Promise.all([
      ctx.db.apiKey.findMany({ where: after, orderBy: keyListOrder(query), take: query.limit + 1, select: keySelect }),
      ctx.db.apiKey.count({ where }),
    ]),
  );
  return { ...toPage(rows, query, (row) => toView(ctx, row)), total };
}

/** A page request of a key list: the paging, and the optional search, filters and order of the contract. */
export interface KeyListRequest extends PageRequest {
  search?: string | undefined;
  status?: KeyStatusFilter | undefined;
  scope?: KeyScopeFilter | undefined;
  sort?: KeySort | undefined;
  order?: "asc" | "desc" | undefined;
}

const SORT_COLUMNS = { created: "createdAt", last_used: "lastUsedAt", requests: "totalRequests" } as const;

/** The rows a key list shows, before paging: `base` (an owner, or none) narrowed by the search and filters. */
function keyListWhere(
  ctx: AppContext,
  query: KeyListRequest,
  base: Prisma.ApiKeyWhereInput,
  searchOwners = false,
): Prisma.ApiKeyWhereInput {
  const now = ctx.clock.now();
  const conditions: Prisma.ApiKeyWhereInput[] = [base];
  const notExpired: Prisma.ApiKeyWhereInput = { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  if (query.status === "active") conditions.push({ isActive: true }, notExpired);
  if (query.status === "disabled") conditions.push({ isActive: false }, notExpired);
  if (query.status === "expired") conditions.push({ expiresAt: { lte: now } });
  if (query.status === "expiring_soon") {
    conditions.push({
      isActive: true,
      expiresAt: { gt: now, lte: new Date(now.getTime() + EXPIRES_SOON_DAYS * 86_400_000) },
    });
  }
  // Scopes are stored as a JSON array of names; `[]` is full access, which may use every scope.
  const fullAccess: Prisma.ApiKeyWhereInput = { scopes: encodeScopes([]) };
  if (query.scope === "full_access") conditions.push(fullAccess);
  else if (query.scope) conditions.push({ OR: [fullAccess, { scopes: { contains: JSON.stringify(query.scope) } }] });
  // What people paste from the list ("fim_4tat…") is the prefix with an ellipsis.
  const search = query.search?.replace(/(…|\.\.\.)$/, "").trim();
  if (search) {
    // PostgreSQL compares case-sensitively unless told; SQLite's LIKE ignores ASCII case already.
    const mode = ctx.config.databaseProvider === "postgresql" ? { mode: "insensitive" as const } : {};
    conditions.push({
      OR: [
        { name: { contains: search, ...mode } },
        { prefix: { startsWith: search, ...mode } },
        ...(searchOwners ? [{ user: { email: { contains: search, ...mode } } }] : []),
      ],
    });
  }
  return { AND: conditions };
}

/** The order of a key list: the chosen column (never used counts as the oldest use), then the id. */
function keyListOrder(query: KeyListRequest): Prisma.ApiKeyOrderByWithRelationInput[] {
  const order = query.order ?? "desc";
  const column = SORT_COLUMNS[query.sort ?? "created"];
  const first =
    column === "lastUsedAt"
      ? { lastUsedAt: { sort: order, nulls: order === "desc" ? ("last" as const) : ("first" as const) } }
      : { [column]: order };
  return [first, { id: order }];
}

/**
 * Keyset paging in any of the orders: the rows after the cursor's row, compared on the sort
 * column and then the id. The cursor must be one of the keys the list may show (`scope`: the
 * owner's, for the owner's list), so a stranger's key id reveals nothing; a cursor whose key is
 * gone (deleted meanwhile) ends the list.
 */
async function afterCursor(
  ctx: AppContext,
  where: Prisma.ApiKeyWhereInput,
  query: KeyListRequest,
  scope: Prisma.ApiKeyWhereInput,
): Promise<Prisma.ApiKeyWhereInput> {
  if (!query.cursor) return where;
  const column = SORT_COLUMNS[query.sort ?? "created"];
  const cursor = await ctx.db.apiKey.findFirst({
    where: { ...scope, id: query.cursor },
    select: { id: true, createdAt: true, lastUsedAt: true, totalRequests: true },
  });
  if (!cursor) return { id: { in: [] } };
  const value = cursor[column];
  const beyond = query.order === "asc" ? "gt" : "lt";
  const sameValueLaterId = { [column]: value, id: { [beyond]: cursor.id } };
  let after: Prisma.ApiKeyWhereInput[];
  if (value === null) {
    // Never used: the smallest value, last when descending, first when ascending.
    after = beyond === "lt" ? [sameValueLaterId] : [sameValueLaterId, { [column]: { not: null } }];
  } else {
    after = [{ [column]: { [beyond]: value } }, sameValueLaterId];
    if (column === "lastUsedAt" && beyond === "lt") after.push({ lastUsedAt: null });
  }
  return { AND: [where, { OR: after }] };
}

async function ownedKey(ctx: AppContext, userId: string | null, keyId: string): Promise<KeyRow> {
  const row = await ctx.db.apiKey.findUnique({ where: { id: keyId }, select: keySelect });
  return ownedBy(row, userId, "API key");
}

export async function getApiKey(ctx: AppContext, userId: string, keyId: string): Promise<ApiKey> {
  return toView(ctx, await ctx.usage.consistent(() => ownedKey(ctx, userId, keyId)));
}

/** Who acts on a key: its owner, or an administrator acting on anyone's key. */
export type KeyActor = { id: string; asAdmin?: false } | (AdminActor & { asAdmin: true });

/** The key, if the actor may act on it: the owner's own, or for an administrator anyone's (see assertMayActOn). */
async function keyForActor(ctx: AppContext, actor: KeyActor, keyId: string): Promise<KeyRow> {
  const row = await ownedKey(ctx, actor.asAdmin ? null : actor.id, keyId);
  if (actor.asAdmin) {
    const owner = await ctx.db.user.findUniqueOrThrow({ where: { id: row.userId }, select: { role: true } });
    assertMayActOn(actor, owner);
  }
  return row;
}

/**
 * Updates a key. `caller` is the credential making the change: widening the key's scopes needs
 * its password confirmed recently (sudo mode); narrowing never does.
 */
export async function updateApiKey(
  ctx: AppContext,
  actor: KeyActor,
  keyId: string,
  input: UpdateKeyInput,
  meta: RequestMeta,
  caller: RecentAuthSubject,
): Promise<ApiKey> {
  const existing = await keyForActor(ctx, actor, keyId);
  const data: Prisma.ApiKeyUpdateInput = {};
  // What the audit entry shows as before and after: a new name, and the changes that widen or
  // narrow what the key may do.
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  if (input.name !== undefined) {
    data.name = cleanName(input.name);
    if (data.name !== existing.name) changes.name = { before: existing.name, after: data.name };
  }
  if (input.is_active !== undefined) data.isActive = input.is_active;
  if (input.expires_at !== undefined) {
    const expiresAt = input.expires_at === null ? null : parseExpiry(ctx, input.expires_at);
    await assertWithinMaxLifetime(ctx, expiresAt);
    data.expiresAt = expiresAt;
    changes.expires_at = { before: existing.expiresAt?.toISOString() ?? null, after: expiresAt?.toISOString() ?? null };
  }
  if (input.scopes !== undefined) {
    const before = decodeScopes(existing.scopes);
    const after = parseScopes(input.scopes);
    if (scopesWiden(before, after)) await requireRecentAuth(ctx, caller);
    data.scopes = encodeScopes(after);
    changes.scopes = { before, after };
  }
  if (input.allowed_ips !== undefined) {
    const after = parseAllowedIps(input.allowed_ips);
    data.allowedIps = encodeAllowedIps(after);
    changes.allowed_ips = { before: decodeAllowedIps(existing.allowedIps), after };
  }
  if (input.rate_limit !== undefined) Object.assign(data, limitColumns(input.rate_limit));
  let action: AuditAction = "api_key.update";
  if (input.is_active !== undefined && input.is_active !== existing.isActive) {
    if (actor.asAdmin) action = input.is_active ? "admin.api_key_enable" : "admin.api_key_disable";
    else action = input.is_active ? "api_key.enable" : "api_key.disable";
  }
  const row = await ctx.db.$transaction(async (tx) => {
    const updated = await tx.apiKey.update({ where: { id: keyId }, data, select: keySelect });
    await recordAudit(
      ctx,
      {
        actorId: actor.id,
        action,
        targetType: "api_key",
        targetId: keyId,
        meta,
        detail: { changed: Object.keys(input), name: updated.name, prefix: updated.prefix, ...changes },
      },
      tx,
    );
    return updated;
  });
  ctx.credentials.invalidateKey(keyId);
  return toView(ctx, row);
}

export async function deleteApiKey(ctx: AppContext, actor: KeyActor, keyId: string, meta: RequestMeta): Promise<void> {
  const existing = await keyForActor(ctx, actor, keyId);
  // Usage not yet flushed for a deleted key has nothing to be written to.
  await ctx.db.$transaction(async (tx) => {
    await tx.apiKey.delete({ where: { id: keyId } });
    await recordAudit(
      ctx,
      {
        actorId: actor.id,
        action: actor.asAdmin ? "admin.api_key_delete" : "api_key.delete",
        targetType: "api_key",
        targetId: keyId,
        meta,
        detail: { name: existing.name, prefix: existing.prefix },
      },
      tx,
    );
  });
  ctx.credentials.invalidateKey(keyId);
}

/**
 * Issues a new secret for the same key record (same name, scopes and usage history). The old
 * secret keeps working for the chosen overlap, then stops.
 */
export async function rollApiKey(
  ctx: AppContext,
  userId: string,
  keyId: string,
  overlap: RollOverlap,
  meta: RequestMeta,
): Promise<CreatedApiKey> {
  await ownedKey(ctx, userId, keyId);
  const current = await ctx.db.apiKey.findUniqueOrThrow({ where: { id: keyId }, select: { hash: true, prefix: true } });
  const now = ctx.clock.now();
  const seconds = ROLL_OVERLAPS[overlap];
  const key = generateApiKey();
  const row = await ctx.db.$transaction(async (tx) => {
    const rolled = await tx.apiKey.update({
      where: { id: keyId },
      data: {
        hash: hashApiKey(key, ctx.config.apiKeyHashKey),
        prefix: apiKeyPrefix(key),
        previousHash: seconds > 0 ? current.hash : null,
        previousExpiresAt: seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null,
        rolledAt: now,
      },
      select: keySelect,
    });
    await recordAudit(
      ctx,
      {
        actorId: userId,
        action: "api_key.roll",
        targetType: "api_key",
        targetId: keyId,
        meta,
        detail: { overlap, name: rolled.name, prefix: rolled.prefix, previous_prefix: current.prefix },
      },
      tx,
    );
    return rolled;
  });
  ctx.credentials.invalidateKey(keyId);
  return { ...toView(ctx, row), key };
}

type UsageDayView = KeyUsage["days"][number];

/**
 * Requests per UTC day for the last `days` days, oldest first, zero-filled, split by outcome;
 * counts not flushed yet are included, so the figures are exact when read.
 */
export async function apiKeyUsage(
  ctx: AppContext,
  userId: string,
  keyId: string,
  days: number,
): Promise<{ days: UsageDayView[]; total: number; refused: number; rate_limited: number }> {
  await ownedKey(ctx, userId, keyId);
  const today = ctx.clock.now();
  const wanted: string[] = [];
  for (let i = days - 1; i >= 0; i--) wanted.push(utcDay(new Date(today.getTime() - i * 86_400_000)));
  const rows = await ctx.usage.consistent(() =>
    ctx.db.apiKeyUsageDay.findMany({ where: { apiKeyId: keyId, day: { in: wanted } } }),
  );
  const stored = new Map(rows.map((row) => [row.day, row]));
  const series = wanted.map((day): UsageDayView => {
    const row = stored.get(day);
    const pending = ctx.usage.pendingFor(keyId, day).day;
    return {
      day,
      count: (row?.count ?? 0) + pending.served,
      refused: (row?.refused ?? 0) + pending.refused,
      rate_limited: (row?.rateLimited ?? 0) + pending.rateLimited,
    };
  });
  const sum = (field: "count" | "refused" | "rate_limited") => series.reduce((total, day) => total + day[field], 0);
  return { days: series, total: sum("count"), refused: sum("refused"), rate_limited: sum("rate_limited") };
}

/** The owner's active keys that expire within EXPIRES_SOON_DAYS, soonest first (the portal's reminder). */
export async function keysExpiringSoon(ctx: AppContext, userId: string): Promise<ExpiringKeys> {
  const now = ctx.clock.now();
  const rows = await ctx.db.apiKey.findMany({
    where: {
      userId,
      isActive: true,
      expiresAt: { gt: now, lte: new Date(now.getTime() + EXPIRES_SOON_DAYS * 86_400_000) },
    },
    orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
    take: 100,
    select: { id: true, name: true, prefix: true, expiresAt: true },
  });
  return {
    items: rows.map((row) => ({
      id: row.id,
      name: row.name,
      key_prefix: row.prefix,
      expires_at: (row.expiresAt as Date).toISOString(),
    })),
  };
}

/** Admin view: every key with its owner, searched, filtered and ordered like the owner's list. */
export async function listAllApiKeys(
  ctx: AppContext,
  query: KeyListRequest & { userId?: string | undefined },
): Promise<{
  items: (ApiKey & { owner: { id: string; email: string } })[];
  next_cursor: string | null;
  total: number;
}> {
  const where = keyListWhere(ctx, query, query.userId ? { userId: query.userId } : {}, true);
  const after = await afterCursor(ctx, where, query, {});
  const [rows, total] = await ctx.usage.consistent(() =>
    Promise.all([
      ctx.db.apiKey.findMany({
        where: after,
        orderBy: keyListOrder(query),
        take: query.limit + 1,
        select: { ...keySelect, user: { select: { id: true, email: true } } },
      }),
      ctx.db.apiKey.count({ where }),
    ]),
  );
  return { ...toPage(rows, query, (row) => ({ ...toView(ctx, row), owner: row.user })), total };
}
