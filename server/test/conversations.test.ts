// /api/conversations over real HTTP: list (paged, most recent first), get with messages,
// rename, delete, and ownership (someone else's conversation is not_found).
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./harness.ts";
import { openStream } from "./support/sse.ts";

let server: TestServer;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let aliceChatKey: string;
let aliceKbKey: string;
const conversations: string[] = [];

async function ask(token: string, q: string, conversationId?: string): Promise<string> {
  const stream = await openStream(`${server.url}/api/react`, {
    body: { q, token, ...(conversationId ? { conversation_id: conversationId } : {}) },
  });
  const events = await stream.rest();
  const done = events.find((event) => event.event === "done");
  if (!done) throw new Error(`run failed: ${JSON.stringify(events)}`);
  return done.data.conversation_id;
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.createUser("alice@example.com");
  bob = await server.createUser("bob@example.com");
  aliceChatKey = (await server.createKey(alice.token, { name: "chat", scopes: "chat" })).key;
  aliceKbKey = (await server.createKey(alice.token, { name: "kb", scopes: "kb" })).key;
  for (const q of ["What is 1 + 1?", "What is 2 + 2?", "What is 3 + 3?"]) {
    conversations.push(await ask(aliceChatKey, q));
  }
  await ask(bob.token, "What is 4 + 4?");
});
afterAll(() => server.close());

test("lists the caller's conversations, most recently active first, in pages", async () => {
  const all = await server.api("GET", "/api/conversations", { token: aliceChatKey });
  expect(all.status).toBe(200);
  expect(all.body.items.map((c: any) => c.title)).toEqual(["What is 3 + 3?", "What is 2 + 2?", "What is 1 + 1?"]);
  expect(all.body.items[0]).toEqual({
    id: conversations[2],
    title: "What is 3 + 3?",
    agent_id: null,
    message_count: 2,
    created_at: expect.any(String),
    updated_at: expect.any(String),
  });
  expect(all.body.next_cursor).toBeNull();

  const first = await server.api("GET", "/api/conversations?limit=2", { token: aliceChatKey });
  expect(first.body.items.map((c: any) => c.id)).toEqual([conversations[2], conversations[1]]);
  expect(first.body.next_cursor).toBe(conversations[1]);
  const second = await server.api("GET", `/api/conversations?limit=2&cursor=${first.body.next_cursor}`, {
    token: aliceChatKey,
  });
  expect(second.body.items.map((c: any) => c.id)).toEqual([conversations[0]]);
  expect(second.body.next_cursor).toBeNull();

  // Bob sees only his own.
  const bobs = await server.api("GET", "/api/conversations", { token: bob.token });
  expect(bobs.body.items.map((c: any) => c.title)).toEqual(["What is 4 + 4?"]);
  // Nor can he page through Alice's list with her ids.
  const foreignCursor = await server.api("GET", `/api/conversations?cursor=${conversations[1]}`, { token: bob.token });
  expect(foreignCursor.status).toBe(400);
  expect((await server.api("GET", "/api/conversations?limit=0", { token: alice.token })).status).toBe(400);
});

test("a conversation continued by a run moves to the top", async () => {
  await ask(aliceChatKey, "And 5 * 5?", conversations[0]);
  const list = await server.api("GET", "/api/conversations?limit=1", { token: aliceChatKey });
  expect(list.body.items[0]).toMatchObject({ id: conversations[0], message_count: 4 });
});

