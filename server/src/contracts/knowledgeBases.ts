// Knowledge bases, their documents, and retrieval.
import { id, instant, z } from "./common.ts";

export const MAX_KB_NAME_CHARS = 200;
export const MAX_KB_DESCRIPTION_CHARS = 2000;
export const MAX_DOCUMENT_TITLE_CHARS = 500;
export const MAX_DOCUMENT_CHARS = 1_000_000;
export const MAX_METADATA_BYTES = 16_384;
/** Nesting levels of objects and arrays in a document's metadata (the root is level 1). */
export const MAX_METADATA_DEPTH = 10;
export const MAX_QUERY_CHARS = 2000;
export const DEFAULT_TOP_K = 5;
export const MAX_TOP_K = 50;
export const DOCUMENT_FORMATS = ["text", "markdown"] as const;

export const createKnowledgeBaseBody = z.strictObject({
  name: z.string().max(MAX_KB_NAME_CHARS),
  description: z.string().max(MAX_KB_DESCRIPTION_CHARS).optional(),
});

export const updateKnowledgeBaseBody = createKnowledgeBaseBody.partial();

export const knowledgeBase = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    document_count: z.number().int().min(0),
    chunk_count: z.number().int().min(0),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: "KnowledgeBase" });
export type KnowledgeBase = z.infer<typeof knowledgeBase>;

const metadata = z.record(z.string(), z.unknown());

export const documentFormat = z.enum(DOCUMENT_FORMATS);

export const addDocumentBody = z.strictObject({
  title: z.string().max(MAX_DOCUMENT_TITLE_CHARS),
  content: z.string().min(1).max(MAX_DOCUMENT_CHARS),
  format: documentFormat.default("text"),
  metadata: metadata.optional().meta({
    description: `Any JSON object (at most ${MAX_METADATA_BYTES / 1024} KB, nested at most ${MAX_METADATA_DEPTH} levels); returned with retrieval results`,
  }),
});
export type DocumentInput = z.input<typeof addDocumentBody>;

export const documentParams = z.object({ id, documentId: id });

export const document = z
  .object({
    id: z.string(),
    knowledge_base_id: z.string(),
    title: z.string(),
    format: documentFormat,
    metadata,
    content_length: z.number().int().min(0),
    chunk_count: z.number().int().min(0),
    created_at: instant,
  })
  .meta({ id: "Document" });
export type Document = z.infer<typeof document>;

export const documentWithContent = document.extend({ content: z.string() }).meta({ id: "DocumentWithContent" });

export const retrieveBody = z.strictObject({
  query: z.string().min(1).max(MAX_QUERY_CHARS),
  top_k: z.number().int().min(1).max(MAX_TOP_K).default(DEFAULT_TOP_K),
});

export const retrievalResult = z
  .object({
    content: z.string(),
    score: z.number().meta({ description: "BM25 relevance; higher is better" }),
    document_id: z.string(),
    metadata: metadata.meta({ description: "The document's metadata, as given when it was added" }),
    document_title: z.string(),
    chunk_index: z.number().int().min(0).meta({ description: "Position of the passage in its document, from 0" }),
  })
  .meta({ id: "RetrievalResult" });

export const retrieval = z.object({ results: z.array(retrievalResult) });
