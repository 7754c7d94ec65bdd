// The contract's credential errors, one by one: status, body and WWW-Authenticate, plus JWT
// rotation, reuse detection, logout and login throttling.
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "../src/auth/apiKeyFormat.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

const MESSAGES = {
  unauthorized: "Authentication required",
  invalid_token: "The provided token is invalid or expired",
  token_expired: "Your token has expired. Please refresh your authentication.",
  forbidden: "Your API key does not have permission to access this resource",
} as const;

let server: TestServer;
let admin: { access_token: string; refresh_token: string };

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.login(ADMIN.email, ADMIN.password);
});
afterAll(() => server.close());

/** Calls /api/me with the given Authorization header and checks the documented error. */
async function expectError(
  authorization: string | undefined,
  code: keyof typeof MESSAGES,
  route = "/api/me",
): Promise<{ body: any; headers: Headers }> {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  const response = await server.api("GET", route, { headers });
  expect(response.body).toMatchObject({ error: code, message: MESSAGES[code] });
  expect(response.status).toBe(code === "forbidden" ? 403 : 401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer /);
  const bearerError = { unauthorized: "invalid_request", forbidden: "insufficient_scope" }[code as string];
  expect(challenge).toContain(`error="${bearerError ?? "invalid_token"}"`);
  return response;
}

function forgeJwt(header: object, payload: object, signature = ""): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

describe("credential errors", () => {
  test("no Authorization header → 401 unauthorized", async () => {
    await expectError(undefined, "unauthorized");
  });

  test("an empty bearer value → 401 unauthorized", async () => {
    await expectError("Bearer ", "unauthorized");
  });

  test("a key with the wrong prefix → 401 invalid_token", async () => {
    const key = generateApiKey().replace(/^fim_/, "fom_");
    await expectError(`Bearer ${key}`, "invalid_token");
  });

  test("a key with a bad checksum → 401 invalid_token, before any lookup", async () => {
    const key = generateApiKey();
    const last = key.at(-1) === "A" ? "B" : "A";
    const { body } = await expectError(`Bearer ${key.slice(0, -1)}${last}`, "invalid_token");
    expect(body.reason).toMatch(/checksum/i);
  });

  test("a well-formed key nobody issued → 401 invalid_token", async () => {
    await expectError(`Bearer ${generateApiKey()}`, "invalid_token");
  });

  test("a deleted key → 401 invalid_token on the very next request", async () => {
    const { key, id } = await server.createKey(admin.access_token);
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
    const deleted = await server.api("DELETE", `/api/me/api-keys/${id}`, { token: admin.access_token });
    expect(deleted.status).toBe(204);
    await expectError(`Bearer ${key}`, "invalid_token");
  });

  test("a disabled key → 401 unauthorized; enabling it again restores access", async () => {
    const { key, id } = await server.createKey(admin.access_token);
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
    const off = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token: admin.access_token,
      body: { is_active: false },
    });
    expect(off.body.is_active).toBe(false);
    expect(off.body.status).toBe("disabled");
    await expectError(`Bearer ${key}`, "unauthorized");
    await server.api("PATCH", `/api/me/api-keys/${id}`, { token: admin.access_token, body: { is_active: true } });
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
  });

  test("an expired key → 401 token_expired, and the list shows it as expired", async () => {
    const expiresAt = new Date(server.clock.now().getTime() + 3_600_000).toISOString();
    const { key, id } = await server.createKey(admin.access_token, { name: "short-lived", expires_at: expiresAt });
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
    server.clock.advance(3_601);
    try {
      await expectError(`Bearer ${key}`, "token_expired");
      const fresh = await server.login(ADMIN.email, ADMIN.password);
      const list = await server.api("GET", "/api/me/api-keys?limit=100", { token: fresh.access_token });
      expect(list.body.items.find((k: any) => k.id === id)).toMatchObject({ status: "expired", is_active: true });
    } finally {
      server.clock.reset();
    }
  });

  test("an expired access token → 401 token_expired (clock moved, no sleep)", async () => {
    const { access_token } = await server.login(ADMIN.email, ADMIN.password);
    expect((await server.api("GET", "/api/me", { token: access_token })).status).toBe(200);
    server.clock.advance(7_201);
    try {
      await expectError(`Bearer ${access_token}`, "token_expired");
    } finally {
      server.clock.reset();
    }
  });

  test("a tampered access token (payload changed, signature kept) → 401 invalid_token", async () => {
    const other = await server.createUser("tamper@example.com");
    const [header, payload, signature] = admin.access_token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    claims.sub = other.id;
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    await expectError(`Bearer ${forged}`, "invalid_token");
  });

  test("alg: none → 401 invalid_token", async () => {
    const claims = jwt.decode(admin.access_token) as Record<string, unknown>;
    await expectError(`Bearer ${forgeJwt({ alg: "none", typ: "JWT" }, claims)}`, "invalid_token");
  });

  test("a token signed with another secret or another algorithm → 401 invalid_token", async () => {
    const claims = jwt.decode(admin.access_token) as Record<string, unknown>;
    const wrongSecret = jwt.sign(claims, "not-the-server-secret-but-long-enough-0123456789");
    await expectError(`Bearer ${wrongSecret}`, "invalid_token");
    const hs512 = jwt.sign(claims, server.ctx.config.jwtSecret, { algorithm: "HS512" });
    await expectError(`Bearer ${hs512}`, "invalid_token");
  });

  test("a refresh token used as an access token → 401 invalid_token", async () => {
    const { refresh_token } = await server.login(ADMIN.email, ADMIN.password);
    await expectError(`Bearer ${refresh_token}`, "invalid_token");
  });

  test("an access token used as a refresh token → 401 invalid_token", async () => {
    const { access_token } = await server.login(ADMIN.email, ADMIN.password);
    const response = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: access_token } });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: "invalid_token", message: MESSAGES.invalid_token });
  });

  test("a scoped key on key management → 403 forbidden with insufficient_scope", async () => {
    const { key } = await server.createKey(admin.access_token, { name: "scoped", scopes: "chat" });
    await expectError(`Bearer ${key}`, "forbidden", "/api/me/api-keys");
    const mint = await server.api("POST", "/api/me/api-keys", { token: key, body: { name: "escalate" } });
    expect(mint.status).toBe(403);
    expect(mint.body.error).toBe("forbidden");
  });

  test("a full-access key may manage keys", async () => {
    const { key } = await server.createKey(admin.access_token, { name: "full" });
    const list = await server.api("GET", "/api/me/api-keys", { token: key });
    expect(list.status).toBe(200);
  });

  test("a disabled user's keys and tokens stop working on the next request", async () => {
    const user = await server.createUser("soon-disabled@example.com");
    const { key } = await server.createKey(user.token);
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
    await server.ctx.db.user.update({ where: { id: user.id }, data: { disabled: true } });
    server.ctx.credentials.invalidateUser(user.id);
    await expectError(`Bearer ${key}`, "unauthorized");
    await expectError(`Bearer ${user.token}`, "unauthorized");
  });
});

