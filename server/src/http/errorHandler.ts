// Every error leaves as the contract's JSON body: never a stack trace, never an HTML page.
// 4xx are logged quietly (debug), 5xx loudly with the error.
import type { NextFunction, Request, Response } from "express";
import { AppError, databaseUnavailable } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { sendJson } from "./sendJson.ts";

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  /** zlib's code when a compressed body is broken (Z_DATA_ERROR, Z_BUF_ERROR, …). */
  code?: string;
}

function unreadableRequest(error: BodyParserError): AppError {
  if (typeof error.code === "string" && error.code.startsWith("Z_")) {
    return new AppError("validation_error", "The request body could not be decompressed (check Content-Encoding)", {
      extra: { details: [{ field: "body", message: "broken compression" }] },
    });
  }
  if (error instanceof URIError) {
    return new AppError("validation_error", "The request path has a malformed percent-encoding", {
      extra: { details: [{ field: "path", message: "malformed percent-encoding" }] },
    });
  }
  return new AppError("validation_error", "The request could not be read");
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case "entity.parse.failed":
      return new AppError("validation_error", "The request body is not valid JSON", {
        extra: { details: [{ field: "body", message: "malformed JSON" }] },
      });
    case "entity.too.large":
      return new AppError(
        "validation_error",
        `The request body is larger than the limit of ${parserError.limit} bytes`,
        {
          status: 413,
          extra: { details: [{ field: "body", message: "too large" }] },
        },
      );
    case "entity.too.deep":
      return new AppError("validation_error", parserError.message, {
        extra: { details: [{ field: "body", message: "nested too deeply" }] },
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("validation_error", "The request body must be UTF-8 JSON", { status: 415 });
    case "request.aborted":
      return new AppError("validation_error", "The request was aborted");
    default:
      // What else the request reader refuses (a broken gzip or deflate stream, a path with a
      // malformed percent-encoding, a size that does not match Content-Length) is the client's
      // input, not our failure.
      if (typeof parserError?.status === "number" && parserError.status >= 400 && parserError.status < 500) {
        return unreadableRequest(parserError);
      }
      return databaseUnavailable(error) ?? new AppError("internal_error");
  }
}

export function sendError(res: Response, error: AppError): void {
  const challenge = error.wwwAuthenticate();
  if (challenge) res.set("WWW-Authenticate", challenge);
  if (error.retryAfter !== undefined) res.set("Retry-After", String(error.retryAfter));
  res.set(error.headers);
  sendJson(res, error.status, error.toBody());
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    } else {
      logger.debug({ code: appError.code, method: req.method, path: req.path }, "request refused");
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, appError);
  };
}
