// Attack: server-side request forgery through a connector's base URL. A loopback service stands in
// for whatever the server can reach on its own network (metadata endpoints, admin ports, the LAN).
// Every spelling of a private address, every name that resolves to one, and a name whose DNS
// answer changes between the check and the connect (DNS rebinding) must be refused before that
// service sees a single request.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type HostResolver, systemResolver } from "../../src/lib/networkGuard.ts";
import { callConnectorAction } from "../../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

// A global unicast address: reachable in principle, refused (ECONNREFUSED) on this offline
// machine. Calls sent to it fail with 502/504, never reach the local upstream.
const PUBLIC_V4 = "93.184.216.34";
const PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946";

let upstream: Server;
const hits: IncomingMessage[] = [];
let port: number;

/** Scripted DNS: `*.test` names answer from `script`, with every question recorded. */
const questions: string[] = [];
let script: (hostname: string, nth: number) => { address: string; family: number }[] = () => [];
const resolveHost: HostResolver = async (hostname) => {
  if (!hostname.endsWith(".test")) return systemResolver(hostname);
  questions.push(hostname);
  return script(hostname, questions.filter((q) => q === hostname).length);
};
const v4 = (address: string) => ({ address, family: 4 });
const v6 = (address: string) => ({ address, family: 6 });

