// Property-based fuzzing of every public REST route, walking the same `routes` list the server
// mounts and generating inputs from the same zod schemas the routes validate with (through
// their JSON Schema, see support/schemaArbitrary.ts). Valid input must never get a 5xx and must
// get a status the OpenAPI document lists; invalid input must get the contract's 400 (413 for an
// oversized body). Every error is the contract's JSON body. FUZZ_SEED and FUZZ_RUNS override the
// defaults; the seed is printed so a failure can be replayed.
import http from "node:http";
import querystring from "node:querystring";
import fc from "fast-check";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { z } from "zod";
import { SCOPES } from "../../src/auth/scopes.ts";
import { type AnyRoute, openApiPath } from "../../src/http/route.ts";
import { routes } from "../../src/http/routes/index.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import {
  type ArbitraryOptions,
  inputJsonSchema,
  invalidArbitrary,
  type Mode,
  type Mutation,
  RawJson,
  toJsonText,
  validArbitrary,
} from "../support/schemaArbitrary.ts";

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_260_101;
/** Cases per property; two properties (valid, invalid) per route. */
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 60;
const BODY_LIMIT_BYTES = 1024 * 1024; // the server's default BODY_LIMIT, "1mb"

// ---- real resources the generated inputs may point at -------------------------------------------

type FixtureKind =
  | "agent"
  | "knowledge_base"
  | "document"
  | "connector"
  | "conversation"
  | "api_key"
  | "user"
  | "session"
  | "refresh_token"
  | "logout_token"
  | "admin_email"
  | "admin_password"
  | "admin_token"
  | "user_password";

/** A placeholder in a generated input, replaced by a real id (or token) when the request is sent. */
class Ref {
  constructor(readonly kind: FixtureKind) {}

  [fc.toStringMethod](): string {
    return `ref(${this.kind})`;
  }
}

const ref = (kind: FixtureKind) => fc.constant(new Ref(kind));
const isRef = (value: unknown) => value instanceof Ref;

