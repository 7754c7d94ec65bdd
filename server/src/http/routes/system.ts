// Health check.

import { health } from "../../contracts/system.ts";
import { defineRoute } from "../route.ts";

export const systemRoutes = [
  defineRoute({
    method: "get",
    path: "/api/health",
    operationId: "getHealth",
    tag: "system",
    summary: "Liveness and database reachability; needs no credential",
    access: "public",
    success: {
      status: 200,
      description: "The server and its database answer",
      schema: health,
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
