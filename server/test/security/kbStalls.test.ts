// Knowledge-base work that a user controls cannot stall the server: building the search index of
// a large corpus and answering a long query happen in a worker thread, so the event loop keeps
// serving other requests; a search thread that hangs or dies fails its request with 503 and is
// replaced. What the tests observe is where the work happens (the thread's own replies: the index
// it built, the hits it found), not how long anything took: the stall itself is measured by
// `pnpm bench:stalls`, on a machine whose noise a timed test could not tell from a regression.
import type { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, test } from "vitest";
import { SearchPool, type SearchReply } from "../../src/lib/searchPool.ts";
import { type TestServer, withAdminServer } from "../harness.ts";
import { corpusDocument, random, wordMaker } from "../support/corpus.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

/**
 * A search pool whose threads' replies are recorded, as the main thread receives them. Its time
 * limit is far past the server's: on a loaded machine the 4 MB build can outlast the default, and
 * these tests are about where the work happens, not how long it takes.
 */
function recordingPool(): { pool: SearchPool; replies: SearchReply[] } {
  const replies: SearchReply[] = [];
  const pool = new SearchPool({
    taskTimeoutMs: 120_000,
    onWorkerStart: (worker) => worker.on("message", (reply) => replies.push(reply)),
  });
  return { pool, replies };
}

async function createKb(name: string): Promise<string> {
  const response = await server.api("POST", "/api/knowledge-bases", { token, body: { name } });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function addDoc(kbId: string, body: Record<string, unknown>): Promise<void> {
  const response = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, { token, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
}

const retrieve = (kbId: string, body: unknown) =>
  server.api("POST", `/api/knowledge-bases/${kbId}/retrieve`, { token, body });

/** Runs the test body with `pool` as the server's search pool, then puts the original back. */
async function withPool(pool: SearchPool, body: () => Promise<void>): Promise<void> {
  const original = server.ctx.search;
  server.ctx.search = pool;
  try {
    await body();
  } finally {
    server.ctx.search = original;
    await pool.stop();
  }
}

describe("a 4 MB knowledge base", () => {
  let bigKb: string;

  beforeAll(async () => {
    bigKb = await createKb("Big corpus");
    const next = random(7);
    // Five documents of 800,000 characters (under the 1,000,000 cap): 4 MB and ~500,000 distinct words.
    for (let i = 0; i < 5; i++) await addDoc(bigKb, { title: `Volume ${i}`, content: corpusDocument(800_000, next) });
  }, 120_000);

  test("the first retrieval builds the index in the search thread, not on the event loop", async () => {
    const { pool, replies } = recordingPool();
    await withPool(pool, async () => {
      const result = await retrieve(bigKb, { query: "volume", top_k: 3 });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.results).toHaveLength(3);
    });
    // The thread asked for the passages, built the whole corpus's index itself and found the hits.
    expect(replies.map((reply) => reply.type)).toEqual(["ready", "missing", "hits"]);
    const hits = replies.at(-1) as Extract<SearchReply, { type: "hits" }>;
    expect(hits.hits).toHaveLength(3);
    expect(hits.build?.chars).toBeGreaterThanOrEqual(4_000_000);
  });

  test("a 2000-character query of 160+ distinct long words is answered by the search thread", async () => {
    const word = wordMaker(random(11), 10, 12);
    const words = new Set<string>();
    while ([...words].join(" ").length < 2000) words.add(word());
    const query = [...words].join(" ").slice(0, 2000);
    expect(new Set(query.split(" ")).size).toBeGreaterThanOrEqual(160);
    // A few words of the corpus among them, so that there is something to find.
    const known = (await server.ctx.db.chunk.findFirstOrThrow({ where: { knowledgeBaseId: bigKb } })).content
      .split(/\W+/)
      .filter((term) => term.length >= 3)
      .slice(0, 3);
    const { pool, replies } = recordingPool();
    await withPool(pool, async () => {
      const result = await retrieve(bigKb, { query: `${known.join(" ")} ${query}`.slice(0, 2000), top_k: 5 });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.results.length).toBeGreaterThan(0);
      // The hits came from the thread (a fresh one: it built the index from the passages, then searched).
      const hits = replies.filter((reply) => reply.type === "hits");
      expect(hits).toHaveLength(1);
      expect((hits[0] as Extract<SearchReply, { type: "hits" }>).hits).toHaveLength(result.body.results.length);
    });
  });

  test("a build past the time limit answers 503 and the next search works on a fresh thread", async () => {
    const smallKb = await createKb("small");
    await addDoc(smallKb, { title: "Geology", content: "A volcano eruption sends ash high into the air." });
    await withPool(new SearchPool({ taskTimeoutMs: 300 }), async () => {
      const slow = await retrieve(bigKb, { query: "volume" });
      expect(slow.status).toBe(503);
      expect(slow.body).toEqual({ error: "service_unavailable", message: expect.any(String) });
      const next = await retrieve(smallKb, { query: "volcano" });
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      expect(next.body.results).toHaveLength(1);
      // The same version of the slow one is refused at once for a while, rather than tried again.
      expect((await retrieve(bigKb, { query: "volume" })).status).toBe(503);
    });
  });
});

test("a search thread killed mid-task: that request answers 503, the next one works", async () => {
  const kbId = await createKb("killed");
  await addDoc(kbId, { title: "Shipping", content: "Orders ship from our warehouse in Rotterdam." });
  let killed = 0;
  // The thread dies as it is handed its first build: that task is in flight and can never answer.
  const killOnFirstBuild = (worker: Worker) => {
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: { passages?: unknown }) => {
      if (message.passages && killed++ === 0) void worker.terminate();
      else post(message);
    };
  };
  // A time bound far past the test's own: only noticing the exit can answer in time.
  await withPool(new SearchPool({ onWorkerStart: killOnFirstBuild, taskTimeoutMs: 120_000 }), async () => {
    const first = await retrieve(kbId, { query: "warehouse" });
    expect(killed).toBe(1);
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ error: "service_unavailable", message: expect.any(String) });
    const second = await retrieve(kbId, { query: "warehouse" });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.results[0]).toMatchObject({ document_title: "Shipping" });
  });
});
