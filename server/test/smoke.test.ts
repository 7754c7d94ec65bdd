import { afterAll, beforeAll, expect, test } from "vitest";
import { openApiPath } from "../src/http/route.ts";
import { routes } from "../src/http/routes/index.ts";
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

test("the OpenAPI document describes every mounted route, with its credential and error body", async () => {
  const response = await server.api("GET", "/api/openapi.json");
  expect(response.status).toBe(200);
  expect(response.body.openapi).toBe("3.1.0");
  for (const route of routes) {
    const operation = response.body.paths[openApiPath(route.path)]?.[route.method];
    expect(operation, `${route.method} ${route.path}`).toBeDefined();
    if (route.access === "public") {
      expect(operation.security).toEqual([]);
      continue;
    }
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(operation.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
  }
  const unauthorized = response.body.components.responses.Unauthorized;
  expect(unauthorized.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
});

test("a route answers the same by its exact path (dispatched directly) and by any other spelling Express accepts", async () => {
  const { access_token: token } = await server.login(ADMIN.email, ADMIN.password);
  for (const path of ["/api/auth/verify", "/API/Auth/Verify", "/api/auth/verify/", "/api/auth/verify?x=1"]) {
    const response = await server.api("GET", path, { token });
    expect(response.status, path).toBe(200);
    expect(response.body, path).toMatchObject({ valid: true, type: "jwt" });
  }
  // A failing handler reached directly still answers the contract's error body.
  const refused = await server.api("GET", "/api/auth/verify", { token: "fim_not-a-key" });
  expect(refused.status).toBe(401);
  expect(refused.body).toMatchObject({ error: "invalid_token", message: expect.any(String) });
  // The method still matters: POST to a GET route is no route at all.
  const wrongMethod = await server.api("POST", "/api/auth/verify", { token, body: {} });
  expect(wrongMethod.status).toBe(404);
});
