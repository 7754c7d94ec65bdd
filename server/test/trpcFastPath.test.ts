// The tRPC door's fast path (src/trpc/fastPath.ts) against tRPC's own resolveResponse: every
// request of a corpus goes to the real server (fast path on) and to a second door over the same
// application context with the fast path off, and the two answers must be the same: status, body,
// headers, and what the door logged. The requests are the shapes @trpc/client sends (httpLink,
// httpBatchLink, httpSubscriptionLink) and the ones it never sends, which must reach tRPC.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { defaultTransformer } from "@trpc/server/unstable-core-do-not-import";
import express from "express";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../src/http/app.ts";
import { createLogger } from "../src/logger.ts";
import { portalContextFactory } from "../src/trpc/context.ts";
import { TRPC_PATH } from "../src/trpc/cookies.ts";
import { createFastPath } from "../src/trpc/fastPath.ts";
import { createTrpcHandler } from "../src/trpc/handler.ts";
import { appRouter } from "../src/trpc/router.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

interface Door {
  name: "fast" | "tRPC";
  url: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: unknown;
  /** What the door logged about the request's procedures. */
  logs: unknown[];
}

type Session = "admin" | "user" | "none" | "own";

interface Case {
  name: string;
  method?: string;
  /** Below /trpc, as sent: `/me?input=…`. */
  path: string;
  session?: Session;
  /** Extra headers; a function gets the door's own origin. */
  headers?: Record<string, string> | ((origin: string) => Record<string, string>);
  /** POST bodies; mutations get `content-type: application/json` and the CSRF header unless told otherwise. */
  body?: string | Buffer;
  contentType?: string | null;
  csrf?: boolean;
  /** Not for the fast path: tRPC's resolveResponse answers it. */
  leftToTrpc?: boolean;
}

const BODY_LIMIT = 16 * 1024;
const USER = { email: "fast-path-user@example.com", password: "fast-path-user-1" };
const THROTTLED = { email: "fast-path-throttled@example.com", password: "fast-path-throttled-1" };
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

let server: TestServer;
let tRPCServer: http.Server;
let fast: Door;
let slow: Door;
const logLines: Record<string, unknown>[] = [];
const browsers = new Map<string, PortalBrowser>();
let keyId: string;

function takeLogs(): unknown[] {
  const taken = logLines
    .splice(0)
    .filter((line) => typeof line.msg === "string" && /^portal (procedure|request)/.test(line.msg))
    .map(({ level, msg, code, path, type }) => ({ level, msg, code, path, type }));
  return taken;
}

function send(door: Door, request: Case): Promise<Answer> {
  const session = request.session ?? "admin";
  const method = request.method ?? (request.body === undefined ? "GET" : "POST");
  const origin = door.url;
  const headers: Record<string, string> = {};
  if (method === "POST") {
    if (request.contentType !== null) headers["content-type"] = request.contentType ?? "application/json";
    if (request.csrf !== false) headers["x-fim-csrf"] = "1";
  }
  const browser = session === "own" ? browsers.get(`own-${door.name}`) : browsers.get(session);
  const cookie = browser?.cookieHeader(`${door.url}${TRPC_PATH}${request.path.split("?")[0]}`);
  if (cookie) headers.cookie = cookie;
  Object.assign(headers, typeof request.headers === "function" ? request.headers(origin) : request.headers);
  const url = new URL(door.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: url.hostname, port: url.port, method, path: `${TRPC_PATH}${request.path}`, headers, agent: false },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text,
            body: parsed(text),
            logs: takeLogs(),
          });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(typeof request.body === "string" ? request.body.replaceAll("{keyId}", keyId) : request.body);
  });
}

/** JSON; tRPC's JSON lines as the list of their values; anything else (an event stream, nothing) as text. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return text
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as unknown);
    } catch {
      return text;
    }
  }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/** Seconds counted from now: two requests a moment apart may see them a second apart. */
const SECONDS = new Set(["access_expires_in", "expires_in", "retryAfter"]);

