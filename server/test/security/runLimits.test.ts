// Agent runs are bounded per user: how many may stream at once (429 quota_exceeded before the
// stream starts) and how long one may take (the run ends with a run_timeout error event). Runs
// are kept in progress by holding the engine (server.engine).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../harness.ts";
import { eventually, openStream } from "../support/sse.ts";

let server: TestServer;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  server = await startTestServer({ QUOTA_CONCURRENT_RUNS: "2", RUN_TIMEOUT_SECONDS: "2" });
  alice = await server.createUser("alice-runs@example.com");
  bob = await server.createUser("bob-runs@example.com");
});
afterAll(() => server.close());
afterEach(() => server.engine.release());

const start = (token: string, q = "What is 6 * 7?") => openStream(`${server.url}/api/react`, { body: { q, token } });

describe("runs at once", () => {
  test("the third simultaneous run of one user is refused before it starts; others are not affected", async () => {
    server.engine.hold();
    const first = await start(alice.token);
    const second = await start(alice.token);
    await first.until("start");
    await second.until("start");

    const conversationsBefore = await server.ctx.db.conversation.count({ where: { userId: alice.id } });
    const third = await server.api("POST", "/api/react", { body: { q: "one more", token: alice.token } });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: "quota_exceeded", quota: "concurrent_runs", limit: 2 });
    expect(third.headers.get("retry-after")).toBe("5");
    // Refused before anything was recorded.
    expect(await server.ctx.db.conversation.count({ where: { userId: alice.id } })).toBe(conversationsBefore);

    // Someone else still may run.
    const bobs = await start(bob.token);
    expect((await bobs.until("start")).data.run_id).toBeTruthy();
    bobs.abort();

    // A slot frees when a run ends (here: its client leaves).
    first.abort();
    await eventually(() => server.ctx.runs.slotsOf(alice.id) === 1);
    const fourth = await start(alice.token);
    expect((await fourth.until("start")).event).toBe("start");
    second.abort();
    fourth.abort();
  });

  test("simultaneous starts cannot share the last slot", async () => {
    server.engine.hold();
    await eventually(() => server.ctx.runs.slotsOf(bob.id) === 0);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${server.url}/api/dag`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ q: "2 + 2", token: bob.token }),
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    for (const answer of answers) await answer.body?.cancel();
  });
});

describe("wall-clock limit", () => {
  test("a run going past RUN_TIMEOUT_SECONDS ends with run_timeout, then end", async () => {
    await eventually(() => server.ctx.runs.slotsOf(alice.id) === 0);
    server.engine.hold();
    const stream = await start(alice.token);
    const events = await stream.rest();
    const names = events.map((event) => event.event);
    expect(names.at(0)).toBe("start");
    expect(names.slice(-2)).toEqual(["error", "end"]);
    expect(events.at(-2)?.data).toMatchObject({ error: "run_timeout", message: expect.stringMatching(/2 s/) });
  });
});
