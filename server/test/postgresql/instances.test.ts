// Several instances: two real server processes on one PostgreSQL database and one Redis, the
// way a load balancer would run them, with requests alternating between them. A key revoked
// through one is refused by the other within a second; a key's rate limit holds across both;
// usage totals are exact after both stop under load; a two-factor login is completed once, and a
// code taken once, over both; a run streaming from one takes a message
// injected through the other; a user's concurrent runs are counted over both, and a run whose
// question is refused leaves nothing announced. (PostgreSQL leg only: one SQLite database serves one process.)
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createDb } from "@fim/db";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateApiKey } from "../../src/auth/apiKeyFormat.ts";
import { ADMIN } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";
import { jsonRequest, simultaneousBurst } from "../support/rawHttp.ts";
import { call, type ServerProcess, startServerProcess } from "../support/serverProcess.ts";
import { eventually, openStream } from "../support/sse.ts";
import { createPostgresDatabase, deleteRedisKeys, dropPostgresDatabase } from "../support/testDatabases.ts";
import { totpCode } from "../support/totp.ts";

const prefix = `fim-test-${randomUUID()}:`;
// Instances share their secrets (each would otherwise generate its own into its data directory).
const secrets = {
  JWT_SECRET: randomBytes(48).toString("base64url"),
  API_KEY_SECRET: randomBytes(48).toString("base64url"),
};
let databaseUrl: string;
let dataDirs: string[] = [];
let running: ServerProcess[] = [];
let model: { url: string; held(): number; release(): void; close(): Promise<void> };

/**
 * A chat-completions server. A question containing "HOLD" is answered only when the test
 * releases it (the run stays in progress meanwhile); any other turn is answered at once.
 */
