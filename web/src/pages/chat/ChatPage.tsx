// Chat: pick an agent and a mode, ask, and watch the run stream in (steps, plan, answer).
// Past conversations are listed beside it and can be reopened and continued.
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useParams } from "react-router-dom";
import { PageHeader } from "../../components/Layout.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState } from "../../components/Status.tsx";
import { trpc } from "../../lib/trpc.ts";
import { ConversationList } from "./ConversationList.tsx";
import { LiveRunView } from "./LiveRunView.tsx";
import type { RunMode } from "./runReducer.ts";
import { metadataOf, StoredMessage } from "./StoredMessage.tsx";
import { useChatRuns } from "./useChatRuns.ts";

const EXAMPLE_QUESTION = "What is 12 * 7 + 3?";

/** The agents the person can chat with (besides the default assistant). */
function useAgentOptions(): { id: string; name: string }[] {
  const agents = trpc.agents.list.useQuery({ limit: 100 });
  return agents.data?.items ?? [];
}

export function ChatPage() {
  const { conversationId } = useParams();
  const agents = useAgentOptions();
  const conversation = trpc.conversations.get.useQuery({ id: conversationId ?? "" }, { enabled: !!conversationId });
  const { runs, running, send, stop } = useChatRuns(conversationId);
  const [agentId, setAgentId] = useState<string>("");
  const [mode, setMode] = useState<RunMode>("react");
  const [question, setQuestion] = useState("");
  const bottom = useRef<HTMLDivElement>(null);
  const formId = useId();

  useEffect(() => {
    if (conversation.data?.agent_id) setAgentId(conversation.data.agent_id);
  }, [conversation.data?.agent_id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the stream as it grows
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end", behavior: "smooth" });
  }, [runs, conversation.data?.messages.length]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const q = question.trim();
    if (!q || running) return;
    setQuestion("");
    void send({ q, mode, agentId });
  }

  // A run's messages are stored as it goes: while it is on the page live, its stored copy is not shown.
  const liveRunIds = new Set(runs.map((run) => run.runId).filter((id) => id !== null));
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
                  .filter((message) => !liveRunIds.has(metadataOf(message).runId ?? ""))
                  .map((message) => <StoredMessage key={message.id} message={message} />)
              }
            </QueryState>
          ) : (
            runs.length === 0 && (
              <EmptyState
                title="Start a conversation"
                action={
                  <button
                    type="button"
                    className="button button-primary"
                    onClick={() => {
                      setQuestion(EXAMPLE_QUESTION);
                      document.getElementById(`${formId}-q`)?.focus();
                    }}
                  >
                    Try an example question
                  </button>
                }
              >
                Ask anything. Try a calculation such as “{EXAMPLE_QUESTION}”, or a question about your knowledge bases.
              </EmptyState>
            )
          )}
          {runs.map((run) => (
            <LiveRunView key={run.key} run={run} />
          ))}
          <div ref={bottom} />
        </div>
        <form id={formId} className="chat-input" onSubmit={submit}>
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
