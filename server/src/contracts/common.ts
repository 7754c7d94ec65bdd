// What every resource contract is made of: zod (with OpenAPI metadata), ids, instants, pages,
// and the one error body. Contracts are door-neutral: the REST routes, the tRPC procedures, the
// OpenAPI document and the services all take their shapes and limits from here, and this
// directory imports nothing from a door, a service or the agent engine.
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors.ts";

// Before any schema is built: schemas made before the extension would lack `.openapi()`.
extendZodWithOpenApi(z);

export { z };

/** A resource id in a path or an input. */
export const id = z.string().min(1).max(100);

export const idParams = z.object({ id });

/** An instant as every answer gives it: ISO 8601 in UTC, to the millisecond. */
export const instant = z.iso.datetime().meta({ example: "2026-11-28T17:04:05.123Z" });

const pageLimit = z.coerce.number().int().min(1).max(100);

/** A page size and the cursor of the previous page's `next_cursor`. */
export const pageQuery = z.object({
  limit: pageLimit.default(20),
  cursor: z.string().max(100).optional().meta({ description: "The previous page's next_cursor" }),
});

/** The same query with a different default page size. */
export function pageQueryOf(defaultLimit: number) {
  return pageQuery.extend({ limit: pageLimit.default(defaultLimit) });
}

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last" }),
  });
}

export type Page<T> = { items: T[]; next_cursor: string | null };

/** The portal's answer to a change that has nothing else to say. */
export const ok = z.object({ ok: z.literal(true) });

export const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** The contract's error body, whatever the status; the fields after `message` appear when they apply. */
export const errorBody = z
  .object({
    error: errorCode,
    message: z.string(),
    reason: z.string().optional().meta({ description: "Why a credential was refused (e.g. key_disabled)" }),
    details: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "validation_error: each offending field (dotted path) and what is wrong with it" }),
    required_scope: z.string().optional().meta({ description: "forbidden: the scope the key lacks" }),
    reauthenticate: z.boolean().optional().meta({
      description: "forbidden: confirm the password (POST /api/auth/reauthenticate), then retry the same request",
    }),
    retry_after: z.number().int().optional().meta({ description: "rate_limited: seconds to wait" }),
    quota: z.string().optional().meta({ description: "quota_exceeded: which account limit" }),
    limit: z.number().int().optional().meta({ description: "quota_exceeded: the limit's size" }),
    status: z.string().optional().meta({ description: "Health check only: unavailable" }),
    database: z.string().optional().meta({ description: "Health check only: the database's state" }),
  })
  .meta({ id: "Error", description: "Every error answer" });

export type ErrorBodyShape = z.infer<typeof errorBody>;
