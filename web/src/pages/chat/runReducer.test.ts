// The chat's run reducer, driven by event sequences shaped as the server's router types them:
// each test plays what a stream would send and checks what the page would then show.
import { describe, expect, it } from "vitest";
import {
  type ChatAction,
  chatReducer,
  type LiveRun,
  newRun,
  type RunEvent,
  runReducer,
  STOPPED_MESSAGE,
} from "./runReducer.ts";

const start = (run_id: string, mode: "react" | "dag" = "react"): RunEvent => ({
  event: "start",
  data: { run_id, conversation_id: "conv-1", mode, model: "offline", agent_id: null },
});
const delta = (text: string): RunEvent => ({ event: "answer", data: { delta: text } });
type Citation = Extract<RunEvent, { event: "done" }>["data"]["citations"][number];
const done = (
  answer: string,
  extra: Partial<{ iterations: number; elapsed: number; citations: Citation[] }> = {},
): RunEvent => ({
  event: "done",
  data: {
    answer,
    iterations: extra.iterations ?? 1,
    elapsed: extra.elapsed ?? 0.25,
    usage: null,
    model: "offline",
    conversation_id: "conv-1",
    message_id: "msg-2",
    citations: extra.citations ?? [],
  },
});
const end: RunEvent = { event: "end", data: {} };

/** Plays `events` on a fresh run, one at a time, as the stream would deliver them. */
function play(events: RunEvent[], mode: "react" | "dag" = "react"): LiveRun {
  return events.reduce(runReducer, newRun("k1", mode, "What is 12 * 7 + 3?"));
}

/** Plays page actions from no runs at all. */
function chat(actions: ChatAction[]): LiveRun[] {
  return actions.reduce(chatReducer, []);
}

describe("runReducer: a ReAct run", () => {
  const steps: RunEvent[] = [
    { event: "step", data: { type: "thought", iteration: 1, content: "I should calculate." } },
    {
      event: "step",
      data: { type: "tool_call", iteration: 1, call_id: "c1", tool: "calculator", arguments: { expression: "12*7+3" } },
    },
    {
      event: "step",
      data: { type: "tool_result", iteration: 1, call_id: "c1", tool: "calculator", ok: true, result: 87 },
    },
  ];

  it("collects the run id, the steps in order, the streamed answer, and ends with what ran it", () => {
    const run = play([
      start("run-1"),
      ...steps,
      delta("12 * 7 + 3"),
      delta(" = 87"),
      done("12 * 7 + 3 = 87", { iterations: 2, elapsed: 1.5 }),
      end,
    ]);
    expect(run.runId).toBe("run-1");
    expect(run.steps.map((s) => s.type)).toEqual(["thought", "tool_call", "tool_result"]);
    expect(run.steps[2]).toMatchObject({ tool: "calculator", ok: true, result: 87 });
    expect(run.answer).toBe("12 * 7 + 3 = 87");
    expect(run.done).toEqual({ model: "offline", iterations: 2, elapsed: 1.5 });
    expect(run.phase).toBeNull();
    expect(run.error).toBeNull();
    expect(run.running).toBe(false);
  });

  it("shows the answer as it streams, and is still running before `end`", () => {
    const partway = play([start("run-1"), ...steps, delta("12 * 7"), delta(" + 3")]);
    expect(partway.answer).toBe("12 * 7 + 3");
    expect(partway.done).toBeNull();
    expect(partway.running).toBe(true);
  });

  it("drops the text streamed before an answer reset (the model thinking aloud)", () => {
    const run = play([
      start("run-1"),
      delta("Let me think"),
      delta(" about it…"),
      { event: "answer", data: { reset: true } },
      delta("87"),
    ]);
    expect(run.answer).toBe("87");
  });

  it("keeps the documents `done` cites, by title", () => {
    const cited = {
      document_id: "doc-1",
      document_title: "Frameworks",
      knowledge_base_id: "kb-1",
      knowledge_base: "Python web",
    };
    expect(play([start("run-1"), done("Django", { citations: [cited] })]).citations).toEqual([cited]);
    expect(play([start("run-1"), delta("Dj")]).citations).toEqual([]);
  });

  it("takes `done`'s answer as final, whatever the deltas said", () => {
    const run = play([start("run-1"), delta("partial"), done("the whole answer")]);
    expect(run.answer).toBe("the whole answer");
  });

  it("keeps an error event's message and the answer so far; `end` stops it", () => {
    const failing = play([
      start("run-1"),
      delta("Half an ans"),
      { event: "error", data: { error: "unauthorized", message: "The API key was disabled during the run" } },
    ]);
    expect(failing.error).toBe("The API key was disabled during the run");
    expect(failing.answer).toBe("Half an ans");
    expect(failing.running).toBe(true);
    expect(runReducer(failing, end).running).toBe(false);
  });

  it("ignores injected messages", () => {
    const before = play([start("run-1"), delta("a")]);
    expect(runReducer(before, { event: "inject", data: { message_id: "m9", content: "also this" } })).toBe(before);
  });

  it("takes nothing more once it has ended", () => {
    const ended = play([start("run-1"), done("87"), end]);
    expect(runReducer(ended, delta(" more"))).toBe(ended);
    expect(runReducer(ended, { event: "error", data: { error: "internal", message: "late" } }).error).toBeNull();
  });

  it("never changes the state it was given", () => {
    const before = Object.freeze(play([start("run-1")]));
    const steps0 = before.steps;
    const after = runReducer(before, steps[0] as RunEvent);
    expect(after).not.toBe(before);
    expect(before.steps).toBe(steps0);
    expect(before.steps).toHaveLength(0);
    expect(after.steps).toHaveLength(1);
  });
});

