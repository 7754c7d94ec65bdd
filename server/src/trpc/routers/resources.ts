// Agents, knowledge bases and connectors for the portal: thin adapters over the same services and
// contracts as /api/agents, /api/knowledge-bases and /api/connectors, behind the same scope rules.
import * as agentContract from "../../contracts/agents.ts";
import { idParams, ok, page, pageQuery } from "../../contracts/common.ts";
import * as connectorContract from "../../contracts/connectors.ts";
import * as kbContract from "../../contracts/knowledgeBases.ts";
import * as agents from "../../services/agents.ts";
import * as connectors from "../../services/connectors.ts";
import * as knowledgeBases from "../../services/knowledgeBases.ts";
import { needs, router } from "../trpc.ts";

const agentsProcedure = needs({ scope: "agents" });
const kbProcedure = needs({ scope: "kb" });
const connectorsProcedure = needs({ scope: "connectors" });

const done = { ok: true as const };
const documentIds = idParams.extend({ document_id: idParams.shape.id });

export const agentsRouter = router({
  list: agentsProcedure
    .input(pageQuery)
    .output(page(agentContract.agent))
    .query(({ ctx, input }) => agents.listAgents(ctx.app, ctx.userId, input)),
  get: agentsProcedure
    .input(idParams)
    .output(agentContract.agent)
    .query(({ ctx, input }) => agents.getAgent(ctx.app, ctx.userId, input.id)),
  create: agentsProcedure
    .input(agentContract.createAgentBody)
    .output(agentContract.agent)
    .mutation(({ ctx, input }) => agents.createAgent(ctx.app, ctx.userId, input)),
  update: agentsProcedure
    .input(agentContract.updateAgentBody.extend(idParams.shape))
    .output(agentContract.agent)
    .mutation(({ ctx, input: { id, ...changes } }) => agents.updateAgent(ctx.app, ctx.userId, id, changes)),
  delete: agentsProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await agents.deleteAgent(ctx.app, ctx.userId, input.id);
      return done;
    }),
});

export const knowledgeBasesRouter = router({
  list: kbProcedure
    .input(pageQuery)
    .output(page(kbContract.knowledgeBase))
    .query(({ ctx, input }) => knowledgeBases.listKnowledgeBases(ctx.app, ctx.userId, input)),
  get: kbProcedure
    .input(idParams)
    .output(kbContract.knowledgeBase)
    .query(({ ctx, input }) => knowledgeBases.getKnowledgeBase(ctx.app, ctx.userId, input.id)),
  create: kbProcedure
    .input(kbContract.createKnowledgeBaseBody)
    .output(kbContract.knowledgeBase)
    .mutation(({ ctx, input }) => knowledgeBases.createKnowledgeBase(ctx.app, ctx.userId, input)),
  update: kbProcedure
    .input(kbContract.updateKnowledgeBaseBody.extend(idParams.shape))
    .output(kbContract.knowledgeBase)
    .mutation(({ ctx, input: { id, ...changes } }) =>
      knowledgeBases.updateKnowledgeBase(ctx.app, ctx.userId, id, changes),
    ),
  delete: kbProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await knowledgeBases.deleteKnowledgeBase(ctx.app, ctx.userId, input.id);
      return done;
    }),
  documents: kbProcedure
    .input(pageQuery.extend(idParams.shape))
    .output(page(kbContract.document))
    .query(({ ctx, input: { id, ...query } }) => knowledgeBases.listDocuments(ctx.app, ctx.userId, id, query)),
  document: kbProcedure
    .input(documentIds)
    .output(kbContract.documentWithContent)
    .query(({ ctx, input }) => knowledgeBases.getDocument(ctx.app, ctx.userId, input.id, input.document_id)),
  addDocument: kbProcedure
    .input(kbContract.addDocumentBody.extend(idParams.shape))
    .output(kbContract.document)
    .mutation(({ ctx, input: { id, ...body } }) => knowledgeBases.addDocument(ctx.app, ctx.userId, id, body)),
  deleteDocument: kbProcedure
    .input(documentIds)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await knowledgeBases.deleteDocument(ctx.app, ctx.userId, input.id, input.document_id);
      return done;
    }),
  retrieve: kbProcedure
    .input(kbContract.retrieveBody.extend(idParams.shape))
    .output(kbContract.retrieval)
    .query(({ ctx, input: { id, ...body } }) => knowledgeBases.retrieve(ctx.app, ctx.userId, id, body)),
});

export const connectorsRouter = router({
  list: connectorsProcedure
    .input(pageQuery)
    .output(page(connectorContract.connector))
    .query(({ ctx, input }) => connectors.listConnectors(ctx.app, ctx.userId, input)),
  get: connectorsProcedure
    .input(idParams)
    .output(connectorContract.connector)
    .query(({ ctx, input }) => connectors.getConnector(ctx.app, ctx.userId, input.id)),
  create: connectorsProcedure
    .input(connectorContract.createConnectorBody)
    .output(connectorContract.connector)
    .mutation(({ ctx, input }) => connectors.createConnector(ctx.app, ctx.userId, input)),
  update: connectorsProcedure
    .input(connectorContract.updateConnectorBody.extend(idParams.shape))
    .output(connectorContract.connector)
    .mutation(({ ctx, input: { id, ...changes } }) => connectors.updateConnector(ctx.app, ctx.userId, id, changes)),
  delete: connectorsProcedure
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await connectors.deleteConnector(ctx.app, ctx.userId, input.id);
      return done;
    }),
  test: connectorsProcedure
    .input(idParams)
    .output(connectorContract.connectorTest)
    .mutation(({ ctx, input }) => connectors.testConnector(ctx.app, ctx.userId, input.id)),
});
