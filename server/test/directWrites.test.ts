// The writes through the driver itself (an agent run's question and answer): what they write reads
// back through the Prisma client as the same values (dates in UTC), a transaction is all or nothing,
// and a SQLite database the client is writing to makes the write wait without stopping the event
// loop. (An unreachable database: directReads.test.ts, for both.)
import { createDb, directWrites } from "@fim/db";
import { beforeAll, expect, test } from "vitest";
import { newCuid } from "../src/lib/ids.ts";
import { type TestServer, testProvider, withAdminServer } from "./harness.ts";

let server: TestServer;
let userId: string;
withAdminServer((started) => {
  ({ server } = started);
});
beforeAll(async () => {
  userId = (await server.ctx.db.user.findFirstOrThrow({ where: { role: "admin" } })).id;
});

const CONVERSATION = `INSERT INTO "Conversation" ("id", "userId", "title", "agentId", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5)`;
const MESSAGE = `INSERT INTO "Message" ("id", "conversationId", "role", "content", "metadata", "steps", "createdAt") VALUES ($1, $2, $3, $4, $5, $6, $7)`;

const message = (conversationId: string, content: string, at: Date) => ({
  sql: MESSAGE,
  params: [newCuid(), conversationId, "user", content, "{}", "{}", at],
});

test("what a direct write stores reads back through the client as the same values, dates in UTC", async () => {
  const at = new Date(Date.UTC(2031, 5, 7, 8, 9, 10, 123));
  const id = `direct-${newCuid()}`;
  const first = message(id, "ünïcode ✓ and 'quotes'", at);
  await directWrites(server.ctx.db).transaction([
    { sql: CONVERSATION, params: [id, userId, "Written directly", null, at] },
    first,
  ]);
  const stored = await server.ctx.db.conversation.findUniqueOrThrow({ where: { id }, include: { messages: true } });
  expect(stored.createdAt.toISOString()).toBe(at.toISOString());
  expect(stored.updatedAt.toISOString()).toBe(at.toISOString());
  expect([stored.title, stored.agentId, stored.userId]).toEqual(["Written directly", null, userId]);
  expect(stored.messages).toEqual([
    {
      id: first.params[0],
      conversationId: id,
      role: "user",
      content: "ünïcode ✓ and 'quotes'",
      metadata: "{}",
      steps: "{}",
      createdAt: at,
    },
  ]);
});

test("many rows of one statement (which PostgreSQL's writer sends as multi-row inserts) all land with their own values", async () => {
  const first = new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 1));
  const second = new Date(Date.UTC(2030, 0, 2, 0, 0, 0, 2));
  const conversations = [`direct-${newCuid()}`, `direct-${newCuid()}`];
  const messages = Array.from({ length: 1_201 }, (_, i) =>
    message(conversations[i % 2]!, `message ${i}`, i % 2 === 0 ? first : second),
  );
  await directWrites(server.ctx.db).transaction([
    { sql: CONVERSATION, params: [conversations[0], userId, "first", null, first] },
    { sql: CONVERSATION, params: [conversations[1], userId, "second", "agent-x", second] },
    ...messages,
  ]);
  const stored = await server.ctx.db.conversation.findMany({
    where: { id: { in: conversations } },
    include: { _count: { select: { messages: true } } },
    orderBy: { title: "asc" },
  });
  expect(
    stored.map((row) => [
      row.title,
      row.agentId,
      row.createdAt.toISOString(),
      row.updatedAt.toISOString(),
      row._count.messages,
    ]),
  ).toEqual([
    ["first", null, first.toISOString(), first.toISOString(), 601],
    ["second", "agent-x", second.toISOString(), second.toISOString(), 600],
  ]);
  const last = await server.ctx.db.message.findUniqueOrThrow({ where: { id: String(messages[1_200]!.params[0]) } });
  expect([last.content, last.conversationId, last.createdAt.toISOString()]).toEqual([
    "message 1200",
    conversations[0],
    first.toISOString(),
  ]);
});

