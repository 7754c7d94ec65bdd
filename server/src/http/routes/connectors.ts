// /api/connectors: the caller's connectors to outside HTTP APIs (scope `connectors`). The auth
// header value is write-only: answers say `has_secret` instead.
import {
  createConnector,
  DEFAULT_AUTH_HEADER_NAME,
  deleteConnector,
  getConnector,
  HTTP_METHODS,
  listConnectors,
  updateConnector,
} from "../../services/connectors.ts";
import { defineRoute } from "../route.ts";
import { idParams, page, pageQuery } from "../schemas.ts";
import { z } from "../zod.ts";

const actionInput = z.strictObject({
  name: z.string().max(64).meta({ example: "get_issue" }),
  method: z.enum(HTTP_METHODS),
  path: z.string().max(500).meta({
    description:
      "Path under base_url, starting with /. {name} placeholders are filled from the call's params (URL-encoded); other params go to the query string.",
    example: "/issues/{number}",
  }),
  description: z.string().max(1000).optional(),
});

const actionView = z.object({
  name: z.string(),
  method: z.enum(HTTP_METHODS),
  path: z.string(),
  description: z.string(),
});

const connectorView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  base_url: z.string(),
  auth_header_name: z.string(),
  has_secret: z.boolean().meta({ description: "Whether an auth header value is stored (it is never returned)" }),
  actions: z.array(actionView),
  created_at: z.string(),
  updated_at: z.string(),
});

const connectorFields = {
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  base_url: z.string().max(2000).meta({ example: "https://api.example.com/v1" }),
  auth_header: z.string().max(8192).nullable().optional().meta({
    description: "The auth header VALUE (a secret; write-only). null removes it.",
    example: "Bearer sk_live_…",
  }),
  auth_header_name: z
    .string()
    .max(100)
    .optional()
    .meta({ description: `Default ${DEFAULT_AUTH_HEADER_NAME}` }),
  actions: z.array(actionInput).max(50).optional(),
};

const connectors = { scope: "connectors" } as const;

export const connectorRoutes = [
  defineRoute({
    method: "get",
    path: "/api/connectors",
    tag: "connectors",
    summary: "The caller's connectors, newest first",
    access: connectors,
    query: pageQuery,
    success: { status: 200, description: "A page of connectors", schema: page(connectorView) },
    handler: ({ ctx, principal, query }) => listConnectors(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/connectors",
    tag: "connectors",
    summary: "Create a connector",
    access: connectors,
    body: z.strictObject(connectorFields),
    success: { status: 201, description: "The new connector", schema: connectorView },
    handler: ({ ctx, principal, body }) => createConnector(ctx, principal.user.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/connectors/:id",
    tag: "connectors",
    summary: "One of the caller's connectors",
    access: connectors,
    params: idParams,
    success: { status: 200, description: "The connector", schema: connectorView },
    errors: [404],
    handler: ({ ctx, principal, params }) => getConnector(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/connectors/:id",
    tag: "connectors",
    summary:
      "Change a connector; a new base_url needs auth_header in the same request when a secret is stored, so a secret cannot be redirected",
    access: connectors,
    params: idParams,
    body: z.strictObject({
      ...connectorFields,
      name: connectorFields.name.optional(),
      base_url: connectorFields.base_url.optional(),
    }),
    success: { status: 200, description: "The updated connector", schema: connectorView },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => updateConnector(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "delete",
    path: "/api/connectors/:id",
    tag: "connectors",
    summary: "Delete a connector; agents stop using it",
    access: connectors,
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params }) => {
      await deleteConnector(ctx, principal.user.id, params.id);
      return undefined;
    },
  }),
];
