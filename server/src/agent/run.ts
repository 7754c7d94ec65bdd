// A streaming agent run, independent of any door: /api/react and /api/dag wrap it in SSE, the
// portal in a tRPC subscription. It records the question (creating the conversation if need
// be), runs the react or dag loop with the offline engine or the configured model, re-checks
// the caller's credential while it runs, stops all work when its signal aborts, and records
// the answer. Events come out as an async iterable; the first is `start`, the last `end`.
import { randomUUID } from "node:crypto";
import { authenticate } from "../auth/authenticate.ts";
import { assertAccess, type Principal } from "../auth/scopes.ts";
import type { AppContext } from "../context.ts";
import type { Message } from "../contracts/conversations.ts";
import { AppError, databaseUnavailable, quotaExceeded, validationError } from "../errors.ts";
import { newCuid } from "../lib/ids.ts";
import {
  appendMessage,
  assertConversationOwner,
  recentMessages,
  type StoredRunMessage,
  withdrawRunQuestion,
} from "../services/conversations.ts";
import { runDag } from "./dag.ts";
import { ModelError } from "./openai.ts";
import { type AgentProfile, loadAgentProfile } from "./profile.ts";
import { runReact } from "./react.ts";
import type { RunHandle } from "./runtime.ts";
import type { EngineResult, RunScope } from "./scope.ts";
import { StepRecorder } from "./stepRecorder.ts";
import { buildToolbox } from "./tools.ts";
import type { ChatMessage, ErrorEvent, RunEvent, RunMode } from "./types.ts";

export interface RunInput {
  mode: RunMode;
  q: string;
  conversation_id?: string | null;
  agent_id?: string | null;
}

export interface RunOptions {
  /** Aborting it (the client went away) stops all work; no further events are produced. */
  signal?: AbortSignal;
  /**
   * The credential the run was started with. When given, it is authenticated again every
   * `credentialCheckMs` through the same `authenticate` as every request, and a failure (key
   * disabled or deleted, session revoked, user disabled, scope removed) ends the run with an
   * `error` event.
   */
  token?: string;
  /** The client's address the run was started from, for the re-check of a key's IP allow-list. */
  client?: string;
}

/** Why a run stopped without anyone to tell: the consumer left. */
class RunAbandoned extends Error {
  override name = "RunAbandoned";
}

const HISTORY_MESSAGES = 20;
const DEFAULT_MAX_ITERATIONS = 8;

/** An unbounded queue read as an async iterable; the engine writes, the consumer reads. */
class EventQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}

function errorEvent(ctx: AppContext, error: unknown): ErrorEvent {
  if (error instanceof AppError) {
    const body = error.toBody();
    return { ...body, error: body.error, message: body.message };
  }
  if (error instanceof ModelError) return { error: "model_error", message: error.message };
  const unavailable = databaseUnavailable(error);
  if (unavailable) return { error: unavailable.code, message: unavailable.message };
  ctx.logger.error({ err: error }, "agent run failed");
  return { error: "internal_error", message: "Something went wrong on our side" };
}

/**
 * Re-authenticates a running stream's credential. Re-checks are not requests, so they are not
 * counted in the key's usage.
 */
