// A procedure's middleware chain, input parsers, resolver and output parser as one plain async
// function, for the fast path (fastPath.ts). tRPC runs a call through `callRecursive`, which at
// every level copies the call's options into a new object with a new `next` closure (and the
// context too when a middleware adds to it): about 7 µs a level, and `GET /trpc/me` has four
// (the session check, the output parser, the resolver, and the call itself).
//
// A procedure is turned into a plain call only when every one of its middlewares is known: those
// of the ladder (trpc.ts registers their plain forms), and tRPC's own input and output parsers
// and resolver, whose behaviour is copied here from @trpc/server 11's procedureBuilder. Any other
// procedure (a middleware of its own, an experimental caller) goes through callTRPCProcedure.
//
// The same in every way a caller can see:
// - the ladder's checks run in the same order, each with the context as it was at its level
//   (what an earlier one added, merged as tRPC merges it: a copy with the additions on top);
// - input parsers run where they stand in the chain, each on the raw input, a failure being
//   BAD_REQUEST with the parser's error as its cause, and objects merged as tRPC merges them;
// - the resolver gets the context, the input, the type and the path; the output parser runs on its
//   data, a failure being INTERNAL_SERVER_ERROR "Output validation failed". The parsers are the
//   procedure's own schemas, read as tRPC reads them (getParseFn), a zod schema synchronously
//   first (parserOf);
// - a failure anywhere ends the call with getTRPCErrorFromUnknown of what was thrown, the error
//   tRPC's chain hands back (each level catches, and levels above pass a failure on untouched).
// Only the order in which the concurrent calls of one batch interleave may differ (they take
// fewer turns of the event loop), which tRPC does not define either.
import { type AnyTRPCProcedure, getTRPCErrorFromUnknown, TRPCError } from "@trpc/server";
import { getParseFn } from "@trpc/server/unstable-core-do-not-import";
import { z } from "zod";
import { type PlainMiddleware, plainFormOf } from "./trpc.ts";

type CallType = "query" | "mutation";

/** One call of a procedure: its data, or a rejection with the TRPCError tRPC would throw. */
export type PlainCall = (
  ctx: object,
  type: CallType,
  path: string,
  getRawInput: () => Promise<unknown>,
) => Promise<unknown>;

type Parse = (value: unknown) => unknown;

/** A step before the resolver: a ladder middleware, or an input parser. */
type Step = { middleware: PlainMiddleware; parse?: undefined } | { middleware?: undefined; parse: Parse };

/** What tRPC's procedure builder keeps of a procedure (its `_def`), as far as it is read here. */
interface ProcedureDef {
  type: string;
  middlewares: ({ _type?: string } & ((...args: never[]) => unknown))[];
  inputs: unknown[];
  output?: unknown;
  resolver?: (opts: object) => unknown;
  meta?: unknown;
  experimental_caller?: boolean;
}

/**
 * A schema's parse, as tRPC's getParseFn picks it, but for a zod schema synchronous first. tRPC
 * calls zod's parseAsync, which cannot take zod's compiled fast path for objects: the output of
 * `me` took several µs to check that way. A synchronous parse gives the same value or the same
 * ZodError; only a schema with an asynchronous refinement cannot be parsed so (zod throws
 * $ZodAsyncError), and is then parsed again asynchronously. None of our contracts has a refinement
 * or a transform, so nothing in them could notice being run twice.
 */
function parserOf(schema: unknown): Parse {
  const parseAsync = getParseFn(schema as Parameters<typeof getParseFn>[0]);
  if (!(schema instanceof z.ZodType)) return parseAsync;
  return (value) => {
    try {
      return schema.parse(value);
    } catch (error) {
      if (error instanceof z.core.$ZodAsyncError) return parseAsync(value);
      throw error;
    }
  };
}

/** As tRPC's isObject: what its input middleware merges. */
function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && !Array.isArray(value) && typeof value === "object";
}

/** The procedure as a plain call, or undefined when one of its middlewares is not known here. */
export function plainCall(procedure: AnyTRPCProcedure): PlainCall | undefined {
  const def = procedure._def as unknown as ProcedureDef;
  const { middlewares, inputs, resolver, meta } = def;
  if (def.experimental_caller || typeof resolver !== "function" || middlewares.length === 0) return undefined;
  const steps: Step[] = [];
  let parseOutput: Parse | undefined;
  let inputCount = 0;
  // The last middleware is the resolver's (createResolver adds it); the others, in chain order.
  for (const middleware of middlewares.slice(0, -1)) {
    const ladder = plainFormOf(middleware);
    if (ladder) steps.push({ middleware: ladder });
    else if (middleware._type === "input" && inputCount < inputs.length) {
      steps.push({ parse: parserOf(inputs[inputCount++]) });
    } else if (middleware._type === "output" && parseOutput === undefined && def.output !== undefined) {
      // It wraps what comes after it, but only reads the data at the end: where it stands makes no difference.
      parseOutput = parserOf(def.output);
    } else return undefined;
  }
  if (inputCount !== inputs.length) return undefined;
  const output = parseOutput;

  return async (ctx, type, path, getRawInput) => {
    try {
      let current = ctx;
      let input: unknown;
      for (const step of steps) {
        if (step.middleware) {
          const added = await step.middleware(current, type, getRawInput);
          // The same object as tRPC's `{ ...ctx, ...added }` (neither holds a `__proto__` key):
          // built from an empty one, as a spread whose copy then takes a new key (userId) cost
          // about 2 µs here, the context holding closures.
          if (added) current = Object.assign({}, current, added);
          continue;
        }
        const rawInput = await getRawInput();
        let parsed: unknown;
        try {
          parsed = await step.parse(rawInput);
        } catch (cause) {
          throw new TRPCError({ code: "BAD_REQUEST", cause });
        }
        input = isObject(input) && isObject(parsed) ? { ...input, ...parsed } : parsed;
      }
      const data = await resolver({ ctx: current, input, type, path, getRawInput, meta, signal: undefined });
      if (!output) return data;
      try {
        return await output(data);
      } catch (cause) {
        throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
      }
    } catch (cause) {
      throw getTRPCErrorFromUnknown(cause);
    }
  };
}
