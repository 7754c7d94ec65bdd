// What a loop (react or dag) gets from the run around it: the agent, its model and tools, the
// conversation so far, the cancellation signal, and the ways to report progress.
import type { AgentProfile } from "./profile.ts";
import type { InjectedMessage } from "./runtime.ts";
import type { Toolbox } from "./tools.ts";
import type { ChatMessage, ChatModel, RunEvent, Usage } from "./types.ts";

export interface RunScope {
  profile: AgentProfile;
  model: ChatModel;
  toolbox: Toolbox;
  question: string;
  /** Earlier messages of the conversation, oldest first. */
  history: ChatMessage[];
  signal: AbortSignal;
  maxIterations: number;
  emit(event: RunEvent): void;
  /** Messages injected since the last call; each is announced with an `inject` event. */
  takeInjected(): InjectedMessage[];
  /** Whether injected messages are waiting, without taking them. */
  hasInjected(): boolean;
}

export interface EngineResult {
  answer: string;
  iterations: number;
  usage: Usage | null;
}

/** The system prompt a real model gets: who the agent is and how it should use its tools. */
export function systemPrompt(profile: AgentProfile): string {
  const lines = [
    `You are ${profile.name}, an assistant that answers questions accurately and concisely.`,
    "Use the tools when they help. When you use knowledge-base passages, say which document they come from.",
    "Never make up a tool's result; if the tools found nothing, say so.",
  ];
  if (profile.instructions.trim() !== "") lines.push("", profile.instructions.trim());
  return lines.join("\n");
}
