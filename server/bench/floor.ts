// The floors of `pnpm bench`, in a process of their own, on PORT (default: any free port; it
// prints its URL):
// - GET /floor: a bare Express 5 route answering a small JSON, nothing else (no middleware);
// - GET /trpc/ping: a bare tRPC v11 query through its Express adapter, answering the same, with
//   no middleware, context or validation: what tRPC itself costs on this machine, so that the
//   portal's figure can be read against the framework it runs on as well as against Express.
import { initTRPC } from "@trpc/server";
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import express from "express";

const t = initTRPC.create();
const router = t.router({ ping: t.procedure.query(() => ({ ok: true })) });

const app = express();
app.get("/floor", (_req, res) => {
  res.json({ ok: true });
});
app.use("/trpc", createExpressMiddleware({ router }));
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`Floor: http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
