// The portal's everyday tRPC calls, answered straight from Node's request and response instead of
// through tRPC's fetch-style HTTP layer (incomingMessageToRequest → resolveResponse → a web
// Response), which alone held a bare tRPC query to about 0.40 of a bare Express route and
// `GET /trpc/me` to 0.36 in `pnpm bench`. The procedures themselves run with the same middleware,
// context and error formatter (as plain calls of their chain, plainCall.ts, or for a chain it does
// not know through tRPC's `callTRPCProcedure`), and the answer is the one resolveResponse gives:
// same status, same body, same headers (test/trpcFastPath.test.ts compares the two).
//
// Measured on a 2-CPU machine: answering here took `GET /trpc/me` from 0.36 to 0.60–0.65 of the
// floor, the server's CPU per request from about 640 to 330 µs. Then the chains as plain calls, the
// cookies kept off Express's request object (context.ts), the door dispatched by the front
// middleware and a few copies less took it from about 217 to 163 µs in one run (the REST route
// with the same JWT: 153 µs), and from 0.60 to 0.86–0.93 of the floor in `pnpm bench`.
//
// Handled here, as @trpc/client 11's httpLink and httpBatchLink send them:
// - GET queries, single (`/trpc/me`, `?input=` JSON or none) or batched
//   (`/trpc/a,b?batch=1&input={"0":…,"1":…}`);
// - POST mutations, single or batched, with Content-Type application/json. The body is read
//   (up to maxBodySize) before the procedures run; a body too large, not JSON or, for a batch,
//   not an object fails each procedure's `getRawInput` with the TRPCError tRPC's reader throws,
//   so the procedures decide what comes of it exactly as they do behind resolveResponse.
// Left to resolveResponse (the caller falls back, nothing of the request consumed): any other
// method; subscriptions (the chat stream) and every call whose procedure type does not match the
// method (METHOD_NOT_SUPPORTED) or that names no procedure (NOT_FOUND); other content types (and
// a POST without one: 415); streaming (`trpc-accept`, `accept: application/jsonl`); a
// `connectionParams` parameter; a query string or path this parser might read differently from
// URLSearchParams and decodeURIComponent (escapes that do not decode, `#`, bytes outside
// printable ASCII); a GET input that is not JSON, or a batch's that is not an object; a Host
// header that makes no URL (tRPC's adapter answers that with a 500); a context that cannot be made.
//
// Queries and mutations get no abort signal (none of ours reads one; the one procedure that does,
// chat.run, is a subscription and goes through tRPC).
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  callTRPCProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  TRPCError,
  type TRPCProcedureType,
  transformTRPCResponse,
} from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";
import type { TRPCResponse } from "@trpc/server/rpc";
import { defaultTransformer } from "@trpc/server/unstable-core-do-not-import";
import type { Request, Response } from "express";
import { type PlainCall, plainCall } from "./plainCall.ts";

type CallType = "query" | "mutation";

export interface FastPathOptions<TContext> {
  router: AnyTRPCRouter;
  /** The context of one HTTP request; thrown, the request goes to tRPC instead. */
  createContext(req: Request, res: Response): TContext;
  /** As resolveResponse's: each failed call, and a failure of the whole answer (no path). */
  onError(failure: { error: TRPCError; path: string | undefined; type: TRPCProcedureType | "unknown" }): void;
  /** The most bytes a POST body may have, as tRPC's adapter's maxBodySize. */
  maxBodySize: number;
}

/**
 * Returns the answering of `req` (which may reject only as resolveResponse would: a failure around
 * the procedures), or undefined when this request is left to tRPC untouched.
 */
export type FastPath = (req: Request, res: Response) => Promise<void> | undefined;

/** What `getRawInput` gives each call of one request: tRPC reads a request's input once for all. */
interface Inputs {
  values: readonly unknown[];
  /** Reading the input failed (a POST body): every call's getRawInput rejects with this. */
  error: TRPCError | undefined;
  /** Whether it was read: tRPC reports the input with an error only once it was. */
  read: boolean;
}

/** A call that failed, beside the data of those that did not. */
class Failure {
  constructor(readonly error: TRPCError) {}
}

/** The query string characters read here: printable ASCII but `#` (a URL would end there). */
const PLAIN_QUERY = /^[\x21\x22\x24-\x7e]*$/;
const NO_VALUES: readonly unknown[] = [];
const STREAM_REFUSED = "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink";
const utf8 = new TextDecoder();

/** One query parameter's name or value as URLSearchParams decodes it; undefined if unsure. */
function decodeParam(raw: string): string | undefined {
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return undefined; // URLSearchParams would keep a broken escape as text: tRPC's to answer
  }
}

