// Writes through the database's own driver, beside the Prisma client, for the one write that sits in
// front of a stream: an agent run's question (and, at its end, its answer). A burst of runs writes
// them in batches, and through Prisma a batch of a hundred rows spent tens of milliseconds of CPU in
// its query compiler and interpreter, in one piece: the event loop stopped for that long, and every
// run still connecting waited. Through better-sqlite3 the same batch takes about a millisecond.
//
// Statements are written once for both databases, with PostgreSQL's `$1` placeholders (SQLite reads
// them as named parameters, `@p1`). Dates are written as Prisma writes them: on SQLite as ISO text
// with a `+00:00` offset, on PostgreSQL as UTC into `timestamp` columns. The connection is opened on
// the first write and closed with the client ($disconnect).
import { postgresPool, sqliteConnection, sqliteParameters } from "./drivers.ts";
import { asUnreachable } from "./portability.ts";

export interface DirectStatement {
  sql: string;
  params: readonly unknown[];
}

export interface DirectWrites {
  /**
   * Runs the statements in one transaction: all of them take effect, or none. They are writes that
   * do not read each other's rows (PostgreSQL may run them as one statement, on one snapshot); a
   * foreign key from one's rows to an earlier one's holds.
   */
  transaction(statements: readonly DirectStatement[]): Promise<void>;
  close(): Promise<void>;
}

/** How long a SQLite write waits for another writer (the Prisma client, or a CLI process) in all. */
const SQLITE_BUSY_MS = 5_000;

/**
 * A connection of its own on the SQLite file. A transaction runs synchronously from BEGIN to COMMIT,
 * so it never holds the write lock across a turn of the event loop and the Prisma client never
 * finds it locked by this one. The other way round, the client may hold the lock across turns (its
 * interactive transactions): a blocking busy timeout here would stop the very event loop that has
 * to finish them, so this connection does not wait inside SQLite. A busy database is tried again
 * on a timer, up to SQLITE_BUSY_MS (the client's own busy timeout), and then reported as
 * SQLITE_BUSY (which answers 503).
 */
export function sqliteWrites(file: string): DirectWrites {
  // As the server's client runs: a commit is durable across a crash of the process.
  const connection = sqliteConnection(file, { fileMustExist: true, timeout: 0 }, (db) =>
    db.pragma("synchronous = NORMAL"),
  );
  const runAll = (list: readonly DirectStatement[]) => {
    const run = connection.open().transaction(() => {
      for (const { sql, params } of list) connection.statement(sql).run(sqliteParameters(params, sqliteValue));
    });
    run.immediate();
  };
  return {
    async transaction(list) {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          runAll(list);
          return;
        } catch (error) {
          const busy = (error as { code?: unknown }).code === "SQLITE_BUSY";
          if (!busy || Date.now() - started >= SQLITE_BUSY_MS) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt)));
      }
    },
    async close() {
      connection.close();
    },
  };
}

/** SQLite has no date or boolean: Prisma stores dates as ISO text with an offset, booleans as 0/1. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/** `timestamp` columns hold UTC without a zone, as Prisma writes them; pg would send local time. */
function postgresValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString().replace("Z", "") : value;
}

/**
 * A small pool of its own (two connections). Consecutive one-row inserts of the same statement go
 * as one (see mergedInserts), and the statements of a transaction go as one statement when they
 * fit (see oneStatement): a single round trip, where BEGIN, each statement and COMMIT would take
 * one each, one after the other. What does not fit is BEGIN, the statements, COMMIT, on one
 * connection, each statement of one row prepared once per connection (named by its text).
 */
