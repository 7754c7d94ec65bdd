// /api/agents: the caller's agents (scope `agents`).
import { agent, createAgentBody, updateAgentBody } from "../../contracts/agents.ts";
import { idParams, page, pageQuery } from "../../contracts/common.ts";
import { createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../../services/agents.ts";
import { defineRoute } from "../route.ts";

const agents = { scope: "agents" } as const;

export const agentRoutes = [
  defineRoute({
    method: "get",
    path: "/api/agents",
    operationId: "listAgents",
    tag: "agents",
    summary: "The caller's agents, newest first",
    access: agents,
    query: pageQuery,
    success: { status: 200, description: "A page of agents", schema: page(agent) },
    handler: ({ ctx, principal, query }) => listAgents(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/agents",
    operationId: "createAgent",
    tag: "agents",
    summary: "Create an agent",
    access: agents,
    body: createAgentBody,
    success: { status: 201, description: "The new agent", schema: agent },
    handler: ({ ctx, principal, body }) => createAgent(ctx, principal.user.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/agents/:id",
    operationId: "getAgent",
    tag: "agents",
    summary: "One of the caller's agents",
    access: agents,
    params: idParams,
    success: { status: 200, description: "The agent", schema: agent },
    errors: [404],
    handler: ({ ctx, principal, params }) => getAgent(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/agents/:id",
    operationId: "updateAgent",
    tag: "agents",
    summary: "Change an agent; lists and model_settings given here replace the old ones",
    access: agents,
    params: idParams,
    body: updateAgentBody,
    success: { status: 200, description: "The updated agent", schema: agent },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => updateAgent(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "delete",
    path: "/api/agents/:id",
    operationId: "deleteAgent",
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
