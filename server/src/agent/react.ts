// The react loop: the model thinks, calls tools, reads their results, and repeats until it
// answers. Messages injected during the run join the transcript at the next turn; one that
// arrives while the answer is being written gets its own answer, appended to the first.
import type { EngineResult, RunScope } from "./scope.ts";
import { systemPrompt } from "./scope.ts";
import { addUsage, type ChatMessage, type ModelTurn, type ToolCall, type Usage } from "./types.ts";

function parseArguments(call: ToolCall): { ok: true; value: unknown } | { ok: false; error: string } {
  if (call.arguments.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(call.arguments) };
  } catch {
    return { ok: false, error: "the tool arguments are not valid JSON" };
  }
}

async function runToolCalls(scope: RunScope, iteration: number, calls: ToolCall[]): Promise<ChatMessage[]> {
  const parsed = calls.map((call) => ({ call, args: parseArguments(call) }));
  for (const { call, args } of parsed) {
    scope.emit({
      event: "step",
      data: {
        type: "tool_call",
        iteration,
        call_id: call.id,
        tool: call.name,
        arguments: args.ok ? args.value : call.arguments,
      },
    });
  }
  // Independent calls of one turn run side by side; each result is reported as it arrives.
  const results = await Promise.all(
    parsed.map(async ({ call, args }) => {
      const result = args.ok
        ? await scope.toolbox.run(call.name, args.value, scope.signal)
        : { ok: false, data: null, error: args.error, content: JSON.stringify({ error: args.error }) };
      scope.emit({
        event: "step",
        data: {
          type: "tool_result",
          iteration,
          call_id: call.id,
          tool: call.name,
          ok: result.ok,
          result: result.data,
          ...(result.error ? { error: result.error } : {}),
        },
      });
      return { call, result };
    }),
  );
  return results.map(({ call, result }) => ({
    role: "tool" as const,
    tool_call_id: call.id,
    name: call.name,
    content: result.content,
  }));
}

export async function runReact(scope: RunScope): Promise<EngineResult> {
  const messages: ChatMessage[] = [
    { role: "system", content: systemPrompt(scope.profile) },
    ...scope.history,
    { role: "user", content: scope.question },
  ];
  let usage: Usage | null = null;
  let answer = "";
  let iteration = 0;

  const turn = async (withTools: boolean): Promise<{ result: ModelTurn; streamed: boolean }> => {
    scope.signal.throwIfAborted();
    let streamed = false;
    const result = await scope.model.complete({
      messages,
      tools: scope.toolbox.specs,
      toolChoice: withTools ? "auto" : "none",
      signal: scope.signal,
      onDelta: (text) => {
        // A second answer (to a message injected while the first was written) follows the first.
        if (!streamed && answer !== "") scope.emit({ event: "answer", data: { delta: "\n\n" } });
        streamed = true;
        scope.emit({ event: "answer", data: { delta: text } });
      },
    });
    usage = addUsage(usage, result.usage);
    return { result, streamed };
  };

  while (true) {
    for (const message of scope.takeInjected()) messages.push({ role: "user", content: message.content });
    iteration++;
    const lastChance = iteration >= scope.maxIterations;
    if (lastChance) {
      messages.push({
        role: "system",
        content: "You have used all your steps. Answer now from what you have, without calling tools.",
      });
    }
    const { result, streamed } = await turn(!lastChance);
    if (result.toolCalls.length > 0 && !lastChance) {
      // The text streamed before the tool calls was the model thinking aloud, not the answer.
      if (streamed) scope.emit({ event: "answer", data: { reset: true } });
      scope.emit({
        event: "step",
        data: {
          type: "thought",
          iteration,
          content: result.content.trim() || `Calling ${result.toolCalls.map((call) => call.name).join(", ")}.`,
        },
      });
      messages.push({ role: "assistant", content: result.content, tool_calls: result.toolCalls });
      messages.push(...(await runToolCalls(scope, iteration, result.toolCalls)));
      continue;
    }
    if (!streamed && result.content !== "") {
      scope.emit({ event: "answer", data: { delta: answer === "" ? result.content : `\n\n${result.content}` } });
    }
    answer = answer === "" ? result.content : `${answer}\n\n${result.content}`;
    messages.push({ role: "assistant", content: result.content });
    if (!scope.hasInjected() || lastChance) return { answer, iterations: iteration, usage };
  }
}
