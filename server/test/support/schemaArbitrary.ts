// Turns the JSON Schema that zod 4 emits for a route's input (`z.toJSONSchema`, input side) into
// fast-check arbitraries: values the schema accepts, and mutations of them it must reject. Only
// the subset of JSON Schema that zod emits is understood; any other keyword throws, so a new
// schema feature is noticed instead of being fuzzed with values that are not what the test claims.
import fc from "fast-check";
import { z } from "zod";

export type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "array" | "object";

export interface JsonSchema {
  type?: JsonType | JsonType[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  [annotation: string]: unknown;
}

/**
 * Where the value travels. `json`: a JSON body, any JSON value. `query` and `path`: a flat object
 * whose values reach the route as strings (numbers are parsed the way `z.coerce.number()` does),
 * so generated values are strings; `query` may repeat a key, which arrives as an array.
 */
export type Mode = "json" | "query" | "path";

export interface ArbitraryOptions {
  mode?: Mode;
  /**
   * Lets the caller mix its own values into the field at `path` (e.g. ids of real resources).
   * Such values must be recognised by `isPlaceholder`, which `accepts` then trusts.
   */
  refine?: (path: readonly string[], arbitrary: fc.Arbitrary<unknown>, schema: JsonSchema) => fc.Arbitrary<unknown>;
  isPlaceholder?: (value: unknown) => boolean;
  /** Whether objects that allow unknown keys get some (default: yes, except in `path` mode). */
  extraKeys?: boolean;
}

// ---- raw JSON ------------------------------------------------------------------------------

/**
 * A piece of JSON text inserted verbatim where it sits in a value: things JSON.stringify cannot
 * write (1e400) or would be slow and deep to build as objects (10,000 levels of nesting).
 * `standIn` is what the text means for validation.
 */
export class RawJson {
  constructor(
    readonly text: string,
    readonly standIn: unknown,
    readonly label: string,
  ) {}

  [fc.toStringMethod](): string {
    return `RawJson(${this.label})`;
  }
}

/** Stands for "some value no schema but `{}` accepts" inside a RawJson stand-in. */
const OPAQUE = Symbol("opaque JSON value");

export function hugeNumber(negative = false): RawJson {
  return new RawJson(negative ? "-1e400" : "1e400", negative ? -Infinity : Infinity, negative ? "-1e400" : "1e400");
}

/** `{"a":{"a":…}}` or `[[…]]`, `depth` levels deep. */
export function deeplyNested(depth: number, shape: "object" | "array"): RawJson {
  const text =
    shape === "object" ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  const standIn = shape === "object" ? { a: { a: { a: OPAQUE } } } : [[[OPAQUE]]];
  return new RawJson(text, standIn, `${shape} nested ${depth} deep`);
}

/** JSON text of a value that may hold RawJson pieces. Own `__proto__` keys are written as keys. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const token = `__raw_json_${Math.random().toString(36).slice(2)}_`;
  const text = JSON.stringify(value, (_key, item) => {
    if (item instanceof RawJson) {
      raws.push(item.text);
      return `${token}${raws.length - 1}`;
    }
    return item;
  });
  if (text === undefined) throw new Error("value has no JSON form");
  if (raws.length === 0) return text;
  return text.replace(new RegExp(`"${token}(\\d+)"`, "g"), (_match, index: string) => raws[Number(index)] as string);
}

/** An object with `key` as an own, enumerable property, even for `__proto__`. */
function withKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

// ---- reading the schema ----------------------------------------------------------------------

/** The JSON Schema of a zod schema's input, as the converter expects it. */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "id",
  "title",
  "description",
  "default",
  "example",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$defs",
  "definitions",
]);
const UNDERSTOOD = new Set([
  "type",
  "const",
  "enum",
  "anyOf",
  "oneOf",
  "allOf",
  "$ref",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
]);
const FORMATS = new Set(["email", "date", "date-time", "uuid"]);

export class UnsupportedSchemaError extends Error {}

class Context {
  private readonly resolving = new Set<string>();

