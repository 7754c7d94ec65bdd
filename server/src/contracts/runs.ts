// Streaming agent runs: the question, and every event a run streams (POST /api/react and
// /api/dag as Server-Sent Events, the portal's subscription as tRPC frames). The engine's event
// types are inferred from these schemas, so the documented events are the ones it can emit.

import { MAX_TOKEN_CHARS } from "./auth.ts";
import { id, z } from "./common.ts";
import { message } from "./conversations.ts";
import { citation, planStep, STEP_PROGRESS_STATUSES, stepData } from "./runSteps.ts";

export { planStep, stepData };

export const MAX_QUESTION_CHARS = 20_000;
export const RUN_MODES = ["react", "dag"] as const;
export const runMode = z.enum(RUN_MODES);
export type RunMode = z.infer<typeof runMode>;

const question = {
  q: z
    .string()
    .max(MAX_QUESTION_CHARS)
    .meta({ description: "The question", example: "What are the top 3 Python frameworks?" }),
  conversation_id: id
    .nullish()
    .meta({ description: "Continue this conversation; without it the run starts a new one" }),
  agent_id: id.nullish().meta({ description: "Answer as this agent; default: the built-in assistant" }),
};

export const runBody = z.strictObject({
  ...question,
  token: z.string().max(MAX_TOKEN_CHARS).optional().meta({
    description:
      "The credential (API key or access token) for clients that cannot send an Authorization header. When both are present, the header wins.",
  }),
});

/** The portal's run: `run_key` makes a reconnecting EventSource unable to start the same question twice. */
export const portalRunInput = z.strictObject({ ...question, run_key: z.uuid(), mode: runMode });

export const injectBody = z.strictObject({ conversation_id: id, content: z.string().max(MAX_QUESTION_CHARS) });

export const injected = z.object({
  conversation_id: z.string(),
  message,
  runs: z.number().int().min(0).meta({ description: "Runs in progress that received the message" }),
});

// ---- events ----

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const startData = z.object({
  run_id: z.string(),
  conversation_id: z.string(),
  mode: runMode,
  model: z.string(),
  agent_id: z.string().nullable(),
});

export const phaseData = z.discriminatedUnion("phase", [
  z.object({ phase: z.literal("planning") }),
  z.object({ phase: z.literal("executing"), steps: z.array(planStep) }),
  z.object({ phase: z.literal("analyzing") }),
]);

export const stepProgressData = z.object({
  step_id: z.string(),
  status: z.enum(STEP_PROGRESS_STATUSES),
  description: z.string(),
  tool: z.string().nullable(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  elapsed: z.number().optional(),
});

export const answerData = z.union([
  z.object({ delta: z.string() }),
  z
    .object({ reset: z.literal(true) })
    .meta({ description: "Discard the answer text so far: it was the model thinking aloud" }),
]);

export const injectData = z.object({ message_id: z.string(), content: z.string() });

export const doneData = z.object({
  answer: z.string(),
  iterations: z.number().int(),
  elapsed: z.number().meta({ description: "Seconds from the start of the run" }),
  usage: usage.nullable(),
  model: z.string(),
  conversation_id: z.string(),
  message_id: z.string(),
  citations: z
    .array(citation)
    .meta({ description: "The documents the run retrieved passages from, by title (also kept with the message)" }),
});

export const errorData = z.object({
  error: z.string().meta({ description: "An error code of the contract, or run_timeout" }),
  message: z.string(),
});

const frame = <N extends string, D extends z.ZodType>(name: N, data: D, description: string, refId: string) =>
  z.object({ event: z.literal(name), data }).meta({ id: refId, description });

export const startEvent = frame("start", startData, "First: the run and its conversation", "StartEvent");
export const stepEvent = frame("step", stepData, "ReAct: a thought, a tool call or its result", "StepEvent");
export const phaseEvent = frame(
  "phase",
  phaseData,
  "DAG: planning, executing (with the plan) or analyzing",
  "PhaseEvent",
);
export const stepProgressEvent = frame(
  "step_progress",
  stepProgressData,
  "DAG: one plan step's progress",
  "StepProgressEvent",
);
export const answerEvent = frame("answer", answerData, "A piece of the answer text", "AnswerEvent");
export const injectEvent = frame(
  "inject",
  injectData,
  "A message added with /api/chat/inject reached the run",
  "InjectEvent",
);
export const doneEvent = frame("done", doneData, "The answer, stored in the conversation", "DoneEvent");
export const errorEvent = frame("error", errorData, "The run failed; `end` follows", "ErrorEvent");
export const endEvent = frame("end", z.strictObject({}), "Last: the stream closes", "EndEvent");

export const runEvent = z.discriminatedUnion("event", [
  startEvent,
  stepEvent,
  phaseEvent,
  stepProgressEvent,
  answerEvent,
  injectEvent,
  doneEvent,
  errorEvent,
  endEvent,
]);
export type RunEvent = z.infer<typeof runEvent>;

/** The events of each mode, as its stream documents them. */
export const reactRunEvent = z
  .discriminatedUnion("event", [startEvent, stepEvent, answerEvent, injectEvent, doneEvent, errorEvent, endEvent])
  .meta({ id: "ReactRunEvent" });
export const dagRunEvent = z
  .discriminatedUnion("event", [
    startEvent,
    phaseEvent,
    stepProgressEvent,
    answerEvent,
    injectEvent,
    doneEvent,
    errorEvent,
    endEvent,
  ])
  .meta({ id: "DagRunEvent" });