/**
 * `batch` and `input` as `URLSearchParams.get` reads them (the first of each), or undefined when
 * the query holds something tRPC reads itself (connectionParams) or that is not plain.
 */
function readQuery(query: string): { batch: boolean; input: string | undefined } | undefined {
  if (!PLAIN_QUERY.test(query)) return undefined;
  let batch: string | undefined;
  let input: string | undefined;
  for (let start = 0; start < query.length; ) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    const equals = query.indexOf("=", start);
    const nameEnd = equals === -1 || equals > end ? end : equals;
    const name = decodeParam(query.slice(start, nameEnd));
    if (name === undefined || name === "connectionParams") return undefined;
    if (name === "batch" || name === "input") {
      const value = nameEnd === end ? "" : decodeParam(query.slice(nameEnd + 1, end));
      if (value === undefined) return undefined;
      if (name === "batch") batch ??= value;
      else input ??= value;
    }
    start = end + 1;
  }
  return { batch: batch === "1", input };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && !Array.isArray(value) && typeof value === "object";
}

function isAsyncIterable(value: unknown): boolean {
  return isObject(value) && Symbol.asyncIterator in value;
}

function isPromiseLike(value: unknown): boolean {
  return (
    (isObject(value) || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function" &&
    typeof (value as { catch?: unknown }).catch === "function"
  );
}

/** resolveResponse refuses data it could only stream (a promise or iterable inside). */
function isStreamLike(data: unknown): boolean {
  if (!isObject(data)) return false;
  if (isAsyncIterable(data)) return true;
  const values = Object.values(data);
  return values.some(isPromiseLike) || values.some(isAsyncIterable);
}

/** A POST body, up to `limit` bytes: null past it, undefined when the client went away. */
function readBody(req: Request, limit: number): Promise<Buffer | null | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Buffer | null | undefined) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onGone);
      req.off("error", onGone);
      resolve(body);
    };
    // Past the limit, as tRPC's adapter does: stop listening; the rest flows by unread.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(null);
      else chunks.push(chunk);
    };
    const onEnd = () => finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    const onGone = () => finish(undefined);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onGone);
    req.on("error", onGone);
  });
}

