// Knowledge bases over REST: CRUD, documents and their chunks, BM25 retrieval on a small corpus,
// ownership and validation.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../src/errors.ts";
import { chunkDocument } from "../src/lib/chunking.ts";
import {
  addDocument,
  getDocument,
  getKnowledgeBase,
  listDocuments,
  removeUnfinishedDocuments,
  UNFINISHED_UPLOAD_GRACE_MS,
} from "../src/services/knowledgeBases.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let token: string;
let adminId: string;
let other: { id: string; token: string };

beforeAll(async () => {
  server = await startTestServer();
  const session = await server.login(ADMIN.email, ADMIN.password);
  token = session.access_token;
  adminId = session.user.id;
  other = await server.createUser("kb-other@example.com");
});
afterAll(() => server.close());

async function createKb(name: string, as = token): Promise<string> {
  const response = await server.api("POST", "/api/knowledge-bases", { token: as, body: { name } });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function addDoc(kbId: string, body: Record<string, unknown>, as = token) {
  const response = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, { token: as, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const retrieve = (kbId: string, body: unknown, as = token) =>
  server.api("POST", `/api/knowledge-bases/${kbId}/retrieve`, { token: as, body });

const CORPUS: Record<string, { title: string; content: string; format?: string }> = {
  refunds: {
    title: "Refund policy",
    content:
      "Customers may ask for a refund within 30 days of purchase.\n\nRefunds are paid back to the original payment card. A refund for a damaged item does not require returning it first.",
  },
  shipping: {
    title: "Shipping and delivery",
    content:
      "Orders ship from our warehouse in Rotterdam.\n\nStandard delivery takes three to five working days inside the EU; express delivery arrives the next working day. Tracking numbers are emailed when the parcel leaves the warehouse.",
  },
  password: {
    title: "Resetting a forgotten password",
    format: "markdown",
    content:
      "# Forgotten password\n\nOn the sign-in page choose **Forgot password**. We email a reset link that is valid for one hour.\n\n## Locked accounts\n\nAfter five failed sign-in attempts the account is locked for fifteen minutes.",
  },
  ratelimits: {
    title: "API rate limits",
    content:
      "The public API allows 600 requests per minute per API key. Clients that exceed the limit receive HTTP 429 with a Retry-After header.",
  },
  office: {
    title: "Office hours",
    content: "Our support team answers phone calls Monday to Friday, nine to five, Central European Time.",
  },
};

describe("knowledge bases", () => {
  test("create, get, rename, list, delete", async () => {
    const created = await server.api("POST", "/api/knowledge-bases", {
      token,
      body: { name: "Handbook", description: "Company handbook" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Handbook",
      description: "Company handbook",
      document_count: 0,
      chunk_count: 0,
    });
    const id = created.body.id;
    expect((await server.api("GET", `/api/knowledge-bases/${id}`, { token })).body).toEqual(created.body);
    const renamed = await server.api("PATCH", `/api/knowledge-bases/${id}`, {
      token,
      body: { name: "Staff handbook" },
    });
    expect(renamed.body.name).toBe("Staff handbook");
    const list = await server.api("GET", "/api/knowledge-bases?limit=100", { token });
    expect(list.body.items.map((kb: any) => kb.id)).toContain(id);
    expect(list.body.next_cursor).toBeNull();

    await addDoc(id, { title: "t", content: "some text" });
    expect((await server.api("DELETE", `/api/knowledge-bases/${id}`, { token })).status).toBe(204);
    expect((await server.api("GET", `/api/knowledge-bases/${id}`, { token })).status).toBe(404);
    // Its documents and chunks went with it.
    expect(await server.ctx.db.document.count({ where: { knowledgeBaseId: id } })).toBe(0);
    expect(await server.ctx.db.chunk.count({ where: { knowledgeBaseId: id } })).toBe(0);
  });
});

describe("documents", () => {
  test("a document of many chunks is stored whole and in order (written in slices)", async () => {
    const kbId = await createKb("Many chunks");
    const paragraphs = Array.from({ length: 900 }, (_, i) => `Paragraph ${i}. ${"Some words to fill it. ".repeat(45)}`);
    const content = paragraphs.join("\n\n");
    const added = await addDoc(kbId, { title: "Big", content });
    const expected = chunkDocument(content, "text");
    expect(expected.length).toBeGreaterThan(450);
    expect(added.chunk_count).toBe(expected.length);
    const stored = await server.ctx.db.chunk.findMany({
      where: { documentId: added.id },
      orderBy: { position: "asc" },
      select: { position: true, content: true },
    });
    expect(stored.map((chunk) => chunk.position)).toEqual(expected.map((_, i) => i));
    expect(stored.map((chunk) => chunk.content)).toEqual(expected);
  });

  test("a document being written is invisible until all its passages are in", async () => {
    const kbId = await createKb("In progress");
    const content = Array.from({ length: 600 }, (_, i) => `Paragraph ${i}. ${"Words to fill it. ".repeat(60)}`).join(
      "\n\n",
    );
    // The upload's passage writes wait at a gate, so it is held between reserving its row and
    // publishing it, however fast or slow the database (a synchronous SQLite driver, or a
    // PostgreSQL server over the network).
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const db = server.ctx.db;
    const gatedDb = new Proxy(db, {
      get(target, property) {
        if (property === "$executeRaw") {
          return async (...args: Parameters<typeof db.$executeRaw>) => {
            await gate;
            return target.$executeRaw(...args);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const upload = addDocument({ ...server.ctx, db: gatedDb }, adminId, kbId, { title: "Arriving", content });
    await expect.poll(() => server.ctx.db.document.count({ where: { knowledgeBaseId: kbId } })).toBe(1);
    const row = await server.ctx.db.document.findFirstOrThrow({ where: { knowledgeBaseId: kbId } });
    expect(row.ready).toBe(false);
    // Through the services the HTTP routes call.
    expect((await listDocuments(server.ctx, adminId, kbId, { limit: 20 })).items).toEqual([]);
    expect(await getKnowledgeBase(server.ctx, adminId, kbId)).toMatchObject({ document_count: 0, chunk_count: 0 });
    await expect(getDocument(server.ctx, adminId, kbId, row.id)).rejects.toMatchObject({ code: "not_found" });

    openGate();
    const added = await upload;
    const after = await server.api("GET", `/api/knowledge-bases/${kbId}/documents`, { token });
    expect(after.body.items.map((d: any) => d.id)).toEqual([added.id]);
    expect(after.body.items[0].chunk_count).toBe(chunkDocument(content, "text").length);
  });

  test("an upload the process never finished is removed at the next start", async () => {
    const kbId = await createKb("Interrupted");
    const finished = await addDoc(kbId, { title: "Finished", content: "Complete text." });
    const unfinished = (createdAt: Date) =>
      server.ctx.db.document.create({
        data: {
          knowledgeBaseId: kbId,
          title: "Cut off",
          content: "Half",
          contentBytes: 4,
          contentLength: 4,
          ready: false,
          createdAt,
        },
      });
    const now = server.clock.now().getTime();
    const old = await unfinished(new Date(now - UNFINISHED_UPLOAD_GRACE_MS - 1000));
    // Just begun: on PostgreSQL another server sharing the database may be writing it right now.
    const recent = await unfinished(new Date(now - 1000));
    const shared = server.provider === "postgresql";
    expect(await removeUnfinishedDocuments(server.ctx)).toBe(shared ? 1 : 2);
    expect(await server.ctx.db.document.findUnique({ where: { id: old.id } })).toBeNull();
    expect((await server.ctx.db.document.findUnique({ where: { id: recent.id } })) !== null).toBe(shared);
    expect(await server.ctx.db.document.findUnique({ where: { id: finished.id } })).not.toBeNull();
    await server.ctx.db.document.deleteMany({ where: { id: recent.id } });
  });

  test("add, list, get, delete; a long document is chunked within the size limit", async () => {
    const kbId = await createKb("Docs");
    const paragraphs = Array.from(
      { length: 12 },
      (_, i) =>
        `Paragraph ${i} talks about topic ${i}. ${"It has a fair amount of filler text to make it longer. ".repeat(4)}`,
    );
    const long = await addDoc(kbId, {
      title: "Long one",
      content: paragraphs.join("\n\n"),
      metadata: { source: "handbook.pdf", page: 3 },
    });
    expect(long).toMatchObject({
      knowledge_base_id: kbId,
      title: "Long one",
      format: "text",
      metadata: { source: "handbook.pdf", page: 3 },
      content_length: paragraphs.join("\n\n").length,
    });
    expect(long).not.toHaveProperty("content");
    expect(long.chunk_count).toBeGreaterThan(2);

    const chunks = await server.ctx.db.chunk.findMany({ where: { documentId: long.id }, orderBy: { position: "asc" } });
    expect(chunks).toHaveLength(long.chunk_count);
    for (const chunk of chunks) {
      expect(chunk.content.length).toBeLessThanOrEqual(1200);
      // Cut on paragraph boundaries: every chunk starts a paragraph and ends one.
      expect(chunk.content).toMatch(/^Paragraph \d+ /);
      expect(chunk.content.endsWith("longer.")).toBe(true);
    }
    expect(chunks.map((c) => c.position)).toEqual(chunks.map((_, i) => i));

    const short = await addDoc(kbId, { title: "Short", content: "# Title\n\nBody", format: "markdown" });
    expect(short).toMatchObject({ format: "markdown", metadata: {}, chunk_count: 1 });

    const list = await server.api("GET", `/api/knowledge-bases/${kbId}/documents`, { token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: any) => d.id)).toEqual([short.id, long.id]);
    // The listing tells each length without reading the documents (it is stored with them).
    expect(list.body.items.map((d: any) => d.content_length)).toEqual([
      "# Title\n\nBody".length,
      paragraphs.join("\n\n").length,
    ]);
    const kb = (await server.api("GET", `/api/knowledge-bases/${kbId}`, { token })).body;
    expect(kb).toMatchObject({ document_count: 2, chunk_count: long.chunk_count + 1 });

    const one = await server.api("GET", `/api/knowledge-bases/${kbId}/documents/${short.id}`, { token });
    expect(one.body).toMatchObject({ id: short.id, content: "# Title\n\nBody", content_length: 13 });

    expect((await server.api("DELETE", `/api/knowledge-bases/${kbId}/documents/${long.id}`, { token })).status).toBe(
      204,
    );
    expect(await server.ctx.db.chunk.count({ where: { documentId: long.id } })).toBe(0);
    const again = await server.api("DELETE", `/api/knowledge-bases/${kbId}/documents/${long.id}`, { token });
    expect(again.status).toBe(404);
  });

  test.each([
    ["unknown format", { title: "a", content: "b", format: "pdf" }, "format"],
    ["missing content", { title: "a" }, "content"],
    ["content of the wrong type", { title: "a", content: ["b"] }, "content"],
    ["blank content", { title: "a", content: " \n\n " }, "content"],
    ["metadata not an object", { title: "a", content: "b", metadata: "x" }, "metadata"],
    ["unknown field", { title: "a", content: "b", tags: [] }, "tags"],
  ])("%s → validation_error", async (_label, body, field) => {
    const kbId = await createKb("validation");
    const response = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, { token, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("validation_error");
    expect(response.body.details.map((d: any) => d.field)).toContain(field);
  });
});

/** An object `depth` levels deep counting itself: {a: {a: … {leaf: true}}}. */
function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

describe("document metadata nesting", () => {
  test("10 levels are stored and returned; 11 are a validation_error on metadata", async () => {
    const kbId = await createKb("nesting");
    const ten = await addDoc(kbId, { title: "ten", content: "text", metadata: nestedObject(10) });
    expect(ten.metadata).toEqual(nestedObject(10));
    const retrieved = await retrieve(kbId, { query: "text" });
    expect(retrieved.body.results[0].metadata).toEqual(nestedObject(10));
    const eleven = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, {
      token,
      body: { title: "eleven", content: "text", metadata: nestedObject(11) },
    });
    expect(eleven.status).toBe(400);
    expect(eleven.body.error).toBe("validation_error");
    expect(eleven.body.details.map((d: any) => d.field)).toEqual(["metadata"]);
    // Arrays count as levels too.
    const arrays = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, {
      token,
      body: { title: "arrays", content: "text", metadata: { list: [[[[[[[[[[1]]]]]]]]]] } },
    });
    expect(arrays.status).toBe(400);
  });

  test("a 5000-deep array is refused with 400, never a 500 (JSON.stringify would throw a RangeError)", async () => {
    const kbId = await createKb("deep");
    let deep: unknown = [];
    for (let level = 0; level < 5000; level++) deep = [deep];
    // Written by hand: JSON.stringify cannot serialize it either.
    const body = `{"title":"deep","content":"text","metadata":{"deep":${"[".repeat(5001)}${"]".repeat(5001)}}}`;
    const response = await server.api("POST", `/api/knowledge-bases/${kbId}/documents`, { token, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("validation_error");
    // The service's own rule, whatever the HTTP layer refuses first.
    const refused = await addDocument(server.ctx, adminId, kbId, {
      title: "deep",
      content: "text",
      metadata: { deep },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).toBody()).toMatchObject({
      error: "validation_error",
      details: [{ field: "metadata", message: expect.stringContaining("10 levels") }],
    });
    expect(await server.ctx.db.document.count({ where: { knowledgeBaseId: kbId } })).toBe(0);
  });

  test("metadata stored too deep (by an older version, or by hand) reads back as {}", async () => {
    const kbId = await createKb("stored deep");
    const doc = await addDoc(kbId, { title: "doc", content: "text" });
    await server.ctx.db.document.update({
      where: { id: doc.id },
      data: { metadata: `${"[".repeat(5000)}${"]".repeat(5000)}`.replace(/^\[/, '{"x":[').replace(/\]$/, "]}") },
    });
    const got = await server.api("GET", `/api/knowledge-bases/${kbId}/documents/${doc.id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.metadata).toEqual({});
    expect((await retrieve(kbId, { query: "text" })).body.results[0].metadata).toEqual({});
  });
});

describe("retrieval", () => {
  let kbId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    kbId = await createKb("Support corpus");
    for (const [key, doc] of Object.entries(CORPUS)) {
      ids[key] = (await addDoc(kbId, { ...doc, metadata: { key } })).id;
    }
  });

  test.each([
    ["How long does delivery take?", "shipping"],
    ["I forgot my password", "password"],
    ["can I get my money back with a refund", "refunds"],
    ["too many requests per minute", "ratelimits"],
    ["when can I phone support", "office"],
    ["account locked after failed attempts", "password"],
    ["PARCEL tracking", "shipping"],
  ])("%s → the %s document first", async (query, expected) => {
    const response = await retrieve(kbId, { query, top_k: 3 });
    expect(response.status).toBe(200);
    const { results } = response.body;
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThanOrEqual(3);
    expect(results[0]).toMatchObject({ document_id: ids[expected], metadata: { key: expected } });
    expect(results[0].content).toEqual(expect.any(String));
    for (let i = 1; i < results.length; i++) expect(results[i - 1].score).toBeGreaterThanOrEqual(results[i].score);
    expect(results[0].score).toBeGreaterThan(0);
  });

  test("a query that matches nothing returns an empty list, not an error", async () => {
    for (const query of ["zxqv blorptastic", "the of and to"]) {
      const response = await retrieve(kbId, { query });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ results: [] });
    }
    const emptyKb = await createKb("empty");
    expect((await retrieve(emptyKb, { query: "refund" })).body).toEqual({ results: [] });
  });

  test("top_k defaults to 5 and limits the results", async () => {
    const broad = await retrieve(kbId, { query: "refund delivery password limits support phone warehouse account" });
    expect(broad.body.results).toHaveLength(5);
    const one = await retrieve(kbId, { query: "refund delivery password", top_k: 1 });
    expect(one.body.results).toHaveLength(1);
  });

  test("the index follows the documents: a new one is found, a deleted one is not", async () => {
    const query = { query: "volcano eruption" };
    expect((await retrieve(kbId, query)).body.results).toEqual([]);
    const doc = await addDoc(kbId, { title: "Geology", content: "A volcano eruption sends ash high into the air." });
    const found = (await retrieve(kbId, query)).body.results;
    expect(found[0]?.document_id).toBe(doc.id);
    await server.api("DELETE", `/api/knowledge-bases/${kbId}/documents/${doc.id}`, { token });
    expect((await retrieve(kbId, query)).body.results).toEqual([]);
  });

  test.each([
    ["missing query", { top_k: 2 }, "query"],
    ["query of the wrong type", { query: 5 }, "query"],
    ["top_k zero", { query: "x", top_k: 0 }, "top_k"],
    ["top_k not an integer", { query: "x", top_k: 1.5 }, "top_k"],
    ["unknown field", { query: "x", k: 2 }, "k"],
  ])("%s → validation_error", async (_label, body, field) => {
    const response = await retrieve(kbId, body);
    expect(response.status).toBe(400);
    expect(response.body.details.map((d: any) => d.field)).toContain(field);
  });
});

describe("ownership", () => {
  test("another user's knowledge base and its documents are not_found", async () => {
    const kbId = await createKb("mine only");
    const doc = await addDoc(kbId, { title: "secret plan", content: "The secret plan is in the vault." });
    const attempts: [string, string, unknown][] = [
      ["GET", `/api/knowledge-bases/${kbId}`, undefined],
      ["PATCH", `/api/knowledge-bases/${kbId}`, { name: "x" }],
      ["DELETE", `/api/knowledge-bases/${kbId}`, undefined],
      ["GET", `/api/knowledge-bases/${kbId}/documents`, undefined],
      ["POST", `/api/knowledge-bases/${kbId}/documents`, { title: "x", content: "y" }],
      ["GET", `/api/knowledge-bases/${kbId}/documents/${doc.id}`, undefined],
      ["DELETE", `/api/knowledge-bases/${kbId}/documents/${doc.id}`, undefined],
      ["POST", `/api/knowledge-bases/${kbId}/retrieve`, { query: "secret plan" }],
    ];
    for (const [method, path, body] of attempts) {
      const response = await server.api(method, path, { token: other.token, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error).toBe("not_found");
    }
    // A document id reached through one's own knowledge base is not_found too.
    const theirKb = await createKb("theirs", other.token);
    const cross = await server.api("GET", `/api/knowledge-bases/${theirKb}/documents/${doc.id}`, {
      token: other.token,
    });
    expect(cross.status).toBe(404);
    const list = await server.api("GET", "/api/knowledge-bases", { token: other.token });
    expect(list.body.items.map((kb: any) => kb.id)).toEqual([theirKb]);
    // Nothing was changed by the attempts.
    expect((await retrieve(kbId, { query: "secret plan" })).body.results[0]?.document_id).toBe(doc.id);
  });
});
