// Health check.

import { defineRoute } from "../route.ts";
import { z } from "../zod.ts";

export const systemRoutes = [
  defineRoute({
    method: "get",
    path: "/api/health",
    tag: "system",
    summary: "Liveness and database reachability; needs no credential",
    access: "public",
    success: {
      status: 200,
      description: "The server and its database answer",
      schema: z.object({ status: z.literal("ok") }),
    },
    errors: [503],
    handler: async ({ ctx, res }) => {
      try {
        await ctx.db.user.findFirst({ select: { id: true } });
      } catch {
        res
          .status(503)
          .json({ error: "internal_error", message: "The database is not reachable", status: "unavailable" });
        return undefined;
      }
      return { status: "ok" };
    },
  }),
];
