// The OpenAI-compatible provider against a local fake model server that speaks the real
// streaming wire format: `data: {"choices":[{"delta":…}]}` lines, tool calls in fragments,
// a usage chunk, `data: [DONE]`. First the client on its own, then whole runs over HTTP.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ModelError, OpenAICompatibleModel } from "../src/agent/openai.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { assembleAnswer, openStream } from "./support/sse.ts";

interface Recorded {
  headers: http.IncomingHttpHeaders;
  body: any;
}

type Reply = { status?: number; chunks: (object | string)[] };

/** A fake chat-completions server; `reply` decides each answer from the request body. */
async function startFakeModel(reply: (body: any) => Reply) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", async () => {
      const body = JSON.parse(text);
      requests.push({ headers: req.headers, body });
      if (req.url !== "/v1/chat/completions" || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      const { status = 200, chunks } = reply(body);
      if (status !== 200) {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "the fake model is down", type: "server_error" } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const chunk of chunks) {
        const line = `data: ${typeof chunk === "string" ? chunk : JSON.stringify(chunk)}\n\n`;
        // Split every frame across two writes, as TCP may, to exercise the parser's buffering.
        const cut = Math.floor(line.length / 2);
        res.write(line.slice(0, cut));
        await new Promise((resolve) => setTimeout(resolve, 2));
        res.write(line.slice(cut));
      }
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const content = (text: string) => ({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
const stop = { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
const usage = (prompt: number, completion: number) => ({
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});
const toolCallStart = (index: number, id: string, name: string) => ({
  choices: [
    {
      index: 0,
      delta: { tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }] },
      finish_reason: null,
    },
  ],
});
const toolCallArgs = (index: number, fragment: string) => ({
  choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: fragment } }] }, finish_reason: null }],
});

function lastMessage(body: any): any {
  return body.messages.at(-1);
}

