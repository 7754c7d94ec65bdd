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
