// Parameters for the raw SQL both databases take: `?` for SQLite; `$n::type` for PostgreSQL, whose
// parameters in a VALUES list need their types. `take()` hands the values to the statement and
// starts the numbering over for the next one.
import type { DatabaseProvider } from "@fim/db";

export function sqlParameters(provider: DatabaseProvider) {
  const values: unknown[] = [];
  return {
    /** The placeholder of one more value, cast to `type` on PostgreSQL. */
    add(value: unknown, type: string): string {
      values.push(value);
      return provider === "postgresql" ? `$${values.length}::${type}` : "?";
    },
    take(): unknown[] {
      return values.splice(0, values.length);
    },
  };
}
