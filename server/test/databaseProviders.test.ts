// What SQLite and PostgreSQL do differently, pinned down on each leg of the suite: the same
// answers from both for case-insensitive search (and `%`/`_` taken literally), unique emails
// under concurrent creation, count quotas under concurrent creation, usage counts flushed by two
// servers at once, unique-violation details, passages written by the database itself, dates to the
// millisecond. (Starting on PostgreSQL is in test/postgresql/startup.test.ts.)
import { openDb, uniqueViolation } from "@fim/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createContext } from "../src/context.ts";
import { createLogger } from "../src/logger.ts";
import { addDocument, createKnowledgeBase } from "../src/services/knowledgeBases.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let token: string;
let adminId: string;

beforeAll(async () => {
  server = await startTestServer({ QUOTA_API_KEYS: "3" });
  const login = await server.login(ADMIN.email, ADMIN.password);
  token = login.access_token;
  adminId = login.user.id;
});
afterAll(() => server.close());

const searchUsers = async (search: string, extra = "") =>
  (await server.api("GET", `/api/admin/users?search=${encodeURIComponent(search)}${extra}`, { token })).body;

describe("text search", () => {
  test("is case-insensitive on both databases", async () => {
    const user = await server.api("POST", "/api/admin/users", {
      token,
      body: { email: "Grace.Hopper@Example.com", name: "Grace HOPPER", password: "a-good-password-1" },
    });
    expect(user.status).toBe(201);
    for (const search of ["grace.hopper", "GRACE.HOPPER@EXAMPLE", "hopper", "Hopper", "grace h"]) {
      expect([search, (await searchUsers(search)).items.map((u: any) => u.id)]).toEqual([search, [user.body.id]]);
    }
  });

  test("takes % and _ literally, and fills a page with exact matches only", async () => {
    const exact = [];
    // Interleaved: rows the wildcards would also match, between rows that hold the text.
    for (let i = 0; i < 4; i++) {
      exact.push((await server.createUser(`wild_card.${i}@example.com`)).id);
      await server.createUser(`wildXcard.${i}@example.com`);
      await server.createUser(`wild-card.${i}@example.com`);
    }
    await server.createUser("percent%sign@example.com");
    const first = await searchUsers("wild_card", "&limit=3");
    expect(first.items.map((u: any) => u.id)).toEqual([...exact].reverse().slice(0, 3));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await searchUsers("wild_card", `&limit=3&cursor=${first.next_cursor}`);
    expect(second.items.map((u: any) => u.id)).toEqual([exact[0]]);
    expect(second.next_cursor).toBeNull();
    expect((await searchUsers("%sign")).items.map((u: any) => u.email)).toEqual(["percent%sign@example.com"]);
    expect((await searchUsers("%")).items.map((u: any) => u.email)).toEqual(["percent%sign@example.com"]);
    // As LIKE patterns these match every row above ("wild" holds i-l-d); as text, none.
    expect((await searchUsers("i_d")).items).toEqual([]);
    expect((await searchUsers("w%card")).items).toEqual([]);
    expect((await searchUsers("wild\\card")).items).toEqual([]);
  });
});

describe("unique emails", () => {
  test("differing only in case, the second is refused", async () => {
    const body = (email: string) => ({ email, password: "a-good-password-1" });
    expect((await server.api("POST", "/api/admin/users", { token, body: body("Case@Example.com") })).status).toBe(201);
    const again = await server.api("POST", "/api/admin/users", { token, body: body("cASE@example.COM ") });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: "validation_error", details: [{ field: "email" }] });
  });

  test("created at the same moment: one 201, the others 400 on email, never a 500", async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        server.api("POST", "/api/admin/users", {
          token,
          body: { email: "same.time@example.com", password: "a-good-password-1" },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400, 400, 400]);
    for (const answer of answers.filter((a) => a.status === 400)) {
      expect(answer.body).toEqual({
        error: "validation_error",
        message: "email: a user with this email already exists",
        details: [{ field: "email", message: "a user with this email already exists" }],
      });
    }
    expect(await server.ctx.db.user.count({ where: { email: "same.time@example.com" } })).toBe(1);
  });

  test("the violated columns are read the same way from both databases", async () => {
    const error = await server.ctx.db.user
      .create({ data: { email: ADMIN.email, passwordHash: "x" } })
      .catch((caught: unknown) => caught);
    expect(uniqueViolation(error)).toEqual(["email"]);
    const { id } = await server.createKey(token, { name: "usage row" });
    await server.ctx.db.apiKeyUsageDay.create({ data: { apiKeyId: id, day: "2026-01-01", count: 1 } });
    const compound = await server.ctx.db.apiKeyUsageDay
      .create({ data: { apiKeyId: id, day: "2026-01-01", count: 1 } })
      .catch((caught: unknown) => caught);
    // PostgreSQL reports camelCase names quoted ("apiKeyId"); they come back plain.
    expect(uniqueViolation(compound)).toEqual(["apiKeyId", "day"]);
    expect(uniqueViolation(new Error("something else"))).toBeNull();
    await server.ctx.db.apiKey.delete({ where: { id } });
  });
});

