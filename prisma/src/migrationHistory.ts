// What the two migrators (sqliteMigrations.ts, postgresMigrations.ts) share: a migrations folder
// read as Prisma reads it, Prisma's checksum rule, and the check of a database's recorded history
// before anything is applied to it. The SQL, the table and the lock of each database stay in its module.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface LocalMigration {
  /** The folder's name, `<14-digit timestamp>_<name>`: what `_prisma_migrations.migration_name` holds. */
  name: string;
  sql: string;
  /** What Prisma records for it: the sha256 (hex) of its migration.sql. */
  checksum: string;
}

/** A row of `_prisma_migrations`, as far as deciding what to apply needs it. */
export interface RecordedMigration {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** What a migrator did. */
export interface MigrationResult {
  /** The migrations it applied, oldest first. */
  applied: string[];
  /**
   * No migration was recorded before: the database held none of our tables (the first migration,
   * which creates them, would have failed), so it holds only what the migrations just made.
   */
  wasEmpty: boolean;
}

/** The history recorded in a database needs a person's look before anything more is applied. */
export class MigrationHistoryError extends Error {
  override name = "MigrationHistoryError";
}

/** The migrations in a folder, oldest first (the folder names sort by their timestamp). */
export function readMigrations(dir: string): LocalMigration[] {
  return readdirSync(dir)
    .filter((entry) => /^\d{14}_[a-z0-9_]+$/.test(entry))
    .sort()
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: sha256(bytes) };
    });
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Whether a migration file is still the one whose checksum was recorded. Prisma's rule: line
 * endings do not count (git may check a file out with CRLF on one machine and LF on another).
 */
export function checksumMatches(sql: string, checksum: string): boolean {
  return [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")].some((text) => sha256(text) === checksum);
}

/**
 * The local migrations a database has not recorded yet, oldest first: those `prisma migrate deploy`
 * would apply (a rolled-back record counts as not applied). Refuses, as Prisma's deploy does, when
 * a migration is recorded as started but not finished (it failed, or is being applied elsewhere);
 * and, where Prisma's deploy would go on regardless, when a migration was applied from a file that
 * has changed since: the database then does not have the schema the repository's history describes.
 * Migrations recorded here but unknown to this folder (applied by a newer version) are left alone,
 * as Prisma leaves them. `resolveWith` says how to run Prisma's `migrate resolve` for this database.
 */
export function pendingMigrations(
  local: LocalMigration[],
  recorded: RecordedMigration[],
  resolveWith: string,
): LocalMigration[] {
  const current = recorded.filter((row) => row.rolled_back_at === null);
  const unfinished = current.filter((row) => row.finished_at === null).map((row) => row.migration_name);
  if (unfinished.length > 0) {
    throw new MigrationHistoryError(
      `The migration ${unfinished.join(", ")} was started on this database and did not finish (it failed, or is ` +
        `being applied elsewhere). Once the database is repaired, record what it holds with \`prisma migrate ` +
        `resolve --applied <name>\` or \`--rolled-back <name>\` (${resolveWith}), then start again.`,
    );
  }
  const applied = new Map(current.map((row) => [row.migration_name, row.checksum]));
  const edited = local.filter((migration) => {
    const checksum = applied.get(migration.name);
    return checksum !== undefined && !checksumMatches(migration.sql, checksum);
  });
  if (edited.length > 0) {
    throw new MigrationHistoryError(
      `The migration ${edited.map((migration) => migration.name).join(", ")} was applied to this database from a ` +
        "migration.sql that has changed since (its checksum differs from the one recorded). Put the file back as " +
        "it was applied (see its history in git); a change to the schema goes into a new migration " +
        "(`pnpm db:new-migration <name>`).",
    );
  }
  return local.filter((migration) => !applied.has(migration.name));
}
