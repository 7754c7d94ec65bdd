// Text must be valid Unicode. JSON can spell a lone UTF-16 surrogate ("\ud800"), which no
// database or serialiser along the way accepts (the query engine refused it with a 500). Input
// is checked once at each door, before anything stores or forwards it.
import { validationError } from "../errors.ts";

declare global {
  interface String {
    /** ES2024, present in Node 20; our `lib` setting stops at ES2023 to keep newer APIs out. */
    isWellFormed(): boolean;
  }
}

/** The path of the first string (or object key) in `value` that is not well-formed, or null. */
export function malformedTextAt(value: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: "" }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: string };
    if (typeof current === "string") {
      if (!current.isWellFormed()) return path;
      continue;
    }
    if (!current || typeof current !== "object") continue;
    for (const [key, inner] of Object.entries(current)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (!key.isWellFormed()) return at;
      stack.push({ value: inner, path: at });
    }
  }
  return null;
}

/** Throws validation_error naming the field whose text is not valid Unicode. */
export function assertWellFormedText(value: unknown, where: string): void {
  const path = malformedTextAt(value);
  if (path !== null) {
    throw validationError(path === "" ? where : path, "is not valid Unicode text (it contains a lone surrogate)");
  }
}
