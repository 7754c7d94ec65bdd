// The one function that decides who is calling. REST routes, the streaming endpoints and the
// portal's tRPC procedures all go through it, so the rules cannot drift between doors.
import { directReads } from "@fim/db";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { allowedFrom, compileAllowedIps, displayAddress } from "./addressAllowList.ts";
import { API_KEY_PREFIX, apiKeyPrefix, checkApiKeyFormat, hashApiKey, keyFingerprint } from "./apiKeyFormat.ts";
import type { CachedKey, CachedSession, CachedUser, VerifiedToken } from "./credentialCache.ts";
import { verifyToken } from "./jwt.ts";
import type { RateLimitState } from "./keyRateLimits.ts";
import { decodeScopes, type Principal } from "./scopes.ts";

/** Extracts the token from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  if (!match) throw new AppError("invalid_token", "The Authorization header must be 'Bearer <token>'");
  // "Bearer" with nothing after it carries no credential at all: unauthorized, not invalid.
  return match[1];
}

/** `Bearer <token>`, the scheme in any case; the token is absent when only the scheme is there. */
const BEARER = /^Bearer(?:[ \t]+(\S+))?[ \t]*$/i;

export interface AuthenticateOptions {
  /**
   * Whether this check is a request made with the key (the default). A running stream's periodic
   * re-check of its credential is not, and passes false so it is not counted in the key's usage.
   */
  countUsage?: boolean;
  /**
   * The caller's address (req.ip, so TRUST_PROXY decides it): checked against a key's IP
   * allow-list, and its lookups of unknown keys are bounded (unknownKeys.ts). A function, since
   * working it out (proxy headers) is only worth it for keys with a list or not in the cache.
   * Without it, a key that has an allow-list is refused.
   */
  client?: () => string | undefined;
}

export async function authenticate(
  ctx: AppContext,
  token: string | undefined,
  options: AuthenticateOptions = {},
): Promise<Principal> {
  if (token === undefined || token === "") throw new AppError("unauthorized");
  if (token.startsWith(API_KEY_PREFIX))
    return authenticateApiKey(ctx, token, options.countUsage ?? true, options.client ?? (() => undefined));
  if (token.startsWith("eyJ")) {
    const principal = await authenticateAccessToken(ctx, token);
    // The session's last activity: noted in memory, written in batches (no write per request).
    if (principal.sessionId && (options.countUsage ?? true)) {
      ctx.sessionActivity.note(principal.sessionId, ctx.clock.now());
    }
    return principal;
  }
  throw new AppError("invalid_token", "API keys start with fim_; access tokens are JWTs");
}

/** A value of a DateTime column read by raw SQL: a Date from PostgreSQL, a Date or text from SQLite. */
function asDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string | number);
}

function asRole(role: unknown): "user" | "admin" {
  return role === "admin" ? "admin" : "user";
}

/** The owner's columns, as both cold queries select them (joined, the user's id as "userId"). */
interface UserColumns {
  userId: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean | number;
  userCreatedAt: unknown;
}

function userOf(row: UserColumns): CachedUser {
  return {
    id: row.userId,
    email: row.email,
    name: row.name,
    role: asRole(row.role),
    disabled: Boolean(row.disabled),
    createdAt: asDate(row.userCreatedAt) ?? new Date(0),
  };
}

interface KeyRow extends UserColumns {
  id: string;
  hash: string;
  scopes: string;
  isActive: boolean | number;
  expiresAt: unknown;
  previousExpiresAt: unknown;
  rateLimitRequests: number | bigint | null;
  rateLimitWindowSeconds: number | bigint | null;
  allowedIps: string;
}

/**
 * A key not seen since start: one indexed query, the key and its owner joined (both hash columns
 * are unique indexes; SQLite and PostgreSQL both answer the OR from the two indexes). Read through
 * the driver directly (directReads): through the ORM the same read costs its query engine's
 * hundreds of microseconds, on the path that every first request of a key takes.
 */
