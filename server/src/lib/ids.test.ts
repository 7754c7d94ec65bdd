import { describe, expect, test } from "vitest";
import { newCuid } from "./ids.ts";

describe("newCuid", () => {
  test("ids have Prisma's cuid shape and do not repeat, across several refills of the random pool", () => {
    // 2,000 ids take about four refills of the pool (512 ids each).
    const ids = Array.from({ length: 2_000 }, () => newCuid());
    for (const id of ids) expect(id).toMatch(/^c[0-9a-z]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // The random part differs from one id to the next (not one value handed out twice).
    expect(new Set(ids.map((id) => id.slice(-8))).size).toBeGreaterThan(1_990);
  });

  test("ids made one after another sort in the order they were made, across milliseconds", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(newCuid(), newCuid());
      // A timer may fire up to a millisecond early by the wall clock, so wait on the clock itself.
      const before = Date.now();
      while (Date.now() <= before) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // As text: the time first, then the counter (which wraps once in 1.7 million ids).
    expect([...made].sort()).toEqual(made);
    const times = made.map((id) => Number.parseInt(id.slice(1, 9), 36));
    // Each pair was made in a later millisecond than the pair before it.
    for (let i = 2; i < times.length; i += 2) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });
});
