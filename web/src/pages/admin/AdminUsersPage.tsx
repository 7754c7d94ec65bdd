// Admin → Users: every account; create one, disable or enable it (all its keys and sessions stop
// at once), change its role, end its sessions, reset its second factor; and the policy that
// administrators need two-factor login.
import { type FormEvent, useState } from "react";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { FormDialog } from "../../components/FormDialog.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState, ErrorNotice, Notice } from "../../components/Status.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { useAuth } from "../../lib/auth.tsx";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

type User = RouterOutputs["admin"]["users"]["items"][number];

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"user" | "admin">("user");
  const [problem, setProblem] = useState<string | null>(null);
  const create = trpc.admin.createUser.useMutation({
    onSuccess: () => {
      void utils.admin.users.invalidate();
      close();
    },
  });
  function close() {
    setEmail("");
    setName("");
    setPassword("");
    setRole("user");
    setProblem(null);
    create.reset();
    onClose();
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!email.includes("@")) return setProblem("Enter the person's email address.");
    if (password.length < 12) return setProblem("The initial password must be at least 12 characters.");
    setProblem(null);
    create.mutate({ email: email.trim(), password, name: name.trim() || undefined, role });
  }
  return (
    <FormDialog
      open={open}
      title="Create user"
      onClose={close}
      onSubmit={submit}
      pending={create.isPending}
      submitLabel="Create user"
      pendingLabel="Creating…"
      problem={problem}
      error={create.error}
    >
      <label className="field">
        <span className="label">Email</span>
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} data-autofocus />
      </label>
      <label className="field">
        <span className="label">Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span className="label">Initial password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label className="field">
        <span className="label">Role</span>
        <select value={role} onChange={(e) => setRole(e.target.value as "user" | "admin")}>
          <option value="user">User</option>
          <option value="admin">Administrator</option>
        </select>
      </label>
    </FormDialog>
  );
}

/** The policy "administrators need two-factor login" (refused admin actions until they enrol). */
function MfaPolicyCard() {
  const utils = trpc.useUtils();
  const policy = trpc.mfa.policy.useQuery();
  const save = trpc.mfa.setPolicy.useMutation({ onSuccess: (data) => utils.mfa.policy.setData(undefined, data) });
  return (
    <section className="card policy-card" aria-labelledby="mfa-policy-title">
      <h2 id="mfa-policy-title">Two-factor policy</h2>
      <label className="field field-inline">
        <input
          type="checkbox"
          checked={policy.data?.require_for_admins ?? false}
          disabled={!policy.data || save.isPending}
          onChange={(event) => save.mutate({ require_for_admins: event.target.checked })}
        />
        <span>Require two-factor login for administrators</span>
      </label>
      <p className="hint">
        When on, an administrator without two-factor login is refused admin actions (here and over the API) until they
        set it up under Settings → Security. Turn it on for your own account first.
      </p>
      {save.error && <ErrorNotice error={save.error} />}
    </section>
  );
}

