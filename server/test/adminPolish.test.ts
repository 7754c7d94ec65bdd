// The portal's admin and account pages, as the server answers them: audit entries that name the
// people and keys they are about, a "from" after "to" refused at its field, sessions told apart by
// their last activity, and "log out all other sessions".
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SessionActivity } from "../src/auth/sessionActivity.ts";
import { createLogger } from "../src/logger.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

let server: TestServer;
let token: string;
let portal: PortalBrowser;

beforeAll(async () => {
  server = await startTestServer();
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  portal = new PortalBrowser(server.url);
  await portal.login(ADMIN.email, ADMIN.password);
});
afterAll(() => server.close());

async function auditOf(query: string) {
  const answer = await server.api("GET", `/api/admin/audit-log?${query}`, { token });
  expect(answer.status).toBe(200);
  return answer.body.items as any[];
}

describe("audit entries name who and what", () => {
  test("the actor, the user and the key (name and prefix as they were) come with each entry, on both doors", async () => {
    const bob = await server.createUser("bob@example.com");
    await server.ctx.db.user.update({ where: { id: bob.id }, data: { name: "Bob Stone" } });
    const key = await server.createKey(bob.token, { name: "Zapier" });
    const prefix = key.key.slice(0, 8);
    expect(
      (await server.api("PATCH", `/api/admin/api-keys/${key.id}`, { token, body: { is_active: false } })).status,
    ).toBe(200);
    expect(
      (await server.api("PATCH", `/api/me/api-keys/${key.id}`, { token: bob.token, body: { name: "Zapier 2" } }))
        .status,
    ).toBe(200);
    expect((await server.api("PATCH", `/api/admin/users/${bob.id}`, { token, body: { role: "admin" } })).status).toBe(
      200,
    );
    expect((await server.api("DELETE", `/api/me/api-keys/${key.id}`, { token: bob.token })).status).toBe(204);

    const entries = await auditOf(`user_id=${bob.id}&limit=100`);
    const byAction = (action: string) => entries.find((entry) => entry.action === action);
    const admin = { email: ADMIN.email };
    const bobPerson = { id: bob.id, email: "bob@example.com", name: "Bob Stone" };

    expect(byAction("admin.user_role")).toMatchObject({
      actor: admin,
      target_user: bobPerson,
      target_key: null,
      detail: { from: "user", to: "admin" },
    });
    expect(byAction("login")).toMatchObject({ actor: bobPerson, target_user: null });

    // The key's entries come from the key's own audit trail (actor Bob or the admin, target the key).
    const keyEntries = await auditOf(`limit=100&action=admin.api_key_disable`);
    const disabled = keyEntries.find((entry) => entry.target_id === key.id);
    // Deleted since, the key keeps the name and prefix the entry recorded; its owner is no longer known.
    expect(disabled).toMatchObject({
      actor: admin,
      target_type: "api_key",
      target_key: { id: key.id, name: "Zapier", prefix, exists: false, owner: null },
    });
    const renamed = (await auditOf("limit=100&action=api_key.update")).find((entry) => entry.target_id === key.id);
    expect(renamed).toMatchObject({
      actor: bobPerson,
      target_key: { name: "Zapier 2", prefix },
      detail: { name: { before: "Zapier", after: "Zapier 2" } },
    });
    const deleted = (await auditOf("limit=100&action=api_key.delete")).find((entry) => entry.target_id === key.id);
    expect(deleted).toMatchObject({ target_key: { name: "Zapier 2", prefix, exists: false } });

    // The portal's procedure answers the same entries.
    const viaPortal = await portal.query("admin.audit", { user_id: bob.id, action: "admin.user_role" });
    expect(viaPortal.status).toBe(200);
    expect(viaPortal.data.items[0]).toMatchObject({ actor: admin, target_user: bobPerson });
  });

  test("a key that still exists is named with its owner", async () => {
    const carol = await server.createUser("carol@example.com");
    const key = await server.createKey(carol.token, { name: "CI" });
    const created = (await auditOf("limit=100&action=api_key.create")).find((entry) => entry.target_id === key.id);
    expect(created.target_key).toMatchObject({
      name: "CI",
      prefix: key.key.slice(0, 8),
      exists: true,
      owner: { id: carol.id, email: "carol@example.com" },
    });
  });

  test("a 'from' after 'to' is refused at the since field on both doors", async () => {
    const rest = await server.api("GET", "/api/admin/audit-log?since=2026-03-02&until=2026-03-01", { token });
    expect(rest.status).toBe(400);
    expect(rest.body).toMatchObject({ error: "validation_error", details: [{ field: "since" }] });
    const trpc = await portal.query("admin.audit", {
      since: "2026-03-02T10:00:00.000Z",
      until: "2026-03-02T09:00:00.000Z",
    });
    expect(trpc.status).toBe(400);
    expect(trpc.error.data.error.details[0].field).toBe("since");
    // The same instant as both ends is a window, not an error.
    const same = await server.api("GET", "/api/admin/audit-log?since=2026-03-02&until=2026-03-02", { token });
    expect(same.status).toBe(200);
  });
});