test("new rows and an update of older ones in one write: each lands as written", async () => {
  const earlier = new Date(Date.UTC(2029, 0, 1));
  const later = new Date(Date.UTC(2029, 0, 2));
  const older = `direct-${newCuid()}`;
  const newer = `direct-${newCuid()}`;
  await directWrites(server.ctx.db).transaction([
    { sql: CONVERSATION, params: [older, userId, "older", null, earlier] },
  ]);
  await directWrites(server.ctx.db).transaction([
    { sql: CONVERSATION, params: [newer, userId, "newer", null, later] },
    message(newer, "into the new one", later),
    message(older, "into the older one", later),
    { sql: `UPDATE "Conversation" SET "updatedAt" = $1 WHERE "id" = $2`, params: [later, older] },
  ]);
  const stored = await server.ctx.db.conversation.findMany({
    where: { id: { in: [older, newer] } },
    include: { messages: { select: { content: true } } },
    orderBy: { title: "desc" },
  });
  expect(
    stored.map((row) => [row.title, row.createdAt.toISOString(), row.updatedAt.toISOString(), row.messages]),
  ).toEqual([
    ["older", earlier.toISOString(), later.toISOString(), [{ content: "into the older one" }]],
    ["newer", later.toISOString(), later.toISOString(), [{ content: "into the new one" }]],
  ]);
});

// PostgreSQL's writer sends a transaction as one statement while it carries at most 65,535
// parameters, and as BEGIN, statements, COMMIT beyond: 10,000 messages of 7 are 70,000.
test("a write too large for one statement lands whole, and fails whole", async () => {
  const at = new Date(Date.UTC(2032, 1, 3));
  const id = `direct-${newCuid()}`;
  const messages = Array.from({ length: 10_000 }, (_, i) => message(id, `bulk ${i}`, at));
  const failure = await directWrites(server.ctx.db)
    .transaction([
      { sql: CONVERSATION, params: [id, userId, "bulk", null, at] },
      ...messages,
      message("no-such-conversation", "refused", at),
    ])
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Error);
  expect(await server.ctx.db.conversation.findUnique({ where: { id } })).toBeNull();

  await directWrites(server.ctx.db).transaction([
    { sql: CONVERSATION, params: [id, userId, "bulk", null, at] },
    ...messages,
  ]);
  expect(await server.ctx.db.message.count({ where: { conversationId: id } })).toBe(10_000);
});

test("a transaction is all or nothing: a failing statement leaves none of the others' rows", async () => {
  const id = `direct-${newCuid()}`;
  const at = new Date();
  const failure = await directWrites(server.ctx.db)
    .transaction([
      { sql: CONVERSATION, params: [id, userId, "Never stored", null, at] },
      message(id, "kept?", at),
      // No such conversation: the foreign key refuses it.
      message("no-such-conversation", "refused", at),
    ])
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Error);
  expect(await server.ctx.db.conversation.findUnique({ where: { id } })).toBeNull();
  expect(await server.ctx.db.message.count({ where: { conversationId: id } })).toBe(0);
});

test("a write that meets the client's open transaction waits for it without stopping the event loop", async () => {
  const id = `direct-${newCuid()}`;
  const at = new Date();
  let releaseClient!: () => void;
  const clientHolds = new Promise<void>((resolve) => {
    releaseClient = resolve;
  });
  let clientWrote!: () => void;
  const clientHasWritten = new Promise<void>((resolve) => {
    clientWrote = resolve;
  });
  // The client's interactive transaction writes, then holds the database (SQLite's write lock)
  // until released, which only this event loop can do.
  const clientTransaction = server.ctx.db.$transaction(
    async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { name: "holding the lock" } });
      clientWrote();
      await clientHolds;
    },
    { timeout: 30_000 },
  );
  try {
    await clientHasWritten;
    let written = false;
    const direct = directWrites(server.ctx.db)
      .transaction([{ sql: CONVERSATION, params: [id, userId, "After the lock", null, at] }])
      .then(() => {
        written = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // SQLite has one writer at a time: this one waits. A wait inside the driver would hold the
    // event loop, the client's transaction could never finish, and the write would fail busy.
    if (testProvider() === "sqlite") expect(written).toBe(false);
    releaseClient();
    await clientTransaction;
    await direct;
    expect(written).toBe(true);
    expect((await server.ctx.db.conversation.findUniqueOrThrow({ where: { id } })).title).toBe("After the lock");
  } finally {
    releaseClient();
    await clientTransaction.catch(() => undefined);
  }
});

test("the writer closes with its client and opens again on the next write", async () => {
  const db = createDb(server.ctx.config.databaseUrl);
  const id = `direct-${newCuid()}`;
  const at = new Date();
  await directWrites(db).transaction([{ sql: CONVERSATION, params: [id, userId, "one", null, at] }]);
  await db.$disconnect();
  await directWrites(db).transaction([message(id, "two", at)]);
  await db.$disconnect();
  expect(await server.ctx.db.message.count({ where: { conversationId: id } })).toBe(1);
});
