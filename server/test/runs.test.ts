// The streaming runs over real HTTP with the offline engine: both endpoints with the token in
// the body and in the header, refusals before the stream, keepalive, client disconnect,
// revocation mid-stream, inject. A run is kept in progress by holding the engine (server.engine).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_AGENT_SETTINGS } from "../src/agent/runtime.ts";
import { newCuid } from "../src/lib/ids.ts";
import { recordRunMessages } from "../src/services/conversations.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";
import { assembleAnswer, eventually, openStream, type SseEvent } from "./support/sse.ts";

let server: TestServer;
let user: { id: string; token: string };
let fullKey: string;
let chatKey: string;
let kbKey: string;

beforeAll(async () => {
  // The fake upstream services listen on loopback, which connector calls refuse by default.
  server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" });
  user = await server.createUser("runner@example.com");
  fullKey = (await server.createKey(user.token, { name: "full" })).key;
  chatKey = (await server.createKey(user.token, { name: "chat", scopes: "chat" })).key;
  kbKey = (await server.createKey(user.token, { name: "kb", scopes: "kb" })).key;
});
afterAll(() => server.close());
afterEach(() => {
  server.engine.release();
  Object.assign(server.ctx.agentSettings, DEFAULT_AGENT_SETTINGS);
});

function settings() {
  return server.ctx.agentSettings;
}

function names(events: SseEvent[]): string[] {
  return events.map((event) => event.event);
}

describe("POST /api/react", () => {
  test("the reference's fetch reader works with an API key in the body", async () => {
    // Exactly the reference's JavaScript example, with the question changed.
    const response = await fetch(`${server.url}/api/react`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        q: "What is 12 * (3 + 4)?",
        token: chatKey,
      }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value);
      text += chunk;
    }
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");

    const events = text
      .split("\n\n")
      .filter((frame) => frame.trim() !== "" && !frame.startsWith(":"))
      .map((frame) => {
        const [eventLine, dataLine, ...extra] = frame.split("\n");
        expect(eventLine).toMatch(/^event: [a-z_]+$/);
        expect(dataLine).toMatch(/^data: /);
        expect(extra).toEqual([]);
        return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) };
      });
    expect(events[0]).toMatchObject({ event: "start", data: { mode: "react", model: "offline", agent_id: null } });
    const steps = events.filter((e) => e.event === "step").map((e) => e.data);
    expect(steps.map((s) => s.type)).toEqual(["thought", "tool_call", "tool_result"]);
    expect(steps[0].content).toContain("calculator");
    expect(steps[1]).toMatchObject({ tool: "calculator", arguments: { expression: "12 * (3 + 4)" }, iteration: 1 });
    expect(steps[2]).toMatchObject({
      tool: "calculator",
      ok: true,
      result: { expression: "12 * (3 + 4)", result: 84 },
    });
    expect(steps[2].call_id).toBe(steps[1].call_id);

    const done = events.find((e) => e.event === "done")!.data;
    expect(done).toMatchObject({ iterations: 2, model: "offline", usage: null });
    expect(done.answer).toBe("12 * (3 + 4) = 84");
    expect(typeof done.elapsed).toBe("number");
    expect(assembleAnswer(events)).toBe(done.answer);
    expect(names(events).slice(-2)).toEqual(["done", "end"]);

    // The run was recorded: the question, then the answer with the run's details.
    const conversation = await server.api("GET", `/api/conversations/${done.conversation_id}`, { token: chatKey });
    expect(conversation.status).toBe(200);
    expect(conversation.body.title).toBe("What is 12 * (3 + 4)?");
    expect(conversation.body.messages.map((m: any) => [m.role, m.content])).toEqual([
      ["user", "What is 12 * (3 + 4)?"],
      ["assistant", "12 * (3 + 4) = 84"],
    ]);
    expect(conversation.body.messages[1].metadata).toMatchObject({ mode: "react", model: "offline", iterations: 2 });
  });

  test("a login session's access token works in the body (the reference's curl form) and in the header", async () => {
    for (const init of [
      { body: { q: "What is 2 + 2?", token: user.token } },
      { body: { q: "What is 2 + 2?" }, headers: { Authorization: `Bearer ${user.token}` } },
    ]) {
      const stream = await openStream(`${server.url}/api/react`, init);
      expect(stream.response.status).toBe(200);
      const events = await stream.rest();
      expect(names(events)[0]).toBe("start");
      expect(events.find((e) => e.event === "done")?.data.answer).toBe("2 + 2 = 4");
      expect(names(events).at(-1)).toBe("end");
    }
  });

  test("without a knowledge base or arithmetic the offline engine says honestly what it cannot do", async () => {
    const stream = await openStream(`${server.url}/api/react`, {
      body: { q: "What are the top 3 Python frameworks?" },
      headers: { Authorization: `Bearer ${fullKey}` },
    });
    const events = await stream.rest();
    expect(events.filter((e) => e.event === "step")).toEqual([]);
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.iterations).toBe(1);
    expect(done.answer).toContain("offline engine");
    expect(done.answer).toContain("no knowledge base");
  });

  test("a run with a conversation_id continues that conversation", async () => {
    const first = await (
      await openStream(`${server.url}/api/react`, { body: { q: "What is 1 + 1?", token: chatKey } })
    ).rest();
    const conversationId = first[0]!.data.conversation_id;
    const second = await (
      await openStream(`${server.url}/api/react`, {
        body: { q: "And 3 * 3?", conversation_id: conversationId, token: chatKey },
      })
    ).rest();
    expect(second[0]!.data.conversation_id).toBe(conversationId);
    const conversation = await server.api("GET", `/api/conversations/${conversationId}`, { token: chatKey });
    expect(conversation.body.messages.map((m: any) => m.content)).toEqual([
      "What is 1 + 1?",
      "1 + 1 = 2",
      "And 3 * 3?",
      "3 * 3 = 9",
    ]);
  });
});

