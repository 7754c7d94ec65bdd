// What a message keeps of its run: the steps as they streamed, shortened, and never more than
// MAX_KEPT_CHARS however large the run's results were.
import { describe, expect, test } from "vitest";
import { MAX_KEPT_STEPS } from "../contracts/runSteps.ts";
import { MAX_KEPT_CHARS, StepRecorder, shortened } from "./stepRecorder.ts";

const passage = (i: number, content: string) => ({
  content,
  score: 1 / (i + 1),
  document_id: `doc-${i}`,
  document_title: `Title ${i}`,
  knowledge_base_id: "kb-1",
  knowledge_base: "Manuals",
});

describe("shortened", () => {
  test("keeps the shape, cuts long texts and lists, and stops at depth", () => {
    expect(shortened({ a: "x".repeat(700), b: [1, 2], c: 3 })).toEqual({ a: `${"x".repeat(600)}…`, b: [1, 2], c: 3 });
    const list = shortened(Array.from({ length: 25 }, (_, i) => i)) as unknown[];
    expect(list).toHaveLength(21);
    expect(list.at(-1)).toBe("… 5 more");
    expect(shortened({ a: { b: { c: { d: { e: { f: 1 } } } } } })).toEqual({ a: { b: { c: { d: { e: "…" } } } } });
  });
});

describe("StepRecorder", () => {
  test("keeps ReAct steps and cites each retrieved document once, by title", () => {
    const recorder = new StepRecorder();
    recorder.observe({ event: "step", data: { type: "thought", iteration: 1, content: "I search." } });
    recorder.observe({
      event: "step",
      data: { type: "tool_call", iteration: 1, call_id: "c1", tool: "kb_retrieve", arguments: { query: "q" } },
    });
    const result = { query: "q", results: [passage(1, "one"), passage(2, "two"), passage(1, "one again")] };
    recorder.observe({
      event: "step",
      data: { type: "tool_result", iteration: 1, call_id: "c1", tool: "kb_retrieve", ok: true, result },
    });
    recorder.observe({ event: "answer", data: { delta: "text" } });
    const kept = recorder.steps();
    expect(kept.steps.map((s) => s.type)).toEqual(["thought", "tool_call", "tool_result"]);
    expect(kept.citations.map((c) => c.document_title)).toEqual(["Title 1", "Title 2"]);
    expect(recorder.citations()).toEqual(kept.citations);
  });

  test("a run with huge results is kept within MAX_KEPT_CHARS, its steps all there", () => {
    const recorder = new StepRecorder();
    for (let i = 0; i < MAX_KEPT_STEPS + 10; i++) {
      const results = Array.from({ length: 20 }, (_, j) => passage(j, "y".repeat(5000)));
      recorder.observe({
        event: "step",
        data: {
          type: "tool_result",
          iteration: i,
          call_id: `c${i}`,
          tool: "kb_retrieve",
          ok: true,
          result: { results },
        },
      });
    }
    const kept = recorder.steps();
    expect(kept.steps).toHaveLength(MAX_KEPT_STEPS);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(MAX_KEPT_CHARS);
    expect(kept.citations).toHaveLength(20);
  });
});
