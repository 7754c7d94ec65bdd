// Conversations and streaming runs for the portal's Chat page. A run is the HTTP-independent
// engine `runAgent` (the same one behind /api/react and /api/dag), iterated as a tRPC
// subscription over Server-Sent Events.
import { runAgent } from "../../agent/run.ts";
import { idParams, ok, page, pageQuery } from "../../contracts/common.ts";
import { conversation, conversationWithMessages, renameConversationBody } from "../../contracts/conversations.ts";
import { portalRunInput } from "../../contracts/runs.ts";
import { AppError } from "../../errors.ts";
import {
  deleteConversation,
  getConversation,
  listConversations,
  renameConversation,
} from "../../services/conversations.ts";
import { needs, router } from "../trpc.ts";

const chatAccess = needs({ scope: "chat" });

export const conversationsRouter = router({
  list: chatAccess
    .input(pageQuery)
    .output(page(conversation))
    .query(({ ctx, input }) => listConversations(ctx.app, ctx.userId, input)),

  get: chatAccess
    .input(idParams)
    .output(conversationWithMessages)
    .query(({ ctx, input }) => getConversation(ctx.app, ctx.userId, input.id)),

  rename: chatAccess
    .input(renameConversationBody.extend(idParams.shape))
    .output(conversation)
    .mutation(({ ctx, input }) => renameConversation(ctx.app, ctx.userId, input.id, input.title)),

  delete: chatAccess
    .input(idParams)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteConversation(ctx.app, ctx.userId, input.id);
      return { ok: true as const };
    }),
});

export const chatRouter = router({
  /** Streams one run: `start`, then steps / plan / answer deltas, then `done` (or `error`), then `end`. */
  run: chatAccess.input(portalRunInput).subscription(async function* ({ ctx, input, signal }) {
    // An EventSource reconnects on its own after a dropped connection; without this, a
    // reconnect would silently start the same question again.
    if (!(await ctx.app.startedRuns.claim(input.run_key)))
      throw new AppError("validation_error", "run_key: this run already started; start a new one");
    const { run_key: _key, ...runInput } = input;
    yield* runAgent(ctx.app, ctx.principal, runInput, { signal, token: ctx.accessToken });
  }),
});
