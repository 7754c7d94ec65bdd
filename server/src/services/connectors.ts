// Connectors: an outside HTTP API an agent may call. The auth header value is a secret, sealed
// with the server secret at rest and never returned (`has_secret` instead). Calls only ever go
// to the connector's own base URL: action paths are checked when saved, the final URL is checked
// again after parameters are filled in, and the socket dials only the address that was checked.
import type { Prisma } from "@fim/db";
import type { Agent, Response } from "undici";
import type { AppContext } from "../context.ts";
import { z } from "../contracts/common.ts";
import {
  type Connector,
  type ConnectorInput,
  type ConnectorTest,
  type connectorAction,
  DEFAULT_AUTH_HEADER_NAME,
  HTTP_METHODS,
  type HttpMethod,
} from "../contracts/connectors.ts";
import { AppError, notFound, validationError } from "../errors.ts";
import { loadCommonJs } from "../lib/lazyModule.ts";
import { pinnedLookup, resolveDestination } from "../lib/networkGuard.ts";
import { openSecret, sealSecret } from "../lib/secretBox.ts";
import { detachFromAgents } from "./agents.ts";
import { readJsonColumn } from "./jsonColumn.ts";
import { ownedBy } from "./ownership.ts";
import { type PageRequest, pageArgs, toPage } from "./paging.ts";

export const CONNECTOR_TIMEOUT_MS = 10_000;
/** Response bodies beyond this are cut off (and marked truncated). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

type ConnectorAction = z.infer<typeof connectorAction>;

// The sealed secret is selected only where a call needs it, never for views.
const connectorSelect = {
  id: true,
  name: true,
  description: true,
  baseUrl: true,
  authHeaderName: true,
  authSecretEnc: true,
  actions: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ConnectorSelect;

type ConnectorRow = Prisma.ConnectorGetPayload<{ select: typeof connectorSelect }>;

function readActions(stored: string): ConnectorAction[] {
  return readJsonColumn(stored, z.array(z.unknown()), []).flatMap((item): ConnectorAction[] => {
    if (!item || typeof item !== "object") return [];
    const { name, method, path, description } = item as Record<string, unknown>;
    if (typeof name !== "string" || typeof path !== "string") return [];
    if (!(HTTP_METHODS as readonly unknown[]).includes(method)) return [];
    return [
      { name, method: method as HttpMethod, path, description: typeof description === "string" ? description : "" },
    ];
  });
}

export function toPublicConnector(row: ConnectorRow): Connector {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    base_url: row.baseUrl,
    auth_header_name: row.authHeaderName,
    has_secret: row.authSecretEnc !== null,
    actions: readActions(row.actions),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

// ---- validation -------------------------------------------------------------------------------

/** An absolute http(s) URL without credentials, query or fragment; stored without a trailing slash. */
export function cleanBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw validationError("base_url", "must be an absolute http or https URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw validationError("base_url", "must use http or https");
  }
  if (url.username || url.password) {
    throw validationError("base_url", "must not contain credentials; put them in auth_header");
  }
  if (url.search || url.hash || value.includes("?") || value.includes("#")) {
    throw validationError("base_url", "must not have a query string or fragment");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$/;
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "accept-encoding",
]);

function cleanHeaderName(value: string): string {
  const name = value.trim();
  if (!HEADER_NAME.test(name)) throw validationError("auth_header_name", "must be a valid HTTP header name");
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw validationError("auth_header_name", `cannot be ${name}; the server sets that header itself`);
  }
  return name;
}

function cleanSecretValue(value: string): string {
  // A header value cannot carry line breaks (header injection) or other control characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw validationError("auth_header", "must not contain line breaks or control characters");
  }
  const trimmed = value.trim();
  if (trimmed === "") throw validationError("auth_header", "must not be empty; send null to remove it");
  return trimmed;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/{}]*$/;

