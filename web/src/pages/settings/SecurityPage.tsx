// Settings → Security: two-factor login with an authenticator app. Enrol (a QR code and the
// secret as text, confirmed with a current code), keep the recovery codes shown once (copy or
// download), get new ones in their place, and turn it off with a current code or the password.
import { type FormEvent, useEffect, useState } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { CopyButton } from "../../components/CopyButton.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { ErrorNotice, Notice } from "../../components/Status.tsx";
import { TextField } from "../../components/TextField.tsx";
import { useFieldErrors } from "../../lib/fieldErrors.ts";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

type Enrolment = RouterOutputs["mfa"]["start"];

/** The otpauth:// URI as a QR code (an SVG, as an image), for the app's camera. */
function QrCode({ url }: { url: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    // Loaded when first needed: the QR code library stays out of the bundle every page loads.
    void import("qrcode")
      .then(({ default: QRCode }) => QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M" }))
      .then((text) => {
        if (current) setSvg(text);
      });
    return () => {
      current = false;
    };
  }, [url]);
  if (!svg) return <div className="qr-code qr-placeholder" aria-hidden="true" />;
  return (
    <img
      className="qr-code"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt="QR code of the secret, for an authenticator app"
      width={200}
      height={200}
    />
  );
}

function RecoveryCodesCard({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = `${codes.join("\n")}\n`;
  const download = `data:text/plain;charset=utf-8,${encodeURIComponent(
    `FIM One recovery codes. Each one logs you in once, in place of a code from your app.\n\n${text}`,
  )}`;
  return (
    <section className="card narrow" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Your recovery codes</h2>
      <Notice kind="warning">
        Keep these somewhere safe. Each one works once, in place of a code from your app. They are shown only now.
      </Notice>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((value) => (
          <li key={value}>
            <code>{value}</code>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <CopyButton text={text} label="Copy codes" />
        <a className="button" href={download} download="fim-one-recovery-codes.txt">
          Download
        </a>
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

const ENROL_LABELS = { code: "Code from the app" };

function EnrolCard({ enrolment, onConfirmed }: { enrolment: Enrolment; onConfirmed: (codes: string[]) => void }) {
  const [code, setCode] = useState("");
  const [bannerError, setBannerError] = useState<unknown>(null);
  const fields = useFieldErrors(ENROL_LABELS);
  const confirm = trpc.mfa.confirm.useMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    confirm.reset();
    setBannerError(null);
    if (!fields.check(/^\d{6}$/.test(code.trim()) ? {} : { code: "Enter the 6-digit code your app shows now." }))
      return;
    try {
      onConfirmed((await confirm.mutateAsync({ code: code.trim() })).recovery_codes);
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
    }
  }
  return (
    <form className="form card narrow" onSubmit={submit} noValidate aria-labelledby="enrol-title">
      <h2 id="enrol-title">Set up your authenticator app</h2>
      <p>Scan the QR code with an authenticator app, or type the secret into it. Then enter the code it shows.</p>
      <QrCode url={enrolment.otpauth_url} />
      <div className="field">
        <label className="label" htmlFor="totp-secret">
          Secret
        </label>
        <input id="totp-secret" className="mono" readOnly value={enrolment.secret} />
        <div>
          <CopyButton text={enrolment.secret} label="Copy secret" targetId="totp-secret" />
        </div>
      </div>
      {bannerError ? <ErrorNotice error={bannerError} /> : null}
      <TextField
        fields={fields}
        name="code"
        label={ENROL_LABELS.code}
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onValue={setCode}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={confirm.isPending}>
          {confirm.isPending ? "Checking…" : "Turn on two-factor login"}
        </button>
      </div>
    </form>
  );
}

/** How many recovery codes are left, and new ones in their place (the current ones stop working). */
function RecoveryCodesLeftCard({ left, onReplaced }: { left: number; onReplaced: (codes: string[]) => void }) {
  const [asking, setAsking] = useState(false);
  const regenerate = trpc.mfa.regenerateRecoveryCodes.useMutation();
  function close() {
    setAsking(false);
    regenerate.reset();
  }
  return (
    <section className="card narrow" aria-labelledby="codes-left-title">
      <h2 id="codes-left-title">Recovery codes</h2>
      <p>
        {left === 0
          ? "You have used all your recovery codes. Without one, losing your phone locks you out: get new ones."
          : `${left} unused recovery code${left === 1 ? "" : "s"} left. Each one logs you in once, in place of a code from your app.`}
      </p>
      <div className="form-actions">
        <button
          type="button"
          className={left === 0 ? "button button-primary" : "button"}
          onClick={() => setAsking(true)}
        >
          Get new recovery codes
        </button>
      </div>
      <ConfirmDialog
        open={asking}
        title="Get new recovery codes?"
        confirmLabel="Get new codes"
        pending={regenerate.isPending}
        error={regenerate.error}
        onClose={close}
        onConfirm={() =>
          regenerate.mutate(undefined, {
            onSuccess: (data) => {
              close();
              onReplaced(data.recovery_codes);
            },
          })
        }
      >
        <p>You get ten new codes, shown once. {left === 0 ? "" : "The codes you have now stop working at once."}</p>
      </ConfirmDialog>
    </section>
  );
}

const DISABLE_LABELS = { code: "Code", password: "Password" };

function DisableCard({ onDisabled }: { onDisabled: () => void }) {
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [bannerError, setBannerError] = useState<unknown>(null);
  const fields = useFieldErrors(DISABLE_LABELS);
  const disable = trpc.mfa.disable.useMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    disable.reset();
    setBannerError(null);
    if (!fields.check(code.trim() || password ? {} : { code: "Enter a current code from your app, or your password." }))
      return;
    try {
      await disable.mutateAsync(code.trim() ? { code: code.trim() } : { password });
      setCode("");
      setPassword("");
      onDisabled();
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
    }
  }
  return (
    <form className="form card narrow" onSubmit={submit} noValidate aria-labelledby="disable-title">
      <h2 id="disable-title">Turn off two-factor login</h2>
      {bannerError ? <ErrorNotice error={bannerError} /> : null}
      <TextField
        fields={fields}
        name="code"
        label="Current code or recovery code"
        autoComplete="one-time-code"
        value={code}
        onValue={setCode}
      />
      <TextField
        fields={fields}
        name="password"
        label="Or your password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
      />
      <div className="form-actions">
        <button type="submit" className="button button-danger" disabled={disable.isPending}>
          {disable.isPending ? "Turning off…" : "Turn off"}
        </button>
      </div>
    </form>
  );
}

export function SecurityPage() {
  const utils = trpc.useUtils();
  const status = trpc.mfa.status.useQuery();
  const start = trpc.mfa.start.useMutation();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  async function begin() {
    setMessage(null);
    try {
      setEnrolment(await start.mutateAsync());
    } catch {
      // shown from start.error
    }
  }

  return (
    <>
      <PageHeader
        title="Security"
        description="Two-factor login: after your password, a code from an authenticator app on your phone."
      />
      {message && <Notice kind="success">{message}</Notice>}
      {codes ? (
        <RecoveryCodesCard
          codes={codes}
          onDone={() => {
            setCodes(null);
            void utils.mfa.status.invalidate();
          }}
        />
      ) : (
        <QueryState query={status} loading="Loading…">
          {(data) =>
            data.enabled ? (
              <>
                <Notice kind="info" role="status">
                  Two-factor login is on: after your password, each login asks for a code from your app.
                </Notice>
                <RecoveryCodesLeftCard
                  left={data.recovery_codes_left}
                  onReplaced={(recovery) => {
                    setCodes(recovery);
                    setMessage("New recovery codes: the earlier ones no longer work.");
                  }}
                />
                <DisableCard
                  onDisabled={() => {
                    setMessage("Two-factor login is off.");
                    void utils.mfa.status.invalidate();
                  }}
                />
              </>
            ) : enrolment ? (
              <EnrolCard
                enrolment={enrolment}
                onConfirmed={(recovery) => {
                  setEnrolment(null);
                  setCodes(recovery);
                  setMessage("Two-factor login is set up.");
                }}
              />
            ) : (
              <div className="card narrow">
                <p>Two-factor login is off. Your password alone logs you in.</p>
                {start.error && <ErrorNotice error={start.error} />}
                <button type="button" className="button button-primary" onClick={begin} disabled={start.isPending}>
                  Set up two-factor login
                </button>
              </div>
            )
          }
        </QueryState>
      )}
    </>
  );
}