export function postgresWrites(url: string): DirectWrites {
  const connections = postgresPool(url, "fim_write");
  return {
    async transaction(list) {
      if (list.length === 0) return;
      const merged = mergedInserts(list);
      const single = oneStatement(merged);
      const client = await connections
        .pool()
        .then((pool) => pool.connect())
        .catch((error: unknown) => {
          throw asUnreachable(url, error);
        });
      // A merged insert's text depends on its row count: sent unnamed rather than prepared.
      const send = (statement: Merged) =>
        client.query({
          name: statement.rows === 1 ? connections.nameOf(statement.sql) : undefined,
          text: statement.sql,
          values: statement.params.map(postgresValue),
        });
      let failed: unknown;
      try {
        // One statement is a transaction of its own: all of it takes effect, or none.
        if (single) {
          await send(single);
          return;
        }
        await client.query("BEGIN");
        for (const statement of merged) await send(statement);
        await client.query("COMMIT");
      } catch (error) {
        failed = error;
        if (!single) await client.query("ROLLBACK").catch(() => undefined);
        throw asUnreachable(url, error);
      } finally {
        // A connection that failed mid-transaction is not given to the next write.
        client.release(failed instanceof Error && isConnectionError(failed) ? failed : undefined);
      }
    },
    close: () => connections.close(),
  };
}

/** Parameters one statement may carry (PostgreSQL's limit is 65,535). */
const STATEMENT_PARAMETERS = 65_535;

/**
 * Several writes as one statement: all but the last as data-modifying WITH queries, the last as
 * the statement itself (`WITH w1 AS (INSERT …), w2 AS (INSERT …) UPDATE …`), each one's
 * placeholders renumbered after the previous one's. Its parts see the same snapshot, not each
 * other's rows, which none of these writes needs: a foreign key from one part's rows to another's
 * is checked at the end of the statement, when all of them are in. Undefined when one statement
 * cannot carry them all.
 */
function oneStatement(list: readonly Merged[]): Merged | undefined {
  if (list.length === 1) return list[0];
  const total = list.reduce((sum, statement) => sum + statement.params.length, 0);
  if (total > STATEMENT_PARAMETERS) return undefined;
  let offset = 0;
  const parts = list.map((statement) => {
    const text = statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    offset += statement.params.length;
    return text;
  });
  const last = parts.pop()!;
  return {
    sql: `WITH ${parts.map((part, i) => `w${i + 1} AS (${part})`).join(", ")} ${last}`,
    params: list.flatMap((statement) => statement.params),
    rows: 0,
  };
}

/** Rows a merged insert takes at most (PostgreSQL takes up to 65,535 parameters a statement). */
const MERGED_ROWS = 500;

const SINGLE_ROW_INSERT = /^(INSERT INTO [^;]+? VALUES )\((\$\d+(?:, *\$\d+)*)\)$/s;

/**
 * Consecutive statements that insert one row each with the same text become one INSERT of many
 * rows (`VALUES (…), (…)`), so a batch of a hundred runs' messages is one round trip instead of a
 * hundred. Each row's placeholders are renumbered after the previous row's.
 */
interface Merged {
  sql: string;
  params: unknown[];
  /** Rows of a merged insert; 1 for any other statement (0 for one made by oneStatement). */
  rows: number;
}

function mergedInserts(list: readonly DirectStatement[]): Merged[] {
  const merged: Merged[] = [];
  let i = 0;
  while (i < list.length) {
    const { sql, params } = list[i]!;
    const match = SINGLE_ROW_INSERT.exec(sql);
    let end = i + 1;
    if (match) {
      while (end < list.length && end - i < MERGED_ROWS && list[end]!.sql === sql) end++;
    }
    if (!match || end - i === 1) {
      merged.push({ sql, params: [...params], rows: 1 });
      i = end;
      continue;
    }
    const [, head, placeholders] = match as unknown as [string, string, string];
    const width = Math.max(...[...placeholders.matchAll(/\$(\d+)/g)].map((found) => Number(found[1])));
    const values: string[] = [];
    const all: unknown[] = [];
    for (let row = 0; row < end - i; row++) {
      values.push(`(${placeholders.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + row * width}`)})`);
      const rowParams = list[i + row]!.params;
      for (let p = 0; p < width; p++) all.push(rowParams[p]);
    }
    merged.push({ sql: `${head}${values.join(", ")}`, params: all, rows: end - i });
    i = end;
  }
  return merged;
}

/** An error of the connection itself rather than of a statement (which carries a SQLSTATE code). */
function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code);
}
