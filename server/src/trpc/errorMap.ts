// How a failed procedure is told: every error becomes the AppError the REST door would have
// answered (same code, status and body), whatever threw it (a service, zod, tRPC itself).
import type { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { AppError, databaseUnavailable, type ErrorCode, invalidInput, type SchemaIssue } from "../errors.ts";

export const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  unauthorized: "UNAUTHORIZED",
  invalid_token: "UNAUTHORIZED",
  token_expired: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  validation_error: "BAD_REQUEST",
  not_found: "NOT_FOUND",
  rate_limited: "TOO_MANY_REQUESTS",
  quota_exceeded: "FORBIDDEN",
  service_unavailable: "SERVICE_UNAVAILABLE",
  run_timeout: "GATEWAY_TIMEOUT",
  internal_error: "INTERNAL_SERVER_ERROR",
};

/** The tRPC code for an AppError: by its code, unless its status says otherwise (a 429 quota). */
export function trpcCodeOf(error: AppError): TRPC_ERROR_CODE_KEY {
  return error.status === 429 ? "TOO_MANY_REQUESTS" : TRPC_CODE[error.code];
}

/** Every error a procedure can end with, as the AppError the REST door would have answered. */
export function toAppError(error: TRPCError): AppError {
  const cause = error.cause;
  if (cause instanceof AppError) return cause;
  const unavailable = databaseUnavailable(cause);
  if (unavailable) return unavailable;
  // Input that failed its schema (an output that fails its schema is our bug: internal_error).
  const issues = (cause as { issues?: SchemaIssue[] } | undefined)?.issues;
  if (error.code === "BAD_REQUEST" && Array.isArray(issues)) return invalidInput(issues, "input");
  switch (error.code) {
    case "BAD_REQUEST":
    case "PARSE_ERROR":
      return new AppError("validation_error", error.message);
    case "PAYLOAD_TOO_LARGE":
      return new AppError("validation_error", error.message, { status: 413 });
    case "METHOD_NOT_SUPPORTED":
      return new AppError("validation_error", error.message, { status: 405 });
    case "UNSUPPORTED_MEDIA_TYPE":
      return new AppError("validation_error", `${error.message}: send application/json`, { status: 415 });
    case "UNPROCESSABLE_CONTENT":
      return new AppError("validation_error", error.message, { status: 422 });
    case "NOT_FOUND":
      return new AppError("not_found", error.message);
    case "UNAUTHORIZED":
      return new AppError("unauthorized");
    case "FORBIDDEN":
      return new AppError("forbidden");
    case "TOO_MANY_REQUESTS":
      return new AppError("rate_limited");
    case "SERVICE_UNAVAILABLE":
      return new AppError("service_unavailable");
    case "CLIENT_CLOSED_REQUEST":
      return new AppError("validation_error", "The client closed the request", { status: 499 });
    default:
      return new AppError("internal_error");
  }
}
