// The dag loop: plan the work as steps with dependencies, run every step whose dependencies
// are met in parallel, then analyze the results into an answer. Messages injected during the
// run are planned and executed as a further round before the analysis (or, when they arrive
// during it, get an answer of their own, appended).
import { z } from "zod";
import type { EngineResult, RunScope } from "./scope.ts";
import { systemPrompt } from "./scope.ts";
import { addUsage, type ChatMessage, type ChatModel, type PlanStep, type ToolSpec, type Usage } from "./types.ts";

export interface StepOutcome {
  step: PlanStep;
  ok: boolean;
  data: unknown;
  error?: string;
  /** What a model reads of the result. */
  content: string;
}

export interface PlanRound {
  question: string;
  outcomes: StepOutcome[];
}

/** The model's part in the dag loop. The offline engine and real models each provide one. */
export interface DagBrain {
  plan(
    input: { question: string; history: ChatMessage[]; previous: StepOutcome[] },
    signal: AbortSignal,
  ): Promise<{ steps: PlanStep[]; usage: Usage | null }>;
  /** Works out a step that has no tool, from the results of the steps it depends on. */
  think(
    input: { question: string; step: PlanStep; inputs: StepOutcome[] },
    signal: AbortSignal,
  ): Promise<{ content: string; usage: Usage | null }>;
  analyze(
    input: { rounds: PlanRound[]; history: ChatMessage[]; answerSoFar: string },
    onDelta: (text: string) => void,
    signal: AbortSignal,
  ): Promise<{ answer: string; usage: Usage | null }>;
}

const MAX_STEPS = 12;

const planSchema = z.object({
  steps: z
    .array(
      z.object({
        id: z.union([z.string(), z.number()]).transform(String),
        description: z.string().default(""),
        tool: z.string().nullish(),
        arguments: z.record(z.string(), z.unknown()).nullish(),
        depends_on: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
      }),
    )
    .min(1),
});

/** The first JSON object in a model's reply (models like to wrap JSON in prose or fences). */
function extractJson(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/**
 * Turns a model's plan into steps the executor can trust: known tools only, dependencies only
 * on earlier steps (so there is no cycle), at most MAX_STEPS. Null when nothing usable is left.
 */
export function sanitizePlan(raw: unknown, tools: ReadonlySet<string>): PlanStep[] | null {
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) return null;
  const steps: PlanStep[] = [];
  for (const step of parsed.data.steps.slice(0, MAX_STEPS)) {
    const earlier = new Set(steps.map((s) => s.id));
    if (earlier.has(step.id)) continue;
    const tool = step.tool && tools.has(step.tool) ? step.tool : null;
    if (step.tool && !tool && step.tool !== "null" && step.tool !== "none") continue;
    steps.push({
      id: step.id,
      description: step.description || (tool ? `Run ${tool}` : "Work it out"),
      tool,
      arguments: step.arguments ?? {},
      depends_on: [...new Set((step.depends_on ?? []).filter((id) => earlier.has(id)))],
    });
  }
  return steps.length > 0 ? steps : null;
}

function describeTools(specs: ToolSpec[]): string {
  if (specs.length === 0) return '(no tools: plan steps with "tool": null)';
  return specs
    .map((spec) => `- ${spec.name}: ${spec.description} Arguments: ${JSON.stringify(spec.parameters)}`)
    .join("\n");
}

function describeOutcome(outcome: StepOutcome): string {
  const head = `[${outcome.step.id}] ${outcome.step.description}`;
  return outcome.ok ? `${head}\nResult: ${outcome.content}` : `${head}\nFailed: ${outcome.error ?? "unknown error"}`;
}

