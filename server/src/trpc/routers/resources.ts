// Agents, knowledge bases and connectors for the portal: thin adapters over the same services as
// /api/agents, /api/knowledge-bases and /api/connectors, behind the same scope rules.
import { z } from "zod";
import { assertAccess, type Scope } from "../../auth/scopes.ts";
import { AGENT_TOOLS, createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../../services/agents.ts";
import {
  createConnector,
  deleteConnector,
  getConnector,
  HTTP_METHODS,
  listConnectors,
  updateConnector,
} from "../../services/connectors.ts";
import {
  addDocument,
  createKnowledgeBase,
  deleteDocument,
  deleteKnowledgeBase,
  getDocument,
  getKnowledgeBase,
  listDocuments,
  listKnowledgeBases,
  MAX_DOCUMENT_CHARS,
  MAX_TITLE_CHARS,
  retrieve,
  updateKnowledgeBase,
} from "../../services/knowledgeBases.ts";
import { id, ok, page, pageInput } from "../schemas.ts";
import { protectedProcedure, router } from "../trpc.ts";

/** Login sessions hold every scope; the check is kept so the rule reads as it does on REST. */
function scoped(scope: Scope) {
  return protectedProcedure.use(({ ctx, next }) => {
    assertAccess(ctx.principal, { scope });
    return next();
  });
}

const agentsProcedure = scoped("agents");
const kbProcedure = scoped("kb");
const connectorsProcedure = scoped("connectors");

// ---- agents -----------------------------------------------------------------------------------

const modelSettings = z.object({
  model: z.string().max(200).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_iterations: z.number().int().min(1).max(50).optional(),
});
const idList = z.array(z.string().min(1).max(100)).max(50);
const agentInput = z.object({
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  instructions: z.string().max(20_000).optional(),
  model_settings: modelSettings.optional(),
  tools: z.array(z.enum(AGENT_TOOLS)).max(AGENT_TOOLS.length).optional(),
  knowledge_base_ids: idList.optional(),
  connector_ids: idList.optional(),
});
const agent = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  instructions: z.string(),
  model_settings: modelSettings,
  tools: z.array(z.enum(AGENT_TOOLS)),
  knowledge_base_ids: z.array(z.string()),
  connector_ids: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const agentsRouter = router({
  list: agentsProcedure
    .input(pageInput)
    .output(page(agent))
    .query(({ ctx, input }) =>
      listAgents(ctx.app, ctx.userId, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),
  get: agentsProcedure
    .input(z.object({ id }))
    .output(agent)
    .query(({ ctx, input }) => getAgent(ctx.app, ctx.userId, input.id)),
  create: agentsProcedure
    .input(agentInput)
    .output(agent)
    .mutation(({ ctx, input }) => createAgent(ctx.app, ctx.userId, input)),
  update: agentsProcedure
    .input(agentInput.partial().extend({ id }))
    .output(agent)
    .mutation(({ ctx, input: { id: agentId, ...changes } }) => updateAgent(ctx.app, ctx.userId, agentId, changes)),
  delete: agentsProcedure
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteAgent(ctx.app, ctx.userId, input.id);
      return { ok: true as const };
    }),
});

// ---- knowledge bases --------------------------------------------------------------------------

const knowledgeBase = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  document_count: z.number().int(),
  chunk_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
const documentView = z.object({
  id: z.string(),
  knowledge_base_id: z.string(),
  title: z.string(),
  format: z.enum(["text", "markdown"]),
  metadata: z.record(z.string(), z.unknown()),
  content_length: z.number().int(),
  chunk_count: z.number().int(),
  created_at: z.string(),
});

