// Reads through the database's own driver, beside the Prisma client, for the few statements that
// sit in front of a request: the first use of an API key or a session since the server started.
// Through Prisma's query engine a one-row raw query costs about 200 µs on SQLite (400 µs on
// PostgreSQL) with a p99 of several milliseconds; through better-sqlite3 directly the same read
// takes a few microseconds, and through pg about 100 µs. Everything else goes through Prisma.
//
// Statements are read-only and written once for both databases: PostgreSQL's `$1` placeholders,
// which SQLite reads as named parameters (`@p1`). The connection is opened on the first read and
// closed with the client ($disconnect), so a reader never outlives the client it belongs to.
import type pg from "pg";
import { postgresPool, sqliteConnection, sqliteParameters } from "./drivers.ts";
import { asUnreachable } from "./portability.ts";

/** A row as the driver gives it: SQLite's booleans are 0/1 and its dates text; PostgreSQL's dates are Date. */
export type DirectRow = Record<string, unknown>;

export interface DirectReads {
  /** The rows of a read-only statement with `$1`, `$2`, … placeholders. */
  all(sql: string, params: readonly unknown[]): Promise<DirectRow[]>;
  close(): Promise<void>;
}

/**
 * A read-only connection of its own on the SQLite file (write-ahead logging lets it read while the
 * client writes; every statement sees what was committed before it). Its statements are prepared
 * once. A statement runs synchronously, a few microseconds for an indexed row.
 */
export function sqliteReads(file: string): DirectReads {
  const connection = sqliteConnection(file, { readonly: true, fileMustExist: true });
  return {
    async all(sql, params) {
      return connection.statement(sql).all(sqliteParameters(params)) as DirectRow[];
    },
    async close() {
      connection.close();
    },
  };
}

/** PostgreSQL's `timestamp` (without time zone), which Prisma writes in UTC; pg would read it as local time. */
const TIMESTAMP = 1114;

/**
 * A small pool of its own (two connections, as each read is one short round trip), with each
 * statement prepared once per connection (named by its text). Timestamps are read as UTC, as Prisma
 * wrote them.
 */
export function postgresReads(url: string): DirectReads {
  let typesOf: typeof pg.types | undefined;
  const connections = postgresPool(url, "fim_direct", (driver) => {
    typesOf = driver.types;
  });
  const types = {
    getTypeParser(oid: number, format?: string) {
      if (oid === TIMESTAMP) return (text: string) => new Date(`${text.replace(" ", "T")}Z`);
      return typesOf?.getTypeParser(oid, format as "text");
    },
  };
  return {
    async all(sql, params) {
      try {
        const pool = await connections.pool();
        const result = await pool.query({ name: connections.nameOf(sql), text: sql, values: [...params], types });
        return result.rows as DirectRow[];
      } catch (error) {
        // A connection failure says so (DatabaseUnreachableError), as the client's own do.
        throw asUnreachable(url, error);
      }
    },
    close: () => connections.close(),
  };
}