export function AdminUsersPage() {
  const { user: me } = useAuth();
  const pager = useCursorPager();
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);

  const [message, setMessage] = useState<string | null>(null);
  const users = trpc.admin.users.useQuery({ limit: 20, cursor: pager.cursor, search: search || undefined });
  const update = trpc.admin.updateUser.useMutation({
    onSuccess: (user) => {
      setMessage(`${user.email}: ${user.disabled ? "disabled" : "active"}, ${user.role}.`);
      void utils.admin.users.invalidate();
    },
  });
  const disabling = useConfirmation(update, (u: User) => ({ id: u.id, disabled: true }));

  const revoke = trpc.admin.revokeSessions.useMutation({
    onSuccess: (result, input) => {
      const email = users.data?.items.find((u) => u.id === input.id)?.email ?? "The user";
      setMessage(`${email}: ${result.revoked_sessions} session${result.revoked_sessions === 1 ? "" : "s"} ended.`);
    },
  });

  const resetMfa = trpc.mfa.adminReset.useMutation({
    onSuccess: (result) => {
      void utils.admin.users.invalidate();
      setMessage(
        result.had_second_factor
          ? `${result.user.email}: two-factor login reset; they log in with their password until they set it up again.`
          : `${result.user.email} had no two-factor login; nothing changed.`,
      );
    },
  });
  const resetting = useConfirmation(resetMfa, (u: User) => ({ id: u.id }));

  function submit(event: FormEvent) {
    event.preventDefault();
    pager.reset();
    setSearch(draft.trim());
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="Every account on this server."
        actions={
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            Create user
          </button>
        }
      />
      <form className="filters" onSubmit={submit} aria-label="Search users">
        <label className="field field-inline">
          <span className="label">Search</span>
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Email or name" />
        </label>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {message && <Notice kind="success">{message}</Notice>}
      <MfaPolicyCard />
      {(update.error || revoke.error || resetMfa.error) && (
        <ErrorNotice error={update.error ?? revoke.error ?? resetMfa.error} />
      )}
      <QueryState
        query={users}
        loading="Loading users…"
        empty={
          <EmptyState
            title="No users match"
            action={
              <button
                type="button"
                className="button button-primary"
                onClick={() => {
                  pager.reset();
                  setDraft("");
                  setSearch("");
                }}
              >
                Clear search
              </button>
            }
          >
            Nobody's email or name contains “{search}”.
          </EmptyState>
        }
      >
        {(data) => (
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
                    <th scope="col">2FA</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((u) => {
                    const self = u.id === me?.id;
                    return (
                      <tr key={u.id}>
                        <th scope="row" data-label="Email">
                          {u.email} {self && <span className="badge badge-scope">You</span>}
                        </th>
                        <td data-label="Name">{u.name || <span className="muted">—</span>}</td>
                        <td data-label="Role">
                          <select
                            value={u.role}
                            disabled={self || update.isPending}
                            onChange={(e) => update.mutate({ id: u.id, role: e.target.value as "user" | "admin" })}
                            aria-label={`Role of ${u.email}`}
                          >
                            <option value="user">User</option>
                            <option value="admin">Administrator</option>
                          </select>
                        </td>
                        <td data-label="Status">
                          <span className={`badge ${u.disabled ? "badge-disabled" : "badge-active"}`}>
                            {u.disabled ? "Disabled" : "Active"}
                          </span>
                        </td>
                        <td data-label="2FA">{u.mfa_enabled ? "On" : <span className="muted">Off</span>}</td>
                        <td data-label="Created">
                          <RelativeTime iso={u.created_at} />
                        </td>
                        <td className="actions-cell">
                          <div className="row-actions">
                            {u.disabled ? (
                              <button
                                type="button"
                                className="button button-small"
                                disabled={update.isPending}
                                onClick={() => update.mutate({ id: u.id, disabled: false })}
                                aria-label={`Enable ${u.email}`}
                              >
                                Enable
                              </button>
                            ) : (
                              <button
                                type="button"
                                className="button button-small button-danger"
                                disabled={self}
                                onClick={() => disabling.ask(u)}
                                aria-label={`Disable ${u.email}`}
                              >
                                Disable
                              </button>
                            )}
                            <button
                              type="button"
                              className="button button-small"
                              disabled={revoke.isPending}
                              onClick={() => revoke.mutate({ id: u.id })}
                              aria-label={`End all sessions of ${u.email}`}
                            >
                              End sessions
                            </button>
                            <button
                              type="button"
                              className="button button-small"
                              disabled={!u.mfa_enabled}
                              onClick={() => resetting.ask(u)}
                              aria-label={`Reset two-factor login of ${u.email}`}
                            >
                              Reset 2FA
                            </button>
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager pager={pager} nextCursor={data.next_cursor} label="Users" />
          </>
        )}
      </QueryState>
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        {...disabling.dialog}
        title={`Disable ${disabling.target?.email ?? ""}?`}
        confirmLabel="Disable user"
      >
        <p>They are logged out everywhere and every API key they own stops working on its next request.</p>
      </ConfirmDialog>
      <ConfirmDialog
        {...resetting.dialog}
        title={`Reset two-factor login of ${resetting.target?.email ?? ""}?`}
        confirmLabel="Reset 2FA"
      >
        <p>
          Their authenticator app and recovery codes stop working; they log in with their password alone until they set
          up two-factor login again. Their sessions and keys are not affected.
        </p>
      </ConfirmDialog>
    </>
  );
}
