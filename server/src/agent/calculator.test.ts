import { describe, expect, test } from "vitest";
import {
  CalculatorError,
  evaluateExpression,
  findExpression,
  formatNumber,
  withoutTrailingPunctuation,
} from "./calculator.ts";

describe("evaluateExpression", () => {
  test.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["2 ^ 3 ^ 2", 512],
    ["2 ** 10", 1024],
    ["-3 ^ 2", -9],
    ["10 / 4", 2.5],
    ["15% * 80", 12],
    ["sqrt(16) + abs(-2)", 6],
    ["max(1, 7, 3) - min(4, 2)", 5],
    ["log(1000)", 3],
    ["log(8, 2)", 3],
    ["1,000 + 1", 1001],
    ["3 × 4 ÷ 2", 6],
    ["round(pi * 100)", 314],
  ])("%s = %d", (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 10);
  });

  test.each([
    ["1 / 0", "division by zero"],
    ["2 +", "ends too early"],
    ["process.exit(1)", "unexpected character"],
    ["process", "unknown name"],
    ["constructor", "unknown name"],
    ["toString(1)", "unknown name"],
    ["1; 2", "unexpected character"],
    ["(1 + 2", 'expected ")"'],
    ["sqrt(1, 2)", "takes 1 arguments"],
    ["sqrt(-1)", "not a finite number"],
    ["", "empty"],
  ])("refuses %j", (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(CalculatorError);
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  test("refuses absurd nesting instead of overflowing the stack", () => {
    expect(() => evaluateExpression(`${"(".repeat(200)}1${")".repeat(200)}`)).toThrow(CalculatorError);
  });

  test("formats without floating-point noise", () => {
    expect(formatNumber(evaluateExpression("0.1 + 0.2"))).toBe("0.3");
  });
});

describe("findExpression", () => {
  test.each([
    ["What is 12 * (3 + 4)?", "12 * (3 + 4)"],
    ["how much is 6 x 7", "6*7"],
    ["15% of 80, please", "15% * 80"],
    ["What is 2 plus 2?", "2 + 2"],
    ["sqrt(144) please", "sqrt(144)"],
  ])("%j → %j", (question, expression) => {
    expect(findExpression(question)).toBe(expression);
  });

  test.each([
    "What are the top 3 Python frameworks?",
    "Tell me about Python 3.12",
    "What happened on 2024-01-05?",
    "Hello",
  ])("finds no arithmetic in %j", (question) => {
    expect(findExpression(question)).toBeNull();
  });
});

describe("adversarial input stays linear", () => {
  // Sizes chosen so that the quadratic trailing-trim regex this replaced (`/[\s,.]+$/`, which
  // rescans a long run from each of its positions) would need ~10^12 steps, far past the test
  // timeout, while a linear pass takes milliseconds. No clock is read: finishing is the proof.
  test("a million spaces between two digits", () => {
    expect(findExpression(`1${" ".repeat(1_000_000)}1`)).toBeNull();
    expect(findExpression(`What is 2 + 2?${" ,.".repeat(300_000)}x`)).toBe("2 + 2");
  });

  test("trailing punctuation is trimmed in one pass", () => {
    expect(withoutTrailingPunctuation("3 + 4 ,. \n")).toBe("3 + 4");
    expect(withoutTrailingPunctuation(`1${" ".repeat(1_000_000)}1`)).toHaveLength(1_000_002);
    expect(withoutTrailingPunctuation(" ,.")).toBe("");
  });
});
