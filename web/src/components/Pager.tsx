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
}: {
  pager: CursorPager;
  nextCursor: string | null | undefined;
  label: string;
}) {
  if (pager.page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="button" onClick={pager.previous} disabled={pager.page === 1}>
        ← Previous
      </button>
      <span aria-live="polite">Page {pager.page}</span>
      <button type="button" className="button" onClick={() => pager.next(nextCursor ?? null)} disabled={!nextCursor}>
        Next →
      </button>
    </nav>
  );
}