async function startHeldModel() {
  let waiting: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const messages = JSON.parse(body).messages as { role: string; content: string }[];
      const hold =
        messages
          .filter((m) => m.role === "user")
          .at(-1)
          ?.content.includes("HOLD") ?? false;
      if (hold) await new Promise<void>((resolve) => waiting.push(resolve));
      res.writeHead(200, { "content-type": "text/event-stream" });
      const text = hold ? "First answer." : "Second answer, to the injected message.";
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`,
      );
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    /** How many held questions are waiting. */
    held: () => waiting.length,
    /** Answers every held question waiting now. */
    release: () => {
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startInstance(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "fim-instance-"));
  dataDirs.push(dataDir);
  const instance = await startServerProcess({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_KEY_PREFIX: prefix,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    DEFAULT_KEY_RATE_LIMIT: "100/60",
    LLM_BASE_URL: model.url,
    // Only so that a test can speak from other addresses (X-Forwarded-For from loopback).
    TRUST_PROXY: "loopback",
    ...secrets,
    ...env,
  });
  running.push(instance);
  return instance;
}

async function stopAll() {
  for (const instance of running) {
    if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill("SIGTERM");
  }
  await Promise.all(running.map((instance) => instance.exited));
  running = [];
}

let a: ServerProcess;
let b: ServerProcess;
let token: string;

beforeAll(async () => {
  databaseUrl = await createPostgresDatabase();
  model = await startHeldModel();
  // One after the other: the first migrates (the second would wait on the same lock anyway).
  a = await startInstance();
  b = await startInstance();
  token = (await call(a.url, "POST", "/api/auth/login", undefined, ADMIN)).body.access_token;
});

afterAll(async () => {
  await stopAll();
  await model.close();
  await dropPostgresDatabase(databaseUrl);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs = [];
  await deleteRedisKeys(prefix);
});

describe("two instances on one database and one Redis", () => {
  test("a key deleted through one is refused by the other within a second", async () => {
    const created = (await call(a.url, "POST", "/api/me/api-keys", token, { name: "revoked across" })).body;
    // The other instance has seen the key: it is in its cache.
    for (let i = 0; i < 3; i++) expect((await call(b.url, "GET", "/api/auth/verify", created.key)).status).toBe(200);
    const deletedAt = Date.now();
    expect((await call(a.url, "DELETE", `/api/me/api-keys/${created.id}`, token)).status).toBe(204);
    await eventually(async () => (await call(b.url, "GET", "/api/auth/verify", created.key)).status === 401, 1000);
    const refusedAfter = Date.now() - deletedAt;
    console.log(`key deleted on one instance, refused by the other after ${refusedAfter} ms`);
    expect(refusedAfter).toBeLessThan(1000);
  });

  test("a session logged out through one is refused by the other within a second", async () => {
    const pair = (await call(a.url, "POST", "/api/auth/login", undefined, ADMIN)).body;
    for (let i = 0; i < 3; i++) expect((await call(b.url, "GET", "/api/me", pair.access_token)).status).toBe(200);
    const loggedOutAt = Date.now();
    expect((await call(a.url, "POST", "/api/auth/logout", pair.access_token, {})).status).toBe(204);
    await eventually(async () => (await call(b.url, "GET", "/api/me", pair.access_token)).status === 401, 1000);
    const refusedAfter = Date.now() - loggedOutAt;
    console.log(`session ended on one instance, refused by the other after ${refusedAfter} ms`);
    expect(refusedAfter).toBeLessThan(1000);
  });

  test("a two-factor login started on one completes on the other, once; a code taken on one is refused by the other", async () => {
    const email = `totp-${randomUUID()}@example.com`;
    const password = "totp-password-1";
    expect((await call(a.url, "POST", "/api/admin/users", token, { email, password })).status).toBe(201);
    const session = (await call(a.url, "POST", "/api/auth/login", undefined, { email, password })).body.access_token;
    const { secret } = (await call(a.url, "POST", "/api/me/mfa/totp", session)).body;
    const step = Math.floor(Date.now() / 30_000);
    const confirm = await call(b.url, "POST", "/api/me/mfa/totp/confirm", session, { code: totpCode(secret, step) });
    expect(confirm.status).toBe(200);
    // The next step's code: within the window, and later than the step the confirmation took.
    const code = totpCode(secret, step + 1);
    const first = (await call(a.url, "POST", "/api/auth/login", undefined, { email, password })).body;
    expect(first.mfa_required).toBe(true);
    const done = await call(b.url, "POST", "/api/auth/login/mfa", undefined, { mfa_token: first.mfa_token, code });
    expect(done.status).toBe(200);
    const reused = await call(a.url, "POST", "/api/auth/login/mfa", undefined, { mfa_token: first.mfa_token, code });
    expect(reused.status).toBe(401);
    expect(reused.body.error).toBe("invalid_token");
    const second = (await call(b.url, "POST", "/api/auth/login", undefined, { email, password })).body;
    const replay = await call(a.url, "POST", "/api/auth/login/mfa", undefined, { mfa_token: second.mfa_token, code });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe("unauthorized");
  });

  test("an address's budget of unknown-key lookups is counted over both instances", async () => {
    const verify = async (url: string) =>
      (
        await fetch(`${url}/api/auth/verify`, {
          headers: { authorization: `Bearer ${generateApiKey()}`, "x-forwarded-for": "203.0.113.99" },
        })
      ).status;
    const fresh = (await call(a.url, "POST", "/api/me/api-keys", token, { name: "never used" })).body.key;
    // 60 misses in all, alternating: neither instance alone has seen 60, and B counts the last.
    for (let i = 0; i < 60; i++) expect(await verify(i % 2 === 0 ? a.url : b.url)).toBe(401);
    expect(await verify(b.url)).toBe(429);
    // A has been told: even a real key it has not looked up yet is refused (a lookup would find it).
    const fromAttacker = { authorization: `Bearer ${fresh}`, "x-forwarded-for": "203.0.113.99" };
    await eventually(
      async () => (await fetch(`${a.url}/api/auth/verify`, { headers: fromAttacker })).status === 429,
      1000,
    );
  });

  test("a 100-per-minute limit lets at most 100 of 300 alternating requests through", async () => {
    const created = (await call(a.url, "POST", "/api/me/api-keys", token, { name: "limited across" })).body;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, lane) => {
        for (let i = 0; i < 50; i++) {
          const base = (lane + i) % 2 === 0 ? a.url : b.url;
          statuses.push((await call(base, "GET", "/api/auth/verify", created.key)).status);
        }
      }),
    );
    expect(statuses).toHaveLength(300);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200);
  });

  test("a run streaming from one takes a message injected through the other", async () => {
    const stream = await openStream(`${a.url}/api/react`, { body: { q: "HOLD: wait for my next message.", token } });
    const start = await stream.until("start");
    // The model's first answer is held: the run is in progress on instance A.
    const injected = await call(b.url, "POST", "/api/chat/inject", token, {
      conversation_id: start.data.conversation_id,
      content: "Also: say something about the injected message.",
    });
    expect(injected.status).toBe(201);
    expect(injected.body.runs).toBe(1);
    // B answered once the message was stored and published; it reaches A over Redis about a
    // millisecond later. The run goes on working meanwhile (as a person's inject would find it):
    // give the message that moment before the model answers and the run looks for it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    model.release();
    const events = await stream.rest();
    const inject = events.find((event) => event.event === "inject");
    expect(inject?.data).toMatchObject({ content: "Also: say something about the injected message." });
    expect(events.find((event) => event.event === "done")?.data.answer).toContain("Second answer");
  });
  test("a portal run key claimed on one instance is refused on the other (a reconnect sent elsewhere)", async () => {
    const browser = new PortalBrowser(a.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const input = { mode: "react", q: `Run key across instances ${randomUUID()}`, run_key: randomUUID() };
    const open = (instance: ServerProcess) => browser.subscription("chat.run", input, instance.url);
    expect(await open(a)).toContain('"event":"done"');
    const again = await open(b);
    expect(again).toContain("run_key: this run already started");
    expect(again).not.toContain('"event":"start"');
  });
});

describe("limits and cancellation across instances", () => {
  test("a login burst spread over both instances: at most the account's limit reaches the password check", async () => {
    const target = await call(a.url, "POST", "/api/admin/users", token, {
      email: "burst-target@example.com",
      password: "burst-target-password",
    });
    expect(target.status).toBe(201);
    const host = (base: string) => new URL(base).host;
    const port = (base: string) => Number(new URL(base).port);
    const guesses = Array.from({ length: 40 }, (_, i) => ({
      base: i % 2 === 0 ? a.url : b.url,
      request: jsonRequest("POST", "/api/auth/login", host(i % 2 === 0 ? a.url : b.url), {
        email: "burst-target@example.com",
        password: `wrong-guess-${i}`,
      }),
    }));
    const answers = (
      await Promise.all(
        [a.url, b.url].map((base) =>
          simultaneousBurst(
            port(base),
            guesses.filter((guess) => guess.base === base).map((guess) => guess.request),
          ),
        ),
      )
    ).flat();
    const evaluated = answers.filter((answer) => answer.status !== 429);
    expect(answers).toHaveLength(40);
    // LOGIN_MAX_FAILURES_PER_ACCOUNT is 5 by default: one count for both instances.
    expect(evaluated.length).toBeLessThanOrEqual(5);
    expect(evaluated.every((answer) => answer.status === 401)).toBe(true);
  });

  test("the concurrent-runs quota counts a user's runs on both instances", async () => {
    // QUOTA_CONCURRENT_RUNS is 4 by default: two held runs on each instance use it up.
    const streams = await Promise.all(
      [a, b, a, b].map(async (instance) => {
        const stream = await openStream(`${instance.url}/api/react`, { body: { q: "HOLD a slot.", token } });
        return { stream, start: await stream.until("start") };
      }),
    );
    // Each instance holds two of the four runs, so its own count lets a fifth start; the shared
    // count refuses it, and what it had stored meanwhile is taken back.
    const held = streams[0]!.start.data.conversation_id as string;
    for (const instance of [a, b]) {
      const refused = await call(instance.url, "POST", "/api/react", token, { q: "a fifth run", token });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: "quota_exceeded", quota: "concurrent_runs", limit: 4 });
      const continuing = await call(instance.url, "POST", "/api/react", token, {
        q: "a fifth run, in a held conversation",
        conversation_id: held,
        token,
      });
      expect(continuing.status).toBe(429);
    }
    const db = createDb(databaseUrl);
    try {
      expect(await db.message.count({ where: { content: { startsWith: "a fifth run" } } })).toBe(0);
      expect(await db.conversation.count({ where: { title: { startsWith: "a fifth run" } } })).toBe(0);
      const kept = await db.message.findMany({ where: { conversationId: held }, select: { content: true } });
      expect(kept.map((message) => message.content)).toEqual(["HOLD a slot."]);
    } finally {
      await db.$disconnect();
    }
    // Each run has reached the model before the model answers them all.
    await eventually(() => model.held() === 4);
    model.release();
    for (const { stream } of streams) await stream.rest();
    // Ended runs give their slots back on every instance.
    const again = await openStream(`${b.url}/api/react`, { body: { q: "HOLD after the others ended.", token } });
    expect((await again.until("start")).data.run_id).toBeTruthy();
    await eventually(() => model.held() === 1);
    model.release();
    await again.rest();
  });

  test("a run whose question the database refuses is left announced nowhere, holding no slot", async () => {
    // The run is announced in Redis while its question is stored; this question is refused.
    const db = createDb(databaseUrl);
    await db.$executeRawUnsafe(
      `CREATE FUNCTION refuse_question() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."content" LIKE 'REFUSE%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
    );
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_question BEFORE INSERT ON "Message" FOR EACH ROW EXECUTE FUNCTION refuse_question()`,
    );
    const redis = createClient({ url: "redis://127.0.0.1:6379" });
    await redis.connect();
    try {
      const refused = await call(a.url, "POST", "/api/react", token, { q: "REFUSE this question" });
      expect(refused.status).toBe(500);
      expect(refused.body).toMatchObject({ error: "internal_error" });
      expect(await db.conversation.count({ where: { title: { startsWith: "REFUSE" } } })).toBe(0);
      // Neither its announcement (runs:<conversation>) nor its slot (run-slots:<user>) is left.
      const runKeys = async () => [
        ...(await redis.keys(`${prefix}runs:*`)),
        ...(await redis.keys(`${prefix}run-slots:*`)),
      ];
      await eventually(async () => (await runKeys()).length === 0, 2000);
      // Its slot is free again: the user's whole quota (4) is there for runs that start.
      const streams = await Promise.all(
        [a, b, a, b].map(async (instance) => {
          const stream = await openStream(`${instance.url}/api/react`, { body: { q: "HOLD a slot again.", token } });
          await stream.until("start");
          return stream;
        }),
      );
      await eventually(() => model.held() === 4);
      model.release();
      for (const stream of streams) await stream.rest();
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER refuse_question ON "Message"`);
      await db.$executeRawUnsafe("DROP FUNCTION refuse_question()");
      await db.$disconnect();
      await redis.close();
    }
  });

  test("deleting a conversation through one instance ends its run streaming from the other", async () => {
    const stream = await openStream(`${a.url}/api/react`, { body: { q: "HOLD this one open.", token } });
    const start = await stream.until("start");
    expect((await call(b.url, "DELETE", `/api/conversations/${start.data.conversation_id}`, token)).status).toBe(204);
    const events = await stream.rest();
    model.release();
    expect(events.map((event) => event.event).slice(-2)).toEqual(["error", "end"]);
    expect(events.at(-2)?.data).toMatchObject({ error: "not_found" });
  });
});