/** Which fixture a route's `:id` names. */
function idKind(path: string): FixtureKind | undefined {
  const table: [RegExp, FixtureKind][] = [
    [/^\/api\/me\/api-keys\//, "api_key"],
    [/^\/api\/me\/sessions\//, "session"],
    [/^\/api\/conversations/, "conversation"],
    [/^\/api\/agents/, "agent"],
    [/^\/api\/knowledge-bases/, "knowledge_base"],
    [/^\/api\/connectors/, "connector"],
    [/^\/api\/admin\/users/, "user"],
    [/^\/api\/admin\/api-keys/, "api_key"],
  ];
  return table.find(([pattern]) => pattern.test(path))?.[1];
}

/**
 * Rules the services check beyond the zod schema (a URL that parses, a scope that exists, an
 * expiry in the future) turn most random values into a 400. These plausible values, mixed in
 * beside the schema's own, let valid cases reach the success paths too.
 */
const future = fc.date({
  min: new Date("2030-01-01T00:00:00Z"),
  max: new Date("9999-12-31T00:00:00Z"),
  noInvalidDate: true,
});
const keyFields = {
  scopes: fc.oneof(
    fc.subarray([...SCOPES]),
    fc.subarray([...SCOPES]).map((list) => list.join(",")),
  ),
  expires_at: fc.oneof(
    future.map((date) => date.toISOString()),
    future.map((date) => date.toISOString().slice(0, 10)),
  ),
};
const connectorFields = {
  base_url: fc.webUrl({ validSchemes: ["http", "https"] }).filter((url) => url.length <= 2000),
  auth_header_name: fc.constantFrom("Authorization", "X-Api-Key", "Private-Token"),
  "actions.0.name": fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
  "actions.0.path": fc.constantFrom("/", "/issues/{number}", "/repos/{owner}/{repo}/pulls", "/search"),
};
const PLAUSIBLE: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  "/api/me/api-keys": keyFields,
  "/api/me/api-keys/:id": keyFields,
  "/api/connectors": connectorFields,
  "/api/connectors/:id": connectorFields,
};

/** Where real values are mixed into generated ones: ids of real resources, plausible values. */
function refinement(route: AnyRoute, where: "body" | "query" | "params"): ArbitraryOptions["refine"] {
  const fixtureAt = (path: readonly string[]): FixtureKind | undefined => {
    const field = path.join(".");
    if (where === "params")
      return field === "documentId" ? "document" : field === "id" ? idKind(route.path) : undefined;
    if (where === "query") {
      // A cursor is the id of the last item seen.
      if (field === "cursor") return route.path.endsWith("/documents") ? "document" : idKind(`${route.path}/`);
      if (field === "user_id") return "user";
      return undefined;
    }
    const table: Record<string, Record<string, FixtureKind>> = {
      "/api/auth/login": { email: "admin_email", password: "admin_password" },
      "/api/auth/refresh": { refresh_token: "refresh_token" },
      "/api/auth/logout": { refresh_token: "refresh_token" },
      "/api/me/password": { current_password: "user_password" },
      "/api/react": { conversation_id: "conversation", agent_id: "agent", token: "admin_token" },
      "/api/dag": { conversation_id: "conversation", agent_id: "agent", token: "admin_token" },
      "/api/chat/inject": { conversation_id: "conversation" },
      "/api/agents": { "knowledge_base_ids.0": "knowledge_base", "connector_ids.0": "connector" },
      "/api/agents/:id": { "knowledge_base_ids.0": "knowledge_base", "connector_ids.0": "connector" },
    };
    return table[route.path]?.[field];
  };
  return (path, arbitrary) => {
    const kind = fixtureAt(path);
    const plausible = where === "body" ? PLAUSIBLE[route.path]?.[path.join(".")] : undefined;
    const extras = [...(kind ? [ref(kind)] : []), ...(plausible ? [plausible] : [])];
    return extras.length > 0 ? fc.oneof(arbitrary, ...extras) : arbitrary;
  };
}

class Fixtures {
  private readonly cache = new Map<FixtureKind, string>();
  adminToken = "";
  passwordUser = { email: "fuzz-password@example.com", password: "user-password-1", token: "" };

  constructor(private readonly server: TestServer) {}

  async setUp(): Promise<void> {
    this.adminToken = (await this.server.login(ADMIN.email, ADMIN.password)).access_token;
    const user = await this.server.createUser(this.passwordUser.email, this.passwordUser.password);
    this.passwordUser.token = user.token;
  }

  async reLogin(): Promise<void> {
    this.adminToken = (await this.server.login(ADMIN.email, ADMIN.password)).access_token;
  }

  forget(kind: FixtureKind): void {
    this.cache.delete(kind);
    if (kind === "knowledge_base") this.cache.delete("document");
  }

  async get(kind: FixtureKind): Promise<string> {
    const fixed: Partial<Record<FixtureKind, string>> = {
      admin_email: ADMIN.email,
      admin_password: ADMIN.password,
      admin_token: this.adminToken,
      user_password: this.passwordUser.password,
    };
    if (fixed[kind] !== undefined) return fixed[kind];
    let value = this.cache.get(kind);
    if (value === undefined) {
      value = await this.create(kind);
      this.cache.set(kind, value);
    }
    return value;
  }

  private async post(path: string, body: unknown): Promise<any> {
    const response = await this.server.api("POST", path, { token: this.adminToken, body });
    if (response.status >= 300) throw new Error(`fixture ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  private async create(kind: FixtureKind): Promise<string> {
    switch (kind) {
      case "agent":
        return (await this.post("/api/agents", { name: "fuzz agent", tools: ["calculator", "kb_retrieve"] })).id;
      case "knowledge_base":
        return (await this.post("/api/knowledge-bases", { name: "fuzz kb" })).id;
      case "document": {
        const kb = await this.get("knowledge_base");
        const body = { title: "fuzz doc", content: "The quick brown fox.\n\nJumps over the lazy dog." };
        return (await this.post(`/api/knowledge-bases/${kb}/documents`, body)).id;
      }
      case "connector":
        return (
          await this.post("/api/connectors", {
            name: "fuzz connector",
            base_url: "https://api.example.com/v1",
            actions: [{ name: "get_issue", method: "GET", path: "/issues/{number}" }],
          })
        ).id;
      case "conversation": {
        const run = await send("POST", "/api/react", { token: this.adminToken, body: '{"q":"What is 2+2?"}' });
        const start = parseSse(run.text).find((event) => event.event === "start");
        if (run.status !== 200 || !start)
          throw new Error(`fixture conversation: ${run.status} ${run.text.slice(0, 300)}`);
        return start.data.conversation_id;
      }
      case "api_key":
        return (await this.post("/api/me/api-keys", { name: "fuzz key" })).id;
      case "user":
        return (
          await this.post("/api/admin/users", {
            email: `fuzz-target-${Date.now()}@example.com`,
            password: "target-password-1",
          })
        ).id;
      case "session": {
        // A spare session of the admin's, never the one the fuzzer itself uses.
        const spare = await this.server.login(ADMIN.email, ADMIN.password);
        const sessions = await this.server.api("GET", "/api/me/sessions", { token: spare.access_token });
        const current = sessions.body.items.find((item: any) => item.current);
        if (!current) throw new Error(`fixture session: ${JSON.stringify(sessions.body)}`);
        return current.id;
      }
      case "refresh_token":
        return (await this.server.login(ADMIN.email, ADMIN.password)).refresh_token;
      case "logout_token":
        return (await this.server.login(ADMIN.email, ADMIN.password)).access_token;
      default:
        throw new Error(`no fixture for ${kind}`);
    }
  }
}

// ---- HTTP, with full control over the bytes (GET bodies, raw paths, raw JSON) --------------------

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

let baseUrl = "";
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

function send(method: string, path: string, options: { token?: string; body?: string }): Promise<Reply> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, method, path, headers, agent: keepAlive, timeout: 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    // The server may answer (413) and close before it has read an oversized body.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    request.end(options.body);
  });
}

interface SseFrame {
  event: string;
  data: any;
}

function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.split("\n\n")) {
    let event = "message";
    let data: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = line.slice(6);
    }
    if (data !== undefined) frames.push({ event, data: JSON.parse(data) });
  }
  return frames;
}

// ---- cases -----------------------------------------------------------------------------------

type Family = "valid" | "schema" | "not_json" | "oversize" | "bad_percent_encoding";

/** One request to make. Printed shortened in fast-check's counterexamples. */
class FuzzCase {
  constructor(
    readonly family: Family,
    readonly params: Record<string, unknown>,
    readonly query: Record<string, unknown>,
    /** A JSON value (may hold RawJson and Ref), or undefined for no body. */
    readonly body: unknown,
    /** What was broken, for invalid cases. */
    readonly mutation?: { where: "body" | "query" | "params" | "transport"; kind: string; at: string },
    /** Instead of `body`: these exact bytes. */
    readonly rawBody?: string,
    /** Instead of the encoded param: this exact path segment. */
    readonly rawSegment?: { param: string; segment: string },
  ) {}

  [fc.toStringMethod](): string {
    return describeCase(this);
  }
}

function shorten(value: unknown): unknown {
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 60)}…(${value.length} chars)` : value;
  if (value instanceof RawJson || value instanceof Ref) return fc.stringify(value);
  if (Array.isArray(value))
    return value.length > 8 ? [...value.slice(0, 8).map(shorten), `…(${value.length} items)`] : value.map(shorten);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: shorten((value as any)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function describeCase(c: FuzzCase): string {
  const parts = [`${c.family}`];
  if (c.mutation)
    parts.push(`broken: ${c.mutation.where} ${c.mutation.kind}${c.mutation.at ? ` at ${c.mutation.at}` : ""}`);
  if (Object.keys(c.params).length) parts.push(`params=${fc.stringify(shorten(c.params))}`);
  if (c.rawSegment) parts.push(`raw segment ${c.rawSegment.param}=${c.rawSegment.segment}`);
  if (Object.keys(c.query).length) parts.push(`query=${fc.stringify(shorten(c.query))}`);
  if (c.rawBody !== undefined) parts.push(`raw body=${JSON.stringify(shorten(c.rawBody))}`);
  else if (c.body !== undefined) parts.push(`body=${fc.stringify(shorten(c.body))}`);
  return `{${parts.join("; ")}}`;
}

interface Plan {
  route: AnyRoute;
  label: string;
  valid: fc.Arbitrary<FuzzCase>;
  invalid: fc.Arbitrary<FuzzCase> | null;
}

const MODES = { body: "json", query: "query", params: "path" } as const satisfies Record<string, Mode>;

function planFor(route: AnyRoute): Plan {
  const label = `${route.method.toUpperCase()} ${route.path}`;
  const valids: Record<string, fc.Arbitrary<unknown>> = {};
  const invalids: { where: "body" | "query" | "params"; arbitrary: fc.Arbitrary<Mutation> }[] = [];
  for (const where of ["body", "query", "params"] as const) {
    const schema = route[where] as z.ZodType | undefined;
    if (!schema) {
      valids[where] = fc.constant(where === "body" ? undefined : {});
      continue;
    }
    const json = inputJsonSchema(schema);
    const options: ArbitraryOptions = { mode: MODES[where], refine: refinement(route, where), isPlaceholder: isRef };
    valids[where] = validArbitrary(json, options);
    const mutations = invalidArbitrary(json, options);
    if (mutations) invalids.push({ where, arbitrary: mutations });
  }
  // The body limit is the transport's, not the schema's: a body the schema allows (a document of
  // 1,000,000 characters with deeply nested metadata) can still be too large to send. Such bodies
  // are not "valid input"; the oversize family sends them on purpose.
  const validParts = (
    fc.record({ params: valids.params!, query: valids.query!, body: valids.body! }) as fc.Arbitrary<{
      params: Record<string, unknown>;
      query: Record<string, unknown>;
      body: unknown;
    }>
  ).filter((p) => p.body === undefined || Buffer.byteLength(toJsonText(p.body)) < BODY_LIMIT_BYTES - 16_384);
  const valid = validParts.map((p) => new FuzzCase("valid", p.params, p.query, p.body));

  const families: fc.Arbitrary<FuzzCase>[] = invalids.map(({ where, arbitrary }) =>
    fc.tuple(validParts, arbitrary).map(([p, m]) => {
      const parts = { ...p, [where]: m.value };
      return new FuzzCase("schema", parts.params, parts.query, parts.body, { where, kind: m.kind, at: m.at });
    }),
  );
  if (route.body) {
    const notJson = fc.oneof(
      fc.constantFrom(
        "{",
        "{'name': 1}",
        "not json",
        "<html></html>",
        '{"a":1,}',
        "NaN",
        "undefined",
        "[1,2",
        '{"a":"\\x"}',
      ),
      fc.string({ minLength: 1 }).filter((text) => !isJson(text)),
    );
    families.push(
      fc
        .tuple(validParts, notJson)
        .map(
          ([p, raw]) =>
            new FuzzCase(
              "not_json",
              p.params,
              p.query,
              undefined,
              { where: "transport", kind: "not_json", at: "" },
              raw,
            ),
        ),
      validParts.map(
        (p) =>
          new FuzzCase(
            "oversize",
            p.params,
            p.query,
            undefined,
            { where: "transport", kind: "oversize", at: "" },
            JSON.stringify({ padding: "x".repeat(BODY_LIMIT_BYTES + 1000) }),
          ),
      ),
    );
  }
  const paramNames = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] as string);
  if (paramNames.length > 0) {
    families.push(
      fc
        .tuple(validParts, fc.constantFrom(...paramNames), fc.constantFrom("%", "%zz", "%E0%A4%A", "%ED%A0%80", "abc%"))
        .map(
          ([p, param, segment]) =>
            new FuzzCase(
              "bad_percent_encoding",
              p.params,
              p.query,
              p.body,
              { where: "transport", kind: "bad_percent_encoding", at: param },
              undefined,
              { param, segment },
            ),
        ),
    );
  }
  return { route, label, valid, invalid: families.length > 0 ? fc.oneof(...families) : null };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---- sending a case ------------------------------------------------------------------------

let server: TestServer;
let fixtures: Fixtures;
let documented: Map<string, Set<number>>;
const counts = new Map<string, { valid: number; invalid: number }>();
const notes: string[] = [];

async function resolveRefs(value: unknown, used: Set<FixtureKind>): Promise<unknown> {
  if (value instanceof Ref) {
    used.add(value.kind);
    return fixtures.get(value.kind);
  }
  if (value instanceof RawJson || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    // One at a time, so two refs of a kind not made yet get the same resource.
    const items: unknown[] = [];
    for (const item of value) items.push(await resolveRefs(item, used));
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const resolved = await resolveRefs((value as Record<string, unknown>)[key], used);
    Object.defineProperty(out, key, { value: resolved, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

interface Sent {
  reply: Reply;
  /** What the route's schemas see, as Express would hand it over (for the generator's self-check). */
  seen: { body?: unknown; query: unknown; params: unknown };
  request: string;
  /** The size of the body sent, in bytes (0: none). */
  bodyBytes: number;
}

async function sendCase(route: AnyRoute, c: FuzzCase): Promise<Sent> {
  const used = new Set<FixtureKind>();
  const params = (await resolveRefs(c.params, used)) as Record<string, unknown>;
  const query = (await resolveRefs(c.query, used)) as Record<string, unknown>;
  const body = await resolveRefs(c.body, used);
  const path =
    route.path.replace(/:([A-Za-z_]+)/g, (_match, name: string) =>
      c.rawSegment?.param === name ? c.rawSegment.segment : encodeURIComponent(String(params[name])),
    ) + queryString(query);
  const bodyText = c.rawBody ?? (body === undefined ? undefined : toJsonText(body));

  let token = fixtures.adminToken;
  if (route.path === "/api/auth/logout") token = await fixtures.get("logout_token");
  if (route.path === "/api/me/password") token = fixtures.passwordUser.token;
  // A credential in the body is the one that counts: leave the header out to exercise that path.
  if (route.tokenInBody && body && typeof body === "object" && (c.body as any)?.token instanceof Ref) token = "";

  const reply = await send(route.method.toUpperCase(), path, { token, body: bodyText });
  await afterEffects(route, c, reply, used, body);
  return {
    reply,
    bodyBytes: bodyText === undefined ? 0 : Buffer.byteLength(bodyText),
    seen: {
      body: bodyText === undefined || c.rawBody !== undefined ? undefined : JSON.parse(bodyText),
      query: querystring.parse(queryString(query).slice(1)),
      params: Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)])),
    },
    request: `${route.method.toUpperCase()} ${path.length > 300 ? `${path.slice(0, 300)}…` : path}${
      bodyText === undefined
        ? ""
        : ` body ${bodyText.length > 400 ? `${bodyText.slice(0, 400)}…(${bodyText.length} chars)` : bodyText}`
    }`,
  };
}

/** Keeps the fixtures true after a request that used them up, and the fuzzer's own login alive. */
async function afterEffects(route: AnyRoute, c: FuzzCase, reply: Reply, used: Set<FixtureKind>, body: unknown) {
  if (used.has("refresh_token")) fixtures.forget("refresh_token");
  if (route.path === "/api/auth/logout" && reply.status < 300) fixtures.forget("logout_token");
  if (route.method === "delete" && reply.status < 300) {
    const last = route.path.endsWith(":documentId") ? "document" : idKind(route.path);
    if (last) fixtures.forget(last);
  }
  if (route.path === "/api/me/password" && reply.status < 300) {
    fixtures.passwordUser.password = (body as { new_password: string }).new_password;
  }
  if (reply.status === 401 && route.access !== "public" && c.family === "valid") {
    const check = await send("GET", "/api/auth/verify", { token: fixtures.adminToken });
    if (check.status === 401) {
      notes.push(`the fuzzer's admin session ended after ${route.method.toUpperCase()} ${route.path}; logged in again`);
      await fixtures.reLogin();
    }
  }
}

// ---- what must hold ------------------------------------------------------------------------

/** A stack frame ("    at fn (file.ts:12:5)") or a path into the code. */
const STACK_TRACE = /\n\s+at \S.*:\d+:\d+|node_modules\/|\/src\/\S+\.[jt]s\b/;

/** Problems with an error answer: not the contract's JSON body, or leaking internals. */
function errorBodyProblems(reply: Reply): string[] {
  const problems: string[] = [];
  if (!reply.contentType.startsWith("application/json")) problems.push(`content-type "${reply.contentType}", not JSON`);
  if (reply.contentType.includes("html") || reply.text.trimStart().startsWith("<")) problems.push("an HTML body");
  if (STACK_TRACE.test(reply.text)) problems.push("a stack trace or source path in the body");
  let body: any;
  try {
    body = JSON.parse(reply.text);
  } catch {
    problems.push("a body that is not JSON");
    return problems;
  }
  if (typeof body?.error !== "string" || typeof body?.message !== "string") {
    problems.push('a body without string "error" and "message"');
  }
  return problems;
}

function fail(sent: Sent, c: FuzzCase, problems: string[]): never {
  const text = sent.reply.text.length > 600 ? `${sent.reply.text.slice(0, 600)}…` : sent.reply.text;
  throw new Error(
    `${problems.join("; ")}\n  case: ${describeCase(c)}\n  request: ${sent.request}\n  answer: ${sent.reply.status} ${sent.reply.contentType} ${text}`,
  );
}

function selfCheck(route: AnyRoute, sent: Sent, c: FuzzCase, shouldPass: boolean): void {
  const where = c.mutation?.where;
  if (where === "transport") return;
  for (const part of ["body", "query", "params"] as const) {
    const schema = route[part] as z.ZodType | undefined;
    if (!schema) continue;
    // No body at all reaches the schema as {}; a JSON null is checked as the null it is.
    const result = schema.safeParse(
      part === "body" ? (sent.seen.body === undefined ? {} : sent.seen.body) : sent.seen[part],
    );
    const expected = shouldPass || part !== where;
    if (result.success !== expected) {
      throw new Error(
        `generator bug: zod ${result.success ? "accepts" : "rejects"} the generated ${part} of a ${c.family} case: ${describeCase(c)}${
          result.success ? "" : `\n${JSON.stringify(result.error.issues.slice(0, 3))}`
        }`,
      );
    }
  }
}

async function checkValid(plan: Plan, c: FuzzCase): Promise<void> {
  const { route } = plan;
  tally(plan.label, "valid");
  const sent = await sendCase(route, c);
  selfCheck(route, sent, c, true);
  const { reply } = sent;
  const problems: string[] = [];
  const listed = documented.get(plan.label)!;
  if (reply.status >= 500) problems.push(`a ${reply.status} for valid input`);
  if (!listed.has(reply.status))
    problems.push(`status ${reply.status} is not in the OpenAPI document (${[...listed].join(", ")})`);
  if (reply.status >= 400) problems.push(...errorBodyProblems(reply));
  else if (route.success.events && reply.status === 200) {
    if (!reply.contentType.startsWith("text/event-stream"))
      problems.push(`a stream answered as "${reply.contentType}"`);
    let frames: SseFrame[] = [];
    try {
      frames = parseSse(reply.text);
    } catch {
      problems.push("an SSE frame whose data is not JSON");
    }
    const internal = frames.find((frame) => frame.event === "error" && frame.data?.error === "internal_error");
    if (internal) problems.push(`an internal_error event in the stream: ${JSON.stringify(internal.data)}`);
    if (frames.at(-1)?.event !== "end") problems.push("a stream that does not finish with an end event");
  } else if (reply.status === 204 && reply.text !== "") {
    problems.push("a 204 with a body");
  } else if (reply.status === route.success.status && route.success.schema) {
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      problems.push("a success body that is not JSON");
    }
    const result = route.success.schema.safeParse(body);
    if (body !== undefined && !result.success) {
      problems.push(
        `a success body that does not match its declared schema: ${JSON.stringify(result.error.issues.slice(0, 3))}`,
      );
    }
  }
  if (problems.length > 0) fail(sent, c, problems);
}

async function checkInvalid(plan: Plan, c: FuzzCase): Promise<void> {
  const { route } = plan;
  tally(plan.label, "invalid");
  const sent = await sendCase(route, c);
  selfCheck(route, sent, c, false);
  const { reply } = sent;
  const problems: string[] = [];
  // A mutation can take a body the schema allows at its largest (a 1,000,000-character document)
  // past the transport's limit (deep nesting adds tens of KB): that too is answered 413, first.
  const expected = c.family === "oversize" || sent.bodyBytes > BODY_LIMIT_BYTES ? 413 : 400;
  const listed = documented.get(plan.label)!;
  if (reply.status !== expected) problems.push(`status ${reply.status}, expected ${expected} for invalid input`);
  if (!listed.has(reply.status))
    problems.push(`status ${reply.status} is not in the OpenAPI document (${[...listed].join(", ")})`);
  problems.push(...errorBodyProblems(reply));
  if (reply.status < 500 && isJson(reply.text) && JSON.parse(reply.text)?.error !== "validation_error") {
    problems.push(`error code ${JSON.stringify(JSON.parse(reply.text)?.error)}, expected "validation_error"`);
  }
  if (problems.length > 0) fail(sent, c, problems);
}

function tally(label: string, kind: "valid" | "invalid"): void {
  const entry = counts.get(label) ?? { valid: 0, invalid: 0 };
  entry[kind] += 1;
  counts.set(label, entry);
}

// ---- the tests -----------------------------------------------------------------------------

const plans = routes.map(planFor);
const started = Date.now();

beforeAll(async () => {
  console.log(`fuzz: seed ${SEED} (FUZZ_SEED), ${RUNS} runs per property (FUZZ_RUNS)`);
  server = await startTestServer(
    {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
      LOGIN_MAX_FAILURES_PER_IP: "1000000",
      QUOTA_API_KEYS: "1000000",
      QUOTA_KNOWLEDGE_BASES: "1000000",
      QUOTA_DOCUMENTS: "1000000",
      QUOTA_STORAGE_MB: "100000",
    },
    {
      // Connector calls never leave the machine: every name fails to resolve, as offline.
      resolveHost: async (hostname) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      },
    },
  );
  baseUrl = server.url;
  fixtures = new Fixtures(server);
  await fixtures.setUp();
  const openapi = await server.api("GET", "/api/openapi.json");
  documented = new Map(
    routes.map((route) => {
      const operation = openapi.body.paths?.[openApiPath(route.path)]?.[route.method];
      return [
        `${route.method.toUpperCase()} ${route.path}`,
        new Set(Object.keys(operation?.responses ?? {}).map(Number)),
      ];
    }),
  );
}, 120_000);

afterAll(async () => {
  const rows = plans.map((plan) => ({ route: plan.label, ...(counts.get(plan.label) ?? { valid: 0, invalid: 0 }) }));
  const width = Math.max(...rows.map((row) => row.route.length));
  const total = rows.reduce((sum, row) => ({ valid: sum.valid + row.valid, invalid: sum.invalid + row.invalid }), {
    valid: 0,
    invalid: 0,
  });
  const lines = [
    `fuzz summary (seed ${SEED}, ${RUNS} runs per property; counts include shrinking runs)`,
    `${"route".padEnd(width)}  valid  invalid`,
    ...rows.map(
      (row) => `${row.route.padEnd(width)}  ${String(row.valid).padStart(5)}  ${String(row.invalid).padStart(7)}`,
    ),
    `${"total".padEnd(width)}  ${String(total.valid).padStart(5)}  ${String(total.invalid).padStart(7)}   (${
      total.valid + total.invalid
    } cases in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    ...notes.map((note) => `note: ${note}`),
  ];
  console.log(lines.join("\n"));
  keepAlive.destroy();
  await server?.close();
});

const runOptions = (offset: number) => ({ seed: SEED + offset, numRuns: RUNS, endOnFailure: false });

describe.each(plans.map((plan, index) => [plan.label, plan, index] as const))("%s", (_label, plan, index) => {
  test("valid input: a documented status, never a 5xx, contract error bodies", async () => {
    await fc.assert(
      fc.asyncProperty(plan.valid, (c) => checkValid(plan, c)),
      runOptions(index * 2),
    );
  }, 120_000);

  // A route that takes no input at all has nothing to break.
  const invalid = plan.invalid;
  if (invalid) {
    test("invalid input: the documented 400 validation_error (413 when too large)", async () => {
      await fc.assert(
        fc.asyncProperty(invalid, (c) => checkInvalid(plan, c)),
        runOptions(index * 2 + 1),
      );
    }, 120_000);
  }
});
