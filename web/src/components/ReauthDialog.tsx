// The one inline re-authentication dialog ("sudo mode"): shown while a mutation waits for the
// password to be confirmed (lib/reauth.ts); confirming lets that mutation go on where it was.
import { type FormEvent, useEffect, useState } from "react";
import { reauthPrompt } from "../lib/reauth.ts";
import { errorStatus, trpc } from "../lib/trpc.ts";
import { FormDialog } from "./FormDialog.tsx";

export function ReauthDialog() {
  const [asking, setAsking] = useState(reauthPrompt.asking);
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const confirm = trpc.auth.reauthenticate.useMutation({ gcTime: 0 });

  useEffect(() => reauthPrompt.subscribe(setAsking), []);

  function finish(confirmed: boolean) {
    setPassword("");
    setProblem(null);
    confirm.reset();
    reauthPrompt.settle(confirmed);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    confirm.reset();
    if (!password) return setProblem("Enter your password.");
    setProblem(null);
    try {
      // Two-factor login (when merged) adds its code here: {password, code}.
      await confirm.mutateAsync({ password });
      finish(true);
    } catch (error) {
      if (errorStatus(error) === 401) setProblem("That is not your password. Try again.");
      // other refusals (429 with its wait) are shown from confirm.error
    }
  }

  return (
    <FormDialog
      open={asking}
      title="Confirm your password"
      size="small"
      onClose={() => finish(false)}
      onSubmit={submit}
      pending={confirm.isPending}
      submitLabel="Confirm and continue"
      pendingLabel="Confirming…"
      problem={problem}
      error={problem ? null : confirm.error}
    >
      <p>This action needs your password again. Once confirmed, you will not be asked again for a few minutes.</p>
      <label className="field">
        <span className="label">Password</span>
        <input
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          data-autofocus
        />
      </label>
    </FormDialog>
  );
}
