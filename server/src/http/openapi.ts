// The OpenAPI 3.1 document, generated from the route declarations and the contracts' zod
// schemas that validate requests, so the documentation cannot drift from the behaviour.
//
// Named schemas (`.meta({ id })` in the contracts) become components referenced by $ref. Every
// error answer is the one `Error` schema, through a named response per status with an example
// of that status and the headers it carries. A streaming answer's schema is one SSE frame:
// {event, data} as a union discriminated by `event`, so a generated client gets one type per
// event (OpenAPI 3.1 has no per-item schema for text/event-stream; 3.2's `itemSchema` would be
// the natural home, but generators and linters do not read it yet).
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { SCOPES } from "../auth/scopes.ts";
import { type ErrorBodyShape, errorBody } from "../contracts/common.ts";
import { ERROR_CODES } from "../errors.ts";
import { type AnyRoute, openApiPath } from "./route.ts";

interface ErrorResponse {
  name: string;
  description: string;
  headers?: string[];
  examples: Record<string, { summary: string; value: ErrorBodyShape }>;
}

const ERROR_RESPONSES: Record<number, ErrorResponse> = {
  400: {
    name: "BadRequest",
    description: "validation_error: the body, query or path failed validation; `details` names each field",
    examples: {
      validation_error: {
        summary: "A field failed validation",
        value: {
          error: "validation_error",
          message: "Invalid body: name: Too big: expected string to have <=100 characters",
          details: [{ field: "name", message: "Too big: expected string to have <=100 characters" }],
        },
      },
    },
  },
  401: {
    name: "Unauthorized",
    description: "unauthorized (no credential, or a disabled key), invalid_token or token_expired",
    headers: ["WWW-Authenticate"],
    examples: {
      unauthorized: {
        summary: "No credential",
        value: { error: "unauthorized", message: ERROR_CODES.unauthorized.message },
      },
      invalid_token: {
        summary: "Unknown, malformed or revoked credential",
        value: { error: "invalid_token", message: ERROR_CODES.invalid_token.message },
      },
      token_expired: {
        summary: "Past its expiry",
        value: { error: "token_expired", message: ERROR_CODES.token_expired.message },
      },
    },
  },
  403: {
    name: "Forbidden",
    description:
      "forbidden: the key lacks the scope (`required_scope`), or the user the role, or a sensitive action needs the password confirmed again (`reauthenticate: true`: POST /api/auth/reauthenticate, then retry); quota_exceeded: an account limit is reached (`quota`, `limit`)",
    headers: ["WWW-Authenticate"],
    examples: {
      forbidden: {
        summary: "A scoped key without the scope",
        value: {
          error: "forbidden",
          message: ERROR_CODES.forbidden.message,
          reason: 'This API key lacks the "kb" scope',
          required_scope: "kb",
        },
      },
      reauthenticate: {
        summary: "Sudo mode: confirm the password, then retry",
        value: {
          error: "forbidden",
          message: ERROR_CODES.forbidden.message,
          reason:
            "This action needs your password confirmed in the last 10 minutes: POST /api/auth/reauthenticate with your password, then retry",
          reauthenticate: true,
        },
      },
      quota_exceeded: {
        summary: "An account limit",
        value: {
          error: "quota_exceeded",
          message: "This account holds 50 knowledge bases, its limit",
          quota: "knowledge_bases",
          limit: 50,
        },
      },
    },
  },
  404: {
    name: "NotFound",
    description: "not_found: no such resource, or it belongs to someone else",
    examples: { not_found: { summary: "Not found", value: { error: "not_found", message: "Agent not found" } } },
  },
  413: {
    name: "PayloadTooLarge",
    description: "validation_error: the body is larger than the server accepts",
    examples: {
      too_large: {
        summary: "Body over the limit",
        value: {
          error: "validation_error",
          message: "The request body is larger than the limit of 2097152 bytes",
          details: [{ field: "body", message: "too large" }],
        },
      },
    },
  },
  415: {
    name: "UnsupportedMediaType",
    description: "validation_error: the body is not UTF-8 JSON",
    examples: {
      not_json: {
        summary: "Another media type",
        value: { error: "validation_error", message: "The request body must be UTF-8 JSON" },
      },
    },
  },
  429: {
    name: "TooManyRequests",
    description:
      "rate_limited: too many attempts, or the key's rate limit is used up (RateLimit-Policy and RateLimit say how it stands); quota_exceeded (concurrent_runs): too many runs at once",
    headers: ["Retry-After", "RateLimit-Policy", "RateLimit"],
    examples: {
      rate_limited: {
        summary: "Over the limit",
        value: { error: "rate_limited", message: ERROR_CODES.rate_limited.message, retry_after: 17 },
      },
    },
  },
  500: {
    name: "InternalError",
    description: "internal_error: something went wrong on our side (logged with the request id)",
    examples: {
      internal_error: {
        summary: "Our fault",
        value: { error: "internal_error", message: ERROR_CODES.internal_error.message },
      },
    },
  },
  502: {
    name: "BadGateway",
    description: "internal_error: the outside service could not be reached (refused, reset, no such host)",
    examples: {
      unreachable: {
        summary: "Nothing answered",
        value: { error: "internal_error", message: 'connector "Weather" could not be reached (connection refused)' },
      },
    },
  },
  503: {
    name: "ServiceUnavailable",
    description: "service_unavailable: the database is unavailable or the server is busy",
    headers: ["Retry-After"],
    examples: {
      service_unavailable: {
        summary: "Try again shortly",
        value: { error: "service_unavailable", message: ERROR_CODES.service_unavailable.message },
      },
    },
  },
  504: {
    name: "GatewayTimeout",
    description: "internal_error: the outside service did not answer in time",
    examples: {
      timeout: {
        summary: "No answer in time",
        value: { error: "internal_error", message: 'connector "Weather" did not answer within 5 s' },
      },
    },
  },
};

