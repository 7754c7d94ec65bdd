// Bad input gets a clear 4xx in the contract's body, never a 500 and never a quiet surprise:
// nesting bombs, broken compression, malformed path encoding, impossible dates, a blank scope
// list, the key limit, the proxy setting, and what a failed login leaves in the audit log.
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { loadConfig, parseTrustProxy } from "../../src/config.ts";
import { ADMIN, startTestServer, type TestServer, withAdminServer } from "../harness.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

function expectValidationError(answer: { status: number; body: any }, field?: string, status = 400) {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ error: "validation_error", message: expect.any(String) });
  if (field) expect(answer.body.details.map((d: any) => d.field)).toContain(field);
}

async function raw(path: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("nesting", () => {
  test.each([
    ["an object", (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`],
    ["an array", (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`],
  ])("%s nested 100,000 deep is a 400 on every kind of route", async (_kind, nest) => {
    const bomb = nest(100_000);
    for (const path of ["/api/auth/login", "/api/me/api-keys", "/api/agents", "/api/react"]) {
      expectValidationError(await raw(path, `{"x": ${bomb}}`, {}), "body");
    }
  });

  test("brackets inside strings do not count, and 64 levels are fine", async () => {
    const answer = await raw("/api/me/api-keys", JSON.stringify({ name: "[[[[{{{{".repeat(10) }), {});
    expect(answer.status).toBe(201);
    const deepButAllowed = `{"name": "ok", "x": ${"[".repeat(63)}${"]".repeat(63)}}`;
    // Refused for the unknown field, not for its depth.
    expectValidationError(await raw("/api/me/api-keys", deepButAllowed, {}), "x");
  });
});

describe("compressed bodies", () => {
  test("gzip is accepted", async () => {
    const answer = await raw("/api/me/api-keys", gzipSync(JSON.stringify({ name: "zipped" })), {
      "content-encoding": "gzip",
    });
    expect(answer.status).toBe(201);
  });

  test("a broken gzip stream is a 400", async () => {
    const broken = gzipSync(JSON.stringify({ name: "broken" })).subarray(0, 20);
    expectValidationError(await raw("/api/me/api-keys", broken, { "content-encoding": "gzip" }), "body");
    expectValidationError(await raw("/api/me/api-keys", "not gzip at all", { "content-encoding": "gzip" }), "body");
  });

  test("a gzip bomb stops at the body limit: 413", async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, " "));
    expect(bomb.length).toBeLessThan(100_000);
    expectValidationError(await raw("/api/me/api-keys", bomb, { "content-encoding": "gzip" }), "body", 413);
  });
});

test("a malformed percent-encoding in the path is a 400, not a 500", async () => {
  const answer = await server.api("GET", "/api/agents/%E0%A4%A", { token });
  expectValidationError(answer, "path");
});

describe("expiry dates", () => {
  const create = (expires_at: string) =>
    server.api("POST", "/api/me/api-keys", { token, body: { name: "d", expires_at } });

  test.each([
    "2027-02-30",
    "2027-02-29",
    "2027-04-31",
    "2027-13-01",
    "2027-00-10",
    "2027-04-31T10:00:00Z",
    "2027-01-01T24:00:00Z",
    "2027-01-01T10:60:00Z",
    "2027-01-01T10:00:00+24:00",
  ])("%s is not a real date", async (value) => {
    const answer = await create(value);
    expectValidationError(answer, "expires_at");
    expect(answer.body.details[0].message).toBe("is not a real date");
  });

  test("29 February in a leap year, and the accepted forms", async () => {
    for (const value of [
      "2028-02-29",
      "2028-02-29T12:00Z",
      "2028-02-29T12:00:00.5+0200",
      "2028-02-29T23:59:59-05:00",
    ]) {
      const answer = await create(value);
      expect(answer.status, value).toBe(201);
      await server.api("DELETE", `/api/me/api-keys/${answer.body.id}`, { token });
    }
    expect((await create("2028-02-29")).body.expires_at).toBe("2028-02-29T23:59:59.999Z");
  });
});

describe("the key limit", () => {
  test("has its own code and message, and holds under simultaneous creations", async () => {
    const limited = await startTestServer({ QUOTA_API_KEYS: "5" });
    try {
      await checkKeyLimit(limited);
    } finally {
      await limited.close();
    }
  });

  async function checkKeyLimit(server: TestServer) {
    const user = await server.createUser("many-keys@example.com");
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        server.api("POST", "/api/me/api-keys", { token: user.token, body: { name: `key ${i}` } }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    const refused = answers.filter((a) => a.status !== 201);
    for (const answer of refused) {
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: "quota_exceeded", quota: "api_keys", limit: 5 });
      expect(answer.body.message).toMatch(/5 API keys/);
    }
    expect(await server.ctx.db.apiKey.count({ where: { userId: user.id } })).toBe(5);
  }
});

