// A message of a past run, as the server stored it, with what ran it (mode, model, time taken).
import type { RouterOutputs } from "../../lib/trpc.ts";

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
  return (
    <div className={`message message-${message.role}`}>
      <div className="message-body">{message.content}</div>
      {message.role === "assistant" && meta.model && (
        <div className="message-meta">
          {meta.mode} · {meta.model}
          {meta.elapsed !== undefined ? ` · ${meta.elapsed.toFixed(2)} s` : ""}
        </div>
      )}
    </div>
  );
}