describe("POST /api/dag", () => {
  test("plans, executes and analyzes, with the plan's dependencies (token in the header)", async () => {
    const stream = await openStream(`${server.url}/api/dag`, {
      body: { q: "What is 15% of 80?" },
      headers: { Authorization: `Bearer ${chatKey}` },
    });
    expect(stream.response.status).toBe(200);
    const events = await stream.rest();
    expect(events[0]).toMatchObject({ event: "start", data: { mode: "dag", model: "offline" } });
    const phases = events.filter((e) => e.event === "phase").map((e) => e.data);
    expect(phases.map((p) => p.phase)).toEqual(["planning", "executing", "analyzing"]);
    expect(phases[1].steps).toEqual([
      {
        id: "calculate",
        description: "Evaluate 15% * 80",
        tool: "calculator",
        arguments: { expression: "15% * 80" },
        depends_on: [],
      },
      { id: "synthesize", description: expect.any(String), tool: null, arguments: {}, depends_on: ["calculate"] },
    ]);
    const progress = events.filter((e) => e.event === "step_progress").map((e) => `${e.data.step_id}:${e.data.status}`);
    // synthesize waits for calculate
    expect(progress).toEqual([
      "calculate:running",
      "calculate:completed",
      "synthesize:running",
      "synthesize:completed",
    ]);
    const calculated = events.find((e) => e.event === "step_progress" && e.data.status === "completed")!.data;
    expect(calculated.result).toEqual({ expression: "15% * 80", result: 12 });
    const done = events.find((e) => e.event === "done")!.data;
    expect(done).toMatchObject({ answer: "15% * 80 = 12", iterations: 2, model: "offline" });
    expect(assembleAnswer(events)).toBe(done.answer);
    expect(names(events).slice(-2)).toEqual(["done", "end"]);
  });

  test("the token in the body works too", async () => {
    const events = await (
      await openStream(`${server.url}/api/dag`, { body: { q: "What is 6 * 7?", token: fullKey } })
    ).rest();
    expect(events.find((e) => e.event === "done")?.data.answer).toBe("6 * 7 = 42");
  });
});