export const knowledgeBasesRouter = router({
  list: kbProcedure
    .input(pageInput)
    .output(page(knowledgeBase))
    .query(({ ctx, input }) =>
      listKnowledgeBases(ctx.app, ctx.userId, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),
  get: kbProcedure
    .input(z.object({ id }))
    .output(knowledgeBase)
    .query(({ ctx, input }) => getKnowledgeBase(ctx.app, ctx.userId, input.id)),
  create: kbProcedure
    .input(z.object({ name: z.string().max(200), description: z.string().max(2000).optional() }))
    .output(knowledgeBase)
    .mutation(({ ctx, input }) => createKnowledgeBase(ctx.app, ctx.userId, input)),
  update: kbProcedure
    .input(z.object({ id, name: z.string().max(200).optional(), description: z.string().max(2000).optional() }))
    .output(knowledgeBase)
    .mutation(({ ctx, input: { id: kbId, ...changes } }) => updateKnowledgeBase(ctx.app, ctx.userId, kbId, changes)),
  delete: kbProcedure
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteKnowledgeBase(ctx.app, ctx.userId, input.id);
      return { ok: true as const };
    }),
  documents: kbProcedure
    .input(pageInput.extend({ id }))
    .output(page(documentView))
    .query(({ ctx, input }) =>
      listDocuments(ctx.app, ctx.userId, input.id, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),
  document: kbProcedure
    .input(z.object({ id, document_id: id }))
    .output(documentView.extend({ content: z.string() }))
    .query(({ ctx, input }) => getDocument(ctx.app, ctx.userId, input.id, input.document_id)),
  addDocument: kbProcedure
    .input(
      z.object({
        id,
        title: z.string().max(MAX_TITLE_CHARS),
        content: z.string().max(MAX_DOCUMENT_CHARS),
        format: z.enum(["text", "markdown"]).default("text"),
      }),
    )
    .output(documentView)
    .mutation(({ ctx, input: { id: kbId, ...document } }) => addDocument(ctx.app, ctx.userId, kbId, document)),
  deleteDocument: kbProcedure
    .input(z.object({ id, document_id: id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteDocument(ctx.app, ctx.userId, input.id, input.document_id);
      return { ok: true as const };
    }),
  retrieve: kbProcedure
    .input(z.object({ id, query: z.string().min(1).max(2000), top_k: z.number().int().min(1).max(50).default(5) }))
    .output(
      z.object({
        results: z.array(
          z.object({
            content: z.string(),
            score: z.number(),
            document_id: z.string(),
            metadata: z.record(z.string(), z.unknown()),
            document_title: z.string(),
            chunk_index: z.number().int(),
          }),
        ),
      }),
    )
    .query(({ ctx, input }) => retrieve(ctx.app, ctx.userId, input.id, { query: input.query, top_k: input.top_k })),
});

// ---- connectors -------------------------------------------------------------------------------

const action = z.object({
  name: z.string().max(64),
  method: z.enum(HTTP_METHODS),
  path: z.string().max(500),
  description: z.string().max(1000).optional(),
});
const connectorInput = z.object({
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  base_url: z.string().max(2000),
  /** The secret header value; write-only (null removes it, absent keeps it). */
  auth_header: z.string().max(8192).nullable().optional(),
  auth_header_name: z.string().max(100).optional(),
  actions: z.array(action).max(50).optional(),
});
const connector = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  base_url: z.string(),
  auth_header_name: z.string(),
  has_secret: z.boolean(),
  actions: z.array(action.extend({ description: z.string() })),
  created_at: z.string(),
  updated_at: z.string(),
});

export const connectorsRouter = router({
  list: connectorsProcedure
    .input(pageInput)
    .output(page(connector))
    .query(({ ctx, input }) =>
      listConnectors(ctx.app, ctx.userId, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),
  get: connectorsProcedure
    .input(z.object({ id }))
    .output(connector)
    .query(({ ctx, input }) => getConnector(ctx.app, ctx.userId, input.id)),
  create: connectorsProcedure
    .input(connectorInput)
    .output(connector)
    .mutation(({ ctx, input }) => createConnector(ctx.app, ctx.userId, input)),
  update: connectorsProcedure
    .input(connectorInput.partial().extend({ id }))
    .output(connector)
    .mutation(({ ctx, input: { id: connectorId, ...changes } }) =>
      updateConnector(ctx.app, ctx.userId, connectorId, changes),
    ),
  delete: connectorsProcedure
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteConnector(ctx.app, ctx.userId, input.id);
      return { ok: true as const };
    }),
});
