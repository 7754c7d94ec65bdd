// "Forgot password?": ask for a reset link by email. The answer is the same whether the address
// has an account or not, so this page cannot be used to find out who has one.
import { type FormEvent, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Brand } from "../components/Brand.tsx";
import { ErrorNotice, Notice } from "../components/Status.tsx";
import { TextField } from "../components/TextField.tsx";
import { useFieldErrors } from "../lib/fieldErrors.ts";
import { errorStatus, retryAfterOf, trpc } from "../lib/trpc.ts";

const LABELS = { email: "Email" };

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const fields = useFieldErrors(LABELS);
  const request = trpc.auth.forgotPassword.useMutation();

  useEffect(() => {
    document.title = "Forgot password · FIM One";
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    request.reset();
    if (!fields.check(email.trim() ? {} : { email: "Enter the email address of your account." })) return;
    try {
      await request.mutateAsync({ email: email.trim() });
    } catch (error) {
      // A malformed address at its field; anything else (a throttle, the server away) below.
      fields.fromServer(error);
    }
  }

  const retryAfter = retryAfterOf(request.error);
  return (
    <main className="login-page" id="main">
      <form className="login-card" onSubmit={submit} noValidate>
        <Brand large />
        <h1>Forgot your password?</h1>
        {request.isSuccess ? (
          <Notice kind="success">{request.data.message} Check your inbox, and your spam folder too.</Notice>
        ) : (
          <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
        )}
        {request.error &&
          !fields.hasErrors &&
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
            <TextField
              fields={fields}
              name="email"
              label="Email"
              type="email"
              autoComplete="username"
              value={email}
              onValue={setEmail}
              required
              autoFocus
            />
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
