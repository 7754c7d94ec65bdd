// The one inline re-authentication dialog ("sudo mode"): shown while a mutation waits for the
// password to be confirmed (lib/reauth.ts); confirming lets that mutation go on where it was.
import { type FormEvent, useEffect, useState } from "react";
import { reauthPrompt } from "../lib/reauth.ts";
import { errorStatus, trpc } from "../lib/trpc.ts";
import { FormDialog } from "./FormDialog.tsx";

export function ReauthDialog() {
  const [asking, setAsking] = useState(reauthPrompt.asking);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const confirm = trpc.auth.reauthenticate.useMutation({ gcTime: 0 });
  // An account with two-factor login confirms with a code as well: asked for when the dialog opens.
  const factor = trpc.mfa.status.useQuery(undefined, { enabled: asking, staleTime: 0 });
  const needsCode = factor.data?.enabled === true;

  useEffect(() => reauthPrompt.subscribe(setAsking), []);

  function finish(confirmed: boolean) {
    setPassword("");
    setCode("");
    setProblem(null);
    confirm.reset();
    reauthPrompt.settle(confirmed);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    confirm.reset();
    if (!password) return setProblem("Enter your password.");
    if (needsCode && !code.trim()) return setProblem("Enter the code from your authenticator app.");
    setProblem(null);
    try {
      await confirm.mutateAsync(needsCode ? { password, code: code.trim() } : { password });
      finish(true);
    } catch (error) {
      if (errorStatus(error) === 401) {
        setProblem(
          needsCode ? "The password or the code is not right. Try again." : "That is not your password. Try again.",
        );
      }
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
      <p>
        This action needs your password{needsCode ? " and a code from your authenticator app" : ""} again. Once
        confirmed, you will not be asked again for a few minutes.
      </p>
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
      {needsCode && (
        <label className="field">
          <span className="label">Authentication code</span>
          <input
            name="code"
            inputMode="text"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
          <span className="hint">The 6-digit code from your authenticator app, or a recovery code.</span>
        </label>
      )}
    </FormDialog>
  );
}