describe("sessions", () => {
  test("requests move a session's last activity without writing on the request path", async () => {
    // createUser's own login is the session under test (logging in made no request with its token).
    const dana = await server.createUser("dana@example.com");
    const row = () => server.ctx.db.session.findFirstOrThrow({ where: { userId: dana.id } });
    const loggedIn = await row();
    server.clock.advance(300);
    const usedAt = server.clock.now().getTime();
    expect((await server.api("GET", "/api/me", { token: dana.token })).status).toBe(200);
    // Shown at once (noted in memory, or already written by the timer) …
    const [listed] = (await server.api("GET", "/api/me/sessions", { token: dana.token })).body.items as any[];
    expect(Date.parse(listed.last_used_at)).toBeGreaterThanOrEqual(usedAt);
    expect(listed.created_at).toBe(loggedIn.createdAt.toISOString());
    // … and in the database once the batch is written.
    await server.ctx.sessionActivity.flush();
    expect((await row()).lastUsedAt.getTime()).toBeGreaterThanOrEqual(usedAt);
  });

  test("the activity recorder writes nothing until it flushes, once a minute per session at most, never backwards", async () => {
    const user = await server.createUser("activity@example.com");
    // No request was made with this session's token: only the recorder below moves it.
    const session = await server.ctx.db.session.findFirstOrThrow({ where: { userId: user.id } });
    const stored = async () => server.ctx.db.session.findUniqueOrThrow({ where: { id: session.id } });
    const recorder = new SessionActivity(
      { db: () => server.ctx.db, writable: () => true, provider: server.ctx.config.databaseProvider },
      createLogger("silent"),
      1000,
    );
    const t0 = session.lastUsedAt.getTime();

    recorder.note(session.id, new Date(t0 + 120_000));
    expect((await stored()).lastUsedAt.getTime()).toBe(t0);
    await recorder.flush();
    expect((await stored()).lastUsedAt.getTime()).toBe(t0 + 120_000);

    // Within a minute of the last write: not even kept.
    recorder.note(session.id, new Date(t0 + 150_000));
    expect(recorder.pendingFor(session.id)).toBeUndefined();
    // An older time (another instance's late note) does not move the row back.
    const late = new SessionActivity(
      { db: () => server.ctx.db, writable: () => true, provider: server.ctx.config.databaseProvider },
      createLogger("silent"),
      1000,
    );
    late.note(session.id, new Date(t0 + 60_000));
    await late.flush();
    expect((await stored()).lastUsedAt.getTime()).toBe(t0 + 120_000);
  });

  test("a refresh records the session's last activity and address", async () => {
    const login = await server.login(ADMIN.email, ADMIN.password);
    server.clock.advance(600);
    const refreshed = await server.api("POST", "/api/auth/refresh", {
      body: { refresh_token: login.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const items = (await server.api("GET", "/api/me/sessions", { token: refreshed.body.access_token })).body
      .items as any[];
    const current = items.find((s) => s.current);
    // First seen at login, last active at the refresh ten minutes later.
    expect(Date.parse(current.last_used_at) - Date.parse(current.created_at)).toBeGreaterThanOrEqual(600_000);
    expect(Date.parse(current.last_used_at)).toBeLessThanOrEqual(server.clock.now().getTime());
    expect(current.ip).toBeTruthy();
  });

  test("log out all other sessions: the others end at once, this one stays, and it is audited", async () => {
    const erin = await server.createUser("erin@example.com");
    const other = await server.login("erin@example.com", "user-password-1");
    const otherToken = other.access_token;
    expect((await server.api("GET", "/api/me", { token: otherToken })).status).toBe(200);

    const ended = await server.api("POST", "/api/me/sessions/revoke-others", { token: erin.token });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ revoked_sessions: 1 });
    expect((await server.api("GET", "/api/me", { token: otherToken })).status).toBe(401);
    expect(
      (await server.api("POST", "/api/auth/refresh", { body: { refresh_token: other.refresh_token } })).status,
    ).toBe(401);
    const left = (await server.api("GET", "/api/me/sessions", { token: erin.token })).body.items as any[];
    expect(left.map((s) => s.current)).toEqual([true]);
    const [entry] = await auditOf(`user_id=${erin.id}&action=session.revoke_others`);
    expect(entry).toMatchObject({ actor: { email: "erin@example.com" }, detail: { revoked_sessions: 1 } });

    // An API key has no session to keep: refused, nothing ended.
    const key = await server.createKey(erin.token, { name: "script" });
    const byKey = await server.api("POST", "/api/me/sessions/revoke-others", { token: key.key });
    expect(byKey.status).toBe(403);
    expect((await server.api("GET", "/api/me", { token: erin.token })).status).toBe(200);
  });

  test("the portal's procedure logs out the other browsers and keeps this one", async () => {
    const here = new PortalBrowser(server.url);
    const there = new PortalBrowser(server.url);
    await here.login(ADMIN.email, ADMIN.password);
    await there.login(ADMIN.email, ADMIN.password);
    expect((await there.query("sessions.list")).status).toBe(200);
    const ended = await here.mutate("sessions.revokeOthers");
    expect(ended.status).toBe(200);
    // The admin's REST session, the shared portal login and `there` (and earlier logins) all ended.
    expect(ended.data.revoked_sessions).toBeGreaterThanOrEqual(2);
    expect((await there.query("sessions.list")).status).toBe(401);
    const mine = await here.query("sessions.list");
    expect(mine.status).toBe(200);
    expect(mine.data.items).toHaveLength(1);
    // Log the suite's shared clients back in for any later test.
    token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  });
});
