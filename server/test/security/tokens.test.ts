// Token forgery and confusion, beyond the contract's own cases in auth.test.ts: algorithm
// tricks, claims the server must insist on, tokens from elsewhere, credentials in places the
// API does not read them, keys that are almost right, and refresh-token races.
import { createHmac } from "node:crypto";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "../../src/auth/apiKeyFormat.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let admin: { access_token: string; refresh_token: string; user: { id: string } };
let secret: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.login(ADMIN.email, ADMIN.password);
  secret = server.ctx.config.jwtSecret;
});
afterAll(() => server.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWT signed with HMAC over any header and payload we like (what jsonwebtoken would refuse to make). */
function handRolled(header: object, payload: object, key = secret, hash = "sha256"): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac(hash, key).update(body).digest("base64url")}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = jwt.decode(admin.access_token) as Record<string, unknown>;
  const merged = { ...base, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete merged[key];
  return merged;
}

async function refused(token: string, code = "invalid_token") {
  const answer = await server.api("GET", "/api/me", { token });
  expect(answer.status).toBe(401);
  expect(answer.body.error).toBe(code);
  return answer;
}

describe("the signature and its algorithm", () => {
  test.each([
    ["RS256 header over an HMAC made with the secret (key confusion)", { alg: "RS256", typ: "JWT" }],
    ["ES256 header", { alg: "ES256", typ: "JWT" }],
    ["HS512 header, HS256 signature", { alg: "HS512", typ: "JWT" }],
    ["lower-case alg", { alg: "hs256", typ: "JWT" }],
    ["alg none spelled NONE", { alg: "NONE" }],
    ["no alg at all", { typ: "JWT" }],
  ])("%s → invalid_token", async (_name, header) => {
    await refused(handRolled(header, claims()));
  });

  test("a correct HS256 signature with a kid pointing elsewhere still needs the server's own secret", async () => {
    const withKid = handRolled({ alg: "HS256", typ: "JWT", kid: "../../../../dev/null" }, claims(), "");
    await refused(withKid);
  });

  test("a token from another installation (its own secret) → invalid_token", async () => {
    const other = await startTestServer();
    try {
      const theirs = await other.login(ADMIN.email, ADMIN.password);
      await refused(theirs.access_token);
      const refresh = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: theirs.refresh_token } });
      expect(refresh.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test.each([
    ["an extra segment", (t: string) => `${t}.e30`],
    ["a dropped signature", (t: string) => t.split(".").slice(0, 2).join(".")],
    ["padding added to the signature", (t: string) => `${t}==`],
    ["a standard-base64 signature", (t: string) => t.replace(/-/g, "+").replace(/_/g, "/")],
    ["a flipped last character", (t: string) => `${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`],
  ])("%s → invalid_token", async (_name, mangle) => {
    const mangled = mangle(admin.access_token);
    if (mangled !== admin.access_token) await refused(mangled);
  });
});

describe("claims the server insists on (validly signed with the real secret)", () => {
  const header = { alg: "HS256", typ: "JWT" };

  test.each([
    ["no typ claim", { typ: undefined }],
    ["typ Access (case)", { typ: "Access" }],
    ["typ refresh", { typ: "refresh", jti: "x" }],
    ["typ as a list", { typ: ["access"] }],
    ["no issuer", { iss: undefined }],
    ["another issuer", { iss: "someone-else" }],
    ["no exp", { exp: undefined }],
    ["exp as a string", { exp: "99999999999" }],
    ["no sid", { sid: undefined }],
    ["no sub", { sub: undefined }],
  ])("%s → invalid_token", async (_name, overrides) => {
    await refused(handRolled(header, claims(overrides)));
  });

  test("a token for another user's session (sub and sid that do not belong together) → invalid_token", async () => {
    const other = await server.createUser("session-owner@example.com");
    const theirSession = (jwt.decode(other.token) as { sid: string }).sid;
    await refused(handRolled(header, claims({ sid: theirSession })));
    await refused(handRolled(header, claims({ sub: other.id })));
  });

  test("the control: the same hand-rolled shape with all claims right is accepted", async () => {
    const answer = await server.api("GET", "/api/me", { token: handRolled(header, claims()) });
    expect(answer.status).toBe(200);
  });
});

describe("where a credential is read from", () => {
  test("REST reads only the Authorization header: a query parameter or a cookie is ignored", async () => {
    for (const route of [`/api/me?access_token=${admin.access_token}`, `/api/me?token=${admin.access_token}`]) {
      const response = await fetch(`${server.url}${route}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as any).error).toBe("unauthorized");
    }
    const withCookie = await server.api("GET", "/api/me", {
      headers: { cookie: `fim_access=${admin.access_token}; token=${admin.access_token}` },
    });
    expect(withCookie.status).toBe(401);
  });

  test("the body token is read on streaming routes only", async () => {
    const answer = await server.api("POST", "/api/agents", { body: { name: "x", token: admin.access_token } });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("unauthorized");
    const keys = await server.api("POST", "/api/me/api-keys", { body: { name: "x", token: admin.access_token } });
    expect(keys.status).toBe(401);
  });

  test("on streaming routes the header wins over the body", async () => {
    const scoped = await server.createKey(admin.access_token, { name: "kb only", scopes: "kb" });
    const answer = await server.api("POST", "/api/react", {
      token: scoped.key,
      body: { q: "2 + 2", token: admin.access_token },
    });
    expect(answer.status).toBe(403);
  });

  test.each([
    ["Basic", (t: string) => `Basic ${t}`],
    ["two tokens", (t: string) => `Bearer ${t} ${t}`],
    ["a comma list", (t: string) => `Bearer ${t}, Bearer ${t}`],
    ["a newline inside", (t: string) => `Bearer ${t.slice(0, 10)}\t${t.slice(10)}`],
  ])("an Authorization header with %s → invalid_token", async (_name, shape) => {
    const answer = await server.api("GET", "/api/me", { headers: { authorization: shape(admin.access_token) } });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("invalid_token");
  });
});

describe("API keys that are almost right", () => {
  let key: string;
  beforeAll(async () => {
    key = (await server.createKey(admin.access_token, { name: "almost" })).key;
  });

  test.each([
    ["upper-case prefix", (k: string) => `FIM_${k.slice(4)}`],
    ["one character short", (k: string) => k.slice(0, -1)],
    ["one character more", (k: string) => `${k}A`],
    ["a zero-width space appended", (k: string) => `${k}\u200b`],
    ["a Cyrillic look-alike (а for a)", (k: string) => `${k.slice(0, 10)}\u0430${k.slice(11)}`],
    ["a changed character", (k: string) => `${k.slice(0, 10)}${k[10] === "x" ? "y" : "x"}${k.slice(11)}`],
  ])("%s → invalid_token", async (_name, mangle) => {
    const mangled = mangle(key);
    expect(mangled).not.toBe(key);
    // In the body of a streaming route, where any Unicode can travel (a header cannot carry it).
    const answer = await server.api("POST", "/api/react", { body: { q: "2 + 2", token: mangled } });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("invalid_token");
  });

  test("a well-formed key with a valid checksum that nobody was issued → invalid_token", async () => {
    await refused(generateApiKey());
  });

  test("the key hash is not a credential", async () => {
    const row = await server.ctx.db.apiKey.findFirstOrThrow({ where: { prefix: key.slice(0, 8) } });
    await refused(row.hash);
    await refused(`fim_${row.hash.slice(0, 44)}`);
  });
});

describe("refresh tokens under pressure", () => {
  test("ten simultaneous refreshes with one token: one wins, and the reuse revokes the session", async () => {
    const pair = await server.login(ADMIN.email, ADMIN.password);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.api("POST", "/api/auth/refresh", { body: { refresh_token: pair.refresh_token } }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200)) {
      expect(loser.status).toBe(401);
      expect(loser.body.error).toBe("invalid_token");
    }
    // The losers presented a used token: theft is assumed and the whole session ends.
    await refused(winners[0]?.body.access_token);
    const again = await server.api("POST", "/api/auth/refresh", {
      body: { refresh_token: winners[0]?.body.refresh_token },
    });
    expect(again.status).toBe(401);
  });

  test("a refresh token stops working at logout, at password change and when its user is disabled", async () => {
    const user = await server.createUser("refresh-target@example.com", "refresh-password-1");
    const a = await server.login(user.email, "refresh-password-1");
    await server.api("POST", "/api/auth/logout", { token: a.access_token });
    expect((await server.api("POST", "/api/auth/refresh", { body: { refresh_token: a.refresh_token } })).status).toBe(
      401,
    );

    const b = await server.login(user.email, "refresh-password-1");
    const c = await server.login(user.email, "refresh-password-1");
    await server.api("POST", "/api/me/password", {
      token: c.access_token,
      body: { current_password: "refresh-password-1", new_password: "refresh-password-2" },
    });
    expect((await server.api("POST", "/api/auth/refresh", { body: { refresh_token: b.refresh_token } })).status).toBe(
      401,
    );

    await server.api("PATCH", `/api/admin/users/${user.id}`, { token: admin.access_token, body: { disabled: true } });
    expect((await server.api("POST", "/api/auth/refresh", { body: { refresh_token: c.refresh_token } })).status).toBe(
      401,
    );
  });
});
