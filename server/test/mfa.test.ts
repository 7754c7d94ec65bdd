// Two-factor login (TOTP) end to end over REST and the portal's tRPC door: enrolment, the
// login's second step with real codes computed here from the secret, replay, the ±1 step window,
// recovery codes, the mfa_token's lifetime and type, turning it off, the administrators' reset
// and policy. Time moves with the server's ManualClock, never by sleeping.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";
import { stepAt, totpCode } from "./support/totp.ts";

let server: TestServer;
const ADA = { email: "ada@example.com", password: "ada-password-1" };
let ada: { id: string; token: string };
let secret: string;
let recovery: string[];

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.createUser(ADA.email, ADA.password);
  ada = { id: created.id, token: created.token };
});
afterAll(() => server.close());

/** Moves the clock to the middle of a 30-second step, so a test's codes cannot straddle a boundary. */
function midStep(): number {
  const ms = server.clock.now().getTime() % 30_000;
  server.clock.advance(((45_000 - ms) % 30_000) / 1000);
  return stepAt(server.clock.now());
}

/** The code of the step `offset` steps from now. */
const code = (offset = 0) => totpCode(secret, stepAt(server.clock.now()) + offset);

async function passwordStep(email = ADA.email, password = ADA.password) {
  const answer = await server.api("POST", "/api/auth/login", { body: { email, password } });
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Sudo mode for Ada's session: her password, and a code when two-factor login is on. */
async function confirmAda(body: { password: string; code?: string } = { password: ADA.password }) {
  return server.api("POST", "/api/auth/reauthenticate", { token: ada.token, body });
}

const secondStep = (mfaToken: string, value: string) =>
  server.api("POST", "/api/auth/login/mfa", { body: { mfa_token: mfaToken, code: value } });

test("the test's own TOTP agrees with RFC 6238's test vector", () => {
  // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits; 6: 287082).
  expect(totpCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1)).toBe("287082");
});

describe("enrolment", () => {
  test("an API key cannot enrol, even a full-access one", async () => {
    const { key } = await server.createKey(ada.token);
    const answer = await server.api("POST", "/api/me/mfa/totp", { token: key });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: "forbidden", reason: expect.stringContaining("login session") });
  });

  test("a secret is handed out, not in force until a current code confirms it; then 10 recovery codes, once", async () => {
    const started = await server.api("POST", "/api/me/mfa/totp", { token: ada.token });
    expect(started.status).toBe(201);
    secret = started.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(started.body.otpauth_url);
    expect(url.protocol).toBe("otpauth:");
    expect(url.searchParams.get("secret")).toBe(secret);
    expect(url.searchParams.get("issuer")).toBe("FIM One");
    expect(decodeURIComponent(url.pathname)).toContain(ADA.email);

    // Pending: not on yet, and the password alone still logs in.
    expect((await server.api("GET", "/api/me", { token: ada.token })).body.mfa_enabled).toBe(false);
    expect((await passwordStep()).access_token).toEqual(expect.any(String));

    midStep();
    const wrong = await server.api("POST", "/api/me/mfa/totp/confirm", {
      token: ada.token,
      body: { code: totpCode(secret, stepAt(server.clock.now()) + 5) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: "validation_error", details: [{ field: "code" }] });

    const confirmed = await server.api("POST", "/api/me/mfa/totp/confirm", {
      token: ada.token,
      body: { code: code() },
    });
    expect(confirmed.status).toBe(200);
    recovery = confirmed.body.recovery_codes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect((await server.api("GET", "/api/me", { token: ada.token })).body.mfa_enabled).toBe(true);
    expect((await server.api("GET", "/api/me/mfa", { token: ada.token })).body).toEqual({
      enabled: true,
      pending: false,
      recovery_codes_left: 10,
    });
    // Enrolling again while it is on is refused (turn it off first).
    expect((await server.api("POST", "/api/me/mfa/totp", { token: ada.token })).status).toBe(400);
  });

  test("the database holds neither the secret nor a recovery code as they are", async () => {
    const text = await server.databaseText();
    expect(text).not.toContain(secret);
    for (const recoveryCode of recovery) expect(text).not.toContain(recoveryCode);
  });
});

