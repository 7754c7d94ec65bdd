// Text must be valid Unicode, and hold no NUL (U+0000). JSON can spell a lone UTF-16 surrogate
// ("\ud800"), which no database or serialiser along the way accepts (the query engine refused it
// with a 500); PostgreSQL's text cannot hold U+0000 at all (even a lookup by an id containing it
// fails). Input is checked once at each door, before anything stores or forwards it, so both
// databases give the same answer: a 400 naming the field.
import { validationError } from "../errors.ts";

declare global {
  interface String {
    /** ES2024, present in Node 20; our `lib` setting stops at ES2023 to keep newer APIs out. */
    isWellFormed(): boolean;
  }
}

const problemOf = (text: string): string | null =>
  !text.isWellFormed()
    ? "is not valid Unicode text (it contains a lone surrogate)"
    : text.includes("\u0000")
      ? "must not contain the NUL character (U+0000)"
      : null;

/** The first string (or object key) in `value` that cannot be stored, with why, or null. */
export function malformedTextAt(value: unknown): { path: string; problem: string } | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: "" }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: string };
    if (typeof current === "string") {
      const problem = problemOf(current);
      if (problem) return { path, problem };
      continue;
    }
    if (!current || typeof current !== "object") continue;
    for (const [key, inner] of Object.entries(current)) {
      const at = path === "" ? key : `${path}.${key}`;
      const problem = problemOf(key);
      if (problem) return { path: at, problem };
      stack.push({ value: inner, path: at });
    }
  }
  return null;
}

/** Throws validation_error naming the field whose text is not valid Unicode, or holds a NUL. */
export function assertWellFormedText(value: unknown, where: string): void {
  const found = malformedTextAt(value);
  if (found !== null) throw validationError(found.path === "" ? where : found.path, found.problem);
}
