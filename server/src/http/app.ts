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
import { type RequestLine, requestLogger } from "../logger.ts";
import { errorHandler } from "./errorHandler.ts";
import { assertJsonDepth } from "./jsonDepth.ts";
import { mountRoutes, type StaticRoutes } from "./mount.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { checkResponses } from "./responseCheck.ts";
import type { AnyRoute } from "./route.ts";
import { routes as allRoutes } from "./routes/index.ts";

/** A handler that answers every request below its path itself: it never passes one on (`next`). */
export type MountedHandler = (req: Request, res: Response) => void;

export interface AppExtras {
  /** Handlers mounted before the REST routes, each on its path (the portal's tRPC endpoint). */
  beforeRoutes?: { path: string; handler: MountedHandler }[];
  routes?: AnyRoute[];
}

/** Logs the request once its answer is sent: method, path, status, time, and who called. */
function logRequest(log: (line: RequestLine) => void, req: Request, res: Response): void {
  const started = performance.now();
  res.on("finish", () => {
    const principal = res.locals.principal as { keyPrefix: string | null; user: { id: string } } | undefined;
    log({
      method: req.method,
      path: req.path,
      status: res.statusCode,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      user: principal?.user.id,
      key: principal?.keyPrefix ?? undefined,
    });
  });
}

type HeaderList = [string, string | number | readonly string[]][];

/**
 * The portal's pages and files: helmet's headers, worked out once. With this configuration (no CSP
 * nonces) they are the same for every request, so each response gets them set from a list instead
 * of through helmet's eleven middleware functions. HSTS and upgrade-insecure-requests belong to
 * whoever terminates TLS; set here they would break the embedded mode on plain http over a LAN
 * address.
 */
function pageHeaders(): HeaderList {
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
 * The API's answers (REST under /api, the portal's tRPC under /trpc) are JSON or an event stream,
 * never a page: they get the headers that matter for such an answer (OWASP's REST Security Cheat
 * Sheet), stricter than a page's. Nothing may load from or frame it, browsers may not guess
 * another type, other sites may not read it, and nothing caches it. Half as many headers as a
 * page's set, which every cheap request pays to write.
 */
const API_HEADERS: HeaderList = [
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Referrer-Policy", "no-referrer"],
  ["Cache-Control", "no-store"],
];

/** Whether `path` is `prefix` itself or below it, in any case (as Express matches a mount path). */
function under(path: string, prefix: string): boolean {
  const length = prefix.length;
  return (path.length === length || path[length] === "/") && path.slice(0, length).toLowerCase() === prefix;
}

/**
 * What every request goes through first, as one middleware rather than four (each layer Express
 * walks costs a few microseconds, a noticeable share of a cheap request): the security headers,
 * the request log line, and for /api: the refusal while the database file is away (before reading
 * a body; the health check reports the state itself, the portal's door refuses in its own
 * envelope), and the JSON body. The API speaks JSON only, so a body is read as JSON whatever
 * Content-Type says (the reference's `curl -d '{"refresh_token": …}'` sends none).
 */
function front(ctx: AppContext, staticRoutes: StaticRoutes, mounted: AppExtras["beforeRoutes"] = []): RequestHandler {
  const forPages = pageHeaders();
  const doors = mounted.map(({ path, handler }) => ({ path: path.toLowerCase(), handler }));
  const log = requestLogger(ctx.logger);
  const parseJson = express.json({
    limit: ctx.config.bodyLimit,
    type: () => true,
    strict: false,
    verify: (_req, _res, bytes) => assertJsonDepth(bytes),
  });
  return (req, res, next) => {
    logRequest(log, req, res);
    const path = req.path;
    const api = under(path, "/api");
    const headers = api || under(path, "/trpc") ? API_HEADERS : forPages;
    for (const [name, value] of headers) res.setHeader(name, value);
    if (!api) {
      // A handler mounted before the routes gets its requests from here rather than through one
      // more layer of Express's router (a few microseconds a request), with the URL as that layer
      // would hand it over: below the mount path in req.url, the mount in req.baseUrl. A URL in
      // absolute form (`GET http://host/trpc/me`) is left to the router.
      if (req.url.charCodeAt(0) === 47 /* / */) {
        for (const door of doors) {
          if (!under(path, door.path)) continue;
          const { url, baseUrl = "" } = req;
          const removed = path.slice(0, door.path.length);
          const below = url.slice(removed.length);
          req.url = below.charCodeAt(0) === 47 ? below : `/${below}`;
          req.baseUrl = baseUrl + removed;
          try {
            return door.handler(req, res);
          } catch (error) {
            // As the router does when a handler throws: the URL as it came, on to the error handler.
            req.url = url;
            req.baseUrl = baseUrl;
            return next(error);
          }
        }
      }
      return next();
    }
    const below = path.slice(4).toLowerCase();
    if (below !== "/health" && below !== "/openapi.json") {
      const refusal = refusalFor(ctx.database.state, req.method !== "GET" && req.method !== "HEAD");
      if (refusal) return next(refusal);
    }
    const route = (error?: unknown) => {
      if (error) return next(error);
      // A parameterless route, by its exact path: answered here, without walking the route list.
      const handle = staticRoutes.get(req.method)?.get(path);
      if (!handle) return next();
      req.params = {};
      // As Express does for a route's handler: a rejected answer goes to the error handler.
      Promise.resolve(handle(req, res, next)).catch(next);
    };
    // A request without a body (neither a length nor chunks: most GETs) has nothing to read.
    if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) route();
    else parseJson(req, res, route);
  };
}

export function createApp(ctx: AppContext, extras: AppExtras = {}): Express {
  const app = express();
  const routes = extras.routes ?? allRoutes;
  app.disable("x-powered-by");
  app.set("etag", false);
  if (ctx.config.trustProxy !== undefined) app.set("trust proxy", ctx.config.trustProxy);
  else {
    // Trusting no proxy, Express's req.ip is the socket's address, found by parsing any
    // X-Forwarded-For and then discarding it: read directly instead (keys' last-use address).
    Object.defineProperty(app.request, "ip", {
      configurable: true,
      get(this: Request) {
        return this.socket.remoteAddress;
      },
    });
  }
  // The response check (tests) wraps the answer first, so that even a refusal of the body is checked.
  if (ctx.config.checkResponses) app.use(checkResponses(ctx.logger));
  const staticRoutes: StaticRoutes = new Map();
  app.use(front(ctx, staticRoutes, extras.beforeRoutes));
  // Mounted here as well, for the requests front() leaves to the router.
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
