// The offline engine: the embedded default when no language model is configured. It plays the
// model's part in the same react and dag loops with plain rules (arithmetic → calculator; a
// named connector action → that call; otherwise → search the knowledge bases), so its tools
// really run, and it writes the answer only from what they returned. It reads the same
// transcript a real model would read, nothing more.
import { randomUUID } from "node:crypto";
import { findExpression, formatNumber } from "./calculator.ts";
import type { DagBrain, PlanRound, StepOutcome } from "./dag.ts";
import type { AgentProfile, ConnectorRef } from "./profile.ts";
import type { EngineTurns } from "./turns.ts";
import type { ChatMessage, ChatModel, CompletionRequest, ModelTurn, PlanStep, ToolCall } from "./types.ts";

export const OFFLINE_MODEL = "offline";

interface Decision {
  tool: "calculator" | "kb_retrieve" | "connector_call";
  arguments: Record<string, unknown>;
  reason: string;
}

function normalizeWords(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[_\-./]+/g, " ")
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")} `;
}

/** `key=value` pairs in a question become the connector call's parameters. */
function paramsFrom(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/\b([A-Za-z_][\w-]*)=("([^"]*)"|'([^']*)'|[^\s,;?!]+)/g)) {
    const key = match[1] as string;
    params[key] = match[3] ?? match[4] ?? (match[2] as string);
  }
  return params;
}

function namedActions(text: string, connectors: ConnectorRef[]): { connector: ConnectorRef; action: string }[] {
  const words = normalizeWords(text);
  const found: { connector: ConnectorRef; action: string }[] = [];
  for (const connector of connectors) {
    for (const action of connector.actions) {
      const name = normalizeWords(action.name);
      if (name.trim() !== "" && words.includes(name)) found.push({ connector, action: action.name });
    }
  }
  return found;
}

/** What the rules make of one user message, given the tools on offer. */
export function decideTools(text: string, profile: AgentProfile, available: ReadonlySet<string>): Decision[] {
  const decisions: Decision[] = [];
  const expression = available.has("calculator") ? findExpression(text) : null;
  if (expression) {
    decisions.push({
      tool: "calculator",
      arguments: { expression },
      reason: `the message contains the arithmetic ${expression}, so I evaluate it with the calculator`,
    });
  }
  if (available.has("connector_call")) {
    for (const { connector, action } of namedActions(text, profile.connectors)) {
      decisions.push({
        tool: "connector_call",
        arguments: { connector_id: connector.id, action, params: paramsFrom(text) },
        reason: `the message names the action ${action} of the connector ${connector.name}, so I call it`,
      });
    }
  }
  if (decisions.length === 0 && available.has("kb_retrieve") && profile.knowledgeBases.length > 0) {
    decisions.push({
      tool: "kb_retrieve",
      arguments: { query: text },
      reason: `I search the knowledge base${profile.knowledgeBases.length > 1 ? "s" : ""} ${profile.knowledgeBases
        .map((kb) => `"${kb.name}"`)
        .join(", ")} for passages about the message`,
    });
  }
  return decisions;
}

// ---- Writing the answer from what the tools returned ----

export interface Finding {
  tool: string;
  arguments: unknown;
  ok: boolean;
  data: unknown;
  error?: string;
}

