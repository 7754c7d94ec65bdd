// Chat: pick an agent and a mode, ask, and watch the run stream in (steps, plan, answer).
// Past conversations are listed beside it and can be reopened and continued.
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { PageHeader } from "../components/Layout.tsx";
import { QueryState } from "../components/QueryState.tsx";
import { RelativeTime } from "../components/Time.tsx";
import { session } from "../lib/session.ts";
import { type RouterInputs, type RouterOutputs, trpc } from "../lib/trpc.ts";

type RunInput = RouterInputs["chat"]["run"];
type Message = RouterOutputs["conversations"]["get"]["messages"][number];

type Step =
  | { type: "thought"; iteration: number; content: string }
  | { type: "tool_call"; iteration: number; call_id: string; tool: string; arguments?: unknown }
  | {
      type: "tool_result";
      iteration: number;
      call_id: string;
      tool: string;
      ok: boolean;
      result?: unknown;
      error?: string;
    };

interface PlanStep {
  id: string;
  description: string;
  tool: string | null;
  depends_on: string[];
  status: "pending" | "running" | "completed" | "failed";
  result?: unknown;
  error?: string;
}

interface LiveRun {
  key: string;
  runId: string | null;
  mode: "react" | "dag";
  question: string;
  steps: Step[];
  phase: string | null;
  plan: PlanStep[];
  answer: string;
  done: { model: string; iterations: number; elapsed: number } | null;
  error: string | null;
  running: boolean;
}

