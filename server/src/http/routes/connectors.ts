// /api/connectors: the caller's connectors to outside HTTP APIs (scope `connectors`). The auth
// header value is write-only: answers say `has_secret` instead.
import { idParams, page, pageQuery } from "../../contracts/common.ts";
import { connector, connectorTest, createConnectorBody, updateConnectorBody } from "../../contracts/connectors.ts";
import {
  createConnector,
  deleteConnector,
  getConnector,
  listConnectors,
  testConnector,
  updateConnector,
} from "../../services/connectors.ts";
import { defineRoute } from "../route.ts";

const connectors = { scope: "connectors" } as const;

export const connectorRoutes = [
  defineRoute({
    method: "get",
    path: "/api/connectors",
    operationId: "listConnectors",
    tag: "connectors",
    summary: "The caller's connectors, newest first",
    access: connectors,
    query: pageQuery,
    success: { status: 200, description: "A page of connectors", schema: page(connector) },
    handler: ({ ctx, principal, query }) => listConnectors(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "post",
    path: "/api/connectors",
    operationId: "createConnector",
    tag: "connectors",
    summary: "Create a connector",
    access: connectors,
    body: createConnectorBody,
    success: { status: 201, description: "The new connector", schema: connector },
    handler: ({ ctx, principal, body }) => createConnector(ctx, principal.user.id, body),
  }),
  defineRoute({
    method: "get",
    path: "/api/connectors/:id",
    operationId: "getConnector",
    tag: "connectors",
    summary: "One of the caller's connectors",
    access: connectors,
    params: idParams,
    success: { status: 200, description: "The connector", schema: connector },
    errors: [404],
    handler: ({ ctx, principal, params }) => getConnector(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/connectors/:id",
    operationId: "updateConnector",
    tag: "connectors",
    summary:
      "Change a connector; a new base_url needs auth_header in the same request when a secret is stored, so a secret cannot be redirected",
    access: connectors,
    params: idParams,
    body: updateConnectorBody,
    success: { status: 200, description: "The updated connector", schema: connector },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => updateConnector(ctx, principal.user.id, params.id, body),
  }),
  defineRoute({
    method: "post",
    path: "/api/connectors/:id/test",
    operationId: "testConnector",
    tag: "connectors",
    summary:
      "Test connection: a GET of the connector's base URL (with its auth header, through the same network rules as its calls, 5 s at most)",
    access: connectors,
    params: idParams,
    success: {
      status: 200,
      description: "What answered (its status) or why nothing did, and how long it took",
      schema: connectorTest,
    },
    errors: [400, 404],
    handler: ({ ctx, principal, params }) => testConnector(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "delete",
    path: "/api/connectors/:id",
    operationId: "deleteConnector",
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
