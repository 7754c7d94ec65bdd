// The one way a JSON text column is read back: parsed and checked against its contract schema;
// anything unreadable (an older shape, a hand-edited row) reads as the fallback, never throws.
import type { z } from "../contracts/common.ts";

export function readJsonColumn<T>(stored: string | null, schema: z.ZodType<T>, fallback: T): T {
  if (stored === null) return fallback;
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return fallback;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : fallback;
}