/** Equal, but for times read off the clock a moment apart (a few seconds at most). */
function alike(a: unknown, b: unknown, key = ""): boolean {
  if (typeof a === "string" && typeof b === "string" && ISO_TIME.test(a) && ISO_TIME.test(b)) {
    return Math.abs(Date.parse(a) - Date.parse(b)) <= 5_000;
  }
  if (typeof a === "number" && typeof b === "number" && SECONDS.has(key)) return Math.abs(a - b) <= 2;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => alike(item, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keysA = Object.keys(a).sort();
    const keysB = Object.keys(b).sort();
    return (
      alike(keysA, keysB) &&
      keysA.every((name) => alike((a as Record<string, unknown>)[name], (b as Record<string, unknown>)[name], name))
    );
  }
  return Object.is(a, b);
}

/** Set-Cookie lines without their secrets and dates: which cookies, set or cleared, and how. */
function cookieShape(lines: string[] | undefined): string[] {
  return (lines ?? []).map((line) => {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const [name, ...value] = pair.split("=");
    const kept = attributes.map((attribute) =>
      /^expires=/i.test(attribute) && !/1970/.test(attribute) ? "Expires=<date>" : attribute,
    );
    return [`${name}=${value.join("=") === "" ? "" : "<value>"}`, ...kept].join("; ");
  });
}

/** The headers that must match exactly: all but the date, the length (checked against the body) and the two above. */
function plainHeaders(headers: http.IncomingHttpHeaders): Record<string, unknown> {
  const { date, "content-length": _length, "set-cookie": _cookies, "retry-after": _retry, ...rest } = headers;
  return rest;
}

function expectSame(fastAnswer: Answer, tRPCAnswer: Answer): void {
  expect(fastAnswer.status).toBe(tRPCAnswer.status);
  if (!alike(fastAnswer.body, tRPCAnswer.body)) expect(fastAnswer.body).toEqual(tRPCAnswer.body);
  expect(plainHeaders(fastAnswer.headers)).toEqual(plainHeaders(tRPCAnswer.headers));
  expect(cookieShape(fastAnswer.headers["set-cookie"])).toEqual(cookieShape(tRPCAnswer.headers["set-cookie"]));
  const retryAfter = [fastAnswer, tRPCAnswer].map((answer) => answer.headers["retry-after"]);
  expect(retryAfter[0] === undefined).toBe(retryAfter[1] === undefined);
  if (retryAfter[0] !== undefined)
    expect(Math.abs(Number(retryAfter[0]) - Number(retryAfter[1]))).toBeLessThanOrEqual(2);
  for (const answer of [fastAnswer, tRPCAnswer]) {
    const length = answer.headers["content-length"];
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(answer.text));
  }
  // The calls of a batch run concurrently: which of them logs first is not part of the answer.
  const inAnyOrder = (logs: Answer["logs"]) => logs.map((line) => JSON.stringify(line)).sort();
  expect(inAnyOrder(fastAnswer.logs)).toEqual(inAnyOrder(tRPCAnswer.logs));
}

/** The case through both doors, the fast one first; returns the fast door's answer. */
async function compare(request: Case): Promise<Answer> {
  const fastAnswer = await send(fast, request);
  const tRPCAnswer = await send(slow, request);
  expectSame(fastAnswer, tRPCAnswer);
  return fastAnswer;
}

async function login(door: Door, who: { email: string; password: string }): Promise<PortalBrowser> {
  const browser = new PortalBrowser(door.url);
  await browser.login(who.email, who.password);
  return browser;
}

