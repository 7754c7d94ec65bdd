// The portal's only way to the server: tRPC over HTTP (batched queries and mutations, SSE for
// streams), with the session cookies and the CSRF header on every call.
import type { AppRouter } from "@fim/server/trpc";
import {
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  isTRPCClientError,
  type Operation,
  splitLink,
  type TRPCClientError,
  type TRPCClientErrorLike,
  type TRPCLink,
} from "@trpc/client";
import { createTRPCReact, type inferReactQueryProcedureOptions } from "@trpc/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { reauthPrompt } from "./reauth.ts";
import { CSRF_HEADERS, session, TRPC_URL } from "./session.ts";

export const trpc = createTRPCReact<AppRouter>();

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type ReactQueryOptions = inferReactQueryProcedureOptions<AppRouter>;
export type PortalError = TRPCClientErrorLike<AppRouter>;

/**
 * Whether a thrown value is an error answered by (or on the way to) the portal's server. Its
 * `data` is what the server's errorFormatter returns: `code`, `httpStatus`, the contract's error
 * body as `error` (`error.error` is the code, `error.message`, and extras such as `reason`) and
 * `retryAfter` in seconds for rate_limited.
 */
export function isPortalError(error: unknown): error is TRPCClientError<AppRouter> {
  return isTRPCClientError<AppRouter>(error);
}

export function errorStatus(error: unknown): number | undefined {
  return isPortalError(error) ? error.data?.httpStatus : undefined;
}

/** Seconds the server asked to wait (a rate-limited answer), if it said. */
export function retryAfterOf(error: unknown): number | undefined {
  return (isPortalError(error) && error.data?.retryAfter) || undefined;
}

function isUnauthorized(error: unknown): boolean {
  return errorStatus(error) === 401;
}

/**
 * A link that, when a call fails in a way `recoverable` recognises, runs `recover` and, if that
 * says so, sends the same call once more; otherwise (or on a second failure) the caller gets the
 * error. Unsubscribing stops it, a recovery in progress included.
 */
function retryOnceLink(
  recoverable: (op: Operation, error: TRPCClientError<AppRouter>) => boolean,
  recover: () => Promise<boolean>,
): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let inner: Unsubscribable | undefined;
        let closed = false;
        const attempt = (retried: boolean) => {
          inner = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (retried || !recoverable(op, error)) {
                observer.error(error);
                return;
              }
              void recover().then((ok) => {
                if (closed) return;
                if (ok) attempt(true);
                else observer.error(error);
              });
            },
          });
        };
        attempt(false);
        return () => {
          closed = true;
          inner?.unsubscribe();
        };
      });
}

/**
 * When a call fails because the access token is missing or expired, refresh once and retry it.
 * If the refresh fails too, the session is over and the keeper says so (the app redirects).
 */
const sessionLink = retryOnceLink(
  (op, error) =>
    op.type !== "subscription" &&
    !op.path.startsWith("auth.") &&
    isUnauthorized(error) &&
    (session.status === "active" || session.status === "unknown"),
  () => session.refresh(),
);

/** Whether the server refused until the password is confirmed again (sudo mode). */
export function needsReauthentication(error: unknown): boolean {
  return isPortalError(error) && error.data?.error?.reauthenticate === true;
}

/**
 * Sudo mode: a mutation refused until the password is confirmed again waits while the dialog asks
 * for it (reauth.ts), then is sent again, once; the page that made it just sees it succeed.
 * Cancelled, it fails with the server's refusal.
 */
const reauthLink = retryOnceLink(
  (op, error) => op.type === "mutation" && needsReauthentication(error),
  () => reauthPrompt.ask(),
);

export function createPortalClient() {
  return trpc.createClient({
    links: [
      sessionLink,
      reauthLink,
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: TRPC_URL }),
        // auth.* goes unbatched: the refresh cookie is scoped to the exact path /trpc/auth.refresh.
        false: splitLink({
          condition: (op) => op.path.startsWith("auth."),
          true: httpLink({ url: TRPC_URL, headers: CSRF_HEADERS }),
          false: httpBatchLink({ url: TRPC_URL, headers: CSRF_HEADERS, maxItems: 10 }),
        }),
      }),
    ],
  });
}

/** The human message for an error: the server's reason when it gave one. */
export function errorMessage(error: unknown): string {
  const body = isPortalError(error) ? error.data?.error : undefined;
  // The password dialog was cancelled: say so in the portal's words, not the API's.
  if (body?.reauthenticate === true) return "This change needs your password confirmed. Try again and confirm it.";
  if (typeof body?.reason === "string" && body.reason) return body.reason;
  if (body?.message) return body.message;
  if (error instanceof Error && error.message) {
    if (/fetch|network/i.test(error.message)) return "Cannot reach the server. Check your connection and try again.";
    return error.message;
  }
  return "Something went wrong.";
}