function credentialWatch(
  ctx: AppContext,
  principal: Principal,
  token: string,
  client: string | undefined,
  intervalMs: number,
  stop: (reason: AppError) => void,
): () => void {
  let checking = false;
  const timer = setInterval(async () => {
    if (checking) return;
    checking = true;
    try {
      const current = await authenticate(ctx, token, { countUsage: false, client: () => client });
      if (current.user.id !== principal.user.id) throw new AppError("invalid_token");
      assertAccess(current, { scope: "chat" });
    } catch (error) {
      if (error instanceof AppError) stop(error);
      else ctx.logger.warn({ err: error }, "credential re-check failed; the run goes on");
    } finally {
      checking = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

/**
 * Starts a run and streams its events. Problems found before the run starts (no `chat` scope,
 * an unknown agent or conversation, an empty question, the user's concurrent-runs quota used
 * up) are thrown as AppError by the first `next()`, before any event, so a door can answer them
 * as ordinary errors. After `start`, every failure arrives as an `error` event followed by
 * `end`; a run going past RUN_TIMEOUT_SECONDS ends with `run_timeout`.
 */
export async function* runAgent(
  ctx: AppContext,
  principal: Principal,
  input: RunInput,
  options: RunOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  assertAccess(principal, { scope: "chat" });
  const question = input.q.trim();
  if (question === "") throw validationError("q", "must not be empty");
  const limit = ctx.config.quotas.concurrentRuns;
  const slot = ctx.runs.reserve(principal.user.id, limit);
  if (!slot) throw concurrentRunsExceeded(limit);
  try {
    yield* startedRun(ctx, principal, input, options, question, slot.granted);
  } finally {
    slot.release();
  }
}

function concurrentRunsExceeded(limit: number): AppError {
  return quotaExceeded(
    "concurrent_runs",
    limit,
    `You already have ${limit} runs in progress, the most the server allows at once; wait for one to finish`,
    { status: 429, retryAfter: 5 },
  );
}

async function* startedRun(
  ctx: AppContext,
  principal: Principal,
  input: RunInput,
  options: RunOptions,
  question: string,
  slotGranted: Promise<boolean>,
): AsyncGenerator<RunEvent, void, undefined> {
  const ownerId = principal.user.id;
  const settings = ctx.agentSettings;
  const started = Date.now();
  const runId = randomUUID();

  // `start` tells the client that its conversation and question are stored and that the run
  // takes injected messages, here and through any instance, so all of that happens first. What
  // keeps it fast under a burst of runs: only what the input names (an agent, a conversation) is
  // read for each run, as only that can refuse it; the question (with its new conversation, whose
  // id is made here) and the default agent's knowledge bases go to the database in batches shared
  // by every run starting at the same moment, and the run is announced to the other instances,
  // all in the same turn of the event loop, since none of them needs another (should the read
  // fail, the question stays, like that of any run that fails).
  const agent = input.agent_id ? await loadAgentProfile(ctx, ownerId, input.agent_id) : null;
  let history: ChatMessage[] = [];
  if (input.conversation_id) {
    await assertConversationOwner(ctx, ownerId, input.conversation_id);
    history = (await recentMessages(ctx, input.conversation_id, HISTORY_MESSAGES)).map((message) => ({
      role: message.role,
      content: message.content,
    }));
  }
  options.signal?.throwIfAborted();
  const conversationId = input.conversation_id ?? newCuid();
  const controller = new AbortController();
  const handle: RunHandle = {
    runId,
    conversationId,
    ownerId,
    inbox: [],
    cancel: (reason) => controller.abort(reason),
  };
  // Never rejects: a registry that cannot reach Redis keeps the run on this instance alone.
  const registered = ctx.runs.register(handle);
  let profile: AgentProfile;
  let granted: boolean;
  let stored: StoredRunMessage;
  try {
    [profile, stored, , granted] = await Promise.all([
      agent ?? loadAgentProfile(ctx, ownerId, null),
      ctx.runMessages.add({
        conversation: input.conversation_id ?? { id: conversationId, userId: ownerId, agentId: agent?.id ?? null },
        role: "user",
        content: question,
        metadata: { run_id: runId },
      }),
      registered,
      slotGranted,
    ]);
  } catch (error) {
    await registered;
    ctx.runs.unregister(handle);
    throw error;
  }
  if (!granted) {
    // Runs on other instances hold the user's last slot: the run is refused as if it had not
    // started, its question (and the conversation it began) taken back.
    ctx.runs.unregister(handle);
    try {
      await withdrawRunQuestion(ctx, stored, !input.conversation_id);
    } catch (error) {
      ctx.logger.error({ err: error }, "a refused run's question could not be taken back");
    }
    throw concurrentRunsExceeded(ctx.config.quotas.concurrentRuns);
  }

  const engine = ctx.engine(profile, ctx.engineTurns);
  const model = engine.model;
  const toolbox = buildToolbox(ctx, profile);
  const onAbort = () => controller.abort(new RunAbandoned("the client went away"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // A client that left while its question was being stored missed the event: the run stops at once.
  if (options.signal?.aborted) onAbort();
  const queue = new EventQueue<RunEvent>();
  // What the run shows is kept with its answer, so a reopened conversation shows it again.
  const recorder = new StepRecorder();
  const stopWatch = options.token
    ? credentialWatch(ctx, principal, options.token, options.client, settings.credentialCheckMs, (error) =>
        controller.abort(error),
      )
    : () => {};
  const timeLimit = ctx.config.runTimeoutSeconds;
  const deadline = setTimeout(
    () =>
      controller.abort(
        new AppError("run_timeout", `The run took longer than ${timeLimit} s, the most the server allows`),
      ),
    timeLimit * 1000,
  );

  const scope: RunScope = {
    profile,
    model,
    toolbox,
    question,
    history,
    signal: controller.signal,
    maxIterations: Math.max(1, Math.min(settings.maxIterations, profile.maxIterations ?? DEFAULT_MAX_ITERATIONS)),
    emit: (event) => {
      recorder.observe(event);
      queue.push(event);
    },
    takeInjected: () => {
      const taken = handle.inbox.splice(0);
      for (const message of taken) {
        queue.push({ event: "inject", data: { message_id: message.id, content: message.content } });
      }
      return taken;
    },
    hasInjected: () => handle.inbox.length > 0,
  };

  queue.push({
    event: "start",
    data: { run_id: runId, conversation_id: conversationId, mode: input.mode, model: model.name, agent_id: profile.id },
  });

  let ended = false;
  const work = (async () => {
    try {
      // The engine starts on a later turn of the event loop: `start` is sent first, and when a
      // burst of runs starts together, requests still arriving are read between the engine steps
      // of those already started (turns.ts).
      await ctx.engineTurns.next();
      controller.signal.throwIfAborted();
      const result: EngineResult =
        input.mode === "react" ? await runReact(scope) : await runDag(scope, engine.dagBrain(scope));
      controller.signal.throwIfAborted();
      const elapsed = Math.round(Date.now() - started) / 1000;
      let messageId: string;
      try {
        // Batched with the answers of the runs finishing at the same moment (see the question above).
        ({ messageId } = await ctx.runMessages.add({
          conversation: conversationId,
          role: "assistant",
          content: result.answer,
          metadata: {
            run_id: runId,
            mode: input.mode,
            model: model.name,
            agent_id: profile.id,
            iterations: result.iterations,
            elapsed,
            usage: result.usage,
          },
          steps: recorder.steps(),
        }));
      } catch (error) {
        const exists = await ctx.db.conversation.findUnique({ where: { id: conversationId }, select: { id: true } });
        if (!exists) throw new AppError("not_found", "The conversation was deleted during the run");
        throw error;
      }
      queue.push({
        event: "done",
        data: {
          answer: result.answer,
          iterations: result.iterations,
          elapsed,
          usage: result.usage,
          model: model.name,
          conversation_id: conversationId,
          message_id: messageId,
          citations: recorder.citations(),
        },
      });
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      // A client that went away has nobody left to tell.
      if (!(reason instanceof RunAbandoned)) queue.push({ event: "error", data: errorEvent(ctx, reason) });
    } finally {
      stopWatch();
      clearTimeout(deadline);
      ctx.runs.unregister(handle);
      options.signal?.removeEventListener("abort", onAbort);
      queue.push({ event: "end", data: {} });
      queue.close();
      ended = true;
    }
  })();

  try {
    yield* queue;
  } finally {
    // The consumer stopped reading before the end: make sure nothing keeps working. (A run that
    // ended has nothing left to stop, and an abort reason is an Error, whose stack costs.)
    if (!ended && !controller.signal.aborted) controller.abort(new RunAbandoned("the consumer stopped reading"));
    await work;
  }
}

/**
 * Adds a user message to a conversation while a run is going on in it; the run sees it at its
 * next step. No run in progress (or not the caller's conversation): not_found.
 */
export async function injectMessage(
  ctx: AppContext,
  principal: Principal,
  input: { conversation_id: string; content: string },
): Promise<{ conversation_id: string; message: Message; runs: number }> {
  assertAccess(principal, { scope: "chat" });
  const content = input.content.trim();
  if (content === "") throw validationError("content", "must not be empty");
  await assertConversationOwner(ctx, principal.user.id, input.conversation_id);
  const registry = ctx.runs;
  // Here or on another instance: the message reaches the run wherever it streams.
  const runIds = await registry.runIdsFor(input.conversation_id, principal.user.id);
  if (runIds.length === 0) throw new AppError("not_found", "No run is in progress in this conversation");
  const message = await appendMessage(ctx, input.conversation_id, {
    role: "user",
    content,
    metadata: { injected: true, run_ids: runIds },
  });
  registry.inject(input.conversation_id, runIds, { id: message.id, content });
  return { conversation_id: input.conversation_id, message, runs: runIds.length };
}
