// Times on the page, in the portal's one format (lib/dateFormat.ts), as <time> elements whose
// tooltip is the exact instant: RelativeTime for things that happened ("3 minutes ago", the date
// once older than a month), DateOnly and DateTime for plain dates.
import { useEffect, useState } from "react";
import { formatAgo, formatDate, formatDateTime, formatExact, RELATIVE_LIMIT_MS } from "../lib/dateFormat.ts";

/** Re-renders every 30 s so "just now" does not stay "just now". */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Empty({ text }: { text: string }) {
  return <span className="muted">{text}</span>;
}

/** When something happened: "3 minutes ago", or "28 Oct 2026" once it is over a month old. */
export function RelativeTime({ iso, empty = "Never" }: { iso: string | null; empty?: string }) {
  const now = useNow();
  if (!iso) return <Empty text={empty} />;
  const old = now - new Date(iso).getTime() > RELATIVE_LIMIT_MS;
  return (
    <time dateTime={iso} title={formatExact(iso)}>
      {old ? formatDate(iso) : formatAgo(iso, now)}
    </time>
  );
}

/** "28 Nov 2026" */
export function DateOnly({ iso, empty = "—" }: { iso: string | null; empty?: string }) {
  if (!iso) return <Empty text={empty} />;
  return (
    <time dateTime={iso} title={formatExact(iso)}>
      {formatDate(iso)}
    </time>
  );
}

/** "28 Nov 2026, 14:05" */
export function DateTime({ iso, empty = "—" }: { iso: string | null; empty?: string }) {
  if (!iso) return <Empty text={empty} />;
  return (
    <time dateTime={iso} title={formatExact(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}
