// The other services the agent reaches, in one place: agents, knowledge bases (names and
// retrieval) and connectors (descriptions and calls). Each enforces ownership itself: another
// user's agent, knowledge base or connector is not_found.
import type { AppContext } from "../context.ts";
import type { Agent } from "../contracts/agents.ts";
import { AppError } from "../errors.ts";
import { getAgent } from "../services/agents.ts";
import { callConnectorAction, getConnector } from "../services/connectors.ts";
import { getKnowledgeBase, retrieve } from "../services/knowledgeBases.ts";

export type { Agent };

export interface RetrievedPassage {
  content: string;
  score: number;
  document_id: string;
  metadata: unknown;
  document_title?: string;
}

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

export function loadAgent(ctx: AppContext, ownerId: string, agentId: string): Promise<Agent> {
  return getAgent(ctx, ownerId, agentId);
}

/** Skips what has been deleted since it was attached (the service detaches, but races happen). */
async function unlessGone<T>(load: Promise<T>): Promise<T[]> {
  try {
    return [await load];
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return [];
    throw error;
  }
}

export async function knowledgeBasesById(ctx: AppContext, ownerId: string, ids: string[]): Promise<KnowledgeBaseRef[]> {
  const found = await Promise.all(ids.map((id) => unlessGone(getKnowledgeBase(ctx, ownerId, id))));
  return found.flat().map((kb) => ({ id: kb.id, name: kb.name }));
}

/** Every knowledge base of the user, oldest first (the default agent reads them all). */
export function allKnowledgeBases(ctx: AppContext, ownerId: string): Promise<KnowledgeBaseRef[]> {
  return ctx.knowledgeBaseNames.add(ownerId);
}

export async function connectorsById(ctx: AppContext, ownerId: string, ids: string[]): Promise<ConnectorRef[]> {
  const found = await Promise.all(ids.map((id) => unlessGone(getConnector(ctx, ownerId, id))));
  // Only what the agent needs to know about a connector; the view never carries the secret.
  return found.flat().map((connector) => ({
    id: connector.id,
    name: connector.name,
    description: connector.description,
    actions: connector.actions.map((action) => ({ ...action })),
  }));
}

export function retrievePassages(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  input: { query: string; top_k?: number },
): Promise<{ results: RetrievedPassage[] }> {
  return retrieve(ctx, ownerId, knowledgeBaseId, input);
}

export async function callConnector(
  ctx: AppContext,
  ownerId: string,
  connectorId: string,
  action: string,
  input: { params?: Record<string, unknown>; body?: unknown },
  signal?: AbortSignal,
): Promise<{ status: number; body: unknown; truncated?: boolean }> {
  return callConnectorAction(ctx, ownerId, connectorId, action, input, signal);
}
