// Cross-user access on every resource: walking the very route list the server mounts, each
// route that names a resource is called by one user with another user's id, and must answer
// 404 not_found (indistinguishable from a missing id) and change nothing. Ids carried in bodies
// (a conversation to continue, an agent to run, knowledge bases and connectors to attach) are
// checked the same way. A new route without a case here fails the walk.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AnyRoute } from "../../src/http/route.ts";
import { routes } from "../../src/http/routes/index.ts";
import { startTestServer, type TestServer } from "../harness.ts";
import { openStream } from "../support/sse.ts";

interface Owned {
  userId: string;
  token: string;
  key: string;
  keyId: string;
  sessionId: string;
  conversationId: string;
  agentId: string;
  kbId: string;
  documentId: string;
  connectorId: string;
}

let server: TestServer;
let alice: Owned;
let bob: Owned;

async function provision(email: string): Promise<Owned> {
  const user = await server.createUser(email);
  const token = user.token;
  const post = async (route: string, body: unknown) => {
    const answer = await server.api("POST", route, { token, body });
    expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(201);
    return answer.body;
  };
  const key = await post("/api/me/api-keys", { name: `${email} key` });
  const kb = await post("/api/knowledge-bases", { name: `${email} handbook` });
  const document = await post(`/api/knowledge-bases/${kb.id}/documents`, {
    title: "Private",
    content: `Only ${email} may read this passage about refunds.`,
  });
  const connector = await post("/api/connectors", {
    name: `${email} api`,
    base_url: "https://api.example.com",
    auth_header: "Bearer upstream-secret-value",
    actions: [{ name: "read", method: "GET", path: "/items/{id}" }],
  });
  const agent = await post("/api/agents", { name: `${email} agent`, knowledge_base_ids: [kb.id] });
  const run = await openStream(`${server.url}/api/react`, { body: { q: "refunds?", token } });
  const conversationId = (await run.until("start")).data.conversation_id as string;
  await run.rest();
  const sessions = await server.api("GET", "/api/me/sessions", { token });
  return {
    userId: user.id,
    token,
    key: key.key,
    keyId: key.id,
    sessionId: sessions.body.items[0].id,
    conversationId,
    agentId: agent.id,
    kbId: kb.id,
    documentId: document.id,
    connectorId: connector.id,
  };
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await provision("alice-cross@example.com");
  bob = await provision("bob-cross@example.com");
});
afterAll(() => server.close());

/** For each route naming a resource: the victim's ids for its path, and a body valid for it. */
function caseFor(route: AnyRoute, victim: Owned): { path: string; body?: unknown } | undefined {
  const key = `${route.method} ${route.path}`;
  const bodies: Record<string, unknown> = {
    "patch /api/me/api-keys/:id": { name: "hijacked", is_active: false },
    "post /api/me/api-keys/:id/roll": { overlap: "none" },
    "patch /api/conversations/:id": { title: "hijacked" },
    "patch /api/agents/:id": { name: "hijacked" },
    "patch /api/knowledge-bases/:id": { name: "hijacked" },
    "post /api/knowledge-bases/:id/documents": { title: "planted", content: "planted text" },
    "post /api/knowledge-bases/:id/retrieve": { query: "refunds" },
    "patch /api/connectors/:id": { base_url: "https://attacker.example", auth_header: "x-stolen" },
  };
  const ids: Record<string, string> = {
    "/api/me/api-keys/": victim.keyId,
    "/api/me/sessions/": victim.sessionId,
    "/api/conversations/": victim.conversationId,
    "/api/agents/": victim.agentId,
    "/api/knowledge-bases/": victim.kbId,
    "/api/connectors/": victim.connectorId,
  };
  const prefix = Object.keys(ids).find((p) => route.path.startsWith(p));
  if (!prefix) return undefined;
  const path = route.path.replace(":id", ids[prefix] as string).replace(":documentId", victim.documentId);
  return { path, body: bodies[key] ?? (route.body ? {} : undefined) };
}

const resourceRoutes = routes.filter((route) => route.params && !route.path.startsWith("/api/admin/"));

