// The floor of `pnpm bench`: a bare Express 5 route answering a small JSON, nothing else (no
// middleware). Run in a process of its own, on PORT (default: any free port); it prints its URL.
import express from "express";

const app = express();
app.get("/floor", (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`Floor: http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
