// The search, filters and order above a key list (Settings → API Keys, Admin → All keys), and
// the list query they make. Typing in the search waits a moment before asking the server.
import { useEffect, useId, useState } from "react";
import type { RouterInputs } from "../lib/trpc.ts";
import { EmptyState } from "./Status.tsx";

type ListInput = NonNullable<RouterInputs["keys"]["list"]>;
export type KeyStatusFilter = NonNullable<ListInput["status"]>;
export type KeyScopeFilter = NonNullable<ListInput["scope"]>;
type Sort = NonNullable<ListInput["sort"]>;
type Order = NonNullable<ListInput["order"]>;

const STATUSES: { value: KeyStatusFilter; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "disabled", label: "Disabled" },
  { value: "expired", label: "Expired" },
  { value: "expiring_soon", label: "Expiring soon" },
];

const SCOPES: { value: KeyScopeFilter; label: string }[] = [
  { value: "chat", label: "chat" },
  { value: "agents", label: "agents" },
  { value: "kb", label: "kb" },
  { value: "connectors", label: "connectors" },
  { value: "admin", label: "admin" },
  { value: "full_access", label: "Full access only" },
];

const ORDERS: { value: `${Sort}:${Order}`; label: string }[] = [
  { value: "created:desc", label: "Newest first" },
  { value: "created:asc", label: "Oldest first" },
  { value: "last_used:desc", label: "Recently used" },
  { value: "last_used:asc", label: "Least recently used" },
  { value: "requests:desc", label: "Most requests" },
  { value: "requests:asc", label: "Fewest requests" },
];

export interface KeyListQuery {
  search?: string;
  status?: KeyStatusFilter;
  scope?: KeyScopeFilter;
  sort: Sort;
  order: Order;
}

/** The state of the controls; `query` changes (and `onChange` runs) only once typing has paused. */
export function useKeyListQuery(onChange: () => void) {
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<KeyStatusFilter | "">("");
  const [scope, setScope] = useState<KeyScopeFilter | "">("");
  const [order, setOrder] = useState<(typeof ORDERS)[number]["value"]>("created:desc");

  useEffect(() => {
    const timer = setTimeout(() => setSearch(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);

  const [sortBy, direction] = order.split(":") as [Sort, Order];
  const query: KeyListQuery = {
    ...(search ? { search } : {}),
    ...(status ? { status } : {}),
    ...(scope ? { scope } : {}),
    sort: sortBy,
    order: direction,
  };
  const key = JSON.stringify(query);
  // Another search or filter starts again at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the query (its key) changes
  useEffect(() => onChange(), [key]);

  return {
    query,
    filtered: Boolean(search || status || scope),
    state: { text, setText, status, setStatus, scope, setScope, order, setOrder },
    clear() {
      setText("");
      setSearch("");
      setStatus("");
      setScope("");
    },
  };
}

export type KeyListState = ReturnType<typeof useKeyListQuery>;

export function KeyListControls({ list, searchLabel }: { list: KeyListState; searchLabel: string }) {
  const id = useId();
  const { state } = list;
  return (
    <search className="filters key-filters" aria-label="Search and filter keys">
      <label className="field key-search" htmlFor={`${id}-search`}>
        <span className="label">Search</span>
        <input
          id={`${id}-search`}
          type="search"
          value={state.text}
          placeholder={searchLabel}
          onChange={(event) => state.setText(event.target.value)}
        />
      </label>
      <label className="field" htmlFor={`${id}-status`}>
        <span className="label">Status</span>
        <select
          id={`${id}-status`}
          value={state.status}
          onChange={(event) => state.setStatus(event.target.value as KeyStatusFilter | "")}
        >
          <option value="">Any status</option>
          {STATUSES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-scope`}>
        <span className="label">Scope</span>
        <select
          id={`${id}-scope`}
          value={state.scope}
          onChange={(event) => state.setScope(event.target.value as KeyScopeFilter | "")}
        >
          <option value="">Any scope</option>
          {SCOPES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-order`}>
        <span className="label">Sort</span>
        <select
          id={`${id}-order`}
          value={state.order}
          onChange={(event) => state.setOrder(event.target.value as (typeof ORDERS)[number]["value"])}
        >
          {ORDERS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
    </search>
  );
}

/** A search or filter that matches no key: say so, and offer the way back to every key. */
export function NoKeysMatch({ list }: { list: KeyListState }) {
  return (
    <EmptyState
      title="No keys match"
      action={
        <button type="button" className="button button-primary" onClick={list.clear}>
          Clear search and filters
        </button>
      }
    >
      No key matches this search and these filters.
    </EmptyState>
  );
}
