// Turns route declarations into Express handlers: credential → access rule → input validation
// → handler → JSON answer. Streaming routes take over the response in their handler.
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";
import { authenticate, bearerToken } from "../auth/authenticate.ts";
import { rateLimitHeaders } from "../auth/keyRateLimits.ts";
import { assertAccess, isAdminOnly, type Principal } from "../auth/scopes.ts";
import { assertAdminSecondFactor } from "../auth/secondFactor.ts";
import type { AppContext } from "../context.ts";
import type { z } from "../contracts/common.ts";
import { AppError, invalidInput } from "../errors.ts";
import { assertWellFormedText } from "../lib/wellFormedText.ts";
import type { RequestMeta } from "../services/audit.ts";
import type { AnyRoute, Method } from "./route.ts";
import { sendJson } from "./sendJson.ts";

/** Where a request came from, for the audit log; read when asked for (most requests never are). */
class MetaOf implements RequestMeta {
  readonly #req: Request;
  constructor(req: Request) {
    this.#req = req;
  }
  get ip(): string | null {
    return this.#req.ip ?? null;
  }
  get userAgent(): string | null {
    return this.#req.get("user-agent") ?? null;
  }
}

export function requestMeta(req: Request): RequestMeta {
  return new MetaOf(req);
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: "body" | "query" | "params"): T {
  assertWellFormedText(value, where);
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error.issues, where);
  return result.data;
}

/** Finds the credential: the Authorization header, or (streaming routes) the body's `token`. */
function credentialOf(req: Request, route: AnyRoute): string | undefined {
  const fromHeader = bearerToken(req.get("authorization"));
  if (fromHeader !== undefined) return fromHeader;
  if (route.tokenInBody && req.body && typeof req.body === "object" && "token" in req.body) {
    const token = (req.body as { token: unknown }).token;
    if (typeof token === "string") return token;
    if (token !== undefined && token !== null) throw new AppError("invalid_token", "The token field must be a string");
  }
  return undefined;
}

/**
 * The routes whose path has no parameter, by method and exact path (GET, /api/auth/verify): the
 * front middleware answers them without walking Express's route list. Any other spelling of the
 * path (another case, a trailing slash) still reaches the same handler through the router.
 */
export type StaticRoutes = Map<string, Map<string, RequestHandler>>;

/**
 * Mounts each route on `router` (the application itself: a nested router would be one more layer
 * to walk) and records the parameterless ones in `staticRoutes`.
 */
export function mountRoutes(
  router: Pick<Router, Method>,
  ctx: AppContext,
  routes: AnyRoute[],
  staticRoutes?: StaticRoutes,
): void {
  for (const route of routes) {
    const handle = async (req: Request, res: Response, _next: NextFunction) => {
      // Which declaration answers, for the response check (CHECK_RESPONSES) and its errors.
      res.locals.route = route;
      let principal: Principal | null = null;
      if (route.access !== "public") {
        principal = await authenticate(ctx, credentialOf(req, route), { client: () => req.ip });
        res.locals.principal = principal;
        // Every answer to a rate-limited key says where it stands, errors included.
        if (principal.rateLimit) res.set(rateLimitHeaders(principal.rateLimit));
        const keyId = principal.keyId;
        try {
          assertAccess(principal, route.access);
          if (isAdminOnly(route.access)) await assertAdminSecondFactor(ctx, principal);
        } catch (error) {
          if (keyId) ctx.usage.record(keyId, ctx.clock.now(), "forbidden", req.ip);
          throw error;
        }
        // Authenticated and allowed: the request counts as served, whatever happens next.
        if (keyId) ctx.usage.record(keyId, ctx.clock.now(), "served", req.ip);
      }
      const input = {
        ctx,
        principal,
        // No body at all reads as {}; a body that says `null` is refused like any other non-object.
        // Read only when the route declares a schema: Express parses the query string on each read.
        body: route.body && parseInput(route.body, req.body === undefined ? {} : req.body, "body"),
        query: route.query && parseInput(route.query, req.query, "query"),
        params: route.params && parseInput(route.params, req.params, "params"),
        meta: requestMeta(req),
        req,
        res,
      };
      const result = await route.handler(input);
      if (route.success.events || res.headersSent) return;
      if (result === undefined) {
        res.status(route.success.status).end();
        return;
      }
      sendJson(res, route.success.status, result);
    };
    router[route.method](route.path, handle);
    if (staticRoutes && !route.path.includes(":")) {
      const method = route.method.toUpperCase();
      const byPath = staticRoutes.get(method) ?? new Map<string, RequestHandler>();
      staticRoutes.set(method, byPath.set(route.path, handle));
    }
  }
}
