// Conversations and their messages: list, read, rename, delete for their owner, and the writes
// the agent runs make (a new conversation, the question, injected messages, the final answer).
import { type DirectStatement, directWrites, type Prisma } from "@fim/db";
import type { AppContext } from "../context.ts";
import {
  type Conversation,
  type ConversationWithMessages,
  MAX_CONVERSATION_TITLE_CHARS,
  type Message,
  message,
} from "../contracts/conversations.ts";
import { NO_RUN_STEPS, type RunSteps, runSteps } from "../contracts/runSteps.ts";
import { AppError, databaseUnavailable, validationError } from "../errors.ts";
import { newCuid } from "../lib/ids.ts";
import { readJsonColumn } from "./jsonColumn.ts";
import { ownedBy } from "./ownership.ts";
import { type PageRequest, pageArgs, toPage } from "./paging.ts";

const conversationSelect = {
  id: true,
  userId: true,
  title: true,
  agentId: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { messages: true } },
} satisfies Prisma.ConversationSelect;

const messageSelect = {
  id: true,
  role: true,
  content: true,
  metadata: true,
  steps: true,
  createdAt: true,
} satisfies Prisma.MessageSelect;

/**
 * The runs in progress, as the conversation rules need them: deleting a conversation ends the runs
 * streaming into it. The agent engine's run registry provides it (wired in context.ts).
 */
export interface LiveRuns {
  /** Ends every run of the conversation, wherever it streams, with `reason` as its error. */
  stop(conversationId: string, reason: AppError): void;
}

type ConversationRow = Prisma.ConversationGetPayload<{ select: typeof conversationSelect }>;
type MessageRow = Prisma.MessageGetPayload<{ select: typeof messageSelect }>;

export type MessageRole = "user" | "assistant";

