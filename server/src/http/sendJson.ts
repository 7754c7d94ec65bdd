// Writes a JSON answer. Express's res.json does the same through res.send, which also looks for a
// charset to add, an ETag to compute (turned off here), a freshness check against the request's
// cache headers (meaningless for an API that answers no-store) and the HEAD case (Node's own
// response leaves the body out of a HEAD answer): a few microseconds a request that nothing
// here needs.
import type { Response } from "express";

/**
 * A check of what a declared route is about to answer (the response check, CHECK_RESPONSES): it
 * returns the answer to send instead, or undefined when the answer keeps to the contract.
 */
export type AnswerCheck = (status: number, body: unknown) => { status: number; body: unknown } | undefined;

const ANSWER_CHECK = "answerCheck";

/** Has every JSON answer of this response checked by `check` first (see responseCheck.ts). */
export function checkAnswersWith(res: Response, check: AnswerCheck): void {
  res.locals[ANSWER_CHECK] = check;
}

export function sendJson(res: Response, status: number, body: unknown): void {
  const check = res.locals[ANSWER_CHECK] as AnswerCheck | undefined;
  const replaced = check?.(status, body);
  const answer = replaced ?? { status, body };
  const text = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}
