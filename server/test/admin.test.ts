// /api/admin over REST: who may use it, users (create, search, disable/enable, role), everyone's
// keys, session revocation and the audit log with its filters.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let token: string;
let adminId: string;

beforeAll(async () => {
  server = await startTestServer();
  const login = await server.login(ADMIN.email, ADMIN.password);
  token = login.access_token;
  adminId = login.user.id;
});
afterAll(() => server.close());

const patchUser = (id: string, body: unknown, as = token) =>
  server.api("PATCH", `/api/admin/users/${id}`, { token: as, body });

describe("access", () => {
  test("a non-admin is forbidden even with an admin-scoped or full key; an admin needs the admin scope", async () => {
    const user = await server.createUser("admin-access@example.com");
    const adminScoped = await server.createKey(user.token, { name: "wants admin", scopes: "admin" });
    const full = await server.createKey(user.token, { name: "full" });
    for (const credential of [user.token, adminScoped.key, full.key]) {
      const response = await server.api("GET", "/api/admin/users", { token: credential });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        error: "forbidden",
        message: "Your API key does not have permission to access this resource",
      });
    }
    const kbOnly = await server.createKey(token, { name: "admin kb only", scopes: ["kb"] });
    expect((await server.api("GET", "/api/admin/users", { token: kbOnly.key })).status).toBe(403);
    const adminKey = await server.createKey(token, { name: "admin scope", scopes: ["admin"] });
    expect((await server.api("GET", "/api/admin/users", { token: adminKey.key })).status).toBe(200);
    expect((await server.api("GET", "/api/admin/users")).status).toBe(401);
  });
});

