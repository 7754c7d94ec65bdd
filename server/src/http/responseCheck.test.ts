// The response check (CHECK_RESPONSES) on a declaration of its own: what it lets through and
// what it reports.
import { expect, test } from "vitest";
import { z } from "../contracts/common.ts";
import { reactRunEvent } from "../contracts/runs.ts";
import { contractProblem, eventProblem } from "./responseCheck.ts";
import { defineRoute } from "./route.ts";

const route = defineRoute({
  method: "get",
  path: "/api/things/:id",
  operationId: "getThing",
  tag: "things",
  summary: "A thing",
  access: { scope: "kb" },
  success: { status: 200, description: "The thing", schema: z.object({ id: z.string(), count: z.number().int() }) },
  errors: [404],
  handler: () => undefined,
});

test("a body its schema accepts, and a documented error, pass", () => {
  expect(contractProblem(route, 200, { id: "a", count: 1 })).toBeUndefined();
  expect(contractProblem(route, 404, { error: "not_found", message: "Thing not found" })).toBeUndefined();
  // Error bodies may carry extra fields; the contract allows them.
  expect(
    contractProblem(route, 403, { error: "forbidden", message: "no", required_scope: "kb", hint: 1 }),
  ).toBeUndefined();
});

test("a status the document does not list is reported", () => {
  expect(contractProblem(route, 409, { error: "validation_error", message: "conflict" })).toBe(
    "status 409 is not documented",
  );
  expect(contractProblem(route, 201, { id: "a", count: 1 })).toBe("status 201 is not documented");
});

test("a body that does not match, or says more than its schema, is reported", () => {
  expect(contractProblem(route, 200, { id: "a", count: 1.5 })).toMatch(/^count: /);
  expect(contractProblem(route, 200, { id: "a", count: 1, hash: "secret" })).toBe(
    "the body has fields its schema does not declare",
  );
  expect(contractProblem(route, 404, { error: "gone", message: "?" })).toMatch(/^error: /);
});

test("a streamed event its mode does not document, or with the wrong data, is reported", () => {
  expect(eventProblem(reactRunEvent, { event: "end", data: {} })).toBeUndefined();
  expect(eventProblem(reactRunEvent, { event: "phase", data: { phase: "planning" } })).toMatch(/^event: /);
  expect(eventProblem(reactRunEvent, { event: "done", data: { answer: "4" } })).toMatch(/^data\.iterations: /);
});
