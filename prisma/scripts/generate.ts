// `pnpm db:generate`: writes postgresql/schema.prisma from schema.prisma, then generates both
// clients (into src/generated/sqlite and src/generated/postgresql). Neither needs a database or
// a native engine.
import path from "node:path";
import { PROVIDERS, prismaCli, providerFiles, writePostgresSchema } from "./schemaFiles.ts";

if (writePostgresSchema()) console.log(`wrote ${path.relative(process.cwd(), providerFiles.postgresql.schema)}`);
for (const provider of PROVIDERS) {
  process.stdout.write(prismaCli(provider, ["generate"]));
}