/** Checks an action path: relative to the base URL, no traversal, no way to leave it. */
export function checkActionPath(path: string, field = "path"): string {
  if (!PATH_CHARS.test(path)) {
    throw validationError(
      field,
      "must start with / and contain only URL path characters (no scheme, host, query, fragment or backslash)",
    );
  }
  if (path.startsWith("//")) throw validationError(field, "must not start with //");
  if (/%(2f|5c)/i.test(path)) throw validationError(field, "must not contain encoded slashes");
  const bare = path.replace(PLACEHOLDER, "x");
  if (/[{}]/.test(bare)) throw validationError(field, "has a malformed {placeholder}");
  for (const segment of bare.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw validationError(field, "has a malformed percent-encoding");
    }
    if (decoded === "." || decoded === "..") throw validationError(field, "must not contain . or .. segments");
  }
  return path;
}

function cleanActions(actions: NonNullable<ConnectorInput["actions"]>): ConnectorAction[] {
  const seen = new Set<string>();
  return actions.map((action, i) => {
    const name = action.name.trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw validationError(`actions.${i}.name`, "must be 1-64 letters, digits, _ . or -");
    }
    if (seen.has(name)) throw validationError(`actions.${i}.name`, `"${name}" is used twice`);
    seen.add(name);
    return {
      name,
      method: action.method,
      path: checkActionPath(action.path, `actions.${i}.path`),
      description: action.description?.trim() ?? "",
    };
  });
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") throw validationError("name", "must not be empty");
  return trimmed;
}

/** Sealed secrets are bound to their owner, so a ciphertext moved to another user's row fails. */
function secretContext(ownerId: string): string {
  return `connector-auth:${ownerId}`;
}

// ---- CRUD -------------------------------------------------------------------------------------

async function ownedConnector(ctx: AppContext, ownerId: string, id: string): Promise<ConnectorRow> {
  const row = await ctx.db.connector.findUnique({ where: { id }, select: { ...connectorSelect, userId: true } });
  return ownedBy(row, ownerId, "Connector");
}

export async function createConnector(ctx: AppContext, ownerId: string, input: ConnectorInput): Promise<Connector> {
  const secret = input.auth_header == null ? null : cleanSecretValue(input.auth_header);
  const now = ctx.clock.now();
  const row = await ctx.db.connector.create({
    data: {
      userId: ownerId,
      name: cleanName(input.name),
      description: input.description?.trim() ?? "",
      baseUrl: cleanBaseUrl(input.base_url),
      authHeaderName: cleanHeaderName(input.auth_header_name ?? DEFAULT_AUTH_HEADER_NAME),
      authSecretEnc: secret === null ? null : sealSecret(ctx.config.apiKeySecret, secret, secretContext(ownerId)),
      actions: JSON.stringify(cleanActions(input.actions ?? [])),
      createdAt: now,
      updatedAt: now,
    },
    select: connectorSelect,
  });
  return toPublicConnector(row);
}

