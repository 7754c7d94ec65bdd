// Knowledge bases: named collections of documents, chunked on paragraph boundaries at upload and
// searched with BM25 relevance ranking. The search index of a knowledge base is built and kept by
// the search threads (ctx.search), off the event loop, and reused until its set of documents
// changes. Each user's knowledge bases, documents and stored bytes are capped (ctx.config.quotas).
import { createHash } from "node:crypto";
import { directReads, type Prisma, serializeWrites } from "@fim/db";
import type { AppContext } from "../context.ts";
import type { z } from "../contracts/common.ts";
import {
  DEFAULT_TOP_K,
  type Document,
  document,
  type documentWithContent,
  type KnowledgeBase,
  MAX_DOCUMENT_CHARS,
  MAX_DOCUMENT_TITLE_CHARS,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  type retrievalResult,
} from "../contracts/knowledgeBases.ts";
import { assertRoomFor, notFound, quotaExceeded, validationError } from "../errors.ts";
import { chunkDocument, type DocumentFormat } from "../lib/chunking.ts";
import type { Passage } from "../lib/textSearch.ts";
import { detachFromAgents } from "./agents.ts";
import { readJsonColumn } from "./jsonColumn.ts";
import { ownedBy } from "./ownership.ts";
import { type PageRequest, pageArgs, toPage } from "./paging.ts";

export const MAX_CHUNKS_PER_DOCUMENT = 2000;
/** Chunks written per statement when a document is added. */
const CHUNK_INSERT_SLICE = 200;

type DocumentWithContent = z.infer<typeof documentWithContent>;
type RetrievalResult = z.infer<typeof retrievalResult>;

const kbSelect = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { documents: { where: { ready: true } }, chunks: { where: { document: { ready: true } } } } },
} satisfies Prisma.KnowledgeBaseSelect;

type KbRow = Prisma.KnowledgeBaseGetPayload<{ select: typeof kbSelect }>;

// Without the content: listings stay cheap however large the documents are (the length is stored).
const documentSelect = {
  id: true,
  knowledgeBaseId: true,
  title: true,
  format: true,
  metadata: true,
  contentLength: true,
  createdAt: true,
  _count: { select: { chunks: true } },
} satisfies Prisma.DocumentSelect;

type DocumentRow = Prisma.DocumentGetPayload<{ select: typeof documentSelect }>;

function toPublicKnowledgeBase(row: KbRow): KnowledgeBase {
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

/**
 * Whether `root` nests objects and arrays more than `max` levels deep (`root` is level 1). Walks
 * with an explicit stack, so no depth of input can overflow the call stack.
 */
function nestedDeeperThan(root: object, max: number): boolean {
  const stack: { value: object; depth: number }[] = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.depth > max) return true;
    for (const child of Object.values(item.value)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: item.depth + 1 });
    }
  }
  return false;
}

