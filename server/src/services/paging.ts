// Keyset pagination, the one way every list pages: newest first by the caller's order, one row
// more than asked to learn whether a next page exists, and the last row's id as the cursor.
import type { Page } from "../contracts/common.ts";

export interface PageRequest {
  limit: number;
  /** The previous page's `next_cursor`. */
  cursor?: string | null;
}

/** The `take`/`cursor`/`skip` arguments of a findMany for this page. */
export function pageArgs(request: PageRequest) {
  return {
    take: request.limit + 1,
    ...(request.cursor ? { cursor: { id: request.cursor }, skip: 1 } : {}),
  };
}

/** The page a findMany made with `pageArgs` returned, each row shown through `view`. */
export function toPage<Row extends { id: string }, Item>(
  rows: Row[],
  request: PageRequest,
  view: (row: Row) => Item,
): Page<Item> {
  const page = rows.slice(0, request.limit);
  return {
    items: page.map(view),
    next_cursor: rows.length > request.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
