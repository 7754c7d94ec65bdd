// Attack: a holder of a `connectors`-scoped key moves a connector's stored secret into another
// header (one the upstream logs, echoes or forwards, such as Cookie or X-Forwarded-For) without
// knowing it. Changing auth_header_name, like base_url, must restate the secret in the same
// request; otherwise nothing changes and the secret keeps going only where it went before.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callConnectorAction } from "../../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

const SECRET = "sk_live_connector_secret_4f8a1c";

let server: TestServer;
let upstream: Server;
const received: IncomingMessage["headers"][] = [];
let origin: string;
let key: string;
let ownerId: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received.push(req.headers);
    res.setHeader("content-type", "application/json");
    res.end("{}");
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" });
  const login = await server.login(ADMIN.email, ADMIN.password);
  ownerId = login.user.id;
  key = (await server.createKey(login.access_token, { name: "connectors only", scopes: ["connectors"] })).key;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await server.close();
});

async function createConnector(body: Record<string, unknown> = {}) {
  const created = await server.api("POST", "/api/connectors", {
    token: key,
    body: {
      name: "Billing",
      base_url: origin,
      auth_header_name: "X-Api-Key",
      auth_header: SECRET,
      actions: [{ name: "ping", method: "GET", path: "/ping" }],
      ...body,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

const patch = (id: string, body: Record<string, unknown>) =>
  server.api("PATCH", `/api/connectors/${id}`, { token: key, body });

/** Calls the connector and returns the headers the upstream received. */
async function headersSent(id: string) {
  await callConnectorAction(server.ctx, ownerId, id, "ping", {}, undefined, { timeoutMs: 2000 });
  const headers = received.at(-1);
  if (!headers) throw new Error("the upstream received nothing");
  return headers;
}

/** Every header value the upstream saw that carries the secret, by header name. */
function whereSecretWent(headers: IncomingMessage["headers"]): string[] {
  return Object.entries(headers)
    .filter(([, value]) => String(value).includes(SECRET))
    .map(([name]) => name);
}

describe("auth_header_name and the stored secret", () => {
  test.each([["Cookie"], ["X-Forwarded-For"], ["Referer"], ["User-Agent"], ["X-Debug-Echo"]])(
    "renaming the header to %s without auth_header → 400, secret stays in its header",
    async (name) => {
      const id = await createConnector();
      const response = await patch(id, { auth_header_name: name });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: "validation_error",
        details: [{ field: "auth_header", message: expect.stringContaining("auth_header_name") }],
      });
      expect(JSON.stringify(response.body)).not.toContain(SECRET);

      const stored = await server.api("GET", `/api/connectors/${id}`, { token: key });
      expect(stored.body).toMatchObject({ auth_header_name: "X-Api-Key", has_secret: true });
      expect(whereSecretWent(await headersSent(id))).toEqual(["x-api-key"]);
    },
  );

  test("nothing else in a refused request is applied either", async () => {
    const id = await createConnector();
    const response = await patch(id, { name: "Renamed", description: "changed", auth_header_name: "Cookie" });
    expect(response.status).toBe(400);
    const stored = await server.api("GET", `/api/connectors/${id}`, { token: key });
    expect(stored.body).toMatchObject({ name: "Billing", description: "", auth_header_name: "X-Api-Key" });
  });

  test("renaming the header together with base_url, without auth_header → 400", async () => {
    const id = await createConnector();
    const response = await patch(id, {
      base_url: origin.replace("127.0.0.1", "localhost"),
      auth_header_name: "Cookie",
    });
    expect(response.status).toBe(400);
    expect(response.body.details[0].field).toBe("auth_header");
    expect(whereSecretWent(await headersSent(id))).toEqual(["x-api-key"]);
  });

  test("with auth_header restated, the header name changes and the new secret goes there", async () => {
    const id = await createConnector();
    const response = await patch(id, { auth_header_name: "Authorization", auth_header: "Bearer replaced-secret" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ auth_header_name: "Authorization", has_secret: true });
    const headers = await headersSent(id);
    expect(headers.authorization).toBe("Bearer replaced-secret");
    expect(headers["x-api-key"]).toBeUndefined();
    expect(whereSecretWent(headers)).toEqual([]);
  });

  test("with auth_header: null, the header name changes and no secret is sent at all", async () => {
    const id = await createConnector();
    const response = await patch(id, { auth_header_name: "Cookie", auth_header: null });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ auth_header_name: "Cookie", has_secret: false });
    const headers = await headersSent(id);
    expect(headers.cookie).toBeUndefined();
    expect(whereSecretWent(headers)).toEqual([]);
  });

  test("the same header name, even in another case, keeps the secret (the portal always sends it)", async () => {
    const id = await createConnector();
    expect((await patch(id, { name: "Billing v2", auth_header_name: "X-Api-Key" })).status).toBe(200);
    const recased = await patch(id, { auth_header_name: "x-api-key" });
    expect(recased.status).toBe(200);
    expect(recased.body).toMatchObject({ auth_header_name: "x-api-key", has_secret: true });
    expect(whereSecretWent(await headersSent(id))).toEqual(["x-api-key"]);
  });

  test("without a stored secret the header name changes freely", async () => {
    const id = await createConnector({ auth_header: undefined });
    const response = await patch(id, { auth_header_name: "X-Other" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ auth_header_name: "X-Other", has_secret: false });
  });

  test("the portal's door (tRPC connectors.update) refuses the same move", async () => {
    const id = await createConnector();
    const login = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-fim-csrf": "1" },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    const update = await fetch(`${server.url}/trpc/connectors.update`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-fim-csrf": "1", cookie },
      body: JSON.stringify({ id, auth_header_name: "Cookie" }),
    });
    const body = (await update.json()) as { error?: { data?: { error?: unknown } } };
    expect(update.status).toBe(400);
    // What the portal's errorMessage() shows: data.error.message.
    expect(body.error?.data?.error).toMatchObject({
      error: "validation_error",
      message: expect.stringMatching(/^auth_header: is required when auth_header_name changes/),
      details: [{ field: "auth_header" }],
    });
    expect(whereSecretWent(await headersSent(id))).toEqual(["x-api-key"]);
  });
});
