// What a run shows as it goes, in the shape it streams and the shape it is kept in: the ReAct
// steps, the DAG plan's steps, and the documents its answer drew on. The run events (runs.ts)
// stream them; an assistant message (conversations.ts) keeps them, so a reopened conversation
// shows what its live run showed.
import { z } from "./common.ts";

export const stepData = z.discriminatedUnion("type", [
  z.object({ type: z.literal("thought"), iteration: z.number().int(), content: z.string() }),
  z.object({
    type: z.literal("tool_call"),
    iteration: z.number().int(),
    call_id: z.string(),
    tool: z.string(),
    arguments: z.unknown(),
  }),
  z.object({
    type: z.literal("tool_result"),
    iteration: z.number().int(),
    call_id: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    result: z.unknown(),
    error: z.string().optional(),
  }),
]);

export const planStep = z.object({
  id: z.string(),
  description: z.string(),
  tool: z.string().nullable().meta({ description: "The tool the step runs, or null for a step the model works out" }),
  arguments: z.record(z.string(), z.unknown()),
  depends_on: z.array(z.string()),
});

export const STEP_PROGRESS_STATUSES = ["running", "completed", "failed"] as const;

/** A DAG plan's step as the run left it. */
export const planStepOutcome = planStep
  .extend({
    status: z.enum(["pending", ...STEP_PROGRESS_STATUSES]),
    result: z.unknown().optional(),
    error: z.string().optional(),
  })
  .meta({ id: "PlanStepOutcome" });

export const citation = z
  .object({
    document_id: z.string(),
    document_title: z.string(),
    knowledge_base_id: z.string(),
    knowledge_base: z.string().meta({ description: "The knowledge base's name" }),
  })
  .meta({ id: "Citation", description: "A document whose passages the run retrieved" });
export type Citation = z.infer<typeof citation>;

/** How much of a run a message keeps: enough to show again, never a whole connector response. */
export const MAX_KEPT_STEPS = 60;
export const MAX_KEPT_CITATIONS = 20;

export const runSteps = z
  .object({
    steps: z.array(stepData).max(MAX_KEPT_STEPS).meta({ description: "ReAct: thoughts, tool calls and results" }),
    plan: z.array(planStepOutcome).max(MAX_KEPT_STEPS).meta({ description: "DAG: the plan's steps as they ended" }),
    citations: z.array(citation).max(MAX_KEPT_CITATIONS),
  })
  .meta({
    id: "RunSteps",
    description:
      "What the run showed as it went, kept with its answer. Long texts and lists in arguments and results are shortened.",
  });
export type RunSteps = z.infer<typeof runSteps>;

export const NO_RUN_STEPS: RunSteps = { steps: [], plan: [], citations: [] };
