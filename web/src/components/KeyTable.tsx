// The API key table, one for the person's own keys (Settings → API Keys) and for every key on
// the server (Admin → All keys): the same columns and cells, with the owner column, the row
// actions and the expandable details given by the page.
import type { ReactNode } from "react";
import type { RouterOutputs } from "../lib/trpc.ts";
import { DateOnly, RelativeTime } from "./Time.tsx";

/** What a row shows: the fields both the owner's and the admin's key views carry. */
export type KeyRow = Pick<
  RouterOutputs["keys"]["list"]["items"][number],
  | "id"
  | "name"
  | "key_prefix"
  | "scopes"
  | "created_at"
  | "last_used_at"
  | "total_requests"
  | "status"
  | "expires_at"
  | "expires_soon"
>;

const STATUS_LABELS: Record<KeyRow["status"], string> = { active: "Active", disabled: "Disabled", expired: "Expired" };

export function KeyStatusBadge({ status }: { status: KeyRow["status"] }) {
  return <span className={`badge badge-${status}`}>{STATUS_LABELS[status]}</span>;
}

export function Scopes({ scopes }: { scopes: string[] }) {
  if (scopes.length === 0) return <span className="badge badge-full">Full access</span>;
  return (
    <span className="scope-list">
      {scopes.map((scope) => (
        <span key={scope} className="badge badge-scope">
          {scope}
        </span>
      ))}
    </span>
  );
}

export function KeyTable<K extends KeyRow>({
  keys,
  caption,
  owner,
  actions,
  details,
}: {
  keys: K[];
  /** Read by screen readers only, e.g. "Your API keys, newest first". */
  caption: string;
  /** With it, an Owner column after the name (the admin's view). */
  owner?: (key: K) => ReactNode;
  /** The row's own controls, before the Manage button when there are details. */
  actions: (key: K) => ReactNode;
  /** With it, each row has a Manage / Hide button that opens a full-width row below it. */
  details?: { expandedId: string | null; onToggle: (id: string | null) => void; render: (key: K) => ReactNode };
}) {
  const columns = owner ? 10 : 9;
  return (
    <div className="table-wrap">
      <table className="table keys-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {owner && <th scope="col">Owner</th>}
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col" className="numeric">
              Requests
            </th>
            <th scope="col">Status</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        {keys.map((apiKey) => {
          const open = details?.expandedId === apiKey.id;
          const detailsId = `details-${apiKey.id}`;
          return (
            // One body per key, so a key's details row stays with it.
            <tbody key={apiKey.id} className={open ? "expanded" : undefined}>
              <tr data-key-id={apiKey.id}>
                <th scope="row" data-label="Name" className="key-name bare">
                  {apiKey.name}
                </th>
                {owner && <td data-label="Owner">{owner(apiKey)}</td>}
                <td data-label="Key" className="bare">
                  <code className="prefix">{apiKey.key_prefix}…</code>
                </td>
                <td data-label="Scopes" className="bare">
                  <Scopes scopes={apiKey.scopes} />
                </td>
                <td data-label="Created" className="half">
                  <RelativeTime iso={apiKey.created_at} />
                </td>
                <td data-label="Last used" className="last-used half">
                  <RelativeTime iso={apiKey.last_used_at} empty="Never used" />
                </td>
                <td data-label="Requests" className="numeric total-requests half">
                  {apiKey.total_requests.toLocaleString()}
                </td>
                <td data-label="Status" className="bare">
                  <KeyStatusBadge status={apiKey.status} />
                </td>
                <td data-label="Expires" className="half">
                  <DateOnly iso={apiKey.expires_at} empty="Never" />
                  {apiKey.expires_soon && <span className="badge badge-soon">Expires soon</span>}
                </td>
                <td className="actions-cell">
                  <div className="row-actions">
                    {actions(apiKey)}
                    {details && (
                      <button
                        type="button"
                        className="button button-small"
                        aria-expanded={open}
                        aria-controls={detailsId}
                        onClick={() => details.onToggle(open ? null : apiKey.id)}
                        aria-label={`${open ? "Hide" : "Manage"} ${apiKey.name}`}
                      >
                        {open ? "Hide" : "Manage"}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
              {open && details && (
                <tr className="details-row" id={detailsId}>
                  <td colSpan={columns}>{details.render(apiKey)}</td>
                </tr>
              )}
            </tbody>
          );
        })}
      </table>
    </div>
  );
}
