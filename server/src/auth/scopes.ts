// The scope vocabulary and the access rules every door (REST, SSE, tRPC) applies.
import { AppError } from "../errors.ts";
import type { RateLimitState } from "./keyRateLimits.ts";

export const SCOPES = ["chat", "agents", "kb", "connectors", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * What a route requires of its caller:
 * - `public`: nothing;
 * - `authenticated`: any valid credential, whatever its scopes (e.g. /api/auth/verify, /api/me);
 * - `key_management`: a login session or a full-access key, so a leaked scoped key cannot
 *   mint a broader one;
 * - `session`: a login session only, never an API key (the account's second factor: a leaked
 *   key must not be able to put its own authenticator on the account, or take it off);
 * - a scope: a key without scopes or with this scope; `admin` also needs the admin role.
 */
export type Access = "public" | "authenticated" | "key_management" | "session" | { scope: Scope };

export interface Principal {
  kind: "api_key" | "jwt";
  /** The account, as the credential's cache entry holds it (never a disabled one: those are refused). */
  user: { id: string; email: string; name: string; role: "user" | "admin"; createdAt: Date };
  /** Empty means full access (API keys without scopes, and every login session). */
  scopes: Scope[];
  keyId: string | null;
  keyPrefix: string | null;
  sessionId: string | null;
  expiresAt: Date | null;
  /** For a key with a rate limit: where it stands after this request (the RateLimit fields). */
  rateLimit?: RateLimitState | null;
}

/** Who the caller is, as /api/auth/verify and the portal's session tell it. */
export function identityOf(principal: Principal): { id: string; email: string; name: string; role: "user" | "admin" } {
  const { id, email, name, role } = principal.user;
  return { id, email, name, role };
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.length === 0 || principal.scopes.includes(scope);
}

/**
 * Throws `forbidden` for a scoped API key. Whatever can mint or take away power needs a login
 * session or a full-access key: managing API keys, and among admin actions creating an
 * administrator, changing a role, or acting on an administrator's account, sessions or keys.
 * A leaked scoped key thus never yields a broader credential.
 */
export function assertUnscoped(principal: Pick<Principal, "kind" | "scopes">, what: string): void {
  if (principal.kind === "api_key" && principal.scopes.length > 0) {
    throw new AppError("forbidden", `${what} needs a login session or a full-access key, not a scoped key`);
  }
}

/** Whether a rule is the administrators' (the two-factor policy for administrators applies there). */
export function isAdminOnly(access: Access): boolean {
  return typeof access === "object" && access.scope === "admin";
}

/** Throws `forbidden` unless the principal meets the route's access rule. */
export function assertAccess(principal: Principal, access: Access): void {
  if (access === "public" || access === "authenticated") return;
  if (access === "key_management") {
    assertUnscoped(principal, "Managing API keys");
    return;
  }
  if (access === "session") {
    if (principal.kind !== "jwt") throw new AppError("forbidden", "This needs a login session, not an API key");
    return;
  }
  if (!hasScope(principal, access.scope)) {
    throw new AppError("forbidden", `This API key lacks the "${access.scope}" scope`, {
      extra: { required_scope: access.scope },
    });
  }
  if (access.scope === "admin" && principal.user.role !== "admin") {
    throw new AppError("forbidden", "This action needs an administrator account");
  }
}

/**
 * Parses the API's scope input: a comma-separated string or an array of names. Full access is
 * asked for by leaving scopes out (or null); an empty string or list is refused rather than
 * silently read as full access, since it is what a blank form field sends.
 */
export function parseScopes(input: string | string[] | undefined | null): Scope[] {
  if (input === undefined || input === null) return [];
  const names = (Array.isArray(input) ? input : input.split(","))
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) {
    throw new AppError("validation_error", "scopes: list at least one scope, or leave scopes out for full access", {
      extra: { details: [{ field: "scopes", message: "empty; leave it out (or null) for a full-access key" }] },
    });
  }
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) {
    throw new AppError(
      "validation_error",
      `scopes: unknown scope ${unknown.map((n) => `"${n}"`).join(", ")}; allowed: ${SCOPES.join(", ")}`,
      {
        extra: { details: [{ field: "scopes", message: `unknown scope: ${unknown.join(", ")}` }] },
      },
    );
  }
  return [...new Set(names)].sort((a, b) => SCOPES.indexOf(a as Scope) - SCOPES.indexOf(b as Scope)) as Scope[];
}

export function encodeScopes(scopes: Scope[]): string {
  return JSON.stringify(scopes);
}

/** Reads stored scopes. Corrupt data fails closed (an error), never as "no scopes = full access". */
export function decodeScopes(stored: string): Scope[] {
  const parsed: unknown = JSON.parse(stored);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string" && isScope(s))) {
    throw new Error("stored scopes are corrupt");
  }
  return parsed as Scope[];
}
