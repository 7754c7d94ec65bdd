// The page a reset link opens (/reset-password?token=…): choose a new password, with the same
// rule as everywhere else; every session of the account ends, then the person logs in.
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { ErrorNotice, Notice } from "../components/Status.tsx";
import { session } from "../lib/session.ts";
import { trpc } from "../lib/trpc.ts";

const MIN_LENGTH = 12;

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  // Read once, then taken off the address bar (and the history), so the link's secret does not
  // linger where the next person at this browser would find it.
  const [token] = useState(() => params.get("token") ?? "");
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const reset = trpc.auth.resetPassword.useMutation();

  useEffect(() => {
    document.title = "Choose a new password · FIM One";
  }, []);

  useEffect(() => {
    if (params.has("token")) navigate("/reset-password", { replace: true });
  }, [params, navigate]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    reset.reset();
    if (next.length < MIN_LENGTH) return setProblem(`The new password must be at least ${MIN_LENGTH} characters.`);
    if (next !== confirm) return setProblem("The two passwords do not match.");
    setProblem(null);
    try {
      await reset.mutateAsync({ token, new_password: next });
    } catch {
      return; // shown below
    }
    // Every session of the account ended, this browser's too.
    queryClient.clear();
    if (session.status === "active") session.signedOut();
    navigate("/login?reset=1", { replace: true });
  }

  return (
    <main className="login-page" id="main">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            F
          </span>
          FIM One
        </div>
        <h1>Choose a new password</h1>
        {!token ? (
          <Notice kind="error">
            This address holds no reset link. <Link to="/forgot-password">Ask for a new link</Link>.
          </Notice>
        ) : (
          <>
            <p>Choosing a new password logs you out everywhere.</p>
            {problem && <Notice kind="error">{problem}</Notice>}
            {reset.error && (
              <>
                <ErrorNotice error={reset.error} />
                <Link to="/forgot-password">Ask for a new link</Link>
              </>
            )}
            <div className="field">
              <label className="label" htmlFor="reset-new-password">
                New password
              </label>
              <input
                id="reset-new-password"
                type="password"
                autoComplete="new-password"
                value={next}
                onChange={(event) => setNext(event.target.value)}
                aria-describedby="reset-new-password-hint"
                // biome-ignore lint/a11y/noAutofocus: the page's one job
                autoFocus
              />
              <span className="hint" id="reset-new-password-hint">
                At least {MIN_LENGTH} characters.
              </span>
            </div>
            <label className="field">
              <span className="label">Confirm new password</span>
              <input
                type="password"
                autoComplete="new-password"
                value={confirm}
                onChange={(event) => setConfirm(event.target.value)}
              />
            </label>
            <button type="submit" className="button button-primary button-block" disabled={reset.isPending}>
              {reset.isPending ? "Saving…" : "Set new password"}
            </button>
          </>
        )}
        <Link to="/login">Back to log in</Link>
      </form>
    </main>
  );
}
