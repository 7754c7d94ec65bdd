// The one function that decides who is calling. REST routes, the streaming endpoints and the
// portal's tRPC procedures all go through it, so the rules cannot drift between doors.
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { API_KEY_PREFIX, apiKeyPrefix, checkApiKeyFormat, hashApiKey } from "./apiKeyFormat.ts";
import { verifyToken } from "./jwt.ts";
import type { CachedKey } from "./keyCache.ts";
import type { RateLimitState } from "./keyRateLimits.ts";
import { decodeScopes, type Principal } from "./scopes.ts";

/** Extracts the token from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  // "Bearer" with nothing after it carries no credential at all: unauthorized, not invalid.
  if (/^Bearer[ \t]*$/i.test(header)) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) {
    throw new AppError("invalid_token", "The Authorization header must be 'Bearer <token>'");
  }
  return match[1];
}

export interface AuthenticateOptions {
  /**
   * Whether this check is a request made with the key (the default). A running stream's periodic
   * re-check of its credential is not, and passes false so it is not counted in the key's usage.
   */
  countUsage?: boolean;
}

export async function authenticate(
  ctx: AppContext,
  token: string | undefined,
  options: AuthenticateOptions = {},
): Promise<Principal> {
  if (token === undefined || token === "") throw new AppError("unauthorized");
  if (token.startsWith(API_KEY_PREFIX)) return authenticateApiKey(ctx, token, options.countUsage ?? true);
  if (token.startsWith("eyJ")) return authenticateAccessToken(ctx, token);
  throw new AppError("invalid_token", "API keys start with fim_; access tokens are JWTs");
}

async function loadKey(ctx: AppContext, hash: string): Promise<CachedKey | undefined> {
  const now = ctx.clock.now();
  const row = await ctx.db.apiKey.findFirst({
    where: { OR: [{ hash }, { previousHash: hash, previousExpiresAt: { gt: now } }] },
    select: {
      id: true,
      hash: true,
      scopes: true,
      isActive: true,
      expiresAt: true,
      previousExpiresAt: true,
      rateLimitRequests: true,
      rateLimitWindowSeconds: true,
      user: { select: { id: true, email: true, name: true, role: true, disabled: true } },
    },
  });
  if (!row) return undefined;
  return {
    keyId: row.id,
    rateLimit:
      row.rateLimitRequests && row.rateLimitWindowSeconds
        ? { requests: row.rateLimitRequests, windowSeconds: row.rateLimitWindowSeconds }
        : null,
    scopes: decodeScopes(row.scopes),
    isActive: row.isActive,
    expiresAt: row.expiresAt,
    graceUntil: row.hash === hash ? null : row.previousExpiresAt,
    user: { ...row.user, role: row.user.role === "admin" ? "admin" : "user" },
    cachedAt: Date.now(),
  };
}

async function authenticateApiKey(ctx: AppContext, key: string, countUsage: boolean): Promise<Principal> {
  const problem = checkApiKeyFormat(key);
  if (problem === "format") {
    throw new AppError("invalid_token", "An API key is fim_ followed by 44 letters and digits");
  }
  if (problem === "checksum") {
    throw new AppError("invalid_token", "The API key's checksum does not match; check for a typo");
  }
  const hash = hashApiKey(key, ctx.config.apiKeySecret);
  let entry = ctx.keyCache.get(hash);
  if (!entry) {
    const generation = ctx.keyCache.generation;
    entry = await loadKey(ctx, hash);
    if (!entry) throw new AppError("invalid_token", "This API key does not exist or was deleted");
    ctx.keyCache.set(hash, entry, generation);
  }
  const now = ctx.clock.now();
  const known = entry;
  // The key is recognised: a refusal from here on is counted in its usage (as refused).
  const refuse = (error: AppError): never => {
    if (countUsage) ctx.usage.record(known.keyId, now, "refused");
    throw error;
  };
  if (entry.graceUntil && entry.graceUntil <= now) {
    ctx.keyCache.invalidateKey(entry.keyId);
    refuse(new AppError("invalid_token", "This API key secret was replaced by a roll and its overlap has ended"));
  }
  if (entry.user.disabled) refuse(new AppError("unauthorized", "The account that owns this API key is disabled"));
  if (!entry.isActive) refuse(new AppError("unauthorized", "This API key is disabled"));
  if (entry.expiresAt && entry.expiresAt <= now) refuse(new AppError("token_expired", "This API key has expired"));

  // A request made with the key (not a running stream's re-check) counts against its rate limit:
  // its own, or the server's default for keys without one.
  let rateLimit: RateLimitState | null = null;
  const limit = entry.rateLimit ?? ctx.config.defaultKeyRateLimit ?? null;
  if (countUsage && limit) {
    try {
      rateLimit = await ctx.keyRateLimits.take(entry.keyId, limit);
    } catch (error) {
      if (error instanceof AppError && error.code === "rate_limited")
        ctx.usage.record(entry.keyId, now, "rate_limited");
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

async function authenticateAccessToken(ctx: AppContext, token: string): Promise<Principal> {
  const claims = verifyToken(ctx.config.jwtKey, ctx.clock, token, "access");
  const session = await ctx.db.session.findUnique({
    where: { id: claims.sid },
    select: {
      userId: true,
      revokedAt: true,
      expiresAt: true,
      user: { select: { id: true, email: true, name: true, role: true, disabled: true } },
    },
  });
  if (!session || session.userId !== claims.sub) {
    throw new AppError("invalid_token", "This session no longer exists");
  }
  if (session.revokedAt) throw new AppError("invalid_token", "This session was revoked");
  if (session.expiresAt <= ctx.clock.now()) throw new AppError("token_expired", "This session has expired");
  if (session.user.disabled) throw new AppError("unauthorized", "This account is disabled");
  const { disabled: _disabled, ...user } = session.user;
  return {
    kind: "jwt",
    user: { ...user, role: user.role === "admin" ? "admin" : "user" },
    scopes: [],
    keyId: null,
    keyPrefix: null,
    sessionId: claims.sid,
    expiresAt: new Date(claims.exp * 1000),
  };
}
