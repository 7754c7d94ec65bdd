// The scope vocabulary and the access rules every door (REST, SSE, tRPC) applies.
import { AppError } from "../errors.ts";

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
 * - a scope: a key without scopes or with this scope; `admin` also needs the admin role.
 */
export type Access = "public" | "authenticated" | "key_management" | { scope: Scope };

export interface Principal {
  kind: "api_key" | "jwt";
  user: { id: string; email: string; name: string; role: "user" | "admin" };
  /** Empty means full access (API keys without scopes, and every login session). */
  scopes: Scope[];
  keyId: string | null;
  keyPrefix: string | null;
  sessionId: string | null;
  expiresAt: Date | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.length === 0 || principal.scopes.includes(scope);
}

/** Throws `forbidden` unless the principal meets the route's access rule. */
export function assertAccess(principal: Principal, access: Access): void {
  if (access === "public" || access === "authenticated") return;
  if (access === "key_management") {
    if (principal.kind === "api_key" && principal.scopes.length > 0) {
      throw new AppError("forbidden", "Managing API keys needs a login session or a full-access key");
    }
    return;
  }
  if (!hasScope(principal, access.scope)) {
    throw new AppError("forbidden", `This API key lacks the "${access.scope}" scope`);
  }
  if (access.scope === "admin" && principal.user.role !== "admin") {
    throw new AppError("forbidden", "This action needs an administrator account");
  }
}

/** Parses the API's scope input: a comma-separated string or an array of names. */
export function parseScopes(input: string | string[] | undefined | null): Scope[] {
  if (input === undefined || input === null) return [];
  const names = (Array.isArray(input) ? input : input.split(","))
    .map((name) => name.trim())
    .filter((name) => name !== "");
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
