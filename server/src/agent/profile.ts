// Which agent a run speaks as: its instructions, model settings, tools, knowledge bases and
// connectors. Without an agent_id the default agent uses the calculator and every knowledge
// base of the caller.
import type { AppContext } from "../context.ts";
import {
  allKnowledgeBases,
  type ConnectorRef,
  connectorsById,
  type KnowledgeBaseRef,
  knowledgeBasesById,
  loadAgent,
} from "./resources.ts";

export type { ConnectorRef, KnowledgeBaseRef };

export const TOOL_NAMES = ["calculator", "kb_retrieve", "connector_call"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

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

/** The agent for a run; another user's agent id is not_found, like a missing one. */
export async function loadAgentProfile(
  ctx: AppContext,
  ownerId: string,
  agentId?: string | null,
): Promise<AgentProfile> {
  if (!agentId) {
    const knowledgeBases = await allKnowledgeBases(ctx, ownerId);
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
  const agent = await loadAgent(ctx, ownerId, agentId);
  const knowledgeBases = await knowledgeBasesById(ctx, ownerId, agent.knowledge_base_ids);
  const connectors = await connectorsById(ctx, ownerId, agent.connector_ids);
  // A non-empty tool list is what the agent may use; an empty one means every tool that has
  // something to work on. Either way kb_retrieve needs knowledge bases and connector_call
  // connectors.
  const named = new Set<string>(agent.tools);
  const tools = TOOL_NAMES.filter((tool) => {
    if (named.size > 0 && !named.has(tool)) return false;
    if (tool === "kb_retrieve") return knowledgeBases.length > 0;
    if (tool === "connector_call") return connectors.length > 0;
    return true;
  });
  return {
    id: agent.id,
    ownerId,
    name: agent.name,
    instructions: agent.instructions,
    tools,
    knowledgeBases,
    connectors,
    model: agent.model_settings.model ?? null,
    temperature: agent.model_settings.temperature ?? null,
    maxIterations: agent.model_settings.max_iterations ?? null,
  };
}
