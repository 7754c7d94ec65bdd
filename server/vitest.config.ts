import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// The integration suite runs once per database, the same test files against each: a vitest
// project ("leg") per provider, named after it; test/globalSetup.ts prepares that database and
// tells the harness (inject("database")) which one it runs against. FIM_TEST_DATABASES
// picks the legs (default: both); without a PostgreSQL server, `FIM_TEST_DATABASES=sqlite pnpm test`.
const legs = (process.env.FIM_TEST_DATABASES ?? "sqlite,postgresql")
  .split(",")
  .map((leg) => leg.trim())
  .filter((leg) => leg !== "");
for (const leg of legs) {
  if (leg !== "sqlite" && leg !== "postgresql") {
    throw new Error(`FIM_TEST_DATABASES: unknown database "${leg}" (sqlite, postgresql, or both comma-separated)`);
  }
}

// Tests that touch no database (pure functions, the test helpers' own tests) run in the first leg only.
const databaseFree = ["src/**/*.test.ts", "test/support/**/*.test.ts"];

// Tests of SQLite's own file, left out of the PostgreSQL leg: PostgreSQL keeps no file of ours.
const sqliteOnly = [
  // The modes of the data directory's database files (0600) and the directory (0700).
  "test/security/fileModes.test.ts",
  // The database file removed or made read-only while serving, and the one-server lock on it.
  "test/security/databaseFile.test.ts",
  // The OpenAPI document and the client generated from it: the same on either database.
  "test/contract/openapi.test.ts",
  // The built server on its own data directory: the bundle is the same whatever the database.
  "test/builtServer.test.ts",
  // SQLite's migrations applied in-process, as Prisma's migrate deploy records them.
  "test/sqliteMigrations.test.ts",
];

// Tests of several servers sharing one database, left out of the SQLite leg: one SQLite database
// serves one server process (the second refuses to start).
const postgresqlOnly = ["test/postgresql/**/*.test.ts"];

const projects: TestProjectInlineConfiguration[] = legs.map((leg, index) => ({
  extends: true,
  test: {
    name: leg,
    // Per leg, not at the root: the root project would run it once more, for no database.
    globalSetup: ["test/globalSetup.ts"],
    include: [...(index === 0 ? databaseFree : []), "test/**/*.test.ts"],
    exclude: [...(index === 0 ? [] : databaseFree), ...(leg === "postgresql" ? sqliteOnly : postgresqlOnly)],
  },
}));

export default defineConfig({
  resolve: {
    // The tests run the TypeScript as it is, @fim/db's included (the file its "@fim/source" export
    // names): they need no build and never test a stale one.
    alias: [{ find: /^@fim\/db$/, replacement: fileURLToPath(new URL("../prisma/src/index.ts", import.meta.url)) }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time. Vitest's default is one fewer than the cores: one worker on our 2-core
    // machines, where a file spends much of its time waiting on its server's database, Redis or
    // argon2 threads; two overlap that waiting. FIM_TEST_WORKERS overrides it. Each file has its
    // own server, database and Redis keys, so files never share state.
    maxWorkers: Number(process.env.FIM_TEST_WORKERS ?? 2),
    // A worker keeps its modules from one file to the next instead of importing the server again
    // for each (that import was 40% of the suite's time). Safe here: no test mocks a module, and a
    // module holds no server's state (each file starts its own server with its own context).
    isolate: false,
    projects,
  },
});