  constructor(
    readonly root: JsonSchema,
    readonly mode: Mode,
    readonly isPlaceholder: (value: unknown) => boolean,
  ) {}

  /** Follows `$ref` (to `#`, `#/$defs/…` or `#/definitions/…`); recursive schemas are refused. */
  resolve(schema: JsonSchema | boolean, path: readonly string[]): JsonSchema | boolean {
    if (typeof schema === "boolean" || schema.$ref === undefined) return schema;
    const ref = schema.$ref;
    if (this.resolving.has(ref)) throw new UnsupportedSchemaError(`recursive $ref ${ref} at ${path.join(".")}`);
    let target: JsonSchema | undefined;
    if (ref === "#") target = this.root;
    else {
      const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
      if (match)
        target = (this.root[match[1] as "$defs"] as Record<string, JsonSchema> | undefined)?.[match[2] as string];
    }
    if (!target) throw new UnsupportedSchemaError(`unresolvable $ref ${ref}`);
    const { $ref: _ref, ...siblings } = schema;
    return { ...target, ...siblings };
  }

  /** Runs `fn` with `ref` marked as being expanded (so a cycle is caught, not looped). */
  within<T>(schema: JsonSchema | boolean, fn: () => T): T {
    const ref = typeof schema === "object" ? schema.$ref : undefined;
    if (ref === undefined) return fn();
    this.resolving.add(ref);
    try {
      return fn();
    } finally {
      this.resolving.delete(ref);
    }
  }
}

function check(schema: JsonSchema, path: readonly string[]): void {
  for (const key of Object.keys(schema)) {
    if (!UNDERSTOOD.has(key) && !ANNOTATIONS.has(key)) {
      throw new UnsupportedSchemaError(`JSON Schema keyword "${key}" at ${path.join(".") || "(root)"}`);
    }
  }
  if (schema.format !== undefined && !FORMATS.has(schema.format) && schema.pattern === undefined) {
    throw new UnsupportedSchemaError(`string format "${schema.format}" at ${path.join(".") || "(root)"}`);
  }
}

