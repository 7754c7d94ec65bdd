// The tools an agent can use, bound to one run's agent profile: calculator, kb_retrieve over the
// agent's knowledge bases, connector_call on the agent's connectors. Each tool's arguments have one
// zod schema: it checks the arguments a tool is given, and models are told its JSON Schema.
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { evaluateExpression, formatNumber } from "./calculator.ts";
import type { AgentProfile, ToolName } from "./profile.ts";
import { callConnector, type RetrievedPassage, retrievePassages } from "./resources.ts";
import type { ToolSpec } from "./types.ts";

export interface ToolResult {
  ok: boolean;
  /** Structured result, shown in `tool_result` / `step_progress` events. */
  data: unknown;
  error?: string;
  /** What the model reads back. */
  content: string;
}

export interface Passage extends RetrievedPassage {
  knowledge_base_id: string;
  knowledge_base: string;
}

export interface Toolbox {
  specs: ToolSpec[];
  has(name: string): boolean;
  run(name: string, args: unknown, signal: AbortSignal): Promise<ToolResult>;
}

const MAX_TOOL_CONTENT = 8000;

function asContent(data: unknown): string {
  const text = JSON.stringify(data);
  return text.length > MAX_TOOL_CONTENT ? `${text.slice(0, MAX_TOOL_CONTENT)}… (truncated)` : text;
}

/**
 * A tool's arguments as models are told them: the JSON Schema of the zod schema that checks them,
 * so the two cannot drift. Draft 7, an object at the top, without `$schema`, as function calling
 * takes it. Unknown arguments are advertised as refused and dropped if given anyway.
 */
export function toolParameters(args: z.ZodObject): Record<string, unknown> {
  const { $schema: _, ...parameters } = z.toJSONSchema(args, { target: "draft-7" });
  return parameters;
}

const calculatorArgs = z.object({ expression: z.string().min(1).max(500).describe("e.g. (12 + 30) * 1.5") });
/** The calculator's arguments are the same for every run: converted once, not per run. */
const calculatorParameters = toolParameters(calculatorArgs);

/** kb_retrieve's arguments: knowledge_base_id, when given, is one of the agent's. */
function retrieveArgs(profile: AgentProfile) {
  return z.object({
    query: z.string().min(1).max(2000),
    knowledge_base_id: z
      .enum(profile.knowledgeBases.map((kb) => kb.id))
      .optional()
      .describe("Search only this knowledge base (default: all of them)"),
    top_k: z.number().int().min(1).max(20).optional(),
  });
}

/** connector_call's arguments: connector_id is one of the agent's connectors. */
function connectorArgs(profile: AgentProfile) {
  // Models sometimes name the connector instead of giving its id; both are unambiguous here.
  const connectorId = (value: unknown) =>
    typeof value !== "string"
      ? value
      : ((
          profile.connectors.find((c) => c.id === value) ??
          profile.connectors.find((c) => c.name.toLowerCase() === value.toLowerCase())
        )?.id ?? value);
  return z.object({
    connector_id: z.preprocess(connectorId, z.enum(profile.connectors.map((c) => c.id))),
    action: z.string().min(1).max(200),
    params: z.record(z.string(), z.unknown()).optional().describe("Query or path parameters"),
    body: z.unknown().optional().describe("JSON body, for actions that take one"),
  });
}

