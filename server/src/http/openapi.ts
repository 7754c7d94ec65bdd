// The OpenAPI 3.1 document, generated from the same route declarations and zod schemas that
// validate requests, so the documentation cannot drift from the behaviour.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { ERROR_CODES } from "../errors.ts";
import { type AnyRoute, openApiPath } from "./route.ts";
import { errorBody } from "./schemas.ts";
import { z } from "./zod.ts";

const STATUS_TEXT: Record<number, string> = {
  400: "validation_error: the body, query or path failed validation (the message names the field)",
  401: "unauthorized, invalid_token or token_expired",
  403: "forbidden: the key lacks the scope, or the user the role; quota_exceeded: an account limit is reached (`quota` names it, `limit` is its size)",
  404: "not_found: no such resource, or it belongs to someone else",
  413: "validation_error: the body is larger than the server accepts",
  429: "rate_limited: too many attempts, or the key's rate limit is used up (RateLimit-Policy and RateLimit say how it stands); quota_exceeded (concurrent_runs): too many runs at once; see Retry-After",
  503: "service_unavailable: the database is unavailable or the server is busy; see Retry-After",
};

function accessText(route: AnyRoute): string {
  if (route.access === "public") return "No credential needed.";
  if (route.access === "authenticated") return "Any valid credential (JWT or API key, whatever its scopes).";
  if (route.access === "key_management") return "A login session (JWT) or a full-access API key; scoped keys get 403.";
  return `Needs the \`${route.access.scope}\` scope (keys without scopes have full access).${
    route.access.scope === "admin" ? " The user must also be an administrator." : ""
  }`;
}

export function buildOpenApiDocument(routes: AnyRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (fim_…) or an access token (JWT) from /api/auth/login",
  });
  for (const route of routes) {
    const responses: RouteConfig["responses"] = {
      [route.success.status]: {
        description: route.success.description,
        ...(route.success.stream
          ? { content: { "text/event-stream": { schema: z.string() } } }
          : route.success.schema
            ? { content: { "application/json": { schema: route.success.schema } } }
            : {}),
      },
    };
    const statuses = new Set(route.errors ?? []);
    if (route.access !== "public") {
      statuses.add(401);
      // A key with a rate limit (its own or the server's default) may be over it.
      statuses.add(429);
    }
    if (typeof route.access === "object" || route.access === "key_management") statuses.add(403);
    // Any request can be malformed (a broken body or path encoding), whatever the route takes.
    statuses.add(400);
    if (route.body) statuses.add(413);
    // Any operation may meet an unavailable database (and logins a busy password gate).
    statuses.add(503);
    for (const status of [...statuses].sort()) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? "Error",
        content: { "application/json": { schema: errorBody } },
      };
    }
    const request: RouteConfig["request"] = {};
    if (route.params) request.params = route.params;
    if (route.query) request.query = route.query;
    if (route.body) request.body = { content: { "application/json": { schema: route.body } }, required: true };
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      tags: [route.tag],
      summary: route.summary,
      description: accessText(route),
      ...(route.access === "public" ? {} : { security: [{ bearer: [] }] }),
      request,
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "FIM One API",
      version: "1.0.0",
      description: `Authentication: API keys (fim_…) or JWTs, as Bearer tokens. Error bodies are {"error", "message"}; codes: ${Object.keys(
        ERROR_CODES,
      ).join(", ")}.`,
    },
    servers: [{ url: "/" }],
  });
}