describe("runReducer: a DAG run", () => {
  const plan: RunEvent = {
    event: "phase",
    data: {
      phase: "executing",
      steps: [
        {
          id: "s1",
          description: "calculate 100 / 4",
          tool: "calculator",
          arguments: { expression: "100/4" },
          depends_on: [],
        },
        { id: "s2", description: "look it up", tool: "kb_retrieve", arguments: {}, depends_on: [] },
        { id: "s3", description: "answer", tool: null, arguments: {}, depends_on: ["s1", "s2"] },
      ],
    },
  };
  const progress = (step_id: string, status: "running" | "completed" | "failed", more: object = {}): RunEvent => ({
    event: "step_progress",
    data: { step_id, status, description: "", tool: null, ...more },
  });

  it("goes through its phases and marks every planned step pending when execution starts", () => {
    const planning = play([start("run-2", "dag"), { event: "phase", data: { phase: "planning" } }], "dag");
    expect(planning.phase).toBe("planning");
    expect(planning.plan).toEqual([]);
    const executing = runReducer(planning, plan);
    expect(executing.phase).toBe("executing");
    expect(executing.plan.map((s) => [s.id, s.status])).toEqual([
      ["s1", "pending"],
      ["s2", "pending"],
      ["s3", "pending"],
    ]);
    expect(executing.plan[2]?.depends_on).toEqual(["s1", "s2"]);
  });

  it("tracks each step's progress, result and error; the plan survives `analyzing`; `done` closes the phase", () => {
    const run = play(
      [
        start("run-2", "dag"),
        { event: "phase", data: { phase: "planning" } },
        plan,
        progress("s1", "running"),
        progress("s2", "running"),
        progress("s1", "completed", { result: 25 }),
        progress("s2", "failed", { error: "no knowledge base" }),
        progress("s3", "completed", { result: "100 / 4 = 25" }),
        { event: "phase", data: { phase: "analyzing" } },
        done("100 / 4 = 25"),
        end,
      ],
      "dag",
    );
    expect(run.plan.map((s) => s.status)).toEqual(["completed", "failed", "completed"]);
    expect(run.plan[0]?.result).toBe(25);
    expect(run.plan[1]?.error).toBe("no knowledge base");
    expect(run.phase).toBe("done");
    expect(run.answer).toBe("100 / 4 = 25");
    expect(run.running).toBe(false);
  });

  it("leaves the plan alone for progress on a step it does not have", () => {
    const executing = play([start("run-2", "dag"), plan], "dag");
    const after = runReducer(executing, progress("s9", "completed"));
    expect(after.plan).toEqual(executing.plan);
  });
});

describe("chatReducer: the page's runs", () => {
  it("adds a run per question, running, with nothing in it yet", () => {
    const runs = chat([{ type: "sent", key: "a", mode: "dag", question: "Plan this" }]);
    expect(runs).toEqual([newRun("a", "dag", "Plan this")]);
    expect(runs[0]?.running).toBe(true);
  });

  it("sends each event to its own run only", () => {
    const runs = chat([
      { type: "sent", key: "a", mode: "react", question: "first" },
      { type: "event", key: "a", event: start("run-a") },
      { type: "event", key: "a", event: done("A") },
      { type: "event", key: "a", event: end },
      { type: "sent", key: "b", mode: "react", question: "second" },
      { type: "event", key: "b", event: start("run-b") },
      { type: "event", key: "b", event: delta("B so far") },
      { type: "event", key: "nobody", event: delta("lost") },
    ]);
    expect(runs.map((r) => [r.key, r.runId, r.answer, r.running])).toEqual([
      ["a", "run-a", "A", false],
      ["b", "run-b", "B so far", true],
    ]);
  });

  it("Stop ends the running runs with a message and leaves finished ones as they were", () => {
    const runs = chat([
      { type: "sent", key: "a", mode: "react", question: "first" },
      { type: "event", key: "a", event: done("A") },
      { type: "event", key: "a", event: end },
      { type: "sent", key: "b", mode: "react", question: "second" },
      { type: "event", key: "b", event: delta("B") },
      { type: "stopped" },
      { type: "event", key: "b", event: delta(" after stop") },
    ]);
    expect(runs[0]).toMatchObject({ answer: "A", error: null, running: false });
    expect(runs[1]).toMatchObject({ answer: "B", error: STOPPED_MESSAGE, running: false });
  });

  it("a broken stream ends its run with the reason; a run that had already ended keeps its state", () => {
    const runs = chat([
      { type: "sent", key: "a", mode: "react", question: "first" },
      { type: "event", key: "a", event: end },
      { type: "sent", key: "b", mode: "react", question: "second" },
      { type: "failed", key: "b", message: "Cannot reach the server" },
      { type: "failed", key: "a", message: "too late" },
    ]);
    expect(runs[0]).toMatchObject({ error: null, running: false });
    expect(runs[1]).toMatchObject({ error: "Cannot reach the server", running: false });
  });

  it("forgets every run when another conversation is opened", () => {
    const runs = chat([{ type: "sent", key: "a", mode: "react", question: "first" }, { type: "cleared" }]);
    expect(runs).toEqual([]);
  });
});
