// "Forgot password?": ask for a reset link by email. The answer is the same whether the address
// has an account or not, so this page cannot be used to find out who has one.
import { type FormEvent, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ErrorNotice, Notice } from "../components/Status.tsx";
import { errorStatus, retryAfterOf, trpc } from "../lib/trpc.ts";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const request = trpc.auth.forgotPassword.useMutation();

  useEffect(() => {
    document.title = "Forgot password · FIM One";
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    request.reset();
    if (!email.trim()) return setProblem("Enter the email address of your account.");
    setProblem(null);
    try {
      await request.mutateAsync({ email: email.trim() });
    } catch {
      // shown below
    }
  }

  const retryAfter = retryAfterOf(request.error);
  return (
    <main className="login-page" id="main">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            F
          </span>
          FIM One
        </div>
        <h1>Forgot your password?</h1>
        {request.isSuccess ? (
          <Notice kind="success">{request.data.message} Check your inbox, and your spam folder too.</Notice>
        ) : (
          <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
        )}
        {problem && <Notice kind="error">{problem}</Notice>}
        {request.error &&
          (errorStatus(request.error) === 429 && retryAfter ? (
            <Notice kind="error">
              Too many requests. Try again in{" "}
              {retryAfter < 60 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`}.
            </Notice>
          ) : (
            <ErrorNotice error={request.error} />
          ))}
        {!request.isSuccess && (
          <>
            <label className="field">
              <span className="label">Email</span>
              <input
                type="email"
                name="email"
                autoComplete="username"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                required
                // biome-ignore lint/a11y/noAutofocus: the page has one field
                autoFocus
              />
            </label>
            <button type="submit" className="button button-primary button-block" disabled={request.isPending}>
              {request.isPending ? "Sending…" : "Send me a reset link"}
            </button>
          </>
        )}
        <Link to="/login">Back to log in</Link>
      </form>
    </main>
  );
}
