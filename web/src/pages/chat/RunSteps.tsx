// What a run showed as it went, the same live and when its conversation is reopened: the ReAct
// steps (thoughts, tool calls and results), the DAG plan with each step's progress, and the
// documents the answer drew on, cited by title.
import { describeValue } from "./describeValue.ts";
import type { Citation, PlanStep, Step } from "./runReducer.ts";

export function StepList({ steps }: { steps: Step[] }) {
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

export function PlanView({ plan, phase }: { plan: PlanStep[]; phase: string | null }) {
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

/** The documents an answer drew on, by title and knowledge base. */
export function Citations({ citations }: { citations: Citation[] }) {
  if (citations.length === 0) return null;
  return (
    <div className="citations" data-testid="citations">
      Sources
      <ul>
        {citations.map((c) => (
          <li key={c.document_id}>
            {c.document_title}
            {c.knowledge_base && <span className="muted"> · {c.knowledge_base}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