function typesOf(schema: JsonSchema): JsonType[] | undefined {
  if (schema.type === undefined) return undefined;
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

// ---- validation (the subset the generators use) ---------------------------------------------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function formatOk(format: string, text: string): boolean {
  switch (format) {
    case "date":
      return isCalendarDate(text);
    case "date-time": {
      const match = ISO_DATE_TIME.exec(text);
      return match !== null && isCalendarDate(match[1] as string);
    }
    case "uuid":
      return UUID.test(text);
    case "email":
      return EMAIL.test(text);
    default:
      return true;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function jsonTypeOf(value: unknown): JsonType | "other" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number")
    return Number.isFinite(value) ? (Number.isInteger(value) ? "integer" : "number") : "other";
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return "object";
  if (typeof value === "object" && Object.getPrototypeOf(value) === null) return "object";
  return "other";
}

/** What a query or path value (a string, or an array for a repeated key) means to a schema of `type`. */
function transported(value: unknown, types: JsonType[] | undefined): unknown {
  if (typeof value !== "string") return value;
  if (types?.some((type) => type === "integer" || type === "number") && !types.includes("string")) {
    return Number(value); // what z.coerce.number() does
  }
  if (types?.includes("boolean") && !types.includes("string")) return Boolean(value); // z.coerce.boolean()
  return value;
}

function acceptsIn(cx: Context, input: JsonSchema | boolean, value: unknown, path: readonly string[]): boolean {
  if (cx.isPlaceholder(value)) return true;
  if (value instanceof RawJson) return acceptsIn(cx, input, value.standIn, path);
  const schema = cx.resolve(input, path);
  if (schema === true) return true;
  if (schema === false) return false;
  return cx.within(input, () => {
    // `{}` takes any JSON value, 1e400 included (JSON.parse reads it as Infinity).
    if (Object.keys(schema).every((key) => ANNOTATIONS.has(key))) return true;
    if (value === OPAQUE) return false;
    const flat = cx.mode !== "json" && path.length === 1;
    const types = typesOf(schema);
    const v = flat ? transported(value, types) : value;
    if (schema.const !== undefined && !deepEqual(v, schema.const)) return false;
    if (schema.enum !== undefined && !schema.enum.some((option) => deepEqual(v, option))) return false;
    if (schema.anyOf && !schema.anyOf.some((branch) => acceptsIn(cx, branch, value, path))) return false;
    if (schema.oneOf && schema.oneOf.filter((branch) => acceptsIn(cx, branch, value, path)).length !== 1) return false;
    if (schema.allOf && !schema.allOf.every((branch) => acceptsIn(cx, branch, value, path))) return false;
    const type = jsonTypeOf(v);
    if (type === "other") return false;
    if (types && !types.some((t) => t === type || (t === "number" && type === "integer"))) return false;
    if (typeof v === "string") {
      if (schema.minLength !== undefined && v.length < schema.minLength) return false;
      if (schema.maxLength !== undefined && v.length > schema.maxLength) return false;
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(v)) return false;
      if (schema.format !== undefined && !formatOk(schema.format, v)) return false;
    }
    if (typeof v === "number") {
      if (schema.minimum !== undefined && v < schema.minimum) return false;
      if (schema.maximum !== undefined && v > schema.maximum) return false;
      if (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum) return false;
      if (schema.exclusiveMaximum !== undefined && v >= schema.exclusiveMaximum) return false;
      if (schema.multipleOf !== undefined && !Number.isInteger(v / schema.multipleOf)) return false;
    }
    if (Array.isArray(v)) {
      if (schema.minItems !== undefined && v.length < schema.minItems) return false;
      if (schema.maxItems !== undefined && v.length > schema.maxItems) return false;
      if (schema.items !== undefined && !v.every((item, i) => acceptsIn(cx, schema.items!, item, [...path, String(i)])))
        return false;
      if (schema.uniqueItems && new Set(v.map((item) => toJsonText(item))).size !== v.length) return false;
    }
    if (type === "object") {
      const object = v as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!Object.hasOwn(object, key)) return false;
      for (const key of Object.keys(object)) {
        const item = object[key];
        const declared =
          schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
        if (declared !== undefined) {
          if (!acceptsIn(cx, declared, item, [...path, key])) return false;
          continue;
        }
        if (schema.propertyNames && !acceptsIn(cx, schema.propertyNames, key, [...path, key])) return false;
        if (schema.additionalProperties === false) return false;
        if (typeof schema.additionalProperties === "object") {
          if (!acceptsIn(cx, schema.additionalProperties, item, [...path, key])) return false;
        }
      }
    }
    return true;
  });
}

/** Whether `value` is valid for `schema` (in `mode`), by the subset of JSON Schema understood here. */
export function accepts(schema: JsonSchema, value: unknown, options: ArbitraryOptions = {}): boolean {
  const cx = new Context(schema, options.mode ?? "json", options.isPlaceholder ?? (() => false));
  return acceptsIn(cx, schema, value, []);
}

// ---- valid values ----------------------------------------------------------------------------

/** Strings that have broken parsers, templates, SQL and headers before. */
const TRICKY_STRINGS = [
  "",
  " ",
  "null",
  "undefined",
  "0",
  "-1",
  "true",
  "NaN",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "../../etc/passwd",
  "..",
  ".",
  "%00",
  "%",
  "\u0000",
  "\ud800",
  "\udfff",
  "'; DROP TABLE users; --",
  '" OR "1"="1',
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, meant literally.
  "${7*7}",
  "{{7*7}}",
  "\r\nX-Injected: 1",
  "💩👩‍👩‍👧",
  "\u202etxt.exe",
  "ﷺ".repeat(20),
  "a\tb\nc",
];

const DAY_MS = 86_400_000;

