// Admin → Users: search the accounts on this server.
import { type FormEvent, useState } from "react";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { EmptyState, ErrorNotice, Loading } from "../../components/Status.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { trpc } from "../../lib/trpc.ts";

export function AdminUsersPage() {
  const pager = useCursorPager();
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");
  const users = trpc.admin.users.useQuery({ limit: 20, cursor: pager.cursor, search: search || undefined });

  function submit(event: FormEvent) {
    event.preventDefault();
    pager.reset();
    setSearch(draft.trim());
  }

  return (
    <>
      <PageHeader title="Users" description="Every account on this server." />
      <form className="filters" onSubmit={submit} aria-label="Search users">
        <label className="field field-inline">
          <span className="label">Search</span>
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Email or name" />
        </label>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {users.isPending ? (
        <Loading label="Loading users…" />
      ) : users.error ? (
        <ErrorNotice error={users.error} onRetry={() => users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <EmptyState title="No users found">Nobody matches “{search}”.</EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Users</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  <tr key={u.id}>
                    <th scope="row" data-label="Email">
                      {u.email}
                    </th>
                    <td data-label="Name">{u.name || <span className="muted">—</span>}</td>
                    <td data-label="Role">{u.role}</td>
                    <td data-label="Status">
                      <span className={`badge ${u.disabled ? "badge-disabled" : "badge-active"}`}>
                        {u.disabled ? "Disabled" : "Active"}
                      </span>
                    </td>
                    <td data-label="Created">
                      <RelativeTime iso={u.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager pager={pager} nextCursor={users.data.next_cursor} label="Users" />
        </>
      )}
    </>
  );
}
