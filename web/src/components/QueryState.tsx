// One query's four faces, written once: loading, failed (with a way to try again), empty, and
// the data. Pages say what each looks like; this decides which one shows.
import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "./Status.tsx";

/** What React Query (and tRPC's hooks over it) answer for a query, as far as this needs. */
export interface QueryLike<T> {
  isPending: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/** A page of a list procedure (`{ items, next_cursor }`) with nothing on it. */
function noItems(data: unknown): boolean {
  return typeof data === "object" && data !== null && "items" in data && Array.isArray(data.items)
    ? data.items.length === 0
    : false;
}

export function QueryState<T>({
  query,
  loading = "Loading…",
  errorTitle,
  empty,
  isEmpty = noItems,
  children,
}: {
  query: QueryLike<T>;
  /** The loading line, e.g. "Loading agents…". */
  loading?: string;
  /** A first sentence before the server's reason, e.g. "Could not load your keys." */
  errorTitle?: string;
  /** What shows instead of the data when there is none; without it, empty data renders as data. */
  empty?: ReactNode;
  /** When the data counts as empty; by default, a page of a list with no items. */
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  // Pending first: a query that has never answered has neither data nor error.
  if (query.isPending) return <Loading label={loading} />;
  if (query.error) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} title={errorTitle} />;
  if (query.data === undefined) return <Loading label={loading} />;
  if (empty !== undefined && isEmpty(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