describe("what a failed login leaves in the audit log", () => {
  const failedLogin = async (email: string) => {
    await server.api("POST", "/api/auth/login", { body: { email, password: "wrong-password-1" } });
    const entry = await server.ctx.db.auditLog.findFirst({
      where: { action: "login_failed" },
      orderBy: { createdAt: "desc" },
    });
    return JSON.parse(entry?.detail ?? "{}");
  };

  test("a well-formed address is kept", async () => {
    expect(await failedLogin("Someone@Example.com")).toMatchObject({ email: "someone@example.com" });
  });

  test("anything else (a password typed in the wrong field) is not", async () => {
    const detail = await failedLogin("hunter2-my-real-password");
    expect(detail).not.toHaveProperty("email");
    expect(JSON.stringify(detail)).not.toContain("hunter2");
  });

  test("a long address is cut to 100 characters", async () => {
    const detail = await failedLogin(`${"a".repeat(150)}@example.com`);
    expect(detail.email).toHaveLength(100);
  });
});

describe("TRUST_PROXY", () => {
  test.each([
    ["true", true],
    ["FALSE", false],
    ["1", 1],
    ["2", 2],
    ["loopback", ["loopback"]],
    ["loopback, 10.0.0.0/8, fd00::/8, 203.0.113.7", ["loopback", "10.0.0.0/8", "fd00::/8", "203.0.113.7"]],
  ])("%s is read as Express reads it", (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  test.each(["yes", "10.0.0.0/33", "not-an-address", "loopback,,"])(
    "%s stops the start with a clear message",
    (value) => {
      expect(() => loadConfig({ DATA_DIR: server.dataDir, TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  test.each([
    ["true", "198.51.100.1, 203.0.113.9", "198.51.100.1"],
    ["1", "198.51.100.1, 203.0.113.9", "203.0.113.9"],
    ["loopback", "203.0.113.9", "203.0.113.9"],
  ])(
    "a server with TRUST_PROXY=%s starts and takes the client address from X-Forwarded-For",
    async (setting, forwarded, expected) => {
      const proxied = await startTestServer({ TRUST_PROXY: setting });
      try {
        const login = await proxied.api("POST", "/api/auth/login", {
          body: { email: ADMIN.email, password: ADMIN.password },
          headers: { "x-forwarded-for": forwarded },
        });
        expect(login.status).toBe(200);
        const sessions = await proxied.api("GET", "/api/me/sessions", { token: login.body.access_token });
        expect(sessions.body.items[0].ip).toBe(expected);
      } finally {
        await proxied.close();
      }
    },
  );
});

describe("text that is not valid Unicode, and a null body", () => {
  test.each([
    ["/api/me/api-keys", '{"name": "\\ud800"}', "name"],
    ["/api/agents", '{"name": "ok", "knowledge_base_ids": ["\\udfff"]}', "knowledge_base_ids.0"],
    ["/api/react", '{"q": "2 + 2 \\ud83d"}', "q"],
    ["/api/knowledge-bases", '{"name": "ok", "description": "\\ud800\\ud800"}', "description"],
  ])("a lone surrogate in %s is a 400 naming the field", async (route, body, field) => {
    const answer = await raw(route, body, {});
    expectValidationError(answer, field);
    expect(answer.body.details[0].message).toMatch(/not valid Unicode/);
  });

  test("a pair of surrogates (an emoji) is fine", async () => {
    expect((await raw("/api/me/api-keys", '{"name": "\\ud83d\\ude00 key"}', {})).status).toBe(201);
  });

  test("a body that is JSON null is refused, not read as an empty object", async () => {
    const { id } = await server.createKey(token, { name: "not rolled" });
    const before = await server.ctx.db.apiKey.findUniqueOrThrow({ where: { id } });
    expectValidationError(await raw(`/api/me/api-keys/${id}/roll`, "null", {}), "body");
    expect((await server.ctx.db.apiKey.findUniqueOrThrow({ where: { id } })).hash).toBe(before.hash);
    expectValidationError(await raw("/api/auth/logout", "null", {}), "body");
    expect((await server.api("GET", "/api/me", { token })).status).toBe(200);
  });
});
