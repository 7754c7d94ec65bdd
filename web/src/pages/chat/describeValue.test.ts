import { describe, expect, it } from "vitest";
import { describeValue } from "./describeValue.ts";

describe("describeValue", () => {
  it("names retrieval results by document and score, best first as given", () => {
    const value = {
      results: [
        { document_title: "Security", score: 7.771, content: "Rotate API keys every quarter." },
        { document_title: "Holidays", score: 1.2 },
      ],
    };
    expect(describeValue(value)).toBe("2 passages: Security (7.77), Holidays (1.20)");
    expect(describeValue({ results: [{ document_title: "Only one", score: 3 }] })).toBe("1 passage: Only one (3.00)");
    expect(describeValue({ results: [] })).toBe("no passages found");
  });

  it("shows other values as JSON, and strings as they are", () => {
    expect(describeValue({ expression: "12*7+3" })).toBe('{"expression":"12*7+3"}');
    expect(describeValue({ results: [{ title: "not a passage" }] })).toBe('{"results":[{"title":"not a passage"}]}');
    expect(describeValue(87)).toBe("87");
    expect(describeValue("12 * 7 + 3 = 87")).toBe("12 * 7 + 3 = 87");
    expect(describeValue(undefined)).toBe("undefined");
  });

  it("cuts long values at 300 characters", () => {
    const text = describeValue("x".repeat(400));
    expect(text).toHaveLength(301);
    expect(text.endsWith("…")).toBe(true);
  });
});
