// The health check.
import { z } from "./common.ts";

export const health = z.object({ status: z.literal("ok") }).meta({ id: "Health" });
