// Operator CLI: `pnpm cli <command> [options]`. Works on the same database as the server
// (DATA_DIR / DATABASE_URL), applying migrations first so it also works before the first start.
//
//   user:create   --email <email> [--name <name>] [--admin] [--password <pw>]
//   user:password --email <email> [--password <pw>]
//   user:list     [--search <text>]
//   user:mfa-reset --email <email>
//
// Without --password a random one is generated and printed once.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { applyMigrations, createDb } from "@fim/db";
import { loadConfig } from "./config.ts";
import { closeContext, createContext } from "./context.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { removeSecondFactor } from "./services/mfa.ts";
import { revokeAllSessions } from "./services/sessions.ts";
import { createUser, findUserByEmail, listUsers, setPassword } from "./services/users.ts";

const USAGE = `Usage: pnpm cli <command> [options]

  user:create   --email <email> [--name <name>] [--admin] [--password <password>]
  user:password --email <email> [--password <password>]
  user:list     [--search <text>]
  user:mfa-reset --email <email>
                Removes the user's second factor and recovery codes (a lost phone):
                they log in with their password alone until they enrol again.

Without --password, a random password is generated and printed once.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      password: { type: "string" },
      admin: { type: "boolean", default: false },
      search: { type: "string" },
    },
    strict: true,
  });
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }

  const config = loadConfig();
  await applyMigrations(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const ctx = createContext({ config, db, logger: createLogger("warn") });
  const generated = values.password ? null : randomBytes(12).toString("base64url");
  const password = values.password ?? generated ?? "";
  try {
    switch (command) {
      case "user:create": {
        if (!values.email) throw new Error("--email is required");
        const user = await createUser(ctx, {
          email: values.email,
          password,
          name: values.name,
          role: values.admin ? "admin" : "user",
        });
        process.stdout.write(`Created ${user.role} ${user.email} (id ${user.id})\n`);
        if (generated) process.stdout.write(`Password: ${generated}\n`);
        return 0;
      }
      case "user:password": {
        if (!values.email) throw new Error("--email is required");
        const user = await findUserByEmail(ctx, values.email);
        if (!user) throw new Error(`no user with email ${values.email}`);
        await setPassword(ctx, user.id, password);
        await revokeAllSessions(ctx, user.id, { reason: "password_reset" });
        process.stdout.write(`Password set for ${user.email}; their sessions were ended.\n`);
        if (generated) process.stdout.write(`Password: ${generated}\n`);
        return 0;
      }
      case "user:mfa-reset": {
        if (!values.email) throw new Error("--email is required");
        const user = await findUserByEmail(ctx, values.email);
        if (!user) throw new Error(`no user with email ${values.email}`);
        const had = await removeSecondFactor(ctx, user.id, { actorId: null, detail: { via: "cli" } });
        process.stdout.write(
          had
            ? `Second factor removed for ${user.email}: they log in with their password until they enrol again.\n`
            : `${user.email} had no second factor; nothing to remove.\n`,
        );
        return 0;
      }
      case "user:list": {
        let cursor: string | undefined;
        process.stdout.write("EMAIL\tROLE\tSTATUS\tCREATED\tID\n");
        do {
          const page = await listUsers(ctx, { search: values.search, limit: 100, cursor });
          for (const u of page.items) {
            const status = u.disabled ? "disabled" : "active";
            process.stdout.write(`${u.email}\t${u.role}\t${status}\t${u.created_at}\t${u.id}\n`);
          }
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        return 0;
      }
      default:
        process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
        return 1;
    }
  } finally {
    await closeContext(ctx);
    await db.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof AppError
        ? `${error.message} ${JSON.stringify(error.extra)}`
        : String(error instanceof Error ? error.message : error);
    process.stderr.write(`Error: ${message}\n`);
    process.exit(1);
  },
);
