// The portal's tRPC door over real HTTP: cookie sessions, the cross-site guard, key management
// through the same services as REST, and the admin gate.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("cookie session", () => {
  test("login sets HttpOnly SameSite cookies, the refresh one scoped to auth.refresh, and no token in the body", async () => {
    const browser = new PortalBrowser(server.url);
    const response = await browser.login(ADMIN.email, ADMIN.password);
    expect(response.data.user.email).toBe(ADMIN.email);
    expect(JSON.stringify(response.data)).not.toMatch(/eyJ/);
    expect(Date.parse(response.data.session.access_expires_at)).toBeGreaterThan(Date.now());

    const access = browser.lastSetCookie.find((line) => line.startsWith("fim_access="));
    const refresh = browser.lastSetCookie.find((line) => line.startsWith("fim_refresh="));
    expect(access).toMatch(/HttpOnly/i);
    expect(access).toMatch(/SameSite=Strict/i);
    expect(access).toMatch(/Path=\/trpc(;|$)/);
    expect(access).not.toMatch(/Secure/i); // plain http and COOKIE_SECURE=auto
    expect(refresh).toMatch(/HttpOnly/i);
    expect(refresh).toMatch(/Path=\/trpc\/auth\.refresh/);

    const me = await browser.query("me");
    expect(me.status).toBe(200);
    expect(me.data.user).toMatchObject({ email: ADMIN.email, role: "admin" });
  });

  test("without the cookie a protected procedure is 401 with the contract's body", async () => {
    const response = await new PortalBrowser(server.url).query("me");
    expect(response.status).toBe(401);
    expect(response.error.data.error).toMatchObject({ error: "unauthorized", message: "Authentication required" });
    expect(response.error.data.code).toBe("UNAUTHORIZED");
  });

  test("wrong password is a clear 401; repeated failures are throttled with Retry-After", async () => {
    const browser = new PortalBrowser(server.url);
    const email = "throttled@example.com";
    await server.createUser(email, "right-password-1");
    const wrong = await browser.mutate("auth.login", { email, password: "wrong" });
    expect(wrong.status).toBe(401);
    expect(wrong.error.data.error.reason).toBe("Invalid email or password");
    let last = wrong;
    for (let i = 0; i < 6 && last.status !== 429; i++) {
      last = await browser.mutate("auth.login", { email, password: "wrong" });
    }
    expect(last.status).toBe(429);
    expect(last.error.data.error.error).toBe("rate_limited");
    const retryAfter = Number(last.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(last.error.data.retryAfter).toBe(retryAfter);
  });

  test("an expired access token is refused; auth.refresh rotates, and replaying the old refresh cookie kills the session", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const oldRefresh = browser.cookies.get("fim_refresh")!.value;

    server.clock.advance(7201);
    try {
      const expired = await browser.query("me");
      expect(expired.status).toBe(401);
      expect(expired.error.data.error.error).toBe("token_expired");

      const refreshed = await browser.mutate("auth.refresh");
      expect(refreshed.status).toBe(200);
      expect(browser.cookies.get("fim_refresh")!.value).not.toBe(oldRefresh);
      expect((await browser.query("me")).status).toBe(200);

      // Someone replays the refresh token that was already used: reuse detection ends the session.
      const thief = new PortalBrowser(server.url);
      thief.cookies.set("fim_refresh", { value: oldRefresh, path: "/trpc/auth.refresh" });
      const replay = await thief.mutate("auth.refresh");
      expect(replay.status).toBe(401);
      expect(replay.error.data.error.error).toBe("invalid_token");
      const after = await browser.query("me");
      expect(after.status).toBe(401);
      expect(after.error.data.error.error).toBe("invalid_token");
    } finally {
      server.clock.reset();
    }
  });

  test("auth.refresh as the portal's client sends it: a POST with no body at all", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const response = await fetch(`${server.url}/trpc/auth.refresh`, {
      method: "POST",
      headers: {
        cookie: browser.cookieHeader(`${server.url}/trpc/auth.refresh`),
        "x-fim-csrf": "1",
        "content-type": "application/json",
      },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).result.data.user.email).toBe(ADMIN.email);
  });

  test("after logout the old cookies are useless", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const saved = new Map(browser.cookies);
    const out = await browser.mutate("auth.logout");
    expect(out.status).toBe(200);
    expect(browser.cookies.size).toBe(0); // both cookies cleared

    const replay = new PortalBrowser(server.url);
    replay.cookies = saved;
    const me = await replay.query("me");
    expect(me.status).toBe(401);
    expect(me.error.data.error.error).toBe("invalid_token");
    const refresh = await replay.mutate("auth.refresh");
    expect(refresh.status).toBe(401);
  });

  test("log out everywhere ends every session of the user", async () => {
    const email = "everywhere@example.com";
    await server.createUser(email, "everywhere-pass-1");
    const laptop = new PortalBrowser(server.url);
    const phone = new PortalBrowser(server.url);
    await laptop.login(email, "everywhere-pass-1");
    await phone.login(email, "everywhere-pass-1");
    const response = await laptop.mutate("auth.logoutEverywhere");
    expect(response.status).toBe(200);
    expect(response.data.ended).toBeGreaterThanOrEqual(2);
    expect((await phone.query("me")).status).toBe(401);
    expect((await laptop.query("me")).status).toBe(401);
  });
});

