// After the whole suite: every log line every test server wrote, checked for every secret the
// suite handled (see secretLedger.ts). Beyond the known secrets, nothing shaped like a full API
// key or a whole JWT may appear in a log at all, whoever it belonged to.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { CONTRACT_VIOLATION } from "../../src/http/responseCheck.ts";
import type { SecretKind } from "./secretLedger.ts";

export interface LeakReport {
  logFiles: number;
  logLines: number;
  secrets: number;
  leaks: string[];
  /** Answers that broke the contract (CHECK_RESPONSES), as the servers logged them. */
  contractViolations: string[];
}

const FULL_KEY = /fim_[A-Za-z0-9]{44}/g;
const WHOLE_JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{20,}/g;
const LONG_RUN = /[\w-]{36,}/g;

export function scanForLeaks(dir: string): LeakReport {
  const files = readdirSync(dir);
  const secrets = new Map<string, SecretKind>();
  for (const file of files.filter((name) => name.startsWith("secrets-"))) {
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      if (line === "") continue;
      const { kind, value } = JSON.parse(line) as { kind: SecretKind; value: string };
      secrets.set(value, kind);
    }
  }
  const logFiles = files.filter((name) => name.endsWith(".log"));
  const text = logFiles.map((file) => readFileSync(path.join(dir, file), "utf8")).join("");
  const leaks: string[] = [];
  const show = (secret: string) => `${secret.slice(0, 8)}…`;

  for (const match of text.matchAll(FULL_KEY)) leaks.push(`an API key in a log line: ${show(match[0])}`);
  for (const match of text.matchAll(WHOLE_JWT)) leaks.push(`a JWT in a log line: ${show(match[0])}`);

  // The secret part of a key, or a JWT's signature, standing alone in some longer run.
  const runs = [...text.matchAll(LONG_RUN)].map((match) => match[0]);
  for (const [secret, kind] of secrets) {
    if (kind === "api_key" || kind === "token") {
      const tail = kind === "api_key" ? secret.slice(8) : (secret.split(".")[2] ?? secret);
      if (tail.length >= 36 && runs.some((run) => run.includes(tail))) leaks.push(`part of a ${kind}: ${show(secret)}`);
      continue;
    }
    if (text.includes(secret)) leaks.push(`a ${kind}: ${show(secret)}`);
  }
  const contractViolations = text
    .split("\n")
    .filter((line) => line.includes(`"msg":"${CONTRACT_VIOLATION}"`))
    .map((line) => {
      const { route, status, event, problem } = JSON.parse(line) as Record<string, unknown>;
      return `${route} ${status ?? `event ${event}`}: ${problem}`;
    });
  return {
    logFiles: logFiles.length,
    logLines: text.split("\n").length - 1,
    secrets: secrets.size,
    leaks,
    contractViolations,
  };
}
