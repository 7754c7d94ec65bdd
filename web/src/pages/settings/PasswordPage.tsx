// Settings → Password: change it; every other session ends, this one stays. What is wrong shows
// at its field, in plain words (the form's own checks and the server's).
import type { FormEvent } from "react";
import { useState } from "react";
import { PageHeader } from "../../components/Layout.tsx";
import { ErrorNotice, Notice } from "../../components/Status.tsx";
import { TextField } from "../../components/TextField.tsx";
import { useFieldErrors } from "../../lib/fieldErrors.ts";
import { trpc } from "../../lib/trpc.ts";

const MIN_LENGTH = 12;

const LABELS = {
  current_password: "Current password",
  new_password: "New password",
  confirm: "Confirm new password",
};

export function PasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [bannerError, setBannerError] = useState<unknown>(null);
  const fields = useFieldErrors(LABELS);
  const change = trpc.password.change.useMutation();

  async function submit(event: FormEvent) {
    event.preventDefault();
    change.reset();
    setBannerError(null);
    const ok = fields.check({
      ...(current ? {} : { current_password: "Enter your current password." }),
      ...(next.length < MIN_LENGTH
        ? { new_password: `The new password must be at least ${MIN_LENGTH} characters.` }
        : {}),
      ...(next.length >= MIN_LENGTH && next !== confirm ? { confirm: "The two new passwords do not match." } : {}),
    });
    if (!ok) return;
    try {
      await change.mutateAsync({ current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
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
        {bannerError ? <ErrorNotice error={bannerError} /> : null}
        <TextField
          fields={fields}
          name="current_password"
          label={LABELS.current_password}
          type="password"
          autoComplete="current-password"
          value={current}
          onValue={setCurrent}
        />
        <TextField
          fields={fields}
          name="new_password"
          label={LABELS.new_password}
          type="password"
          autoComplete="new-password"
          value={next}
          onValue={setNext}
          hint={`At least ${MIN_LENGTH} characters.`}
        />
        <TextField
          fields={fields}
          name="confirm"
          label={LABELS.confirm}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
        />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </>
  );
}
