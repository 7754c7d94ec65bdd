// /api/conversations: the caller's conversations with the agents (scope `chat`).
import {
  deleteConversation,
  getConversation,
  listConversations,
  renameConversation,
} from "../../services/conversations.ts";
import { defineRoute } from "../route.ts";
import { idParams, page, pageQuery } from "../schemas.ts";
import { z } from "../zod.ts";

const conversationView = z.object({
  id: z.string(),
  title: z.string(),
  agent_id: z.string().nullable(),
  message_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const messageView = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()).meta({
    description:
      "Run details: for assistant messages run_id, mode, model, iterations, elapsed (s), usage; `injected: true` on messages added with /api/chat/inject",
  }),
  created_at: z.string(),
});

const chat = { scope: "chat" } as const;

export const conversationRoutes = [
  defineRoute({
    method: "get",
    path: "/api/conversations",
    tag: "conversations",
    summary: "The caller's conversations, most recently active first",
    access: chat,
    query: pageQuery,
    success: { status: 200, description: "A page of conversations", schema: page(conversationView) },
    handler: ({ ctx, principal, query }) => listConversations(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "get",
    path: "/api/conversations/:id",
    tag: "conversations",
    summary: "One conversation with its messages, oldest first",
    access: chat,
    params: idParams,
    success: {
      status: 200,
      description: "The conversation",
      schema: conversationView.extend({ messages: z.array(messageView) }),
    },
    errors: [404],
    handler: ({ ctx, principal, params }) => getConversation(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/conversations/:id",
    tag: "conversations",
    summary: "Rename a conversation",
    access: chat,
    params: idParams,
    body: z.strictObject({ title: z.string().max(1000) }),
    success: { status: 200, description: "The renamed conversation", schema: conversationView },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => renameConversation(ctx, principal.user.id, params.id, body.title),
  }),
  defineRoute({
    method: "delete",
    path: "/api/conversations/:id",
    tag: "conversations",
    summary: "Delete a conversation and its messages; a run still going on in it ends",
    access: chat,
    params: idParams,
    success: { status: 204, description: "Deleted" },
    errors: [404],
    handler: async ({ ctx, principal, params }) => {
      await deleteConversation(ctx, principal.user.id, params.id);
      return undefined;
    },
  }),
];
