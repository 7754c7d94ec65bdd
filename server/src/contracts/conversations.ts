// Conversations with the agents and their messages.
import { instant, z } from "./common.ts";
import { runSteps } from "./runSteps.ts";

export const MAX_CONVERSATION_TITLE_CHARS = 200;

export const conversation = z
  .object({
    id: z.string(),
    title: z.string(),
    agent_id: z.string().nullable(),
    message_count: z.number().int().min(0),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: "Conversation" });
export type Conversation = z.infer<typeof conversation>;

export const message = z
  .object({
    id: z.string(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    metadata: z.record(z.string(), z.unknown()).meta({
      description:
        "Run details: for assistant messages run_id, mode, model, iterations, elapsed (s), usage; `injected: true` on messages added with /api/chat/inject",
    }),
    steps: runSteps,
    created_at: instant,
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof message>;

export const conversationWithMessages = conversation
  .extend({ messages: z.array(message).meta({ description: "Oldest first" }) })
  .meta({ id: "ConversationWithMessages" });
export type ConversationWithMessages = z.infer<typeof conversationWithMessages>;

export const renameConversationBody = z.strictObject({ title: z.string().max(MAX_CONVERSATION_TITLE_CHARS) });
