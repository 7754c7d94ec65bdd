// The chat's live runs as state, and the one pure function that moves them along: a run's
// events (the server's own types, read off the `chat.run` subscription's output) and the page's
// own happenings (a question sent, Stop pressed, the stream failed) go in, the next state comes
// out. No React and no network here, so the whole life of a run can be tested as a list of events.
import type { RouterOutputs } from "../../lib/trpc.ts";

type Yielded<T> = T extends AsyncIterable<infer Item> ? Item : never;

/** One event of a run's stream, exactly as the server's router declares it. */
export type RunEvent = Yielded<RouterOutputs["chat"]["run"]>;
export type RunEventName = RunEvent["event"];
/** The data of the event called `name`. */
export type RunEventData<Name extends RunEventName> = Extract<RunEvent, { event: Name }>["data"];

export type RunMode = RunEventData<"start">["mode"];
/** A ReAct step: a thought, a tool call, or its result. */
export type Step = RunEventData<"step">;
type PlannedStep = Extract<RunEventData<"phase">, { phase: "executing" }>["steps"][number];
type Progress = RunEventData<"step_progress">;
/** A document the run's answer drew on. */
export type Citation = RunEventData<"done">["citations"][number];

/** A DAG plan's step with how far it has got. */
export interface PlanStep extends PlannedStep {
  status: "pending" | Progress["status"];
  result?: unknown;
  error?: string;
}

export interface LiveRun {
  /** Chosen by the page when the question is sent; the server's run id comes later. */
  key: string;
  runId: string | null;
  mode: RunMode;
  question: string;
  steps: Step[];
  /** The DAG phase; "done" once a planned run has answered. */
  phase: RunEventData<"phase">["phase"] | "done" | null;
  plan: PlanStep[];
  answer: string;
  done: Pick<RunEventData<"done">, "model" | "iterations" | "elapsed"> | null;
  citations: Citation[];
  error: string | null;
  running: boolean;
}

export type ChatAction =
  /** The person sent a question; its stream is starting. */
  | { type: "sent"; key: string; mode: RunMode; question: string }
  /** The server sent an event for the run `key`. */
  | { type: "event"; key: string; event: RunEvent }
  /** The stream broke (network, refused); the run is over. */
  | { type: "failed"; key: string; message: string }
  /** The person pressed Stop: every running run ends here. */
  | { type: "stopped" }
  /** Another conversation was opened: its runs are not this one's. */
  | { type: "cleared" };

export const STOPPED_MESSAGE = "Stopped. The run was cancelled.";

export function newRun(key: string, mode: RunMode, question: string): LiveRun {
  return {
    key,
    runId: null,
    mode,
    question,
    steps: [],
    phase: null,
    plan: [],
    answer: "",
    done: null,
    citations: [],
    error: null,
    running: true,
  };
}

/** One run, one event later. A run that is over (ended, failed or stopped) takes no more events. */
export function runReducer(run: LiveRun, event: RunEvent): LiveRun {
  if (!run.running) return run;
  switch (event.event) {
    case "start":
      return { ...run, runId: event.data.run_id };
    case "step":
      return { ...run, steps: [...run.steps, event.data] };
    case "phase": {
      const data = event.data;
      return {
        ...run,
        phase: data.phase,
        plan:
          data.phase === "executing" ? data.steps.map((step) => ({ ...step, status: "pending" as const })) : run.plan,
      };
    }
    case "step_progress": {
      const { step_id, status, result, error } = event.data;
      return {
        ...run,
        plan: run.plan.map((step) => (step.id === step_id ? { ...step, status, result, error } : step)),
      };
    }
    case "answer":
      // `reset`: what streamed so far was the model thinking aloud, not the answer.
      return { ...run, answer: "delta" in event.data ? run.answer + event.data.delta : "" };
    case "inject":
      return run;
    case "done": {
      const { answer, model, iterations, elapsed, citations } = event.data;
      return { ...run, phase: run.phase ? "done" : null, answer, done: { model, iterations, elapsed }, citations };
    }
    case "error":
      return { ...run, error: event.data.message };
    case "end":
      return { ...run, running: false };
  }
}

/** All the page's live runs, one action later. */
export function chatReducer(runs: LiveRun[], action: ChatAction): LiveRun[] {
  switch (action.type) {
    case "sent":
      return [...runs, newRun(action.key, action.mode, action.question)];
    case "event":
      return runs.map((run) => (run.key === action.key ? runReducer(run, action.event) : run));
    case "failed":
      return runs.map((run) =>
        run.key === action.key && run.running ? { ...run, error: action.message, running: false } : run,
      );
    case "stopped":
      return runs.map((run) => (run.running ? { ...run, running: false, error: STOPPED_MESSAGE } : run));
    case "cleared":
      return [];
  }
}