export interface Exchange {
  question: string;
  findings: Finding[];
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${cut.slice(0, space > max * 0.6 ? space : max)}…`;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describeFinding(finding: Finding, profile: AgentProfile): string {
  const args = record(finding.arguments);
  if (finding.tool === "calculator") {
    if (!finding.ok) return `I could not evaluate ${String(args.expression ?? "the expression")}: ${finding.error}.`;
    const data = record(finding.data);
    return `${String(data.expression)} = ${formatNumber(Number(data.result))}`;
  }
  if (finding.tool === "kb_retrieve") {
    const scope =
      typeof args.knowledge_base_id === "string"
        ? `"${profile.knowledgeBases.find((kb) => kb.id === args.knowledge_base_id)?.name ?? args.knowledge_base_id}"`
        : profile.knowledgeBases.map((kb) => `"${kb.name}"`).join(", ");
    if (!finding.ok) return `Searching ${scope} failed: ${finding.error}.`;
    const results = (record(finding.data).results as Record<string, unknown>[] | undefined) ?? [];
    if (results.length === 0) return `I searched ${scope} and found nothing about this.`;
    const lines = results.slice(0, 3).map((result) => {
      const source = [
        // Cited by title, as a reader knows the document; the id only when there is no title.
        typeof result.document_title === "string" && result.document_title !== ""
          ? `“${result.document_title}”`
          : `document ${String(result.document_id)}`,
        result.knowledge_base ? `knowledge base "${String(result.knowledge_base)}"` : null,
        `score ${Number(result.score).toFixed(2)}`,
      ]
        .filter(Boolean)
        .join(", ");
      return `- ${shorten(String(result.content), 400)} (${source})`;
    });
    return `From ${scope}:\n${lines.join("\n")}`;
  }
  if (finding.tool === "connector_call") {
    const name = `${String(record(finding.data).connector ?? args.connector_id)}.${String(args.action)}`;
    if (!finding.ok) return `The call to ${name} failed: ${finding.error}.`;
    const data = record(finding.data);
    const body = typeof data.body === "string" ? data.body : JSON.stringify(data.body);
    return `${name} answered HTTP ${String(data.status)}: ${shorten(body ?? "", 600)}`;
  }
  return finding.ok ? JSON.stringify(finding.data) : `${finding.tool} failed: ${finding.error}`;
}

function nothingApplies(profile: AgentProfile): string {
  const missing =
    profile.knowledgeBases.length === 0
      ? "there is no knowledge base to search"
      : "no knowledge-base search was possible";
  return (
    "I am the offline engine (no language model is configured), so I answer only from my tools: " +
    `the calculator, knowledge-base search and connector calls. This message has no arithmetic, names no connector action, and ${missing}.`
  );
}

export function composeAnswer(exchanges: Exchange[], profile: AgentProfile): string {
  const parts = exchanges.map((exchange) => {
    const body =
      exchange.findings.length === 0
        ? nothingApplies(profile)
        : exchange.findings.map((finding) => describeFinding(finding, profile)).join("\n\n");
    return exchanges.length > 1 ? `On "${shorten(exchange.question, 80)}":\n${body}` : body;
  });
  return parts.join("\n\n");
}

/** Reads the current exchange (after the last final answer) back out of a transcript. */
function readTranscript(messages: ChatMessage[]): { exchanges: Exchange[]; pending: string[] } {
  let start = 0;
  messages.forEach((message, index) => {
    if (message.role === "assistant" && !message.tool_calls?.length) start = index + 1;
  });
  const exchanges: Exchange[] = [];
  const calls = new Map<string, { call: ToolCall; exchange: Exchange }>();
  let pending: string[] = [];
  for (const message of messages.slice(start)) {
    if (message.role === "user") {
      exchanges.push({ question: message.content, findings: [] });
      pending.push(message.content);
    } else if (message.role === "assistant") {
      const exchange = exchanges.at(-1);
      pending = [];
      if (!exchange) continue;
      for (const call of message.tool_calls ?? []) calls.set(call.id, { call, exchange });
    } else if (message.role === "tool") {
      const owner = calls.get(message.tool_call_id);
      if (!owner) continue;
      let parsed: unknown = message.content;
      try {
        parsed = JSON.parse(message.content);
      } catch {
        // a truncated result stays text
      }
      const failed = record(parsed).error;
      owner.exchange.findings.push({
        tool: owner.call.name,
        arguments: safeJson(owner.call.arguments),
        ok: failed === undefined,
        data: failed === undefined ? parsed : null,
        error: typeof failed === "string" ? failed : undefined,
      });
    }
  }
  return { exchanges, pending };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** Streams text in small word groups, as a model would, one group per engine turn (turns.ts). */
export async function streamText(
  text: string,
  onDelta: ((text: string) => void) | undefined,
  signal: AbortSignal,
  turns: EngineTurns,
) {
  if (!onDelta) return;
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  for (let i = 0; i < pieces.length; i += 4) {
    signal.throwIfAborted();
    onDelta(pieces.slice(i, i + 4).join(""));
    // Give the event loop a turn, so deltas leave as a stream and an abort is seen between them.
    await turns.next();
  }
}

export class OfflineModel implements ChatModel {
  readonly name = OFFLINE_MODEL;

  constructor(
    private readonly profile: AgentProfile,
    private readonly turns: EngineTurns,
  ) {}

  async complete(request: CompletionRequest): Promise<ModelTurn> {
    request.signal.throwIfAborted();
    const { exchanges, pending } = readTranscript(request.messages);
    const available = new Set(request.tools.map((tool) => tool.name));
    if (pending.length > 0 && available.size > 0 && request.toolChoice !== "none") {
      const decisions = pending.flatMap((text) => decideTools(text, this.profile, available));
      if (decisions.length > 0) {
        const thought = `${decisions.map((d) => d.reason).join("; ")}.`;
        const toolCalls = decisions.map((decision) => ({
          id: `call_${randomUUID().slice(0, 8)}`,
          name: decision.tool,
          arguments: JSON.stringify(decision.arguments),
        }));
        return { content: thought.charAt(0).toUpperCase() + thought.slice(1), toolCalls, usage: null };
      }
    }
    const answer = composeAnswer(exchanges, this.profile);
    await streamText(answer, request.onDelta, request.signal, this.turns);
    return { content: answer, toolCalls: [], usage: null };
  }
}

// ---- The dag loop's planner, step worker and analyst ----

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 24) || "kb"
  );
}

export function offlineDagBrain(profile: AgentProfile, available: ReadonlySet<string>, turns: EngineTurns): DagBrain {
  return {
    async plan({ question }) {
      const steps: PlanStep[] = [];
      for (const decision of decideTools(question, profile, available)) {
        if (decision.tool === "kb_retrieve") {
          // One retrieval per knowledge base: independent, so they run in parallel.
          for (const kb of profile.knowledgeBases) {
            steps.push({
              id: `retrieve-${slug(kb.name)}`,
              description: `Search "${kb.name}" for passages about the question`,
              tool: "kb_retrieve",
              arguments: { query: question, knowledge_base_id: kb.id },
              depends_on: [],
            });
          }
        } else if (decision.tool === "calculator") {
          steps.push({
            id: "calculate",
            description: `Evaluate ${String(decision.arguments.expression)}`,
            tool: "calculator",
            arguments: decision.arguments,
            depends_on: [],
          });
        } else {
          steps.push({
            id: `call-${slug(String(decision.arguments.action))}`,
            description: `Call ${String(decision.arguments.action)}`,
            tool: "connector_call",
            arguments: decision.arguments,
            depends_on: [],
          });
        }
      }
      steps.push({
        id: "synthesize",
        description: "Bring the findings together",
        tool: null,
        arguments: {},
        depends_on: steps.map((step) => step.id),
      });
      return { steps, usage: null };
    },

    async think({ inputs }) {
      const succeeded = inputs.filter((input) => input.ok);
      const passages = succeeded
        .filter((input) => input.step.tool === "kb_retrieve")
        .reduce((sum, input) => sum + (((record(input.data).results as unknown[]) ?? []).length ?? 0), 0);
      const summary = [
        `${succeeded.length} of ${inputs.length} step${inputs.length === 1 ? "" : "s"} succeeded`,
        passages > 0 ? `${passages} passage${passages === 1 ? "" : "s"} found` : null,
      ]
        .filter(Boolean)
        .join("; ");
      return { content: summary, usage: null };
    },

    async analyze({ rounds }, onDelta, signal) {
      const exchanges = rounds.map((round: PlanRound) => ({
        question: round.question,
        findings: round.outcomes
          .filter((outcome: StepOutcome) => outcome.step.tool !== null)
          .map((outcome) => ({
            tool: outcome.step.tool as string,
            arguments: outcome.step.arguments,
            ok: outcome.ok,
            data: outcome.data,
            error: outcome.error,
          })),
      }));
      const answer = composeAnswer(exchanges, profile);
      await streamText(answer, onDelta, signal, turns);
      return { answer, usage: null };
    },
  };
}
