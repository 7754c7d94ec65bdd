// The services the agent's tools act through: knowledge-base retrieval and connector calls.
// Both enforce ownership themselves (another user's knowledge base or connector is not_found).
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";

export interface RetrievedPassage {
  content: string;
  score: number;
  document_id: string;
  metadata: unknown;
}

export async function retrievePassages(
  _ctx: AppContext,
  _ownerId: string,
  _knowledgeBaseId: string,
  _input: { query: string; top_k?: number },
): Promise<{ results: RetrievedPassage[] }> {
  throw new AppError("internal_error", "knowledge-base retrieval is not available yet");
}

export async function callConnector(
  _ctx: AppContext,
  _ownerId: string,
  _connectorId: string,
  _action: string,
  _input: { params?: Record<string, unknown>; body?: unknown },
  _signal?: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  throw new AppError("internal_error", "connector calls are not available yet");
}