export async function listConnectors(
  ctx: AppContext,
  ownerId: string,
  query: PageRequest,
): Promise<{ items: Connector[]; next_cursor: string | null }> {
  const rows = await ctx.db.connector.findMany({
    where: { userId: ownerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
    select: connectorSelect,
  });
  return toPage(rows, query, toPublicConnector);
}

export async function getConnector(ctx: AppContext, ownerId: string, id: string): Promise<Connector> {
  return toPublicConnector(await ownedConnector(ctx, ownerId, id));
}

/**
 * Changes the given fields. `auth_header: null` removes the secret. Moving `base_url` or renaming
 * `auth_header_name` while a secret is stored requires `auth_header` in the same request, so
 * whoever can edit connectors cannot send an existing secret to a server of their choosing, nor
 * move it into a header (such as a cookie or a forwarded-for header) where the upstream would log
 * or echo it.
 */
export async function updateConnector(
  ctx: AppContext,
  ownerId: string,
  id: string,
  input: Partial<ConnectorInput>,
): Promise<Connector> {
  const existing = await ownedConnector(ctx, ownerId, id);
  const data: Prisma.ConnectorUpdateInput = { updatedAt: ctx.clock.now() };
  const keepsSecret = existing.authSecretEnc !== null && input.auth_header === undefined;
  if (input.name !== undefined) data.name = cleanName(input.name);
  if (input.description !== undefined) data.description = input.description.trim();
  if (input.base_url !== undefined) {
    const baseUrl = cleanBaseUrl(input.base_url);
    if (baseUrl !== existing.baseUrl && keepsSecret) {
      throw validationError(
        "auth_header",
        "is required when base_url changes: send the secret again (or null to drop it) with the new URL",
      );
    }
    data.baseUrl = baseUrl;
  }
  if (input.auth_header_name !== undefined) {
    const headerName = cleanHeaderName(input.auth_header_name);
    // Header names are case-insensitive: a change of case sends the same header.
    if (headerName.toLowerCase() !== existing.authHeaderName.toLowerCase() && keepsSecret) {
      throw validationError(
        "auth_header",
        "is required when auth_header_name changes: send the secret again (or null to drop it) with the new header name",
      );
    }
    data.authHeaderName = headerName;
  }
  if (input.auth_header !== undefined) {
    data.authSecretEnc =
      input.auth_header === null
        ? null
        : sealSecret(ctx.config.apiKeySecret, cleanSecretValue(input.auth_header), secretContext(ownerId));
  }
  if (input.actions !== undefined) data.actions = JSON.stringify(cleanActions(input.actions));
  const row = await ctx.db.connector.update({ where: { id }, data, select: connectorSelect });
  return toPublicConnector(row);
}

export async function deleteConnector(ctx: AppContext, ownerId: string, id: string): Promise<void> {
  const result = await ctx.db.connector.deleteMany({ where: { id, userId: ownerId } });
  if (result.count === 0) throw notFound("Connector");
  await detachFromAgents(ctx, ownerId, "connector", id);
}

// ---- calls ------------------------------------------------------------------------------------

export interface ConnectorForCall {
  id: string;
  name: string;
  baseUrl: string;
  authHeaderName: string;
  /** The decrypted secret: for building the outgoing request only, never for showing. */
  authHeaderValue: string | null;
  actions: ConnectorAction[];
}

/** The owner's connector with its secret opened, for making a call. Others' connectors are not_found. */
export async function getConnectorForCall(
  ctx: AppContext,
  ownerId: string,
  connectorId: string,
): Promise<ConnectorForCall> {
  const row = await ownedConnector(ctx, ownerId, connectorId);
  let authHeaderValue: string | null = null;
  if (row.authSecretEnc !== null) {
    try {
      authHeaderValue = openSecret(ctx.config.apiKeySecret, row.authSecretEnc, secretContext(ownerId));
    } catch (error) {
      ctx.logger.error({ err: error, connector: row.id }, "connector secret cannot be decrypted");
      throw new AppError("internal_error", "This connector's secret cannot be read; set auth_header again");
    }
  }
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    authHeaderName: row.authHeaderName,
    authHeaderValue,
    actions: readActions(row.actions),
  };
}

type ParamValue = string | number | boolean;

function paramText(name: string, value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value as ParamValue);
  }
  throw validationError(`params.${name}`, "must be a string, number or boolean");
}

// Characters that some server, proxy or file system along the way may take for a path separator
// or a dot: NFKC folds most look-alikes (fullwidth solidus, small reverse solidus, fullwidth full
// stop, one/two dot leaders) into ASCII, these have no such mapping and are listed by hand.
const SLASH_LIKE = /[/\\\u2044\u2215\u2216\u2571\u2572\u27cb\u27cd\u29f5\u29f8\u29f9]|\u0337|\u0338/;
const DOT_LIKE = /[\u3002\uff61]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_DECODE_ROUNDS = 8;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One round of percent-decoding as a lenient server would do it: valid %XX escapes become bytes,
 * a lone "%" stays as it is. Escapes that do not form valid UTF-8 (such as the overlong %c0%af,
 * once read as "/") give null.
 */