test("API keys created in parallel cannot go past the quota", async () => {
  const user = await server.createUser("key-quota@example.com");
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      server.api("POST", "/api/me/api-keys", { token: user.token, body: { name: `parallel ${i}` } }),
    ),
  );
  expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
  expect(answers.filter((answer) => answer.status === 403)).toHaveLength(5);
  expect(await server.ctx.db.apiKey.count({ where: { userId: user.id } })).toBe(3);
});

test("usage counts flushed by two servers at once: exact, and no flush has to retry", async () => {
  // A second server's context on the same database. PostgreSQL: a pool of its own, as another
  // server has. SQLite: the same connection (another server cannot open the file: one server per
  // SQLite database; two connections in one process would wait on each other's write lock on the
  // one thread they share).
  const config = loadConfig({ DATA_DIR: server.dataDir, DATABASE_URL: server.databaseUrl, LOG_LEVEL: "silent" });
  const shared = server.provider === "postgresql";
  const db = shared ? await openDb(server.databaseUrl) : server.ctx.db;
  const other = createContext({ config, db, logger: createLogger("silent") });
  try {
    const { id } = await server.createKey(token, { name: "two servers" });
    const start = Date.parse("2026-05-06T07:08:09.123Z");
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      // A new day each round: both flushes find no row for it and both insert.
      const at = new Date(start + round * 86_400_000);
      for (let i = 0; i < 5; i++) server.ctx.usage.record(id, at);
      for (let i = 0; i < 7; i++) other.usage.record(id, new Date(at.getTime() + 1));
      await Promise.all([server.ctx.usage.flush(), other.usage.flush()]);
      // A failed flush puts its counts back: none may be waiting.
      expect([server.ctx.usage.pendingFor(id).count, other.usage.pendingFor(id).count]).toEqual([0, 0]);
    }
    const key = await server.ctx.db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(key.totalRequests).toBe(12 * rounds);
    // The latest use wins, whichever flush came last.
    expect(key.lastUsedAt?.toISOString()).toBe(new Date(start + (rounds - 1) * 86_400_000 + 1).toISOString());
    const days = await server.ctx.db.apiKeyUsageDay.findMany({ where: { apiKeyId: id }, orderBy: { day: "asc" } });
    expect(days).toEqual(
      Array.from({ length: rounds }, (_, round) => ({
        apiKeyId: id,
        day: new Date(start + round * 86_400_000).toISOString().slice(0, 10),
        count: 12,
        refused: 0,
        rateLimited: 0,
      })),
    );
  } finally {
    await other.usage.stop();
    await other.search.stop();
    if (shared) await db.$disconnect();
  }
});

test("passages are written by the database in one statement per slice, with ids it makes", async () => {
  const kb = await createKnowledgeBase(server.ctx, adminId, { name: "Slices" });
  const paragraphs = Array.from(
    { length: 450 },
    (_, i) => `Passage ${i} says ${"something ".repeat(i % 7)}'quoted' \\ "too" ✓.`,
  );
  // Each paragraph long enough to be a passage of its own.
  const content = paragraphs.map((text) => `${text} ${"x".repeat(700)}`).join("\n\n");
  const document = await addDocument(server.ctx, adminId, kb.id, { title: "Many", content });
  const chunks = await server.ctx.db.chunk.findMany({
    where: { documentId: document.id },
    orderBy: { position: "asc" },
  });
  expect(chunks.length).toBe(450);
  expect(chunks.map((chunk) => chunk.position)).toEqual(paragraphs.map((_, i) => i));
  expect(chunks.map((chunk) => chunk.content.split(" x")[0])).toEqual(paragraphs);
  for (const chunk of chunks) expect(chunk.id).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(450);
  expect(chunks.every((chunk) => chunk.knowledgeBaseId === kb.id)).toBe(true);
});

test("dates keep their milliseconds, and come back as the same instant", async () => {
  const instants = ["2026-03-04T05:06:07.891Z", "1999-12-31T23:59:59.999Z", "2038-01-19T03:14:08.001Z"];
  const user = await server.createUser("dates@example.com");
  for (const instant of instants) {
    await server.ctx.db.user.update({ where: { id: user.id }, data: { createdAt: new Date(instant) } });
    const row = await server.ctx.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.createdAt.toISOString()).toBe(instant);
    const answer = await server.api("GET", `/api/admin/users/${user.id}`, { token });
    expect(answer.body.created_at).toBe(instant);
  }
});