describe("cross-site requests", () => {
  test("a mutation without the x-fim-csrf header is refused, even with a valid cookie", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const refused = await browser.mutate("keys.create", { name: "csrf" }, { csrf: false });
    expect(refused.status).toBe(403);
    expect(refused.error.data.error.error).toBe("forbidden");
    expect(refused.error.data.error.reason).toMatch(/x-fim-csrf/);
    const keys = await browser.query("keys.list", {});
    expect(keys.data.items.map((k: any) => k.name)).not.toContain("csrf");
  });

  test("a mutation that is not JSON is a 415 validation_error, not a server error", async () => {
    const response = await fetch(`${server.url}/trpc/auth.refresh`, { method: "POST", headers: { "x-fim-csrf": "1" } });
    expect(response.status).toBe(415);
    expect(((await response.json()) as any).error.data.error.error).toBe("validation_error");
  });

  test("a login without the header is refused too (no login CSRF)", async () => {
    const response = await new PortalBrowser(server.url).mutate(
      "auth.login",
      { email: ADMIN.email, password: ADMIN.password },
      { csrf: false },
    );
    expect(response.status).toBe(403);
  });

  test("a foreign Origin or a cross-site fetch is refused", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const foreign = await browser.mutate("keys.create", { name: "x" }, { headers: { origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    const crossSite = await browser.query("keys.list", {}, { headers: { "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const sameOrigin = await browser.mutate(
      "keys.create",
      { name: "same origin" },
      { headers: { origin: server.url, "sec-fetch-site": "same-origin" } },
    );
    expect(sameOrigin.status).toBe(200);
  });
});

describe("keys over tRPC, the same keys as over REST", () => {
  test("create shows the full key once; it works over REST; list never shows it; disable and delete take effect", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const created = await browser.mutate("keys.create", { name: "portal key", scopes: ["chat"] });
    expect(created.status).toBe(200);
    const { key, id } = created.data;
    expect(key).toMatch(/^fim_[A-Za-z0-9]{44}$/);
    expect(created.data.key_prefix).toBe(key.slice(0, 8));
    expect(created.data.scopes).toEqual(["chat"]);

    const verify = await server.api("GET", "/api/auth/verify", { token: key });
    expect(verify.status).toBe(200);
    expect(verify.body.scopes).toEqual(["chat"]);

    const list = await browser.query("keys.list", { limit: 10 });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.data)).not.toContain(key);
    expect(list.data.items[0]).toMatchObject({ id, name: "portal key", status: "active" });
    expect(list.data.items[0].total_requests).toBe(1);

    const disabled = await browser.mutate("keys.update", { id, is_active: false });
    expect(disabled.data.status).toBe("disabled");
    const refused = await server.api("GET", "/api/auth/verify", { token: key });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("unauthorized");

    expect((await browser.mutate("keys.delete", { id })).status).toBe(200);
    const gone = await server.api("GET", "/api/auth/verify", { token: key });
    expect(gone.body.error).toBe("invalid_token");
  });

  test("a past expiry is a validation_error naming the field", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const response = await browser.mutate("keys.create", { name: "old", expires_at: "2001-01-01" });
    expect(response.status).toBe(400);
    expect(response.error.data.error.error).toBe("validation_error");
    expect(response.error.data.error.details[0].field).toBe("expires_at");
  });

  test("an unknown scope is a validation_error from the input schema", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const response = await browser.mutate("keys.create", { name: "bad", scopes: ["everything"] });
    expect(response.status).toBe(400);
    expect(response.error.data.error.error).toBe("validation_error");
    expect(response.error.data.error.details[0].field).toBe("scopes");
  });

  test("roll issues a new secret; with overlap none the old one stops at once", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const created = await browser.mutate("keys.create", { name: "to roll" });
    const rolled = await browser.mutate("keys.roll", { id: created.data.id, overlap: "none" });
    expect(rolled.status).toBe(200);
    expect(rolled.data.id).toBe(created.data.id);
    expect(rolled.data.key).not.toBe(created.data.key);
    expect((await server.api("GET", "/api/auth/verify", { token: rolled.data.key })).status).toBe(200);
    expect((await server.api("GET", "/api/auth/verify", { token: created.data.key })).status).toBe(401);
    const usage = await browser.query("keys.usage", { id: created.data.id, days: 30 });
    expect(usage.data.days).toHaveLength(30);
    expect(usage.data.total).toBe(1);
  });

  test("someone else's key is not_found", async () => {
    const owner = new PortalBrowser(server.url);
    await owner.login(ADMIN.email, ADMIN.password);
    const created = await owner.mutate("keys.create", { name: "mine" });
    const email = "other@example.com";
    await server.createUser(email, "other-password-1");
    const other = new PortalBrowser(server.url);
    await other.login(email, "other-password-1");
    const response = await other.mutate("keys.delete", { id: created.data.id });
    expect(response.status).toBe(404);
    expect(response.error.data.error.error).toBe("not_found");
  });
});