describe("refusals come before the stream, as JSON", () => {
  test.each(["/api/react", "/api/dag"])("%s", async (path) => {
    const cases: [unknown, Record<string, string>, number, string][] = [
      [{ q: "hi" }, {}, 401, "unauthorized"],
      [{ q: "hi", token: "" }, {}, 401, "unauthorized"],
      [{ q: "hi", token: "fim_not-a-real-key" }, {}, 401, "invalid_token"],
      [{ q: "hi", token: "eyJhbGciOiJIUzI1NiJ9.e30.bad" }, {}, 401, "invalid_token"],
      [{ q: "hi", token: 42 }, {}, 401, "invalid_token"],
      [{ q: "hi", token: kbKey }, {}, 403, "forbidden"],
      [{ q: "hi" }, { Authorization: `Bearer ${kbKey}` }, 403, "forbidden"],
      [{ token: chatKey }, {}, 400, "validation_error"],
      [{ q: "   ", token: chatKey }, {}, 400, "validation_error"],
      [{ q: "hi", token: chatKey, extra: true }, {}, 400, "validation_error"],
      [{ q: "hi", token: chatKey, agent_id: "no-such-agent" }, {}, 404, "not_found"],
      [{ q: "hi", token: chatKey, conversation_id: "no-such-conversation" }, {}, 404, "not_found"],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await server.api("POST", path, { body, headers });
      expect({ body, status: response.status, code: response.body?.error }).toEqual({ body, status, code });
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(typeof response.body.message).toBe("string");
      if (status === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
  });

  test("a key without chat is refused with the reference's forbidden body", async () => {
    const response = await server.api("POST", "/api/react", { body: { q: "hi", token: kbKey } });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      error: "forbidden",
      message: "Your API key does not have permission to access this resource",
    });
  });

  test("another user's conversation cannot be continued", async () => {
    const other = await server.createUser("other-runner@example.com");
    const mine = await (await openStream(`${server.url}/api/react`, { body: { q: "1+1", token: chatKey } })).rest();
    const response = await server.api("POST", "/api/react", {
      body: { q: "hi", conversation_id: mine[0]!.data.conversation_id, token: other.token },
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe("not_found");
  });
});

describe("runs starting and finishing together", () => {
  test("each run's conversation and question are stored when its `start` arrives, and its `done` names its own answer", async () => {
    const earlier = await (
      await openStream(`${server.url}/api/react`, { body: { q: "What is 1 + 1?", token: chatKey } })
    ).rest();
    const continued = earlier[0]!.data.conversation_id;
    server.engine.hold();
    // Four at once (the user's concurrent-runs quota), one of them continuing a conversation.
    const questions = [1, 2, 3, 4].map((n) => `What is ${n} * 7?`);
    const streams = await Promise.all(
      questions.map((q, i) =>
        openStream(`${server.url}/api/react`, {
          body: { q, token: chatKey, ...(i === 0 ? { conversation_id: continued } : {}) },
        }),
      ),
    );
    const starts = await Promise.all(streams.map((stream) => stream.until("start")));
    expect(starts[0]!.data.conversation_id).toBe(continued);
    expect(new Set(starts.map((start) => start.data.conversation_id)).size).toBe(questions.length);
    // The engine is still held: what the client can see now was stored before `start`.
    for (const [i, start] of starts.entries()) {
      const conversation = await server.api("GET", `/api/conversations/${start.data.conversation_id}`, {
        token: chatKey,
      });
      expect(conversation.status).toBe(200);
      const contents = conversation.body.messages.map((m: any) => [m.role, m.content]);
      if (i === 0) {
        expect(contents).toEqual([
          ["user", "What is 1 + 1?"],
          ["assistant", "1 + 1 = 2"],
          ["user", questions[0]],
        ]);
      } else {
        expect(conversation.body.title).toBe(questions[i]);
        expect(contents).toEqual([["user", questions[i]]]);
      }
      expect(conversation.body.messages.at(-1).metadata).toEqual({ run_id: start.data.run_id });
    }
    server.engine.release();
    for (const [i, stream] of streams.entries()) {
      const done = (await stream.rest()).find((e) => e.event === "done")!.data;
      expect(done.answer).toBe(`${i + 1} * 7 = ${(i + 1) * 7}`);
      const conversation = await server.api("GET", `/api/conversations/${done.conversation_id}`, { token: chatKey });
      const answer = conversation.body.messages.at(-1);
      expect(answer).toMatchObject({ id: done.message_id, role: "assistant", content: done.answer });
      expect(answer.metadata).toMatchObject({ run_id: starts[i]!.data.run_id, mode: "react" });
    }
  });

  test("one transaction stores a batch; a message whose conversation is gone fails alone", async () => {
    const gone = (
      await recordRunMessages(server.ctx, [
        {
          conversation: { id: newCuid(), userId: user.id, agentId: null },
          role: "user",
          content: "to be deleted",
          metadata: {},
        },
      ])
    )[0]!;
    if (gone.status !== "fulfilled") throw gone.reason;
    await server.ctx.db.conversation.delete({ where: { id: gone.value.conversationId } });

    const results = await recordRunMessages(server.ctx, [
      {
        conversation: { id: newCuid(), userId: user.id, agentId: null },
        role: "user",
        content: "first",
        metadata: { n: 1 },
      },
      { conversation: gone.value.conversationId, role: "user", content: "lost", metadata: {} },
      {
        conversation: { id: newCuid(), userId: user.id, agentId: null },
        role: "user",
        content: "second",
        metadata: { n: 2 },
      },
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const [first, , second] = results.map((result) => (result.status === "fulfilled" ? result.value : null));
    expect(first!.conversationId).not.toBe(second!.conversationId);
    expect(await server.ctx.db.message.count({ where: { conversationId: second!.conversationId } })).toBe(1);

    // Identical messages in one batch each get their own id, in the order they were given (ids
    // break the tie of their equal created_at), and the conversation is marked active with them.
    const twins = await recordRunMessages(server.ctx, [
      { conversation: first!.conversationId, role: "user", content: "again", metadata: {} },
      { conversation: first!.conversationId, role: "user", content: "again", metadata: {} },
    ]);
    const [twin1, twin2] = twins.map((result) => (result.status === "fulfilled" ? result.value : null));
    expect(twin1!.messageId).not.toBe(twin2!.messageId);
    const stored = await server.api("GET", `/api/conversations/${first!.conversationId}`, { token: chatKey });
    expect(stored.body.messages.map((m: any) => [m.id, m.content, m.metadata])).toEqual([
      [first!.messageId, "first", { n: 1 }],
      [twin1!.messageId, "again", {}],
      [twin2!.messageId, "again", {}],
    ]);
    expect(stored.body.updated_at).toBe(twin2!.createdAt.toISOString());
    expect(await server.ctx.db.message.count({ where: { content: "lost" } })).toBe(0);
  });
});

describe("long runs", () => {
  test("a keepalive comment is sent while the run is quiet", async () => {
    settings().keepaliveMs = 40;
    server.engine.hold();
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "2 * 21", token: chatKey } });
    await stream.until("start");
    // The run waits on the engine: five keepalive intervals with nothing else to send.
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.engine.release();
    const events = await stream.rest();
    expect(stream.raw()).toContain("\n\n: keepalive\n\n");
    expect(events.find((e) => e.event === "done")?.data.answer).toBe("2 * 21 = 42");
  });

  test("the client closing the connection stops the run", async () => {
    server.engine.hold();
    const runs = server.ctx.runs;
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 9 * 9?", token: chatKey } });
    const start = await stream.until("start");
    const conversationId = start.data.conversation_id;
    expect(await runs.runIdsFor(conversationId, user.id)).toHaveLength(1);
    await eventually(() => server.engine.held() === 1);
    stream.abort();
    // The run notices at once: its model turn is cut short, not answered.
    await eventually(async () => (await runs.runIdsFor(conversationId, user.id)).length === 0, 1000);
    expect(server.engine.held()).toBe(0);
    // Nothing left to go on: letting the engine answer records nothing.
    server.engine.release();
    const conversation = await server.api("GET", `/api/conversations/${conversationId}`, { token: chatKey });
    expect(conversation.body.messages.map((m: any) => m.role)).toEqual(["user"]);
    // Nothing is left to inject into.
    const inject = await server.api("POST", "/api/chat/inject", {
      token: chatKey,
      body: { conversation_id: conversationId, content: "still there?" },
    });
    expect(inject.status).toBe(404);
  });

  test("disabling the key mid-stream ends it with an error event within seconds", async () => {
    server.engine.hold();
    const { key, id } = await server.createKey(user.token, { name: "to be disabled", scopes: "chat" });
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 5 * 5?", token: key } });
    await stream.until("start");
    const disabledAt = Date.now();
    const patch = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token: user.token,
      body: { is_active: false },
    });
    expect(patch.status).toBe(200);
    const error = await stream.until("error");
    expect(Date.now() - disabledAt).toBeLessThan(3000);
    expect(error.data).toMatchObject({ error: "unauthorized", message: "Authentication required" });
    expect(await stream.rest()).toEqual([{ event: "end", data: {} }]);
    expect(names(stream.seen)).not.toContain("done");
  });

  test("deleting the key or revoking the session mid-stream ends it too", async () => {
    server.engine.hold();
    const { key, id } = await server.createKey(user.token, { name: "to be deleted", scopes: "chat" });
    const byKey = await openStream(`${server.url}/api/dag`, { body: { q: "What is 5 * 5?", token: key } });
    await byKey.until("start");
    expect((await server.api("DELETE", `/api/me/api-keys/${id}`, { token: user.token })).status).toBe(204);
    expect((await byKey.until("error")).data.error).toBe("invalid_token");

    const session = await server.login("runner@example.com", "user-password-1");
    const bySession = await openStream(`${server.url}/api/react`, {
      body: { q: "What is 5 * 5?" },
      headers: { Authorization: `Bearer ${session.access_token}` },
    });
    await bySession.until("start");
    const logout = await server.api("POST", "/api/auth/logout", { body: { refresh_token: session.refresh_token } });
    expect(logout.status).toBeLessThan(300);
    expect((await bySession.until("error")).data.error).toBe("invalid_token");
    expect(names(await bySession.rest())).toEqual(["end"]);
  });

  test("re-checks while streaming are not counted as requests", async () => {
    settings().credentialCheckMs = 50;
    server.engine.hold();
    const { key, id } = await server.createKey(user.token, { name: "counted", scopes: "chat" });
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 3 * 3?", token: key } });
    await stream.until("start");
    // About eight re-checks while the engine is held.
    await new Promise((resolve) => setTimeout(resolve, 400));
    server.engine.release();
    expect((await stream.rest()).at(-2)?.event).toBe("done");
    const view = await server.api("GET", `/api/me/api-keys/${id}`, { token: user.token });
    expect(view.body.total_requests).toBe(1);
  });

  test("deleting the conversation mid-run ends the stream with not_found", async () => {
    server.engine.hold();
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 5 * 5?", token: chatKey } });
    const start = await stream.until("start");
    const deleted = await server.api("DELETE", `/api/conversations/${start.data.conversation_id}`, { token: chatKey });
    expect(deleted.status).toBe(204);
    expect((await stream.until("error")).data.error).toBe("not_found");
  });
});

