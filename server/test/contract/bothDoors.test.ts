// One contract behind both doors: the inputs that drifted between REST and the portal's tRPC
// procedures (each listed in the issue that unified them) are now refused, or accepted, the same
// way on both, with the same field named.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";

let server: TestServer;
let token: string;
let portal: PortalBrowser;
let kbId: string;
let conversationId: string;

beforeAll(async () => {
  server = await startTestServer();
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  portal = new PortalBrowser(server.url);
  await portal.login(ADMIN.email, ADMIN.password);
  kbId = (await server.api("POST", "/api/knowledge-bases", { token, body: { name: "Both doors" } })).body.id;
  const run = await fetch(`${server.url}/api/react`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ q: "What is 2 + 2?" }),
  });
  conversationId = /"conversation_id":"([^"]+)"/.exec(await run.text())![1]!;
});
afterAll(() => server.close());

/** The field a refusal names, on either door; null when the input was accepted. */
async function restField(method: string, route: string, body: unknown): Promise<string | null> {
  const answer = await server.api(method, route, { token, body });
  if (answer.status < 400) return null;
  expect(answer.body.error).toBe("validation_error");
  return answer.body.details[0].field;
}
async function portalField(procedure: string, input: unknown): Promise<string | null> {
  const answer = await portal.mutate(procedure, input);
  if (answer.status < 400) return null;
  expect(answer.error.data.error.error).toBe("validation_error");
  return answer.error.data.error.details[0].field;
}

describe("the same input gets the same answer on REST and in the portal", () => {
  test("an administrator cannot create a user whose email is not an address", async () => {
    const body = { email: "not-an-email", password: "a-long-password-1" };
    expect(await restField("POST", "/api/admin/users", body)).toBe("email");
    expect(await portalField("admin.createUser", body)).toBe("email");
    expect(await server.ctx.db.user.count({ where: { email: "not-an-email" } })).toBe(0);
  });

  test("key names stop at 100 characters", async () => {
    expect(await restField("POST", "/api/me/api-keys", { name: "k".repeat(101) })).toBe("name");
    expect(await portalField("keys.create", { name: "k".repeat(101) })).toBe("name");
    expect(await restField("POST", "/api/me/api-keys", { name: "k".repeat(100) })).toBeNull();
    expect(await portalField("keys.create", { name: "k".repeat(100) })).toBeNull();
  });

  test("conversation titles stop at 200 characters", async () => {
    expect(await restField("PATCH", `/api/conversations/${conversationId}`, { title: "t".repeat(201) })).toBe("title");
    expect(await portalField("conversations.rename", { id: conversationId, title: "t".repeat(201) })).toBe("title");
    expect(await portalField("conversations.rename", { id: conversationId, title: "t".repeat(200) })).toBeNull();
  });

  test("documents: title up to 500, content required, metadata kept, on both doors", async () => {
    const route = `/api/knowledge-bases/${kbId}/documents`;
    expect(await restField("POST", route, { title: "x".repeat(501), content: "text" })).toBe("title");
    expect(await portalField("knowledgeBases.addDocument", { id: kbId, title: "x".repeat(501), content: "text" })).toBe(
      "title",
    );
    expect(await restField("POST", route, { title: "empty", content: "" })).toBe("content");
    expect(await portalField("knowledgeBases.addDocument", { id: kbId, title: "empty", content: "" })).toBe("content");
    const added = await portal.mutate("knowledgeBases.addDocument", {
      id: kbId,
      title: "With metadata",
      content: "Some text",
      metadata: { source: "portal" },
    });
    expect(added.status).toBe(200);
    expect(added.data.metadata).toEqual({ source: "portal" });
  });

  test("the audit log takes dates or date-times as since/until, and refuses since after until", async () => {
    const rest = await server.api("GET", "/api/admin/audit-log?since=2026-01-01&until=2099-12-31T23:59:59Z", { token });
    expect(rest.status).toBe(200);
    const portalAnswer = await portal.query("admin.audit", { since: "2026-01-01", until: "2099-12-31T23:59:59Z" });
    expect(portalAnswer.status).toBe(200);
    expect(portalAnswer.data.items.length).toBe(rest.body.items.length);
    const backwards = await server.api("GET", "/api/admin/audit-log?since=2027-01-02&until=2027-01-01", { token });
    expect(backwards.status).toBe(400);
    expect(backwards.body.details[0].field).toBe("since");
    expect((await portal.query("admin.audit", { since: "2027-01-02", until: "2027-01-01" })).status).toBe(400);
  });

  test("unknown fields are refused by name on both doors", async () => {
    expect(await restField("POST", "/api/agents", { name: "a", owner: "x" })).toBe("owner");
    expect(await portalField("agents.create", { name: "a", owner: "x" })).toBe("owner");
  });
});
