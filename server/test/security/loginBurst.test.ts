// Password guessing in bursts: the throttle counts an attempt before its password is checked,
// so guesses arriving in the same instant cannot all slip past a limit that only learns of
// failures afterwards; the argon2 gate caps how many hashes run at once for everyone.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";
import { jsonRequest, type RawResponse, simultaneousBurst } from "../support/rawHttp.ts";

const PASSWORD = "the-right-password-1";

function tally(responses: RawResponse[]) {
  const refused = responses.filter((r) => r.status === 429);
  for (const response of refused) {
    expect(response.body).toMatchObject({ error: "rate_limited" });
    expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  }
  return { refused: refused.length, evaluated: responses.length - refused.length };
}

describe("per account", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: "5", LOGIN_MAX_FAILURES_PER_IP: "1000" });
    await server.createUser("target@example.com", PASSWORD);
  });
  afterAll(() => server.close());

  test("100 simultaneous guesses: at most 5 reach the password check, the rest get 429", async () => {
    const host = `127.0.0.1:${server.port}`;
    const loginsAudited = () => server.ctx.db.auditLog.count({ where: { action: { in: ["login", "login_failed"] } } });
    const before = await loginsAudited();
    const guesses = Array.from({ length: 100 }, (_, i) =>
      jsonRequest("POST", "/api/auth/login", host, {
        email: "target@example.com",
        password: i === 61 ? PASSWORD : `wrong-guess-${i}`,
      }),
    );
    const responses = await simultaneousBurst(server.port, guesses);
    const { refused, evaluated } = tally(responses);
    expect(evaluated).toBeLessThanOrEqual(5);
    expect(refused).toBeGreaterThanOrEqual(95);
    // What reached argon2 is what the audit log records: failures plus at most one success.
    expect((await loginsAudited()) - before).toBe(evaluated);
  });
});

describe("per client address", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: "5", LOGIN_MAX_FAILURES_PER_IP: "20" });
  });
  afterAll(() => server.close());

  test("100 simultaneous guesses on 100 accounts from one address: at most 20 are evaluated", async () => {
    const host = `127.0.0.1:${server.port}`;
    const guesses = Array.from({ length: 100 }, (_, i) =>
      jsonRequest("POST", "/api/auth/login", host, { email: `someone-${i}@example.com`, password: "guess-123" }),
    );
    const { evaluated, refused } = tally(await simultaneousBurst(server.port, guesses));
    expect(evaluated).toBeLessThanOrEqual(20);
    expect(refused).toBeGreaterThanOrEqual(80);
  });
});

describe("the count", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: "3", LOGIN_MAX_FAILURES_PER_IP: "1000" });
    await server.createUser("counted@example.com", PASSWORD);
  });
  afterAll(() => server.close());

  const attempt = (password: string) =>
    server.api("POST", "/api/auth/login", { body: { email: "counted@example.com", password } });

  test("successes give their point back; failures use the window up, then even the right password waits", async () => {
    for (let i = 0; i < 6; i++) expect((await attempt(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const blocked = await attempt(PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: "rate_limited" });
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("the password-hashing gate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      PASSWORD_HASH_CONCURRENCY: "1",
      PASSWORD_HASH_QUEUE: "2",
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "100",
      LOGIN_MAX_FAILURES_PER_IP: "1000",
    });
    await server.createUser("patient@example.com", PASSWORD);
  });
  afterAll(() => server.close());

  test("a storm of logins: one hash at a time, two waiting, the rest 503 with Retry-After", async () => {
    const host = `127.0.0.1:${server.port}`;
    const storm = Array.from({ length: 30 }, (_, i) =>
      jsonRequest("POST", "/api/auth/login", host, { email: `stranger-${i}@example.com`, password: "storm-123" }),
    );
    const responses = await simultaneousBurst(server.port, storm);
    const busy = responses.filter((r) => r.status === 503);
    for (const response of busy) {
      expect(response.body).toMatchObject({ error: "service_unavailable" });
      expect(response.headers["retry-after"]).toBe("1");
    }
    const checked = responses.filter((r) => r.status === 401);
    expect(checked.length + busy.length).toBe(30);
    // One running plus two queued when the burst lands; a queued one may free a slot for a
    // straggler, but most of the storm is turned away instead of piling onto the thread pool.
    expect(checked.length).toBeGreaterThanOrEqual(3);
    expect(busy.length).toBeGreaterThanOrEqual(20);
    expect(server.ctx.passwords.load).toEqual({ running: 0, waiting: 0 });
  });
});

describe("the gate and the throttle together", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      PASSWORD_HASH_CONCURRENCY: "1",
      PASSWORD_HASH_QUEUE: "0",
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "15",
      LOGIN_MAX_FAILURES_PER_IP: "1000",
    });
    await server.createUser("patient@example.com", PASSWORD);
  });
  afterAll(() => server.close());

  test("a login turned away as busy does not count against the account", async () => {
    const host = `127.0.0.1:${server.port}`;
    const storm = Array.from({ length: 20 }, () =>
      jsonRequest("POST", "/api/auth/login", host, { email: "patient@example.com", password: "not-it-123" }),
    );
    const responses = await simultaneousBurst(server.port, storm);
    const busy = responses.filter((r) => r.status === 503).length;
    const tried = responses.filter((r) => r.status === 401).length;
    // Each attempt is counted before its account is looked up. With SQLite the lookup answers
    // before the next request is read, so each one reaches the hashing gate (and is turned away,
    // its point given back) before the next is counted; over the network (PostgreSQL) all 20 are
    // counted first and the 5 past the limit get 429 at once.
    const throttled = responses.filter((r) => r.status === 429).length;
    expect(busy + tried + throttled).toBe(20);
    expect(throttled).toBeLessThanOrEqual(5);
    expect(busy).toBeGreaterThan(10);
    expect(tried).toBeLessThan(10);
    // Had the 503s been counted, the account would now be locked for the window.
    const right = await server.api("POST", "/api/auth/login", {
      body: { email: "patient@example.com", password: PASSWORD },
    });
    expect(right.status).toBe(200);
  });
});

describe("a disabled account", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test("answers its right password exactly as a wrong one", async () => {
    const user = await server.createUser("gone@example.com", PASSWORD);
    await server.ctx.db.user.update({ where: { id: user.id }, data: { disabled: true } });
    const right = await server.api("POST", "/api/auth/login", {
      body: { email: "gone@example.com", password: PASSWORD },
    });
    const wrong = await server.api("POST", "/api/auth/login", {
      body: { email: "gone@example.com", password: "nope-1234" },
    });
    const unknown = await server.api("POST", "/api/auth/login", {
      body: { email: "nobody@example.com", password: PASSWORD },
    });
    expect(right.status).toBe(401);
    expect(right.body).toEqual(wrong.body);
    expect(right.body).toEqual(unknown.body);
    expect(right.headers.get("www-authenticate")).toBe(wrong.headers.get("www-authenticate"));
  });
});
