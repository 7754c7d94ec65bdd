// Connectors over REST (CRUD, the write-only secret, validation, ownership) and connector calls
// against local HTTP servers: only the connector's own base URL is ever reached.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../src/errors.ts";
import { buildActionUrl, callConnectorAction, getConnectorForCall } from "../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

const SECRET = "sk_test_Zq8vN3pL0wX7rT2yKb5m";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A tiny upstream API that records what it receives. */
async function startUpstream(
  handler?: (req: IncomingMessage, body: string) => [number, Record<string, string>, string],
) {
  const seen: Seen[] = [];
  const http: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts).toString("utf8");
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url?.startsWith("/api/slow")) return; // never answers
    if (req.url?.startsWith("/api/big")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("x".repeat(200_000));
      return;
    }
    const [status, headers, text] = handler?.(req, body) ?? [
      200,
      { "content-type": "application/json" },
      JSON.stringify({ ok: true, path: req.url }),
    ];
    res.writeHead(status, headers);
    res.end(text);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

let server: TestServer;
let token: string;
let adminId: string;
let other: { id: string; token: string };
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let elsewhere: Awaited<ReturnType<typeof startUpstream>>;

beforeAll(async () => {
  // The fake upstream services listen on loopback, which connector calls refuse by default.
  server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" });
  const login = await server.login(ADMIN.email, ADMIN.password);
  token = login.access_token;
  adminId = login.user.id;
  other = await server.createUser("connectors-other@example.com");
  elsewhere = await startUpstream();
  upstream = await startUpstream((req) => {
    if (req.url?.startsWith("/api/redirect")) return [302, { location: `${elsewhere.origin}/steal` }, ""];
    if (req.url?.startsWith("/api/text")) return [200, { "content-type": "text/plain" }, "plain answer"];
    return [200, { "content-type": "application/json" }, JSON.stringify({ ok: true, path: req.url })];
  });
});
afterAll(async () => {
  await upstream.close();
  await elsewhere.close();
  await server.close();
});

const ACTIONS = [
  { name: "get_item", method: "GET", path: "/items/{id}", description: "One item" },
  { name: "create_item", method: "POST", path: "/items" },
  { name: "text", method: "GET", path: "/text" },
  { name: "big", method: "GET", path: "/big" },
  { name: "slow", method: "GET", path: "/slow" },
  { name: "redirect", method: "GET", path: "/redirect" },
];

