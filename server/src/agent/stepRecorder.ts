// Keeps what a run shows as it goes (ReAct steps, the DAG plan's progress, the documents its
// retrievals found) so its answer can be stored with them: a reopened conversation shows the
// same steps. Arguments and results are kept shortened (long texts cut, long lists trimmed,
// deep nesting summarised), so a message never carries a whole connector response.
import { type Citation, MAX_KEPT_CITATIONS, MAX_KEPT_STEPS, type RunSteps } from "../contracts/runSteps.ts";
import type { RunEvent } from "./types.ts";

interface Limits {
  text: number;
  items: number;
  depth: number;
}

/** How much of each argument and result is kept: enough for a retrieval's top 20 passages. */
const KEPT: Limits = { text: 600, items: 20, depth: 5 };
/** Tighter limits, for a run whose steps would still be too large to keep. */
const TIGHT: Limits = { text: 120, items: 5, depth: 3 };
/** What a message keeps of its run at most, as JSON text. */
export const MAX_KEPT_CHARS = 128 * 1024;

/** A JSON value, shortened for keeping: the same shape, with less of it. */
export function shortened(value: unknown, limits: Limits = KEPT, depth = 0): unknown {
  if (typeof value === "string") return value.length > limits.text ? `${value.slice(0, limits.text)}…` : value;
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? String(value) : value;
  if (depth >= limits.depth) return "…";
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.items).map((item) => shortened(item, limits, depth + 1));
    return value.length > limits.items ? [...kept, `… ${value.length - limits.items} more`] : kept;
  }
  const entries = Object.entries(value).slice(0, limits.items * 2);
  return Object.fromEntries(entries.map(([key, item]) => [key, shortened(item, limits, depth + 1)]));
}

/** The steps again, every argument and result cut to `limits`, or left out (null). */
function reduced(kept: RunSteps, limits: Limits | null): RunSteps {
  const cut = (value: unknown) => (limits ? shortened(value, limits) : null);
  return {
    steps: kept.steps.map((step) =>
      step.type === "thought"
        ? { ...step, content: limits ? (shortened(step.content, limits) as string) : "…" }
        : step.type === "tool_call"
          ? { ...step, arguments: cut(step.arguments) }
          : { ...step, result: cut(step.result) },
    ),
    plan: kept.plan.map((step) => ({
      ...step,
      arguments: limits ? (shortened(step.arguments, limits) as Record<string, unknown>) : {},
      ...(step.result === undefined ? {} : { result: cut(step.result) }),
    })),
    citations: kept.citations,
  };
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export class StepRecorder {
  private readonly kept: RunSteps = { steps: [], plan: [], citations: [] };

  /** Watches one event on its way to the client. */
  observe(event: RunEvent): void {
    switch (event.event) {
      case "step": {
        const step = event.data;
        if (step.type === "tool_result" && step.ok && step.tool === "kb_retrieve") this.cite(step.result);
        if (this.kept.steps.length >= MAX_KEPT_STEPS) return;
        if (step.type === "thought") this.kept.steps.push({ ...step, content: shortened(step.content) as string });
        else if (step.type === "tool_call") this.kept.steps.push({ ...step, arguments: shortened(step.arguments) });
        else
          this.kept.steps.push({
            ...step,
            result: shortened(step.result),
            ...(step.error === undefined ? {} : { error: shortened(step.error) as string }),
          });
        return;
      }
      case "phase":
        if (event.data.phase === "executing") {
          this.kept.plan = event.data.steps.slice(0, MAX_KEPT_STEPS).map((step) => ({
            ...step,
            description: shortened(step.description) as string,
            arguments: shortened(step.arguments) as Record<string, unknown>,
            status: "pending",
          }));
        }
        return;
      case "step_progress": {
        const { step_id, status, result, error, tool } = event.data;
        if (status === "completed" && tool === "kb_retrieve") this.cite(result);
        this.kept.plan = this.kept.plan.map((step) =>
          step.id === step_id
            ? {
                ...step,
                status,
                ...(result === undefined ? {} : { result: shortened(result) }),
                ...(error === undefined ? {} : { error: shortened(error) as string }),
              }
            : step,
        );
        return;
      }
      default:
        return;
    }
  }

  /** The documents of a kb_retrieve result, each once, in the order they were first found. */
  private cite(result: unknown): void {
    const passages = record(result).results;
    if (!Array.isArray(passages)) return;
    for (const passage of passages.map(record)) {
      const { document_id, document_title, knowledge_base_id, knowledge_base } = passage;
      if (typeof document_id !== "string" || typeof document_title !== "string") continue;
      if (this.kept.citations.some((c) => c.document_id === document_id)) continue;
      if (this.kept.citations.length >= MAX_KEPT_CITATIONS) return;
      this.kept.citations.push({
        document_id,
        document_title,
        knowledge_base_id: typeof knowledge_base_id === "string" ? knowledge_base_id : "",
        knowledge_base: typeof knowledge_base === "string" ? knowledge_base : "",
      });
    }
  }

  citations(): Citation[] {
    return [...this.kept.citations];
  }

  /** What the message keeps: within MAX_KEPT_CHARS, cutting arguments and results harder if need be. */
  steps(): RunSteps {
    const kept = { steps: [...this.kept.steps], plan: [...this.kept.plan], citations: this.citations() };
    for (const candidate of [kept, reduced(kept, TIGHT)]) {
      if (JSON.stringify(candidate).length <= MAX_KEPT_CHARS) return candidate;
    }
    return reduced(kept, null);
  }
}
