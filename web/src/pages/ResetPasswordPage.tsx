// The page a reset link opens (/reset-password?token=…): choose a new password, with the same
// rule as everywhere else; every session of the account ends, then the person logs in.
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { Brand } from "../components/Brand.tsx";
import { ErrorNotice, Notice } from "../components/Status.tsx";
import { TextField } from "../components/TextField.tsx";
import { useFieldErrors } from "../lib/fieldErrors.ts";
import { session } from "../lib/session.ts";
import { trpc } from "../lib/trpc.ts";

const MIN_LENGTH = 12;
const LABELS = { new_password: "New password", confirm: "Confirm new password" };

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  // Read once, then taken off the address bar (and the history), so the link's secret does not
  // linger where the next person at this browser would find it.
  const [token] = useState(() => params.get("token") ?? "");
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const fields = useFieldErrors(LABELS);
  const [bannerError, setBannerError] = useState<unknown>(null);
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
    setBannerError(null);
    const ok = fields.check(
      next.length < MIN_LENGTH
        ? { new_password: `The new password must be at least ${MIN_LENGTH} characters.` }
        : next !== confirm
          ? { confirm: "The two passwords do not match." }
          : {},
    );
    if (!ok) return;
    try {
      await reset.mutateAsync({ token, new_password: next });
    } catch (error) {
      // A refused password at its field; a link that no longer works in the banner.
      if (!fields.fromServer(error)) setBannerError(error);
      return;
    }
    // Every session of the account ended, this browser's too.
    queryClient.clear();
    if (session.status === "active") session.signedOut();
    navigate("/login?reset=1", { replace: true });
  }

  return (
    <main className="login-page" id="main">
      <form className="login-card" onSubmit={submit} noValidate>
        <Brand large />
        <h1>Choose a new password</h1>
        {!token ? (
          <Notice kind="error">
            This address holds no reset link. <Link to="/forgot-password">Ask for a new link</Link>.
          </Notice>
        ) : (
          <>
            <p>Choosing a new password logs you out everywhere.</p>
            {bannerError ? (
              <>
                <ErrorNotice error={bannerError} />
                <Link to="/forgot-password">Ask for a new link</Link>
              </>
            ) : null}
            <TextField
              fields={fields}
              name="new_password"
              label="New password"
              type="password"
              autoComplete="new-password"
              value={next}
              onValue={setNext}
              hint={`At least ${MIN_LENGTH} characters.`}
              autoFocus
            />
            <TextField
              fields={fields}
              name="confirm"
              label="Confirm new password"
              type="password"
              autoComplete="new-password"
              value={confirm}
              onValue={setConfirm}
            />
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
