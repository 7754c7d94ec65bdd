// Mounts the portal's tRPC router on Express: the body size capped like the REST
// API's, 5xx logged loudly and 4xx quietly. The everyday queries and mutations are answered by
// the fast path (fastPath.ts); everything else, and whatever it is unsure of, by tRPC's own
// resolveResponse.
import { once } from "node:events";
import type { TRPCError } from "@trpc/server";
import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";
import { resolveResponse } from "@trpc/server/http";
import type { Request, Response } from "express";
import type { AppContext } from "../context.ts";
import type { MountedHandler } from "../http/app.ts";
import { portalContextFactory } from "./context.ts";
import { toAppError } from "./errorMap.ts";
import { createFastPath } from "./fastPath.ts";
import { appRouter } from "./router.ts";

/** Reads Express-style sizes ("1mb", "512kb", "1000"). */
function byteSize(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!match) return 1024 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase() as "b"];
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Sends tRPC's answer on the Express response. An answer that is not a stream goes out in one
 * write with its length: tRPC's own adapter pipes every body through a web stream into chunked
 * writes, which cost a bare query about half its throughput here (`pnpm bench` shows a bare tRPC
 * query beside ours). Streams (subscriptions: the portal's chat; JSON lines) are written as they come.
 */
async function send(response: globalThis.Response, res: Response, signal: AbortSignal): Promise<void> {
  if (res.statusCode === 200) res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.append("Set-Cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // tRPC's JSON lines (a client asking for `trpc-accept: application/jsonl`) come chunked.
  const streamed =
    response.headers.get("content-type")?.startsWith("text/event-stream") || response.headers.has("transfer-encoding");
  if (!streamed) {
    const body = Buffer.from(await response.arrayBuffer());
    res.setHeader("Content-Length", body.length);
    res.end(body);
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await once(res, "drain", { signal }).catch(() => undefined);
    }
  } finally {
    signal.removeEventListener("abort", stop);
    res.end();
  }
}

export interface TrpcHandlerOptions {
  /**
   * Answer the common queries and mutations without tRPC's fetch-style HTTP layer (fastPath.ts);
   * on by default. Off, every request goes through resolveResponse (the tests compare the two).
   */
  fastPath?: boolean;
}

export function createTrpcHandler(app: AppContext, options: TrpcHandlerOptions = {}): MountedHandler {
  const createContext = portalContextFactory(app);
  const maxBodySize = byteSize(app.config.bodyLimit);
  const onError = ({ error, path, type }: { error: TRPCError; path: string | undefined; type: string }) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      app.logger.error({ err: error.cause ?? error, path, type }, "portal procedure failed");
    } else {
      app.logger.debug({ code: appError.code, path, type }, "portal procedure refused");
    }
  };
  // tRPC turns every procedure's failure into an answer; this is a failure around it.
  const crashed = (error: unknown, res: Response) => {
    app.logger.error({ err: error }, "portal request failed");
    if (!res.headersSent)
      res.status(500).json({ error: "internal_error", message: "Something went wrong on our side" });
    else res.end();
  };
  const fastPath =
    options.fastPath === false ? undefined : createFastPath({ router: appRouter, createContext, onError, maxBodySize });
  const serve = async (req: Request, res: Response) => {
    try {
      // The procedure's path is the last segment (/trpc/keys.list); a batch names several.
      const path = req.path.slice(req.path.lastIndexOf("/") + 1);
      const request = incomingMessageToRequest(req, res, { maxBodySize });
      const response = await resolveResponse({
        router: appRouter,
        req: request,
        path,
        error: null,
        createContext: () => Promise.resolve(createContext(req, res)),
        onError,
      });
      await send(response, res, request.signal);
    } catch (error) {
      crashed(error, res);
    }
  };
  // One function rather than a router of three layers. The answers are not to be cached: the front
  // middleware (http/app.ts) sets Cache-Control: no-store on everything below /trpc.
  return (req, res) => {
    const answering = fastPath?.(req, res);
    if (answering) answering.catch((error: unknown) => crashed(error, res));
    else void serve(req, res);
  };
}
