// Per-user quotas on knowledge bases: how many knowledge bases, how many documents and how many
// bytes of document content one account may hold. Over a quota the answer is 403
// quota_exceeded naming the quota and its limit, and uploads fired in parallel cannot overshoot
// a limit together (the usage is measured and the row inserted in one transaction).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../../src/errors.ts";
import { addDocument, createKnowledgeBase } from "../../src/services/knowledgeBases.ts";
import { startTestServer, type TestServer } from "../harness.ts";

const LIMITS = { knowledgeBases: 2, documents: 3, storageBytes: Math.floor(0.01 * 1024 * 1024) };

let server: TestServer;
let users = 0;

beforeAll(async () => {
  server = await startTestServer({
    QUOTA_KNOWLEDGE_BASES: String(LIMITS.knowledgeBases),
    QUOTA_DOCUMENTS: String(LIMITS.documents),
    QUOTA_STORAGE_MB: "0.01",
  });
});
afterAll(() => server.close());

/** A fresh account, so each test starts with nothing used. */
async function newUser(): Promise<string> {
  return (await newAccount()).token;
}

function newAccount(): Promise<{ id: string; token: string }> {
  return server.createUser(`kb-quota-${++users}@example.com`);
}

/**
 * Calls started in the same tick, straight into the service: their database steps interleave,
 * which requests arriving one by one over HTTP rarely do here (the SQLite driver is synchronous).
 * A count taken outside the insert's transaction goes past the limit this way.
 */
async function settleAll(calls: (() => Promise<unknown>)[]): Promise<{ created: number; refused: AppError[] }> {
  const outcomes = await Promise.allSettled(calls.map((call) => call()));
  const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as AppError] : []));
  return { created: outcomes.length - refused.length, refused };
}

function expectQuotaErrors(errors: AppError[], quota: string, limit: number): void {
  for (const error of errors) {
    expect(error).toBeInstanceOf(AppError);
    expect(error.toBody()).toEqual({ error: "quota_exceeded", message: expect.any(String), quota, limit });
  }
}

const createKb = (token: string, name = "kb") => server.api("POST", "/api/knowledge-bases", { token, body: { name } });

const addDoc = (token: string, kbId: string, content: string) =>
  server.api("POST", `/api/knowledge-bases/${kbId}/documents`, { token, body: { title: "doc", content } });

function expectQuota(response: { status: number; body: any }, quota: string, limit: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(403);
  expect(response.body).toEqual({ error: "quota_exceeded", message: expect.any(String), quota, limit });
}

describe("knowledge bases per user", () => {
  test("past the limit → 403 quota_exceeded; deleting one makes room", async () => {
    const token = await newUser();
    const first = await createKb(token, "one");
    expect(first.status).toBe(201);
    expect((await createKb(token, "two")).status).toBe(201);
    expectQuota(await createKb(token, "three"), "knowledge_bases", LIMITS.knowledgeBases);
    // Another account has its own allowance.
    expect((await createKb(await newUser())).status).toBe(201);
    expect((await server.api("DELETE", `/api/knowledge-bases/${first.body.id}`, { token })).status).toBe(204);
    expect((await createKb(token, "three")).status).toBe(201);
  });

  test("creations fired in parallel cannot overshoot", async () => {
    const token = await newUser();
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => createKb(token, `parallel ${i}`)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(LIMITS.knowledgeBases);
    for (const response of responses.filter((r) => r.status !== 201)) {
      expectQuota(response, "knowledge_bases", LIMITS.knowledgeBases);
    }
    const list = await server.api("GET", "/api/knowledge-bases", { token });
    expect(list.body.items).toHaveLength(LIMITS.knowledgeBases);

    const user = await newAccount();
    const { created, refused } = await settleAll(
      Array.from({ length: 8 }, (_, i) => () => createKnowledgeBase(server.ctx, user.id, { name: `same tick ${i}` })),
    );
    expect(created).toBe(LIMITS.knowledgeBases);
    expectQuotaErrors(refused, "knowledge_bases", LIMITS.knowledgeBases);
  });
});

