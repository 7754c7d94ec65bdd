// /api/agents: the caller's agents (scope `agents`).
import { AGENT_TOOLS, createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../../services/agents.ts";
import { defineRoute } from "../route.ts";
import { idParams, page, pageQuery } from "../schemas.ts";
import { z } from "../zod.ts";

const modelSettings = z
  .strictObject({
    model: z.string().max(200).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_iterations: z.number().int().min(1).max(50).optional(),
  })
  .meta({
    description: "Model overrides for runs with this agent",
    example: { model: "gpt-4o-mini", temperature: 0.2 },
  });

const toolName = z.enum(AGENT_TOOLS);
const idList = z.array(z.string().min(1).max(100)).max(50);

const agentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  instructions: z.string(),
  model_settings: z.object({
    model: z.string().optional(),
    temperature: z.number().optional(),
    max_iterations: z.number().int().optional(),
  }),
  tools: z.array(toolName),
  knowledge_base_ids: z.array(z.string()),
  connector_ids: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

const agentFields = {
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  instructions: z.string().max(20_000).optional(),
  model_settings: modelSettings.optional(),
  tools: z
    .array(toolName)
    .max(AGENT_TOOLS.length * 2)
    .optional(),
  knowledge_base_ids: idList.optional().meta({ description: "Your own knowledge bases the agent may search" }),
  connector_ids: idList.optional().meta({ description: "Your own connectors the agent may call" }),
};

const agents = { scope: "agents" } as const;

export const agentRoutes = [
  defineRoute({
    method: "get",
    path: "/api/agents",
    tag: "agents",
    summary: "The caller's agents, newest first",
    access: agents,
    query: pageQuery,
    success: { status: 200, description: "A page of agents", schema: page(agentView) },
    handler: ({ ctx, principal, query }) => listAgents(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/agents",
    tag: "agents",
    summary: "Create an agent",
    access: agents,
    body: z.strictObject(agentFields),
    success: { status: 201, description: "The new agent", schema: agentView },
    handler: ({ ctx, principal, body }) => createAgent(ctx, principal.user.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/agents/:id",
    tag: "agents",
    summary: "One of the caller's agents",
    access: agents,
    params: idParams,
    success: { status: 200, description: "The agent", schema: agentView },
    errors: [404],
    handler: ({ ctx, principal, params }) => getAgent(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/agents/:id",
    tag: "agents",
    summary: "Change an agent; lists and model_settings given here replace the old ones",
    access: agents,
    params: idParams,
    body: z.strictObject({ ...agentFields, name: agentFields.name.optional() }),
    success: { status: 200, description: "The updated agent", schema: agentView },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => updateAgent(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "delete",
    path: "/api/agents/:id",
    tag: "agents",
    summary: "Delete an agent",
    access: agents,
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params }) => {
      await deleteAgent(ctx, principal.user.id, params.id);
      return undefined;
    },
  }),
];