describe("OpenAICompatibleModel", () => {
  let fake: Awaited<ReturnType<typeof startFakeModel>>;
  beforeAll(async () => {
    fake = await startFakeModel((body) => {
      const question = lastMessage(body).content;
      if (question === "fail") return { status: 500, chunks: [] };
      if (question === "tools") {
        return {
          chunks: [
            { choices: [{ index: 0, delta: { role: "assistant", content: null }, finish_reason: null }] },
            toolCallStart(0, "call_a", "calculator"),
            toolCallArgs(0, '{"expre'),
            toolCallStart(1, "call_b", "calculator"),
            toolCallArgs(0, 'ssion": "6*7"}'),
            toolCallArgs(1, '{"expression": "1+1"}'),
            { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
            usage(30, 12),
          ],
        };
      }
      return { chunks: [content("Hel"), content("lo, "), content("world."), stop, usage(9, 3)] };
    });
  });
  afterAll(() => fake.close());

  const model = () => new OpenAICompatibleModel({ baseUrl: `${fake.url}/`, apiKey: "sk-test", model: "fake-model" });
  const tools = [{ name: "calculator", description: "math", parameters: { type: "object", properties: {} } }];

  test("streams content deltas and reads the usage chunk", async () => {
    const deltas: string[] = [];
    const turn = await model().complete({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      tools,
      signal: new AbortController().signal,
      onDelta: (text) => deltas.push(text),
    });
    expect(deltas).toEqual(["Hel", "lo, ", "world."]);
    expect(turn).toEqual({
      content: "Hello, world.",
      toolCalls: [],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    });
    const request = fake.requests.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer sk-test");
    expect(request.body).toMatchObject({
      model: "fake-model",
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: "auto",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      tools: [{ type: "function", function: { name: "calculator", description: "math" } }],
    });
  });

  test("accumulates tool-call fragments by index", async () => {
    const turn = await model().complete({
      messages: [{ role: "user", content: "tools" }],
      tools,
      signal: new AbortController().signal,
    });
    expect(turn.content).toBe("");
    expect(turn.toolCalls).toEqual([
      { id: "call_a", name: "calculator", arguments: '{"expression": "6*7"}' },
      { id: "call_b", name: "calculator", arguments: '{"expression": "1+1"}' },
    ]);
    expect(turn.usage?.total_tokens).toBe(42);
  });

  test("an error status becomes a ModelError with the provider's words", async () => {
    const failing = model().complete({
      messages: [{ role: "user", content: "fail" }],
      tools: [],
      signal: new AbortController().signal,
    });
    await expect(failing).rejects.toThrow(ModelError);
    await expect(failing).rejects.toThrow(/answered 500: .*the fake model is down/);
  });

  test("an unreachable provider is a ModelError, an aborted request an abort", async () => {
    const nowhere = new OpenAICompatibleModel({ baseUrl: "http://127.0.0.1:9", apiKey: undefined, model: "m" });
    await expect(
      nowhere.complete({
        messages: [{ role: "user", content: "hi" }],
        tools: [],
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/cannot be reached/);
    const controller = new AbortController();
    controller.abort(new Error("client left"));
    await expect(
      model().complete({ messages: [{ role: "user", content: "hi" }], tools: [], signal: controller.signal }),
    ).rejects.toThrow("client left");
  });
});

describe("runs with a configured model", () => {
  let fake: Awaited<ReturnType<typeof startFakeModel>>;
  let server: TestServer;
  let key: string;
  let userToken: string;

  beforeAll(async () => {
    fake = await startFakeModel((body) => {
      const last = lastMessage(body);
      const prompt = String(last.content ?? "");
      // react: a tool call first (with some thinking aloud), then the answer from the result
      if (last.role === "user" && prompt === "What is 6 times 7?") {
        return {
          chunks: [
            content("Let me "),
            content("calculate."),
            toolCallStart(0, "call_1", "calculator"),
            toolCallArgs(0, '{"expression":'),
            toolCallArgs(0, '"6*7"}'),
            usage(50, 10),
          ],
        };
      }
      if (last.role === "tool") {
        return { chunks: [content("6 times 7 "), content("is "), content("42."), stop, usage(70, 5)] };
      }
      if (prompt === "Break things") return { status: 500, chunks: [] };
      // dag: a JSON plan, a reasoning step, the final analysis
      if (prompt.includes("Reply with JSON only")) {
        const plan = JSON.stringify({
          steps: [
            {
              id: "a",
              description: "Compute 2+3",
              tool: "calculator",
              arguments: { expression: "2+3" },
              depends_on: [],
            },
            {
              id: "b",
              description: "Compute 4*5",
              tool: "calculator",
              arguments: { expression: "4*5" },
              depends_on: [],
            },
            { id: "c", description: "Add both results", tool: null, depends_on: ["a", "b"] },
          ],
        });
        return {
          chunks: [content("```json\n"), content(plan.slice(0, 40)), content(plan.slice(40)), content("\n```")],
        };
      }
      if (prompt.includes("Your task in this step")) return { chunks: [content("5 + 20 = 25")] };
      if (prompt.includes("Write the answer for the user")) {
        return { chunks: [content("The total "), content("is 25."), usage(100, 8)] };
      }
      return { chunks: [content(`unexpected request: ${prompt.slice(0, 80)}`)] };
    });
    server = await startTestServer({ LLM_BASE_URL: fake.url, LLM_API_KEY: "sk-fake", LLM_MODEL: "fake-model" });
    const user = await server.createUser("model-user@example.com");
    userToken = user.token;
    key = (await server.createKey(user.token, { name: "chat", scopes: "chat" })).key;
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  test("react: tool call round trip through the provider", async () => {
    fake.requests.length = 0;
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 6 times 7?", token: key } });
    const events = await stream.rest();
    expect(events[0]).toMatchObject({ event: "start", data: { model: "fake-model" } });
    const steps = events.filter((e) => e.event === "step").map((e) => e.data);
    expect(steps).toEqual([
      { type: "thought", iteration: 1, content: "Let me calculate." },
      { type: "tool_call", iteration: 1, call_id: "call_1", tool: "calculator", arguments: { expression: "6*7" } },
      {
        type: "tool_result",
        iteration: 1,
        call_id: "call_1",
        tool: "calculator",
        ok: true,
        result: { expression: "6*7", result: 42 },
      },
    ]);
    // The thinking aloud was streamed as answer text, then withdrawn.
    expect(events.some((e) => e.event === "answer" && e.data.reset)).toBe(true);
    const done = events.find((e) => e.event === "done")!.data;
    expect(done).toMatchObject({
      answer: "6 times 7 is 42.",
      iterations: 2,
      model: "fake-model",
      usage: { prompt_tokens: 120, completion_tokens: 15, total_tokens: 135 },
    });
    expect(assembleAnswer(events)).toBe("6 times 7 is 42.");

    // What the provider was sent: the tools, then the transcript with the call and its result.
    expect(fake.requests).toHaveLength(2);
    const [first, second] = fake.requests;
    expect(first!.headers.authorization).toBe("Bearer sk-fake");
    expect(first!.body.tools.map((t: any) => t.function.name)).toEqual(["calculator"]);
    expect(first!.body.messages[0].role).toBe("system");
    expect(second!.body.messages.slice(-2)).toEqual([
      {
        role: "assistant",
        content: "Let me calculate.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "calculator", arguments: '{"expression":"6*7"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"expression":"6*7","result":42}' },
    ]);
  });

  test("dag: the model's plan runs independent steps in parallel, then the analysis streams", async () => {
    const stream = await openStream(`${server.url}/api/dag`, {
      body: { q: "Sum up 2+3 and 4*5" },
      headers: { Authorization: `Bearer ${key}` },
    });
    const events = await stream.rest();
    const executing = events.find((e) => e.event === "phase" && e.data.phase === "executing")!.data;
    expect(executing.steps.map((s: any) => [s.id, s.tool, s.depends_on])).toEqual([
      ["a", "calculator", []],
      ["b", "calculator", []],
      ["c", null, ["a", "b"]],
    ]);
    const progress = events.filter((e) => e.event === "step_progress").map((e) => `${e.data.step_id}:${e.data.status}`);
    // a and b start before either finishes; c only after both.
    expect(progress.slice(0, 2).sort()).toEqual(["a:running", "b:running"]);
    expect(progress.slice(2, 4).sort()).toEqual(["a:completed", "b:completed"]);
    expect(progress.slice(4)).toEqual(["c:running", "c:completed"]);
    expect(
      events.find((e) => e.event === "step_progress" && e.data.step_id === "c" && e.data.status === "completed")!.data
        .result,
    ).toBe("5 + 20 = 25");
    const done = events.find((e) => e.event === "done")!.data;
    expect(done).toMatchObject({ answer: "The total is 25.", iterations: 3, model: "fake-model" });
    expect(assembleAnswer(events)).toBe("The total is 25.");
  });

  test("a provider failure mid-run arrives as an error event, then end", async () => {
    const events = await (
      await openStream(`${server.url}/api/react`, { body: { q: "Break things", token: key } })
    ).rest();
    expect(events.map((e) => e.event)).toEqual(["start", "error", "end"]);
    expect(events[1]!.data).toMatchObject({ error: "model_error" });
    expect(events[1]!.data.message).toContain("500");
  });

  test("an agent's instructions and model settings reach the provider", async () => {
    const agent = await server.api("POST", "/api/agents", {
      token: userToken,
      body: {
        name: "Terse",
        instructions: "Answer in one short sentence.",
        model_settings: { model: "special-model", temperature: 0.2 },
      },
    });
    expect(agent.status).toBe(201);
    fake.requests.length = 0;
    const events = await (
      await openStream(`${server.url}/api/react`, {
        body: { q: "What is 6 times 7?", agent_id: agent.body.id, token: key },
      })
    ).rest();
    const done = events.find((e) => e.event === "done")!.data;
    expect(done).toMatchObject({ answer: "6 times 7 is 42.", model: "special-model" });
    expect(fake.requests[0]!.body).toMatchObject({ model: "special-model", temperature: 0.2 });
    expect(fake.requests[0]!.body.messages[0].content).toContain("You are Terse");
    expect(fake.requests[0]!.body.messages[0].content).toContain("Answer in one short sentence.");
  });
});
