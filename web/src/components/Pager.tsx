// Cursor pagination: the server hands out "next" cursors; going back replays earlier ones.
import { useState } from "react";

export function useCursorPager() {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const cursor = stack[stack.length - 1] ?? undefined;
  return {
    cursor,
    page: stack.length,
    next(nextCursor: string | null) {
      if (nextCursor) setStack((s) => [...s, nextCursor]);
    },
    previous() {
      setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
    },
    reset() {
      setStack([null]);
    },
  };
}

export type CursorPager = ReturnType<typeof useCursorPager>;

export function Pager({
  pager,
  nextCursor,
  label,
  total,
  pageSize,
  shown,
}: {
  pager: CursorPager;
  nextCursor: string | null | undefined;
  label: string;
  /** With these three, the pager says which rows these are: "11–20 of 42". */
  total?: number;
  pageSize?: number;
  shown?: number;
}) {
  const counted = total !== undefined && pageSize !== undefined && shown !== undefined;
  if (!counted && pager.page === 1 && !nextCursor) return null;
  const first = counted ? (pager.page - 1) * pageSize + 1 : 0;
  const range = counted ? (shown === 0 ? `0 of ${total}` : `${first}–${first + shown - 1} of ${total}`) : null;
  const buttons = pager.page > 1 || Boolean(nextCursor);
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      {range && (
        <span className="pager-range" aria-live="polite">
          {range}
        </span>
      )}
      {buttons && (
        <>
          <button type="button" className="button" onClick={pager.previous} disabled={pager.page === 1}>
            ← Previous
          </button>
          {!range && <span aria-live="polite">Page {pager.page}</span>}
          <button
            type="button"
            className="button"
            onClick={() => pager.next(nextCursor ?? null)}
            disabled={!nextCursor}
          >
            Next →
          </button>
        </>
      )}
    </nav>
  );
}
