// An integrator's program, written only against the client generated from the served OpenAPI
// document (openapi-typescript + openapi-fetch): no hand-written request or response type. The
// test copies it next to the generated `api.ts`, compiles both with `tsc --strict`, then runs it
// against a real server.

import { createParser } from "eventsource-parser";
import createClient from "openapi-fetch";
import type { components, paths } from "./api.ts";

type ReactRunEvent = components["schemas"]["ReactRunEvent"];
type ApiError = components["schemas"]["Error"];

export interface IntegrationResult {
  keyPrefix: string;
  keyScopes: components["schemas"]["Scope"][];
  passages: components["schemas"]["RetrievalResult"][];
  events: ReactRunEvent[];
  answer: string;
  rolledPrefix: string;
  oldKeyAfterRoll: ApiError | undefined;
  served: number;
}

function fail(step: string, error: ApiError | undefined): never {
  throw new Error(`${step}: ${error ? `${error.error}: ${error.message}` : "no data"}`);
}

/** The SSE frames of a run, each parsed into the generated event union. */
async function readEvents(stream: ReadableStream<Uint8Array>): Promise<ReactRunEvent[]> {
  const events: ReactRunEvent[] = [];
  const parser = createParser({
    onEvent(frame) {
      const event = { event: frame.event, data: JSON.parse(frame.data) } as ReactRunEvent;
      events.push(event);
    },
  });
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return events;
}

export async function runIntegration(
  baseUrl: string,
  login: { email: string; password: string },
): Promise<IntegrationResult> {
  const anonymous = createClient<paths>({ baseUrl });
  const signedIn = await anonymous.POST("/api/auth/login", { body: login });
  if (!signedIn.data) fail("login", signedIn.error);
  // An account with two-factor login answers mfa_required instead; this one has none.
  if (!("access_token" in signedIn.data)) fail("login (a second factor is asked for)", undefined);
  const session = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${signedIn.data.access_token}` },
  });

  const created = await session.POST("/api/me/api-keys", {
    body: {
      name: "generated client",
      scopes: ["kb", "agents", "chat"],
      rate_limit: { requests: 100, window_seconds: 60 },
    },
  });
  if (!created.data) fail("create key", created.error);
  const key = created.data.key;
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });

  const kb = await api.POST("/api/knowledge-bases", { body: { name: "Handbook", description: "Team rules" } });
  if (!kb.data) fail("create knowledge base", kb.error);
  const kbId = kb.data.id;
  const doc = await api.POST("/api/knowledge-bases/{id}/documents", {
    params: { path: { id: kbId } },
    body: {
      title: "Expenses",
      content: "Travel expenses are reimbursed within 30 days.\n\nMeals are covered up to 40 euros a day.",
      format: "text",
      metadata: { team: "finance" },
    },
  });
  if (!doc.data) fail("add document", doc.error);
  const found = await api.POST("/api/knowledge-bases/{id}/retrieve", {
    params: { path: { id: kbId } },
    body: { query: "travel expenses reimbursed", top_k: 3 },
  });
  if (!found.data) fail("retrieve", found.error);

  const agent = await api.POST("/api/agents", {
    body: { name: "Handbook helper", tools: ["kb_retrieve", "calculator"], knowledge_base_ids: [kbId] },
  });
  if (!agent.data) fail("create agent", agent.error);

  const run = await api.POST("/api/react", {
    body: { q: "What is 12 * 7?", agent_id: agent.data.id },
    parseAs: "stream",
  });
  if (!run.data) fail("run", run.error);
  const events = await readEvents(run.data);
  let answer = "";
  for (const event of events) {
    if (event.event === "done") answer = event.data.answer;
  }

  const rolled = await session.POST("/api/me/api-keys/{id}/roll", {
    params: { path: { id: created.data.id } },
    body: { overlap: "none" },
  });
  if (!rolled.data) fail("roll", rolled.error);
  const oldKey = await api.GET("/api/agents", { params: { query: { limit: 1 } } });

  const usage = await session.GET("/api/me/api-keys/{id}/usage", {
    params: { path: { id: created.data.id }, query: { days: 7 } },
  });
  if (!usage.data) fail("usage", usage.error);

  return {
    keyPrefix: created.data.key_prefix,
    keyScopes: created.data.scopes,
    passages: found.data.results,
    events,
    answer,
    rolledPrefix: rolled.data.key_prefix,
    oldKeyAfterRoll: oldKey.error,
    served: usage.data.total,
  };
}
