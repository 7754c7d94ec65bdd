// Each tool's arguments have one schema: what models are told (its JSON Schema) is what the tool
// accepts, checked both ways.
import { describe, expect, test } from "vitest";
import type { AppContext } from "../context.ts";
import type { AgentProfile } from "./profile.ts";
import { buildToolbox } from "./tools.ts";

const profile: AgentProfile = {
  id: "agent-1",
  ownerId: "user-1",
  name: "Helper",
  instructions: "",
  tools: ["calculator", "kb_retrieve", "connector_call"],
  knowledgeBases: [
    { id: "kb-a", name: "Handbook" },
    { id: "kb-b", name: "Policies" },
  ],
  connectors: [
    {
      id: "conn-1",
      name: "Weather",
      description: "",
      actions: [{ name: "get_weather", method: "GET", path: "/weather", description: "" }],
    },
  ],
  model: null,
  temperature: null,
  maxIterations: null,
};

// Only the arguments are checked here: nothing gets as far as the database or the network.
const toolbox = buildToolbox({} as AppContext, profile);
const run = (name: string, args: unknown) => toolbox.run(name, args, new AbortController().signal);

describe("tool parameters", () => {
  test("are the JSON Schemas of the argument checks, in the shape function calling takes", () => {
    expect(Object.fromEntries(toolbox.specs.map((spec) => [spec.name, spec.parameters]))).toEqual({
      calculator: {
        type: "object",
        properties: {
          expression: { type: "string", minLength: 1, maxLength: 500, description: "e.g. (12 + 30) * 1.5" },
        },
        required: ["expression"],
        additionalProperties: false,
      },
      kb_retrieve: {
        type: "object",
        properties: {
          query: { type: "string", minLength: 1, maxLength: 2000 },
          knowledge_base_id: {
            type: "string",
            enum: ["kb-a", "kb-b"],
            description: "Search only this knowledge base (default: all of them)",
          },
          top_k: { type: "integer", minimum: 1, maximum: 20 },
        },
        required: ["query"],
        additionalProperties: false,
      },
      connector_call: {
        type: "object",
        properties: {
          connector_id: { type: "string", enum: ["conn-1"] },
          action: { type: "string", minLength: 1, maxLength: 200 },
          params: {
            type: "object",
            propertyNames: { type: "string" },
            additionalProperties: {},
            description: "Query or path parameters",
          },
          body: { description: "JSON body, for actions that take one" },
        },
        required: ["connector_id", "action"],
        additionalProperties: false,
      },
    });
  });

  test("only the agent's tools are described", () => {
    const calculatorOnly = buildToolbox({} as AppContext, {
      ...profile,
      tools: ["calculator"],
      knowledgeBases: [],
      connectors: [],
    });
    expect(calculatorOnly.specs.map((spec) => spec.name)).toEqual(["calculator"]);
  });
});

describe("tool arguments", () => {
  test("outside what the schema allows are refused, naming the argument", async () => {
    const refused = [
      ["calculator", {}, "expression"],
      ["calculator", { expression: "1".repeat(501) }, "expression"],
      ["kb_retrieve", { query: "x", knowledge_base_id: "kb-of-someone-else" }, "knowledge_base_id"],
      ["kb_retrieve", { query: "x", top_k: 21 }, "top_k"],
      ["kb_retrieve", { query: "x", top_k: 2.5 }, "top_k"],
      ["connector_call", { connector_id: "conn-2", action: "get_weather" }, "connector_id"],
      ["connector_call", { connector_id: "conn-1", action: "get_weather", params: [] }, "params"],
    ] as const;
    for (const [tool, args, argument] of refused) {
      const result = await run(tool, args);
      expect([tool, args, result.ok, result.error?.startsWith(`${argument}: `)]).toEqual([tool, args, false, true]);
    }
  });

  test("within it are used; unknown ones are dropped, and a connector may be given by name", async () => {
    expect(await run("calculator", { expression: "6*7", note: "ignored" })).toMatchObject({
      ok: true,
      data: { expression: "6*7", result: 42 },
    });
    // The name resolves to the connector; the action check that follows names it.
    expect(await run("connector_call", { connector_id: "weather", action: "get_forecast" })).toMatchObject({
      ok: false,
      error: 'connector "Weather" has no action "get_forecast" (it has: get_weather)',
    });
  });
});