describe("verify", () => {
  test("tells a login session from an API key", async () => {
    const jwtAnswer = await server.api("GET", "/api/auth/verify", { token: admin.access_token });
    expect(jwtAnswer.status).toBe(200);
    expect(jwtAnswer.body).toMatchObject({ valid: true, type: "jwt", scopes: [], user: { email: ADMIN.email } });
    expect(Date.parse(jwtAnswer.body.expires_at)).toBeGreaterThan(Date.now());

    const { key } = await server.createKey(admin.access_token, { name: "kb only", scopes: ["kb"] });
    const keyAnswer = await server.api("GET", "/api/auth/verify", { token: key });
    expect(keyAnswer.body).toMatchObject({ valid: true, type: "api_key", scopes: ["kb"], expires_at: null });
    expect(keyAnswer.body.key_prefix).toBe(key.slice(0, 8));
  });

  test("answers the same 401 bodies as every other endpoint", async () => {
    await expectError(undefined, "unauthorized", "/api/auth/verify");
    await expectError(`Bearer ${generateApiKey()}`, "invalid_token", "/api/auth/verify");
  });
});

describe("refresh tokens and sessions", () => {
  test("rotation: the new pair works, the old refresh token is refused, reuse revokes the session", async () => {
    const first = await server.login(ADMIN.email, ADMIN.password);
    const rotated = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: first.refresh_token } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ token_type: "bearer", expires_in: 7200 });
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect((await server.api("GET", "/api/me", { token: rotated.body.access_token })).status).toBe(200);

    // The old refresh token is refused, and presenting it revokes the whole session.
    const reuse = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: first.refresh_token } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toBe("invalid_token");
    const newest = await server.api("POST", "/api/auth/refresh", {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(newest.status).toBe(401);
    await expectError(`Bearer ${rotated.body.access_token}`, "invalid_token");
    const audit = await server.ctx.db.auditLog.findFirst({ where: { action: "refresh_reuse_detected" } });
    expect(audit).not.toBeNull();
  });

  test("two concurrent refreshes with the same token: exactly one succeeds", async () => {
    const { refresh_token } = await server.login(ADMIN.email, ADMIN.password);
    const results = await Promise.all(
      [0, 1, 2].map(() => server.api("POST", "/api/auth/refresh", { body: { refresh_token } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(2);
  });

  test("logout by refresh token revokes the session and its access token", async () => {
    const pair = await server.login(ADMIN.email, ADMIN.password);
    const out = await server.api("POST", "/api/auth/logout", { body: { refresh_token: pair.refresh_token } });
    expect(out.status).toBe(204);
    await expectError(`Bearer ${pair.access_token}`, "invalid_token");
    const again = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: pair.refresh_token } });
    expect(again.status).toBe(401);
  });

  test("logout with the access token in the header works too", async () => {
    const pair = await server.login(ADMIN.email, ADMIN.password);
    const out = await server.api("POST", "/api/auth/logout", { token: pair.access_token });
    expect(out.status).toBe(204);
    await expectError(`Bearer ${pair.access_token}`, "invalid_token");
  });

  test("sessions are listed with device and address, and one can be revoked", async () => {
    const other = await server.api("POST", "/api/auth/login", {
      body: ADMIN,
      headers: { "user-agent": "SessionTest/1.0" },
    });
    const mine = await server.login(ADMIN.email, ADMIN.password);
    const list = await server.api("GET", "/api/me/sessions", { token: mine.access_token });
    const listed = list.body.items.find((s: any) => s.user_agent === "SessionTest/1.0");
    expect(listed).toMatchObject({ ip: expect.stringContaining("127.0.0.1") });
    expect(list.body.items.find((s: any) => s.current)).toBeDefined();
    const revoked = await server.api("DELETE", `/api/me/sessions/${listed.id}`, { token: mine.access_token });
    expect(revoked.status).toBe(204);
    await expectError(`Bearer ${other.body.access_token}`, "invalid_token");
    expect((await server.api("GET", "/api/me", { token: mine.access_token })).status).toBe(200);
  });

  test("changing the password ends the other sessions but keeps this one", async () => {
    const user = await server.createUser("pw-change@example.com", "old-password-1");
    const elsewhere = await server.login("pw-change@example.com", "old-password-1");
    const wrong = await server.api("POST", "/api/me/password", {
      token: user.token,
      body: { current_password: "not-it-at-all", new_password: "new-password-2" },
    });
    expect(wrong.status).toBe(400);
    const changed = await server.api("POST", "/api/me/password", {
      token: user.token,
      body: { current_password: "old-password-1", new_password: "new-password-2" },
    });
    expect(changed.status).toBe(204);
    expect((await server.api("GET", "/api/me", { token: user.token })).status).toBe(200);
    await expectError(`Bearer ${elsewhere.access_token}`, "invalid_token");
    await server.login("pw-change@example.com", "new-password-2");
  });
});