const KEY_BY_HASH = `
  SELECT k."id", k."hash", k."scopes", k."isActive", k."expiresAt", k."previousExpiresAt",
    k."rateLimitRequests", k."rateLimitWindowSeconds", k."allowedIps",
    u."id" AS "userId", u."email", u."name", u."role", u."disabled", u."createdAt" AS "userCreatedAt"
  FROM "ApiKey" k JOIN "User" u ON u."id" = k."userId"
  WHERE k."hash" = $1 OR k."previousHash" = $1`;

async function loadKey(ctx: AppContext, hash: string): Promise<CachedKey | undefined> {
  const rows = (await directReads(ctx.db).all(KEY_BY_HASH, [hash])) as unknown as KeyRow[];
  const now = ctx.clock.now();
  // The current secret, or a pre-roll secret whose overlap has not ended.
  const row =
    rows.find((candidate) => candidate.hash === hash) ??
    rows.find((candidate) => (asDate(candidate.previousExpiresAt)?.getTime() ?? 0) > now.getTime());
  if (!row) return undefined;
  const requests = row.rateLimitRequests === null ? null : Number(row.rateLimitRequests);
  const windowSeconds = row.rateLimitWindowSeconds === null ? null : Number(row.rateLimitWindowSeconds);
  return {
    keyId: row.id,
    rateLimit: requests && windowSeconds ? { requests, windowSeconds } : null,
    scopes: decodeScopes(row.scopes),
    // Compiled once here, so each request's check is one lookup.
    allowedFrom: compileAllowedIps(row.allowedIps),
    isActive: Boolean(row.isActive),
    expiresAt: asDate(row.expiresAt),
    graceUntil: row.hash === hash ? null : asDate(row.previousExpiresAt),
    user: userOf(row),
    cachedAt: Date.now(),
  };
}

interface SessionRow extends UserColumns {
  revokedAt: unknown;
  expiresAt: unknown;
}

/** A session not seen since start: one read by primary key, its user joined (as loadKey, for the same reason). */
const SESSION_BY_ID = `
  SELECT s."userId", s."revokedAt", s."expiresAt", u."email", u."name", u."role", u."disabled",
    u."createdAt" AS "userCreatedAt"
  FROM "Session" s JOIN "User" u ON u."id" = s."userId"
  WHERE s."id" = $1`;

async function loadSession(ctx: AppContext, sessionId: string): Promise<CachedSession | undefined> {
  const rows = (await directReads(ctx.db).all(SESSION_BY_ID, [sessionId])) as unknown as SessionRow[];
  const row = rows[0];
  if (!row) return undefined;
  return {
    sessionId,
    revoked: row.revokedAt !== null && row.revokedAt !== undefined,
    expiresAt: asDate(row.expiresAt) ?? new Date(0),
    user: userOf(row),
    cachedAt: Date.now(),
  };
}

