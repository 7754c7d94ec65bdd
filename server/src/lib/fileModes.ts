// The data directory holds password hashes, documents, conversations, the audit log and the
// generated secrets: nobody but the server's own user may read it. New installs are created
// private; an existing install with wider modes is tightened at start, and the log says so.
import { chmodSync, existsSync, statSync } from "node:fs";
import { sqliteFilePath } from "@fim/db";
import type { Logger } from "../logger.ts";

/** The database file behind a SQLite URL (`file:/path/db?…`), or null for any other database. */
export function sqliteFile(databaseUrl: string): string | null {
  return databaseUrl.startsWith("file:") ? sqliteFilePath(databaseUrl) : null;
}

/** The SQLite file, the companions SQLite creates beside it, and the server's lock. */
export function sqliteFiles(dbFile: string): string[] {
  return [
    dbFile,
    `${dbFile}-wal`,
    `${dbFile}-shm`,
    `${dbFile}-journal`,
    `${dbFile}.server-lock`,
    `${dbFile}.server-lock.owner`,
  ];
}

/**
 * Makes each existing path no wider than `mode` (0700 for the directory, 0600 for files).
 * Returns what it changed; `report` logs each change unless the file was created by this start.
 */
export function tightenModes(
  targets: { path: string; mode: number }[],
  logger: Logger,
  options: { quiet?: ReadonlySet<string> } = {},
): string[] {
  const changed: string[] = [];
  for (const target of targets) {
    if (!existsSync(target.path)) continue;
    const current = statSync(target.path).mode & 0o777;
    if ((current & ~target.mode) === 0) continue;
    chmodSync(target.path, target.mode);
    changed.push(target.path);
    if (!options.quiet?.has(target.path)) {
      logger.warn(
        { path: target.path, from: current.toString(8).padStart(4, "0"), to: target.mode.toString(8).padStart(4, "0") },
        "tightened the permissions of a data file that others could read",
      );
    }
  }
  return changed;
}