function describeArgsError(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`).join("; ");
}

export function buildToolbox(ctx: AppContext, profile: AgentProfile): Toolbox {
  // Built for the tools the agent has only: the enums of the others would be empty.
  const argsOf = {
    calculator: () => calculatorArgs,
    kb_retrieve: () => retrieveArgs(profile),
    connector_call: () => connectorArgs(profile),
  } satisfies Record<ToolName, () => z.ZodObject>;
  const schemas = Object.fromEntries(profile.tools.map((tool) => [tool, argsOf[tool]()])) as {
    [T in ToolName]: ReturnType<(typeof argsOf)[T]>;
  };
  const descriptions: Record<ToolName, string> = {
    calculator:
      "Evaluates an arithmetic expression exactly: + - * / ^ %, parentheses, and sqrt, abs, round, floor, ceil, ln, log, exp, sin, cos, tan, pow, min, max, pi, e.",
    kb_retrieve: `Searches the knowledge bases for passages relevant to a query, best first. Knowledge bases: ${profile.knowledgeBases
      .map((kb) => `${kb.id} (${kb.name})`)
      .join(", ")}.`,
    connector_call: `Calls an action of an outside HTTP API. Connectors: ${profile.connectors
      .map(
        (c) =>
          `${c.id} (${c.name}${c.description ? `: ${c.description}` : ""}; actions: ${c.actions
            .map((a) => `${a.name} = ${a.method} ${a.path}${a.description ? ` – ${a.description}` : ""}`)
            .join("; ")})`,
      )
      .join(", ")}.`,
  };

  async function calculator(args: unknown): Promise<ToolResult> {
    const parsed = schemas.calculator.safeParse(args);
    if (!parsed.success) return failure(describeArgsError(parsed.error));
    try {
      const value = evaluateExpression(parsed.data.expression);
      const data = { expression: parsed.data.expression, result: Number(formatNumber(value)) };
      return { ok: true, data, content: asContent(data) };
    } catch (error) {
      return failure(`cannot evaluate "${parsed.data.expression}": ${(error as Error).message}`);
    }
  }

  async function kbRetrieve(args: unknown, signal: AbortSignal): Promise<ToolResult> {
    const parsed = schemas.kb_retrieve.safeParse(args);
    if (!parsed.success) return failure(describeArgsError(parsed.error));
    const { query, knowledge_base_id, top_k = 5 } = parsed.data;
    const bases = knowledge_base_id
      ? profile.knowledgeBases.filter((kb) => kb.id === knowledge_base_id)
      : profile.knowledgeBases;
    const found = await Promise.all(
      bases.map(async (kb) => {
        const { results } = await retrievePassages(ctx, profile.ownerId, kb.id, { query, top_k });
        return results.map((result): Passage => ({ ...result, knowledge_base_id: kb.id, knowledge_base: kb.name }));
      }),
    );
    signal.throwIfAborted();
    const results = found
      .flat()
      .sort((a, b) => b.score - a.score)
      .slice(0, top_k);
    const data = { query, results };
    return { ok: true, data, content: asContent(data) };
  }

  async function connectorCall(args: unknown, signal: AbortSignal): Promise<ToolResult> {
    const parsed = schemas.connector_call.safeParse(args);
    if (!parsed.success) return failure(describeArgsError(parsed.error));
    const { connector_id, action, params, body } = parsed.data;
    const connector = profile.connectors.find((c) => c.id === connector_id)!;
    if (!connector.actions.some((a) => a.name === action)) {
      return failure(
        `connector "${connector.name}" has no action "${action}" (it has: ${connector.actions.map((a) => a.name).join(", ")})`,
      );
    }
    const response = await callConnector(ctx, profile.ownerId, connector.id, action, { params, body }, signal);
    const data = { connector_id: connector.id, connector: connector.name, action, ...response };
    return { ok: true, data, content: asContent(data) };
  }

  const runners: Record<ToolName, (args: unknown, signal: AbortSignal) => Promise<ToolResult>> = {
    calculator,
    kb_retrieve: kbRetrieve,
    connector_call: connectorCall,
  };

  return {
    specs: profile.tools.map((tool) => ({
      name: tool,
      description: descriptions[tool],
      parameters: tool === "calculator" ? calculatorParameters : toolParameters(schemas[tool]),
    })),
    has: (name) => (profile.tools as string[]).includes(name),
    async run(name, args, signal) {
      signal.throwIfAborted();
      if (!(profile.tools as string[]).includes(name)) return failure(`there is no tool called "${name}"`);
      try {
        return await runners[name as ToolName](args, signal);
      } catch (error) {
        // A stopped run stops here too; any other failure is the tool's result, for the model to read.
        signal.throwIfAborted();
        if (error instanceof AppError) return failure(error.message);
        ctx.logger.warn({ err: error, tool: name }, "agent tool failed");
        return failure(`the ${name} tool failed unexpectedly`);
      }
    },
  };
}

function failure(message: string): ToolResult {
  return { ok: false, data: null, error: message, content: asContent({ error: message }) };
}
