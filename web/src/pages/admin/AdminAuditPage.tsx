// Admin → Audit log: who did what, from where, in sentences; filter by user, action and time.
import { type FormEvent, useEffect, useState } from "react";
import { FieldError } from "../../components/FieldError.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState } from "../../components/Status.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { useFieldErrors } from "../../lib/fieldErrors.ts";
import { trpc } from "../../lib/trpc.ts";
import { ACTION_LABELS, AuditDetail, auditSentence } from "./auditWords.tsx";

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

const FILTER_LABELS = { since: "From", until: "To" };

export function AdminAuditPage() {
  const pager = useCursorPager();
  const [draft, setDraft] = useState({ user: "", action: "", from: "", to: "" });
  const [filters, setFilters] = useState<Filters>({});
  const fields = useFieldErrors(FILTER_LABELS);
  const users = trpc.admin.users.useQuery({ limit: 100 });
  const audit = trpc.admin.audit.useQuery({ ...filters, limit: 25, cursor: pager.cursor }, { retry: false });
  const { fromServer } = fields;

  // A refusal of the time window (the server checks it as well) shows at its field.
  useEffect(() => {
    if (audit.error) fromServer(audit.error);
  }, [audit.error, fromServer]);

  const filtered = Object.values(filters).some((value) => value !== undefined);
  function clearFilters() {
    pager.reset();
    setDraft({ user: "", action: "", from: "", to: "" });
    setFilters({});
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    const since = isoOf(draft.from);
    const until = isoOf(draft.to);
    const ok = fields.check(
      since && until && since > until ? { since: "“From” must be the same as or before “To”." } : {},
    );
    if (!ok) return;
    pager.reset();
    setFilters({ user_id: draft.user || undefined, action: draft.action || undefined, since, until });
  }

  return (
    <>
      <PageHeader title="Audit log" description="Security-relevant actions, newest first." />
      <form className="filters" onSubmit={apply} noValidate>
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
            {Object.entries(ACTION_LABELS).map(([action, label]) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div className="field field-inline">
          <label className="label" htmlFor={fields.field("since").id}>
            From
          </label>
          <input
            type="datetime-local"
            value={draft.from}
            onChange={(e) => {
              setDraft({ ...draft, from: e.target.value });
              fields.clear("since");
            }}
            {...fields.field("since")}
          />
          <FieldError error={fields.error("since")} />
        </div>
        <div className="field field-inline">
          <label className="label" htmlFor={fields.field("until").id}>
            To
          </label>
          <input
            type="datetime-local"
            value={draft.to}
            onChange={(e) => {
              setDraft({ ...draft, to: e.target.value });
              fields.clear("since");
              fields.clear("until");
            }}
            {...fields.field("until")}
          />
          <FieldError error={fields.error("until")} />
        </div>
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
                    <th scope="col">What happened</th>
                    <th scope="col">Address</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((entry) => (
                    <tr key={entry.id} data-action={entry.action}>
                      <td data-label="When">
                        <RelativeTime iso={entry.created_at} />
                      </td>
                      <td data-label="What happened" className="audit-sentence">
                        <span>{auditSentence(entry)}</span>
                      </td>
                      <td data-label="Address">{entry.ip ?? <span className="muted">—</span>}</td>
                      <td data-label="Details" className="detail-cell">
                        <AuditDetail entry={entry} />
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