beforeAll(async () => {
  upstream = createServer((req, res) => {
    hits.push(req);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ internal: "secret data", host: req.headers.host }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  port = (upstream.address() as AddressInfo).port;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});
beforeEach(() => {
  questions.length = 0;
  script = () => [];
});

async function connectorOn(server: TestServer, baseUrl: string) {
  const { access_token, user } = await server.login(ADMIN.email, ADMIN.password);
  const created = await server.api("POST", "/api/connectors", {
    token: access_token,
    body: {
      name: "target",
      base_url: baseUrl,
      auth_header: "Bearer ssrf-test-secret",
      actions: [{ name: "read", method: "GET", path: "/data" }],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return (options: { timeoutMs?: number } = {}) =>
    callConnectorAction(server.ctx, user.id as string, created.body.id as string, "read", {}, undefined, {
      timeoutMs: options.timeoutMs ?? 2000,
    });
}

const refusedOnBaseUrl = {
  code: "validation_error",
  status: 400,
  message: expect.stringContaining("CONNECTOR_PRIVATE_NETWORKS=allow"),
  extra: { details: [{ field: "base_url", message: expect.any(String) }] },
};

describe("by default (CONNECTOR_PRIVATE_NETWORKS=block)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { resolveHost });
  });
  afterAll(() => server.close());

  // Spellings of a local or private host in the URL itself. WHATWG URL parsing turns most IPv4
  // forms into dotted decimal; IPv6 literals are checked byte by byte.
  test.each([
    ["loopback", () => `http://127.0.0.1:${port}`],
    ["short IPv4", () => `http://127.1:${port}`],
    ["hex IPv4", () => `http://0x7f000001:${port}`],
    ["hex dotted IPv4", () => `http://0x7f.0.0.1:${port}`],
    ["decimal IPv4", () => `http://2130706433:${port}`],
    ["octal IPv4", () => `http://0177.0.0.1:${port}`],
    ["zero-padded IPv4", () => `http://127.000.000.001:${port}`],
    ["trailing dot", () => `http://127.0.0.1.:${port}`],
    ["fullwidth digits", () => `http://１２７.０.０.１:${port}`],
    ["circled digits", () => `http://①②⑦.0.0.1:${port}`],
    ["other loopback address", () => `http://127.8.9.10:${port}`],
    ["0.0.0.0 (reaches loopback on Linux)", () => `http://0.0.0.0:${port}`],
    ["bare 0", () => `http://0:${port}`],
    ["IPv6 loopback", () => `http://[::1]:${port}`],
    ["IPv6 unspecified", () => `http://[::]:${port}`],
    ["IPv6 loopback, uncompressed", () => `http://[0000:0000:0000:0000:0000:0000:0000:0001]:${port}`],
    ["IPv4-mapped loopback", () => `http://[::ffff:7f00:1]:${port}`],
    ["IPv4-mapped, dotted", () => `http://[::ffff:127.0.0.1]:${port}`],
    ["IPv4-mapped, uncompressed and upper case", () => `http://[0:0:0:0:0:FFFF:127.0.0.1]:${port}`],
    ["IPv4-compatible", () => `http://[::127.0.0.1]:${port}`],
    ["SIIT IPv4-translated", () => `http://[::ffff:0:7f00:1]:${port}`],
    ["NAT64", () => `http://[64:ff9b::7f00:1]:${port}`],
    ["NAT64 of a public address", () => `http://[64:ff9b::808:808]:${port}`],
    ["local-use NAT64", () => `http://[64:ff9b:1::7f00:1]:${port}`],
    ["6to4 of loopback", () => `http://[2002:7f00:1::]:${port}`],
    ["6to4 of a private address", () => `http://[2002:c0a8:0101::1]:${port}`],
    ["Teredo", () => `http://[2001::7f00:1]:${port}`],
    ["discard-only", () => `http://[100::1]:${port}`],
    ["unique local", () => `http://[fd00::1]:${port}`],
    ["link-local", () => `http://[fe80::1]:${port}`],
    ["site-local", () => `http://[fec0::1]:${port}`],
    ["multicast", () => `http://[ff02::1]:${port}`],
    ["IPv6 documentation", () => `http://[2001:db8::1]:${port}`],
    ["IPv6 documentation (3fff::/20)", () => `http://[3fff::1]:${port}`],
    ["segment routing", () => `http://[5f00::1]:${port}`],
    ["cloud metadata", () => "http://169.254.169.254"],
    ["cloud metadata over IPv6", () => "http://[fd00:ec2::254]"],
    ["private LAN", () => "http://10.0.0.1"],
    ["carrier-grade NAT", () => "http://100.64.0.1"],
    ["IPv4 documentation", () => "http://192.0.2.1"],
    ["6to4 relay anycast", () => "http://192.88.99.1"],
    ["benchmarking", () => "http://198.18.0.1"],
    ["broadcast", () => "http://255.255.255.255"],
    ["localhost", () => `http://localhost:${port}`],
    ["localhost, upper case", () => `http://LOCALHOST:${port}`],
  ])("%s is refused before anything is sent", async (_label, baseUrl) => {
    const call = await connectorOn(server, baseUrl());
    await expect(call()).rejects.toMatchObject(refusedOnBaseUrl);
    expect(hits).toEqual([]);
  });

  // Names are resolved by ctx.resolveHost; every answer is checked.
  test.each([
    ["a private address", [v4("10.1.2.3")]],
    ["loopback", [v4("127.0.0.1")]],
    ["IPv6 loopback", [v6("::1")]],
    ["IPv4-mapped loopback", [v6("::ffff:127.0.0.1")]],
    ["IPv4-mapped loopback in hex", [v6("::FFFF:7F00:1")]],
    ["a link-local address with a zone id", [v6("fe80::1%lo")]],
    ["a public address with a zone id", [v6(`${PUBLIC_V6}%eth0`)]],
    ["something that is not an address", [v4("127.1")]],
    ["one public and one private address", [v4(PUBLIC_V4), v4("127.0.0.1")]],
    ["one private and one public address", [v4("127.0.0.1"), v4(PUBLIC_V4)]],
    ["public IPv6 and IPv6 loopback", [v6(PUBLIC_V6), v6("::1")]],
  ])("a name resolving to %s is refused", async (_label, answer) => {
    script = () => answer;
    const call = await connectorOn(server, `http://name.test:${port}`);
    await expect(call()).rejects.toMatchObject(refusedOnBaseUrl);
    expect(questions).toEqual(["name.test"]);
    expect(hits).toEqual([]);
  });

  test("DNS rebinding: public when checked, loopback when connecting — the checked address is the one dialled", async () => {
    script = (_host, nth) => (nth === 1 ? [v4(PUBLIC_V4)] : [v4("127.0.0.1")]);
    const call = await connectorOn(server, `http://rebind.test:${port}`);
    // The first call goes to the public address that was checked (unreachable here), not to a
    // second answer: one question for the one connection.
    const first = await call({ timeoutMs: 1000 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(hits).toEqual([]);
    expect(first).toMatchObject({ code: "internal_error" });
    expect([502, 504]).toContain((first as { status: number }).status);
    // It failed connecting to the checked address (refused here, or no answer), not looking the
    // name up again some other way.
    expect((first as Error).message).toMatch(new RegExp(`${PUBLIC_V4.replace(/\./g, "\\.")}|did not answer`));
    expect(questions).toEqual(["rebind.test"]);
    expect(hits).toEqual([]);
    // The next call asks again (no socket or answer kept from before) and is refused.
    await expect(call()).rejects.toMatchObject(refusedOnBaseUrl);
    expect(questions).toEqual(["rebind.test", "rebind.test"]);
    expect(hits).toEqual([]);
  });

  test("DNS rebinding over IPv6: public when checked, IPv4-mapped loopback after", async () => {
    script = (_host, nth) => (nth === 1 ? [v6(PUBLIC_V6)] : [v6("::ffff:127.0.0.1")]);
    const call = await connectorOn(server, `http://rebind6.test:${port}`);
    const first = await call({ timeoutMs: 1000 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(hits).toEqual([]);
    expect([502, 504]).toContain((first as { status: number }).status);
    expect((first as Error).message).not.toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(questions).toEqual(["rebind6.test"]);
    await expect(call()).rejects.toMatchObject(refusedOnBaseUrl);
    expect(hits).toEqual([]);
  });

  test("a resolver that fails is a 502, not a crash, and nothing is sent", async () => {
    script = () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND gone.test"), { code: "ENOTFOUND" });
    };
    const call = await connectorOn(server, `http://gone.test:${port}`);
    await expect(call()).rejects.toMatchObject({ code: "internal_error", status: 502 });
    script = () => [];
    await expect(call()).rejects.toMatchObject({ code: "internal_error", status: 502 });
    expect(hits).toEqual([]);
  });

  test("a resolver that hangs is cut off by the call's timeout", async () => {
    script = () => new Promise<never>(() => undefined) as never;
    const call = await connectorOn(server, `http://hang.test:${port}`);
    await expect(call({ timeoutMs: 200 })).rejects.toMatchObject({ code: "internal_error", status: 504 });
    expect(hits).toEqual([]);
  });
});

describe("with CONNECTOR_PRIVATE_NETWORKS=allow (positive control)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" }, { resolveHost });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    hits.length = 0;
  });

  test("the socket uses ctx.resolveHost's answer: a name only the test resolver knows is reached", async () => {
    script = () => [v4("127.0.0.1")];
    const call = await connectorOn(server, `http://upstream.test:${port}`);
    const result = await call();
    expect(result).toMatchObject({ status: 200, body: { internal: "secret data", host: `upstream.test:${port}` } });
    expect(hits).toHaveLength(1);
    expect(hits[0]?.headers.authorization).toBe("Bearer ssrf-test-secret");
    expect(questions).toEqual(["upstream.test"]);
  });

  test("the connection goes to the first answer even when a second lookup would differ", async () => {
    // 127.0.0.2 is loopback too, but nothing listens there: a second lookup would fail the call.
    script = (_host, nth) => (nth === 1 ? [v4("127.0.0.1")] : [v4("127.0.0.2")]);
    const call = await connectorOn(server, `http://flip.test:${port}`);
    expect((await call()).status).toBe(200);
    expect(questions).toEqual(["flip.test"]);
    expect(hits).toHaveLength(1);
  });

  test("one question per call: no pooled socket outlives a call", async () => {
    script = () => [v4("127.0.0.1")];
    const call = await connectorOn(server, `http://again.test:${port}`);
    await call();
    await call();
    expect(questions).toEqual(["again.test", "again.test"]);
    expect(hits).toHaveLength(2);
  });

  test("IPv4-mapped and literal loopback forms are reached without any lookup", async () => {
    for (const base of [`http://127.1:${port}`, `http://[::ffff:127.0.0.1]:${port}`]) {
      const call = await connectorOn(server, base);
      expect((await call()).status).toBe(200);
    }
    expect(hits).toHaveLength(2);
    expect(questions).toEqual([]);
  });
});