describe("login with a second factor", () => {
  test("the password alone answers mfa_required and an mfa_token, never tokens", async () => {
    const first = await passwordStep();
    expect(first).toEqual({ mfa_required: true, mfa_token: expect.stringMatching(/^mfa_/), expires_in: 300 });
  });

  test("a current code completes the login; the code used to confirm, or used once, is refused (no replay)", async () => {
    // The confirmation spent this step's code.
    const replayed = await secondStep((await passwordStep()).mfa_token, code());
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: "unauthorized", reason: expect.stringContaining("not valid") });

    server.clock.advance(30);
    const pending = await passwordStep();
    const done = await secondStep(pending.mfa_token, code());
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token_type: "bearer", expires_in: 7200, user: { email: ADA.email } });
    expect((await server.api("GET", "/api/me", { token: done.body.access_token })).status).toBe(200);

    // The mfa_token is single-use, and the same code is refused with a new one.
    const again = await secondStep(pending.mfa_token, code());
    expect(again.status).toBe(401);
    expect(again.body.error).toBe("invalid_token");
    expect((await secondStep((await passwordStep()).mfa_token, code())).status).toBe(401);
  });

  test("codes are accepted one step either side of the server's clock, not two", async () => {
    server.clock.advance(60);
    midStep();
    const earlier = await secondStep((await passwordStep()).mfa_token, code(-1));
    expect(earlier.status).toBe(200);
    const later = await secondStep((await passwordStep()).mfa_token, code(1));
    expect(later.status).toBe(200);
    const tooFar = await secondStep((await passwordStep()).mfa_token, code(2));
    expect(tooFar.status).toBe(401);
  });

  test("a recovery code logs in once; used again it is refused", async () => {
    const used = recovery[0] as string;
    const first = await secondStep((await passwordStep()).mfa_token, used.toUpperCase());
    expect(first.status).toBe(200);
    const second = await secondStep((await passwordStep()).mfa_token, used);
    expect(second.status).toBe(401);
    expect((await server.api("GET", "/api/me/mfa", { token: ada.token })).body.recovery_codes_left).toBe(9);
    const audit = await server.ctx.db.auditLog.findFirst({
      where: { action: "mfa.recovery_code_used", actorId: ada.id },
    });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ recovery_codes_left: 9 });
  });

  test("the mfa_token lasts five minutes", async () => {
    server.clock.advance(60);
    const pending = await passwordStep();
    server.clock.advance(301);
    const late = await secondStep(pending.mfa_token, code());
    expect(late.status).toBe(401);
    expect(late.body.error).toBe("token_expired");
  });

  test("an mfa_token is no access or refresh token, and they are no mfa_token", async () => {
    server.clock.advance(60);
    const pending = await passwordStep();
    const asAccess = await server.api("GET", "/api/me", { token: pending.mfa_token });
    expect(asAccess.status).toBe(401);
    expect(asAccess.body.error).toBe("invalid_token");
    const asRefresh = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: pending.mfa_token } });
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.error).toBe("invalid_token");

    midStep();
    const session = await secondStep(pending.mfa_token, code());
    expect(session.status).toBe(200);
    server.clock.advance(30);
    for (const token of [session.body.access_token, session.body.refresh_token]) {
      const confused = await secondStep(token, code());
      expect(confused.status).toBe(401);
      expect(confused.body.error).toBe("invalid_token");
    }
  });

  test("the portal's login has the same second step, its mfa_token in an HttpOnly cookie", async () => {
    server.clock.advance(30);
    midStep();
    const browser = new PortalBrowser(server.url);
    const first = await browser.login(ADA.email, ADA.password);
    expect(first.status).toBe(200);
    expect(first.data).toEqual({ mfa_required: true });
    expect(browser.cookies.has("fim_access")).toBe(false);
    const mfaCookie = browser.lastSetCookie.find((line) => line.startsWith("fim_mfa="));
    expect(mfaCookie).toMatch(/HttpOnly/i);
    expect(mfaCookie).toMatch(/SameSite=Strict/i);
    expect(mfaCookie).toMatch(/Path=\/trpc\/auth\.loginMfa/);
    expect((await browser.query("me")).status).toBe(401);

    const wrong = await browser.mutate("auth.loginMfa", { code: code(3) });
    expect(wrong.status).toBe(401);
    const done = await browser.mutate("auth.loginMfa", { code: code() });
    expect(done.status).toBe(200);
    expect(done.data.user.email).toBe(ADA.email);
    expect(browser.cookies.has("fim_mfa")).toBe(false);
    expect((await browser.query("me")).status).toBe(200);

    // Without a pending login there is nothing to complete.
    expect((await new PortalBrowser(server.url).mutate("auth.loginMfa", { code: code() })).status).toBe(401);
  });
});