test("gets one conversation with its messages in order", async () => {
  const response = await server.api("GET", `/api/conversations/${conversations[1]}`, { token: alice.token });
  expect(response.status).toBe(200);
  expect(response.body.messages).toEqual([
    {
      id: expect.any(String),
      role: "user",
      content: "What is 2 + 2?",
      metadata: expect.any(Object),
      steps: { steps: [], plan: [], citations: [] },
      created_at: expect.any(String),
    },
    {
      id: expect.any(String),
      role: "assistant",
      content: "2 + 2 = 4",
      metadata: expect.objectContaining({ mode: "react", model: "offline", iterations: 2 }),
      // The run's steps are kept with its answer.
      steps: {
        steps: [
          expect.objectContaining({ type: "thought" }),
          expect.objectContaining({ type: "tool_call", tool: "calculator", arguments: { expression: "2 + 2" } }),
          expect.objectContaining({ type: "tool_result", tool: "calculator", ok: true }),
        ],
        plan: [],
        citations: [],
      },
      created_at: expect.any(String),
    },
  ]);
});

test("renames a conversation", async () => {
  const renamed = await server.api("PATCH", `/api/conversations/${conversations[1]}`, {
    token: aliceChatKey,
    body: { title: "  Sums  " },
  });
  expect(renamed.status).toBe(200);
  expect(renamed.body).toMatchObject({ id: conversations[1], title: "Sums" });
  const read = await server.api("GET", `/api/conversations/${conversations[1]}`, { token: aliceChatKey });
  expect(read.body.title).toBe("Sums");

  for (const body of [{ title: "   " }, { title: "x".repeat(201) }, {}, { title: "ok", extra: 1 }]) {
    const bad = await server.api("PATCH", `/api/conversations/${conversations[1]}`, { token: aliceChatKey, body });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("validation_error");
  }
});

test("someone else's conversation is not_found for every operation", async () => {
  const id = conversations[2];
  for (const [method, body] of [
    ["GET", undefined],
    ["PATCH", { title: "mine now" }],
    ["DELETE", undefined],
  ] as const) {
    const response = await server.api(method, `/api/conversations/${id}`, { token: bob.token, body });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: "not_found" });
  }
  // Untouched.
  const still = await server.api("GET", `/api/conversations/${id}`, { token: alice.token });
  expect(still.body.title).toBe("What is 3 + 3?");
  expect((await server.api("GET", "/api/conversations/does-not-exist", { token: alice.token })).status).toBe(404);
});

test("deletes a conversation with its messages", async () => {
  const id = conversations[2];
  const deleted = await server.api("DELETE", `/api/conversations/${id}`, { token: aliceChatKey });
  expect(deleted.status).toBe(204);
  expect((await server.api("GET", `/api/conversations/${id}`, { token: aliceChatKey })).status).toBe(404);
  expect((await server.api("DELETE", `/api/conversations/${id}`, { token: aliceChatKey })).status).toBe(404);
  expect(await server.ctx.db.message.count({ where: { conversationId: id } })).toBe(0);
});

test("the chat scope guards every conversation route", async () => {
  const id = conversations[0];
  const calls = [
    ["GET", "/api/conversations", undefined],
    ["GET", `/api/conversations/${id}`, undefined],
    ["PATCH", `/api/conversations/${id}`, { title: "nope" }],
    ["DELETE", `/api/conversations/${id}`, undefined],
  ] as const;
  for (const [method, path, body] of calls) {
    const forbidden = await server.api(method, path, { token: aliceKbKey, body });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe("forbidden");
    const anonymous = await server.api(method, path, { body });
    expect(anonymous.status).toBe(401);
  }
  expect((await server.api("GET", `/api/conversations/${id}`, { token: aliceChatKey })).status).toBe(200);
});

test("the OpenAPI document describes the conversation and streaming routes", async () => {
  const doc = await server.api("GET", "/api/openapi.json");
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining([
      "/api/conversations",
      "/api/conversations/{id}",
      "/api/react",
      "/api/dag",
      "/api/chat/inject",
    ]),
  );
  const react = doc.body.paths["/api/react"].post;
  expect(Object.keys(react.responses["200"].content)).toEqual(["text/event-stream"]);
  expect(Object.keys(react.requestBody.content["application/json"].schema.properties)).toEqual(
    expect.arrayContaining(["q", "conversation_id", "agent_id", "token"]),
  );
  expect(react.responses["403"]).toBeDefined();
});