function percentDecodeOnce(text: string): string | null {
  if (!/%[0-9a-f]{2}/i.test(text)) return text;
  const bytes: number[] = [];
  for (const piece of text.split(/(%[0-9a-fA-F]{2})/)) {
    if (/^%[0-9a-fA-F]{2}$/.test(piece)) bytes.push(Number.parseInt(piece.slice(1), 16));
    else bytes.push(...Buffer.from(piece, "utf8"));
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/**
 * A value that fills a {placeholder} must stay one path segment whoever decodes it and however
 * often: no / or \ (or a look-alike), not . or .. (or only dots), no control characters, in the
 * raw value, in every round of percent-decoding until it no longer changes, and in the NFKC form
 * of each of those.
 */
function checkPathValue(name: string, text: string): void {
  const field = `params.${name}`;
  if (text === "") throw validationError(field, "must not be empty");
  const forms = [text];
  let current = text;
  for (let round = 0; ; round++) {
    const decoded = percentDecodeOnce(current);
    if (decoded === null) throw validationError(field, "has percent-escapes that are not valid UTF-8");
    if (decoded === current) break;
    if (round === MAX_DECODE_ROUNDS) throw validationError(field, "is percent-encoded too many times");
    forms.push(decoded);
    current = decoded;
  }
  for (const form of forms.flatMap((f) => [f, f.normalize("NFKC")])) {
    if (CONTROL.test(form)) throw validationError(field, "must not contain control characters");
    if (SLASH_LIKE.test(form)) {
      throw validationError(field, "must not contain / or \\ in any encoding: it fills a single path segment");
    }
    // ";" starts a path parameter that some servers strip ("..;" is read as "..").
    const segment = (form.split(";")[0] ?? "").replace(DOT_LIKE, ".").trim();
    if (/^\.+$/.test(segment)) throw validationError(field, "must not be . or .. in any encoding");
  }
}

/**
 * The URL for an action: placeholders filled (percent-encoded), other parameters as the query
 * string. The result must still lie under the base URL, whatever the parameters contained.
 */
export function buildActionUrl(baseUrl: string, actionPath: string, params: Record<string, unknown> = {}): URL {
  checkActionPath(actionPath);
  const rest = new Map(Object.entries(params).filter(([, value]) => value !== undefined && value !== null));
  const path = actionPath.replace(PLACEHOLDER, (_match, name: string) => {
    if (!rest.has(name)) throw validationError(`params.${name}`, "is required by the action's path");
    const text = paramText(name, rest.get(name));
    rest.delete(name);
    checkPathValue(name, text);
    return encodeURIComponent(text);
  });
  const base = new URL(baseUrl);
  const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, "")}${path}`);
  for (const [name, value] of rest) url.searchParams.append(name, paramText(name, value));
  const basePath = base.pathname.replace(/\/+$/, "");
  const inside = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
  if (url.origin !== base.origin || !inside) {
    throw validationError("path", "the resulting URL would leave the connector's base URL");
  }
  return url;
}

async function readLimited(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      parts.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    parts.push(value);
    size += value.byteLength;
  }
  // A cut in the middle of a multi-byte character becomes U+FFFD rather than an error.
  return { text: new TextDecoder().decode(Buffer.concat(parts)), truncated };
}

export interface ConnectorCallResult {
  status: number;
  /** Parsed JSON when the answer is JSON (and complete), otherwise its text. */
  body: unknown;
  truncated: boolean;
}

/**
 * Calls one action of the owner's connector. Only the connector's own base URL is reachable;
 * redirects are not followed (a 3xx is returned as is); the call gives up after 10 s (or when
 * `signal` aborts) and reads at most MAX_RESPONSE_BYTES of the answer.
 */
export async function callConnectorAction(
  ctx: AppContext,
  ownerId: string,
  connectorId: string,
  actionName: string,
  input: { params?: Record<string, unknown>; body?: unknown },
  signal?: AbortSignal,
  options: { timeoutMs?: number } = {},
): Promise<ConnectorCallResult> {
  const connector = await getConnectorForCall(ctx, ownerId, connectorId);
  const action = connector.actions.find((candidate) => candidate.name === actionName);
  if (!action) {
    throw validationError(
      "action",
      `connector "${connector.name}" has no action "${actionName}" (it has: ${connector.actions.map((a) => a.name).join(", ") || "none"})`,
    );
  }
  const url = buildActionUrl(connector.baseUrl, action.path, input.params);
  const headers: Record<string, string> = { accept: "application/json, text/*;q=0.9, */*;q=0.5" };
  if (connector.authHeaderValue !== null) headers[connector.authHeaderName] = connector.authHeaderValue;
  const sendsBody = action.method !== "GET" && action.method !== "DELETE" && input.body !== undefined;
  if (sendsBody) headers["content-type"] = "application/json";

  const started = Date.now();
  const { status, text, truncated, contentType } = await sendGuarded(
    ctx,
    connector,
    { url, method: action.method, headers, body: sendsBody ? JSON.stringify(input.body) : undefined },
    signal,
    options.timeoutMs ?? CONNECTOR_TIMEOUT_MS,
    MAX_RESPONSE_BYTES,
  );
  let body: unknown = text;
  if (!truncated && /\bjson\b/i.test(contentType)) {
    try {
      body = JSON.parse(text);
    } catch {
      // Not the JSON it claimed to be: the text is still worth showing.
    }
  }
  ctx.logger.debug(
    { connector: connector.id, action: action.name, status, ms: Date.now() - started },
    "connector call",
  );
  return { status, body, truncated };
}

/** How long "Test connection" waits for the connector's base URL to answer. */
export const CONNECTOR_TEST_TIMEOUT_MS = 5_000;

/**
 * "Test connection": a GET of the connector's base URL, with its auth header, through the same
 * network guard as every call (no private addresses unless allowed, no redirects followed), given
 * up after 5 s. Any HTTP answer is a result (`ok` when its status is below 400); a refused
 * destination or no answer at all is an error, as for a call.
 */
export async function testConnector(ctx: AppContext, ownerId: string, connectorId: string): Promise<ConnectorTest> {
  const connector = await getConnectorForCall(ctx, ownerId, connectorId);
  const headers: Record<string, string> = { accept: "*/*" };
  if (connector.authHeaderValue !== null) headers[connector.authHeaderName] = connector.authHeaderValue;
  const started = performance.now();
  try {
    // Only the status matters: at most a little of the body is read, then the connection closes.
    const { status } = await sendGuarded(
      ctx,
      connector,
      { url: new URL(connector.baseUrl), method: "GET", headers },
      undefined,
      CONNECTOR_TEST_TIMEOUT_MS,
      1024,
    );
    const ms = Math.round(performance.now() - started);
    ctx.logger.debug({ connector: connector.id, status, ms }, "connector test");
    return { ok: status < 400, status, ms };
  } catch (error) {
    // Nothing answering is what a test is for finding out: a result, not a failure of this server
    // (a refusal by the network rules stays a validation error on base_url).
    if (!(error instanceof AppError) || (error.status !== 502 && error.status !== 504)) throw error;
    const ms = Math.round(performance.now() - started);
    ctx.logger.debug({ connector: connector.id, ms, reason: error.message }, "connector test: no answer");
    return { ok: false, status: null, ms, error: error.message };
  }
}

interface OutgoingRequest {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Sends one request to a connector's host: the destination is resolved and checked by the network
 * guard, the connection pinned to the checked address, redirects not followed, the wait bounded by
 * `timeoutMs` (and `signal`), and at most `maxBytes` of the answer read.
 */
async function sendGuarded(
  ctx: AppContext,
  connector: ConnectorForCall,
  request: OutgoingRequest,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  maxBytes: number,
): Promise<{ status: number; text: string; truncated: boolean; contentType: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  // One agent per call: its only connection goes to the address checked for this call (no
  // pooled socket from an earlier answer), and it is destroyed when the call ends.
  let dispatcher: Agent | undefined;
  try {
    const destination = await untilAborted(
      resolveDestination(request.url, {
        resolveHost: ctx.resolveHost,
        allowPrivate: ctx.config.connectorPrivateNetworks === "allow",
      }),
      combined,
    );
    // undici (a megabyte of the built server) is loaded by the first connector call, not at start.
    const undici = await loadCommonJs(() => import("undici"));
    dispatcher = new undici.Agent({ connect: { lookup: pinnedLookup(destination) } });
    const response = await undici.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: combined,
      dispatcher,
    });
    const { text, truncated } = await readLimited(response, maxBytes);
    return { status: response.status, text, truncated, contentType: response.headers.get("content-type") ?? "" };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (signal?.aborted) throw signal.reason ?? error;
    if (timeout.aborted) {
      throw new AppError(
        "internal_error",
        `connector "${connector.name}" did not answer within ${timeoutMs / 1000} s`,
        {
          status: 504,
        },
      );
    }
    throw new AppError(
      "internal_error",
      `connector "${connector.name}" could not be reached (${(error as Error).cause ? String((error as Error & { cause: unknown }).cause) : (error as Error).message})`,
      { status: 502 },
    );
  } finally {
    dispatcher?.destroy().catch(() => undefined);
  }
}

/** The promise's result, or a rejection as soon as `signal` aborts (a resolver may hang). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
