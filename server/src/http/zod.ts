// Zod, extended with OpenAPI metadata before any route schema is built (schemas created before
// the extension would lack it). HTTP modules import `z` from here.
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

export { z };