function short(value: unknown): string {
  // Retrieval results read better as "2 passages: Title (7.77), …" than as JSON.
  const passages = (value as { results?: { document_title?: string; score?: number }[] } | null)?.results;
  if (Array.isArray(passages) && passages.every((p) => typeof p?.document_title === "string")) {
    if (passages.length === 0) return "no passages found";
    const list = passages.map((p) => `${p.document_title} (${(p.score ?? 0).toFixed(2)})`).join(", ");
    return `${passages.length} passage${passages.length === 1 ? "" : "s"}: ${list}`;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

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
              <span className="step-kind">Tool call</span> <code>{step.tool}</code> <code>{short(step.arguments)}</code>
            </>
          )}
          {step.type === "tool_result" && (
            <>
              <span className="step-kind">{step.ok ? "Result" : "Tool error"}</span> <code>{step.tool}</code>{" "}
              {step.ok ? short(step.result) : step.error}
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

function LiveRunView({ run }: { run: LiveRun }) {
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
        {run.error && (
          <div className="notice notice-error" role="alert">
            {run.error}
          </div>
        )}
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

/** The agents the person can chat with (besides the default assistant). */
function useAgentOptions(): { id: string; name: string }[] {
  const agents = trpc.agents.list.useQuery({ limit: 100 });
  return agents.data?.items ?? [];
}

function StoredMessage({ message }: { message: Message }) {
  const meta = message.metadata as { mode?: string; model?: string; elapsed?: number; injected?: boolean };
  return (
    <div className={`message message-${message.role}`}>
      <div className="message-body">{message.content}</div>
      {message.role === "assistant" && meta.model && (
        <div className="message-meta">
          {meta.mode} · {meta.model}
          {typeof meta.elapsed === "number" ? ` · ${meta.elapsed.toFixed(2)} s` : ""}
        </div>
      )}
    </div>
  );
}

function ConversationList({ activeId }: { activeId: string | undefined }) {
  const conversations = trpc.conversations.list.useQuery({ limit: 50 });
  return (
    <nav className="conversation-list" aria-label="Past conversations">
      <Link to="/chat" className="button button-primary button-block">
        New conversation
      </Link>
      <QueryState
        query={conversations}
        loading="Loading conversations…"
        empty={<p className="hint">Your conversations will appear here.</p>}
      >
        {(data) => (
          <ul>
            {data.items.map((c) => (
              <li key={c.id}>
                <Link
                  to={`/chat/${c.id}`}
                  className="conversation-link"
                  aria-current={c.id === activeId ? "page" : undefined}
                >
                  <span className="conversation-title">{c.title}</span>
                  <span className="hint">
                    <RelativeTime iso={c.updated_at} /> · {c.message_count} messages
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </nav>
  );
}

export function ChatPage() {
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const agents = useAgentOptions();
  const conversation = trpc.conversations.get.useQuery({ id: conversationId ?? "" }, { enabled: !!conversationId });
  const [agentId, setAgentId] = useState<string>("");
  const [mode, setMode] = useState<"react" | "dag">("react");
  const [question, setQuestion] = useState("");
  const [runs, setRuns] = useState<LiveRun[]>([]);
  // One subscription per run, so finishing one never touches another.
  const subscriptions = useRef(new Map<string, { unsubscribe(): void }>());
  const bottom = useRef<HTMLDivElement>(null);
  const formId = useId();
  const running = runs.some((r) => r.running);
  // The conversation the live runs belong to. Opening another one (or a new one) clears them; a
  // new conversation getting its id from its first run keeps them.
  const runConversation = useRef<string | undefined>(conversationId);

  useEffect(() => {
    if (conversationId !== runConversation.current) {
      runConversation.current = conversationId;
      setRuns([]);
    }
  }, [conversationId]);

  useEffect(() => {
    if (conversation.data?.agent_id) setAgentId(conversation.data.agent_id);
  }, [conversation.data?.agent_id]);

  useEffect(() => {
    const open = subscriptions.current;
    return () => {
      for (const sub of open.values()) sub.unsubscribe();
      open.clear();
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the stream as it grows
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end", behavior: "smooth" });
  }, [runs, conversation.data?.messages.length]);

  function update(key: string, change: (run: LiveRun) => LiveRun) {
    setRuns((current) => current.map((run) => (run.key === key ? change(run) : run)));
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    const q = question.trim();
    if (!q || running) return;
    const key = crypto.randomUUID();
    const input: RunInput = {
      run_key: key,
      mode,
      q,
      conversation_id: conversationId ?? null,
      agent_id: agentId || null,
    };
    setQuestion("");
    setRuns((current) => [
      ...current,
      {
        key,
        runId: null,
        mode,
        question: q,
        steps: [],
        phase: null,
        plan: [],
        answer: "",
        done: null,
        error: null,
        running: true,
      },
    ]);
    // A stream outlives ordinary requests: start it with a fresh access token.
    await session.ensureFresh();
    const finish = () => {
      subscriptions.current.get(key)?.unsubscribe();
      subscriptions.current.delete(key);
      update(key, (run) => ({ ...run, running: false }));
      void utils.conversations.list.invalidate();
    };
    const sub = utils.client.chat.run.subscribe(input, {
      onData(message) {
        switch (message.event) {
          case "start":
            update(key, (run) => ({ ...run, runId: message.data.run_id }));
            if (!conversationId) {
              runConversation.current = message.data.conversation_id;
              navigate(`/chat/${message.data.conversation_id}`, { replace: true });
            }
            void utils.conversations.list.invalidate();
            break;
          case "step":
            update(key, (run) => ({ ...run, steps: [...run.steps, message.data] }));
            break;
          case "phase": {
            const data = message.data;
            update(key, (run) => ({
              ...run,
              phase: data.phase,
              plan:
                data.phase === "executing" ? data.steps.map((s) => ({ ...s, status: "pending" as const })) : run.plan,
            }));
            break;
          }
          case "step_progress": {
            const data = message.data;
            update(key, (run) => ({
              ...run,
              plan: run.plan.map((s) =>
                s.id === data.step_id ? { ...s, status: data.status, result: data.result, error: data.error } : s,
              ),
            }));
            break;
          }
          case "answer": {
            const data = message.data;
            update(key, (run) => ({ ...run, answer: "delta" in data ? run.answer + data.delta : "" }));
            break;
          }
          case "inject":
            break;
          case "done":
            update(key, (run) => ({
              ...run,
              phase: run.phase ? "done" : null,
              answer: message.data.answer,
              done: { model: message.data.model, iterations: message.data.iterations, elapsed: message.data.elapsed },
            }));
            void utils.conversations.get.invalidate({ id: message.data.conversation_id });
            break;
          case "error":
            update(key, (run) => ({ ...run, error: message.data.message }));
            break;
          case "end":
            finish();
            break;
        }
      },
      onError(error) {
        update(key, (run) => ({ ...run, error: error.message || "The run failed." }));
        finish();
      },
    });
    subscriptions.current.set(key, sub);
  }

  function stop() {
    for (const sub of subscriptions.current.values()) sub.unsubscribe();
    subscriptions.current.clear();
    setRuns((current) =>
      current.map((run) => (run.running ? { ...run, running: false, error: "Stopped. The run was cancelled." } : run)),
    );
  }

  const liveRunIds = new Set(runs.map((r) => r.runId).filter(Boolean));
  const title = conversationId ? (conversation.data?.title ?? "Conversation") : "New conversation";

  return (
    <div className="chat-layout">
      <ConversationList activeId={conversationId} />
      <section className="chat-main" aria-labelledby="chat-title">
        <PageHeader title="Chat" description={<span id="chat-title">{title}</span>} />
        <div className="chat-controls">
          <label className="field field-inline">
            <span className="label">Agent</span>
            <select value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={running}>
              <option value="">Default assistant</option>
              {agents.map((agent) => (
                <option key={agent.id} value={agent.id}>
                  {agent.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="segmented" disabled={running}>
            <legend className="label">Mode</legend>
            <label>
              <input type="radio" name="mode" checked={mode === "react"} onChange={() => setMode("react")} />
              <span>ReAct</span>
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === "dag"} onChange={() => setMode("dag")} />
              <span>DAG</span>
            </label>
          </fieldset>
          <span className="hint">
            {mode === "react"
              ? "Reasons step by step, calling tools as it goes."
              : "Plans first, then runs independent steps in parallel."}
          </span>
        </div>
        <div className="messages" aria-live="polite">
          {conversationId ? (
            <QueryState query={conversation} loading="Loading conversation…">
              {(data) =>
                data.messages
                  .filter((m) => !liveRunIds.has((m.metadata as { run_id?: string }).run_id ?? ""))
                  .map((message) => <StoredMessage key={message.id} message={message} />)
              }
            </QueryState>
          ) : (
            runs.length === 0 && (
              <div className="chat-empty">
                <p>Ask anything. Try “What is 12 * 7 + 3?” or a question about one of your knowledge bases.</p>
              </div>
            )
          )}
          {runs.map((run) => (
            <LiveRunView key={run.key} run={run} />
          ))}
          <div ref={bottom} />
        </div>
        <form id={formId} className="chat-input" onSubmit={send}>
          <label className="sr-only" htmlFor={`${formId}-q`}>
            Your question
          </label>
          <textarea
            id={`${formId}-q`}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            placeholder={conversationId ? "Continue the conversation…" : "Ask a question…"}
            rows={2}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
          />
          {running ? (
            <button type="button" className="button" onClick={stop}>
              Stop
            </button>
          ) : (
            <button type="submit" className="button button-primary" disabled={!question.trim()}>
              Send
            </button>
          )}
        </form>
      </section>
    </div>
  );
}
