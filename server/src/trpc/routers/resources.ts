// Agents, knowledge bases and connectors for the portal: thin adapters over the same services and
// contracts as /api/agents, /api/knowledge-bases and /api/connectors, behind the same scope rules.
import { agent, createAgentBody, updateAgentBody } from "../../contracts/agents.ts";
import { idParams, ok, page, pageQuery } from "../../contracts/common.ts";
import { connector, createConnectorBody, updateConnectorBody } from "../../contracts/connectors.ts";
import {
  addDocumentBody,
  createKnowledgeBaseBody,
  document,
  documentWithContent,
  knowledgeBase,
  retrieval,
  retrieveBody,
  updateKnowledgeBaseBody,
} from "../../contracts/knowledgeBases.ts";
import { createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../../services/agents.ts";
import {
  createConnector,
  deleteConnector,
  getConnector,
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
  retrieve,
  updateKnowledgeBase,
} from "../../services/knowledgeBases.ts";
import { needs, router } from "../trpc.ts";

const agentsProcedure = needs({ scope: "agents" });
const kbProcedure = needs({ scope: "kb" });
const connectorsProcedure = needs({ scope: "connectors" });

const done = { ok: true as const };
const documentIds = idParams.extend({ document_id: idParams.shape.id });

export const agentsRouter = router({
  list: agentsProcedure
    .input(pageQuery)
    .output(page(agent))
    .query(({ ctx, input }) => listAgents(ctx.app, ctx.userId, input)),
  get: agentsProcedure
    .input(idParams)
    .output(agent)
    .query(({ ctx, input }) => getAgent(ctx.app, ctx.userId, input.id)),
  create: agentsProcedure
    .input(createAgentBody)
    .output(agent)
    .mutation(({ ctx, input }) => createAgent(ctx.app, ctx.userId, input)),
  update: agentsProcedure
    .input(updateAgentBody.extend(idParams.shape))
    .output(agent)
    .mutation(({ ctx, input: { id, ...changes } }) => updateAgent(ctx.app, ctx.userId, id, changes)),
  delete: agentsProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteAgent(ctx.app, ctx.userId, input.id);
      return done;
    }),
});

export const knowledgeBasesRouter = router({
  list: kbProcedure
    .input(pageQuery)
    .output(page(knowledgeBase))
    .query(({ ctx, input }) => listKnowledgeBases(ctx.app, ctx.userId, input)),
  get: kbProcedure
    .input(idParams)
    .output(knowledgeBase)
    .query(({ ctx, input }) => getKnowledgeBase(ctx.app, ctx.userId, input.id)),
  create: kbProcedure
    .input(createKnowledgeBaseBody)
    .output(knowledgeBase)
    .mutation(({ ctx, input }) => createKnowledgeBase(ctx.app, ctx.userId, input)),
  update: kbProcedure
    .input(updateKnowledgeBaseBody.extend(idParams.shape))
    .output(knowledgeBase)
    .mutation(({ ctx, input: { id, ...changes } }) => updateKnowledgeBase(ctx.app, ctx.userId, id, changes)),
  delete: kbProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteKnowledgeBase(ctx.app, ctx.userId, input.id);
      return done;
    }),
  documents: kbProcedure
    .input(pageQuery.extend(idParams.shape))
    .output(page(document))
    .query(({ ctx, input: { id, ...query } }) => listDocuments(ctx.app, ctx.userId, id, query)),
  document: kbProcedure
    .input(documentIds)
    .output(documentWithContent)
    .query(({ ctx, input }) => getDocument(ctx.app, ctx.userId, input.id, input.document_id)),
  addDocument: kbProcedure
    .input(addDocumentBody.extend(idParams.shape))
    .output(document)
    .mutation(({ ctx, input: { id, ...body } }) => addDocument(ctx.app, ctx.userId, id, body)),
  deleteDocument: kbProcedure
    .input(documentIds)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteDocument(ctx.app, ctx.userId, input.id, input.document_id);
      return done;
    }),
  retrieve: kbProcedure
    .input(retrieveBody.extend(idParams.shape))
    .output(retrieval)
    .query(({ ctx, input: { id, ...body } }) => retrieve(ctx.app, ctx.userId, id, body)),
});

export const connectorsRouter = router({
  list: connectorsProcedure
    .input(pageQuery)
    .output(page(connector))
    .query(({ ctx, input }) => listConnectors(ctx.app, ctx.userId, input)),
  get: connectorsProcedure
    .input(idParams)
    .output(connector)
    .query(({ ctx, input }) => getConnector(ctx.app, ctx.userId, input.id)),
  create: connectorsProcedure
    .input(createConnectorBody)
    .output(connector)
    .mutation(({ ctx, input }) => createConnector(ctx.app, ctx.userId, input)),
  update: connectorsProcedure
    .input(updateConnectorBody.extend(idParams.shape))
    .output(connector)
    .mutation(({ ctx, input: { id, ...changes } }) => updateConnector(ctx.app, ctx.userId, id, changes)),
  delete: connectorsProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteConnector(ctx.app, ctx.userId, input.id);
      return done;
    }),
});