describe("documents per user, over all their knowledge bases", () => {
  test("past the limit → 403 quota_exceeded; deleting one makes room", async () => {
    const token = await newUser();
    const a = (await createKb(token, "a")).body.id;
    const b = (await createKb(token, "b")).body.id;
    expect((await addDoc(token, a, "first")).status).toBe(201);
    expect((await addDoc(token, b, "second")).status).toBe(201);
    const third = await addDoc(token, b, "third");
    expect(third.status).toBe(201);
    expectQuota(await addDoc(token, a, "fourth"), "documents", LIMITS.documents);
    await server.api("DELETE", `/api/knowledge-bases/${b}/documents/${third.body.id}`, { token });
    expect((await addDoc(token, a, "fourth")).status).toBe(201);
  });

  test("uploads fired in parallel cannot overshoot", async () => {
    const token = await newUser();
    const kbId = (await createKb(token)).body.id;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => addDoc(token, kbId, `document ${i}`)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(LIMITS.documents);
    for (const response of responses.filter((r) => r.status !== 201)) {
      expectQuota(response, "documents", LIMITS.documents);
    }
    expect(await server.ctx.db.document.count({ where: { knowledgeBaseId: kbId } })).toBe(LIMITS.documents);

    const user = await newAccount();
    const own = (await createKb(user.token)).body.id;
    const { created, refused } = await settleAll(
      Array.from(
        { length: 10 },
        (_, i) => () => addDocument(server.ctx, user.id, own, { title: "t", content: `doc ${i}` }),
      ),
    );
    expect(created).toBe(LIMITS.documents);
    expectQuotaErrors(refused, "documents", LIMITS.documents);
  });
});

describe("stored bytes per user", () => {
  test("UTF-8 bytes of content count, not characters; past the limit → 403 quota_exceeded", async () => {
    const token = await newUser();
    const kbId = (await createKb(token)).body.id;
    // 3,000 characters, 6,000 bytes: twice would fit by characters (10,485 bytes allowed), not by bytes.
    const accented = "é".repeat(3000);
    const stored = await addDoc(token, kbId, accented);
    expect(stored.status).toBe(201);
    expect(stored.body.content_length).toBe(3000);
    expectQuota(await addDoc(token, kbId, accented), "storage_bytes", LIMITS.storageBytes);
    // What is left still fits.
    expect((await addDoc(token, kbId, "x".repeat(LIMITS.storageBytes - 6000))).status).toBe(201);
    expectQuota(await addDoc(token, kbId, "x"), "storage_bytes", LIMITS.storageBytes);
  });

  test("uploads fired in parallel cannot overshoot", async () => {
    const token = await newUser();
    const kbId = (await createKb(token)).body.id;
    // 4,000 bytes each: two fit in 10,485 bytes, a third would not (the document quota would allow it).
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => addDoc(token, kbId, `${i}`.padEnd(4000, "y"))),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(2);
    for (const response of responses.filter((r) => r.status !== 201)) {
      expectQuota(response, "storage_bytes", LIMITS.storageBytes);
    }
    const stored = await server.ctx.db.document.aggregate({
      where: { knowledgeBaseId: kbId },
      _sum: { contentBytes: true },
    });
    expect(stored._sum.contentBytes).toBe(8000);

    const user = await newAccount();
    const own = (await createKb(user.token)).body.id;
    const { created, refused } = await settleAll(
      Array.from(
        { length: 8 },
        (_, i) => () => addDocument(server.ctx, user.id, own, { title: "t", content: `${i}`.padEnd(4000, "y") }),
      ),
    );
    expect(created).toBe(2);
    expectQuotaErrors(refused, "storage_bytes", LIMITS.storageBytes);
  });
});
