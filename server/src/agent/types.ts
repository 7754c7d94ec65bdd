// The vocabulary shared by the agent engines: chat messages, tool calls, the model interface
// (implemented by the offline engine and the OpenAI-compatible provider) and the run's events.
import type { z } from "../contracts/common.ts";
import type {
  answerData,
  doneData,
  errorData,
  injectData,
  phaseData,
  planStep,
  RunEvent,
  startData,
  stepData,
  stepProgressData,
} from "../contracts/runs.ts";

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as chat-completions APIs carry it. */
  arguments: string;
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; name: string; content: string };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What a model is told about a tool: a JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ModelTurn {
  content: string;
  toolCalls: ToolCall[];
  usage: Usage | null;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** "none": the tools are described but the model must answer now. Default "auto". */
  toolChoice?: "auto" | "none";
  signal: AbortSignal;
  /** Receives the answer text as it streams. */
  onDelta?: (text: string) => void;
}

export interface ChatModel {
  /** Reported as `done.model`: the provider's model name, or "offline". */
  readonly name: string;
  complete(request: CompletionRequest): Promise<ModelTurn>;
}

export function addUsage(total: Usage | null, more: Usage | null): Usage | null {
  if (!more) return total;
  if (!total) return { ...more };
  return {
    prompt_tokens: total.prompt_tokens + more.prompt_tokens,
    completion_tokens: total.completion_tokens + more.completion_tokens,
    total_tokens: total.total_tokens + more.total_tokens,
  };
}

// ---- Run events: what /api/react, /api/dag and the portal's subscription stream ----
// Inferred from the contract's event schemas (contracts/runs.ts), so the engine can only emit
// the events the OpenAPI document describes.

export type { RunEvent, RunMode } from "../contracts/runs.ts";
export type StartEvent = z.infer<typeof startData>;
export type StepEvent = z.infer<typeof stepData>;
export type PlanStep = z.infer<typeof planStep>;
export type PhaseEvent = z.infer<typeof phaseData>;
export type StepProgressEvent = z.infer<typeof stepProgressData>;
export type AnswerEvent = z.infer<typeof answerData>;
export type InjectEvent = z.infer<typeof injectData>;
export type DoneEvent = z.infer<typeof doneData>;
export type ErrorEvent = z.infer<typeof errorData>;
export type RunEventName = RunEvent["event"];