function toView(row: ConversationRow): Conversation {
  return {
    id: row.id,
    title: row.title,
    agent_id: row.agentId,
    message_count: row._count.messages,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function parseMetadata(stored: string): Record<string, unknown> {
  return readJsonColumn(stored, message.shape.metadata, {});
}

export function toMessageView(row: MessageRow): Message {
  return {
    id: row.id,
    role: row.role === "assistant" ? "assistant" : "user",
    content: row.content,
    metadata: parseMetadata(row.metadata),
    steps: readJsonColumn(row.steps, runSteps, NO_RUN_STEPS),
    created_at: row.createdAt.toISOString(),
  };
}

function cleanTitle(title: string): string {
  const trimmed = title.replace(/\s+/g, " ").trim();
  if (trimmed === "") throw validationError("title", "must not be empty");
  if (trimmed.length > MAX_CONVERSATION_TITLE_CHARS)
    throw validationError("title", `must be at most ${MAX_CONVERSATION_TITLE_CHARS} characters`);
  return trimmed;
}

/** A title for a conversation started by a question: its first line, shortened. */
export function titleFromQuestion(question: string): string {
  const line = question.replace(/\s+/g, " ").trim();
  return line.length <= 80 ? line || "New conversation" : `${line.slice(0, 79)}…`;
}

async function ownedConversation(ctx: AppContext, userId: string, id: string): Promise<ConversationRow> {
  const row = await ctx.db.conversation.findUnique({ where: { id }, select: conversationSelect });
  return ownedBy(row, userId, "Conversation");
}

/** Throws not_found unless the conversation exists and belongs to the user. */
export async function assertConversationOwner(ctx: AppContext, userId: string, id: string): Promise<Conversation> {
  return toView(await ownedConversation(ctx, userId, id));
}

export async function listConversations(
  ctx: AppContext,
  userId: string,
  query: PageRequest,
): Promise<{ items: Conversation[]; next_cursor: string | null }> {
  if (query.cursor) {
    // A cursor from someone else's list (or a deleted conversation) is simply not a cursor here.
    const anchor = await ctx.db.conversation.findFirst({ where: { id: query.cursor, userId }, select: { id: true } });
    if (!anchor) throw validationError("cursor", "is not a position in this list");
  }
  const rows = await ctx.db.conversation.findMany({
    where: { userId },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
    select: conversationSelect,
  });
  return toPage(rows, query, toView);
}

export async function getConversation(ctx: AppContext, userId: string, id: string): Promise<ConversationWithMessages> {
  const row = await ownedConversation(ctx, userId, id);
  const messages = await ctx.db.message.findMany({
    where: { conversationId: id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: messageSelect,
  });
  return { ...toView(row), messages: messages.map(toMessageView) };
}

export async function renameConversation(
  ctx: AppContext,
  userId: string,
  id: string,
  title: string,
): Promise<Conversation> {
  await ownedConversation(ctx, userId, id);
  const row = await ctx.db.conversation.update({
    where: { id },
    data: { title: cleanTitle(title) },
    select: conversationSelect,
  });
  return toView(row);
}

/** Deletes a conversation with its messages; a run still streaming into it ends with not_found. */
export async function deleteConversation(ctx: AppContext, userId: string, id: string): Promise<void> {
  await ownedConversation(ctx, userId, id);
  await ctx.db.conversation.delete({ where: { id } });
  ctx.liveRuns.stop(id, new AppError("not_found", "The conversation was deleted during the run"));
}

// ---- Writes made by agent runs ----

/** A message a run stores: its question, or its answer. */
export interface RunMessage {
  /**
   * The conversation's id (the caller checked it is the user's), or a new conversation to start
   * with this message, under the id the caller made for it (newCuid).
   */
  conversation: string | { id: string; userId: string; agentId: string | null };
  role: MessageRole;
  content: string;
  metadata: Record<string, unknown>;
  /** An answer's steps, as its run showed them (already bounded in size by the run). */
  steps?: RunSteps;
}

/**
 * A stored run message, as far as a run needs it: its id (the `done` event names the answer) and
 * when it was written. Not the whole message view: building one parses back the JSON just written.
 */
export interface StoredRunMessage {
  conversationId: string;
  messageId: string;
  createdAt: Date;
}

/**
 * Stores the messages of the runs that start or finish together (ctx.runMessages gathers them):
 * the new conversations, the messages, and the other conversations marked as just active, in one
 * transaction. A run's first event waits for its question, and a burst of runs writes hundreds of
 * rows at once, so the rows go through the database driver itself (directWrites): through Prisma a
 * batch of a hundred cost tens of milliseconds of CPU in one piece, a stop of the event loop that
 * every run still connecting waited through. The ids are made here (see lib/ids.ts), so the
 * messages come back as written, without reading them again.
 */
export async function recordRunMessages(
  ctx: AppContext,
  items: RunMessage[],
): Promise<PromiseSettledResult<StoredRunMessage>[]> {
  try {
    return (await writeRunMessages(ctx, items)).map((value) => ({ status: "fulfilled", value }));
  } catch (error) {
    // A message whose conversation (or user) was deleted a moment ago fails the whole
    // transaction; written one at a time, it fails alone. A database that is away fails them all.
    if (items.length === 1 || databaseUnavailable(error)) throw error;
    const results: PromiseSettledResult<StoredRunMessage>[] = [];
    for (const item of items) {
      try {
        const [value] = await writeRunMessages(ctx, [item]);
        results.push({ status: "fulfilled", value: value! });
      } catch (reason) {
        results.push({ status: "rejected", reason });
      }
    }
    return results;
  }
}

/**
 * Takes back a run's stored question when the run is refused after all (another instance held the
 * user's last run slot): the conversation the run began, with the question, or else the question
 * alone (the conversation it continued keeps its place in the list: its time was moved on).
 */
export async function withdrawRunQuestion(
  ctx: AppContext,
  stored: StoredRunMessage,
  beganConversation: boolean,
): Promise<void> {
  if (beganConversation) await ctx.db.conversation.deleteMany({ where: { id: stored.conversationId } });
  else await ctx.db.message.deleteMany({ where: { id: stored.messageId } });
}

const INSERT_CONVERSATION = `INSERT INTO "Conversation" ("id", "userId", "title", "agentId", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5)`;
const INSERT_MESSAGE = `INSERT INTO "Message" ("id", "conversationId", "role", "content", "metadata", "steps", "createdAt") VALUES ($1, $2, $3, $4, $5, $6, $7)`;
/** The conversations continued by the batch, as a JSON array of ids: one statement however many. */
const TOUCH_CONVERSATIONS = {
  sqlite: `UPDATE "Conversation" SET "updatedAt" = $1 WHERE "id" IN (SELECT "value" FROM json_each($2))`,
  postgresql: `UPDATE "Conversation" SET "updatedAt" = $1 WHERE "id" IN (SELECT json_array_elements_text($2::json))`,
};

async function writeRunMessages(ctx: AppContext, items: RunMessage[]): Promise<StoredRunMessage[]> {
  const now = ctx.clock.now();
  // New conversations first (their messages refer to them), then the messages, each kind together
  // (PostgreSQL's writer sends consecutive inserts of one kind as one), then the rest touched.
  const conversations: DirectStatement[] = [];
  const messages: DirectStatement[] = [];
  const touched = new Set<string>();
  const rows = items.map((item) => {
    let conversationId: string;
    if (typeof item.conversation === "string") {
      conversationId = item.conversation;
      touched.add(conversationId);
    } else {
      conversationId = item.conversation.id;
      const title = cleanTitle(titleFromQuestion(item.content));
      conversations.push({
        sql: INSERT_CONVERSATION,
        params: [conversationId, item.conversation.userId, title, item.conversation.agentId, now],
      });
    }
    const row = {
      id: newCuid(),
      conversationId,
      role: item.role,
      content: item.content,
      metadata: JSON.stringify(item.metadata),
      steps: JSON.stringify(runSteps.parse(item.steps ?? NO_RUN_STEPS)),
      createdAt: now,
    };
    messages.push({
      sql: INSERT_MESSAGE,
      params: [row.id, conversationId, row.role, row.content, row.metadata, row.steps, now],
    });
    return row;
  });
  const touches =
    touched.size > 0
      ? [{ sql: TOUCH_CONVERSATIONS[ctx.config.databaseProvider], params: [now, JSON.stringify([...touched])] }]
      : [];
  await directWrites(ctx.db).transaction([...conversations, ...messages, ...touches]);
  return rows.map((row) => ({ conversationId: row.conversationId, messageId: row.id, createdAt: row.createdAt }));
}

/** Appends a message and marks the conversation as just active (it moves to the top of the list). */
export async function appendMessage(
  ctx: AppContext,
  conversationId: string,
  input: { role: MessageRole; content: string; metadata?: Record<string, unknown> },
): Promise<Message> {
  const now = ctx.clock.now();
  const [row] = await ctx.db.$transaction([
    ctx.db.message.create({
      data: {
        conversationId,
        role: input.role,
        content: input.content,
        metadata: JSON.stringify(input.metadata ?? {}),
        createdAt: now,
      },
      select: messageSelect,
    }),
    ctx.db.conversation.update({ where: { id: conversationId }, data: { updatedAt: now }, select: { id: true } }),
  ]);
  return toMessageView(row);
}

/** The latest messages of a conversation, oldest first: the context a model sees. */
export async function recentMessages(ctx: AppContext, conversationId: string, limit: number): Promise<Message[]> {
  const rows = await ctx.db.message.findMany({
    where: { conversationId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: messageSelect,
  });
  return rows.reverse().map(toMessageView);
}
