// The reminder after login: the person's active keys that expire within 7 days, with a link to
// them. Dismissing it hides it until the browser tab is closed.
import { useState } from "react";
import { Link } from "react-router-dom";
import { trpc } from "../lib/trpc.ts";
import { DateOnly } from "./Time.tsx";

const DISMISSED = "fim.expiringKeysDismissed";

export function ExpiringKeysBanner() {
  const [dismissed, setDismissed] = useState(() => sessionStorage.getItem(DISMISSED) === "1");
  const expiring = trpc.keys.expiring.useQuery(undefined, { enabled: !dismissed, staleTime: 60_000 });
  const items = expiring.data?.items ?? [];
  if (dismissed || items.length === 0) return null;
  const [first] = items;
  return (
    <section className="notice notice-warning expiring-banner" aria-label="API keys expiring soon">
      <p>
        {items.length === 1 && first ? (
          <>
            Your API key <strong>{first.name}</strong> (<code>{first.key_prefix}…</code>) expires on{" "}
            <DateOnly iso={first.expires_at} />.
          </>
        ) : (
          <>{items.length} of your API keys expire within 7 days.</>
        )}{" "}
        Roll or replace {items.length === 1 ? "it" : "them"} before applications start being refused.
      </p>
      <div className="form-actions">
        <Link to="/settings/api-keys" className="button button-small">
          Review keys
        </Link>
        <button
          type="button"
          className="button button-small button-ghost"
          onClick={() => {
            sessionStorage.setItem(DISMISSED, "1");
            setDismissed(true);
          }}
        >
          Dismiss
        </button>
      </div>
    </section>
  );
}
