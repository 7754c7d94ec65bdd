// The search pool on its own: one build per index however many ask, the cache bounds, and a
// thread that is too slow, runs out of memory or is stopped failing its tasks with 503.
import { afterEach, describe, expect, test } from "vitest";
import { AppError } from "../errors.ts";
import { SearchPool, type SearchPoolOptions, type SearchRequest } from "./searchPool.ts";
import type { Passage } from "./textSearch.ts";

const pools: SearchPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

function pool(options: SearchPoolOptions = {}): SearchPool {
  const created = new SearchPool(options);
  pools.push(created);
  return created;
}

/** A knowledge base whose passage loads are counted. */
function knowledgeBase(id: string, passages: Passage[]) {
  const kb = {
    loads: 0,
    request(query: string, version = "v1"): SearchRequest {
      return {
        knowledgeBaseId: id,
        version,
        query,
        limit: 3,
        loadPassages: async () => {
          kb.loads++;
          return passages;
        },
      };
    },
  };
  return kb;
}

const FRUIT: Passage[] = [
  { id: "apple", title: "Apples", content: "Apples grow on trees in orchards." },
  { id: "banana", title: "Bananas", content: "Bananas grow in tropical plantations." },
];

/** About `chars` characters of random words: an index that takes a while to build and a lot of memory. */
function randomPassages(chars: number): Passage[] {
  let state = 1;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  };
  const passages: Passage[] = [];
  for (let i = 0; i * 1000 < chars; i++) {
    let content = "";
    while (content.length < 1000) {
      const length = 3 + Math.floor(next() * 6);
      for (let j = 0; j < length; j++) content += String.fromCharCode(97 + Math.floor(next() * 26));
      content += " ";
    }
    passages.push({ id: `p${i}`, title: "", content });
  }
  return passages;
}

async function unavailable(search: Promise<unknown>): Promise<AppError> {
  const error = await search.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("service_unavailable");
  expect((error as AppError).status).toBe(503);
  return error as AppError;
}

describe("searching", () => {
  test("concurrent searches of a new index load and build it once; the same version reuses it", async () => {
    const search = pool();
    const fruit = knowledgeBase("fruit", FRUIT);
    const answers = await Promise.all(
      ["apples", "bananas", "orchard trees", "tropical", "apple"].map((query) => search.search(fruit.request(query))),
    );
    expect(fruit.loads).toBe(1);
    expect(answers.map((hits) => hits[0]?.id)).toEqual(["apple", "banana", "apple", "banana", "apple"]);
    expect(await search.search(fruit.request("plantations"))).toEqual([{ id: "banana", score: expect.any(Number) }]);
    expect(fruit.loads).toBe(1);
    // Another version (a document added or deleted) is another index.
    await search.search(fruit.request("apples", "v2"));
    expect(fruit.loads).toBe(2);
  });

  test("the cache keeps at most maxIndexes indexes, least recently used dropped first", async () => {
    const search = pool({ maxIndexes: 2 });
    const [a, b, c] = ["a", "b", "c"].map((id) => knowledgeBase(id, FRUIT)) as [
      ReturnType<typeof knowledgeBase>,
      ReturnType<typeof knowledgeBase>,
      ReturnType<typeof knowledgeBase>,
    ];
    for (const kb of [a, b, a, c]) await search.search(kb.request("apples"));
    expect([a.loads, b.loads, c.loads]).toEqual([1, 1, 1]);
    await search.search(a.request("apples"));
    expect(a.loads).toBe(1);
    await search.search(b.request("apples"));
    expect(b.loads).toBe(2);
  });

  test("an index larger than maxIndexedChars answers its search and is not kept", async () => {
    const search = pool({ maxIndexedChars: 50 });
    const fruit = knowledgeBase("fruit", FRUIT);
    expect((await search.search(fruit.request("apples")))[0]?.id).toBe("apple");
    expect((await search.search(fruit.request("apples")))[0]?.id).toBe("apple");
    expect(fruit.loads).toBe(2);
  });

  test("forget drops a knowledge base's index", async () => {
    const search = pool();
    const fruit = knowledgeBase("fruit", FRUIT);
    await search.search(fruit.request("apples"));
    search.forget("fruit");
    await search.search(fruit.request("apples"));
    expect(fruit.loads).toBe(2);
  });
});

describe("failures answer 503 and the pool recovers", () => {
  test("a task past the time limit; the same version is then refused at once, others work", async () => {
    const search = pool({ taskTimeoutMs: 100 });
    const big = knowledgeBase("big", randomPassages(2_000_000));
    const started = Date.now();
    expect((await unavailable(search.search(big.request("anything")))).message).toMatch(/took too long/);
    // The caller was not kept waiting for the build to finish (seconds).
    expect(Date.now() - started).toBeLessThan(10_000);
    await unavailable(search.search(big.request("anything")));
    expect(big.loads).toBe(1);
    const fruit = knowledgeBase("fruit", FRUIT);
    expect((await search.search(fruit.request("bananas")))[0]?.id).toBe("banana");
  });

  test("a thread that runs out of memory; the next search works on a new thread", async () => {
    const search = pool({ maxHeapMb: 64 });
    const big = knowledgeBase("big", randomPassages(4_000_000));
    expect((await unavailable(search.search(big.request("anything")))).message).toMatch(/memory/i);
    const fruit = knowledgeBase("fruit", FRUIT);
    expect((await search.search(fruit.request("bananas")))[0]?.id).toBe("banana");
  });

  test("stop fails the waiting searches and refuses new ones", async () => {
    const search = pool();
    const fruit = knowledgeBase("fruit", FRUIT);
    const pending = unavailable(search.search(fruit.request("apples")));
    await search.stop();
    await pending;
    await unavailable(search.search(fruit.request("apples")));
  });
});
