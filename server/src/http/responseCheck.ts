// The REST door's counterpart of tRPC's `.output()`, on when CHECK_RESPONSES=true (the test
// suite runs so): every JSON answer of a declared route must have a documented status and a body
// its schema accepts, with no field the schema does not declare. A mismatch is logged as a
// "response contract violation" (the suite's teardown fails the run on any) and answered as
// internal_error instead, so the test that met it fails too.
import type { NextFunction, Request, Response } from "express";
import { errorBody, type z } from "../contracts/common.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { errorStatuses } from "./openapi.ts";
import type { AnyRoute } from "./route.ts";
import { checkAnswersWith } from "./sendJson.ts";

export const CONTRACT_VIOLATION = "response contract violation";

/** Keys sorted at every level, so two bodies compare by content, not by key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, canonical(item)]),
    );
  }
  return value;
}

/** A failed parse in one line: each issue's dotted path (`whole` for the value itself) and message. */
function issueText(error: z.ZodError, whole: string): string {
  return error.issues.map((issue) => `${issue.path.join(".") || whole}: ${issue.message}`).join("; ");
}

/** What is wrong with a streamed `event` as one of `events` (a route's `success.events`); undefined when nothing. */
export function eventProblem(events: z.ZodType, event: unknown): string | undefined {
  const result = events.safeParse(event);
  return result.success ? undefined : issueText(result.error, "event");
}

/** What is wrong with `body` as the answer `status` of `route`; undefined when nothing. */
export function contractProblem(route: AnyRoute, status: number, body: unknown): string | undefined {
  let schema: z.ZodType | undefined;
  if (status === route.success.status) {
    schema = route.success.schema;
    if (!schema) return `status ${status} is documented without a body`;
  } else if (status >= 400 && errorStatuses(route).includes(status)) {
    schema = errorBody;
  } else {
    return `status ${status} is not documented`;
  }
  const result = schema.safeParse(body);
  if (!result.success) return issueText(result.error, "body");
  // Error bodies may carry extra fields (the contract allows them); success bodies may not.
  if (schema !== errorBody && JSON.stringify(canonical(result.data)) !== JSON.stringify(canonical(body))) {
    return "the body has fields its schema does not declare";
  }
  return undefined;
}

/** Express middleware checking every JSON answer of the route that `res.locals.route` names. */
export function checkResponses(logger: Logger) {
  return (_req: Request, res: Response, next: NextFunction) => {
    checkAnswersWith(res, (status, body) => {
      const route = res.locals.route as AnyRoute | undefined;
      const problem = route ? contractProblem(route, status, body) : undefined;
      if (!route || !problem) return undefined;
      logger.error({ route: `${route.method.toUpperCase()} ${route.path}`, status, problem }, CONTRACT_VIOLATION);
      return { status: 500, body: new AppError("internal_error", `${CONTRACT_VIOLATION}: ${problem}`).toBody() };
    });
    next();
  };
}
