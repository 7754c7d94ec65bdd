// An OpenAI-compatible chat-completions client (OpenAI, Ollama, vLLM, LiteLLM, …): streams
// `POST {base}/chat/completions` with tools as function definitions, and reads the SSE reply:
// content deltas as they come, tool-call fragments accumulated by index, usage from the last
// chunk when the server reports it.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ChatMessage, ChatModel, CompletionRequest, ModelTurn, ToolCall, Usage } from "./types.ts";

export class ModelError extends Error {
  override name = "ModelError";
}

export interface ProviderConfig {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  temperature?: number | null;
}

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface Chunk {
  choices?: { delta?: { content?: string | null; tool_calls?: ChunkToolCall[] }; finish_reason?: string | null }[];
  usage?: Partial<Usage> | null;
  error?: { message?: string } | string;
}

function toWire(message: ChatMessage): Record<string, unknown> {
  if (message.role === "assistant" && message.tool_calls?.length) {
    return {
      role: "assistant",
      content: message.content === "" ? null : message.content,
      tool_calls: message.tool_calls.map((call) => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  }
  if (message.role === "tool") return { role: "tool", tool_call_id: message.tool_call_id, content: message.content };
  return { role: message.role, content: message.content };
}

function readUsage(usage: Partial<Usage> | null | undefined): Usage | null {
  if (!usage || typeof usage !== "object") return null;
  const prompt = Number(usage.prompt_tokens ?? 0);
  const completion = Number(usage.completion_tokens ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: Number(usage.total_tokens ?? prompt + completion),
  };
}

export class OpenAICompatibleModel implements ChatModel {
  readonly name: string;
  private readonly endpoint: string;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.model;
    this.endpoint = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  }

  async complete(request: CompletionRequest): Promise<ModelTurn> {
    const body: Record<string, unknown> = {
      model: this.config.model,
      messages: request.messages.map(toWire),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools.length > 0) {
      body.tools = request.tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
      body.tool_choice = request.toolChoice ?? "auto";
    }
    if (this.config.temperature !== null && this.config.temperature !== undefined) {
      body.temperature = this.config.temperature;
    }

    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          ...(this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: request.signal,
      });
    } catch (error) {
      request.signal.throwIfAborted();
      throw new ModelError(`The model provider at ${this.endpoint} cannot be reached: ${(error as Error).message}`);
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      throw new ModelError(`The model provider answered ${response.status}: ${text.slice(0, 300)}`);
    }

    let content = "";
    let usage: Usage | null = null;
    let finished = false;
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let problem: ModelError | null = null;

    const onChunk = (chunk: Chunk) => {
      if (chunk.error) {
        const message = typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "unknown error");
        problem ??= new ModelError(`The model provider reported an error: ${message}`);
        return;
      }
      if (chunk.usage) usage = readUsage(chunk.usage);
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta;
        if (delta?.content) {
          content += delta.content;
          request.onDelta?.(delta.content);
        }
        for (const fragment of delta?.tool_calls ?? []) {
          // The first fragment of a call carries its id and name; later ones append arguments.
          const index = fragment.index ?? calls.size;
          let call = calls.get(index);
          if (!call) {
            call = { id: "", name: "", arguments: "" };
            calls.set(index, call);
          }
          if (fragment.id) call.id = fragment.id;
          if (fragment.function?.name) call.name += fragment.function.name;
          if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
        }
      }
    };

    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (event.data === "[DONE]") {
          finished = true;
          return;
        }
        let chunk: Chunk;
        try {
          chunk = JSON.parse(event.data) as Chunk;
        } catch {
          problem ??= new ModelError("The model provider sent a chunk that is not JSON");
          return;
        }
        onChunk(chunk);
      },
    });

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      while (!finished && !problem) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      parser.feed(decoder.decode());
    } catch (error) {
      request.signal.throwIfAborted();
      throw new ModelError(`The model provider's stream broke off: ${(error as Error).message}`);
    } finally {
      reader.cancel().catch(() => {});
    }
    if (problem) throw problem;

    const toolCalls: ToolCall[] = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, call]) => call.name !== "")
      .map(([index, call]) => ({ id: call.id || `call_${index}`, name: call.name, arguments: call.arguments }));
    return { content, toolCalls, usage };
  }
}
