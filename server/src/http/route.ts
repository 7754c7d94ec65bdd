// REST routes are declared, not hand-wired: each declaration names its method, path, access
// rule (public, any credential, key management, or a scope), its zod schemas and its handler.
// The same list mounts the Express routes, generates the OpenAPI document and drives the scope
// matrix test, so a route cannot exist without an access rule or go undocumented.
import type { Request, Response } from "express";
import type { Access, Principal } from "../auth/scopes.ts";
import type { AppContext } from "../context.ts";
import type { z } from "../contracts/common.ts";
import type { RequestMeta } from "../services/audit.ts";

export type Method = "get" | "post" | "patch" | "put" | "delete";

export interface HandlerInput<B, Q, P, A extends Access> {
  ctx: AppContext;
  principal: A extends "public" ? Principal | null : Principal;
  body: B;
  query: Q;
  params: P;
  meta: RequestMeta;
  req: Request;
  res: Response;
}

export interface RouteDef<
  B extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
  A extends Access = Access,
> {
  method: Method;
  /** Express-style path, e.g. /api/me/api-keys/:id */
  path: string;
  /** Stable name of the operation in the OpenAPI document (and in generated clients). */
  operationId: string;
  summary: string;
  tag: string;
  access: A;
  body?: B;
  query?: Q;
  params?: P;
  /** Streaming endpoints also accept the credential as the JSON body's `token` field. */
  tokenInBody?: boolean;
  /**
   * The success answer: a JSON `schema`, nothing (204), or `events`: the route streams
   * Server-Sent Events itself, each frame one of these {event, data} shapes.
   */
  success: { status: number; description: string; schema?: z.ZodType; events?: z.ZodType };
  /** Error codes worth listing in the docs beyond the ones every authenticated route has. */
  errors?: number[];
  handler(input: HandlerInput<z.infer<B>, z.infer<Q>, z.infer<P>, A>): Promise<unknown> | unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds routes of every shape.
export type AnyRoute = RouteDef<any, any, any, any>;

export function defineRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
  A extends Access = Access,
>(def: RouteDef<B, Q, P, A>): AnyRoute {
  return def as AnyRoute;
}

/** The route's path in OpenAPI form: /api/me/api-keys/{id} */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}
