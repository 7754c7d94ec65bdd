import { describe, expect, test } from "vitest";
import { Batcher } from "./batcher.ts";

/** A batcher whose work records each batch and answers each item doubled (odd numbers fail). */
function recording(gate?: Promise<void>) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>(async (items) => {
    batches.push(items);
    await gate;
    return items.map((item) =>
      item % 2 === 0
        ? { status: "fulfilled", value: item * 2 }
        : { status: "rejected", reason: new Error(`odd ${item}`) },
    );
  });
  return { batcher, batches };
}

describe("Batcher", () => {
  test("calls made in the same turn are served by one batch, each with its own result", async () => {
    const { batcher, batches } = recording();
    const results = await Promise.allSettled([batcher.add(2), batcher.add(3), batcher.add(4)]);
    expect(batches).toEqual([[2, 3, 4]]);
    expect(results.map((result) => (result.status === "fulfilled" ? result.value : String(result.reason)))).toEqual([
      4,
      "Error: odd 3",
      8,
    ]);
  });

  test("calls made while a batch is being served wait for it, then form the next batch in their order", async () => {
    let open!: () => void;
    const { batcher, batches } = recording(new Promise<void>((resolve) => (open = resolve)));
    const first = batcher.add(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[2]]);
    const later = [batcher.add(6), batcher.add(8)];
    await new Promise((resolve) => setImmediate(resolve));
    // Still one batch: the second waits for the first to end.
    expect(batches).toEqual([[2]]);
    open();
    expect(await Promise.all([first, ...later])).toEqual([4, 12, 16]);
    expect(batches).toEqual([[2], [6, 8]]);
  });

  test("work that throws fails every call of its batch, and the next batch is served", async () => {
    let fail = true;
    const batcher = new Batcher<string, string>(async (items) => {
      if (fail) throw new Error("database away");
      return items.map((value) => ({ status: "fulfilled", value }));
    });
    const failed = await Promise.allSettled([batcher.add("a"), batcher.add("b")]);
    expect(failed.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await batcher.add("c")).toBe("c");
  });
});