async function authenticateApiKey(
  ctx: AppContext,
  key: string,
  countUsage: boolean,
  clientOf: () => string | undefined,
): Promise<Principal> {
  const fingerprint = keyFingerprint(key);
  let entry = ctx.credentials.getKey(fingerprint);
  if (!entry) {
    // A key in the cache matched a stored key, so its shape needs no check; any other is checked
    // first, so that a mistyped or made-up key is refused without a query.
    const problem = checkApiKeyFormat(key);
    if (problem === "format") {
      throw new AppError("invalid_token", "An API key is fim_ followed by 44 letters and digits");
    }
    if (problem === "checksum") {
      throw new AppError("invalid_token", "The API key's checksum does not match; check for a typo");
    }
    const missing = () => new AppError("invalid_token", "This API key does not exist or was deleted");
    if (ctx.credentials.isUnknownKey(fingerprint)) throw missing();
    const client = clientOf();
    ctx.unknownKeys.assertMayLookUp(client);
    const hash = hashApiKey(key, ctx.config.apiKeyHashKey);
    entry = await ctx.credentials.loadKey(fingerprint, () => loadKey(ctx, hash));
    if (!entry) {
      ctx.credentials.rememberUnknownKey(fingerprint);
      await ctx.unknownKeys.recordMiss(client);
      throw missing();
    }
  }
  const now = ctx.clock.now();
  const known = entry;
  // The key is recognised: a refusal from here on is counted in its usage (as refused).
  const refuse = (error: AppError): never => {
    if (countUsage) ctx.usage.record(known.keyId, now, "refused");
    throw error;
  };
  if (entry.graceUntil && entry.graceUntil <= now) {
    ctx.credentials.invalidateKey(entry.keyId);
    refuse(new AppError("invalid_token", "This API key secret was replaced by a roll and its overlap has ended"));
  }
  if (entry.user.disabled) refuse(new AppError("unauthorized", "The account that owns this API key is disabled"));
  if (!entry.isActive) refuse(new AppError("unauthorized", "This API key is disabled"));
  if (entry.expiresAt && entry.expiresAt <= now) refuse(new AppError("token_expired", "This API key has expired"));
  if (entry.allowedFrom) {
    const client = clientOf();
    if (!allowedFrom(entry.allowedFrom, client)) {
      refuse(
        new AppError(
          "forbidden",
          client
            ? `This API key may not be used from ${displayAddress(client)} (not in its IP allow-list)`
            : "This API key has an IP allow-list and the request's address is unknown",
        ),
      );
    }
  }

  // A request made with the key (not a running stream's re-check) counts against its rate limit:
  // its own, or the server's default for keys without one.
  let rateLimit: RateLimitState | null = null;
  const limit = entry.rateLimit ?? ctx.config.defaultKeyRateLimit ?? null;
  if (countUsage && limit) {
    try {
      rateLimit = await ctx.keyRateLimits.take(entry.keyId, limit);
    } catch (error) {
      if (error instanceof AppError && error.code === "rate_limited")
        ctx.usage.record(entry.keyId, now, "rate_limited", clientOf());
      throw error;
    }
  }
  // Authenticated. The door records the outcome (served, or forbidden by the route's scope).
  const { disabled: _disabled, ...user } = entry.user;
  return {
    kind: "api_key",
    user,
    scopes: entry.scopes,
    keyId: entry.keyId,
    keyPrefix: apiKeyPrefix(key),
    sessionId: null,
    expiresAt: entry.expiresAt,
    rateLimit,
  };
}

/** The claims of an access token: its signature checked once, its expiry at every use. */
function accessClaims(ctx: AppContext, token: string): VerifiedToken {
  let claims = ctx.credentials.getVerifiedToken(token);
  if (!claims) {
    const verified = verifyToken(ctx.config.jwtKey, ctx.clock, token, "access");
    claims = { sub: verified.sub, sid: verified.sid, exp: verified.exp, cachedAt: Date.now() };
    ctx.credentials.setVerifiedToken(token, claims);
  }
  // As the JWT library decides it: expired from the second `exp` names.
  if (Math.floor(ctx.clock.now().getTime() / 1000) >= claims.exp) throw new AppError("token_expired");
  return claims;
}

async function authenticateAccessToken(ctx: AppContext, token: string): Promise<Principal> {
  const claims = accessClaims(ctx, token);
  let session = ctx.credentials.getSession(claims.sid);
  session ??= await ctx.credentials.loadSession(claims.sid, () => loadSession(ctx, claims.sid));
  if (!session || session.user.id !== claims.sub) {
    throw new AppError("invalid_token", "This session no longer exists");
  }
  if (session.revoked) throw new AppError("invalid_token", "This session was revoked");
  if (session.expiresAt <= ctx.clock.now()) throw new AppError("token_expired", "This session has expired");
  if (session.user.disabled) throw new AppError("unauthorized", "This account is disabled");
  const { disabled: _disabled, ...user } = session.user;
  return {
    kind: "jwt",
    user,
    scopes: [],
    keyId: null,
    keyPrefix: null,
    sessionId: claims.sid,
    expiresAt: new Date(claims.exp * 1000),
  };
}
