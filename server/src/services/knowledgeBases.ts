// Knowledge bases: named collections of documents, chunked on paragraph boundaries at upload and
// searched with BM25 relevance ranking. The search index of a knowledge base is built in memory
// from its chunks and reused until its set of documents changes.
import { createHash } from "node:crypto";
import type { Prisma } from "@fim/db";
import type { AppContext } from "../context.ts";
import { notFound, validationError } from "../errors.ts";
import { chunkDocument, type DocumentFormat } from "../lib/chunking.ts";
import { buildPassageIndex, type PassageIndex } from "../lib/textSearch.ts";
import { detachFromAgents } from "./agents.ts";

export const MAX_CHUNKS_PER_DOCUMENT = 2000;
export const MAX_METADATA_BYTES = 16_384;
export const DEFAULT_TOP_K = 5;

export interface KnowledgeBaseView {
  id: string;
  name: string;
  description: string;
  document_count: number;
  chunk_count: number;
  created_at: string;
  updated_at: string;
}

export interface DocumentView {
  id: string;
  knowledge_base_id: string;
  title: string;
  format: DocumentFormat;
  metadata: Record<string, unknown>;
  content_length: number;
  chunk_count: number;
  created_at: string;
}

export interface DocumentWithContent extends DocumentView {
  content: string;
}

export interface RetrievalResult {
  content: string;
  score: number;
  document_id: string;
  metadata: Record<string, unknown>;
  /** Which document and where in it, for showing a source. */
  document_title: string;
  chunk_index: number;
}

const kbSelect = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { documents: true, chunks: true } },
} satisfies Prisma.KnowledgeBaseSelect;

type KbRow = Prisma.KnowledgeBaseGetPayload<{ select: typeof kbSelect }>;

const documentSelect = {
  id: true,
  knowledgeBaseId: true,
  title: true,
  format: true,
  metadata: true,
  content: true,
  createdAt: true,
  _count: { select: { chunks: true } },
} satisfies Prisma.DocumentSelect;

type DocumentRow = Prisma.DocumentGetPayload<{ select: typeof documentSelect }>;

