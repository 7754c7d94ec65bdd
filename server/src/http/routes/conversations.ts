// /api/conversations: the caller's conversations with the agents (scope `chat`).
import { idParams, page, pageQuery } from "../../contracts/common.ts";
import { conversation, conversationWithMessages, renameConversationBody } from "../../contracts/conversations.ts";
import {
  deleteConversation,
  getConversation,
  listConversations,
  renameConversation,
} from "../../services/conversations.ts";
import { defineRoute } from "../route.ts";

const chat = { scope: "chat" } as const;

export const conversationRoutes = [
  defineRoute({
    method: "get",
    path: "/api/conversations",
    operationId: "listConversations",
    tag: "conversations",
    summary: "The caller's conversations, most recently active first",
    access: chat,
    query: pageQuery,
    success: { status: 200, description: "A page of conversations", schema: page(conversation) },
    handler: ({ ctx, principal, query }) => listConversations(ctx, principal.user.id, query),
  }),
  defineRoute({
    method: "get",
    path: "/api/conversations/:id",
    operationId: "getConversation",
    tag: "conversations",
    summary: "One conversation with its messages, oldest first",
    access: chat,
    params: idParams,
    success: {
      status: 200,
      description: "The conversation",
      schema: conversationWithMessages,
    },
    errors: [404],
    handler: ({ ctx, principal, params }) => getConversation(ctx, principal.user.id, params.id),
  }),
  defineRoute({
    method: "patch",
    path: "/api/conversations/:id",
    operationId: "renameConversation",
    tag: "conversations",
    summary: "Rename a conversation",
    access: chat,
    params: idParams,
    body: renameConversationBody,
    success: { status: 200, description: "The renamed conversation", schema: conversation },
    errors: [404],
    handler: ({ ctx, principal, params, body }) => renameConversation(ctx, principal.user.id, params.id, body.title),
  }),
  defineRoute({
    method: "delete",
    path: "/api/conversations/:id",
    operationId: "deleteConversation",
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
