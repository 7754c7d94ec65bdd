// Log in with email and password, then, for an account with two-factor login, a code from the
// authenticator app (or a recovery code). Clear errors, the wait time when throttled, and a way
// back to the page the person was on.
import { type FormEvent, useEffect, useId, useState } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { Brand } from "../components/Brand.tsx";
import { Loading, Notice } from "../components/Status.tsx";
import { safeNext, useAuth } from "../lib/auth.tsx";
import { errorMessage, errorStatus, isPortalError, retryAfterOf } from "../lib/trpc.ts";

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function LoginPage() {
  const { status, signIn, completeSignIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const [submitting, setSubmitting] = useState(false);
  /** The password was right and the account asks for a second factor. */
  const [codeStep, setCodeStep] = useState(false);
  const [code, setCode] = useState("");
  const errorId = useId();

  useEffect(() => {
    document.title = "Log in · FIM One";
  }, []);

  useEffect(() => {
    if (waitUntil === null) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) setWaitUntil(null);
    }, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);

  if (status === "unknown") return <Loading label="Checking your session…" />;
  if (status === "active") return <Navigate to={next} replace />;

  const secondsLeft = waitUntil ? Math.max(1, Math.ceil((waitUntil - now) / 1000)) : 0;

  function showFailure(caught: unknown, wrongCredentials: string) {
    const retryAfter = retryAfterOf(caught);
    if (errorStatus(caught) === 429 && retryAfter) {
      setWaitUntil(Date.now() + retryAfter * 1000);
      setNow(Date.now());
      setError(null);
    } else if (errorStatus(caught) === 401) {
      setError(errorMessage(caught) === "This account is disabled" ? "This account is disabled." : wrongCredentials);
    } else {
      setError(errorMessage(caught));
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError("Enter your email and password.");
      return;
    }
    setSubmitting(true);
    try {
      if ((await signIn(email.trim(), password)) === "mfa_required") {
        setCodeStep(true);
        setCode("");
        return;
      }
      navigate(next, { replace: true });
    } catch (caught) {
      showFailure(caught, "Invalid email or password.");
    } finally {
      setSubmitting(false);
    }
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!code.trim()) {
      setError("Enter the code from your authenticator app, or a recovery code.");
      return;
    }
    setSubmitting(true);
    try {
      await completeSignIn(code.trim());
      navigate(next, { replace: true });
    } catch (caught) {
      const kind = isPortalError(caught) ? caught.data?.error.error : undefined;
      if (kind === "invalid_token" || kind === "token_expired") {
        // The pending login is gone (five minutes passed, or it was used): start again.
        setCodeStep(false);
        setPassword("");
        setError("That took too long. Enter your password again.");
      } else {
        showFailure(
          caught,
          "That code is not valid. Enter the current code from your app, or an unused recovery code.",
        );
      }
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <main className="login-page" id="main">
      <form
        className="login-card"
        onSubmit={codeStep ? submitCode : submit}
        noValidate
        aria-describedby={error ? errorId : undefined}
      >
        <Brand large />
        <h1>{codeStep ? "Two-factor login" : "Log in"}</h1>
        {params.get("ended") && (
          <Notice kind="warning" role="status">
            Your session has ended. Log in again to continue where you were.
          </Notice>
        )}
        {params.get("reset") && (
          <Notice kind="success" role="status">
            Your password has been changed. Log in with the new one.
          </Notice>
        )}
        {params.get("signed_out") && (
          <Notice kind="info" role="status">
            You have been logged out.
          </Notice>
        )}
        {waitUntil !== null && (
          <Notice kind="error">Too many failed attempts. Try again in {waitText(secondsLeft)}.</Notice>
        )}
        {error && (
          <Notice kind="error" id={errorId}>
            {error}
          </Notice>
        )}
        {codeStep ? (
          <>
            <div className="field">
              <label className="label" htmlFor="login-code">
                Authentication code
              </label>
              <input
                id="login-code"
                name="code"
                inputMode="text"
                autoComplete="one-time-code"
                value={code}
                onChange={(event) => setCode(event.target.value)}
                aria-describedby="login-code-hint"
                // biome-ignore lint/a11y/noAutofocus: the second step has one field
                autoFocus
              />
              <span className="hint" id="login-code-hint">
                The 6-digit code from your authenticator app, or one of your recovery codes.
              </span>
            </div>
            <button
              type="submit"
              className="button button-primary button-block"
              disabled={submitting || waitUntil !== null}
            >
              {submitting ? "Checking…" : "Verify"}
            </button>
            <button
              type="button"
              className="button button-ghost button-block"
              onClick={() => {
                setCodeStep(false);
                setError(null);
              }}
            >
              Back
            </button>
          </>
        ) : (
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
                // biome-ignore lint/a11y/noAutofocus: the login form has one job
                autoFocus
              />
            </label>
            <label className="field">
              <span className="label">Password</span>
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                required
              />
            </label>
            <button
              type="submit"
              className="button button-primary button-block"
              disabled={submitting || waitUntil !== null}
            >
              {submitting ? "Logging in…" : "Log in"}
            </button>
            <Link to="/forgot-password">Forgot password?</Link>
          </>
        )}
      </form>
    </main>
  );
}
