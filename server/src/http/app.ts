// The Express application: security headers, JSON parsing, the declared REST routes, the
// OpenAPI document, the portal's static files, and the one error handler.
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import helmet from "helmet";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { refusalFor } from "../lib/databaseWatch.ts";
import { errorHandler } from "./errorHandler.ts";
import { assertJsonDepth } from "./jsonDepth.ts";
import { mountRoutes, type StaticRoutes } from "./mount.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { checkResponses } from "./responseCheck.ts";
import type { AnyRoute } from "./route.ts";
import { routes as allRoutes } from "./routes/index.ts";

export interface AppExtras {
  /** Extra middleware mounted before the REST routes (the portal's tRPC endpoint). */
  beforeRoutes?: { path: string; handler: RequestHandler }[];
  routes?: AnyRoute[];
}

/** Logs the request once its answer is sent: method, path, status, time, and who called. */
function logRequest(ctx: AppContext, req: Request, res: Response): void {
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const principal = res.locals.principal as { keyPrefix: string | null; user: { id: string } } | undefined;
    ctx.logger.info(
      {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        user: principal?.user.id,
        key: principal?.keyPrefix ?? undefined,
      },
      "request",
    );
  });
}

/**
 * Helmet's headers, worked out once: with this configuration (no CSP nonces) they are the same for
 * every request, so each response gets them set from a list instead of through helmet's eleven
 * middleware functions. HSTS and upgrade-insecure-requests belong to whoever terminates TLS; set
 * here they would break the embedded mode on plain http over a LAN address.
 */
function securityHeaders(): [string, string | number | readonly string[]][] {
  const headers = new Map<string, string | number | readonly string[]>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  helmet({
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: false,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return [...headers];
}

/**
 * What every request goes through first, as one middleware rather than four (each layer Express
 * walks costs a few microseconds, a noticeable share of a cheap request): the security headers,
 * the request log line, and for /api: no caching, the refusal while the database file is away
 * (before reading a body; the health check reports the state itself, the portal's door refuses
 * in its own envelope), and the JSON body. The API speaks JSON only, so a body is read as JSON
 * whatever Content-Type says (the reference's `curl -d '{"refresh_token": …}'` sends none).
 */
function front(ctx: AppContext, staticRoutes: StaticRoutes): RequestHandler {
  const headers = securityHeaders();
  const parseJson = express.json({
    limit: ctx.config.bodyLimit,
    type: () => true,
    strict: false,
    verify: (_req, _res, bytes) => assertJsonDepth(bytes),
  });
  return (req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    logRequest(ctx, req, res);
    // Matched as Express matches a mount path: /api itself or below it, in any case.
    const path = req.path;
    const api = (path.length === 4 || path[4] === "/") && path.slice(0, 4).toLowerCase() === "/api";
    if (!api) return next();
    res.setHeader("Cache-Control", "no-store");
    const below = path.slice(4).toLowerCase();
    if (below !== "/health" && below !== "/openapi.json") {
      const refusal = refusalFor(ctx.database.state, req.method !== "GET" && req.method !== "HEAD");
      if (refusal) return next(refusal);
    }
    parseJson(req, res, (error?: unknown) => {
      if (error) return next(error);
      // A parameterless route, by its exact path: answered here, without walking the route list.
      const handle = staticRoutes.get(`${req.method} ${path}`);
      if (!handle) return next();
      req.params = {};
      // As Express does for a route's handler: a rejected answer goes to the error handler.
      Promise.resolve(handle(req, res, next)).catch(next);
    });
  };
}

export function createApp(ctx: AppContext, extras: AppExtras = {}): Express {
  const app = express();
  const routes = extras.routes ?? allRoutes;
  app.disable("x-powered-by");
  app.set("etag", false);
  if (ctx.config.trustProxy !== undefined) app.set("trust proxy", ctx.config.trustProxy);
  // The response check (tests) wraps the answer first, so that even a refusal of the body is checked.
  if (ctx.config.checkResponses) app.use(checkResponses(ctx.logger));
  const staticRoutes: StaticRoutes = new Map();
  app.use(front(ctx, staticRoutes));
  for (const extra of extras.beforeRoutes ?? []) app.use(extra.path, extra.handler);

  // Built on first request: it costs about 170 ms, which no start should pay for nothing.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/api/openapi.json", (_req, res) => {
    document ??= buildOpenApiDocument(routes);
    res.json(document);
  });
  mountRoutes(app, ctx, routes, staticRoutes);
  app.use("/api", (req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}`)));

  const webDist = ctx.config.webDist;
  if (existsSync(path.join(webDist, "index.html"))) {
    app.use(express.static(webDist, { index: false, maxAge: "1h" }));
    // Client-side routes (/settings/api-keys, …) all load the portal.
    app.get(/^(?!\/api\/).*/, (_req, res) => {
      res.set("Cache-Control", "no-cache");
      res.sendFile(path.join(webDist, "index.html"));
    });
  }
  app.use((req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}`)));
  app.use(errorHandler(ctx.logger));
  return app;
}
