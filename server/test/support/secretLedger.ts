// The whole test suite doubles as a secret-leak test. Every test server logs at trace level
// into one directory; every password, key, token and connector secret a test sends or receives
// through `server.api` is written down here. Two checks follow from that:
// - each response is checked as it arrives: no password or connector secret ever comes back,
//   and a key or token appears only in the response that issues it;
// - after the last test file, the global teardown scans every log line of the run for all of
//   them (see leakScan.ts).
import { appendFileSync } from "node:fs";
import path from "node:path";

export type SecretKind = "password" | "connector_secret" | "api_key" | "token" | "totp_secret";

/** Body fields whose values are secrets when sent to the server. */
const SENT: Record<string, SecretKind> = {
  password: "password",
  new_password: "password",
  current_password: "password",
  refresh_token: "token",
  token: "token",
  mfa_token: "token",
  auth_header: "connector_secret",
};

/** Response fields that issue a secret. */
const ISSUED: Record<string, SecretKind> = {
  key: "api_key",
  access_token: "token",
  refresh_token: "token",
  mfa_token: "token",
  secret: "totp_secret",
};

/** Shorter values (test fillers like "x" or "wrong") would match ordinary log text. */
const MIN_LENGTH = 10;

export class SecretLedger {
  private readonly known = new Map<string, SecretKind>();

  constructor(private readonly file: string | undefined) {}

  static forDirectory(dir: string | undefined): SecretLedger {
    return new SecretLedger(dir ? path.join(dir, `secrets-${process.pid}.jsonl`) : undefined);
  }

  note(kind: SecretKind, value: unknown): void {
    if (typeof value !== "string" || value.length < MIN_LENGTH || this.known.has(value)) return;
    this.known.set(value, kind);
    if (this.file) appendFileSync(this.file, `${JSON.stringify({ kind, value })}\n`);
  }

  /** What a request carries: the bearer credential and secret body fields. */
  noteRequest(bearer: string | undefined, body: unknown): void {
    if (bearer !== undefined) this.note(bearer.startsWith("fim_") ? "api_key" : "token", bearer);
    for (const [field, value] of fields(body)) {
      const kind = SENT[field];
      if (kind) this.note(kind, value);
    }
  }

  /**
   * Checks a response against everything known so far, then notes what it issues. Throws on a
   * leak, failing the test that made the request.
   */
  checkResponse(method: string, route: string, text: string, body: unknown): void {
    const issued = new Set<string>();
    for (const [field, value] of fields(body)) {
      if (ISSUED[field] && typeof value === "string") issued.add(value);
    }
    for (const [secret, kind] of this.known) {
      if (issued.has(secret) || !text.includes(secret)) continue;
      throw new Error(`${method} ${route} answered with a ${kind} it should never return (${secret.slice(0, 8)}…)`);
    }
    for (const [field, value] of fields(body)) {
      const kind = ISSUED[field];
      if (kind) this.note(kind, value);
    }
  }
}

/** Every (key, value) pair of a JSON value, at any depth, without recursion limits mattering. */
function fields(value: unknown): [string, unknown][] {
  const found: [string, unknown][] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!current || typeof current !== "object") continue;
    for (const [key, inner] of Object.entries(current)) {
      found.push([key, inner]);
      if (inner && typeof inner === "object") stack.push(inner);
    }
  }
  return found;
}
