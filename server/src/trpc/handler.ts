// Mounts the portal's tRPC router on Express: cookies parsed, the body size capped like the REST
// API's, 5xx logged loudly and 4xx quietly.
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import cookieParser from "cookie-parser";
import { type RequestHandler, Router } from "express";
import type { AppContext } from "../context.ts";
import { portalContextFactory } from "./context.ts";
import { toAppError } from "./errorMap.ts";
import { appRouter } from "./router.ts";

/** Reads Express-style sizes ("1mb", "512kb", "1000"). */
function byteSize(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!match) return 1024 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase() as "b"];
  return Math.floor(Number(match[1]) * unit);
}

export function createTrpcHandler(app: AppContext): RequestHandler {
  const handler = Router();
  handler.use((_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });
  handler.use(cookieParser());
  handler.use(
    createExpressMiddleware({
      router: appRouter,
      createContext: portalContextFactory(app),
      maxBodySize: byteSize(app.config.bodyLimit),
      onError({ error, path, type }) {
        const appError = toAppError(error);
        if (appError.status >= 500) {
          app.logger.error({ err: error.cause ?? error, path, type }, "portal procedure failed");
        } else {
          app.logger.debug({ code: appError.code, path, type }, "portal procedure refused");
        }
      },
    }),
  );
  return handler;
}
