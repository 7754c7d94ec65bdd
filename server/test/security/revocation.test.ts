// Every way a credential can lose its power takes effect on the very next request, with no wait
// and no cache window: each case warms the credential (so any cache holds it), revokes it, and
// uses it again immediately.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(() => server.close());

async function warm(token: string, route = "/api/me") {
  for (let i = 0; i < 3; i++) expect((await server.api("GET", route, { token })).status).toBe(200);
}

async function expectRefused(token: string, status: number, code: string, route = "/api/me") {
  const answer = await server.api("GET", route, { token });
  expect(answer.status).toBe(status);
  expect(answer.body.error).toBe(code);
}

let n = 0;
async function freshUser(role: "user" | "admin" = "user") {
  n++;
  return server.createUser(`revoked-${n}@example.com`, "revoked-password-1", role);
}

describe("API keys", () => {
  test("deleted → invalid_token", async () => {
    const user = await freshUser();
    const { key, id } = await server.createKey(user.token);
    await warm(key);
    await server.api("DELETE", `/api/me/api-keys/${id}`, { token: user.token });
    await expectRefused(key, 401, "invalid_token");
  });

  test("disabled → unauthorized; by an administrator too", async () => {
    const user = await freshUser();
    const mine = await server.createKey(user.token);
    const theirs = await server.createKey(user.token);
    await warm(mine.key);
    await warm(theirs.key);
    await server.api("PATCH", `/api/me/api-keys/${mine.id}`, { token: user.token, body: { is_active: false } });
    await server.api("PATCH", `/api/admin/api-keys/${theirs.id}`, { token: admin, body: { is_active: false } });
    await expectRefused(mine.key, 401, "unauthorized");
    await expectRefused(theirs.key, 401, "unauthorized");
  });

  test("rolled without overlap → the old secret is invalid_token, the new one works", async () => {
    const user = await freshUser();
    const { key, id } = await server.createKey(user.token);
    await warm(key);
    const rolled = await server.api("POST", `/api/me/api-keys/${id}/roll`, { token: user.token, body: {} });
    await expectRefused(key, 401, "invalid_token");
    expect((await server.api("GET", "/api/me", { token: rolled.body.key })).status).toBe(200);
  });

  test("rolled with an overlap → the old secret works until the overlap ends, not a second longer", async () => {
    const user = await freshUser();
    const { key, id } = await server.createKey(user.token);
    await warm(key);
    await server.api("POST", `/api/me/api-keys/${id}/roll`, { token: user.token, body: { overlap: "1h" } });
    await warm(key);
    server.clock.advance(3600);
    try {
      await expectRefused(key, 401, "invalid_token");
    } finally {
      server.clock.reset();
    }
  });

  test("scope removed → forbidden on the route it covered", async () => {
    const user = await freshUser();
    const { key, id } = await server.createKey(user.token, { name: "chat", scopes: "chat,agents" });
    await warm(key, "/api/conversations");
    await server.api("PATCH", `/api/me/api-keys/${id}`, { token: user.token, body: { scopes: "agents" } });
    await expectRefused(key, 403, "forbidden", "/api/conversations");
  });

  test("expiry moved into the past (by the clock) → token_expired", async () => {
    const user = await freshUser();
    const soon = new Date(server.clock.now().getTime() + 60_000).toISOString();
    const { key } = await server.createKey(user.token, { name: "soon", expires_at: soon });
    await warm(key);
    server.clock.advance(61);
    try {
      await expectRefused(key, 401, "token_expired");
    } finally {
      server.clock.reset();
    }
  });
});

describe("accounts", () => {
  test("user disabled by an administrator → every key and session refused", async () => {
    const user = await freshUser();
    const { key } = await server.createKey(user.token);
    await warm(key);
    await warm(user.token);
    await server.api("PATCH", `/api/admin/users/${user.id}`, { token: admin, body: { disabled: true } });
    await expectRefused(key, 401, "unauthorized");
    await expectRefused(user.token, 401, "invalid_token");
  });

  test("administrator demoted → admin routes forbidden at once, for the session and the key", async () => {
    const user = await freshUser("admin");
    const { key } = await server.createKey(user.token, { name: "admin work" });
    await warm(user.token, "/api/admin/users");
    await warm(key, "/api/admin/users");
    await server.api("PATCH", `/api/admin/users/${user.id}`, { token: admin, body: { role: "user" } });
    await expectRefused(user.token, 403, "forbidden", "/api/admin/users");
    await expectRefused(key, 403, "forbidden", "/api/admin/users");
  });
});

describe("sessions", () => {
  test("logout → the access token is invalid_token", async () => {
    const user = await freshUser();
    await warm(user.token);
    await server.api("POST", "/api/auth/logout", { token: user.token });
    await expectRefused(user.token, 401, "invalid_token");
  });

  test("one session revoked from another → invalid_token", async () => {
    const user = await freshUser();
    const other = await server.login(user.email, "revoked-password-1");
    await warm(other.access_token);
    const sessions = await server.api("GET", "/api/me/sessions", { token: user.token });
    const target = sessions.body.items.find((s: any) => !s.current && s.id);
    await server.api("DELETE", `/api/me/sessions/${target.id}`, { token: user.token });
    await expectRefused(other.access_token, 401, "invalid_token");
  });

  test("a refresh token used twice → the session is revoked: its access token is invalid_token", async () => {
    const user = await freshUser();
    const pair = await server.login(user.email, "revoked-password-1");
    await warm(pair.access_token);
    const body = { refresh_token: pair.refresh_token };
    expect((await server.api("POST", "/api/auth/refresh", { body })).status).toBe(200);
    expect((await server.api("POST", "/api/auth/refresh", { body })).status).toBe(401);
    await expectRefused(pair.access_token, 401, "invalid_token");
  });

  test("password changed → every other session refused, this one kept", async () => {
    const user = await freshUser();
    const other = await server.login(user.email, "revoked-password-1");
    await warm(other.access_token);
    await server.api("POST", "/api/me/password", {
      token: user.token,
      body: { current_password: "revoked-password-1", new_password: "revoked-password-2" },
    });
    await expectRefused(other.access_token, 401, "invalid_token");
    expect((await server.api("GET", "/api/me", { token: user.token })).status).toBe(200);
  });

  test("an administrator ends a user's sessions → refused; the user's keys keep working", async () => {
    const user = await freshUser();
    const { key } = await server.createKey(user.token);
    await warm(user.token);
    await server.api("POST", `/api/admin/users/${user.id}/revoke-sessions`, { token: admin });
    await expectRefused(user.token, 401, "invalid_token");
    expect((await server.api("GET", "/api/me", { token: key })).status).toBe(200);
  });

  test("the portal's cookie session ends with its REST twin: a revoked session is refused over tRPC too", async () => {
    const user = await freshUser();
    const browser = new PortalBrowser(server.url);
    await browser.login(user.email, "revoked-password-1");
    expect((await browser.query("keys.list", {})).status).toBe(200);
    await server.api("POST", `/api/admin/users/${user.id}/revoke-sessions`, { token: admin });
    const after = await browser.query("keys.list", {});
    expect(after.status).toBe(401);
    expect(after.error.data.error.error).toBe("invalid_token");
  });
});