function toPublicKnowledgeBase(row: KbRow): KnowledgeBaseView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    document_count: row._count.documents,
    chunk_count: row._count.chunks,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function readMetadata(stored: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(stored);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toPublicDocument(
  row: Omit<DocumentRow, "content"> & { content?: string; contentLength: number },
): DocumentView {
  return {
    id: row.id,
    knowledge_base_id: row.knowledgeBaseId,
    title: row.title,
    format: row.format === "markdown" ? "markdown" : "text",
    metadata: readMetadata(row.metadata),
    content_length: row.contentLength,
    chunk_count: row._count.chunks,
    created_at: row.createdAt.toISOString(),
  };
}

function cleanText(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw validationError(field, "must not be empty");
  return trimmed;
}

async function ownedKnowledgeBase(ctx: AppContext, ownerId: string, id: string): Promise<KbRow> {
  const row = await ctx.db.knowledgeBase.findFirst({ where: { id, userId: ownerId }, select: kbSelect });
  if (!row) throw notFound("Knowledge base");
  return row;
}

/** Throws not_found unless the knowledge base exists and belongs to the owner. */
async function assertOwned(ctx: AppContext, ownerId: string, id: string): Promise<void> {
  const row = await ctx.db.knowledgeBase.findFirst({ where: { id, userId: ownerId }, select: { id: true } });
  if (!row) throw notFound("Knowledge base");
}

// ---- knowledge bases ------------------------------------------------------------------------

export async function createKnowledgeBase(
  ctx: AppContext,
  ownerId: string,
  input: { name: string; description?: string },
): Promise<KnowledgeBaseView> {
  const row = await ctx.db.knowledgeBase.create({
    data: {
      userId: ownerId,
      name: cleanText("name", input.name),
      description: input.description?.trim() ?? "",
      createdAt: ctx.clock.now(),
      updatedAt: ctx.clock.now(),
    },
    select: kbSelect,
  });
  return toPublicKnowledgeBase(row);
}

export async function listKnowledgeBases(
  ctx: AppContext,
  ownerId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: KnowledgeBaseView[]; next_cursor: string | null }> {
  const rows = await ctx.db.knowledgeBase.findMany({
    where: { userId: ownerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    select: kbSelect,
  });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(toPublicKnowledgeBase),
    next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function getKnowledgeBase(ctx: AppContext, ownerId: string, id: string): Promise<KnowledgeBaseView> {
  return toPublicKnowledgeBase(await ownedKnowledgeBase(ctx, ownerId, id));
}

export async function updateKnowledgeBase(
  ctx: AppContext,
  ownerId: string,
  id: string,
  input: { name?: string; description?: string },
): Promise<KnowledgeBaseView> {
  await assertOwned(ctx, ownerId, id);
  const row = await ctx.db.knowledgeBase.update({
    where: { id },
    data: {
      updatedAt: ctx.clock.now(),
      ...(input.name !== undefined ? { name: cleanText("name", input.name) } : {}),
      ...(input.description !== undefined ? { description: input.description.trim() } : {}),
    },
    select: kbSelect,
  });
  return toPublicKnowledgeBase(row);
}

/** Deletes the knowledge base with its documents and chunks, and detaches it from agents. */
export async function deleteKnowledgeBase(ctx: AppContext, ownerId: string, id: string): Promise<void> {
  const result = await ctx.db.knowledgeBase.deleteMany({ where: { id, userId: ownerId } });
  if (result.count === 0) throw notFound("Knowledge base");
  indexCacheOf(ctx).delete(id);
  await detachFromAgents(ctx, ownerId, "knowledge_base", id);
}

// ---- documents --------------------------------------------------------------------------------

export interface DocumentInput {
  title: string;
  content: string;
  format?: DocumentFormat;
  metadata?: Record<string, unknown>;
}

export async function addDocument(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  input: DocumentInput,
): Promise<DocumentView> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const title = cleanText("title", input.title);
  const format = input.format ?? "text";
  const metadata = JSON.stringify(input.metadata ?? {});
  if (Buffer.byteLength(metadata) > MAX_METADATA_BYTES) {
    throw validationError("metadata", `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  const chunks = chunkDocument(input.content, format);
  if (chunks.length === 0) throw validationError("content", "has no text");
  if (chunks.length > MAX_CHUNKS_PER_DOCUMENT) {
    throw validationError("content", `is too long (more than ${MAX_CHUNKS_PER_DOCUMENT} chunks); split the document`);
  }
  const now = ctx.clock.now();
  const created = await ctx.db.$transaction(async (tx) => {
    const document = await tx.document.create({
      data: { knowledgeBaseId, title, content: input.content, format, metadata, createdAt: now },
      select: { id: true },
    });
    await tx.chunk.createMany({
      data: chunks.map((content, position) => ({ knowledgeBaseId, documentId: document.id, position, content })),
    });
    // Touch the knowledge base so its updated_at tells when its contents last changed.
    await tx.knowledgeBase.update({ where: { id: knowledgeBaseId }, data: { updatedAt: ctx.clock.now() } });
    return tx.document.findUniqueOrThrow({ where: { id: document.id }, select: documentSelect });
  });
  return toPublicDocument({ ...created, contentLength: created.content.length });
}

export async function listDocuments(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: DocumentView[]; next_cursor: string | null }> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const rows = await ctx.db.document.findMany({
    where: { knowledgeBaseId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    select: documentSelect,
  });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(({ content, ...row }) => toPublicDocument({ ...row, contentLength: content.length })),
    next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function getDocument(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  documentId: string,
): Promise<DocumentWithContent> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const row = await ctx.db.document.findFirst({ where: { id: documentId, knowledgeBaseId }, select: documentSelect });
  if (!row) throw notFound("Document");
  return { ...toPublicDocument({ ...row, contentLength: row.content.length }), content: row.content };
}

export async function deleteDocument(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  documentId: string,
): Promise<void> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const result = await ctx.db.document.deleteMany({ where: { id: documentId, knowledgeBaseId } });
  if (result.count === 0) throw notFound("Document");
  await ctx.db.knowledgeBase.updateMany({ where: { id: knowledgeBaseId }, data: { updatedAt: ctx.clock.now() } });
}

// ---- retrieval --------------------------------------------------------------------------------

interface IndexedChunk {
  content: string;
  documentId: string;
  position: number;
}

interface KnowledgeBaseIndex {
  passages: PassageIndex;
  chunks: Map<string, IndexedChunk>;
  documents: Map<string, { title: string; metadata: Record<string, unknown> }>;
}

const MAX_CACHED_INDEXES = 64;

/** Per application context (tests run several side by side): kb id → index and its version. */
const indexCaches = new WeakMap<AppContext, Map<string, { version: string; index: Promise<KnowledgeBaseIndex> }>>();

function indexCacheOf(ctx: AppContext) {
  let cache = indexCaches.get(ctx);
  if (!cache) {
    cache = new Map();
    indexCaches.set(ctx, cache);
  }
  return cache;
}

/**
 * The version of a knowledge base's contents. Documents are immutable once added, so the set of
 * their ids determines every chunk; any add or delete, from any server process, changes it.
 */
async function contentVersion(ctx: AppContext, knowledgeBaseId: string): Promise<string> {
  const documents = await ctx.db.document.findMany({
    where: { knowledgeBaseId },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const hash = createHash("sha256");
  for (const { id } of documents) hash.update(id).update("\n");
  return `${documents.length}:${hash.digest("base64url")}`;
}

async function buildIndex(ctx: AppContext, knowledgeBaseId: string): Promise<KnowledgeBaseIndex> {
  const [documentRows, chunkRows] = await Promise.all([
    ctx.db.document.findMany({ where: { knowledgeBaseId }, select: { id: true, title: true, metadata: true } }),
    ctx.db.chunk.findMany({
      where: { knowledgeBaseId },
      select: { id: true, documentId: true, position: true, content: true },
    }),
  ]);
  const documents = new Map(
    documentRows.map((row) => [row.id, { title: row.title, metadata: readMetadata(row.metadata) }]),
  );
  const chunks = new Map<string, IndexedChunk>();
  const passages = [];
  for (const row of chunkRows) {
    const document = documents.get(row.documentId);
    if (!document) continue;
    chunks.set(row.id, { content: row.content, documentId: row.documentId, position: row.position });
    passages.push({ id: row.id, title: document.title, content: row.content });
  }
  return { passages: buildPassageIndex(passages), chunks, documents };
}

async function indexFor(ctx: AppContext, knowledgeBaseId: string): Promise<KnowledgeBaseIndex> {
  const version = await contentVersion(ctx, knowledgeBaseId);
  const cache = indexCacheOf(ctx);
  const cached = cache.get(knowledgeBaseId);
  if (cached && cached.version === version) {
    // Most recently used last, so eviction below drops the least recently used.
    cache.delete(knowledgeBaseId);
    cache.set(knowledgeBaseId, cached);
    return cached.index;
  }
  const index = buildIndex(ctx, knowledgeBaseId);
  cache.set(knowledgeBaseId, { version, index });
  index.catch(() => {
    if (cache.get(knowledgeBaseId)?.index === index) cache.delete(knowledgeBaseId);
  });
  while (cache.size > MAX_CACHED_INDEXES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return index;
}

/**
 * The passages of one of the owner's knowledge bases most relevant to `query`, best first.
 * Another user's knowledge base is not_found; a query matching nothing gives no results.
 */
export async function retrieve(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  input: { query: string; top_k?: number },
): Promise<{ results: RetrievalResult[] }> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const topK = input.top_k ?? DEFAULT_TOP_K;
  const index = await indexFor(ctx, knowledgeBaseId);
  const results: RetrievalResult[] = [];
  for (const hit of index.passages.search(input.query, topK)) {
    const chunk = index.chunks.get(hit.id);
    const document = chunk && index.documents.get(chunk.documentId);
    if (!chunk || !document) continue;
    results.push({
      content: chunk.content,
      score: hit.score,
      document_id: chunk.documentId,
      metadata: document.metadata,
      document_title: document.title,
      chunk_index: chunk.position,
    });
  }
  return { results };
}
