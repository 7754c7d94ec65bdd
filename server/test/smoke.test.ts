import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test("health answers ok without a credential", async () => {
  const response = await server.api("GET", "/api/health");
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ status: "ok" });
});

test("the configured admin can log in", async () => {
  const tokens = await server.login(ADMIN.email, ADMIN.password);
  expect(tokens.user.role).toBe("admin");
});
