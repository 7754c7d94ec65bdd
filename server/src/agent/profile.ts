// Which agent a run speaks as: its instructions, model settings, tools, knowledge bases and
// connectors. Without an agent_id the default agent uses the calculator and every knowledge
// base of the caller.
import type { AppContext } from "../context.ts";
import { notFound } from "../errors.ts";

export const TOOL_NAMES = ["calculator", "kb_retrieve", "connector_call"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface KnowledgeBaseRef {
  id: string;
  name: string;
}

export interface ConnectorActionRef {
  name: string;
  method: string;
  path: string;
  description: string;
}

export interface ConnectorRef {
  id: string;
  name: string;
  description: string;
  actions: ConnectorActionRef[];
}

export interface AgentProfile {
  /** null for the default agent. */
  id: string | null;
  ownerId: string;
  name: string;
  instructions: string;
  tools: ToolName[];
  knowledgeBases: KnowledgeBaseRef[];
  connectors: ConnectorRef[];
  model: string | null;
  temperature: number | null;
  maxIterations: number | null;
}

function parseJson(stored: string, fallback: unknown): unknown {
  try {
    return JSON.parse(stored);
  } catch {
    return fallback;
  }
}

function stringList(stored: string): string[] {
  const value = parseJson(stored, []);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function parseActions(stored: string): ConnectorActionRef[] {
  const value = parseJson(stored, []);
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (!item || typeof item !== "object") return [];
    const action = item as Record<string, unknown>;
    if (typeof action.name !== "string") return [];
    return [
      {
        name: action.name,
        method: typeof action.method === "string" ? action.method.toUpperCase() : "GET",
        path: typeof action.path === "string" ? action.path : "/",
        description: typeof action.description === "string" ? action.description : "",
      },
    ];
  });
}

async function knowledgeBasesOf(ctx: AppContext, ownerId: string, ids?: string[]): Promise<KnowledgeBaseRef[]> {
  const rows = await ctx.db.knowledgeBase.findMany({
    where: { userId: ownerId, ...(ids ? { id: { in: ids } } : {}) },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true },
  });
  return rows;
}

async function connectorsOf(ctx: AppContext, ownerId: string, ids: string[]): Promise<ConnectorRef[]> {
  if (ids.length === 0) return [];
  // Only what the agent needs to know about a connector: never its secret.
  const rows = await ctx.db.connector.findMany({
    where: { userId: ownerId, id: { in: ids } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true, description: true, actions: true },
  });
  return rows.map((row) => ({ ...row, actions: parseActions(row.actions) }));
}

function numberSetting(settings: Record<string, unknown>, key: string): number | null {
  const value = settings[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The agent for a run; another user's agent id is not_found, like a missing one. */
export async function loadAgentProfile(
  ctx: AppContext,
  ownerId: string,
  agentId?: string | null,
): Promise<AgentProfile> {
  if (!agentId) {
    const knowledgeBases = await knowledgeBasesOf(ctx, ownerId);
    return {
      id: null,
      ownerId,
      name: "Assistant",
      instructions: "",
      tools: knowledgeBases.length > 0 ? ["calculator", "kb_retrieve"] : ["calculator"],
      knowledgeBases,
      connectors: [],
      model: null,
      temperature: null,
      maxIterations: null,
    };
  }
  const row = await ctx.db.agent.findFirst({
    where: { id: agentId, userId: ownerId },
    select: {
      id: true,
      name: true,
      instructions: true,
      modelSettings: true,
      tools: true,
      knowledgeBaseIds: true,
      connectorIds: true,
    },
  });
  if (!row) throw notFound("Agent");
  const settingsValue = parseJson(row.modelSettings, {});
  const settings =
    settingsValue && typeof settingsValue === "object" && !Array.isArray(settingsValue)
      ? (settingsValue as Record<string, unknown>)
      : {};
  const knowledgeBases = await knowledgeBasesOf(ctx, ownerId, stringList(row.knowledgeBaseIds));
  const connectors = await connectorsOf(ctx, ownerId, stringList(row.connectorIds));
  // Attaching knowledge bases or connectors to an agent is what lets it use them; the tool list
  // decides the rest (an empty list: every tool that has something to work on).
  const named = new Set(stringList(row.tools));
  const tools = TOOL_NAMES.filter((tool) => {
    if (tool === "kb_retrieve") return knowledgeBases.length > 0;
    if (tool === "connector_call") return connectors.length > 0;
    return named.size === 0 || named.has(tool);
  });
  return {
    id: row.id,
    ownerId,
    name: row.name,
    instructions: row.instructions,
    tools,
    knowledgeBases,
    connectors,
    model: typeof settings.model === "string" && settings.model.trim() !== "" ? settings.model : null,
    temperature: numberSetting(settings, "temperature"),
    maxIterations: numberSetting(settings, "max_iterations"),
  };
}
