// The database package: the only place that touches Prisma's generated client directly.
// Everything else imports `createDb`, the `Db` type and the model types from here.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/client.ts";

export type {
  Agent,
  ApiKey,
  AuditLog,
  Chunk,
  Connector,
  Conversation,
  Document,
  KnowledgeBase,
  Message,
  Prisma,
  Session,
  User,
} from "./generated/client.ts";

export type Db = PrismaClient;

const packageDir = path.resolve(import.meta.dirname, "..");

/** Opens a Prisma client on a SQLite database URL (`file:/path/to/db`). */
export function createDb(url: string): Db {
  const adapter = new PrismaBetterSQLite3({ url });
  return new PrismaClient({ adapter });
}

/**
 * Applies pending migrations with Prisma's own `migrate deploy` (JS schema engine, no native
 * binary), so the history in `_prisma_migrations` is the one Prisma's tooling understands.
 */
export async function applyMigrations(url: string): Promise<void> {
  const prismaBin = path.join(packageDir, "node_modules", ".bin", "prisma");
  await promisify(execFile)(prismaBin, ["migrate", "deploy"], {
    cwd: packageDir,
    env: { ...process.env, DATABASE_URL: url },
  });
}