describe("new recovery codes", () => {
  test("replace the old ones at once: sudo mode, a login session (never an API key), audited", async () => {
    server.clock.advance(11 * 60);
    const refused = await server.api("POST", "/api/me/mfa/recovery-codes", { token: ada.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden", reauthenticate: true });
    midStep();
    expect((await confirmAda({ password: ADA.password, code: code() })).status).toBe(200);
    const { key } = await server.createKey(ada.token, { name: "full access" });
    const byKey = await server.api("POST", "/api/me/mfa/recovery-codes", { token: key });
    expect(byKey.status).toBe(403);
    expect(byKey.body.reauthenticate).toBeUndefined();

    const before = (await server.api("GET", "/api/me/mfa", { token: ada.token })).body.recovery_codes_left;
    const fresh = await server.api("POST", "/api/me/mfa/recovery-codes", { token: ada.token });
    expect(fresh.status).toBe(200);
    const codes: string[] = fresh.body.recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(codes.filter((value) => recovery.includes(value))).toEqual([]);
    expect((await server.api("GET", "/api/me/mfa", { token: ada.token })).body.recovery_codes_left).toBe(10);

    // An old code that was never used no longer logs in; a new one does, once.
    const old = await secondStep((await passwordStep()).mfa_token, recovery[1] as string);
    expect(old.status).toBe(401);
    const used = await secondStep((await passwordStep()).mfa_token, codes[0] as string);
    expect(used.status).toBe(200);
    expect((await server.api("GET", "/api/me/mfa", { token: ada.token })).body.recovery_codes_left).toBe(9);

    const audit = await server.ctx.db.auditLog.findFirst({
      where: { action: "mfa.recovery_codes_regenerate", actorId: ada.id },
    });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ unused_codes_replaced: before });
    recovery = codes;
  });

  test("the portal's door does the same, and two requests at once leave the last answer's codes in force", async () => {
    const browser = new PortalBrowser(server.url);
    midStep();
    expect((await browser.login(ADA.email, ADA.password)).data).toEqual({ mfa_required: true });
    server.clock.advance(30);
    expect((await browser.mutate("auth.loginMfa", { code: code() })).status).toBe(200);
    const answers = await Promise.all([
      browser.mutate("mfa.regenerateRecoveryCodes"),
      browser.mutate("mfa.regenerateRecoveryCodes"),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.data.recovery_codes).toHaveLength(10);
    }
    // Ten codes in force, all from one answer: the other answer's codes do not log in.
    expect((await browser.query("mfa.status")).data.recovery_codes_left).toBe(10);
    const works = async (value: string) => (await secondStep((await passwordStep()).mfa_token, value)).status === 200;
    const [first, second] = answers.map((answer) => answer.data.recovery_codes as string[]);
    const firstWorks = await works(first?.[0] as string);
    const secondWorks = await works(second?.[0] as string);
    expect([firstWorks, secondWorks].sort()).toEqual([false, true]);
    recovery = (firstWorks ? first : second) as string[];
  });
});

