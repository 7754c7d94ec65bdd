// POST /api/react and /api/dag stream an agent run as Server-Sent Events; POST /api/chat/inject
// adds a message to a run in progress. All three need the `chat` scope. The credential may come
// in the body's `token` field (the reference's form for clients that cannot set headers).
// Authentication, scope and input are checked before the first byte, so a refusal is an
// ordinary JSON error; once the stream has begun, failures arrive as `error` then `end` events.
import type { Request, Response } from "express";
import { injectMessage, type RunInput, runAgent } from "../../agent/run.ts";
import type { RunEvent, RunMode } from "../../agent/types.ts";
import { bearerToken } from "../../auth/authenticate.ts";
import type { Principal } from "../../auth/scopes.ts";
import type { AppContext } from "../../context.ts";
import type { z } from "../../contracts/common.ts";
import { dagRunEvent, injectBody, injected, reactRunEvent, runBody } from "../../contracts/runs.ts";
import { CONTRACT_VIOLATION, eventProblem } from "../responseCheck.ts";
import { defineRoute } from "../route.ts";

type RunBody = z.infer<typeof runBody>;

/**
 * Writes SSE frames, waiting for the socket when the client reads slowly. The frames written in
 * one turn of the event loop (a run's last events come together) leave in one write to the
 * socket rather than one each.
 */
class SseWriter {
  private corked = false;

  constructor(private readonly res: Response) {}

  private get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  private readonly uncork = () => {
    this.corked = false;
    this.res.uncork();
  };

  private async write(text: string): Promise<void> {
    if (!this.open) return;
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(this.uncork);
    }
    if (this.res.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }

  event(event: RunEvent): Promise<void> {
    // JSON escapes newlines, so the data always fits on one `data:` line.
    return this.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }

  comment(text: string): Promise<void> {
    return this.write(`: ${text}\n\n`);
  }
}

/**
 * With CHECK_RESPONSES on, each event must match its mode's documented events; one that does not
 * is logged as a contract violation and sent as an internal_error event instead.
 */
function checked(ctx: AppContext, mode: RunMode, event: RunEvent): RunEvent {
  if (!ctx.config.checkResponses) return event;
  const problem = eventProblem(mode === "react" ? reactRunEvent : dagRunEvent, event);
  if (!problem) return event;
  ctx.logger.error({ route: `POST /api/${mode}`, event: event.event, problem }, CONTRACT_VIOLATION);
  return { event: "error", data: { error: "internal_error", message: `${CONTRACT_VIOLATION}: ${problem}` } };
}

async function streamRun(
  ctx: AppContext,
  principal: Principal,
  mode: RunMode,
  body: RunBody,
  req: Request,
  res: Response,
): Promise<void> {
  // The same credential mount.ts authenticated, kept so the run can re-check it while it streams.
  const token = bearerToken(req.get("authorization")) ?? body.token;
  const disconnected = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) disconnected.abort();
  };
  res.on("close", onClose);

  const input: RunInput = { mode, q: body.q, conversation_id: body.conversation_id, agent_id: body.agent_id };
  const events = runAgent(ctx, principal, input, { signal: disconnected.signal, token, client: req.ip });
  let first: IteratorResult<RunEvent>;
  try {
    // Everything that can refuse the run (unknown agent or conversation, empty question) does so
    // here, before any byte: the error handler answers it as JSON with its status.
    first = await events.next();
  } catch (error) {
    res.off("close", onClose);
    throw error;
  }

  res.status(200);
  res.set({
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  // The headers leave with the first event, in one write.
  const writer = new SseWriter(res);
  const keepalive = setInterval(() => void writer.comment("keepalive"), ctx.agentSettings.keepaliveMs);
  try {
    let next = first;
    while (!next.done) {
      await writer.event(checked(ctx, mode, next.value));
      next = await events.next();
    }
  } catch (error) {
    // The run reports its own failures as events; this is for a bug in the run itself.
    ctx.logger.error({ err: error }, "stream failed");
    await writer.event({
      event: "error",
      data: { error: "internal_error", message: "Something went wrong on our side" },
    });
    await writer.event({ event: "end", data: {} });
  } finally {
    clearInterval(keepalive);
    res.off("close", onClose);
    await events.return(undefined);
    res.end();
  }
}

const chat = { scope: "chat" } as const;

const streamDescription = (events: string) =>
  `Server-Sent Events, one per frame: its \`event:\` line names it and its \`data:\` line is its JSON data (${events}); the schema describes a frame as {event, data}. A \`: keepalive\` comment comes every 15 s. Refusals before the stream starts are JSON errors.`;

export const runRoutes = [
  defineRoute({
    method: "post",
    path: "/api/react",
    operationId: "runReact",
    tag: "runs",
    summary: "Ask an agent; it reasons and calls tools step by step (ReAct), streamed as SSE",
    access: chat,
    tokenInBody: true,
    body: runBody,
    success: {
      status: 200,
      description: streamDescription("start, step, answer, inject, done, error, end"),
      events: reactRunEvent,
    },
    errors: [404, 429],
    handler: ({ ctx, principal, body, req, res }) => streamRun(ctx, principal, "react", body, req, res),
  }),
  defineRoute({
    method: "post",
    path: "/api/dag",
    operationId: "runDag",
    tag: "runs",
    summary: "Ask an agent; it plans steps with dependencies, runs them in parallel and analyzes, streamed as SSE",
    access: chat,
    tokenInBody: true,
    body: runBody,
    success: {
      status: 200,
      description: streamDescription("start, phase, step_progress, answer, inject, done, error, end"),
      events: dagRunEvent,
    },
    errors: [404, 429],
    handler: ({ ctx, principal, body, req, res }) => streamRun(ctx, principal, "dag", body, req, res),
  }),
  defineRoute({
    method: "post",
    path: "/api/chat/inject",
    operationId: "injectMessage",
    tag: "runs",
    summary: "Add a user message to a conversation whose run is in progress; the run sees it at its next step",
    access: chat,
    body: injectBody,
    success: {
      status: 201,
      description: "The message, added to the conversation and handed to the running run(s)",
      schema: injected,
    },
    errors: [404],
    handler: ({ ctx, principal, body }) => injectMessage(ctx, principal, body),
  }),
];
