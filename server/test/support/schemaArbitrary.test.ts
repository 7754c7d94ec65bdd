// The converter is checked against zod itself: every value it calls valid, zod accepts, and
// every mutation it calls invalid, zod rejects, after the trip the value makes to a route (JSON
// text, a query string, or a percent-encoded path segment).
import querystring from "node:querystring";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { routes } from "../../src/http/routes/index.ts";
import {
  accepts,
  deeplyNested,
  hugeNumber,
  inputJsonSchema,
  invalidArbitrary,
  type Mode,
  mutationsOf,
  toJsonText,
  UnsupportedSchemaError,
  validArbitrary,
} from "./schemaArbitrary.ts";

/** The value as the route's schema receives it. */
function transport(mode: Mode, value: unknown): unknown {
  if (mode === "json") return JSON.parse(toJsonText(value));
  const entries = Object.entries(value as Record<string, unknown>);
  if (mode === "path")
    return Object.fromEntries(entries.map(([k, v]) => [k, decodeURIComponent(encodeURIComponent(String(v)))]));
  const search = new URLSearchParams();
  for (const [key, item] of entries)
    for (const one of Array.isArray(item) ? item : [item]) search.append(key, String(one));
  return querystring.parse(search.toString());
}

function agreesWithZod(schema: z.ZodType, mode: Mode, runs = 150): void {
  const json = inputJsonSchema(schema);
  fc.assert(
    fc.property(validArbitrary(json, { mode }), (value) => {
      const result = schema.safeParse(transport(mode, value));
      if (!result.success) throw new Error(`zod rejects ${toJsonText(value).slice(0, 300)}: ${result.error.message}`);
    }),
    { numRuns: runs, seed: 42 },
  );
  const invalid = invalidArbitrary(json, { mode });
  if (!invalid) return;
  fc.assert(
    fc.property(invalid, (mutation) => {
      const result = schema.safeParse(transport(mode, mutation.value));
      if (result.success)
        throw new Error(`zod accepts ${mutation.kind} at ${mutation.at}: ${toJsonText(mutation.value).slice(0, 300)}`);
    }),
    { numRuns: runs, seed: 42 },
  );
}

describe("agrees with zod on", () => {
  const cases: [string, z.ZodType, Mode][] = [
    ["strings with bounds", z.strictObject({ a: z.string().min(2).max(5), b: z.string().max(0) }), "json"],
    [
      "email, date, date-time, uuid",
      z.strictObject({ e: z.email(), d: z.iso.date(), t: z.iso.datetime({ offset: true }), u: z.uuid() }),
      "json",
    ],
    ["a pattern", z.strictObject({ slug: z.string().regex(/^[a-z]{2,8}(-[a-z]{2,8})?$/) }), "json"],
    ["enums and literals", z.strictObject({ e: z.enum(["a", "b"]), l: z.literal("x"), n: z.literal(3) }), "json"],
    [
      "numbers",
      z.strictObject({
        i: z.number().int().min(-3).max(7),
        p: z.number().positive().max(1),
        m: z.number().int().multipleOf(5).min(0).max(100),
        f: z.number(),
      }),
      "json",
    ],
    [
      "nullable, optional, defaults",
      z.strictObject({ n: z.string().nullable(), o: z.boolean().optional(), d: z.number().int().default(3) }),
      "json",
    ],
    [
      "arrays",
      z.strictObject({ a: z.array(z.string().min(1)).min(1).max(3), b: z.array(z.number().int()).max(60) }),
      "json",
    ],
    ["unions", z.strictObject({ u: z.union([z.string().max(3), z.array(z.string()).max(2)]).nullable() }), "json"],
    [
      "nested and loose objects",
      z.object({ o: z.strictObject({ x: z.number().min(0) }), loose: z.object({ y: z.string() }) }),
      "json",
    ],
    ["records of anything", z.strictObject({ meta: z.record(z.string(), z.unknown()) }), "json"],
    [
      "coerced query numbers",
      z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), q: z.string().max(5).optional() }),
      "query",
    ],
    ["query dates", z.object({ since: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional() }), "query"],
    ["path params", z.object({ id: z.string().min(1).max(10) }), "path"],
  ];
  test.each(cases)("%s", (_name, schema, mode) => agreesWithZod(schema, mode));

  const sides = [
    ["body", "json"],
    ["query", "query"],
    ["params", "path"],
  ] as const;
  const routeCases = routes.flatMap((route) =>
    sides.flatMap(([side, mode]) =>
      route[side]
        ? [[`${route.method.toUpperCase()} ${route.path} ${side}`, route[side] as z.ZodType, mode] as const]
        : [],
    ),
  );
  test.each(routeCases)("%s", (_name, schema, mode) => agreesWithZod(schema, mode, 60));
});

describe("mutations", () => {
  const schema = inputJsonSchema(
    z.strictObject({
      name: z.string().max(3),
      count: z.number().int().min(1).max(9).optional(),
      tags: z.array(z.string()).max(2),
    }),
  );

  test("each kind breaks what it says", () => {
    const mutations = mutationsOf(schema, { name: "ab", count: 2, tags: ["t"] });
    const kinds = new Set(mutations.map((m) => m.kind));
    for (const kind of [
      "wrong_type",
      "null",
      "array_for_object",
      "unknown_field",
      "prototype_key",
      "missing_required",
      "too_long",
      "out_of_range",
      "not_integer",
      "huge_number",
      "too_many_items",
      "deep_nesting",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const tooLong = mutations.find((m) => m.kind === "too_long");
    expect(tooLong).toMatchObject({ at: "name", value: { name: "xxxx", count: 2, tags: ["t"] } });
    const missing = mutations.find((m) => m.kind === "missing_required" && m.at === "");
    expect(missing?.value).not.toHaveProperty("name");
    for (const mutation of mutations)
      expect(accepts(schema, mutation.value), `${mutation.kind} at ${mutation.at}`).toBe(false);
  });

  test("a schema that accepts anything has none", () => {
    expect(invalidArbitrary(inputJsonSchema(z.unknown()))).toBeNull();
  });
});

describe("JSON text", () => {
  test("raw pieces go in verbatim; __proto__ stays a key", () => {
    const value: Record<string, unknown> = { n: hugeNumber(), list: [hugeNumber(true)] };
    Object.defineProperty(value, "__proto__", { value: { polluted: true }, enumerable: true });
    expect(toJsonText(value)).toBe('{"n":1e400,"list":[-1e400],"__proto__":{"polluted":true}}');
  });

  test("deep nesting is as deep as asked and parses", () => {
    const text = toJsonText({ a: deeplyNested(10_000, "array") });
    expect(text.length).toBe(2 * 10_000 + 1 + '{"a":}'.length);
    expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe("refuses what it does not understand", () => {
  const tree: z.ZodType = z.object({
    name: z.string(),
    get children() {
      return z.array(tree);
    },
  });
  test.each([
    ["tuples", z.tuple([z.string(), z.number()])],
    ["recursive schemas", tree],
    ["URLs (a format without a pattern)", z.strictObject({ u: z.url() })],
  ])("%s", (_name, schema) => {
    expect(() => validArbitrary(inputJsonSchema(schema))).toThrow(UnsupportedSchemaError);
  });
});
