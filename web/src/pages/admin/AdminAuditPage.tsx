// Admin → Audit log: who did what, from where; filter by user, action and time.
import { type FormEvent, useState } from "react";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState } from "../../components/Status.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { trpc } from "../../lib/trpc.ts";

const ACTIONS = [
  "login",
  "login_failed",
  "logout",
  "logout_all",
  "refresh_reuse_detected",
  "password_changed",
  "api_key.create",
  "api_key.update",
  "api_key.enable",
  "api_key.disable",
  "api_key.delete",
  "api_key.roll",
  "session.revoke",
  "admin.user_create",
  "admin.user_disable",
  "admin.user_enable",
  "admin.user_role",
  "admin.sessions_revoke",
  "admin.api_key_disable",
  "admin.api_key_enable",
  "admin.api_key_delete",
  "admin.key_settings",
];

interface Filters {
  user_id?: string;
  action?: string;
  since?: string;
  until?: string;
}

/** A datetime-local value ("2026-01-31T14:00") as an ISO instant in the person's time zone. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AdminAuditPage() {
  const pager = useCursorPager();
  const [draft, setDraft] = useState({ user: "", action: "", from: "", to: "" });
  const [filters, setFilters] = useState<Filters>({});
  const users = trpc.admin.users.useQuery({ limit: 100 });
  const audit = trpc.admin.audit.useQuery({ ...filters, limit: 25, cursor: pager.cursor });
  const emailOf = new Map(users.data?.items.map((u) => [u.id, u.email]));

  const filtered = Object.values(filters).some((value) => value !== undefined);
  function clearFilters() {
    pager.reset();
    setDraft({ user: "", action: "", from: "", to: "" });
    setFilters({});
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    pager.reset();
    setFilters({
      user_id: draft.user || undefined,
      action: draft.action || undefined,
      since: isoOf(draft.from),
      until: isoOf(draft.to),
    });
  }

  return (
    <>
      <PageHeader title="Audit log" description="Security-relevant actions, newest first." />
      <form className="filters" onSubmit={apply}>
        <label className="field field-inline">
          <span className="label">User</span>
          <select value={draft.user} onChange={(e) => setDraft({ ...draft, user: e.target.value })}>
            <option value="">Anyone</option>
            {users.data?.items.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span className="label">Action</span>
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">Any action</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span className="label">From</span>
          <input
            type="datetime-local"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
        </label>
        <label className="field field-inline">
          <span className="label">To</span>
          <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
      </form>
      <QueryState
        query={audit}
        loading="Loading the audit log…"
        empty={
          filtered ? (
            <EmptyState
              title="No entries match"
              action={
                <button type="button" className="button button-primary" onClick={clearFilters}>
                  Clear filters
                </button>
              }
            >
              Nothing recorded matches this user, action and time.
            </EmptyState>
          ) : (
            <EmptyState title="No entries yet">
              Logins, key changes and administrators' actions are recorded here.
            </EmptyState>
          )
        }
      >
        {(data) => (
          <>
            <div className="table-wrap">
              <table className="table audit-table">
                <caption className="sr-only">Audit log entries</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Address</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((entry) => (
                    <tr key={entry.id}>
                      <td data-label="When">
                        <RelativeTime iso={entry.created_at} />
                      </td>
                      <td data-label="Actor">
                        {entry.actor_id ? (
                          (emailOf.get(entry.actor_id) ?? entry.actor_id)
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td data-label="Action">
                        <code>{entry.action}</code>
                      </td>
                      <td data-label="Target">
                        {entry.target_type
                          ? `${entry.target_type} ${entry.target_id ? (emailOf.get(entry.target_id) ?? entry.target_id) : ""}`
                          : "—"}
                      </td>
                      <td data-label="Address">{entry.ip ?? "—"}</td>
                      <td data-label="Detail" className="detail-cell">
                        {entry.detail ? <code>{JSON.stringify(entry.detail)}</code> : "—"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager pager={pager} nextCursor={data.next_cursor} label="Audit log" />
          </>
        )}
      </QueryState>
    </>
  );
}
