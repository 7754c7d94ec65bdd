// The chat page's live runs: sending a question opens a tRPC subscription to `chat.run`, whose
// events go through `chatReducer`; the side effects (the new conversation's address, refreshed
// lists) happen here. Stop ends every run; opening another conversation forgets them.
import { useEffect, useReducer, useRef } from "react";
import { useNavigate } from "react-router-dom";
import { session } from "../../lib/session.ts";
import { trpc } from "../../lib/trpc.ts";
import { chatReducer, type RunMode } from "./runReducer.ts";

export function useChatRuns(conversationId: string | undefined) {
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const [runs, dispatch] = useReducer(chatReducer, []);
  // One subscription per run, so finishing one never touches another.
  const subscriptions = useRef(new Map<string, { unsubscribe(): void }>());
  // The conversation the live runs belong to. Opening another one (or a new one) clears them; a
  // new conversation getting its id from its first run keeps them.
  const runConversation = useRef<string | undefined>(conversationId);

  useEffect(() => {
    if (conversationId !== runConversation.current) {
      runConversation.current = conversationId;
      dispatch({ type: "cleared" });
    }
  }, [conversationId]);

  useEffect(() => {
    const open = subscriptions.current;
    return () => {
      for (const sub of open.values()) sub.unsubscribe();
      open.clear();
    };
  }, []);

  async function send(question: { q: string; mode: RunMode; agentId: string }) {
    const key = crypto.randomUUID();
    dispatch({ type: "sent", key, mode: question.mode, question: question.q });
    // A stream outlives ordinary requests: start it with a fresh access token.
    await session.ensureFresh();
    const finish = () => {
      subscriptions.current.get(key)?.unsubscribe();
      subscriptions.current.delete(key);
      void utils.conversations.list.invalidate();
    };
    const input = {
      run_key: key,
      mode: question.mode,
      q: question.q,
      conversation_id: conversationId ?? null,
      agent_id: question.agentId || null,
    };
    const sub = utils.client.chat.run.subscribe(input, {
      onData(event) {
        dispatch({ type: "event", key, event });
        switch (event.event) {
          case "start":
            if (!conversationId) {
              runConversation.current = event.data.conversation_id;
              navigate(`/chat/${event.data.conversation_id}`, { replace: true });
            }
            void utils.conversations.list.invalidate();
            break;
          case "done":
            void utils.conversations.get.invalidate({ id: event.data.conversation_id });
            break;
          case "end":
            finish();
            break;
        }
      },
      onError(error) {
        dispatch({ type: "failed", key, message: error.message || "The run failed." });
        finish();
      },
    });
    subscriptions.current.set(key, sub);
  }

  function stop() {
    for (const sub of subscriptions.current.values()) sub.unsubscribe();
    subscriptions.current.clear();
    dispatch({ type: "stopped" });
  }

  return { runs, running: runs.some((run) => run.running), send, stop };
}
