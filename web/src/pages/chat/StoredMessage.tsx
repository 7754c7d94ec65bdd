// A message of a past run, as the server stored it: the answer (Markdown), the steps and plan
// its run showed, the documents it cites, and what ran it (mode, model, time taken).
import { Markdown } from "../../components/Markdown.tsx";
import type { RouterOutputs } from "../../lib/trpc.ts";
import { Citations, PlanView, StepList } from "./RunSteps.tsx";

export type Message = RouterOutputs["conversations"]["get"]["messages"][number];

/** The parts of a message's free-form metadata the page reads, each only when it has the right type. */
export function metadataOf(message: Message): { runId?: string; mode?: string; model?: string; elapsed?: number } {
  const { run_id, mode, model, elapsed } = message.metadata;
  return {
    ...(typeof run_id === "string" ? { runId: run_id } : {}),
    ...(typeof mode === "string" ? { mode } : {}),
    ...(typeof model === "string" ? { model } : {}),
    ...(typeof elapsed === "number" ? { elapsed } : {}),
  };
}

export function StoredMessage({ message }: { message: Message }) {
  const meta = metadataOf(message);
  if (message.role === "user") {
    return (
      <div className="message message-user">
        <div className="message-body">{message.content}</div>
      </div>
    );
  }
  const { steps, plan, citations } = message.steps;
  return (
    <div className="message message-assistant">
      {plan.length > 0 && <PlanView plan={plan} phase="done" />}
      {steps.length > 0 && (
        <details className="steps">
          <summary>Steps ({steps.length})</summary>
          <StepList steps={steps} />
        </details>
      )}
      <div className="message-body answer-markdown">
        <Markdown text={message.content} />
      </div>
      <Citations citations={citations} />
      {meta.model && (
        <div className="message-meta">
          {meta.mode} · {meta.model}
          {meta.elapsed !== undefined ? ` · ${meta.elapsed.toFixed(2)} s` : ""}
        </div>
      )}
    </div>
  );
}
