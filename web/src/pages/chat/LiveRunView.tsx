// A run as it streams in: the question, the DAG plan with each step's progress, the ReAct steps
// (thoughts, tool calls and results), the answer growing, and what ran it once it is done.
import { Markdown } from "../../components/Markdown.tsx";
import { Notice } from "../../components/Status.tsx";
import { Citations, PlanView, StepList } from "./RunSteps.tsx";
import type { LiveRun } from "./runReducer.ts";

export function LiveRunView({ run }: { run: LiveRun }) {
  return (
    <>
      <div className="message message-user">
        <div className="message-body">{run.question}</div>
      </div>
      <div className="message message-assistant" aria-busy={run.running}>
        {run.mode === "dag" && (run.phase || run.plan.length > 0) && <PlanView plan={run.plan} phase={run.phase} />}
        {run.steps.length > 0 && (
          <details className="steps" open={run.running}>
            <summary>
              Steps ({run.steps.length}){run.running ? " — running" : ""}
            </summary>
            <StepList steps={run.steps} />
          </details>
        )}
        <div className="message-body answer answer-markdown" data-testid="live-answer">
          {run.answer ? (
            <Markdown text={run.answer} />
          ) : run.running && !run.error ? (
            <span className="muted">Thinking…</span>
          ) : null}
        </div>
        <Citations citations={run.citations} />
        {run.error && <Notice kind="error">{run.error}</Notice>}
        {run.done && (
          <div className="message-meta">
            {run.mode} · {run.done.model} · {run.done.iterations} iteration{run.done.iterations === 1 ? "" : "s"} ·{" "}
            {run.done.elapsed.toFixed(2)} s
          </div>
        )}
      </div>
    </>
  );
}