describe("sessions and password", () => {
  test("sessions list shows this device; changing the password ends the other sessions", async () => {
    const email = "sessions@example.com";
    await server.createUser(email, "sessions-pass-1");
    const laptop = new PortalBrowser(server.url);
    const phone = new PortalBrowser(server.url);
    await laptop.login(email, "sessions-pass-1");
    await phone.mutate(
      "auth.login",
      { email, password: "sessions-pass-1" },
      { headers: { "user-agent": "PhoneBrowser/1.0" } },
    );

    const list = await laptop.query("sessions.list");
    expect(list.data.items.length).toBeGreaterThanOrEqual(2);
    expect(list.data.items.filter((s: any) => s.current)).toHaveLength(1);
    expect(list.data.items.some((s: any) => s.user_agent === "PhoneBrowser/1.0")).toBe(true);

    const wrong = await laptop.mutate("password.change", { current_password: "nope", new_password: "sessions-pass-2" });
    expect(wrong.status).toBe(400);
    expect(wrong.error.data.error.details[0].field).toBe("current_password");

    const changed = await laptop.mutate("password.change", {
      current_password: "sessions-pass-1",
      new_password: "sessions-pass-2",
    });
    expect(changed.status).toBe(200);
    expect(changed.data.other_sessions_ended).toBeGreaterThanOrEqual(1);
    expect((await laptop.query("me")).status).toBe(200);
    expect((await phone.query("me")).status).toBe(401);
  });
});