/** The dag brain of a real model: JSON plans, step reasoning and the final analysis by prompt. */
export function modelDagBrain(model: ChatModel, scope: Pick<RunScope, "profile" | "toolbox">): DagBrain {
  const tools = new Set(scope.toolbox.specs.map((spec) => spec.name));
  const system = systemPrompt(scope.profile);
  return {
    async plan({ question, history, previous }, signal) {
      const prompt = [
        "Plan how to answer the message below with the tools listed. Reply with JSON only, in this shape:",
        '{"steps": [{"id": "s1", "description": "…", "tool": "<tool name or null>", "arguments": {…}, "depends_on": []}]}',
        `Rules: at most ${MAX_STEPS} steps. Steps whose dependencies are met run in parallel, so only add a dependency when a step needs another's result. A step with "tool": null is reasoning you do from the results of the steps it depends on. Do not add a final answering step: the answer is written after all steps.`,
        "",
        "Tools:",
        describeTools(scope.toolbox.specs),
        ...(previous.length > 0 ? ["", "Results so far:", ...previous.map(describeOutcome)] : []),
        "",
        `Message: ${question}`,
      ].join("\n");
      const turn = await model.complete({
        messages: [{ role: "system", content: system }, ...history, { role: "user", content: prompt }],
        tools: [],
        signal,
      });
      const steps = sanitizePlan(extractJson(turn.content), tools) ?? [
        // A reply that is not a usable plan still gets the question worked on, as one step.
        { id: "answer", description: "Work out the answer", tool: null, arguments: {}, depends_on: [] },
      ];
      return { steps, usage: turn.usage };
    },

    async think({ question, step, inputs }, signal) {
      const prompt = [
        `Question: ${question}`,
        `Your task in this step: ${step.description}`,
        ...(inputs.length > 0 ? ["", "Results of the steps it depends on:", ...inputs.map(describeOutcome)] : []),
        "",
        "Reply with the result of this step only.",
      ].join("\n");
      const turn = await model.complete({
        messages: [
          { role: "system", content: system },
          { role: "user", content: prompt },
        ],
        tools: [],
        signal,
      });
      return { content: turn.content, usage: turn.usage };
    },

    async analyze({ rounds, history, answerSoFar }, onDelta, signal) {
      const sections = rounds.map((round) =>
        [`Message: ${round.question}`, "Findings:", ...round.outcomes.map(describeOutcome)].join("\n"),
      );
      const prompt = [
        ...(answerSoFar ? [`You already answered: ${answerSoFar}`, "Now answer the new message.", ""] : []),
        sections.join("\n\n"),
        "",
        "Write the answer for the user from these findings.",
      ].join("\n");
      const turn = await model.complete({
        messages: [{ role: "system", content: system }, ...history, { role: "user", content: prompt }],
        tools: [],
        signal,
        onDelta,
      });
      return { answer: turn.content, usage: turn.usage };
    },
  };
}

/** Gives every step an id not used before in this run, rewriting dependencies to match. */
function uniqueIds(steps: PlanStep[], taken: Set<string>): PlanStep[] {
  const renamed = new Map<string, string>();
  const result = steps.map((step) => {
    let id = step.id;
    for (let n = 2; taken.has(id); n++) id = `${step.id}-${n}`;
    taken.add(id);
    renamed.set(step.id, id);
    return { ...step, id };
  });
  return result.map((step) => ({ ...step, depends_on: step.depends_on.map((dep) => renamed.get(dep) ?? dep) }));
}

