// Entry point of `pnpm start`: configuration from the environment, then serve until SIGTERM or
// SIGINT, and stop gracefully (exit 0).
import { DatabaseInUseError, DatabaseUnreachableError, DatabaseUrlError, MigrationHistoryError } from "@fim/db";
import { pino } from "pino";
import { type Config, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";
import { SecretsMismatchError } from "./services/installation.ts";

/** Problems an operator fixes in the environment: said in plain words, no stack trace. */
const PLAIN = [
  DatabaseInUseError,
  DatabaseUnreachableError,
  DatabaseUrlError,
  MigrationHistoryError,
  SecretsMismatchError,
];

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`\n  Could not start: ${(error as Error).message}\n\n`);
  process.exit(1);
}
// Log lines are written asynchronously: a line goes out at once when nothing is being written,
// and lines logged meanwhile wait and go out together in the next write. Under load that is one
// write call for many request lines instead of one blocking call per line (about 6 % of a cheap
// request's time). Pino writes what is left when the process exits, whatever the reason.
const logger = createLogger(config.logLevel, pino.destination({ dest: 1, sync: false }));

const running = await startServer({
  config,
  logger,
  onFirstAdmin: ({ email, password }) => {
    // Printed once, to the console only (not through the logger, which may ship lines elsewhere).
    process.stdout.write(
      [
        "",
        "  First run: an administrator account was created.",
        `    email:    ${email}`,
        `    password: ${password}`,
        "  Log in and change this password under Settings → Password, or run",
        "  `pnpm cli user:password --email <email>` to set a new one. It is not shown again.",
        "",
      ].join("\n"),
    );
  },
}).catch((error: unknown) => {
  logger.fatal({ err: error }, "could not start");
  // Said plainly too, for whoever started it by hand: the log line may be going elsewhere.
  if (PLAIN.some((kind) => error instanceof kind)) process.stderr.write(`\n  ${(error as Error).message}\n\n`);
  process.exit(1);
});

logger.info({ url: running.url, dataDir: config.dataDir }, `FIM One listening on ${running.url}`);
process.stdout.write(`\n  Portal and API: ${running.url}   (API docs: ${running.url}/api/openapi.json)\n\n`);

let signalled = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    running
      .stop()
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      });
  });
}