describe("POST /api/chat/inject", () => {
  test("the running react agent sees the message at its next step and answers it too", async () => {
    server.engine.hold();
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "What is 6 * 7?", token: chatKey } });
    const start = await stream.until("start");
    const conversationId = start.data.conversation_id;
    const inject = await server.api("POST", "/api/chat/inject", {
      token: chatKey,
      body: { conversation_id: conversationId, content: "And what is 2 + 2?" },
    });
    expect(inject.status).toBe(201);
    server.engine.release();
    expect(inject.body).toMatchObject({
      conversation_id: conversationId,
      runs: 1,
      message: { role: "user", content: "And what is 2 + 2?", metadata: { injected: true } },
    });
    const injected = await stream.until("inject");
    expect(injected.data).toEqual({ message_id: inject.body.message.id, content: "And what is 2 + 2?" });
    const events = await stream.rest();
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.answer).toContain("6 * 7 = 42");
    expect(done.answer).toContain("2 + 2 = 4");
    expect(assembleAnswer(stream.seen)).toBe(done.answer);
    const conversation = await server.api("GET", `/api/conversations/${conversationId}`, { token: chatKey });
    expect(conversation.body.messages.map((m: any) => [m.role, m.content])).toEqual([
      ["user", "What is 6 * 7?"],
      ["user", "And what is 2 + 2?"],
      ["assistant", done.answer],
    ]);
  });

  test("a dag run plans another round for the injected message", async () => {
    server.engine.hold();
    const stream = await openStream(`${server.url}/api/dag`, { body: { q: "What is 6 * 7?", token: chatKey } });
    const start = await stream.until("start");
    const inject = await server.api("POST", "/api/chat/inject", {
      token: chatKey,
      body: { conversation_id: start.data.conversation_id, content: "Also 10 / 4" },
    });
    expect(inject.status).toBe(201);
    server.engine.release();
    const events = await stream.rest();
    expect(names(events)).toContain("inject");
    const executing = events.filter((e) => e.event === "phase" && e.data.phase === "executing");
    expect(executing).toHaveLength(2);
    expect(executing[1]!.data.steps.map((s: any) => s.id)).toEqual(["calculate-2", "synthesize-2"]);
    expect(executing[1]!.data.steps[1].depends_on).toEqual(["calculate-2"]);
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.answer).toContain("6 * 7 = 42");
    expect(done.answer).toContain("10 / 4 = 2.5");
  });

  test("no run in progress, someone else's conversation, or no chat scope: refused", async () => {
    const finished = await (await openStream(`${server.url}/api/react`, { body: { q: "1+2", token: chatKey } })).rest();
    const conversationId = finished[0]!.data.conversation_id;
    const body = { conversation_id: conversationId, content: "hello?" };
    const none = await server.api("POST", "/api/chat/inject", { token: chatKey, body });
    expect(none.status).toBe(404);
    expect(none.body.error).toBe("not_found");
    expect((await server.api("POST", "/api/chat/inject", { token: kbKey, body })).status).toBe(403);
    expect((await server.api("POST", "/api/chat/inject", { body })).status).toBe(401);
    expect(
      (await server.api("POST", "/api/chat/inject", { token: chatKey, body: { conversation_id: conversationId } }))
        .status,
    ).toBe(400);

    server.engine.hold();
    const other = await server.createUser("injector@example.com");
    const stream = await openStream(`${server.url}/api/react`, { body: { q: "1+2", token: chatKey } });
    const start = await stream.until("start");
    const foreign = await server.api("POST", "/api/chat/inject", {
      token: other.token,
      body: { conversation_id: start.data.conversation_id, content: "let me in" },
    });
    expect(foreign.status).toBe(404);
    stream.abort();
  });
});

