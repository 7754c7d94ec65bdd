// An `admin`-scoped API key manages ordinary users and their keys, but cannot mint or take away
// administrator power: creating an administrator, changing a role, or acting on an
// administrator's account, sessions or keys needs a login session or a full-access key.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
let session: string;
let adminScoped: string;
let fullAccess: string;
let adminId: string;
let otherAdmin: { id: string; token: string };
let regular: { id: string; token: string };

beforeAll(async () => {
  server = await startTestServer();
  const login = await server.login(ADMIN.email, ADMIN.password);
  session = login.access_token;
  adminId = login.user.id;
  adminScoped = (await server.createKey(session, { name: "automation", scopes: "admin" })).key;
  fullAccess = (await server.createKey(session, { name: "full" })).key;
  otherAdmin = await server.createUser("second-admin@example.com", "second-admin-pw-1", "admin");
  regular = await server.createUser("regular@example.com");
});
afterAll(() => server.close());

function expectForbidden(answer: { status: number; body: any }) {
  expect(answer.status).toBe(403);
  expect(answer.body).toMatchObject({ error: "forbidden" });
  expect(answer.body.reason).toMatch(/login session or a full-access key/);
}

describe("with an admin-scoped key", () => {
  test("creating an administrator is refused, and no account is made", async () => {
    const answer = await server.api("POST", "/api/admin/users", {
      token: adminScoped,
      body: { email: "minted@example.com", password: "minted-password-1", role: "admin" },
    });
    expectForbidden(answer);
    expect(await server.ctx.db.user.findUnique({ where: { email: "minted@example.com" } })).toBeNull();
  });

  test("creating an ordinary user works", async () => {
    const answer = await server.api("POST", "/api/admin/users", {
      token: adminScoped,
      body: { email: "ordinary@example.com", password: "ordinary-password-1" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.role).toBe("user");
  });

  test("promoting a user is refused and the role stays", async () => {
    expectForbidden(
      await server.api("PATCH", `/api/admin/users/${regular.id}`, { token: adminScoped, body: { role: "admin" } }),
    );
    expect((await server.api("GET", `/api/admin/users/${regular.id}`, { token: adminScoped })).body.role).toBe("user");
  });

  test("demoting, disabling or ending the sessions of another administrator is refused", async () => {
    const target = `/api/admin/users/${otherAdmin.id}`;
    expectForbidden(await server.api("PATCH", target, { token: adminScoped, body: { role: "user" } }));
    expectForbidden(await server.api("PATCH", target, { token: adminScoped, body: { disabled: true } }));
    expectForbidden(await server.api("POST", `${target}/revoke-sessions`, { token: adminScoped }));
    // The other administrator is untouched and still signed in.
    expect((await server.api("GET", "/api/me", { token: otherAdmin.token })).body.user).toMatchObject({
      role: "admin",
      disabled: false,
    });
  });

  test("an administrator's keys cannot be disabled or deleted with it", async () => {
    const theirs = await server.createKey(otherAdmin.token, { name: "other admin's key" });
    expectForbidden(
      await server.api("PATCH", `/api/admin/api-keys/${theirs.id}`, { token: adminScoped, body: { is_active: false } }),
    );
    expectForbidden(await server.api("DELETE", `/api/admin/api-keys/${theirs.id}`, { token: adminScoped }));
    // Nor the keys of its own owner, an administrator too (it could switch off the session-made ones).
    const mine = (await server.api("GET", `/api/admin/api-keys?user_id=${adminId}`, { token: session })).body.items;
    const self = mine.find((k: any) => k.name === "automation");
    expectForbidden(
      await server.api("PATCH", `/api/admin/api-keys/${self.id}`, { token: adminScoped, body: { is_active: false } }),
    );
    expect((await server.api("GET", "/api/auth/verify", { token: theirs.key })).status).toBe(200);
  });

  test("ordinary users and their keys stay manageable", async () => {
    const theirs = await server.createKey(regular.token, { name: "regular's key" });
    const disabled = await server.api("PATCH", `/api/admin/api-keys/${theirs.id}`, {
      token: adminScoped,
      body: { is_active: false },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.is_active).toBe(false);
    const revoked = await server.api("POST", `/api/admin/users/${regular.id}/revoke-sessions`, { token: adminScoped });
    expect(revoked.status).toBe(200);
  });
});

describe("with a login session or a full-access key", () => {
  test.each([
    ["session", () => session],
    ["full-access key", () => fullAccess],
  ])("%s: an administrator can be created, and a role changed", async (_name, credential) => {
    const token = credential();
    const email = `new-admin-${_name.replace(/\W/g, "")}@example.com`;
    const created = await server.api("POST", "/api/admin/users", {
      token,
      body: { email, password: "new-admin-password-1", role: "admin" },
    });
    expect(created.status).toBe(201);
    const demoted = await server.api("PATCH", `/api/admin/users/${created.body.id}`, {
      token,
      body: { role: "user" },
    });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe("user");
  });
});
