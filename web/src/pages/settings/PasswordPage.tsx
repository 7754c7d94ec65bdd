// Settings → Password: change it; every other session ends, this one stays.
import { type FormEvent, useState } from "react";
import { PageHeader } from "../../components/Layout.tsx";
import { ErrorNotice, Notice } from "../../components/Status.tsx";
import { trpc } from "../../lib/trpc.ts";

const MIN_LENGTH = 12;

export function PasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const change = trpc.password.change.useMutation();

  async function submit(event: FormEvent) {
    event.preventDefault();
    change.reset();
    if (!current) return setProblem("Enter your current password.");
    if (next.length < MIN_LENGTH) return setProblem(`The new password must be at least ${MIN_LENGTH} characters.`);
    if (next !== confirm) return setProblem("The two new passwords do not match.");
    setProblem(null);
    try {
      await change.mutateAsync({ current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
    } catch {
      // shown from change.error
    }
  }

  return (
    <>
      <PageHeader title="Password" description="Changing your password logs you out everywhere except here." />
      <form className="form card narrow" onSubmit={submit} noValidate>
        {change.isSuccess && (
          <Notice kind="success">
            Password changed.{" "}
            {change.data.other_sessions_ended === 0
              ? "No other sessions were active."
              : `${change.data.other_sessions_ended} other session${change.data.other_sessions_ended === 1 ? " was" : "s were"} ended.`}
          </Notice>
        )}
        {problem && <Notice kind="error">{problem}</Notice>}
        {change.error && <ErrorNotice error={change.error} />}
        <label className="field">
          <span className="label">Current password</span>
          <input
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <div className="field">
          <label className="label" htmlFor="new-password">
            New password
          </label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            aria-describedby="new-password-hint"
          />
          <span className="hint" id="new-password-hint">
            At least {MIN_LENGTH} characters.
          </span>
        </div>
        <label className="field">
          <span className="label">Confirm new password</span>
          <input
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </label>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </>
  );
}