beforeAll(async () => {
  const sink = {
    write(line: string) {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  server = await startTestServer(
    { BODY_LIMIT: `${BODY_LIMIT}b`, LOGIN_MAX_FAILURES_PER_ACCOUNT: "3" },
    { logger: createLogger("debug", sink) },
  );
  // tRPC's own door on the same application: same database, clock, limits and logger.
  const app = createApp(server.ctx, {
    beforeRoutes: [{ path: TRPC_PATH, handler: createTrpcHandler(server.ctx, { fastPath: false }) }],
  });
  tRPCServer = http.createServer(app);
  await new Promise<void>((resolve) => tRPCServer.listen(0, "127.0.0.1", resolve));
  fast = { name: "fast", url: server.url };
  slow = { name: "tRPC", url: `http://127.0.0.1:${(tRPCServer.address() as AddressInfo).port}` };

  await server.createUser(USER.email, USER.password);
  await server.createUser(THROTTLED.email, THROTTLED.password);
  browsers.set("admin", await login(fast, ADMIN));
  browsers.set("user", await login(fast, USER));
  browsers.set("none", new PortalBrowser(fast.url));
  const created = await browsers.get("admin")?.mutate("keys.create", { name: "fast path" });
  keyId = created?.data.id;
  takeLogs();
});

afterAll(async () => {
  await new Promise<void>((resolve) => tRPCServer.close(() => resolve()));
  tRPCServer.closeAllConnections();
  await server.close();
});

const leftToTrpc = (requests: Case[]) => requests.map((request) => ({ ...request, leftToTrpc: true }));

const queries: Case[] = [
  { name: "a query without input (httpLink)", path: "/me" },
  { name: "a query as httpBatchLink sends it alone", path: `/me?batch=1&input=${input({})}` },
  { name: "a query with input", path: `/keys.list?input=${input({ limit: 5 })}` },
  { name: "an empty input", path: "/me?input=" },
  { name: "the first of two inputs", path: `/keys.list?input=${input({ limit: 2 })}&input=${input({ limit: "x" })}` },
  {
    name: "input with + for spaces",
    path: `/admin.users?input=${input({ search: "admin example" }).replaceAll("%20", "+")}`,
  },
  { name: "an unknown parameter beside the input", path: `/keys.list?x=1&input=${input({ limit: 1 })}&y` },
  { name: "input that is not valid for the procedure", path: `/keys.list?input=${input({ limit: "many" })}` },
  { name: "a protected query without a session", path: "/me", session: "none" },
  { name: "a cross-site fetch", path: "/me", headers: { "sec-fetch-site": "cross-site" } },
  { name: "a same-origin fetch", path: "/me", headers: (origin) => ({ "sec-fetch-site": "same-origin", origin }) },
  { name: "a foreign Origin", path: "/me", headers: { origin: "https://evil.example" } },
  { name: "an opaque Origin", path: "/me", headers: { origin: "null" } },
  { name: "an admin query by a non-admin", path: `/admin.users?input=${input({})}`, session: "user" },
  { name: "a JSON content type on a GET", path: "/me", headers: { "content-type": "application/json" } },
  { name: "a batch of queries", path: `/me,keys.list?batch=1&input=${input({ 1: { limit: 3 } })}` },
  { name: "a batch without input", path: "/me,keys.policy?batch=1" },
  { name: "a batch with one failure (207)", path: `/me,keys.list?batch=1&input=${input({ 1: { limit: "x" } })}` },
  { name: "a batch that all fails", path: "/me,keys.policy?batch=1", session: "none" },
  { name: "batch=0 names one procedure", path: "/me?batch=0" },
];

const fallbacks: Case[] = leftToTrpc([
  { name: "an unknown procedure", path: "/nope" },
  { name: "an unknown procedure in a batch", path: "/me,nope?batch=1" },
  { name: "a GET of a mutation", path: "/auth.logout" },
  { name: "a POST of a query", path: "/me", body: "" },
  { name: "a batch mixing a query and a mutation", path: "/me,auth.logout?batch=1" },
  { name: "a query input that is not JSON", path: "/keys.list?input=%7Bnope" },
  { name: "a query input that is not JSON, to a procedure without input", path: "/me?input=nope" },
  { name: "a batch input that is not an object", path: `/me?batch=1&input=${input([1])}` },
  { name: "an escape that does not decode", path: "/me?input=%E0%A4%A" },
  { name: "a fragment in the request line", path: `/keys.list?input=${input({ limit: 1 })}#x` },
  { name: "connectionParams", path: `/me?connectionParams=${input({ a: "b" })}` },
  {
    name: "a streaming batch (jsonl)",
    path: "/me,keys.policy?batch=1",
    headers: { "trpc-accept": "application/jsonl" },
  },
  { name: "an Accept of jsonl, unbatched", path: "/me", headers: { accept: "application/jsonl" } },
  { name: "HEAD", method: "HEAD", path: "/me" },
  { name: "OPTIONS", method: "OPTIONS", path: "/me" },
  { name: "no procedure at all", path: "/" },
  { name: "a trailing slash", path: "/me/" },
  { name: "an escaped procedure name", path: "/keys%2Epolicy" },
  { name: "a multipart GET", path: "/me", headers: { "content-type": "multipart/form-data; boundary=x" } },
  { name: "a text/plain GET", path: "/me", headers: { "content-type": "text/plain" } },
  {
    name: "a subscription (httpSubscriptionLink), refused for its input",
    path: `/chat.run?input=${input({ mode: "nope" })}`,
    headers: { accept: "text/event-stream" },
  },
]);

const rename = (name: string) => JSON.stringify({ id: "{keyId}", name });
const mutations: Case[] = [
  { name: "a mutation (httpLink)", path: "/keys.update", body: rename("renamed") },
  { name: "a mutation as httpBatchLink sends it alone", path: "/keys.update?batch=1", body: `{"0":${rename("one")}}` },
  {
    name: "with a charset",
    path: "/keys.update",
    body: rename("utf8"),
    contentType: "application/json; charset=utf-8",
  },
  { name: "with a byte order mark", path: "/keys.update", body: `\ufeff${rename("bom")}` },
  { name: "with a name beyond ASCII", path: "/keys.update", body: rename("clé 🔑") },
  {
    name: "with bytes that are not UTF-8",
    path: "/keys.update",
    body: Buffer.from('{"id":"\xff","name":"x"}', "latin1"),
  },
  {
    name: "an input in the query string (ignored)",
    path: `/keys.update?input=${input({ id: "x" })}`,
    body: rename("q"),
  },
  { name: "without the CSRF header", path: "/keys.update", body: rename("csrf"), csrf: false },
  {
    name: "from a foreign Origin",
    path: "/keys.update",
    body: rename("evil"),
    headers: { origin: "https://evil.example" },
  },
  { name: "from its own Origin", path: "/keys.update", body: rename("own"), headers: (origin) => ({ origin }) },
  { name: "without a session", path: "/keys.update", body: rename("nobody"), session: "none" },
  { name: "invalid input", path: "/keys.update", body: JSON.stringify({ id: 42 }) },
  { name: "an unknown id (not found)", path: "/keys.delete", body: JSON.stringify({ id: "no-such-key" }) },
  {
    name: "an admin mutation by a non-admin",
    path: "/admin.setKeyActive",
    body: JSON.stringify({ id: "x", is_active: false }),
    session: "user",
  },
  { name: "a body that is not JSON", path: "/keys.update", body: "{nope" },
  {
    name: "a body that is not JSON, to a procedure without input",
    path: "/auth.refresh",
    body: "{nope",
    session: "none",
  },
  { name: "no body, to a procedure with input", path: "/keys.update", body: "" },
  { name: "no body, to a procedure without input", path: "/auth.refresh", body: "", session: "none" },
  { name: "null", path: "/keys.update", body: "null" },
  { name: "a body over the limit", path: "/keys.update", body: rename("x".repeat(BODY_LIMIT)) },
  {
    name: "a body over the limit, to a procedure without input",
    path: "/auth.refresh",
    body: "x".repeat(BODY_LIMIT + 10),
    session: "none",
  },
  {
    name: "a body over the limit without the CSRF header",
    path: "/keys.update",
    body: "x".repeat(BODY_LIMIT * 3),
    csrf: false,
  },
  {
    name: "a batch of mutations",
    path: "/keys.update,keys.update?batch=1",
    body: `{"0":${rename("a")},"1":${rename("b")}}`,
  },
  {
    name: "a batch with one failure (207)",
    path: "/keys.update,keys.delete?batch=1",
    body: `{"0":${rename("c")},"1":{"id":"no-such-key"}}`,
  },
  { name: "a batch with an input missing", path: "/keys.update,keys.update?batch=1", body: `{"0":${rename("d")}}` },
  { name: "a batch whose body is not an object", path: "/keys.update,keys.update?batch=1", body: "[1,2]" },
  { name: "a batch whose body is not JSON", path: "/keys.update,auth.refresh?batch=1", body: "{" },
  {
    name: "a batch over the limit",
    path: "/keys.update,keys.update?batch=1",
    body: `{"0":"${"x".repeat(BODY_LIMIT)}"}`,
  },
  { name: "log in", path: "/auth.login", session: "none", body: JSON.stringify(ADMIN) },
  {
    name: "a wrong password",
    path: "/auth.login",
    session: "none",
    body: JSON.stringify({ ...THROTTLED, password: "wrong-pass-1" }),
  },
  // Left to tRPC:
  { name: "no content type (415)", path: "/keys.update", body: rename("none"), contentType: null, leftToTrpc: true },
  {
    name: "text/plain (415)",
    path: "/keys.update",
    body: rename("plain"),
    contentType: "text/plain",
    leftToTrpc: true,
  },
  {
    name: "a content type in capitals",
    path: "/keys.update",
    body: rename("caps"),
    contentType: "Application/JSON",
    leftToTrpc: true,
  },
  {
    name: "multipart",
    path: "/keys.update",
    body: "--x--",
    contentType: "multipart/form-data; boundary=x",
    leftToTrpc: true,
  },
  { name: "an unknown mutation", path: "/keys.nope", body: rename("nope"), leftToTrpc: true },
  {
    name: "a batch with an unknown mutation",
    path: "/keys.update,keys.nope?batch=1",
    body: `{"0":${rename("e")}}`,
    leftToTrpc: true,
  },
  { name: "a batch mixing a mutation and a query", path: "/keys.update,me?batch=1", body: "{}", leftToTrpc: true },
];

describe("the same answer through either door", () => {
  test.each(queries)("query: $name", async (request) => {
    await compare(request);
  });

  test.each(mutations)("mutation: $name", async (request) => {
    await compare(request);
  });

  test.each(fallbacks)("left to tRPC: $name", async (request) => {
    await compare(request);
  });

  test("log in sets the session cookies", async () => {
    const answer = await compare({ name: "log in", path: "/auth.login", session: "none", body: JSON.stringify(ADMIN) });
    expect(answer.status).toBe(200);
    expect(answer.headers["set-cookie"]).toHaveLength(2);
  });

  test("refresh and log out, each door with a session of its own", async () => {
    browsers.set("own-fast", await login(fast, USER));
    browsers.set("own-tRPC", await login(fast, USER));
    const refreshed = await compare({ name: "refresh", path: "/auth.refresh", session: "own", body: "" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers["set-cookie"]).toHaveLength(2);
    const out = await compare({ name: "log out", path: "/auth.logout", session: "own", body: "" });
    expect(out.status).toBe(200);
    expect(cookieShape(out.headers["set-cookie"])).toEqual([
      expect.stringMatching(/^fim_access=; .*1970/),
      expect.stringMatching(/^fim_refresh=; .*1970/),
    ]);
  });

  test("throttled logins: 429 with Retry-After", async () => {
    const wrong = JSON.stringify({ ...THROTTLED, password: "wrong-password" });
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) {
      status = (await send(slow, { name: "throttle", path: "/auth.login", session: "none", body: wrong })).status;
    }
    const answer = await compare({ name: "throttled", path: "/auth.login", session: "none", body: wrong });
    expect(answer.status).toBe(429);
    expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    expect((answer.body as any).error.data.error.error).toBe("rate_limited");
  });
});

describe("which requests the fast path takes", () => {
  // A door of the fast path alone: it records whether it answered or left the request to tRPC.
  let probe: http.Server;
  let door: Door;
  const taken: boolean[] = [];
  beforeAll(async () => {
    const fastPath = createFastPath({
      router: appRouter,
      createContext: portalContextFactory(server.ctx),
      onError: () => undefined,
      maxBodySize: BODY_LIMIT,
    });
    const app = express();
    app.use(TRPC_PATH, (req, res) => {
      const answering = fastPath(req, res);
      taken.push(answering !== undefined);
      if (!answering) res.status(599).end();
    });
    probe = http.createServer(app);
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    door = { name: "fast", url: `http://127.0.0.1:${(probe.address() as AddressInfo).port}` };
  });
  afterAll(async () => {
    probe.closeAllConnections();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  test.each([...queries, ...mutations, ...fallbacks])("$name", async (request) => {
    taken.length = 0;
    const answer = await send(door, request);
    expect(taken).toEqual([!request.leftToTrpc]);
    if (request.leftToTrpc) expect(answer.status).toBe(599);
  });
});

test("the router keeps tRPC's default transformer, so the fast path writes its items without copying them", () => {
  expect(appRouter._def._config.transformer).toBe(defaultTransformer);
});