describe("admin", () => {
  test("a non-admin is refused by the server, whatever the portal shows", async () => {
    const email = "plain@example.com";
    await server.createUser(email, "plain-password-1");
    const browser = new PortalBrowser(server.url);
    await browser.login(email, "plain-password-1");
    for (const procedure of ["admin.users", "admin.keys", "admin.audit"]) {
      const response = await browser.query(procedure, {});
      expect(response.status, procedure).toBe(403);
      expect(response.error.data.error.error).toBe("forbidden");
    }
    const mutation = await browser.mutate("admin.setKeyActive", { id: "anything", is_active: false });
    expect(mutation.status).toBe(403);
  });

  test("an admin lists users and reads the audit log, filtered by action", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const users = await browser.query("admin.users", { search: "admin@" });
    expect(users.status).toBe(200);
    expect(users.data.items.map((u: any) => u.email)).toContain(ADMIN.email);
    const audit = await browser.query("admin.audit", { action: "login", limit: 5 });
    expect(audit.status).toBe(200);
    expect(audit.data.items.length).toBeGreaterThan(0);
    expect(audit.data.items.every((entry: any) => entry.action === "login")).toBe(true);
  });
});

describe("admin actions and resources over tRPC", () => {
  test("an admin disables a user: their key and their session stop at once; enabling brings the key back", async () => {
    const admin = new PortalBrowser(server.url);
    await admin.login(ADMIN.email, ADMIN.password);
    const created = await admin.mutate("admin.createUser", {
      email: "victim@example.com",
      password: "victim-password-1",
    });
    expect(created.status).toBe(200);
    const victim = new PortalBrowser(server.url);
    await victim.login("victim@example.com", "victim-password-1");
    const key = (await victim.mutate("keys.create", { name: "victim key" })).data.key;
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(200);

    const disabled = await admin.mutate("admin.updateUser", { id: created.data.id, disabled: true });
    expect(disabled.data.disabled).toBe(true);
    const refused = await server.api("GET", "/api/auth/verify", { token: key });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("unauthorized");
    expect((await victim.query("me")).status).toBe(401);

    await admin.mutate("admin.updateUser", { id: created.data.id, disabled: false });
    expect((await server.api("GET", "/api/auth/verify", { token: key })).status).toBe(200);
  });

  test("knowledge base: add a document, retrieve scored passages, the relevant one first", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const kb = await browser.mutate("knowledgeBases.create", { name: "Handbook" });
    expect(kb.status).toBe(200);
    await browser.mutate("knowledgeBases.addDocument", {
      id: kb.data.id,
      title: "Holidays",
      content: "Employees get 25 days of paid vacation per year.\n\nUnused vacation days carry over to March.",
    });
    await browser.mutate("knowledgeBases.addDocument", {
      id: kb.data.id,
      title: "Security",
      content: "Rotate API keys every quarter and never commit them to version control.",
    });
    const found = await browser.query("knowledgeBases.retrieve", {
      id: kb.data.id,
      query: "rotate api keys",
      top_k: 3,
    });
    expect(found.status).toBe(200);
    expect(found.data.results[0].document_title).toBe("Security");
    expect(found.data.results[0].score).toBeGreaterThan(0);
    const nothing = await browser.query("knowledgeBases.retrieve", { id: kb.data.id, query: "zebra" });
    expect(nothing.data.results).toEqual([]);
  });

  test("a connector's secret is write-only", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const created = await browser.mutate("connectors.create", {
      name: "Tracker",
      base_url: "https://tracker.example.com/api",
      auth_header: "Bearer very-secret-token",
      actions: [{ name: "get_issue", method: "GET", path: "/issues/{id}", description: "One issue" }],
    });
    expect(created.status).toBe(200);
    expect(created.data.has_secret).toBe(true);
    const list = await browser.query("connectors.list", {});
    expect(JSON.stringify(list.data)).not.toContain("very-secret-token");
  });
});

describe("chat runs", () => {
  test("a run key starts one run: the same key again (an EventSource reconnecting) is refused", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const question = "Run key check: what is 17 + 25?";
    const input = { mode: "react", q: question, run_key: randomUUID() };
    const open = () => browser.subscription("chat.run", input);
    expect(await open()).toContain('"event":"done"');
    const again = await open();
    expect(again).toContain("run_key: this run already started");
    expect(again).not.toContain('"event":"start"');
    // The question was asked once.
    expect(await server.ctx.db.conversation.count({ where: { title: question } })).toBe(1);
  });
});