describe("another user's id in the path is not_found", () => {
  test("every route that names a resource has a case", () => {
    const missing = resourceRoutes.filter((route) => caseFor(route, alice) === undefined);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  test.each(resourceRoutes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    "%s",
    async (_name, route) => {
      const attempt = caseFor(route, bob);
      if (!attempt) throw new Error("no case");
      for (const credential of [alice.token, alice.key]) {
        const answer = await server.api(route.method.toUpperCase(), attempt.path, {
          token: credential,
          body: attempt.body,
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(404);
        expect(answer.body).toMatchObject({ error: "not_found", message: expect.any(String) });
      }
    },
  );

  test("a document of someone else's knowledge base, reached through one's own, is not_found", async () => {
    const path = `/api/knowledge-bases/${alice.kbId}/documents/${bob.documentId}`;
    expect((await server.api("GET", path, { token: alice.token })).status).toBe(404);
    expect((await server.api("DELETE", path, { token: alice.token })).status).toBe(404);
  });

  test("nothing of the victim's changed", async () => {
    const get = (route: string) => server.api("GET", route, { token: bob.token });
    expect((await get(`/api/me/api-keys/${bob.keyId}`)).body).toMatchObject({
      name: "bob-cross@example.com key",
      is_active: true,
    });
    expect((await server.api("GET", "/api/me", { token: bob.key })).status).toBe(200);
    expect((await get(`/api/agents/${bob.agentId}`)).body.name).toBe("bob-cross@example.com agent");
    expect((await get(`/api/knowledge-bases/${bob.kbId}`)).body).toMatchObject({
      name: "bob-cross@example.com handbook",
      document_count: 1,
    });
    expect((await get(`/api/connectors/${bob.connectorId}`)).body).toMatchObject({
      base_url: "https://api.example.com",
      has_secret: true,
    });
    expect((await get(`/api/conversations/${bob.conversationId}`)).status).toBe(200);
    expect((await get("/api/me/sessions")).body.items.map((s: any) => s.id)).toContain(bob.sessionId);
  });
});

describe("another user's id in a body", () => {
  test("continuing their conversation or running their agent is not_found, before any stream", async () => {
    for (const body of [
      { q: "hello", conversation_id: bob.conversationId },
      { q: "hello", agent_id: bob.agentId },
    ]) {
      for (const route of ["/api/react", "/api/dag"]) {
        const answer = await server.api("POST", route, { token: alice.token, body });
        expect(answer.status).toBe(404);
        expect(answer.body.error).toBe("not_found");
      }
    }
    const inject = await server.api("POST", "/api/chat/inject", {
      token: alice.token,
      body: { conversation_id: bob.conversationId, content: "planted" },
    });
    expect(inject.status).toBe(404);
  });

  test("attaching their knowledge base or connector to one's own agent is refused", async () => {
    for (const body of [
      { name: "thief", knowledge_base_ids: [bob.kbId] },
      { name: "thief", connector_ids: [bob.connectorId] },
    ]) {
      const created = await server.api("POST", "/api/agents", { token: alice.token, body });
      expect(created.status).toBe(400);
      expect(created.body.error).toBe("validation_error");
      const updated = await server.api("PATCH", `/api/agents/${alice.agentId}`, { token: alice.token, body });
      expect(updated.status).toBe(400);
    }
  });

  test("lists never show the other user's things, whatever the query says", async () => {
    for (const route of [
      "/api/agents",
      "/api/knowledge-bases",
      "/api/connectors",
      "/api/conversations",
      "/api/me/api-keys",
    ]) {
      const answer = await server.api(
        "GET",
        `${route}?user_id=${bob.userId}&owner_id=${bob.userId}&userId=${bob.userId}`,
        {
          token: alice.token,
        },
      );
      expect(answer.status).toBe(200);
      const ids = answer.body.items.map((item: any) => item.id);
      for (const theirs of [bob.agentId, bob.kbId, bob.connectorId, bob.conversationId, bob.keyId]) {
        expect(ids).not.toContain(theirs);
      }
    }
  });
});