describe("users", () => {
  test("create, then find by search; the new user can log in", async () => {
    const created = await server.api("POST", "/api/admin/users", {
      token,
      body: { email: "New.Person@Example.com", password: "a-good-password-1", name: "New Person" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: "new.person@example.com",
      name: "New Person",
      role: "user",
      disabled: false,
    });
    expect(created.body).not.toHaveProperty("password");
    expect(JSON.stringify(created.body)).not.toContain("a-good-password-1");
    await server.login("new.person@example.com", "a-good-password-1");

    const found = await server.api("GET", "/api/admin/users?search=NEW.PERSON", { token });
    expect(found.body.items.map((u: any) => u.id)).toEqual([created.body.id]);
    const byName = await server.api("GET", "/api/admin/users?search=person", { token });
    expect(byName.body.items.map((u: any) => u.id)).toContain(created.body.id);
    expect((await server.api("GET", `/api/admin/users/${created.body.id}`, { token })).body.email).toBe(
      "new.person@example.com",
    );
    expect((await server.api("GET", "/api/admin/users/no-such-user", { token })).status).toBe(404);
  });

  test("paging over users", async () => {
    for (let i = 0; i < 3; i++) await server.createUser(`pager-${i}@example.com`);
    const first = await server.api("GET", "/api/admin/users?limit=2&search=pager-", { token });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await server.api("GET", `/api/admin/users?limit=2&search=pager-&cursor=${first.body.next_cursor}`, {
      token,
    });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
  });

  test.each([
    ["bad email", { email: "not-an-email", password: "a-good-password-1" }, "email"],
    ["short password", { email: "short@example.com", password: "x" }, "password"],
    ["unknown role", { email: "r@example.com", password: "a-good-password-1", role: "root" }, "role"],
    ["unknown field", { email: "f@example.com", password: "a-good-password-1", disabled: true }, "disabled"],
    ["duplicate email", { email: ADMIN.email, password: "a-good-password-1" }, "email"],
  ])("create with %s → validation_error", async (_label, body, field) => {
    const response = await server.api("POST", "/api/admin/users", { token, body });
    expect(response.status).toBe(400);
    expect(response.body.details.map((d: any) => d.field)).toContain(field);
  });

  test("disabling stops the user's key, access token and refresh token on the very next request", async () => {
    const password = "disable-me-password";
    const user = await server.createUser("to-disable@example.com", password);
    const session = await server.login("to-disable@example.com", password);
    const key = await server.createKey(user.token, { name: "soon dead" });
    // Used once, so it sits in the key cache.
    expect((await server.api("GET", "/api/agents", { token: key.key })).status).toBe(200);

    const disabled = await patchUser(user.id, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: user.id, disabled: true });

    const viaKey = await server.api("GET", "/api/agents", { token: key.key });
    expect(viaKey.status).toBe(401);
    expect(viaKey.body.error).toBe("unauthorized");
    expect((await server.api("GET", "/api/agents", { token: session.access_token })).status).toBe(401);
    const refresh = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: session.refresh_token } });
    expect(refresh.status).toBe(401);
    expect((await server.api("POST", "/api/auth/login", { body: { email: user.email, password } })).status).toBe(401);

    // Enabling brings the key back; the ended sessions stay ended.
    expect((await patchUser(user.id, { disabled: false })).body.disabled).toBe(false);
    expect((await server.api("GET", "/api/agents", { token: key.key })).status).toBe(200);
    expect((await server.api("GET", "/api/agents", { token: session.access_token })).status).toBe(401);
    await server.login(user.email, password);
  });

  test("a role change holds from the next request, even for a cached key", async () => {
    const user = await server.createUser("promote-me@example.com");
    const key = await server.createKey(user.token, { name: "k" });
    expect((await server.api("GET", "/api/admin/users", { token: key.key })).status).toBe(403);
    expect((await patchUser(user.id, { role: "admin" })).body.role).toBe("admin");
    expect((await server.api("GET", "/api/admin/users", { token: key.key })).status).toBe(200);
    expect((await server.api("GET", "/api/admin/users", { token: user.token })).status).toBe(200);
    expect((await patchUser(user.id, { role: "user" })).body.role).toBe("user");
    expect((await server.api("GET", "/api/admin/users", { token: key.key })).status).toBe(403);
  });

  test("an admin cannot disable or demote themselves", async () => {
    const disable = await patchUser(adminId, { disabled: true });
    expect(disable.status).toBe(400);
    expect(disable.body.details[0].field).toBe("disabled");
    const demote = await patchUser(adminId, { role: "user" });
    expect(demote.status).toBe(400);
    expect(demote.body.details[0].field).toBe("role");
    expect((await server.api("GET", "/api/admin/users", { token })).status).toBe(200);
  });

  test("PATCH validation and unknown users", async () => {
    const user = await server.createUser("patch-validation@example.com");
    expect((await patchUser(user.id, { disabled: "yes" })).status).toBe(400);
    expect((await patchUser(user.id, { email: "x@example.com" })).body.details[0].field).toBe("email");
    expect((await patchUser("no-such-user", { disabled: true })).status).toBe(404);
  });

  test("revoking sessions ends every login of the user; their keys keep working", async () => {
    const password = "revoke-my-sessions";
    const user = await server.createUser("revoke-sessions@example.com", password);
    const second = await server.login(user.email, password);
    const key = await server.createKey(user.token, { name: "survives" });
    const revoked = await server.api("POST", `/api/admin/users/${user.id}/revoke-sessions`, { token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ revoked_sessions: 2 });
    for (const access of [user.token, second.access_token]) {
      const response = await server.api("GET", "/api/me", { token: access });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe("invalid_token");
    }
    expect(
      (await server.api("POST", "/api/auth/refresh", { body: { refresh_token: second.refresh_token } })).status,
    ).toBe(401);
    expect((await server.api("GET", "/api/me", { token: key.key })).status).toBe(200);
    expect((await server.api("POST", "/api/admin/users/no-such-user/revoke-sessions", { token })).status).toBe(404);
  });
});

