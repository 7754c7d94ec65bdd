// The published OpenAPI document, checked as integrators use it: linted by Redocly's recommended
// rules, read for the limits the server enforces, and turned into a typed client
// (openapi-typescript + openapi-fetch) whose small integration compiles under `tsc --strict`
// and then runs against this real server.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { routes } from "../../src/http/routes/index.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";

const run = promisify(execFile);
const serverDir = path.resolve(import.meta.dirname, "../..");
const bin = (name: string) => path.join(serverDir, "node_modules/.bin", name);

let server: TestServer;
let document: any;
// Inside the package, so the generated client resolves openapi-fetch and eventsource-parser.
const workDir = path.join(serverDir, ".tmp", `client-${process.pid}`);

beforeAll(async () => {
  server = await startTestServer();
  document = (await server.api("GET", "/api/openapi.json")).body;
  mkdirSync(workDir, { recursive: true });
});
afterAll(async () => {
  await server.close();
  rmSync(workDir, { recursive: true, force: true });
});

test("Redocly's recommended rules find no error and no warning", async () => {
  const file = path.join(workDir, "openapi.json");
  writeFileSync(file, JSON.stringify(document));
  const { stdout } = await run(
    bin("redocly"),
    ["lint", file, "--config", path.join(serverDir, "redocly.yaml"), "--format=json"],
    { env: { ...process.env, NO_COLOR: "1", REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  const report = JSON.parse(stdout);
  const problems = report.problems.map(
    (p: any) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer})`,
  );
  expect(problems).toEqual([]);
  expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
});

describe("the document", () => {
  test("names every operation once, and references named schemas", () => {
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const name of [
      "ApiKey",
      "CreatedApiKey",
      "Agent",
      "KnowledgeBase",
      "Document",
      "Connector",
      "Error",
      "User",
    ]) {
      expect(document.components.schemas[name], name).toBeDefined();
    }
    const listKeys = document.paths["/api/me/api-keys"].get;
    expect(listKeys.operationId).toBe("listApiKeys");
    expect(listKeys.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/ApiKeyPage",
    });
    const keyPage = document.components.schemas.ApiKeyPage;
    expect(keyPage.properties.items.items).toEqual({ $ref: "#/components/schemas/ApiKey" });
    expect(keyPage.required).toContain("total");
    const sort = listKeys.parameters.find((parameter: { name: string }) => parameter.name === "sort");
    expect(sort.schema.enum).toEqual(["created", "last_used", "requests"]);
  });

  test("states the limits the server enforces", () => {
    const schema = (p: string, method: string) =>
      document.paths[p][method].requestBody.content["application/json"].schema;
    expect(schema("/api/me/api-keys", "post").properties.name.maxLength).toBe(100);
    expect(schema("/api/conversations/{id}", "patch").properties.title.maxLength).toBe(200);
    expect(schema("/api/admin/users", "post").properties.email.format).toBe("email");
    const documentBody = schema("/api/knowledge-bases/{id}/documents", "post");
    expect(documentBody.properties.title.maxLength).toBe(500);
    expect(documentBody.properties.content.maxLength).toBe(1_000_000);
    expect(documentBody.properties.metadata).toBeDefined();
    expect(document.components.schemas.ApiKey.properties.created_at.format).toBe("date-time");
  });

  test("gives each error status its own example, and public routes no security", () => {
    const examples = (name: string) =>
      Object.values(document.components.responses[name].content["application/json"].examples).map(
        (example: any) => example.value.error,
      );
    expect(examples("BadRequest")).toEqual(["validation_error"]);
    expect(examples("NotFound")).toEqual(["not_found"]);
    expect(examples("TooManyRequests")).toEqual(["rate_limited"]);
    expect(examples("Unauthorized")).toEqual(["unauthorized", "invalid_token", "token_expired"]);
    expect(Object.keys(document.components.responses.TooManyRequests.headers)).toContain("Retry-After");
    expect(document.paths["/api/auth/login"].post.security).toEqual([]);
    expect(document.paths["/api/knowledge-bases"].post.responses["413"]).toEqual({
      $ref: "#/components/responses/PayloadTooLarge",
    });
    expect(document.components.schemas.Error.properties.error.enum).toContain("quota_exceeded");
  });

  test("describes each streamed event by name and data", () => {
    const stream = document.paths["/api/react"].post.responses["200"].content["text/event-stream"].schema;
    expect(stream).toEqual({ $ref: "#/components/schemas/ReactRunEvent" });
    const union = document.components.schemas.ReactRunEvent;
    expect(Object.keys(union.discriminator.mapping)).toEqual([
      "start",
      "step",
      "answer",
      "inject",
      "done",
      "error",
      "end",
    ]);
    expect(document.components.schemas.DoneEvent.properties.data.required).toEqual(
      expect.arrayContaining(["answer", "conversation_id", "message_id"]),
    );
  });
});

test("a client generated from the document compiles under --strict and works against the server", async () => {
  const types = astToString(await openapiTS(document));
  writeFileSync(path.join(workDir, "api.ts"), types);
  copyFileSync(path.join(import.meta.dirname, "../client/integration.ts"), path.join(workDir, "integration.ts"));
  writeFileSync(
    path.join(workDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        allowImportingTsExtensions: true,
        lib: ["ES2022", "DOM"],
        skipLibCheck: true,
      },
      files: ["integration.ts"],
    }),
  );
  // The generated types are what the integration compiles against; a wrong one is a compile error.
  const tsc = path.resolve(serverDir, "../node_modules/typescript/bin/tsc");
  const compiled = await run(process.execPath, [tsc, "-p", workDir]).catch((error: { stdout?: string }) => error);
  expect("stdout" in compiled ? compiled.stdout : "").toBe("");

  const { runIntegration } = await import(path.join(workDir, "integration.ts"));
  const result = await runIntegration(server.url, ADMIN);
  expect(result.keyPrefix).toMatch(/^fim_/);
  expect(result.keyScopes).toEqual(["chat", "agents", "kb"]);
  expect(result.passages[0].document_title).toBe("Expenses");
  expect(result.events.map((event: { event: string }) => event.event)).toEqual(
    expect.arrayContaining(["start", "done", "end"]),
  );
  expect(result.events.at(-1).event).toBe("end");
  expect(result.answer).toContain("84");
  expect(result.rolledPrefix).not.toBe(result.keyPrefix);
  expect(result.oldKeyAfterRoll?.error).toBe("invalid_token");
  // Served with the key: the knowledge base, its document, the retrieval, the agent and the run.
  expect(result.served).toBe(5);
});
