import { describe, expect, test } from "vitest";
import { niceCeiling } from "./UsageChart.tsx";

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