function dateTimeArbitrary(): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.integer({ min: Date.UTC(0, 0, 1) - DAY_MS * 365 * 1900, max: Date.UTC(9999, 11, 31) }),
      fc.constantFrom("ms", "s", "offset"),
      fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
    )
    .map(([ms, style, offset]) => {
      const iso = new Date(ms).toISOString();
      if (style === "ms") return iso;
      if (style === "s") return `${iso.slice(0, 19)}Z`;
      const sign = offset < 0 ? "-" : "+";
      const abs = Math.abs(offset);
      return `${iso.slice(0, 19)}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    })
    .filter((text) => formatOk("date-time", text));
}

function formatArbitrary(format: string): fc.Arbitrary<string> {
  switch (format) {
    case "date-time":
      return dateTimeArbitrary();
    case "date":
      return dateTimeArbitrary()
        .map((text) => text.slice(0, 10))
        .filter((text) => isCalendarDate(text));
    case "uuid":
      return fc.uuid();
    default:
      return fc.emailAddress();
  }
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
  const fits = (text: string) => text.length >= min && text.length <= max;
  if (schema.pattern !== undefined || schema.format !== undefined) {
    const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
    const candidates: fc.Arbitrary<string>[] = [];
    if (schema.format !== undefined && FORMATS.has(schema.format)) candidates.push(formatArbitrary(schema.format));
    if (pattern) candidates.push(fc.stringMatching(pattern));
    return fc
      .oneof(...candidates)
      .filter((text) => fits(text) && (!pattern || pattern.test(text)) && formatOk(schema.format ?? "", text));
  }
  const cap = Math.min(max, min + 32);
  const boundaries = [...new Set([min, Number.isFinite(max) ? max : min + 1000])].map((length) => "x".repeat(length));
  return fc
    .oneof(
      { weight: 5, arbitrary: fc.string({ minLength: min, maxLength: cap }) },
      { weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: cap }) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: min, maxLength: cap }) },
      { weight: 1, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
      { weight: 1, arbitrary: fc.constantFrom(...boundaries) },
    )
    .filter(fits);
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  let lo = schema.minimum ?? Number.NEGATIVE_INFINITY;
  let hi = schema.maximum ?? Number.POSITIVE_INFINITY;
  const loExcluded = schema.exclusiveMinimum !== undefined && schema.exclusiveMinimum >= lo;
  const hiExcluded = schema.exclusiveMaximum !== undefined && schema.exclusiveMaximum <= hi;
  if (loExcluded) lo = schema.exclusiveMinimum as number;
  if (hiExcluded) hi = schema.exclusiveMaximum as number;
  if (integer || schema.multipleOf !== undefined) {
    const step = schema.multipleOf ?? 1;
    let first = Math.ceil(Math.max(lo, Number.MIN_SAFE_INTEGER) / step);
    let last = Math.floor(Math.min(hi, Number.MAX_SAFE_INTEGER) / step);
    if (loExcluded && first * step === lo) first += 1;
    if (hiExcluded && last * step === hi) last -= 1;
    if (first > last) throw new UnsupportedSchemaError(`no ${integer ? "integer" : "multiple"} fits ${lo}..${hi}`);
    return fc
      .bigInt({ min: BigInt(first), max: BigInt(last) })
      .map((k) => Number(k) * step)
      .filter((n) => Number.isFinite(n) && (!integer || Number.isInteger(n)));
  }
  return fc.double({
    min: Number.isFinite(lo) ? lo : -Number.MAX_VALUE,
    max: Number.isFinite(hi) ? hi : Number.MAX_VALUE,
    minExcluded: loExcluded,
    maxExcluded: hiExcluded,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function anyJsonArbitrary(cx: Context): fc.Arbitrary<unknown> {
  if (cx.mode !== "json") return fc.string({ maxLength: 20 });
  // Anything goes here, including nesting far deeper than any client would send.
  return fc.oneof(
    { weight: 20, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        deeplyNested(10_000, "object"),
        deeplyNested(10_000, "array"),
        hugeNumber(),
        hugeNumber(true),
      ),
    },
  );
}

function build(cx: Context, input: JsonSchema | boolean, path: readonly string[], options: ArbitraryOptions) {
  const arbitrary = buildUnrefined(cx, input, path, options);
  return options.refine ? options.refine(path, arbitrary, typeof input === "object" ? input : {}) : arbitrary;
}

function buildUnrefined(
  cx: Context,
  input: JsonSchema | boolean,
  path: readonly string[],
  options: ArbitraryOptions,
): fc.Arbitrary<unknown> {
  const schema = cx.resolve(input, path);
  if (schema === false) throw new UnsupportedSchemaError(`schema "false" at ${path.join(".")}: nothing is valid`);
  if (schema === true) return anyJsonArbitrary(cx);
  check(schema, path);
  return cx.within(input, () => {
    const flat = cx.mode !== "json" && path.length >= 1;
    if (flat && path.length > 1) throw new UnsupportedSchemaError(`nested value in ${cx.mode} at ${path.join(".")}`);
    const asTransported = (arbitrary: fc.Arbitrary<unknown>) =>
      flat ? arbitrary.map((value) => (typeof value === "string" ? value : String(value))) : arbitrary;
    const valid = (arbitrary: fc.Arbitrary<unknown>) =>
      arbitrary.filter((value) => acceptsIn(cx, schema, flat ? transportedString(value) : value, path));

    if (schema.const !== undefined) return asTransported(fc.constant(schema.const));
    if (schema.enum !== undefined) return valid(asTransported(fc.constantFrom(...schema.enum)));
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      const merged = branches.map((branch) =>
        typeof branch === "object" && Object.keys(rest).some((key) => !ANNOTATIONS.has(key))
          ? { ...rest, ...branch }
          : branch,
      );
      const arbitrary = fc.oneof(...merged.map((branch) => build(cx, branch, path, { ...options, refine: undefined })));
      return schema.oneOf ? valid(arbitrary) : arbitrary;
    }
    if (schema.allOf) {
      if (schema.allOf.length !== 1) throw new UnsupportedSchemaError(`allOf with several parts at ${path.join(".")}`);
      const { allOf, ...rest } = schema;
      return build(cx, { ...rest, ...(allOf[0] as JsonSchema) }, path, { ...options, refine: undefined });
    }
    const types = typesOf(schema);
    if (types === undefined) {
      if (Object.keys(schema).every((key) => ANNOTATIONS.has(key))) return anyJsonArbitrary(cx);
      throw new UnsupportedSchemaError(`schema without a type at ${path.join(".") || "(root)"}`);
    }
    if (types.length > 1) {
      return fc.oneof(...types.map((type) => build(cx, { ...schema, type }, path, { ...options, refine: undefined })));
    }
    const type = types[0] as JsonType;
    switch (type) {
      case "string":
        // A path segment is percent-encoded, and a lone surrogate has no UTF-8 form to encode.
        return cx.mode === "path" ? valid(stringArbitrary(schema).map(wellFormed)) : stringArbitrary(schema);
      case "integer":
      case "number":
        return asTransported(numberArbitrary(schema, type === "integer"));
      case "boolean":
        return asTransported(fc.boolean());
      case "null":
        if (flat) throw new UnsupportedSchemaError(`null in ${cx.mode} at ${path.join(".")}`);
        return fc.constant(null);
      case "array": {
        if (flat) throw new UnsupportedSchemaError(`array in ${cx.mode} at ${path.join(".")}`);
        const item = build(cx, schema.items ?? true, [...path, "0"], options);
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.min(schema.maxItems ?? minLength + 5, minLength + 5);
        const list = schema.uniqueItems
          ? fc.uniqueArray(item, { minLength, maxLength, selector: (value) => toJsonText(value) })
          : fc.array(item, { minLength, maxLength });
        if (schema.maxItems === undefined || schema.maxItems <= maxLength || schema.uniqueItems) return list;
        // Now and then a list of any allowed length up to the longest (it still shrinks to short ones).
        const long = fc.array(item, { minLength, maxLength: schema.maxItems, size: "max" });
        return fc.oneof({ weight: 9, arbitrary: list }, { weight: 1, arbitrary: long });
      }
      case "object":
        return objectArbitrary(cx, schema, path, options);
    }
  });
}

function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

function transportedString(value: unknown): unknown {
  return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
}

function objectArbitrary(
  cx: Context,
  schema: JsonSchema,
  path: readonly string[],
  options: ArbitraryOptions,
): fc.Arbitrary<Record<string, unknown>> {
  if (cx.mode !== "json" && path.length > 0)
    throw new UnsupportedSchemaError(`object in ${cx.mode} at ${path.join(".")}`);
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) model[key] = build(cx, property, [...path, key], options);
  const required = (schema.required ?? []).filter((key) => Object.hasOwn(properties, key));
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(properties, key))
      throw new UnsupportedSchemaError(`required "${key}" without a property schema`);
  }
  const declared = fc.record(model, { requiredKeys: required });
  const additional = schema.additionalProperties;
  const wantsExtra = options.extraKeys ?? cx.mode !== "path";
  if (additional === false || (additional === undefined && !wantsExtra)) return declared;
  const keyArbitrary = (
    schema.propertyNames
      ? build(cx, schema.propertyNames, [...path, "(key)"], { ...options, refine: undefined })
      : fc.string({ maxLength: 12 })
  ).filter((key): key is string => typeof key === "string" && !Object.hasOwn(properties, key));
  const valueArbitrary =
    typeof additional === "object"
      ? build(cx, additional, [...path, "(value)"], { ...options, refine: undefined })
      : anyJsonArbitrary(cx);
  const extra = fc.array(fc.tuple(keyArbitrary, valueArbitrary), { maxLength: 4 });
  return fc.tuple(declared, extra).map(([object, pairs]) => {
    let result: Record<string, unknown> = { ...object };
    for (const [key, value] of pairs) result = withKey(result, key, value);
    return result;
  });
}

/** Values that `schema` accepts (strings only, in `query` and `path` modes). */
export function validArbitrary(schema: JsonSchema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const cx = new Context(schema, options.mode ?? "json", options.isPlaceholder ?? (() => false));
  return build(cx, schema, [], options);
}

// ---- invalid values --------------------------------------------------------------------------

export type MutationKind =
  | "wrong_type"
  | "null"
  | "array_for_object"
  | "unknown_field"
  | "prototype_key"
  | "missing_required"
  | "too_long"
  | "too_short"
  | "out_of_range"
  | "not_integer"
  | "huge_number"
  | "not_in_enum"
  | "bad_format"
  | "too_many_items"
  | "too_few_items"
  | "deep_nesting"
  | "repeated_key";

export interface Mutation {
  kind: MutationKind;
  /** The mutated field, dotted; "" for the whole value. */
  at: string;
  /** The whole mutated value (may hold RawJson pieces). */
  value: unknown;
}

type Path = readonly string[];

function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(head)] = setAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const object = value as Record<string, unknown>;
  return withKey(object, head, setAt(object[head], rest, replacement));
}

function removeKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const own of Object.keys(object))
    if (own !== key)
      Object.defineProperty(copy, own, { value: object[own], enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A fixed valid value of `schema`, for filling lists. */
function someValue(cx: Context, schema: JsonSchema | boolean, path: Path): unknown {
  const [value] = fc.sample(build(cx, schema, path, {}), { numRuns: 1, seed: 1 });
  return value;
}

/** The branches of a union that `value` matches (the schema itself when it is no union). */
function matchingBranches(cx: Context, schema: JsonSchema, value: unknown, path: Path): JsonSchema[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) {
    const types = typesOf(schema);
    if (types && types.length > 1) return types.map((type) => ({ ...schema, type }));
    return [schema];
  }
  return branches.flatMap((branch) => {
    const resolved = cx.resolve(branch, path);
    if (typeof resolved === "boolean" || !acceptsIn(cx, resolved, value, path)) return [];
    return matchingBranches(cx, resolved, value, path);
  });
}

type Candidate = Mutation & { key: string };

function siteMutations(
  cx: Context,
  input: JsonSchema | boolean,
  value: unknown,
  path: Path,
  out: Candidate[],
  root: unknown,
): void {
  const schema = cx.resolve(input, path);
  if (typeof schema === "boolean") return;
  cx.within(input, () => mutateSite(cx, schema, value, path, out, root));
}

function mutateSite(
  cx: Context,
  schema: JsonSchema,
  value: unknown,
  path: Path,
  out: Candidate[],
  root: unknown,
): void {
  const at = path.join(".");
  const push = (kind: MutationKind, replacement: unknown) =>
    out.push({ kind, at, value: setAt(root, path, replacement), key: `${kind} ${at} ${mutationKey(replacement)}` });
  const flat = cx.mode !== "json";
  const branches = matchingBranches(cx, schema, value, path);
  const allBranches = (schema.anyOf ?? schema.oneOf ?? [schema]).map((branch) => cx.resolve(branch, path));
  const stringBranches = allBranches.filter(
    (b): b is JsonSchema => typeof b === "object" && typesOf(b)?.includes("string") === true,
  );
  const numberBranches = allBranches.filter(
    (b): b is JsonSchema =>
      typeof b === "object" && typesOf(b)?.some((t) => t === "integer" || t === "number") === true,
  );

  if (flat) {
    if (path.length > 0) {
      push("wrong_type", "not-a-number");
      if (cx.mode === "query") push("repeated_key", [value, value]);
      push("huge_number", "1e400");
    }
  } else {
    push("wrong_type", "fuzz");
    push("wrong_type", 7);
    push("wrong_type", true);
    push("wrong_type", []);
    push("wrong_type", {});
    push("null", null);
    push("huge_number", hugeNumber());
    push("huge_number", hugeNumber(true));
    push("deep_nesting", deeplyNested(10_000, "object"));
    push("deep_nesting", deeplyNested(10_000, "array"));
  }
  for (const branch of stringBranches) {
    if (branch.maxLength !== undefined) push("too_long", "x".repeat(branch.maxLength + 1));
    if (branch.minLength !== undefined && branch.minLength > 0) push("too_short", "x".repeat(branch.minLength - 1));
    if (branch.enum !== undefined) push("not_in_enum", "not-one-of-the-options");
    if (branch.pattern !== undefined || branch.format !== undefined) {
      for (const bad of [
        "not-valid",
        "user@",
        "2024-02-30",
        "2024-13-01T00:00:00Z",
        "2030-01-01T25:00:00Z",
        "2030-01-01 00:00:00",
      ])
        push("bad_format", bad);
    }
  }
  if (!flat) {
    for (const branch of allBranches) {
      if (typeof branch === "object" && branch.enum !== undefined) push("not_in_enum", "not-one-of-the-options");
      if (typeof branch === "object" && branch.const !== undefined)
        push("not_in_enum", typeof branch.const === "string" ? `${branch.const}-not` : "not-the-constant");
    }
  }
  for (const branch of numberBranches) {
    const integer = typesOf(branch)?.includes("integer") && !typesOf(branch)?.includes("number");
    const num = (n: number) => (flat ? String(n) : n);
    if (branch.maximum !== undefined) push("out_of_range", num(branch.maximum + (integer ? 1 : 0.5)));
    if (branch.minimum !== undefined) push("out_of_range", num(branch.minimum - (integer ? 1 : 0.5)));
    if (branch.exclusiveMaximum !== undefined) push("out_of_range", num(branch.exclusiveMaximum));
    if (branch.exclusiveMinimum !== undefined) push("out_of_range", num(branch.exclusiveMinimum));
    if (integer) {
      const base = typeof value === "number" ? value : Number(value);
      push("not_integer", num((Number.isFinite(base) ? base : (branch.minimum ?? 0)) + 0.5));
    }
  }

  for (const branch of branches) {
    const types = typesOf(branch);
    if (!flat && types?.includes("object") && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      push("array_for_object", []);
      push("array_for_object", [object]);
      if (branch.additionalProperties === false) {
        push("unknown_field", withKey(object, "unexpected_field", 1));
        push("unknown_field", withKey(object, "nested", deeplyNested(10_000, "object")));
        push("prototype_key", withKey(object, "__proto__", { polluted: true }));
        push("prototype_key", withKey(object, "constructor", { prototype: { polluted: true } }));
      }
      for (const key of branch.required ?? [])
        if (Object.hasOwn(object, key)) push("missing_required", removeKey(object, key));
      for (const key of Object.keys(object)) {
        const declared =
          branch.properties && Object.hasOwn(branch.properties, key) ? branch.properties[key] : undefined;
        const sub =
          declared ?? (typeof branch.additionalProperties === "object" ? branch.additionalProperties : undefined);
        if (sub !== undefined) siteMutations(cx, sub, object[key], [...path, key], out, root);
      }
    }
    if (flat && path.length === 0 && types?.includes("object")) {
      const object = value as Record<string, unknown>;
      if (branch.additionalProperties === false) {
        out.push({
          kind: "unknown_field",
          at: "unexpected_field",
          value: withKey(object, "unexpected_field", "1"),
          key: "unknown",
        });
      }
      for (const key of branch.required ?? []) {
        if (Object.hasOwn(object, key)) {
          out.push({ kind: "missing_required", at: key, value: removeKey(object, key), key: `missing ${key}` });
        }
      }
      for (const key of Object.keys(object)) {
        const declared =
          branch.properties && Object.hasOwn(branch.properties, key) ? branch.properties[key] : undefined;
        if (declared !== undefined) siteMutations(cx, declared, object[key], [key], out, root);
      }
    }
    if (!flat && types?.includes("array") && Array.isArray(value)) {
      if (branch.maxItems !== undefined) {
        const filler = value.length > 0 ? value : [someValue(cx, branch.items ?? true, [...path, "0"])];
        push(
          "too_many_items",
          Array.from({ length: branch.maxItems + 1 }, (_, i) => filler[i % filler.length]),
        );
      }
      if (branch.minItems !== undefined && branch.minItems > 0)
        push("too_few_items", value.slice(0, branch.minItems - 1));
      value.slice(0, 3).forEach((item, i) => {
        siteMutations(cx, branch.items ?? true, item, [...path, String(i)], out, root);
      });
    }
  }
}

/** Every mutation of `value` that `schema` rejects, by kind. */
export function mutationsOf(schema: JsonSchema, value: unknown, options: ArbitraryOptions = {}): Mutation[] {
  const cx = new Context(schema, options.mode ?? "json", options.isPlaceholder ?? (() => false));
  const all: Candidate[] = [];
  siteMutations(cx, schema, value, [], all, value);
  const seen = new Set<string>();
  const mutations: Mutation[] = [];
  for (const { key, ...mutation } of all) {
    // In a path, a dropped or emptied parameter makes another route match: not a bad input.
    if (cx.mode === "path" && mutation.kind === "missing_required") continue;
    if (cx.mode === "path" && Object.values(mutation.value as object).some((v) => v === "")) continue;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!acceptsIn(cx, schema, mutation.value, [])) mutations.push(mutation);
  }
  return mutations;
}

function mutationKey(replacement: unknown): string {
  if (typeof replacement === "string") return `${replacement.length}:${replacement.slice(0, 50)}`;
  if (replacement instanceof RawJson) return replacement.label;
  return toJsonText(replacement).slice(0, 200);
}

/**
 * Invalid values: a valid value with one thing broken (a kind picked first, so rare kinds are
 * as likely as common ones). Null when the schema accepts everything and nothing can be broken.
 */
export function invalidArbitrary(schema: JsonSchema, options: ArbitraryOptions = {}): fc.Arbitrary<Mutation> | null {
  const base = validArbitrary(schema, options);
  const probe = fc.sample(base, { numRuns: 20, seed: 7 });
  if (probe.every((value) => mutationsOf(schema, value, options).length === 0)) return null;
  return base
    .map((value) => mutationsOf(schema, value, options))
    .filter((mutations) => mutations.length > 0)
    .chain((mutations) => {
      const kinds = [...new Set(mutations.map((m) => m.kind))];
      return fc.constantFrom(...kinds).chain((kind) => fc.constantFrom(...mutations.filter((m) => m.kind === kind)));
    });
}
