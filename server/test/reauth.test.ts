// Re-authentication ("sudo mode"): creating a full-access or admin-scoped key, widening a key's
// scopes, creating an administrator and changing a role need the password confirmed in this login
// session within the last 10 minutes, over REST and over the portal's door alike. A login counts as
// a confirmation. (Changing the second factor: test/mfa.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

let server: TestServer;
let token: string;
let browser: PortalBrowser;

beforeAll(async () => {
  server = await startTestServer();
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  browser = new PortalBrowser(server.url);
  await browser.login(ADMIN.email, ADMIN.password);
});
afterAll(() => server.close());

const TEN_MINUTES = 600;

/** The refusal of a gated action: the contract's forbidden, telling how to re-authenticate. */
function expectReauthRequired(body: any): void {
  expect(body).toMatchObject({
    error: "forbidden",
    message: "Your API key does not have permission to access this resource",
    reauthenticate: true,
  });
  expect(body.reason).toContain("POST /api/auth/reauthenticate");
}

async function reauthenticate(password = ADMIN.password) {
  return server.api("POST", "/api/auth/reauthenticate", { token, body: { password } });
}

describe("gated actions", () => {
  test("right after login the gated actions pass; 10 minutes later they need the password again", async () => {
    const full = await server.api("POST", "/api/me/api-keys", { token, body: { name: "fresh full" } });
    expect(full.status).toBe(201);
    const portalFull = await browser.mutate("keys.create", { name: "fresh portal full" });
    expect(portalFull.status).toBe(200);

    server.clock.advance(TEN_MINUTES);

    // REST: full access and the admin scope are gated; other scopes are not.
    const refused = await server.api("POST", "/api/me/api-keys", { token, body: { name: "late full" } });
    expect(refused.status).toBe(403);
    expectReauthRequired(refused.body);
    expect(refused.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
    const adminScoped = await server.api("POST", "/api/me/api-keys", {
      token,
      body: { name: "late admin", scopes: "chat,admin" },
    });
    expect(adminScoped.status).toBe(403);
    expectReauthRequired(adminScoped.body);
    const chatOnly = await server.api("POST", "/api/me/api-keys", { token, body: { name: "chat", scopes: "chat" } });
    expect(chatOnly.status).toBe(201);

    // The portal's door refuses alike, with the same body.
    const portalRefused = await browser.mutate("keys.create", { name: "late portal full" });
    expect(portalRefused.status).toBe(403);
    expectReauthRequired(portalRefused.error.data.error);

    // Confirming the password in the REST session opens that session only, for 10 minutes.
    const before = server.clock.now().getTime();
    const confirmed = await reauthenticate();
    expect(confirmed.status).toBe(200);
    const at = Date.parse(confirmed.body.reauthenticated_at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(server.clock.now().getTime());
    expect(Date.parse(confirmed.body.sudo_until)).toBe(at + TEN_MINUTES * 1000);
    expect(confirmed.body.sudo_expires_in).toBe(TEN_MINUTES);
    expect((await server.api("POST", "/api/me/api-keys", { token, body: { name: "confirmed full" } })).status).toBe(
      201,
    );
    expect((await browser.mutate("keys.create", { name: "still refused" })).status).toBe(403);

    // The portal confirms in its own session, then its retry passes.
    const portalWrong = await browser.mutate("auth.reauthenticate", { password: "not-the-password" });
    expect(portalWrong.status).toBe(401);
    expect(portalWrong.error.data.error).toMatchObject({
      error: "unauthorized",
      reason: "Invalid password or two-factor code",
    });
    const portalConfirmed = await browser.mutate("auth.reauthenticate", { password: ADMIN.password, code: "123456" });
    expect(portalConfirmed.status).toBe(200);
    expect(portalConfirmed.data.sudo_expires_in).toBe(TEN_MINUTES);
    expect((await browser.mutate("keys.create", { name: "portal confirmed", scopes: ["admin"] })).status).toBe(200);

    // Ten minutes on, closed again.
    server.clock.advance(TEN_MINUTES);
    expectReauthRequired((await server.api("POST", "/api/me/api-keys", { token, body: { name: "closed" } })).body);
  });

  test("widening a key's scopes is gated on both doors; narrowing is not, and a refused widening changes nothing", async () => {
    expect((await reauthenticate()).status).toBe(200);
    const created = await server.api("POST", "/api/me/api-keys", { token, body: { name: "edit me", scopes: "chat" } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    server.clock.advance(TEN_MINUTES);

    const emptied = await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { scopes: null } });
    // No scopes is full access: the widest of all, so it is gated too.
    expect(emptied.status, JSON.stringify(emptied.body)).toBe(403);
    expectReauthRequired(emptied.body);
    const wider = await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { scopes: ["chat", "agents"] } });
    expect(wider.status).toBe(403);
    expectReauthRequired(wider.body);
    const portalWider = await browser.mutate("keys.update", { id, scopes: ["chat", "agents"] });
    expect(portalWider.status).toBe(403);
    expectReauthRequired(portalWider.error.data.error);
    const unchanged = await server.api("GET", `/api/me/api-keys/${id}`, { token });
    expect(unchanged.body.scopes).toEqual(["chat"]);

    // The same or fewer scopes never ask.
    const same = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token,
      body: { scopes: ["chat"], name: "kept" },
    });
    expect(same.status).toBe(200);

    expect((await reauthenticate()).status).toBe(200);
    const confirmed = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token,
      body: { scopes: ["chat", "agents"] },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.scopes).toEqual(["chat", "agents"]);
    server.clock.advance(TEN_MINUTES);
    const narrower = await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { scopes: ["agents"] } });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scopes).toEqual(["agents"]);
  });

  test("creating an administrator and changing a role are gated on both doors; other admin actions are not", async () => {
    server.clock.advance(TEN_MINUTES);
    const plain = await server.api("POST", "/api/admin/users", {
      token,
      body: { email: "plain@example.com", password: "plain-password-1" },
    });
    expect(plain.status).toBe(201);
    const disabled = await server.api("PATCH", `/api/admin/users/${plain.body.id}`, {
      token,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);

    const newAdmin = await server.api("POST", "/api/admin/users", {
      token,
      body: { email: "second.admin@example.com", password: "second-password-1", role: "admin" },
    });
    expect(newAdmin.status).toBe(403);
    expectReauthRequired(newAdmin.body);
    const promote = await server.api("PATCH", `/api/admin/users/${plain.body.id}`, { token, body: { role: "admin" } });
    expect(promote.status).toBe(403);
    expectReauthRequired(promote.body);
    const portalCreate = await browser.mutate("admin.createUser", {
      email: "third.admin@example.com",
      password: "third-password-1",
      role: "admin",
    });
    expect(portalCreate.status).toBe(403);
    expectReauthRequired(portalCreate.error.data.error);
    const portalPromote = await browser.mutate("admin.updateUser", { id: plain.body.id, role: "admin" });
    expect(portalPromote.status).toBe(403);
    expectReauthRequired(portalPromote.error.data.error);
    // Nothing was changed by the refusals.
    const unchanged = await server.api("GET", `/api/admin/users/${plain.body.id}`, { token });
    expect(unchanged.body.role).toBe("user");

    expect((await reauthenticate()).status).toBe(200);
    expect(
      (
        await server.api("POST", "/api/admin/users", {
          token,
          body: { email: "second.admin@example.com", password: "second-password-1", role: "admin" },
        })
      ).status,
    ).toBe(201);
    const promoted = await server.api("PATCH", `/api/admin/users/${plain.body.id}`, { token, body: { role: "admin" } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe("admin");

    expect((await browser.mutate("auth.reauthenticate", { password: ADMIN.password })).status).toBe(200);
    expect((await browser.mutate("admin.updateUser", { id: plain.body.id, role: "user" })).status).toBe(200);

    const audit = await server.api("GET", "/api/admin/audit-log?action=reauthenticated&limit=100", { token });
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.body.items[0]).toMatchObject({ actor_id: expect.any(String), target_type: "session" });
  });
});

