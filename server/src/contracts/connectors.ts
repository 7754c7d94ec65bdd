// Connectors: outside HTTP APIs with named actions. The auth header value is write-only:
// answers say `has_secret` instead.
import { instant, z } from "./common.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const DEFAULT_AUTH_HEADER_NAME = "Authorization";
export const MAX_ACTIONS = 50;

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

const connectorFields = {
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  base_url: z
    .string()
    .max(2000)
    .meta({ description: "https (or http to a public host)", example: "https://api.example.com/v1" }),
  auth_header: z.string().max(8192).nullable().optional().meta({
    description: "The auth header VALUE (a secret; write-only). null removes it.",
    example: "Bearer sk_live_…",
  }),
  auth_header_name: z
    .string()
    .max(100)
    .optional()
    .meta({ description: `Default ${DEFAULT_AUTH_HEADER_NAME}` }),
  actions: z.array(actionInput).max(MAX_ACTIONS).optional(),
};

export const createConnectorBody = z.strictObject(connectorFields);
export type ConnectorInput = z.infer<typeof createConnectorBody>;

export const updateConnectorBody = z.strictObject({
  ...connectorFields,
  name: connectorFields.name.optional(),
  base_url: connectorFields.base_url.optional(),
});

export const connectorAction = z
  .object({ name: z.string(), method: z.enum(HTTP_METHODS), path: z.string(), description: z.string() })
  .meta({ id: "ConnectorAction" });

export const connector = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    base_url: z.url(),
    auth_header_name: z.string(),
    has_secret: z.boolean().meta({ description: "Whether an auth header value is stored (it is never returned)" }),
    actions: z.array(connectorAction),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: "Connector" });
export type Connector = z.infer<typeof connector>;

export const connectorTest = z
  .object({
    ok: z.boolean().meta({ description: "Whether the base URL answered with a status below 400" }),
    status: z
      .number()
      .int()
      .nullable()
      .meta({ description: "The HTTP status of the answer; null when nothing answered", example: 200 }),
    ms: z
      .number()
      .int()
      .min(0)
      .meta({ description: "Milliseconds until the answer's headers arrived, or until it failed", example: 84 }),
    error: z
      .string()
      .optional()
      .meta({ description: "Why nothing answered (unreachable, refused, too slow), when status is null" }),
  })
  .meta({ id: "ConnectorTest" });
export type ConnectorTest = z.infer<typeof connectorTest>;