describe("turning it off and resetting it", () => {
  test("off with a wrong code is refused; with the password it is off and the password alone logs in", async () => {
    server.clock.advance(30);
    const wrong = await server.api("DELETE", "/api/me/mfa/totp", { token: ada.token, body: { code: "000000" } });
    expect(wrong.status).toBe(400);
    const neither = await server.api("DELETE", "/api/me/mfa/totp", { token: ada.token, body: {} });
    expect(neither.status).toBe(400);
    const off = await server.api("DELETE", "/api/me/mfa/totp", { token: ada.token, body: { password: ADA.password } });
    expect(off.status).toBe(204);
    expect((await server.api("GET", "/api/me", { token: ada.token })).body.mfa_enabled).toBe(false);
    expect((await passwordStep()).access_token).toEqual(expect.any(String));
    // Off, there are no recovery codes to replace.
    const none = await server.api("POST", "/api/me/mfa/recovery-codes", { token: ada.token });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: "validation_error", details: [{ field: "totp" }] });
  });

  test("enrolling is a sudo-mode action: after the window it is refused until the password is confirmed", async () => {
    server.clock.advance(11 * 60);
    const refused = await server.api("POST", "/api/me/mfa/totp", { token: ada.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden", reauthenticate: true });
    expect((await confirmAda()).status).toBe(200);
    expect((await server.api("POST", "/api/me/mfa/totp", { token: ada.token })).status).toBe(201);
  });

  test("off with a current code", async () => {
    secret = (await server.api("POST", "/api/me/mfa/totp", { token: ada.token })).body.secret;
    midStep();
    await server.api("POST", "/api/me/mfa/totp/confirm", { token: ada.token, body: { code: code() } });
    server.clock.advance(30);
    const off = await server.api("DELETE", "/api/me/mfa/totp", { token: ada.token, body: { code: code() } });
    expect(off.status).toBe(204);
    expect((await server.api("GET", "/api/me/mfa", { token: ada.token })).body.enabled).toBe(false);
  });

  test("an administrator resets a user's second factor: audited, and nothing else ends", async () => {
    secret = (await server.api("POST", "/api/me/mfa/totp", { token: ada.token })).body.secret;
    midStep();
    await server.api("POST", "/api/me/mfa/totp/confirm", { token: ada.token, body: { code: code() } });
    const admin = (await server.login(ADMIN.email, ADMIN.password)).access_token;

    const listed = async () =>
      (await server.api("GET", `/api/admin/users?search=${ADA.email}`, { token: admin })).body.items[0];
    expect(await listed()).toMatchObject({ id: ada.id, mfa_enabled: true });
    expect((await server.api("GET", `/api/admin/users/${ada.id}`, { token: admin })).body.mfa_enabled).toBe(true);

    // With two-factor login on, confirming her password in sudo mode needs a code as well.
    server.clock.advance(11 * 60);
    const noCode = await confirmAda();
    expect(noCode.status).toBe(400);
    expect(noCode.body).toMatchObject({
      error: "validation_error",
      details: [expect.objectContaining({ field: "code" })],
    });
    const wrongCode = await confirmAda({
      password: ADA.password,
      code: totpCode(secret, stepAt(server.clock.now()) + 7),
    });
    expect(wrongCode.status).toBe(401);
    midStep();
    expect((await confirmAda({ password: ADA.password, code: code() })).status).toBe(200);

    // The administrator's own sudo mode: an hour after logging in, the reset waits for a confirmation.
    server.clock.advance(60 * 60);
    const stale = await server.api("DELETE", `/api/admin/users/${ada.id}/mfa`, { token: admin });
    expect(stale.status).toBe(403);
    expect(stale.body).toMatchObject({ reauthenticate: true });
    const confirmed = await server.api("POST", "/api/auth/reauthenticate", {
      token: admin,
      body: { password: ADMIN.password },
    });
    expect(confirmed.status).toBe(200);
    const reset = await server.api("DELETE", `/api/admin/users/${ada.id}/mfa`, { token: admin });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ user: expect.objectContaining({ id: ada.id }), had_second_factor: true });
    expect(await listed()).toMatchObject({ id: ada.id, mfa_enabled: false });
    const audit = await server.api("GET", `/api/admin/audit-log?user_id=${ada.id}&action=admin.mfa_reset`, {
      token: admin,
    });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ target_id: ada.id, detail: { had_second_factor: true } });
    // Ada's session goes on; her next login needs the password only.
    expect((await server.api("GET", "/api/me", { token: ada.token })).body.mfa_enabled).toBe(false);
    expect((await passwordStep()).access_token).toEqual(expect.any(String));
    expect((await server.api("DELETE", "/api/admin/users/nobody/mfa", { token: admin })).status).toBe(404);
    // Only administrators.
    expect((await server.api("DELETE", `/api/admin/users/${ada.id}/mfa`, { token: ada.token })).status).toBe(403);
  });
});