describe("everyone's keys", () => {
  test("listed with their owner, filterable by user; disable and delete hold from the next request", async () => {
    const user = await server.createUser("key-owner@example.com");
    const key = await server.createKey(user.token, { name: "owned key", scopes: "kb" });
    expect((await server.api("GET", "/api/knowledge-bases", { token: key.key })).status).toBe(200);

    const all = await server.api("GET", "/api/admin/api-keys?limit=100", { token });
    const listed = all.body.items.find((k: any) => k.id === key.id);
    expect(listed).toMatchObject({ name: "owned key", scopes: ["kb"], owner: { id: user.id, email: user.email } });
    expect(JSON.stringify(all.body)).not.toContain(key.key);
    const filtered = await server.api("GET", `/api/admin/api-keys?user_id=${user.id}`, { token });
    expect(filtered.body.items.map((k: any) => k.id)).toEqual([key.id]);

    const off = await server.api("PATCH", `/api/admin/api-keys/${key.id}`, { token, body: { is_active: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: key.id, is_active: false, status: "disabled" });
    const refused = await server.api("GET", "/api/knowledge-bases", { token: key.key });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("unauthorized");
    expect(
      (await server.api("PATCH", `/api/admin/api-keys/${key.id}`, { token, body: { is_active: true } })).status,
    ).toBe(200);
    expect((await server.api("GET", "/api/knowledge-bases", { token: key.key })).status).toBe(200);

    expect((await server.api("PATCH", `/api/admin/api-keys/${key.id}`, { token, body: { name: "x" } })).status).toBe(
      400,
    );
    expect((await server.api("DELETE", `/api/admin/api-keys/${key.id}`, { token })).status).toBe(204);
    const deleted = await server.api("GET", "/api/knowledge-bases", { token: key.key });
    expect(deleted.status).toBe(401);
    expect(deleted.body.error).toBe("invalid_token");
    expect((await server.api("DELETE", `/api/admin/api-keys/${key.id}`, { token })).status).toBe(404);
  });
});

describe("audit log", () => {
  test("records admin actions; filters by user, action and time; pages", async () => {
    server.clock.advance(3600);
    // An hour after its login, the session confirms its password again before changing roles (sudo mode).
    expect(
      (await server.api("POST", "/api/auth/reauthenticate", { token, body: { password: ADMIN.password } })).status,
    ).toBe(200);
    const since = server.clock.now().toISOString();
    const user = await server.createUser("audited@example.com");
    await patchUser(user.id, { disabled: true });
    await patchUser(user.id, { disabled: false });
    await patchUser(user.id, { role: "admin" });
    server.clock.advance(60);
    const until = server.clock.now().toISOString();
    server.clock.advance(60);
    await patchUser(user.id, { role: "user" });

    const forUser = await server.api("GET", `/api/admin/audit-log?user_id=${user.id}&limit=100`, { token });
    expect(forUser.status).toBe(200);
    expect(forUser.body.items.map((e: any) => e.action)).toEqual([
      "admin.user_role",
      "admin.user_role",
      "admin.user_enable",
      "admin.user_disable",
      "login",
    ]);
    const disable = forUser.body.items.find((e: any) => e.action === "admin.user_disable");
    expect(disable).toMatchObject({ actor_id: adminId, target_type: "user", target_id: user.id });
    expect(disable.detail).toMatchObject({ revoked_sessions: 1 });

    const byAction = await server.api("GET", `/api/admin/audit-log?action=admin.user_role&user_id=${user.id}`, {
      token,
    });
    expect(byAction.body.items.map((e: any) => e.detail)).toEqual([
      { from: "admin", to: "user" },
      { from: "user", to: "admin" },
    ]);

    const window = await server.api(
      "GET",
      `/api/admin/audit-log?user_id=${user.id}&since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`,
      { token },
    );
    expect(window.body.items.map((e: any) => e.action)).toEqual([
      "admin.user_role",
      "admin.user_enable",
      "admin.user_disable",
      "login",
    ]);
    const future = await server.api("GET", "/api/admin/audit-log?since=2999-01-01", { token });
    expect(future.body).toEqual({ items: [], next_cursor: null });

    const first = await server.api("GET", `/api/admin/audit-log?user_id=${user.id}&limit=2`, { token });
    expect(first.body.items).toHaveLength(2);
    const rest = await server.api(
      "GET",
      `/api/admin/audit-log?user_id=${user.id}&limit=10&cursor=${first.body.next_cursor}`,
      {
        token,
      },
    );
    expect(rest.body.items.map((e: any) => e.action)).toEqual(["admin.user_enable", "admin.user_disable", "login"]);

    const bad = await server.api("GET", "/api/admin/audit-log?since=yesterday", { token });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe("since");
  });
});
