// The reads through the driver itself (the first use of a key or a session since start): they see
// what the Prisma client committed, at once, with the same values (dates in UTC, booleans), and a
// database that cannot be reached is the same 503 as through the client.
import { createDb, DatabaseUnreachableError, directReads, directWrites } from "@fim/db";
import { expect, test } from "vitest";
import { databaseUnavailable } from "../src/errors.ts";
import { type TestServer, testProvider, withAdminServer } from "./harness.ts";

let server: TestServer;
let token: string;
withAdminServer((started) => {
  ({ server, token } = started);
});

const KEY = `SELECT "expiresAt", "isActive", "name" FROM "ApiKey" WHERE "id" = $1`;

test("a direct read sees what the client just committed, with the same dates and flags", async () => {
  const expiresAt = new Date(Date.UTC(2031, 5, 7, 8, 9, 10, 123));
  const { id } = await server.createKey(token, { name: "direct", expires_at: expiresAt.toISOString() });
  const reads = directReads(server.ctx.db);
  const [row] = await reads.all(KEY, [id]);
  expect(new Date(row?.expiresAt as string | Date).toISOString()).toBe(expiresAt.toISOString());
  expect(Boolean(row?.isActive)).toBe(true);

  await server.ctx.db.apiKey.update({ where: { id }, data: { isActive: false, name: "renamed" } });
  const [changed] = await reads.all(KEY, [id]);
  expect([Boolean(changed?.isActive), changed?.name]).toEqual([false, "renamed"]);
  expect(await reads.all(KEY, ["no such key"])).toEqual([]);
});

test("the reader closes with its client and opens again on the next read", async () => {
  const db = createDb(server.ctx.config.databaseUrl);
  const { id } = await server.createKey(token, { name: "reopened" });
  expect(await directReads(db).all(KEY, [id])).toHaveLength(1);
  await db.$disconnect();
  expect(await directReads(db).all(KEY, [id])).toHaveLength(1);
  await db.$disconnect();
});

test("a database that cannot be reached is refused as unavailable (503), not as a server error, by reads and writes", async () => {
  const url =
    testProvider() === "postgresql"
      ? "postgresql://postgres@127.0.0.1:1/nothing"
      : `file:${server.ctx.config.dataDir}/none.db`;
  const db = createDb(url);
  const failures = await Promise.all([
    directReads(db)
      .all(KEY, ["x"])
      .catch((caught: unknown) => caught),
    directWrites(db)
      .transaction([{ sql: `UPDATE "ApiKey" SET "name" = $1 WHERE "id" = $2`, params: ["x", "x"] }])
      .catch((caught: unknown) => caught),
  ]);
  for (const error of failures) {
    if (testProvider() === "postgresql") expect(error).toBeInstanceOf(DatabaseUnreachableError);
    expect(databaseUnavailable(error)?.status).toBe(503);
  }
  await db.$disconnect();
});