describe("usage across instances", () => {
  test("totals are exact after both instances stop (SIGTERM) under load", async () => {
    const created = (await call(a.url, "POST", "/api/me/api-keys", token, { name: "counted across" })).body;
    // No limit for this key's count to matter: the default allows 100 a minute, so use a JWT-made
    // key on fresh instances without a default limit.
    await stopAll();
    a = await startInstance({ DEFAULT_KEY_RATE_LIMIT: "" });
    b = await startInstance({ DEFAULT_KEY_RATE_LIMIT: "" });
    let served = 0;
    let stopping = false;
    const lanes = Array.from({ length: 6 }, async (_, lane) => {
      while (!stopping) {
        try {
          const answer = await call(lane % 2 === 0 ? a.url : b.url, "GET", "/api/auth/verify", created.key);
          if (answer.status === 200) served++;
        } catch {
          return; // the instance has stopped listening
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    stopping = true;
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    await Promise.all(lanes);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    running = [];

    const again = await startInstance({ DEFAULT_KEY_RATE_LIMIT: "" });
    // The session outlives the instances (it lives in the database); a new login would be turned
    // away anyway, since the burst above used up this address's attempts on every instance.
    const stored = (await call(again.url, "GET", `/api/me/api-keys/${created.id}`, token)).body.total_requests;
    console.log(`usage across two instances stopped under load: ${served} answered, ${stored} counted`);
    expect(served).toBeGreaterThan(100);
    expect(stored).toBe(served);
  });
});
