// Attack: a connector call whose {placeholder} value walks out of the action's path. The value is
// percent-encoded before it is sent, but an upstream (or a proxy in front of it) that decodes
// %2F, decodes twice, folds Unicode look-alikes or strips ";…" before routing would still
// traverse, with the connector's secret header attached. Every such value must be refused before
// anything is sent; ordinary values must still arrive, correctly encoded.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callConnectorAction } from "../../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let upstream: Server;
const seen: string[] = [];
let adminId: string;
let connectorId: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // The upstream listens on loopback; only the path checks are under test here.
  server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" });
  const login = await server.login(ADMIN.email, ADMIN.password);
  adminId = login.user.id;
  const created = await server.api("POST", "/api/connectors", {
    token: login.access_token,
    body: {
      name: "Items",
      base_url: `${origin}/api/v1`,
      auth_header: "Bearer traversal-test-secret",
      actions: [
        { name: "get_item", method: "GET", path: "/items/{id}" },
        { name: "get_pair", method: "GET", path: "/a/{x}/b/{y}" },
      ],
    },
  });
  expect(created.status).toBe(201);
  connectorId = created.body.id;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await server.close();
});

const call = (action: string, params: Record<string, unknown>) =>
  callConnectorAction(server.ctx, adminId, connectorId, action, { params }, undefined, { timeoutMs: 2000 });

/** Nine rounds of percent-encoding of "..": more than any server decodes, so refused outright. */
let deep = "..";
for (let i = 0; i < 9; i++) deep = deep.replace(/%/g, "%25").replace(/\./g, "%2e");

describe("path parameter values that could leave their segment are refused", () => {
  test.each([
    ["plain traversal", "../../admin"],
    ["dot-dot", ".."],
    ["dot", "."],
    ["only dots", "..."],
    ["dot-dot with spaces", " .. "],
    ["encoded slashes", "..%2F..%2Fadmin"],
    ["encoded slashes, lower case", "..%2f..%2fadmin"],
    ["encoded dots", "%2e%2e"],
    ["encoded dots, upper case", "%2E%2E"],
    ["half-encoded dots", "%2e."],
    ["other half-encoded dots", ".%2E"],
    ["double-encoded dots and slash", "%252e%252e%252fadmin"],
    ["triple-encoded dots", "%25252e%25252e"],
    ["double-encoded slash", "..%252F..%252Fadmin"],
    ["encoded too many times", deep],
    ["backslash", "..\\admin"],
    ["encoded backslash", "..%5cadmin"],
    ["encoded backslash, upper case", "..%5Cadmin"],
    ["double-encoded backslash", "..%255cadmin"],
    ["lone slash", "/"],
    ["fullwidth dots and solidus", "．．／admin"],
    ["fullwidth dots", "．．"],
    ["fullwidth solidus", "..／admin"],
    ["fullwidth reverse solidus", "..＼admin"],
    ["small reverse solidus", "..﹨admin"],
    ["division slash", "..∕admin"],
    ["fraction slash", "..⁄admin"],
    ["set minus", "..∖admin"],
    ["big solidus", "..⧸admin"],
    ["two dot leader", "‥"],
    ["one dot leaders", "․․"],
    ["ideographic full stops", "。。"],
    ["encoded fullwidth solidus", "..%ef%bc%8fadmin"],
    ["encoded two dot leader", "%e2%80%a5"],
    ["encoded fullwidth dots", "%ef%bc%8e%ef%bc%8e"],
    ["overlong UTF-8 dots and slash", "%c0%ae%c0%ae%c0%afadmin"],
    ["overlong UTF-8 backslash", "..%c1%9cadmin"],
    ["path parameter after dot-dot", "..;"],
    ["path parameter with a value", "..;jsessionid=1"],
    ["encoded path parameter", "%2e%2e%3b"],
    ["NUL", "a\u0000b"],
    ["encoded NUL", "admin%00.json"],
    ["CR LF", "a\r\nX-Injected: 1"],
    ["encoded CR LF", "a%0d%0aX-Injected:%201"],
    ["DEL", "a\u007fb"],
    ["C1 control (NEL)", "a\u0085b"],
    ["empty", ""],
  ])("%s: %j → 400 on params.id, nothing sent", async (_label, value) => {
    const before = seen.length;
    await expect(call("get_item", { id: value })).rejects.toMatchObject({
      code: "validation_error",
      status: 400,
      extra: { details: [{ field: "params.id", message: expect.any(String) }] },
    });
    expect(seen.length).toBe(before);
  });

  test("each placeholder is checked and named on its own", async () => {
    await expect(call("get_pair", { x: "ok", y: "%2e%2e" })).rejects.toMatchObject({
      extra: { details: [{ field: "params.y" }] },
    });
    await expect(call("get_pair", { x: "..;", y: "..;" })).rejects.toMatchObject({
      extra: { details: [{ field: "params.x" }] },
    });
    expect(seen).toEqual([]);
  });
});

describe("ordinary values still work", () => {
  test.each([
    ["version", "v1.2"],
    ["space", "a b"],
    ["percent sign", "50%"],
    ["percent sign and text", "50% off"],
    ["something that looks encoded but is not", "%zz"],
    ["an encoded percent sign", "100%25"],
    ["dots inside a name", "file.tar.gz"],
    ["leading dot", ".hidden"],
    ["dots next to letters", "..a"],
    ["query and fragment characters", "a?b#c"],
    ["plus and ampersand", "a+b&c=d"],
    ["tilde", "~user"],
    ["non-ASCII letters", "Zürich–Ωmega"],
    ["emoji", "🙂"],
    ["number", 42],
    ["boolean", true],
  ])("%s: %j arrives percent-encoded under the action's path", async (_label, value) => {
    const result = await call("get_item", { id: value });
    const expected = `/api/v1/items/${encodeURIComponent(String(value))}`;
    expect(result).toMatchObject({ status: 200, body: { path: expected } });
    expect(seen.at(-1)).toBe(expected);
  });

  test("query-string parameters may hold slashes and dots: they are encoded into the query", async () => {
    const result = await call("get_item", { id: "7", q: "../../admin", r: "%2e%2e/x", s: "．．／" });
    const query = new URLSearchParams({ q: "../../admin", r: "%2e%2e/x", s: "．．／" }).toString();
    expect(seen.at(-1)).toBe(`/api/v1/items/7?${query}`);
    expect(result.status).toBe(200);
  });
});