describe("the policy: administrators need a second factor", () => {
  test("refuses admin actions to an administrator without one, until they enrol", async () => {
    const admin = (await server.login(ADMIN.email, ADMIN.password)).access_token;
    expect((await server.api("GET", "/api/admin/mfa-policy", { token: admin })).body).toEqual({
      require_for_admins: false,
    });
    // Not before the administrator turning it on has a second factor (no locking oneself out).
    const early = await server.api("PUT", "/api/admin/mfa-policy", {
      token: admin,
      body: { require_for_admins: true },
    });
    expect(early.status).toBe(400);

    secret = (await server.api("POST", "/api/me/mfa/totp", { token: admin })).body.secret;
    midStep();
    await server.api("POST", "/api/me/mfa/totp/confirm", { token: admin, body: { code: code() } });
    const on = await server.api("PUT", "/api/admin/mfa-policy", { token: admin, body: { require_for_admins: true } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ require_for_admins: true });

    const other = await server.createUser("grace@example.com", "grace-password-1", "admin");
    const refused = await server.api("GET", "/api/admin/users", { token: other.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden", reason: expect.stringContaining("two-factor login") });
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    const browser = new PortalBrowser(server.url);
    await browser.login("grace@example.com", "grace-password-1");
    expect((await browser.query("admin.users", { limit: 5 })).status).toBe(403);
    // Everything else stays open, enrolment included; once enrolled the admin pages open.
    expect((await server.api("GET", "/api/me", { token: other.token })).status).toBe(200);
    expect((await server.api("GET", "/api/admin/users", { token: admin })).status).toBe(200);
    const graceSecret = (await server.api("POST", "/api/me/mfa/totp", { token: other.token })).body.secret;
    const confirm = await server.api("POST", "/api/me/mfa/totp/confirm", {
      token: other.token,
      body: { code: totpCode(graceSecret, stepAt(server.clock.now())) },
    });
    expect(confirm.status).toBe(200);
    expect((await server.api("GET", "/api/admin/users", { token: other.token })).status).toBe(200);

    const off = await server.api("PUT", "/api/admin/mfa-policy", { token: admin, body: { require_for_admins: false } });
    expect(off.status).toBe(200);
    const audit = await server.ctx.db.auditLog.findMany({ where: { action: "admin.mfa_policy" } });
    expect(audit.map((entry) => JSON.parse(entry.detail ?? "{}").require_for_admins)).toEqual([true, false]);
  });

  test("wrong codes are throttled like passwords", async () => {
    server.clock.advance(30);
    const pending = await passwordStep(ADMIN.email, ADMIN.password);
    let last = await secondStep(pending.mfa_token, "111111");
    for (let i = 0; i < 8 && last.status !== 429; i++) last = await secondStep(pending.mfa_token, "111111");
    expect(last.status).toBe(429);
    expect(last.body.error).toBe("rate_limited");
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even the right code waits now.
    expect((await secondStep(pending.mfa_token, code())).status).toBe(429);
  });
});