describe("login", () => {
  test("wrong password and unknown email give the same 401 body", async () => {
    const wrong = await server.api("POST", "/api/auth/login", { body: { email: ADMIN.email, password: "nope-nope" } });
    const unknown = await server.api("POST", "/api/auth/login", {
      body: { email: "nobody@example.com", password: "nope-nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toMatchObject({ error: "unauthorized" });
  });

  test("emails are case-insensitive", async () => {
    const tokens = await server.login(ADMIN.email.toUpperCase(), ADMIN.password);
    expect(tokens.user.email).toBe(ADMIN.email);
  });

  test("a failed login costs one argon2 verification whether or not the email exists", async () => {
    // What an attacker could time is the work done, so count the work rather than the clock:
    // every outcome pays exactly one full argon2id verification.
    const cost = async (email: string, password = "wrong-password") => {
      const before = server.ctx.passwords.verifications;
      await server.api("POST", "/api/auth/login", { body: { email, password } });
      return server.ctx.passwords.verifications - before;
    };
    const user = await server.createUser("timing@example.com", "timing-password-1");
    expect(await cost("timing@example.com")).toBe(1);
    expect(await cost("ghost@example.com")).toBe(1);
    expect(await cost("timing@example.com", "timing-password-1")).toBe(1);
    await server.ctx.db.user.update({ where: { id: user.id }, data: { disabled: true } });
    expect(await cost("timing@example.com", "timing-password-1")).toBe(1);
  });

  test("per-account throttling: 429 rate_limited with Retry-After, even for the right password", async () => {
    await server.createUser("throttled@example.com", "right-password-1");
    for (let i = 0; i < 5; i++) {
      const r = await server.api("POST", "/api/auth/login", {
        body: { email: "throttled@example.com", password: "wrong-password" },
      });
      expect(r.status).toBe(401);
    }
    const blocked = await server.api("POST", "/api/auth/login", {
      body: { email: "throttled@example.com", password: "right-password-1" },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: "rate_limited" });
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.body.retry_after).toBe(Number(blocked.headers.get("retry-after")));
  });

  test("per-address throttling covers many accounts from one client", async () => {
    const strict = await startTestServer({ LOGIN_MAX_FAILURES_PER_IP: "3" });
    try {
      for (let i = 0; i < 3; i++) {
        await strict.api("POST", "/api/auth/login", { body: { email: `x${i}@example.com`, password: "whatever1" } });
      }
      const blocked = await strict.api("POST", "/api/auth/login", { body: ADMIN });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await strict.close();
    }
  });

  test("login and failed login are audited without the password", async () => {
    const rows = await server.ctx.db.auditLog.findMany({ where: { action: { startsWith: "login" } } });
    expect(rows.some((r) => r.action === "login")).toBe(true);
    expect(rows.some((r) => r.action === "login_failed")).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(ADMIN.password);
  });
});
