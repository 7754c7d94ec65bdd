// Agents: a named configuration for runs (instructions, model settings, the tools it may use,
// the knowledge bases and connectors it reads). Each belongs to one user; the lists it refers
// to must be that user's own.
import type { Prisma } from "@fim/db";
import type { AppContext } from "../context.ts";
import {
  AGENT_TOOLS,
  type Agent,
  type AgentInput,
  type AgentTool,
  type ModelSettings,
  modelSettings,
} from "../contracts/agents.ts";
import { z } from "../contracts/common.ts";
import { notFound, validationError } from "../errors.ts";
import { readJsonColumn } from "./jsonColumn.ts";
import { ownedBy } from "./ownership.ts";
import { type PageRequest, pageArgs, toPage } from "./paging.ts";

const agentSelect = {
  id: true,
  name: true,
  description: true,
  instructions: true,
  modelSettings: true,
  tools: true,
  knowledgeBaseIds: true,
  connectorIds: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.AgentSelect;

type AgentRow = Prisma.AgentGetPayload<{ select: typeof agentSelect }>;

const stringList = z.array(z.string());

function readStringList(stored: string): string[] {
  return readJsonColumn(stored, stringList, []);
}

function readModelSettings(stored: string): ModelSettings {
  return readJsonColumn(stored, modelSettings, {});
}

export function toPublicAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    model_settings: readModelSettings(row.modelSettings),
    tools: readStringList(row.tools).filter((tool): tool is AgentTool =>
      (AGENT_TOOLS as readonly string[]).includes(tool),
    ),
    knowledge_base_ids: readStringList(row.knowledgeBaseIds),
    connector_ids: readStringList(row.connectorIds),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") throw validationError("name", "must not be empty");
  return trimmed;
}

function cleanModelSettings(settings: ModelSettings): ModelSettings {
  const clean: ModelSettings = {};
  const model = settings.model?.trim();
  if (model) clean.model = model;
  if (settings.temperature !== undefined) clean.temperature = settings.temperature;
  if (settings.max_iterations !== undefined) clean.max_iterations = settings.max_iterations;
  return clean;
}

/** Checks that every id names one of the owner's rows; anything else is a validation error. */
async function assertOwnedIds(
  ctx: AppContext,
  ownerId: string,
  ids: string[],
  field: "knowledge_base_ids" | "connector_ids",
): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return unique;
  const where = { userId: ownerId, id: { in: unique } };
  const found =
    field === "knowledge_base_ids"
      ? await ctx.db.knowledgeBase.findMany({ where, select: { id: true } })
      : await ctx.db.connector.findMany({ where, select: { id: true } });
  const known = new Set(found.map((row) => row.id));
  const missing = unique.filter((id) => !known.has(id));
  if (missing.length > 0) {
    const what = field === "knowledge_base_ids" ? "knowledge base" : "connector";
    throw validationError(field, `no ${what} of yours has the id ${missing.map((id) => `"${id}"`).join(", ")}`);
  }
  return unique;
}

async function ownedAgent(ctx: AppContext, ownerId: string, agentId: string): Promise<AgentRow> {
  const row = await ctx.db.agent.findUnique({ where: { id: agentId }, select: { ...agentSelect, userId: true } });
  return ownedBy(row, ownerId, "Agent");
}

export async function listAgents(
  ctx: AppContext,
  ownerId: string,
  query: PageRequest,
): Promise<{ items: Agent[]; next_cursor: string | null }> {
  const rows = await ctx.db.agent.findMany({
    where: { userId: ownerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
    select: agentSelect,
  });
  return toPage(rows, query, toPublicAgent);
}

export async function getAgent(ctx: AppContext, ownerId: string, agentId: string): Promise<Agent> {
  return toPublicAgent(await ownedAgent(ctx, ownerId, agentId));
}

export async function createAgent(ctx: AppContext, ownerId: string, input: AgentInput): Promise<Agent> {
  const knowledgeBaseIds = await assertOwnedIds(ctx, ownerId, input.knowledge_base_ids ?? [], "knowledge_base_ids");
  const connectorIds = await assertOwnedIds(ctx, ownerId, input.connector_ids ?? [], "connector_ids");
  const row = await ctx.db.agent.create({
    data: {
      userId: ownerId,
      name: cleanName(input.name),
      description: input.description ?? "",
      instructions: input.instructions ?? "",
      modelSettings: JSON.stringify(cleanModelSettings(input.model_settings ?? {})),
      tools: JSON.stringify([...new Set(input.tools ?? [])]),
      knowledgeBaseIds: JSON.stringify(knowledgeBaseIds),
      connectorIds: JSON.stringify(connectorIds),
      createdAt: ctx.clock.now(),
      updatedAt: ctx.clock.now(),
    },
    select: agentSelect,
  });
  return toPublicAgent(row);
}

/** Changes the given fields; lists and model_settings are replaced as a whole. */
export async function updateAgent(
  ctx: AppContext,
  ownerId: string,
  agentId: string,
  input: Partial<AgentInput>,
): Promise<Agent> {
  await ownedAgent(ctx, ownerId, agentId);
  const data: Prisma.AgentUpdateInput = { updatedAt: ctx.clock.now() };
  if (input.name !== undefined) data.name = cleanName(input.name);
  if (input.description !== undefined) data.description = input.description;
  if (input.instructions !== undefined) data.instructions = input.instructions;
  if (input.model_settings !== undefined) data.modelSettings = JSON.stringify(cleanModelSettings(input.model_settings));
  if (input.tools !== undefined) data.tools = JSON.stringify([...new Set(input.tools)]);
  if (input.knowledge_base_ids !== undefined) {
    data.knowledgeBaseIds = JSON.stringify(
      await assertOwnedIds(ctx, ownerId, input.knowledge_base_ids, "knowledge_base_ids"),
    );
  }
  if (input.connector_ids !== undefined) {
    data.connectorIds = JSON.stringify(await assertOwnedIds(ctx, ownerId, input.connector_ids, "connector_ids"));
  }
  const row = await ctx.db.agent.update({ where: { id: agentId }, data, select: agentSelect });
  return toPublicAgent(row);
}

export async function deleteAgent(ctx: AppContext, ownerId: string, agentId: string): Promise<void> {
  const result = await ctx.db.agent.deleteMany({ where: { id: agentId, userId: ownerId } });
  if (result.count === 0) throw notFound("Agent");
}

/**
 * Removes a deleted knowledge base or connector from the owner's agents, so no agent keeps
 * pointing at something that is gone.
 */
export async function detachFromAgents(
  ctx: AppContext,
  ownerId: string,
  kind: "knowledge_base" | "connector",
  id: string,
): Promise<void> {
  const column = kind === "knowledge_base" ? "knowledgeBaseIds" : "connectorIds";
  // JSON text: a substring match finds the candidates, the rewrite below is exact.
  const rows = await ctx.db.agent.findMany({
    where: { userId: ownerId, [column]: { contains: JSON.stringify(id) } },
    select: { id: true, knowledgeBaseIds: true, connectorIds: true },
  });
  for (const row of rows) {
    const kept = readStringList(row[column]).filter((existing) => existing !== id);
    await ctx.db.agent.update({ where: { id: row.id }, data: { [column]: JSON.stringify(kept) } });
  }
}
