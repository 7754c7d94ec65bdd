// The portal's tRPC door: the one initTRPC call, the error formatter (AppError → the
// contract's body, as REST answers it), and the procedure ladder public → protected → admin.
import { initTRPC } from "@trpc/server";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Request } from "express";
import { type Access, assertAccess, isAdminOnly, type Principal } from "../auth/scopes.ts";
import { assertAdminSecondFactor } from "../auth/secondFactor.ts";
import { AppError, type ErrorBody } from "../errors.ts";
import { refusalFor } from "../lib/databaseWatch.ts";
import { assertWellFormedText } from "../lib/wellFormedText.ts";
import type { PortalContext } from "./context.ts";
import { CSRF_HEADER } from "./cookies.ts";
import { toAppError, trpcCodeOf } from "./errorMap.ts";

interface PortalErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path: string | undefined;
  /** The contract's error body, exactly as the REST API would answer it. */
  error: ErrorBody;
  /** Seconds to wait, for rate_limited. */
  retryAfter: number | null;
}

const t = initTRPC.context<PortalContext>().create({
  errorFormatter({ shape, error, ctx }) {
    const appError = toAppError(error);
    const code = trpcCodeOf(appError);
    if (appError.retryAfter !== undefined && ctx && !ctx.res.headersSent) {
      ctx.res.setHeader("Retry-After", String(appError.retryAfter));
    }
    const data: PortalErrorData = {
      code,
      httpStatus: appError.status,
      path: shape.data.path,
      error: appError.toBody(),
      retryAfter: appError.retryAfter ?? null,
    };
    return { code: TRPC_ERROR_CODES_BY_KEY[code], message: appError.message, data };
  },
  // Comments keep idle proxies from closing a long run's stream.
  sse: { ping: { enabled: true, intervalMs: 10_000 } },
});

/**
 * Refuses cross-site use of the cookies. SameSite=Strict already keeps them off cross-site
 * requests in current browsers; this holds even where it does not: a browser that says the
 * request is cross-site, or whose Origin is another host, is refused, and every mutation must
 * carry the custom header, which a cross-site form or image cannot send.
 */
type ProcedureType = "query" | "mutation" | "subscription";

function assertSameSite(req: Request, type: ProcedureType): void {
  const site = req.get("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new AppError("forbidden", `Cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.get("origin");
  if (origin !== undefined && origin !== "null") {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.get("host")) throw new AppError("forbidden", "Cross-site request refused (Origin)");
  } else if (origin === "null") {
    throw new AppError("forbidden", "Cross-site request refused (opaque Origin)");
  }
  if (type === "mutation" && req.get(CSRF_HEADER) !== "1") {
    throw new AppError("forbidden", `Cross-site request refused: the ${CSRF_HEADER} header is missing`);
  }
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * What every procedure checks first: the request comes from the portal's own origin, its input
 * is well-formed text, and the database takes what the call would do.
 */
async function admit(ctx: PortalContext, type: ProcedureType, getRawInput: () => Promise<unknown>): Promise<void> {
  assertSameSite(ctx.req, type);
  // A call without input has no body to read (httpLink sends none); the procedure's own input
  // parser reports a body that is not JSON, so only readable input is checked here.
  assertWellFormedText(await getRawInput().catch(() => undefined), "input");
  // A run (subscription) writes its conversation: only queries may go on while read-only.
  const refusal = refusalFor(ctx.app.database.state, type !== "query");
  if (refusal) throw refusal;
}

/**
 * A middleware of the ladder as a plain function: its checks, then what it adds to the context
 * (undefined: nothing). Each middleware below is written as one of these and registered, so that
 * the fast path (plainCall.ts) can run a procedure's chain as plain calls instead of through
 * tRPC's, which copies the call's options and context at every level.
 */
export type PlainMiddleware<TContext = object> = (
  ctx: TContext,
  type: ProcedureType,
  getRawInput: () => Promise<unknown>,
) => Promise<object | undefined>;

const plainForms = new WeakMap<object, PlainMiddleware>();

/** The plain form of one of the ladder's middlewares; undefined for any other function. */
export function plainFormOf(middleware: unknown): PlainMiddleware | undefined {
  return typeof middleware === "function" ? plainForms.get(middleware) : undefined;
}

/**
 * Registers a middleware that does exactly what `plain` does (it calls it) and then `next`, with
 * what `plain` returned as the context's additions. Curried, so that tRPC's `.use` still types the
 * middleware's options.
 */
function withPlainForm<TContext>(plain: PlainMiddleware<TContext>) {
  return <T extends object>(middleware: T): T => {
    plainForms.set(middleware, plain as PlainMiddleware);
    return middleware;
  };
}

async function checkPublic(ctx: PortalContext, type: ProcedureType, getRawInput: () => Promise<unknown>) {
  await admit(ctx, type, getRawInput);
  return undefined;
}

export const publicProcedure = t.procedure.use(
  withPlainForm(checkPublic)(async ({ ctx, type, next, getRawInput }) => {
    await checkPublic(ctx, type, getRawInput);
    return next();
  }),
);

async function checkSession(ctx: PortalContext, type: ProcedureType, getRawInput: () => Promise<unknown>) {
  await admit(ctx, type, getRawInput);
  const principal: Principal = await ctx.principal();
  assertAccess(principal, "key_management");
  return { principal, userId: principal.user.id };
}

/**
 * A live login session: after this, `ctx.principal` is the caller, not a promise of one. The
 * checks of publicProcedure come first, in the same middleware rather than one more level: each
 * level of tRPC's middleware chain copies the call's options and context (about 7 µs a level).
 */
export const protectedProcedure = t.procedure.use(
  withPlainForm(checkSession)(async ({ ctx, type, next, getRawInput }) =>
    next({ ctx: await checkSession(ctx, type, getRawInput) }),
  ),
);

/**
 * Administrators only. `authenticate` re-reads the user (role, disabled flag) from the database
 * on every request, so a demoted admin loses access on the next call.
 */
export const adminProcedure = needs({ scope: "admin" });

/**
 * A procedure behind a REST access rule. Login sessions hold every scope, so only `admin` (the
 * role) can refuse one; the rule is applied all the same so both doors read alike.
 */
export function needs(access: Access) {
  // After protectedProcedure's middleware: the context holds the caller itself.
  const checkAccess = async (ctx: { app: PortalContext["app"]; principal: Principal }) => {
    assertAccess(ctx.principal, access);
    if (isAdminOnly(access)) await assertAdminSecondFactor(ctx.app, ctx.principal);
    return undefined;
  };
  return protectedProcedure.use(
    withPlainForm(checkAccess)(async ({ ctx, next }) => {
      await checkAccess(ctx);
      return next();
    }),
  );
}
