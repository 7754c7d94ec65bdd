// A key's IP allow-list edited through one instance: another instance that has the key cached
// follows the edit within the revocation feed's second. (PostgreSQL leg only: one SQLite
// database serves one process.)
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { eventually } from "../support/sse.ts";

let server: TestServer;
let other: TestServer;
let token: string;

beforeAll(async () => {
  // Requests come from loopback, which is trusted as a proxy: X-Forwarded-For names the client.
  server = await startTestServer({ TRUST_PROXY: "loopback" });
  other = await startTestServer({
    TRUST_PROXY: "loopback",
    DATA_DIR: server.dataDir, // the same secrets
    DATABASE_URL: server.databaseUrl,
  });
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(async () => {
  await other?.close();
  await server?.close();
});

const useKey = (target: TestServer, key: string, address: string) =>
  target.api("GET", "/api/agents", { token: key, headers: { "x-forwarded-for": address } });
const patchKey = (id: string, body: unknown) => server.api("PATCH", `/api/me/api-keys/${id}`, { token, body });

test("another instance that has the key cached follows an allow-list edit within the revocation feed's second", async () => {
  const { key, id } = await server.createKey(token, { name: "two instances", allowed_ips: ["198.51.100.0/24"] });
  expect((await useKey(other, key, "198.51.100.7")).status).toBe(200);
  expect((await patchKey(id, { allowed_ips: ["192.0.2.1"] })).status).toBe(200);
  await eventually(async () => (await useKey(other, key, "198.51.100.7")).status === 403, 3000);
  expect((await patchKey(id, { allowed_ips: ["198.51.100.7"] })).status).toBe(200);
  await eventually(async () => (await useKey(other, key, "198.51.100.7")).status === 200, 3000);
});