describe("re-authenticating", () => {
  test("a wrong password is the login's 401, counted with the login attempts of the account", async () => {
    const user = await server.createUser("sudo.guesser@example.com", "guesser-password-1");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wrong = await server.api("POST", "/api/auth/reauthenticate", {
        token: user.token,
        body: { password: `wrong-guess-${i}` },
      });
      statuses.push(wrong.status);
      if (wrong.status === 401)
        expect(wrong.body).toMatchObject({ error: "unauthorized", reason: "Invalid password or two-factor code" });
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // The account's login is throttled too: the same counter.
    const login = await server.api("POST", "/api/auth/login", {
      body: { email: user.email, password: "guesser-password-1" },
    });
    expect(login.status).toBe(429);
  });

  test("API keys: a key cannot re-authenticate; a full-access key passes the gate, a scoped key is refused", async () => {
    expect((await reauthenticate()).status).toBe(200);
    const full = await server.createKey(token, { name: "automation" });
    const adminScoped = await server.createKey(token, { name: "admin scoped", scopes: "admin" });
    server.clock.advance(TEN_MINUTES * 3);

    const keyReauth = await server.api("POST", "/api/auth/reauthenticate", {
      token: full.key,
      body: { password: ADMIN.password },
    });
    expect(keyReauth.status).toBe(403);
    expect(keyReauth.body).toMatchObject({ error: "forbidden" });
    expect(keyReauth.body.reason).toMatch(/login session/);

    // A full-access key was itself created under the gate; programs holding one keep working.
    expect((await server.api("POST", "/api/me/api-keys", { token: full.key, body: { name: "minted" } })).status).toBe(
      201,
    );
    const fullAdmin = await server.api("POST", "/api/admin/users", {
      token: full.key,
      body: { email: "key.made.admin@example.com", password: "key-made-password-1", role: "admin" },
    });
    expect(fullAdmin.status).toBe(201);

    // A scoped key never passes.
    const scopedAdmin = await server.api("POST", "/api/admin/users", {
      token: adminScoped.key,
      body: { email: "scoped.made.admin@example.com", password: "scoped-password-1", role: "admin" },
    });
    expect(scopedAdmin.status).toBe(403);
    expect(scopedAdmin.body.reauthenticate).toBeUndefined();
  });
});
