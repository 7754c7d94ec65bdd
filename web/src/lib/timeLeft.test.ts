import { describe, expect, test } from "vitest";
import { niceCeiling } from "../components/UsageChart.tsx";
import { timeLeft } from "./timeLeft.ts";

describe("timeLeft", () => {
  const now = Date.parse("2026-11-28T13:05:30Z");
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
  test.each([
    [3599, "59 more minutes"],
    [61, "1 more minute"],
    [30, "less than a minute"],
    [-5, "less than a minute"],
    [23 * 3600 + 59 * 60, "23 more hours"],
    [7 * 86_400 - 10, "6 more days"],
  ])("%i seconds left reads %s", (seconds, words) => {
    expect(timeLeft(at(seconds), now)).toBe(words);
  });
});

describe("the usage chart's y axis", () => {
  test.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [11, 20],
    [180, 200],
    [201, 500],
  ])("a tallest day of %i gets a top of %i", (tallest, top) => {
    expect(niceCeiling(tallest)).toBe(top);
  });
});