export async function runDag(scope: RunScope, brain: DagBrain): Promise<EngineResult> {
  let usage: Usage | null = null;
  let iterations = 0;
  let answer = "";
  const taken = new Set<string>();
  const outcomes: StepOutcome[] = [];
  const queue: string[] = [scope.question];

  const takeInjected = () => {
    for (const message of scope.takeInjected()) queue.push(message.content);
  };

  async function runStep(question: string, step: PlanStep, done: Map<string, StepOutcome>): Promise<StepOutcome> {
    scope.signal.throwIfAborted();
    takeInjected();
    const started = Date.now();
    scope.emit({
      event: "step_progress",
      data: { step_id: step.id, status: "running", description: step.description, tool: step.tool },
    });
    let outcome: StepOutcome;
    try {
      if (step.tool) {
        const result = await scope.toolbox.run(step.tool, step.arguments, scope.signal);
        outcome = { step, ok: result.ok, data: result.data, error: result.error, content: result.content };
      } else {
        const inputs = step.depends_on.map((id) => done.get(id)).filter((o): o is StepOutcome => o !== undefined);
        const thought = await brain.think({ question, step, inputs }, scope.signal);
        usage = addUsage(usage, thought.usage);
        outcome = { step, ok: true, data: thought.content, content: thought.content };
      }
    } catch (error) {
      scope.signal.throwIfAborted();
      outcome = { step, ok: false, data: null, error: (error as Error).message, content: "" };
    }
    scope.emit({
      event: "step_progress",
      data: {
        step_id: step.id,
        status: outcome.ok ? "completed" : "failed",
        description: step.description,
        tool: step.tool,
        ...(outcome.ok ? { result: outcome.data } : { error: outcome.error }),
        elapsed: (Date.now() - started) / 1000,
      },
    });
    return outcome;
  }

  /** Runs a plan: each step as soon as everything it depends on has finished. */
  async function execute(question: string, steps: PlanStep[]): Promise<StepOutcome[]> {
    const done = new Map<string, StepOutcome>();
    const waiting = [...steps];
    const running = new Map<string, Promise<void>>();
    const finished: StepOutcome[] = [];
    let failure: { error: unknown } | null = null;
    while (waiting.length > 0 || running.size > 0) {
      for (const step of [...waiting]) {
        if (!step.depends_on.every((id) => done.has(id))) continue;
        waiting.splice(waiting.indexOf(step), 1);
        running.set(
          step.id,
          runStep(question, step, done).then(
            (outcome) => {
              done.set(step.id, outcome);
              finished.push(outcome);
              running.delete(step.id);
            },
            (error: unknown) => {
              failure ??= { error };
              running.delete(step.id);
            },
          ),
        );
      }
      if (running.size === 0) break; // only steps with unmet dependencies are left (cannot happen after sanitizePlan)
      await Promise.race(running.values());
      if (failure) {
        // The run was stopped: let the other steps see the signal and settle, then stop too.
        await Promise.allSettled(running.values());
        throw (failure as { error: unknown }).error;
      }
    }
    iterations += finished.length;
    return steps.map((step) => done.get(step.id)).filter((o): o is StepOutcome => o !== undefined);
  }

  while (queue.length > 0) {
    const rounds: PlanRound[] = [];
    while (queue.length > 0) {
      const question = queue.shift() as string;
      scope.emit({ event: "phase", data: { phase: "planning" } });
      scope.signal.throwIfAborted();
      takeInjected();
      const plan = await brain.plan({ question, history: scope.history, previous: outcomes }, scope.signal);
      usage = addUsage(usage, plan.usage);
      const steps = uniqueIds(plan.steps, taken);
      scope.emit({ event: "phase", data: { phase: "executing", steps } });
      const roundOutcomes = await execute(question, steps);
      outcomes.push(...roundOutcomes);
      rounds.push({ question, outcomes: roundOutcomes });
      takeInjected();
    }
    scope.emit({ event: "phase", data: { phase: "analyzing" } });
    scope.signal.throwIfAborted();
    let streamed = false;
    const analysis = await brain.analyze(
      { rounds, history: scope.history, answerSoFar: answer },
      (text) => {
        if (!streamed && answer !== "") scope.emit({ event: "answer", data: { delta: "\n\n" } });
        streamed = true;
        scope.emit({ event: "answer", data: { delta: text } });
      },
      scope.signal,
    );
    usage = addUsage(usage, analysis.usage);
    if (!streamed && analysis.answer !== "") {
      scope.emit({ event: "answer", data: { delta: answer === "" ? analysis.answer : `\n\n${analysis.answer}` } });
    }
    answer = answer === "" ? analysis.answer : `${answer}\n\n${analysis.answer}`;
    takeInjected();
  }
  return { answer, iterations, usage };
}
