// A run as it streams in: the question, the DAG plan with each step's progress, the ReAct steps
// (thoughts, tool calls and results), the answer growing, and what ran it once it is done.
import { Notice } from "../../components/Status.tsx";
import { describeValue } from "./describeValue.ts";
import type { LiveRun, PlanStep, Step } from "./runReducer.ts";

function StepList({ steps }: { steps: Step[] }) {
  return (
    <ol className="step-list">
      {steps.map((step, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: steps only ever append
        <li key={index} className={`step step-${step.type}`}>
          {step.type === "thought" && (
            <>
              <span className="step-kind">Thought</span> {step.content}
            </>
          )}
          {step.type === "tool_call" && (
            <>
              <span className="step-kind">Tool call</span> <code>{step.tool}</code>{" "}
              <code>{describeValue(step.arguments)}</code>
            </>
          )}
          {step.type === "tool_result" && (
            <>
              <span className="step-kind">{step.ok ? "Result" : "Tool error"}</span> <code>{step.tool}</code>{" "}
              {step.ok ? describeValue(step.result) : step.error}
            </>
          )}
        </li>
      ))}
    </ol>
  );
}

function PlanView({ plan, phase }: { plan: PlanStep[]; phase: string | null }) {
  return (
    <div className="plan">
      <div className="plan-phase">
        Phase: <strong>{phase ?? "starting"}</strong>
      </div>
      {plan.length > 0 && (
        <ol className="plan-steps">
          {plan.map((step) => (
            <li key={step.id} className={`plan-step plan-${step.status}`}>
              <span className={`badge badge-step-${step.status}`}>{step.status}</span> <strong>{step.id}</strong>{" "}
              {step.description}
              {step.tool && (
                <>
                  {" "}
                  <code>{step.tool}</code>
                </>
              )}
              {step.depends_on.length > 0 && <span className="hint"> after {step.depends_on.join(", ")}</span>}
              {step.error && <div className="field-error">{step.error}</div>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

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
        <div className="message-body answer" data-testid="live-answer">
          {run.answer || (run.running && !run.error ? <span className="muted">Thinking…</span> : null)}
        </div>
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