const HEADERS: Record<string, { description: string; schema: { type: "string" } | { type: "integer" } }> = {
  "WWW-Authenticate": {
    description: 'RFC 6750 challenge, e.g. Bearer error="invalid_token", error_description="…"',
    schema: { type: "string" },
  },
  "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" } },
  "RateLimit-Policy": {
    description: 'Keys with a rate limit: the quota and its window, e.g. "key";q=100;w=60',
    schema: { type: "string" },
  },
  RateLimit: {
    description:
      'Keys with a rate limit: what is left in this window and seconds until it resets, e.g. "key";r=42;t=17',
    schema: { type: "string" },
  },
};

function accessText(route: AnyRoute): string {
  if (route.access === "public") return "No credential needed.";
  const credential = route.tokenInBody
    ? " The credential may also come as the body's `token` field; when both are present, the Authorization header wins."
    : "";
  if (route.access === "authenticated")
    return `Any valid credential (JWT or API key, whatever its scopes).${credential}`;
  if (route.access === "key_management") return "A login session (JWT) or a full-access API key; scoped keys get 403.";
  if (route.access === "session") return "A login session (JWT) only; any API key gets 403.";
  return `Needs the \`${route.access.scope}\` scope (keys without scopes have full access).${
    route.access.scope === "admin" ? " The user must also be an administrator." : ""
  }${credential}`;
}

/** The error statuses a route can answer, each documented. */
export function errorStatuses(route: AnyRoute): number[] {
  const statuses = new Set(route.errors ?? []);
  if (route.access !== "public") {
    statuses.add(401);
    // A key with a rate limit (its own or the server's default) may be over it.
    statuses.add(429);
  }
  if (typeof route.access === "object" || route.access === "key_management" || route.access === "session")
    statuses.add(403);
  // Any request can be malformed (a broken body or path encoding), whatever the route takes.
  statuses.add(400);
  if (route.body) {
    statuses.add(413);
    statuses.add(415);
  }
  // Any operation may fail on our side, or meet an unavailable database (or a busy password gate).
  statuses.add(500);
  statuses.add(503);
  return [...statuses].sort();
}

const TAGS: Record<string, string> = {
  system: "Health",
  auth: "Login, refresh, verify and logout",
  me: "The caller and their password",
  "api-keys": "The caller's API keys",
  sessions: "The caller's login sessions",
  mfa: "The caller's two-factor login (TOTP): enrolment, recovery codes, turning it off (login sessions only)",
  conversations: "Conversations with agents (scope chat)",
  runs: "Streaming agent runs (scope chat)",
  agents: "Agents (scope agents)",
  "knowledge-bases": "Knowledge bases, documents and retrieval (scope kb)",
  connectors: "Connectors to outside HTTP APIs (scope connectors)",
  admin: "Users, everyone's keys and the audit log (scope admin, administrators only)",
};

export function buildOpenApiDocument(routes: AnyRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.register("Error", errorBody);
  for (const route of routes) {
    const responses: RouteConfig["responses"] = {
      [route.success.status]: {
        description: route.success.description,
        ...(route.success.events
          ? { content: { "text/event-stream": { schema: route.success.events } } }
          : route.success.schema
            ? { content: { "application/json": { schema: route.success.schema } } }
            : {}),
      },
    };
    const request: RouteConfig["request"] = {};
    if (route.params) request.params = route.params;
    if (route.query) request.query = route.query;
    if (route.body) request.body = { content: { "application/json": { schema: route.body } }, required: true };
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      description: accessText(route),
      security: route.access === "public" ? [] : [{ bearer: [] }],
      request,
      responses,
    });
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "FIM One API",
      version: "1.0.0",
      description: `Authentication for the FIM One agent platform: API keys (fim_…) or JWTs from /api/auth/login, as Bearer tokens. Scopes: ${SCOPES.join(", ")}; a key without scopes has full access. Every error is the Error schema; codes: ${Object.keys(
        ERROR_CODES,
      ).join(", ")}.`,
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/", description: "This server: paths are relative to where the document is served" }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  });

  // Error answers and headers are the same everywhere: named once, referenced by every operation.
  const components = document.components as Record<string, Record<string, unknown>>;
  components.securitySchemes = {
    bearer: {
      type: "http",
      scheme: "bearer",
      description: "An API key (fim_…) or an access token (JWT) from /api/auth/login",
    },
  };
  components.headers = HEADERS;
  const usedResponses = new Set<number>();
  for (const route of routes) {
    const operation = (document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
      openApiPath(route.path)
    ]?.[route.method];
    if (!operation) throw new Error(`OpenAPI: ${route.method} ${route.path} was not generated`);
    if (route.access !== "public") {
      // Every answer to a key with a rate limit says where it stands.
      const success = operation.responses[String(route.success.status)] as { headers?: Record<string, unknown> };
      success.headers = {
        "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" },
        RateLimit: { $ref: "#/components/headers/RateLimit" },
      };
    }
    for (const status of errorStatuses(route)) {
      usedResponses.add(status);
      operation.responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]?.name}` };
    }
  }
  components.responses = Object.fromEntries(
    [...usedResponses].sort().map((status) => {
      const response = ERROR_RESPONSES[status];
      if (!response) throw new Error(`OpenAPI: no error response for status ${status}`);
      return [
        response.name,
        {
          description: response.description,
          ...(response.headers
            ? {
                headers: Object.fromEntries(
                  response.headers.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
                ),
              }
            : {}),
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/Error" }, examples: response.examples },
          },
        },
      ];
    }),
  );
  return document;
}
