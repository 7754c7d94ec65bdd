// How runs share the event loop (turns.ts): engine steps one per turn of the loop, in the order
// they were asked for.
import { expect, test } from "vitest";
import { EngineTurns } from "./turns.ts";

/** Counts turns of the event loop: one more each check phase. */
function loopTurns() {
  let count = 0;
  let running = true;
  const tick = () => {
    count++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      running = false;
    },
  };
}

test("steps asked for at once are handed out one per turn of the event loop, in order", async () => {
  const turns = new EngineTurns();
  const clock = loopTurns();
  const handedOut: { step: string; turn: number }[] = [];
  await Promise.all(
    ["a", "b", "c", "d"].map((step) =>
      turns.next().then(() => {
        handedOut.push({ step, turn: clock.count });
      }),
    ),
  );
  clock.stop();
  expect(handedOut.map((entry) => entry.step)).toEqual(["a", "b", "c", "d"]);
  // Each step comes on a later turn than the one before it: between two steps the loop goes round
  // (timers, I/O: new connections) instead of running them all in one check phase.
  for (let i = 1; i < handedOut.length; i++) {
    expect(handedOut[i]!.turn).toBeGreaterThan(handedOut[i - 1]!.turn);
  }
});

test("a step asked for while others wait comes after them", async () => {
  const turns = new EngineTurns();
  const order: string[] = [];
  const first = turns.next().then(() => {
    order.push("first");
    // Asked for during the first step: behind the second, which was already waiting.
    return turns.next().then(() => order.push("third"));
  });
  const second = turns.next().then(() => order.push("second"));
  await Promise.all([first, second]);
  expect(order).toEqual(["first", "second", "third"]);
});
