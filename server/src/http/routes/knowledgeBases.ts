// /api/knowledge-bases: the caller's knowledge bases, their documents, and retrieval (scope `kb`).
import { MAX_CHUNK_CHARS } from "../../lib/chunking.ts";
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
import { defineRoute } from "../route.ts";
import { idParams, page, pageQuery } from "../schemas.ts";
import { z } from "../zod.ts";

const knowledgeBaseView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  document_count: z.number().int(),
  chunk_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const metadata = z.record(z.string(), z.unknown());

const documentView = z.object({
  id: z.string(),
  knowledge_base_id: z.string(),
  title: z.string(),
  format: z.enum(["text", "markdown"]),
  metadata,
  content_length: z.number().int(),
  chunk_count: z.number().int(),
  created_at: z.string(),
});

const documentParams = z.object({ id: z.string().min(1).max(100), documentId: z.string().min(1).max(100) });

const retrievalResult = z.object({
  content: z.string(),
  score: z.number().meta({ description: "BM25 relevance; higher is better" }),
  document_id: z.string(),
  metadata: metadata.meta({ description: "The document's metadata, as given when it was added" }),
  document_title: z.string(),
  chunk_index: z.number().int().meta({ description: "Position of the passage in its document, from 0" }),
});

const kb = { scope: "kb" } as const;

export const knowledgeBaseRoutes = [
  defineRoute({
    method: "get",
    path: "/api/knowledge-bases",
    tag: "knowledge-bases",
    summary: "The caller's knowledge bases, newest first",
    access: kb,
    query: pageQuery,
    success: { status: 200, description: "A page of knowledge bases", schema: page(knowledgeBaseView) },
    handler: ({ ctx, principal, query }) => listKnowledgeBases(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/knowledge-bases",
    tag: "knowledge-bases",
    summary: "Create a knowledge base",
    access: kb,
    body: z.strictObject({ name: z.string().max(200), description: z.string().max(2000).optional() }),
    success: { status: 201, description: "The new knowledge base", schema: knowledgeBaseView },
    // 403 quota_exceeded: the account holds QUOTA_KNOWLEDGE_BASES knowledge bases already.
    errors: [403],
    handler: ({ ctx, principal, body }) => createKnowledgeBase(ctx, principal.user.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/knowledge-bases/:id",
    tag: "knowledge-bases",
    summary: "One of the caller's knowledge bases",
    access: kb,
    params: idParams,
    success: { status: 200, description: "The knowledge base", schema: knowledgeBaseView },
    errors: [404],
    handler: ({ ctx, principal, params }) => getKnowledgeBase(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/knowledge-bases/:id",
    tag: "knowledge-bases",
    summary: "Rename a knowledge base or change its description",
    access: kb,
    params: idParams,
    body: z.strictObject({ name: z.string().max(200).optional(), description: z.string().max(2000).optional() }),
    success: { status: 200, description: "The updated knowledge base", schema: knowledgeBaseView },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => updateKnowledgeBase(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "delete",
    path: "/api/knowledge-bases/:id",
    tag: "knowledge-bases",
    summary: "Delete a knowledge base with all its documents; agents stop using it",
    access: kb,
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params }) => {
      await deleteKnowledgeBase(ctx, principal.user.id, params.id);
      return undefined;
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/knowledge-bases/:id/documents",
    tag: "knowledge-bases",
    summary: `Add a document; it is split into passages of at most ${MAX_CHUNK_CHARS} characters on paragraph boundaries`,
    access: kb,
    params: idParams,
    body: z.strictObject({
      title: z.string().max(MAX_TITLE_CHARS),
      content: z.string().min(1).max(MAX_DOCUMENT_CHARS),
      format: z.enum(["text", "markdown"]).default("text"),
      metadata: metadata.optional().meta({
        description: "Any JSON object (at most 16 KB, nested at most 10 levels); returned with retrieval results",
      }),
    }),
    success: { status: 201, description: "The stored document", schema: documentView },
    // 403 quota_exceeded: past the account's QUOTA_DOCUMENTS documents or QUOTA_STORAGE_MB of content.
    errors: [403, 404],
    handler: ({ ctx, principal, params, body }) => addDocument(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/knowledge-bases/:id/documents",
    tag: "knowledge-bases",
    summary: "The documents of a knowledge base, newest first (without their content)",
    access: kb,
    params: idParams,
    query: pageQuery,
    success: { status: 200, description: "A page of documents", schema: page(documentView) },
    errors: [404],
    handler: ({ ctx, principal, params, query }) => listDocuments(ctx, principal.user.id, params.id, query),
  }),
  defineRoute({
    method: "get",
    path: "/api/knowledge-bases/:id/documents/:documentId",
    tag: "knowledge-bases",
    summary: "One document with its content",
    access: kb,
    params: documentParams,
    success: { status: 200, description: "The document", schema: documentView.extend({ content: z.string() }) },
    errors: [404],
    handler: ({ ctx, principal, params }) => getDocument(ctx, principal.user.id, params.id, params.documentId),
  }),
  defineRoute({
    method: "delete",
    path: "/api/knowledge-bases/:id/documents/:documentId",
    tag: "knowledge-bases",
    summary: "Delete a document and its passages",
    access: kb,
    params: documentParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params }) => {
      await deleteDocument(ctx, principal.user.id, params.id, params.documentId);
      return undefined;
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/knowledge-bases/:id/retrieve",
    tag: "knowledge-bases",
    summary: "The passages most relevant to a query, best first (BM25); no match gives an empty list",
    access: kb,
    params: idParams,
    body: z.strictObject({
      query: z.string().min(1).max(2000),
      top_k: z.number().int().min(1).max(50).default(5),
    }),
    success: {
      status: 200,
      description: "Ranked passages",
      schema: z.object({ results: z.array(retrievalResult) }),
    },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => retrieve(ctx, principal.user.id, params.id, body),
  }),
];
