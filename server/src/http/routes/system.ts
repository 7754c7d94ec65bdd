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
      const unavailable = (database: string) => {
        res
          .status(503)
          .set("Retry-After", "5")
          .json({
            error: "service_unavailable",
            message: `The database is ${database.replace("_", "-")}`,
            status: "unavailable",
            database,
          });
        return undefined;
      };
      if (ctx.database.state !== "ok") return unavailable(ctx.database.state);
      try {
        await ctx.db.user.findFirst({ select: { id: true } });
      } catch {
        return unavailable("unreachable");
      }
      return { status: "ok" };
    },
  }),
];
