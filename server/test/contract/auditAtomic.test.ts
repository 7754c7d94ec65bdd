// A change and the audit entry that records it are kept together or not at all: with the audit
// table refusing one kind of entry (a database trigger), the change it would record is rolled
// back and the caller gets the contract's internal_error.
import { expect, test } from "vitest";
import { type TestServer, withAdminServer } from "../harness.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

/** Makes the database refuse audit entries of `action`, as a full disk or a broken table would. */
async function refuseAudit(action: string): Promise<void> {
  const db = server.ctx.db;
  if (server.provider === "sqlite") {
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditLog" WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit refused'); END`,
    );
  } else {
    await db.$executeRawUnsafe(
      `CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN IF NEW.action = '${action}' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_audit BEFORE INSERT ON "AuditLog" FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
    );
  }
}

test("a key whose deletion cannot be audited is not deleted, and other changes go on being audited", async () => {
  const key = await server.createKey(token, { name: "audited" });
  await refuseAudit("api_key.delete");

  const deleted = await server.api("DELETE", `/api/me/api-keys/${key.id}`, { token });
  expect(deleted.status).toBe(500);
  expect(deleted.body.error).toBe("internal_error");
  const still = await server.api("GET", `/api/me/api-keys/${key.id}`, { token });
  expect(still.status).toBe(200);
  // The key was never deleted, so it still authenticates.
  expect((await server.api("GET", "/api/auth/verify", { token: key.key })).status).toBe(200);
  expect(await server.ctx.db.auditLog.count({ where: { action: "api_key.delete" } })).toBe(0);

  // Other changes are still audited and kept.
  const renamed = await server.api("PATCH", `/api/me/api-keys/${key.id}`, { token, body: { name: "renamed" } });
  expect(renamed.status).toBe(200);
  expect(await server.ctx.db.auditLog.count({ where: { action: "api_key.update", targetId: key.id } })).toBe(1);
});
