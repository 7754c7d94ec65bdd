// plainCall against tRPC's own chain (callTRPCProcedure) on procedures built for the cases the
// portal's router does not reach through HTTP: several input parsers, an output that fails its
// schema, a resolver that throws something other than an AppError, the ladder refusing. The
// portal's own procedures are compared over HTTP by test/trpcFastPath.test.ts.
import { type AnyTRPCProcedure, callTRPCProcedure, TRPCError } from "@trpc/server";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { plainCall } from "./plainCall.ts";
import { appRouter } from "./router.ts";
import { needs, protectedProcedure, publicProcedure, router } from "./trpc.ts";

const principal = { user: { id: "u1", role: "user" }, scopes: [] } as unknown;

/** A context as far as the ladder reads it: the request's headers, the database's state, the caller. */
function context(headers: Record<string, string> = {}, state = "ok") {
  return {
    req: { get: (name: string) => headers[name.toLowerCase()] },
    app: { database: { state } },
    principal: async () => {
      if (headers.session !== "yes") throw new AppError("unauthorized");
      return principal;
    },
  };
}

const seen: unknown[] = [];
const testRouter = router({
  twoInputs: publicProcedure
    .input(z.object({ a: z.number() }))
    .input(z.object({ b: z.string().default("b") }))
    .query(({ input }) => input),
  primitiveThenObject: publicProcedure
    .input(z.any())
    .input(z.object({ c: z.boolean() }))
    .query(({ input }) => input),
  output: publicProcedure
    .input(z.object({ valid: z.boolean() }))
    .output(z.object({ kept: z.string() }))
    // Invalid data on purpose: an output that fails its schema.
    .query(({ input }) => (input.valid ? { kept: "yes", dropped: 1 } : ({ kept: 42 } as unknown as { kept: string }))),
  nested: publicProcedure
    .input(
      z.object({
        a: z.number().int(),
        b: z.object({ c: z.string().min(2), d: z.array(z.number()).max(2) }),
        e: z.enum(["x", "y"]).optional(),
        f: z.string().nullable().default(null),
      }),
    )
    .output(z.object({ a: z.number(), b: z.object({ c: z.string() }), f: z.string().nullable() }))
    .query(({ input }) => input),
  // An asynchronous refinement: zod cannot parse it synchronously.
  refined: publicProcedure
    .input(z.object({ word: z.string().refine(async (word) => word !== "no", "not that word") }))
    .output(z.object({ word: z.string().refine(async (word) => word !== "out", "not out") }))
    .query(({ input }) => input),
  throws: publicProcedure.input(z.string()).mutation(({ input }) => {
    if (input === "app") throw new AppError("not_found", "No such thing");
    if (input === "trpc") throw new TRPCError({ code: "CONFLICT", message: "conflict" });
    if (input === "string") throw "a string";
    throw new Error("plain");
  }),
  session: protectedProcedure.query(({ ctx }) => {
    seen.push(ctx);
    return { userId: ctx.userId };
  }),
  admin: needs({ scope: "admin" }).query(() => "admin only"),
});

type Outcome = { data: unknown } | { error: { name: string; code: string; message: string; cause: unknown } };

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { data: await promise };
  } catch (error) {
    const { name, code, message, cause } = error as TRPCError;
    return { error: { name, code, message, cause } };
  }
}

interface Case {
  path: keyof typeof testRouter._def.procedures & string;
  type: "query" | "mutation";
  input?: unknown;
  /** getRawInput rejects with this (a body too large, not JSON). */
  inputError?: TRPCError;
  headers?: Record<string, string>;
  state?: string;
}

/** The case through tRPC's chain and as a plain call: the same data, or the same error. */
async function compare(request: Case): Promise<Outcome> {
  const procedure = testRouter._def.procedures[request.path];
  const call = plainCall(procedure);
  if (!call) throw new Error(`${request.path} is not a plain call`);
  const getRawInput = () => (request.inputError ? Promise.reject(request.inputError) : Promise.resolve(request.input));
  const ctx = context(request.headers, request.state);
  const { path, type } = request;
  const trpc = await outcome(
    callTRPCProcedure({ router: testRouter, path, ctx, type, getRawInput, signal: undefined, batchIndex: 0 }),
  );
  const plain = await outcome(call(ctx, type, path, getRawInput));
  expect(plain).toEqual(trpc);
  return plain;
}

describe("plainCall", () => {
  test("every procedure of the portal's router runs as a plain call", () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>);
    expect(procedures.filter(([, procedure]) => !plainCall(procedure)).map(([path]) => path)).toEqual([]);
  });

  test.each<Case>([
    { path: "twoInputs", type: "query", input: { a: 1 } },
    { path: "twoInputs", type: "query", input: { a: 1, b: "x", c: 3 } },
    { path: "twoInputs", type: "query", input: { a: "one" } },
    { path: "twoInputs", type: "query", input: { a: 1, b: 2 } },
    { path: "twoInputs", type: "query", inputError: new TRPCError({ code: "PAYLOAD_TOO_LARGE" }) },
    { path: "primitiveThenObject", type: "query", input: { c: true } },
    { path: "nested", type: "query", input: { a: 1, b: { c: "cc", d: [1] }, extra: true } },
    { path: "nested", type: "query", input: { a: 1.5, b: { c: "c", d: [1, "2", 3] }, e: "z" } },
    { path: "nested", type: "query", input: { b: null } },
    { path: "nested", type: "query", input: [] },
    { path: "refined", type: "query", input: { word: "yes" } },
    { path: "refined", type: "query", input: { word: "no" } },
    { path: "refined", type: "query", input: { word: "out" } },
    { path: "refined", type: "query", input: { word: 1 } },
    { path: "output", type: "query", input: { valid: true } },
    { path: "output", type: "query", input: { valid: false } },
    { path: "throws", type: "mutation", input: "app", headers: { "x-fim-csrf": "1" } },
    { path: "throws", type: "mutation", input: "trpc", headers: { "x-fim-csrf": "1" } },
    { path: "throws", type: "mutation", input: "string", headers: { "x-fim-csrf": "1" } },
    { path: "throws", type: "mutation", input: "error", headers: { "x-fim-csrf": "1" } },
    { path: "throws", type: "mutation", input: "app" },
    { path: "throws", type: "mutation", input: "app", headers: { "x-fim-csrf": "1" }, state: "read_only" },
    { path: "output", type: "query", input: { valid: true }, state: "read_only" },
    { path: "output", type: "query", input: { valid: true }, state: "missing" },
    { path: "output", type: "query", input: { valid: true }, headers: { "sec-fetch-site": "cross-site" } },
    { path: "output", type: "query", input: "\ud800", headers: {} },
    { path: "session", type: "query", headers: { session: "yes" } },
    { path: "session", type: "query" },
    { path: "admin", type: "query", headers: { session: "yes" } },
  ])("$path $input $headers $state", async (request) => {
    await compare(request);
  });

  test("the resolver sees the context with the ladder's additions, merged as tRPC merges them", async () => {
    seen.length = 0;
    await compare({ path: "session", type: "query", headers: { session: "yes" } });
    const [viaTrpc, plain] = seen as Record<string, unknown>[];
    expect(Object.keys(plain ?? {})).toEqual(Object.keys(viaTrpc ?? {}));
    expect(plain?.principal).toBe(principal);
  });
});
