// Agents over REST: CRUD, paging, ownership, validation, and references to knowledge bases and
// connectors that must be the caller's own.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let token: string;
let other: { id: string; token: string };

beforeAll(async () => {
  server = await startTestServer();
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  other = await server.createUser("agents-other@example.com");
});
afterAll(() => server.close());

const post = (body: unknown, as = token) => server.api("POST", "/api/agents", { token: as, body });

describe("CRUD", () => {
  test("create, get, update, list, delete", async () => {
    const created = await post({
      name: "  Support bot ",
      description: "Answers tickets",
      instructions: "Be brief.",
      model_settings: { model: "gpt-4o-mini", temperature: 0.3, max_iterations: 4 },
      tools: ["calculator", "calculator"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Support bot",
      description: "Answers tickets",
      instructions: "Be brief.",
      model_settings: { model: "gpt-4o-mini", temperature: 0.3, max_iterations: 4 },
      tools: ["calculator"],
      knowledge_base_ids: [],
      connector_ids: [],
    });
    expect(created.body.id).toEqual(expect.any(String));
    expect(Date.parse(created.body.created_at)).not.toBeNaN();
    const id = created.body.id;

    expect((await server.api("GET", `/api/agents/${id}`, { token })).body).toEqual(created.body);

    server.clock.advance(5);
    const patched = await server.api("PATCH", `/api/agents/${id}`, {
      token,
      body: { instructions: "Be thorough.", tools: [], model_settings: { temperature: 1 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "Support bot",
      instructions: "Be thorough.",
      tools: [],
      model_settings: { temperature: 1 },
    });
    expect(patched.body.model_settings).not.toHaveProperty("model");
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at));

    const list = await server.api("GET", "/api/agents", { token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: any) => a.id)).toContain(id);

    expect((await server.api("DELETE", `/api/agents/${id}`, { token })).status).toBe(204);
    const gone = await server.api("GET", `/api/agents/${id}`, { token });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: "not_found", message: expect.any(String) });
    expect((await server.api("DELETE", `/api/agents/${id}`, { token })).status).toBe(404);
  });

  test("paging: newest first, next_cursor until the end", async () => {
    const owner = await server.createUser("agents-pager@example.com");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      server.clock.advance(1);
      ids.push((await post({ name: `agent ${i}` }, owner.token)).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const response = await server.api("GET", `/api/agents${query}`, { token: owner.token });
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.items.map((a: any) => a.id));
      cursor = response.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("ownership", () => {
  test("another user's agent is not_found for every verb, and absent from their list", async () => {
    const mine = (await post({ name: "private agent" })).body;
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "stolen" }],
      ["DELETE", undefined],
    ] as const) {
      const response = await server.api(method, `/api/agents/${mine.id}`, { token: other.token, body });
      expect(response.status).toBe(404);
      expect(response.body.error).toBe("not_found");
    }
    const theirs = await server.api("GET", "/api/agents", { token: other.token });
    expect(theirs.body.items.map((a: any) => a.id)).not.toContain(mine.id);
    expect((await server.api("GET", `/api/agents/${mine.id}`, { token })).body.name).toBe("private agent");
  });

  test("knowledge bases and connectors must be the caller's own", async () => {
    const kb = (await server.api("POST", "/api/knowledge-bases", { token, body: { name: "docs" } })).body;
    const connector = (
      await server.api("POST", "/api/connectors", {
        token,
        body: { name: "api", base_url: "https://api.example.com" },
      })
    ).body;
    const theirKb = (await server.api("POST", "/api/knowledge-bases", { token: other.token, body: { name: "x" } }))
      .body;

    const ok = await post({
      name: "reader",
      tools: ["kb_retrieve"],
      knowledge_base_ids: [kb.id],
      connector_ids: [connector.id],
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ knowledge_base_ids: [kb.id], connector_ids: [connector.id] });

    const foreign = await post({ name: "thief", knowledge_base_ids: [theirKb.id] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe("validation_error");
    expect(foreign.body.details[0].field).toBe("knowledge_base_ids");

    const missing = await server.api("PATCH", `/api/agents/${ok.body.id}`, {
      token,
      body: { connector_ids: ["no-such-connector"] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.details[0].field).toBe("connector_ids");

    // Deleting a knowledge base or connector takes it off the agents that used it.
    expect((await server.api("DELETE", `/api/knowledge-bases/${kb.id}`, { token })).status).toBe(204);
    expect((await server.api("DELETE", `/api/connectors/${connector.id}`, { token })).status).toBe(204);
    const after = await server.api("GET", `/api/agents/${ok.body.id}`, { token });
    expect(after.body).toMatchObject({ knowledge_base_ids: [], connector_ids: [] });
  });
});

describe("validation", () => {
  test.each([
    ["missing name", {}, "name"],
    ["empty name", { name: "   " }, "name"],
    ["name of the wrong type", { name: 42 }, "name"],
    ["unknown field", { name: "a", colour: "blue" }, "colour"],
    ["unknown tool", { name: "a", tools: ["shell"] }, "tools.0"],
    ["temperature out of range", { name: "a", model_settings: { temperature: 7 } }, "model_settings.temperature"],
    ["unknown model setting", { name: "a", model_settings: { top_p: 1 } }, "model_settings.top_p"],
    ["ids not a list", { name: "a", knowledge_base_ids: "kb1" }, "knowledge_base_ids"],
  ])("%s → validation_error naming the field", async (_label, body, field) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("validation_error");
    expect(response.body.details.map((d: any) => d.field)).toContain(field);
  });

  test("bad paging query", async () => {
    const response = await server.api("GET", "/api/agents?limit=0", { token });
    expect(response.status).toBe(400);
    expect(response.body.details[0].field).toBe("limit");
  });
});

describe("scopes", () => {
  test("an agents-scoped key works; a kb-only key is forbidden", async () => {
    const agentsKey = await server.createKey(token, { name: "agents only", scopes: "agents" });
    const kbKey = await server.createKey(token, { name: "kb only", scopes: ["kb"] });
    expect((await server.api("GET", "/api/agents", { token: agentsKey.key })).status).toBe(200);
    expect((await post({ name: "via key" }, agentsKey.key)).status).toBe(201);
    const denied = await server.api("GET", "/api/agents", { token: kbKey.key });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("forbidden");
  });
});