async function createConnector(body: Record<string, unknown> = {}, as = token) {
  const response = await server.api("POST", "/api/connectors", {
    token: as,
    body: {
      name: "Items API",
      base_url: `${upstream.origin}/api/`,
      auth_header: SECRET,
      auth_header_name: "X-Api-Key",
      actions: ACTIONS,
      ...body,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

describe("CRUD and the secret", () => {
  test("the auth header value is never returned, only has_secret", async () => {
    const bodies: unknown[] = [];
    const created = await createConnector({ description: "Test API" });
    bodies.push(created);
    expect(created).toMatchObject({
      name: "Items API",
      description: "Test API",
      base_url: `${upstream.origin}/api`,
      auth_header_name: "X-Api-Key",
      has_secret: true,
    });
    expect(created.actions[0]).toEqual({
      name: "get_item",
      method: "GET",
      path: "/items/{id}",
      description: "One item",
    });
    expect(created.actions[1].description).toBe("");
    expect(created).not.toHaveProperty("auth_header");

    bodies.push((await server.api("GET", `/api/connectors/${created.id}`, { token })).body);
    bodies.push((await server.api("GET", "/api/connectors", { token })).body);
    const renamed = await server.api("PATCH", `/api/connectors/${created.id}`, { token, body: { name: "Renamed" } });
    expect(renamed.body).toMatchObject({ name: "Renamed", has_secret: true });
    bodies.push(renamed.body);
    const openapi = await server.api("GET", "/api/openapi.json");
    expect(Object.keys(openapi.body.paths)).toContain("/api/connectors/{id}");
    bodies.push(openapi.body);
    for (const body of bodies) {
      const text = JSON.stringify(body);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECRET.slice(3, 15));
    }

    // At rest: sealed, not the plaintext, anywhere in the database (SQLite: the file's bytes;
    // PostgreSQL: every row of every table, as text).
    const row = await server.ctx.db.connector.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.authSecretEnc).toMatch(/^v1:/);
    const bytes = await server.databaseText();
    expect(bytes).toContain(created.id);
    expect(bytes).not.toContain(SECRET);

    // The call path can still read it.
    expect((await getConnectorForCall(server.ctx, adminId, created.id)).authHeaderValue).toBe(SECRET);
  });

  test("the secret can be replaced and removed; moving base_url requires restating it", async () => {
    const created = await createConnector();
    const move = await server.api("PATCH", `/api/connectors/${created.id}`, {
      token,
      body: { base_url: "https://attacker.example.com" },
    });
    expect(move.status).toBe(400);
    expect(move.body.details[0].field).toBe("auth_header");
    expect((await getConnectorForCall(server.ctx, adminId, created.id)).baseUrl).toBe(`${upstream.origin}/api`);
    // Nor can the secret move into another header (test/security/connectorSecret.test.ts has more).
    const rename = await server.api("PATCH", `/api/connectors/${created.id}`, {
      token,
      body: { auth_header_name: "Cookie" },
    });
    expect(rename.status).toBe(400);
    expect(rename.body.details[0].field).toBe("auth_header");
    expect((await getConnectorForCall(server.ctx, adminId, created.id)).authHeaderName).toBe("X-Api-Key");

    const moved = await server.api("PATCH", `/api/connectors/${created.id}`, {
      token,
      body: { base_url: "https://api.example.com/v2", auth_header: "Bearer new-secret-value" },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ base_url: "https://api.example.com/v2", has_secret: true });
    expect(JSON.stringify(moved.body)).not.toContain("new-secret-value");
    expect((await getConnectorForCall(server.ctx, adminId, created.id)).authHeaderValue).toBe(
      "Bearer new-secret-value",
    );

    const cleared = await server.api("PATCH", `/api/connectors/${created.id}`, { token, body: { auth_header: null } });
    expect(cleared.body.has_secret).toBe(false);
    expect((await getConnectorForCall(server.ctx, adminId, created.id)).authHeaderValue).toBeNull();
    // Without a secret, base_url moves freely.
    const free = await server.api("PATCH", `/api/connectors/${created.id}`, {
      token,
      body: { base_url: "http://localhost:9999" },
    });
    expect(free.status).toBe(200);

    const noSecret = await server.api("POST", "/api/connectors", {
      token,
      body: { name: "open", base_url: "https://open.example.com" },
    });
    expect(noSecret.body).toMatchObject({ has_secret: false, auth_header_name: "Authorization", actions: [] });

    expect((await server.api("DELETE", `/api/connectors/${created.id}`, { token })).status).toBe(204);
    expect((await server.api("GET", `/api/connectors/${created.id}`, { token })).status).toBe(404);
  });
});

describe("validation", () => {
  const base = { name: "c", base_url: "https://api.example.com" };
  const action = (patch: Record<string, unknown>) => ({
    ...base,
    actions: [{ name: "a", method: "GET", path: "/x", ...patch }],
  });
  test.each([
    ["ftp base URL", { ...base, base_url: "ftp://files.example.com" }, "base_url"],
    ["relative base URL", { ...base, base_url: "/api" }, "base_url"],
    ["credentials in the base URL", { ...base, base_url: "https://u:p@api.example.com" }, "base_url"],
    ["query in the base URL", { ...base, base_url: "https://api.example.com/?k=1" }, "base_url"],
    ["path without a leading slash", action({ path: "items" }), "actions.0.path"],
    ["traversal", action({ path: "/a/../../etc/passwd" }), "actions.0.path"],
    ["encoded traversal", action({ path: "/a/%2e%2e/b" }), "actions.0.path"],
    ["encoded slash", action({ path: "/a%2F..%2Fb" }), "actions.0.path"],
    ["absolute URL as path", action({ path: "https://evil.example.com/x" }), "actions.0.path"],
    ["protocol-relative path", action({ path: "//evil.example.com/x" }), "actions.0.path"],
    ["backslash", action({ path: "/a\\..\\b" }), "actions.0.path"],
    ["query in the path", action({ path: "/a?b=c" }), "actions.0.path"],
    ["unknown method", action({ method: "TRACE" }), "actions.0.method"],
    ["bad action name", action({ name: "has space" }), "actions.0.name"],
    [
      "duplicate action names",
      {
        ...base,
        actions: [
          { name: "a", method: "GET", path: "/x" },
          { name: "a", method: "POST", path: "/y" },
        ],
      },
      "actions.1.name",
    ],
    ["line break in the secret", { ...base, auth_header: "Bearer x\r\nX-Evil: 1" }, "auth_header"],
    ["reserved header name", { ...base, auth_header: "x", auth_header_name: "Host" }, "auth_header_name"],
    ["invalid header name", { ...base, auth_header: "x", auth_header_name: "Bad Header" }, "auth_header_name"],
    ["secret of the wrong type", { ...base, auth_header: 123 }, "auth_header"],
    ["unknown field", { ...base, secret: "x" }, "secret"],
    ["missing base_url", { name: "c" }, "base_url"],
  ])("%s → validation_error", async (_label, body, field) => {
    const response = await server.api("POST", "/api/connectors", { token, body });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error).toBe("validation_error");
    expect(response.body.details.map((d: any) => d.field)).toContain(field);
  });
});

describe("ownership", () => {
  test("another user's connector is not_found, over REST and for calls", async () => {
    const mine = await createConnector();
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "x" }],
      ["DELETE", undefined],
    ] as const) {
      const response = await server.api(method, `/api/connectors/${mine.id}`, { token: other.token, body });
      expect(response.status).toBe(404);
      expect(response.body.error).toBe("not_found");
    }
    expect((await server.api("GET", "/api/connectors", { token: other.token })).body.items).toEqual([]);
    await expect(getConnectorForCall(server.ctx, other.id, mine.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(
      callConnectorAction(server.ctx, other.id, mine.id, "get_item", { params: { id: "1" } }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("calls", () => {
  let connectorId: string;
  beforeAll(async () => {
    connectorId = (await createConnector()).id;
  });
  // The server's own time limit, except where a test waits for it to pass (`short`): a short limit
  // on every call failed them when a loaded machine was slower than it.
  const call = (action: string, input: Parameters<typeof callConnectorAction>[4] = {}, signal?: AbortSignal) =>
    callConnectorAction(server.ctx, adminId, connectorId, action, input, signal);
  const short = (action: string) =>
    callConnectorAction(server.ctx, adminId, connectorId, action, {}, undefined, { timeoutMs: 300 });

  test("fills path placeholders, sends other params as the query, and the secret in its header", async () => {
    const result = await call("get_item", { params: { id: "a b?c", verbose: true, n: 3, q: "x/../y" } });
    expect(result).toEqual({
      status: 200,
      body: { ok: true, path: "/api/items/a%20b%3Fc?verbose=true&n=3&q=x%2F..%2Fy" },
      truncated: false,
    });
    const request = upstream.seen.at(-1)!;
    expect(request.method).toBe("GET");
    expect(request.headers["x-api-key"]).toBe(SECRET);
  });

  test("sends a JSON body for POST; non-JSON answers come back as text", async () => {
    const created = await call("create_item", { body: { title: "new" } });
    expect(created.status).toBe(200);
    const request = upstream.seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/api/items", body: '{"title":"new"}' });
    expect(request.headers["content-type"]).toBe("application/json");
    expect((await call("text")).body).toBe("plain answer");
  });

  test("parameters cannot walk out of the base URL", async () => {
    const before = upstream.seen.length;
    // A value fills one path segment: no dot segments and no slashes, not even encoded ones that
    // an upstream decoding %2F before routing would follow (test/security/traversal.test.ts has more).
    for (const id of ["..", ".", "../../admin", "..%2F..%2Fadmin"]) {
      await expect(call("get_item", { params: { id } })).rejects.toMatchObject({ code: "validation_error" });
    }
    await expect(call("get_item", {})).rejects.toMatchObject({ code: "validation_error" });
    await expect(call("get_item", { params: { id: { nested: 1 } } })).rejects.toMatchObject({
      code: "validation_error",
    });
    expect(upstream.seen.length).toBe(before);
    // Dots inside a value are fine and arrive as they are.
    await call("get_item", { params: { id: "v1.2..3" } });
    expect(upstream.seen.at(-1)!.url).toBe("/api/items/v1.2..3");
  });

  test("a tampered stored action path is refused at call time too", async () => {
    for (const path of ["//evil.example.com/x", "/../outside", "/%2e%2e/outside"]) {
      await server.ctx.db.connector.update({
        where: { id: connectorId },
        data: { actions: JSON.stringify([...ACTIONS, { name: "bad", method: "GET", path, description: "" }]) },
      });
      await expect(call("bad")).rejects.toMatchObject({ code: "validation_error" });
    }
    await server.ctx.db.connector.update({ where: { id: connectorId }, data: { actions: JSON.stringify(ACTIONS) } });
  });

  test("buildActionUrl keeps every result under the base path", () => {
    expect(buildActionUrl("http://h.example/api", "/x/{id}", { id: "a?b#c" }).href).toBe(
      "http://h.example/api/x/a%3Fb%23c",
    );
    expect(() => buildActionUrl("http://h.example/api", "/../admin")).toThrow(AppError);
    expect(() => buildActionUrl("http://h.example/api", "/{p}/x", { p: ".." })).toThrow(AppError);
    expect(() => buildActionUrl("http://h.example/api", "/{p}/x", { p: "%2e%2e" })).toThrow(AppError);
    expect(() => buildActionUrl("http://h.example/api", "/{p}/x", { p: "a/b" })).toThrow(AppError);
    expect(buildActionUrl("http://h.example", "/").href).toBe("http://h.example/");
  });

  test("redirects are not followed", async () => {
    const result = await call("redirect");
    expect(result.status).toBe(302);
    expect(elsewhere.seen).toEqual([]);
  });

  test("large answers are truncated", async () => {
    const result = await call("big");
    expect(result.truncated).toBe(true);
    expect((result.body as string).length).toBe(64 * 1024);
  });

  test("a slow upstream times out; an aborted run stops the call", async () => {
    await expect(short("slow")).rejects.toMatchObject({ code: "internal_error", status: 504 });
    const controller = new AbortController();
    const pending = callConnectorAction(server.ctx, adminId, connectorId, "slow", {}, controller.signal);
    setTimeout(() => controller.abort(new Error("run stopped")), 50);
    await expect(pending).rejects.toThrow("run stopped");
  });

  test("an unknown action and an unreachable host are errors the agent can read", async () => {
    await expect(call("nope")).rejects.toMatchObject({ code: "validation_error" });
    const dead = await server.api("POST", "/api/connectors", {
      token,
      body: { name: "dead", base_url: "http://127.0.0.1:1", actions: [{ name: "a", method: "GET", path: "/" }] },
    });
    await expect(callConnectorAction(server.ctx, adminId, dead.body.id, "a", {})).rejects.toMatchObject({
      status: 502,
    });
  });
});

describe("Test connection", () => {
  test("GETs the base URL with the secret and answers its status and time, over REST and tRPC", async () => {
    const connector = await createConnector();
    const before = upstream.seen.length;
    const tested = await server.api("POST", `/api/connectors/${connector.id}/test`, { token });
    expect(tested.status, JSON.stringify(tested.body)).toBe(200);
    expect(tested.body).toEqual({ ok: true, status: 200, ms: expect.any(Number) });
    expect(upstream.seen.length).toBe(before + 1);
    const request = upstream.seen.at(-1)!;
    expect(request).toMatchObject({ method: "GET", url: "/api", body: "" });
    expect(request.headers["x-api-key"]).toBe(SECRET);

    // A redirect is an answer (ok), and it is not followed.
    const redirecting = await createConnector({ base_url: `${upstream.origin}/api/redirect` });
    const seenElsewhere = elsewhere.seen.length;
    const redirect = await server.api("POST", `/api/connectors/${redirecting.id}/test`, { token });
    expect(redirect.body).toMatchObject({ ok: true, status: 302 });
    expect(elsewhere.seen.length).toBe(seenElsewhere);

    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const viaTrpc = await browser.mutate("connectors.test", { id: connector.id });
    expect(viaTrpc.data).toEqual({ ok: true, status: 200, ms: expect.any(Number) });
  });

  test("a status of 400 or more is not ok; nothing answering says why", async () => {
    const notFoundUpstream = await startUpstreamAnswering(404);
    try {
      const failing = await createConnector({ base_url: `${notFoundUpstream.origin}/v1` });
      const missing = await server.api("POST", `/api/connectors/${failing.id}/test`, { token });
      expect(missing.status).toBe(200);
      expect(missing.body).toMatchObject({ ok: false, status: 404 });
    } finally {
      await notFoundUpstream.close();
    }

    const dead = await createConnector({ base_url: "http://127.0.0.1:1" });
    // Nothing answering is the test's finding, not an error of this server.
    const refused = await server.api("POST", `/api/connectors/${dead.id}/test`, { token });
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({
      ok: false,
      status: null,
      ms: expect.any(Number),
      error: expect.stringContaining("could not be reached"),
    });
  });

  test("the network guard applies: a private address is refused before any request", async () => {
    const connector = await createConnector();
    const before = upstream.seen.length;
    const config = server.ctx.config as { connectorPrivateNetworks: "block" | "allow" };
    config.connectorPrivateNetworks = "block";
    try {
      const refused = await server.api("POST", `/api/connectors/${connector.id}/test`, { token });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        error: "validation_error",
        details: [{ field: "base_url", message: "resolves to a private or local address" }],
      });
    } finally {
      config.connectorPrivateNetworks = "allow";
    }
    expect(upstream.seen.length).toBe(before);
  });

  test("the same rules as using the connector: scope and owner", async () => {
    const connector = await createConnector();
    const kbOnly = await server.createKey(token, { name: "kb only", scopes: "kb" });
    const wrongScope = await server.api("POST", `/api/connectors/${connector.id}/test`, { token: kbOnly.key });
    expect(wrongScope.status).toBe(403);
    const foreign = await server.api("POST", `/api/connectors/${connector.id}/test`, { token: other.token });
    expect(foreign.status).toBe(404);
  });
});

async function startUpstreamAnswering(status: number) {
  return startUpstream(() => [status, { "content-type": "text/plain" }, "nope"]);
}