/** The metadata as stored: JSON of at most MAX_METADATA_BYTES, nested at most MAX_METADATA_DEPTH levels. */
function storedMetadata(metadata: Record<string, unknown>): string {
  if (nestedDeeperThan(metadata, MAX_METADATA_DEPTH)) {
    throw validationError("metadata", `must not nest objects or arrays more than ${MAX_METADATA_DEPTH} levels deep`);
  }
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    throw validationError("metadata", "must be a JSON object");
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw validationError("metadata", `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  return json;
}

/** Stored metadata back as an object; anything unreadable (or too deep to send back) reads as {}. */
function readMetadata(stored: string): Record<string, unknown> {
  const value = readJsonColumn(stored, document.shape.metadata, {});
  return nestedDeeperThan(value, MAX_METADATA_DEPTH) ? {} : value;
}

function toPublicDocument(row: DocumentRow): Document {
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
  const row = await ctx.db.knowledgeBase.findUnique({ where: { id }, select: { ...kbSelect, userId: true } });
  return ownedBy(row, ownerId, "Knowledge base");
}

/** Throws not_found unless the knowledge base exists and belongs to the owner. */
async function assertOwned(ctx: AppContext, ownerId: string, id: string): Promise<void> {
  ownedBy(
    await ctx.db.knowledgeBase.findUnique({ where: { id }, select: { userId: true } }),
    ownerId,
    "Knowledge base",
  );
}

// ---- knowledge bases ------------------------------------------------------------------------

export async function createKnowledgeBase(
  ctx: AppContext,
  ownerId: string,
  input: { name: string; description?: string },
): Promise<KnowledgeBase> {
  const name = cleanText("name", input.name);
  const limit = ctx.config.quotas.knowledgeBases;
  // Count and insert in one transaction, serialized per owner, so parallel creations cannot go
  // past the limit together.
  const row = await ctx.db.$transaction(async (tx) => {
    await serializeWrites(tx, ctx.config.databaseProvider, `quota:${ownerId}`);
    const held = await tx.knowledgeBase.count({ where: { userId: ownerId } });
    assertRoomFor(held, limit, "knowledge_bases", "knowledge bases");
    return tx.knowledgeBase.create({
      data: {
        userId: ownerId,
        name,
        description: input.description?.trim() ?? "",
        createdAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
      },
      select: kbSelect,
    });
  });
  return toPublicKnowledgeBase(row);
}

export async function listKnowledgeBases(
  ctx: AppContext,
  ownerId: string,
  query: PageRequest,
): Promise<{ items: KnowledgeBase[]; next_cursor: string | null }> {
  const rows = await ctx.db.knowledgeBase.findMany({
    where: { userId: ownerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
    select: kbSelect,
  });
  return toPage(rows, query, toPublicKnowledgeBase);
}

/** A knowledge base as an agent is told of it. */
export interface KnowledgeBaseName {
  id: string;
  name: string;
}

const NAMES_OF_OWNER = `SELECT "id", "name" FROM "KnowledgeBase" WHERE "userId" = $1 ORDER BY "createdAt", "id"`;

/**
 * Each user's knowledge bases, oldest first, by id and name only, read once per user for all the
 * runs starting together (ctx.knowledgeBaseNames gathers them): what the default agent of each run
 * works with. Through the driver (directReads), as a run's first event waits for it and a burst
 * is no time for the ORM's query compiler. The listing's document counts would cost a join per
 * run that nobody reads.
 */
export async function knowledgeBaseNamesOf(
  ctx: AppContext,
  ownerIds: string[],
): Promise<PromiseSettledResult<KnowledgeBaseName[]>[]> {
  const byOwner = new Map<string, Promise<KnowledgeBaseName[]>>();
  for (const ownerId of ownerIds) {
    if (!byOwner.has(ownerId)) {
      byOwner.set(
        ownerId,
        directReads(ctx.db)
          .all(NAMES_OF_OWNER, [ownerId])
          .then((rows) => rows.map((row) => ({ id: String(row.id), name: String(row.name) }))),
      );
    }
  }
  return Promise.all(
    ownerIds.map(async (ownerId): Promise<PromiseSettledResult<KnowledgeBaseName[]>> => {
      try {
        return { status: "fulfilled", value: [...(await byOwner.get(ownerId)!)] };
      } catch (reason) {
        return { status: "rejected", reason };
      }
    }),
  );
}

export async function getKnowledgeBase(ctx: AppContext, ownerId: string, id: string): Promise<KnowledgeBase> {
  return toPublicKnowledgeBase(await ownedKnowledgeBase(ctx, ownerId, id));
}

export async function updateKnowledgeBase(
  ctx: AppContext,
  ownerId: string,
  id: string,
  input: { name?: string; description?: string },
): Promise<KnowledgeBase> {
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
  ctx.search.forget(id);
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
): Promise<Document> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const title = cleanText("title", input.title);
  if (title.length > MAX_DOCUMENT_TITLE_CHARS)
    throw validationError("title", `must be at most ${MAX_DOCUMENT_TITLE_CHARS} characters`);
  if (input.content.length > MAX_DOCUMENT_CHARS) {
    throw validationError("content", `must be at most ${MAX_DOCUMENT_CHARS} characters; split the document`);
  }
  const format = input.format ?? "text";
  const metadata = storedMetadata(input.metadata ?? {});
  const chunks = chunkDocument(input.content, format);
  if (chunks.length === 0) throw validationError("content", "has no text");
  if (chunks.length > MAX_CHUNKS_PER_DOCUMENT) {
    throw validationError("content", `is too long (more than ${MAX_CHUNKS_PER_DOCUMENT} chunks); split the document`);
  }
  const contentBytes = Buffer.byteLength(input.content);
  const quotas = ctx.config.quotas;
  const now = ctx.clock.now();
  // 1. Reserve: the quotas are measured and the document inserted in one transaction (serialized
  //    per owner, so parallel uploads cannot go past a limit together). It is not ready yet: not
  //    listed, not counted as content, not searched.
  const documentId = await ctx.db.$transaction(async (tx) => {
    await serializeWrites(tx, ctx.config.databaseProvider, `quota:${ownerId}`);
    const usage = await tx.document.aggregate({
      where: { knowledgeBase: { userId: ownerId } },
      _count: { _all: true },
      _sum: { contentBytes: true },
    });
    assertRoomFor(usage._count._all, quotas.documents, "documents", "documents");
    const storedBytes = usage._sum.contentBytes ?? 0;
    if (storedBytes + contentBytes > quotas.storageBytes) {
      throw quotaExceeded(
        "storage_bytes",
        quotas.storageBytes,
        `This document (${contentBytes} bytes) would take your documents past ${quotas.storageBytes} bytes, ` +
          `the most an account may store (${storedBytes} bytes used); delete some you no longer use`,
      );
    }
    const document = await tx.document.create({
      data: {
        knowledgeBaseId,
        title,
        content: input.content,
        contentBytes,
        contentLength: input.content.length,
        format,
        metadata,
        ready: false,
        createdAt: now,
      },
      select: { id: true },
    });
    return document.id;
  });
  try {
    // 2. The passages, a slice per statement, each in a turn of the event loop of its own. The
    //    SQLite driver is synchronous, so one transaction for a whole 1 MB document would hold
    //    every other request for ~50 ms; slices hold it for a few ms each. They go in as JSON that
    //    the database unpacks itself: through Prisma's query layer each row costs main-thread
    //    time (~100 ms for the 1,000 chunks of a 1 MB document with createMany).
    for (let start = 0; start < chunks.length; start += CHUNK_INSERT_SLICE) {
      await letOthersIn();
      await insertChunks(ctx, {
        knowledgeBaseId,
        documentId,
        start,
        contents: chunks.slice(start, start + CHUNK_INSERT_SLICE),
      });
    }
    // 3. Publish: the document is ready, and the knowledge base's updated_at says its contents changed.
    await letOthersIn();
    const [published] = await ctx.db.$transaction([
      ctx.db.document.update({ where: { id: documentId }, data: { ready: true }, select: documentSelect }),
      ctx.db.knowledgeBase.update({ where: { id: knowledgeBaseId }, data: { updatedAt: ctx.clock.now() } }),
    ]);
    return toPublicDocument(published);
  } catch (error) {
    // Whatever was written goes (the passages with it, by cascade); the quota is freed.
    await ctx.db.document.deleteMany({ where: { id: documentId } }).catch(() => undefined);
    throw error;
  }
}

/**
 * Inserts passages `start`, `start + 1`, … of a document in one statement: the texts go in as one
 * JSON array that the database unpacks (SQLite: json_each; PostgreSQL: json_array_elements_text
 * WITH ORDINALITY), and each row's id (32 hex digits) is made there too.
 */
async function insertChunks(
  ctx: AppContext,
  slice: { knowledgeBaseId: string; documentId: string; start: number; contents: string[] },
): Promise<void> {
  const { knowledgeBaseId, documentId, start } = slice;
  const json = JSON.stringify(slice.contents);
  if (ctx.config.databaseProvider === "postgresql") {
    await ctx.db.$executeRaw`INSERT INTO "Chunk" ("id", "knowledgeBaseId", "documentId", "position", "content")
      SELECT replace(gen_random_uuid()::text, '-', ''), ${knowledgeBaseId}, ${documentId},
        ${start}::integer + ("ordinality" - 1)::integer, "value"
      FROM json_array_elements_text(${json}::json) WITH ORDINALITY`;
    return;
  }
  await ctx.db.$executeRaw`INSERT INTO "Chunk" ("id", "knowledgeBaseId", "documentId", "position", "content")
    SELECT lower(hex(randomblob(16))), ${knowledgeBaseId}, ${documentId}, ${start} + CAST("key" AS INTEGER), "value"
    FROM json_each(${json})`;
}

/** Yields to the event loop (a macrotask: awaiting the synchronous driver's promises does not). */
function letOthersIn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How old an unfinished upload must be before a starting server on a shared database removes it. */
export const UNFINISHED_UPLOAD_GRACE_MS = 10 * 60 * 1000;

/**
 * Removes documents whose upload never finished (the process stopped between reserving and
 * publishing). Run at start. With SQLite only one server serves the database, so none is in
 * progress then; PostgreSQL may be shared by servers that are uploading right now, so there only
 * uploads older than UNFINISHED_UPLOAD_GRACE_MS (far longer than any upload takes) go.
 */
export async function removeUnfinishedDocuments(ctx: AppContext): Promise<number> {
  const shared = ctx.config.databaseProvider === "postgresql";
  const cutoff = new Date(ctx.clock.now().getTime() - UNFINISHED_UPLOAD_GRACE_MS);
  const { count } = await ctx.db.document.deleteMany({
    where: { ready: false, ...(shared ? { createdAt: { lt: cutoff } } : {}) },
  });
  if (count > 0) ctx.logger.warn({ documents: count }, "removed documents whose upload was interrupted");
  return count;
}

export async function listDocuments(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  query: PageRequest,
): Promise<{ items: Document[]; next_cursor: string | null }> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const rows = await ctx.db.document.findMany({
    where: { knowledgeBaseId, ready: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
    select: documentSelect,
  });
  return toPage(rows, query, toPublicDocument);
}

export async function getDocument(
  ctx: AppContext,
  ownerId: string,
  knowledgeBaseId: string,
  documentId: string,
): Promise<DocumentWithContent> {
  await assertOwned(ctx, ownerId, knowledgeBaseId);
  const row = await ctx.db.document.findFirst({
    where: { id: documentId, knowledgeBaseId, ready: true },
    select: { ...documentSelect, content: true },
  });
  if (!row) throw notFound("Document");
  return { ...toPublicDocument(row), content: row.content };
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

/**
 * The version of a knowledge base's contents. Documents are immutable once added, so the set of
 * their ids determines every chunk; any add or delete, from any server process, changes it.
 */
async function contentVersion(
  ctx: AppContext,
  knowledgeBaseId: string,
): Promise<{ version: string; documents: number }> {
  const documents = await ctx.db.document.findMany({
    where: { knowledgeBaseId, ready: true },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const hash = createHash("sha256");
  for (const { id } of documents) hash.update(id).update("\n");
  return { version: `${documents.length}:${hash.digest("base64url")}`, documents: documents.length };
}

/** Reads per query while loading passages (content bytes, documents), so no one read holds the loop long. */
const PASSAGE_BATCH = { bytes: 2_000_000, documents: 500 };

/** Every passage of the knowledge base, for the search thread to index. */
async function loadPassages(ctx: AppContext, knowledgeBaseId: string): Promise<Passage[]> {
  const documents = await ctx.db.document.findMany({
    where: { knowledgeBaseId, ready: true },
    select: { id: true, title: true, contentBytes: true },
  });
  const titles = new Map(documents.map((document) => [document.id, document.title]));
  const passages: Passage[] = [];
  let batch: string[] = [];
  let batchBytes = 0;
  const readBatch = async () => {
    await letOthersIn();
    const rows = await ctx.db.chunk.findMany({
      where: { documentId: { in: batch } },
      select: { id: true, documentId: true, content: true },
    });
    for (const row of rows)
      passages.push({ id: row.id, title: titles.get(row.documentId) ?? "", content: row.content });
    batch = [];
    batchBytes = 0;
  };
  for (const document of documents) {
    const full = batchBytes + document.contentBytes > PASSAGE_BATCH.bytes || batch.length === PASSAGE_BATCH.documents;
    if (batch.length > 0 && full) await readBatch();
    batch.push(document.id);
    batchBytes += document.contentBytes;
  }
  if (batch.length > 0) await readBatch();
  return passages;
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
  const { version, documents } = await contentVersion(ctx, knowledgeBaseId);
  if (documents === 0) return { results: [] };
  const hits = await ctx.search.search({
    knowledgeBaseId,
    version,
    query: input.query,
    limit: input.top_k ?? DEFAULT_TOP_K,
    loadPassages: () => loadPassages(ctx, knowledgeBaseId),
  });
  if (hits.length === 0) return { results: [] };
  // The hits name passages; their text and their documents' details come from the database.
  const rows = await ctx.db.chunk.findMany({
    where: { id: { in: hits.map((hit) => hit.id) }, knowledgeBaseId },
    select: {
      id: true,
      content: true,
      documentId: true,
      position: true,
      document: { select: { title: true, metadata: true } },
    },
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const results: RetrievalResult[] = [];
  for (const hit of hits) {
    const row = byId.get(hit.id);
    if (!row) continue; // deleted since the index was built
    results.push({
      content: row.content,
      score: hit.score,
      document_id: row.documentId,
      metadata: readMetadata(row.document.metadata),
      document_title: row.document.title,
      chunk_index: row.position,
    });
  }
  return { results };
}
