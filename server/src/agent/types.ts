// The vocabulary shared by the agent engines: chat messages, tool calls, the model interface
// (implemented by the offline engine and the OpenAI-compatible provider) and the run's events.

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

export type RunMode = "react" | "dag";

export interface StartEvent {
  run_id: string;
  conversation_id: string;
  mode: RunMode;
  model: string;
  agent_id: string | null;
}

export type StepEvent =
  | { type: "thought"; iteration: number; content: string }
  | { type: "tool_call"; iteration: number; call_id: string; tool: string; arguments: unknown }
  | {
      type: "tool_result";
      iteration: number;
      call_id: string;
      tool: string;
      ok: boolean;
      result: unknown;
      error?: string;
    };

export interface PlanStep {
  id: string;
  description: string;
  /** The tool the step runs, or null for a step the model itself works out. */
  tool: string | null;
  arguments: Record<string, unknown>;
  depends_on: string[];
}

export type PhaseEvent = { phase: "planning" } | { phase: "executing"; steps: PlanStep[] } | { phase: "analyzing" };

export interface StepProgressEvent {
  step_id: string;
  status: "running" | "completed" | "failed";
  description: string;
  tool: string | null;
  result?: unknown;
  error?: string;
  elapsed?: number;
}

/** `reset: true` (no delta): discard the answer text so far; it was the model thinking aloud. */
export type AnswerEvent = { delta: string } | { reset: true };

export interface InjectEvent {
  message_id: string;
  content: string;
}

export interface DoneEvent {
  answer: string;
  iterations: number;
  /** Seconds from the start of the run. */
  elapsed: number;
  usage: Usage | null;
  model: string;
  conversation_id: string;
  message_id: string;
}

export interface ErrorEvent {
  error: string;
  message: string;
}

export type RunEvent =
  | { event: "start"; data: StartEvent }
  | { event: "step"; data: StepEvent }
  | { event: "phase"; data: PhaseEvent }
  | { event: "step_progress"; data: StepProgressEvent }
  | { event: "answer"; data: AnswerEvent }
  | { event: "inject"; data: InjectEvent }
  | { event: "done"; data: DoneEvent }
  | { event: "error"; data: ErrorEvent }
  | { event: "end"; data: Record<string, never> };

export type RunEventName = RunEvent["event"];
