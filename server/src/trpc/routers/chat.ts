// Conversations and streaming runs for the portal's Chat page. A run is the HTTP-independent
// engine `runAgent` (the same one behind /api/react and /api/dag), iterated as a tRPC
// subscription over Server-Sent Events.
import { z } from "zod";
import { runAgent } from "../../agent/run.ts";
import { assertAccess } from "../../auth/scopes.ts";
import { AppError } from "../../errors.ts";
import {
  deleteConversation,
  getConversation,
  listConversations,
  renameConversation,
} from "../../services/conversations.ts";
import { id, ok, page, pageInput } from "../schemas.ts";
import { protectedProcedure, router } from "../trpc.ts";

const chatAccess = protectedProcedure.use(({ ctx, next }) => {
  // Login sessions have every scope; the check is here so the rule reads the same as on REST.
  assertAccess(ctx.principal, { scope: "chat" });
  return next();
});

const conversation = z.object({
  id: z.string(),
  title: z.string(),
  agent_id: z.string().nullable(),
  message_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const message = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

export const conversationsRouter = router({
  list: chatAccess
    .input(pageInput)
    .output(page(conversation))
    .query(({ ctx, input }) =>
      listConversations(ctx.app, ctx.userId, { limit: input.limit, cursor: input.cursor ?? undefined }),
    ),

  get: chatAccess
    .input(z.object({ id }))
    .output(conversation.extend({ messages: z.array(message) }))
    .query(({ ctx, input }) => getConversation(ctx.app, ctx.userId, input.id)),

  rename: chatAccess
    .input(z.object({ id, title: z.string().max(300) }))
    .output(conversation)
    .mutation(({ ctx, input }) => renameConversation(ctx.app, ctx.userId, input.id, input.title)),

  delete: chatAccess
    .input(z.object({ id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteConversation(ctx.app, ctx.userId, input.id);
      return { ok: true as const };
    }),
});

export const chatRouter = router({
  /** Streams one run: `start`, then steps / plan / answer deltas, then `done` (or `error`), then `end`. */
  run: chatAccess
    .input(
      z.object({
        run_key: z.uuid(),
        mode: z.enum(["react", "dag"]),
        q: z.string().min(1).max(20_000),
        conversation_id: z.string().max(100).nullish(),
        agent_id: z.string().max(100).nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // An EventSource reconnects on its own after a dropped connection; without this, a
      // reconnect would silently start the same question again.
      if (!ctx.app.startedRuns.claim(input.run_key))
        throw new AppError("validation_error", "run_key: this run already started; start a new one");
      const { run_key: _key, ...runInput } = input;
      yield* runAgent(ctx.app, ctx.principal, runInput, { signal, token: ctx.accessToken });
    }),
});