describe("tools over the caller's knowledge bases and connectors", () => {
  let owner: { id: string; token: string };
  let pythonKb: string;
  let cookingKb: string;
  let connectorServer: http.Server;
  const connectorCalls: { url: string; auth: string | undefined }[] = [];

  async function post(path: string, body: unknown) {
    const response = await server.api("POST", path, { token: owner.token, body });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  beforeAll(async () => {
    owner = await server.createUser("librarian@example.com");
    pythonKb = (await post("/api/knowledge-bases", { name: "Python web" })).id;
    cookingKb = (await post("/api/knowledge-bases", { name: "Cooking" })).id;
    await post(`/api/knowledge-bases/${pythonKb}/documents`, {
      title: "Frameworks",
      content:
        "The top 3 Python web frameworks are Django, Flask and FastAPI.\n\nDjango ships an ORM and an admin site; Flask is a small core with extensions; FastAPI builds on type hints.",
      metadata: { source: "survey" },
    });
    await post(`/api/knowledge-bases/${pythonKb}/documents`, {
      title: "Packaging",
      content: "Python packages are published on PyPI and installed with pip.",
    });
    await post(`/api/knowledge-bases/${cookingKb}/documents`, {
      title: "Bread",
      content: "Bread needs flour, water, salt and yeast; knead, proof, then bake.",
    });

    connectorServer = http.createServer((req, res) => {
      connectorCalls.push({ url: req.url ?? "", auth: req.headers["x-weather-key"] as string | undefined });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ city: decodeURIComponent((req.url ?? "").split("/").pop() ?? ""), temperature_c: 21 }));
    });
    await new Promise<void>((resolve) => connectorServer.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => connectorServer.close(() => resolve())));

  test("react: the default agent searches all the caller's knowledge bases and answers from the passages", async () => {
    const events = await (
      await openStream(`${server.url}/api/react`, {
        body: { q: "What are the top 3 Python frameworks?", token: owner.token },
      })
    ).rest();
    const steps = events.filter((e) => e.event === "step").map((e) => e.data);
    expect(steps.map((s) => `${s.type}:${s.tool ?? ""}`)).toEqual([
      "thought:",
      "tool_call:kb_retrieve",
      "tool_result:kb_retrieve",
    ]);
    expect(steps[1].arguments).toEqual({ query: "What are the top 3 Python frameworks?" });
    const results = steps[2].result.results;
    expect(results[0]).toMatchObject({
      knowledge_base_id: pythonKb,
      knowledge_base: "Python web",
      metadata: { source: "survey" },
    });
    expect(results[0].content).toContain("Django, Flask and FastAPI");
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.answer).toContain("Django, Flask and FastAPI");
    // Passages are cited by their document's title, never by its id.
    expect(done.answer).toContain("“Frameworks”");
    expect(done.answer).not.toContain(results[0].document_id);
    expect(done.answer).not.toContain("yeast");
    expect(done.citations[0]).toEqual({
      document_id: results[0].document_id,
      document_title: "Frameworks",
      knowledge_base_id: pythonKb,
      knowledge_base: "Python web",
    });

    // The conversation keeps the run's steps and citations with its answer, through both doors.
    const stored = await server.api("GET", `/api/conversations/${done.conversation_id}`, { token: owner.token });
    const [question, answer] = stored.body.messages;
    expect(question.steps).toEqual({ steps: [], plan: [], citations: [] });
    expect(answer.steps.steps.map((s: any) => `${s.type}:${s.tool ?? ""}`)).toEqual([
      "thought:",
      "tool_call:kb_retrieve",
      "tool_result:kb_retrieve",
    ]);
    expect(answer.steps.steps[2].result.results[0]).toMatchObject({ document_title: "Frameworks" });
    expect(answer.steps.citations).toEqual(done.citations);
    const browser = new PortalBrowser(server.url);
    await browser.login("librarian@example.com", "user-password-1");
    const viaTrpc = await browser.query("conversations.get", { id: done.conversation_id });
    expect(viaTrpc.data.messages[1].steps).toEqual(answer.steps);
  });

  test("dag: the stored answer keeps the plan as it ended, and what it kept is bounded", async () => {
    const long = "word ".repeat(2000);
    await post(`/api/knowledge-bases/${cookingKb}/documents`, {
      title: "Long loaf",
      content: `Sourdough loaf ${long}`,
    });
    const events = await (
      await openStream(`${server.url}/api/dag`, { body: { q: "sourdough loaf", token: owner.token } })
    ).rest();
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.citations.map((c: any) => c.document_title)).toContain("Long loaf");
    const stored = await server.api("GET", `/api/conversations/${done.conversation_id}`, { token: owner.token });
    const kept = stored.body.messages[1].steps;
    expect(kept.steps).toEqual([]);
    expect(kept.plan.map((s: any) => [s.id, s.status])).toEqual([
      ["retrieve-python-web", "completed"],
      ["retrieve-cooking", "completed"],
      ["synthesize", "completed"],
    ]);
    const passage = kept.plan[1].result.results.find((r: any) => r.document_title === "Long loaf");
    // The live event carried the whole passage; the stored copy is shortened.
    const live = events
      .find((e) => e.event === "step_progress" && e.data.step_id === "retrieve-cooking" && e.data.result)!
      .data.result.results.find((r: any) => r.document_title === "Long loaf");
    expect(live.content.length).toBeGreaterThan(passage.content.length);
    expect(passage.content.length).toBeLessThanOrEqual(601);
    expect(JSON.stringify(kept).length).toBeLessThan(20_000);
  });

  test("dag: one retrieval step per knowledge base, in parallel, then the synthesis", async () => {
    const events = await (
      await openStream(`${server.url}/api/dag`, { body: { q: "How do I bake bread?", token: owner.token } })
    ).rest();
    const plan = events.find((e) => e.event === "phase" && e.data.phase === "executing")!.data.steps;
    expect(plan.map((s: any) => [s.id, s.tool, s.depends_on])).toEqual([
      ["retrieve-python-web", "kb_retrieve", []],
      ["retrieve-cooking", "kb_retrieve", []],
      ["synthesize", null, ["retrieve-python-web", "retrieve-cooking"]],
    ]);
    expect(plan[1].arguments).toEqual({ query: "How do I bake bread?", knowledge_base_id: cookingKb });
    const progress = events.filter((e) => e.event === "step_progress").map((e) => `${e.data.step_id}:${e.data.status}`);
    expect(progress.slice(0, 2)).toEqual(["retrieve-python-web:running", "retrieve-cooking:running"]);
    expect(progress.slice(-2)).toEqual(["synthesize:running", "synthesize:completed"]);
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.answer).toContain("flour, water, salt and yeast");
    expect(done.iterations).toBe(3);
  });

  test("an agent with a connector calls the action the question names, with its secret", async () => {
    const port = (connectorServer.address() as AddressInfo).port;
    const connector = await post("/api/connectors", {
      name: "Weather",
      base_url: `http://127.0.0.1:${port}/v1`,
      auth_header_name: "X-Weather-Key",
      auth_header: "wk-secret",
      actions: [{ name: "get_weather", method: "GET", path: "/weather/{city}", description: "Current weather" }],
    });
    const agent = await post("/api/agents", {
      name: "Forecaster",
      connector_ids: [connector.id],
      knowledge_base_ids: [pythonKb],
    });
    const events = await (
      await openStream(`${server.url}/api/react`, {
        body: { q: "Please get_weather city=Paris", agent_id: agent.id, token: owner.token },
      })
    ).rest();
    expect(events[0]!.data.agent_id).toBe(agent.id);
    const call = events.find((e) => e.event === "step" && e.data.type === "tool_call")!.data;
    expect(call).toMatchObject({
      tool: "connector_call",
      arguments: { connector_id: connector.id, action: "get_weather", params: { city: "Paris" } },
    });
    const result = events.find((e) => e.event === "step" && e.data.type === "tool_result")!.data;
    expect(result.result).toMatchObject({ status: 200, body: { city: "Paris", temperature_c: 21 } });
    expect(connectorCalls.at(-1)).toEqual({ url: "/v1/weather/Paris", auth: "wk-secret" });
    const done = events.find((e) => e.event === "done")!.data;
    expect(done.answer).toContain("Weather.get_weather answered HTTP 200");
    expect(done.answer).toContain("Paris");
    // The secret is never echoed into the stream.
    expect(JSON.stringify(events)).not.toContain("wk-secret");
  });

  test("an agent's tool list limits what it may use", async () => {
    const agent = await post("/api/agents", {
      name: "Calculator only",
      tools: ["calculator"],
      knowledge_base_ids: [pythonKb],
    });
    const events = await (
      await openStream(`${server.url}/api/react`, {
        body: { q: "What are the top 3 Python frameworks?", agent_id: agent.id, token: owner.token },
      })
    ).rest();
    expect(events.filter((e) => e.event === "step")).toEqual([]);
    expect(events.find((e) => e.event === "done")!.data.answer).toContain("offline engine");
  });

  test("someone else's agent is not_found", async () => {
    const agent = await post("/api/agents", { name: "Private" });
    const response = await server.api("POST", "/api/react", {
      body: { q: "hi", agent_id: agent.id, token: chatKey },
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe("not_found");
  });
});