export function createFastPath<TContext>(options: FastPathOptions<TContext>): FastPath {
  const { router, createContext, onError, maxBodySize } = options;
  const config = router._def._config;
  const types = new Map<string, TRPCProcedureType>();
  // The procedures whose chain runs as plain calls (plainCall.ts); the others through tRPC's.
  const plainCalls = new Map<string, PlainCall>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>)) {
    types.set(path, procedure._def.type);
    const call = plainCall(procedure);
    if (call) plainCalls.set(path, call);
  }
  // Without a transformer of its own, transformTRPCResponse would only copy each item around the
  // same data (its serialize is the identity): the same JSON, a few objects later.
  const serializes = config.transformer !== defaultTransformer;
  // The last Host header seen to make a URL, as tRPC's adapter builds one from it.
  let plainHost: string | undefined;

  /** Each call's input out of a parsed JSON input; undefined for a batch's that is not an object. */
  function spread(parsed: unknown, batch: boolean, count: number): unknown[] | undefined {
    if (!batch) return [config.transformer.input.deserialize(parsed)];
    if (!isObject(parsed)) return undefined;
    const values = new Array<unknown>(count);
    for (let index = 0; index < count; index++) {
      const value = parsed[index];
      if (value !== undefined) values[index] = config.transformer.input.deserialize(value);
    }
    return values;
  }

  /** A POST body's inputs, or the error tRPC's reader fails with (its `memo` turns a parse error into BAD_REQUEST). */
  function bodyInputs(body: Buffer | null, batch: boolean, count: number): Inputs {
    if (body === null) return { values: NO_VALUES, error: new TRPCError({ code: "PAYLOAD_TOO_LARGE" }), read: false };
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body)); // as Request.json(): UTF-8, a leading BOM dropped
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : "Invalid input";
      return { values: NO_VALUES, error: new TRPCError({ code: "BAD_REQUEST", message, cause }), read: false };
    }
    const values = spread(parsed, batch, count);
    if (values) return { values, error: undefined, read: false };
    const message = '"input" needs to be an object when doing a batch call';
    return { values: NO_VALUES, error: new TRPCError({ code: "BAD_REQUEST", message }), read: false };
  }

  function readInput(inputs: Inputs, index: number): Promise<unknown> {
    if (inputs.error) return Promise.reject(inputs.error);
    inputs.read = true;
    return Promise.resolve(inputs.values[index]);
  }

  /** One procedure, as resolveResponse calls it: its data, or its error (reported). */
  async function invoke(ctx: TContext, inputs: Inputs, path: string, index: number, type: CallType) {
    try {
      const getRawInput = () => readInput(inputs, index);
      const plain = plainCalls.get(path);
      if (plain) return await plain(ctx as object, type, path, getRawInput);
      return await callTRPCProcedure({ router, path, ctx, type, batchIndex: index, signal: undefined, getRawInput });
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      onError({ error, path, type });
      return new Failure(error);
    }
  }

  function errorItem(ctx: TContext, error: TRPCError, path: string | undefined, input: unknown, type: CallType) {
    return { error: getErrorShape({ config, ctx, error, input, path, type }) } as TRPCResponse;
  }

  function write(res: Response, json: TRPCResponse | TRPCResponse[]): void {
    const body = JSON.stringify(serializes ? transformTRPCResponse(config, json) : json);
    // One answer with data is a 200 (getHTTPStatusCode works that out through an array and a Set).
    const status = Array.isArray(json) || "error" in json ? getHTTPStatusCode(json) : 200;
    if (res.statusCode === 200 && status !== 200) res.statusCode = status;
    res.setHeader("content-type", "application/json");
    res.setHeader("vary", "trpc-accept, accept");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  }

  async function answer(
    req: Request,
    res: Response,
    ctx: TContext,
    type: CallType,
    paths: string[],
    batch: boolean,
    query: Inputs | undefined,
  ): Promise<void> {
    let inputs = query;
    if (!inputs) {
      const body = await readBody(req, maxBodySize);
      if (body === undefined) return; // nobody is left to answer
      inputs = bodyInputs(body, batch, paths.length);
    }
    try {
      if (!batch) {
        const path = paths[0] as string;
        const outcome = await invoke(ctx, inputs, path, 0, type);
        if (outcome instanceof Failure) {
          const input = inputs.read ? inputs.values[0] : undefined;
          return write(res, errorItem(ctx, outcome.error, path, input, type));
        }
        if (isStreamLike(outcome)) throw new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: STREAM_REFUSED });
        return write(res, { result: { data: outcome } } as TRPCResponse);
      }
      const known = inputs;
      const outcomes = await Promise.all(paths.map((path, index) => invoke(ctx, known, path, index, type)));
      const items = outcomes.map((outcome, index) => {
        const path = paths[index];
        const input = known.read ? known.values[index] : undefined;
        if (outcome instanceof Failure) return errorItem(ctx, outcome.error, path, input, type);
        if (!isStreamLike(outcome)) return { result: { data: outcome } } as TRPCResponse;
        const error = new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: STREAM_REFUSED });
        return errorItem(ctx, error, path, input, type);
      });
      write(res, items);
    } catch (cause) {
      // A failure of the answer as a whole (data it cannot send, JSON that will not serialise):
      // reported and answered without a path, as resolveResponse does.
      const error = getTRPCErrorFromUnknown(cause);
      onError({ error, path: undefined, type });
      write(res, errorItem(ctx, error, undefined, undefined, type));
    }
  }

  return (req, res) => {
    const method = req.method;
    const type: CallType | undefined = method === "GET" ? "query" : method === "POST" ? "mutation" : undefined;
    if (type === undefined) return undefined;
    const headers = req.headers;
    const contentType = headers["content-type"];
    const json = contentType?.startsWith("application/json") ?? type === "query";
    if (!json) return undefined;
    if (headers["trpc-accept"] !== undefined || headers.accept?.includes("application/jsonl")) return undefined;
    if (headers.host !== plainHost) {
      try {
        new URL(`http://${headers.host ?? "localhost"}`);
      } catch {
        return undefined;
      }
      plainHost = headers.host;
    }

    // The URL below the mount: /me, /keys.list,me?batch=1&input=…
    const url = req.url;
    if (url.charCodeAt(0) !== 47 /* / */) return undefined;
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url.slice(1) : url.slice(1, queryStart);
    const query = queryStart === -1 ? undefined : readQuery(url.slice(queryStart + 1));
    if (queryStart !== -1 && query === undefined) return undefined;
    const batch = query?.batch ?? false;
    const paths = batch ? path.split(",") : [path];
    for (const name of paths) if (types.get(name) !== type) return undefined;

    let inputs: Inputs | undefined;
    if (type === "query") {
      const raw = query?.input;
      let values = NO_VALUES;
      if (raw) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          return undefined;
        }
        const spreadValues = spread(parsed, batch, paths.length);
        if (!spreadValues) return undefined;
        values = spreadValues;
      }
      inputs = { values, error: undefined, read: false };
    }
    let ctx: TContext;
    try {
      ctx = createContext(req, res);
    } catch {
      return undefined;
    }
    return answer(req, res, ctx, type, paths, batch, inputs);
  };
}
