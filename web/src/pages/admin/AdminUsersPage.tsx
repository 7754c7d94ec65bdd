// Admin → Users: every account; create one, disable or enable it (all its keys and sessions stop
// at once), change its role, end its sessions, reset its second factor; and the policy that
// administrators need two-factor login.
import { type FormEvent, useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { FieldError } from "../../components/FieldError.tsx";
import { FormDialog } from "../../components/FormDialog.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState, ErrorNotice, Notice } from "../../components/Status.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { useAuth } from "../../lib/auth.tsx";
import { useFieldErrors } from "../../lib/fieldErrors.ts";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

type User = RouterOutputs["admin"]["users"]["items"][number];
type Role = "user" | "admin";

const CREATE_LABELS = { email: "Email", name: "Name", password: "Initial password", role: "Role" };

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"user" | "admin">("user");
  const fields = useFieldErrors(CREATE_LABELS);
  const [bannerError, setBannerError] = useState<unknown>(null);
  const create = trpc.admin.createUser.useMutation({
    onSuccess: () => {
      void utils.admin.users.invalidate();
      close();
    },
    // What the server refuses at a field of this form shows there; anything else in the banner.
    onError: (error) => setBannerError(fields.fromServer(error) ? null : error),
  });
  function close() {
    setEmail("");
    setName("");
    setPassword("");
    setRole("user");
    fields.clear();
    setBannerError(null);
    create.reset();
    onClose();
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    setBannerError(null);
    const ok = fields.check({
      ...(/^[^\s@]+@[^\s@]+$/.test(email.trim())
        ? {}
        : { email: "Enter the person's whole email address, like ada@example.com." }),
      ...(password.length < 12 ? { password: "The initial password must be at least 12 characters." } : {}),
    });
    if (!ok) return;
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
      error={bannerError}
    >
      <div className="field">
        <label className="label" htmlFor={fields.field("email").id}>
          Email
        </label>
        <input
          type="email"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            fields.clear("email");
          }}
          data-autofocus
          {...fields.field("email")}
        />
        <FieldError error={fields.error("email")} />
      </div>
      <div className="field">
        <label className="label" htmlFor={fields.field("name").id}>
          Name
        </label>
        <input
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            fields.clear("name");
          }}
          {...fields.field("name")}
        />
        <FieldError error={fields.error("name")} />
      </div>
      <div className="field">
        <label className="label" htmlFor={fields.field("password").id}>
          Initial password
        </label>
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            fields.clear("password");
          }}
          {...fields.field("password")}
        />
        <FieldError error={fields.error("password")} />
      </div>
      <div className="field">
        <label className="label" htmlFor={fields.field("role").id}>
          Role
        </label>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)} {...fields.field("role")}>
          <option value="user">User</option>
          <option value="admin">Administrator</option>
        </select>
        <FieldError error={fields.error("role")} />
      </div>
    </FormDialog>
  );
}

/** The policy "administrators need two-factor login" (refused admin actions until they enrol). */
const POLICY_LABELS = { require_for_admins: "Require two-factor login for administrators" };

function MfaPolicyCard() {
  const utils = trpc.useUtils();
  const policy = trpc.mfa.policy.useQuery();
  const fields = useFieldErrors(POLICY_LABELS);
  const save = trpc.mfa.setPolicy.useMutation({
    onMutate: () => fields.clear(),
    onSuccess: (data) => utils.mfa.policy.setData(undefined, data),
    onError: (error) => fields.fromServer(error),
  });
  return (
    <section className="card policy-card" aria-labelledby="mfa-policy-title">
      <h2 id="mfa-policy-title">Two-factor policy</h2>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={policy.data?.require_for_admins ?? false}
          disabled={!policy.data || save.isPending}
          onChange={(event) => save.mutate({ require_for_admins: event.target.checked })}
          {...fields.field("require_for_admins")}
        />
        <span>{POLICY_LABELS.require_for_admins}</span>
      </label>
      <FieldError error={fields.error("require_for_admins")} />
      <p className="hint">
        When on, an administrator without two-factor login is refused admin actions (here and over the API) until they
        set it up under Settings → Security. Turn it on for your own account first.
      </p>
      {save.error && !fields.hasErrors && <ErrorNotice error={save.error} />}
    </section>
  );
}

export function AdminUsersPage() {
  const { user: me } = useAuth();
  const pager = useCursorPager();
  const utils = trpc.useUtils();
  // The search lives in the address, so the audit log can link to one person (?search=email).
  const [params, setParams] = useSearchParams();
  const search = params.get("search") ?? "";
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);
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
  // A role changes only once confirmed (and, when the session's password confirmation is old, re-confirmed).
  const changingRole = useConfirmation(update, (c: { user: User; role: Role }) => ({ id: c.user.id, role: c.role }));
  const promoting = changingRole.target?.role === "admin";

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
    const next = draft.trim();
    setParams(next ? { search: next } : {});
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
      {/* A refusal of a confirmed change shows in its dialog; the others here. */}
      {((update.error && !changingRole.dialog.open && !disabling.dialog.open) || revoke.error || resetMfa.error) && (
        <ErrorNotice
          error={
            (changingRole.dialog.open || disabling.dialog.open ? null : update.error) ?? revoke.error ?? resetMfa.error
          }
        />
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
                  setParams({});
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
                          <span>
                            {u.email} {self && <span className="badge badge-scope">You</span>}
                          </span>
                        </th>
                        <td data-label="Name">{u.name || <span className="muted">—</span>}</td>
                        <td data-label="Role">
                          <select
                            value={u.role}
                            disabled={self || update.isPending}
                            onChange={(e) => changingRole.ask({ user: u, role: e.target.value as Role })}
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
        {...changingRole.dialog}
        title={
          promoting
            ? `Make ${changingRole.target?.user.email ?? ""} an administrator?`
            : `Remove the administrator role of ${changingRole.target?.user.email ?? ""}?`
        }
        confirmLabel={promoting ? "Make administrator" : "Remove administrator role"}
      >
        {promoting ? (
          <>
            <p>An administrator can:</p>
            <ul>
              <li>see every account, create, disable and enable users, and change their roles;</li>
              <li>end anyone's sessions and reset anyone's two-factor login;</li>
              <li>disable, enable and delete anyone's API keys, and set the key policy;</li>
              <li>read the audit log.</li>
            </ul>
            <p>Give this role only to people you trust with every account on this server.</p>
          </>
        ) : (
          <p>
            They keep their account, sessions and API keys, but lose the Admin pages and every admin action, in the
            portal and over the API, from their next request.
          </p>
        )}
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
