// The dialogs of Settings → API Keys: create a key, show a secret once, roll a key. The full key
// lives only in the secret dialog's state and leaves with it.
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { CopyButton } from "../../components/CopyButton.tsx";
import { Dialog } from "../../components/Dialog.tsx";
import { FormDialog } from "../../components/FormDialog.tsx";
import { KeySnippets } from "../../components/KeySnippets.tsx";
import { ErrorNotice, Notice } from "../../components/Status.tsx";
import { formatDateTime, formatTimeLeft } from "../../lib/dateFormat.ts";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

export type ApiKey = RouterOutputs["keys"]["list"]["items"][number];
export type CreatedKey = RouterOutputs["keys"]["create"];
type Scope = ApiKey["scopes"][number];

export const SCOPE_INFO: { scope: Scope; title: string; allows: string; adminOnly?: boolean }[] = [
  { scope: "chat", title: "Chat", allows: "POST /api/react, POST /api/dag, POST /api/chat/inject, conversations" },
  { scope: "agents", title: "Agents", allows: "GET /api/agents and agent management" },
  {
    scope: "kb",
    title: "Knowledge bases",
    allows: "GET /api/knowledge-bases, POST /api/knowledge-bases/{id}/retrieve",
  },
  { scope: "connectors", title: "Connectors", allows: "Connector create, read, update, delete" },
  { scope: "admin", title: "Admin", allows: "Administrative endpoints (administrator accounts only)", adminOnly: true },
];

/** A day in the person's time zone, as the date input writes it (YYYY-MM-DD). */
function localDate(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

export function todayLocal(): string {
  return localDate(new Date());
}

/**
 * A date picked in the form means "until the end of that day where I am". Returns the ISO
 * instant, or an error the form shows.
 */
export function expiryFromDate(value: string): { iso: string } | { error: string } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return { error: "Pick an expiration date." };
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999);
  if (Number.isNaN(end.getTime())) return { error: "That is not a real date." };
  if (end.getTime() <= Date.now()) return { error: "The expiration date must be in the future." };
  return { iso: end.toISOString() };
}

/** The expiry choices: a number of days from now, a date, or none. */
export type ExpiryMode = "7" | "30" | "60" | "90" | "date" | "never";
const PRESET_DAYS = ["7", "30", "60", "90"] as const;
const DAY_MS = 86_400_000;

/** Whether a choice fits the server's maximum key lifetime (null: no maximum). */
function modeAllowed(mode: ExpiryMode, maxDays: number | null): boolean {
  if (maxDays === null) return true;
  if (mode === "never") return false;
  return mode === "date" || Number(mode) <= maxDays;
}

/** The choice a new key starts with: 30 days, or the longest preset the server's maximum allows. */
export function defaultExpiryMode(maxDays: number | null): ExpiryMode {
  if (modeAllowed("30", maxDays)) return "30";
  return modeAllowed("7", maxDays) ? "7" : "date";
}

export function ExpiryFields({
  mode,
  date,
  onMode,
  onDate,
  error,
  maxDays,
}: {
  mode: ExpiryMode;
  date: string;
  onMode: (mode: ExpiryMode) => void;
  onDate: (date: string) => void;
  error: string | null;
  /** The server's maximum key lifetime in days, if it has one. */
  maxDays: number | null;
}) {
  const id = useId();
  const latest = maxDays === null ? undefined : localDate(new Date(Date.now() + maxDays * DAY_MS));
  const option = (value: ExpiryMode, label: string) => (
    <label className="radio" key={value}>
      <input
        type="radio"
        name={`${id}-expiry`}
        value={value}
        checked={mode === value}
        disabled={!modeAllowed(value, maxDays)}
        onChange={() => onMode(value)}
      />
      {label}
    </label>
  );
  return (
    <fieldset className="fieldset">
      <legend>Expiration</legend>
      {maxDays !== null && (
        <p className="hint" id={`${id}-max`}>
          This server allows keys to live at most {maxDays} {maxDays === 1 ? "day" : "days"}.
        </p>
      )}
      <div className="radio-row">
        {PRESET_DAYS.map((days) => option(days, `${days} days`))}
        {option("date", "Custom date")}
        {option("never", "No expiration")}
      </div>
      {mode === "date" && (
        <label className="field field-inline">
          <span className="label">Expiration date</span>
          <input
            type="date"
            value={date}
            min={todayLocal()}
            max={latest}
            onChange={(event) => onDate(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : `${id}-hint`}
          />
          <span className="hint" id={`${id}-hint`}>
            The key stops working at the end of that day (your time zone).
          </span>
        </label>
      )}
      {mode === "never" && (
        <Notice kind="warning" role="status">
          <strong>No expiration:</strong> this key works until you disable or delete it. A key that expires limits the
          damage if it leaks.
        </Notice>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** The scope checkboxes of the create and edit forms, with the warning for full access. */
export function ScopeFields({
  scopes,
  onChange,
  isAdmin,
  legend = "Scopes (optional)",
}: {
  scopes: Scope[];
  onChange: (scopes: Scope[]) => void;
  isAdmin: boolean;
  legend?: string;
}) {
  const formId = useId();
  // A scope the key already has stays visible, even one the person could not pick now.
  const visibleScopes = SCOPE_INFO.filter((info) => !info.adminOnly || isAdmin || scopes.includes(info.scope));
  return (
    <fieldset className="fieldset">
      <legend>{legend}</legend>
      <div aria-live="polite">
        {scopes.length === 0 ? (
          <Notice kind="warning">
            <strong>No scopes selected: this key will have full access to everything your account can do.</strong>
          </Notice>
        ) : (
          <p className="hint">This key will only reach what the selected scopes allow.</p>
        )}
      </div>
      {visibleScopes.map((info) => (
        <div key={info.scope} className="checkbox">
          <input
            type="checkbox"
            id={`${formId}-scope-${info.scope}`}
            aria-describedby={`${formId}-scope-${info.scope}-hint`}
            checked={scopes.includes(info.scope)}
            onChange={(event) =>
              onChange(event.target.checked ? [...scopes, info.scope] : scopes.filter((scope) => scope !== info.scope))
            }
          />
          <span>
            <label className="checkbox-title" htmlFor={`${formId}-scope-${info.scope}`}>
              {info.title} ({info.scope})
            </label>
            <span className="hint" id={`${formId}-scope-${info.scope}-hint`}>
              {info.allows}
            </span>
          </span>
        </div>
      ))}
    </fieldset>
  );
}

/** The allow-list as typed (one entry per line, or separated by commas or spaces) as the API takes it. */
export function allowedIpsFromText(text: string): string[] {
  return text.split(/[\s,]+/).filter((entry) => entry !== "");
}

export function AllowedIpsField({ text, onChange }: { text: string; onChange: (text: string) => void }) {
  const id = useId();
  return (
    <label className="field">
      <span className="label">Allowed IP addresses (optional)</span>
      <textarea
        value={text}
        onChange={(event) => onChange(event.target.value)}
        rows={3}
        spellCheck={false}
        placeholder={"203.0.113.7\n10.0.0.0/8\n2001:db8::/32"}
        aria-describedby={`${id}-hint`}
      />
      <span className="hint" id={`${id}-hint`}>
        One IPv4 or IPv6 address or CIDR range per line, up to 50. The key is refused from anywhere else. Leave empty to
        allow any address.
      </span>
    </label>
  );
}

export type RateLimit = NonNullable<ApiKey["rate_limit"]>;

const WINDOWS = [
  { seconds: 1, label: "per second" },
  { seconds: 60, label: "per minute" },
  { seconds: 3600, label: "per hour" },
  { seconds: 86_400, label: "per day" },
];

/** "100 requests per minute", for a limit whose window is one of the form's, else in seconds. */
export function describeRateLimit(limit: RateLimit): string {
  const window = WINDOWS.find((w) => w.seconds === limit.window_seconds);
  const requests = `${limit.requests.toLocaleString()} request${limit.requests === 1 ? "" : "s"}`;
  return window ? `${requests} ${window.label}` : `${requests} every ${limit.window_seconds} s`;
}

/** The rate-limit part of the create and edit forms: what the person typed, and its check. */
export interface RateLimitDraft {
  mode: "none" | "custom";
  requests: string;
  windowSeconds: number;
}

export function draftOf(limit: RateLimit | null): RateLimitDraft {
  if (!limit) return { mode: "none", requests: "", windowSeconds: 60 };
  return { mode: "custom", requests: String(limit.requests), windowSeconds: limit.window_seconds };
}

export function limitFromDraft(draft: RateLimitDraft): { limit: RateLimit | null } | { error: string } {
  if (draft.mode === "none") return { limit: null };
  const requests = Number(draft.requests);
  if (!/^\d+$/.test(draft.requests.trim()) || requests < 1 || requests > 1_000_000) {
    return { error: "Enter a whole number of requests, from 1 to 1,000,000." };
  }
  return { limit: { requests, window_seconds: draft.windowSeconds } };
}

export function RateLimitFields({
  draft,
  onChange,
  error,
  serverDefault,
}: {
  draft: RateLimitDraft;
  onChange: (draft: RateLimitDraft) => void;
  error: string | null;
  /** The server's default for keys without a limit of their own, if there is one. */
  serverDefault: RateLimit | null;
}) {
  const id = useId();
  // A window set through the API that the form does not offer stays selectable as it is.
  const windows = WINDOWS.some((w) => w.seconds === draft.windowSeconds)
    ? WINDOWS
    : [...WINDOWS, { seconds: draft.windowSeconds, label: `every ${draft.windowSeconds} s` }];
  return (
    <fieldset className="fieldset">
      <legend>Rate limit</legend>
      <label className="radio">
        <input
          type="radio"
          name={`${id}-limit`}
          checked={draft.mode === "none"}
          onChange={() => onChange({ ...draft, mode: "none" })}
        />
        {serverDefault ? `The server's default (${describeRateLimit(serverDefault)})` : "No limit"}
      </label>
      <label className="radio">
        <input
          type="radio"
          name={`${id}-limit`}
          checked={draft.mode === "custom"}
          onChange={() => onChange({ ...draft, mode: "custom", requests: draft.requests || "100" })}
        />
        A limit of its own
      </label>
      {draft.mode === "custom" && (
        <div className="field-row">
          <label className="field field-inline">
            <span className="label">Requests</span>
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={1_000_000}
              value={draft.requests}
              onChange={(event) => onChange({ ...draft, requests: event.target.value })}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : `${id}-hint`}
            />
          </label>
          <label className="field field-inline">
            <span className="label">Window</span>
            <select
              value={draft.windowSeconds}
              onChange={(event) => onChange({ ...draft, windowSeconds: Number(event.target.value) })}
            >
              {windows.map((w) => (
                <option key={w.seconds} value={w.seconds}>
                  {w.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <p className="hint" id={`${id}-hint`}>
        Past the limit, requests with this key get 429 with Retry-After until the window ends.
      </p>
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * The expiry and rate-limit part of the create and edit forms: what the person chose, the two
 * fieldsets' wiring, and the check on submit. `current` is the key being edited (null: a new key).
 */
export function useExpiryAndLimit(current: Pick<ApiKey, "expires_at" | "rate_limit"> | null, maxDays: number | null) {
  const storedDate = current?.expires_at ? localDate(new Date(current.expires_at)) : "";
  const initialMode = (): ExpiryMode =>
    current ? (current.expires_at ? "date" : "never") : defaultExpiryMode(maxDays);
  const [mode, setMode] = useState<ExpiryMode>(initialMode);
  // The server's maximum arrives after the form is first drawn: a new key's choice follows it.
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    if (!current && !touched && !modeAllowed(mode, maxDays)) setMode(defaultExpiryMode(maxDays));
  }, [current, touched, mode, maxDays]);
  const [date, setDate] = useState(storedDate);
  const [dateError, setDateError] = useState<string | null>(null);
  const [draft, setDraft] = useState<RateLimitDraft>(draftOf(current?.rate_limit ?? null));
  const [limitError, setLimitError] = useState<string | null>(null);
  return {
    /**
     * Shows what is wrong and returns null, or the values as the API takes them. `expires_at` is
     * left out when an edited key keeps its date (which may have passed: that is not a new choice).
     */
    check(): { expires_at?: string | null; rate_limit: RateLimit | null } | null {
      let expiry: { expires_at?: string | null } = {};
      let dateProblem: string | null = null;
      if (current && mode === "never" && current.expires_at === null) {
        // An edited key that keeps having no expiry: not a new choice, whatever the server's maximum.
      } else if (!modeAllowed(mode, maxDays)) {
        dateProblem = `This server allows keys to live at most ${maxDays} days: pick a shorter expiration.`;
      } else if (mode === "never") expiry = { expires_at: null };
      else if (mode !== "date") expiry = { expires_at: new Date(Date.now() + Number(mode) * DAY_MS).toISOString() };
      else if (!current || date !== storedDate) {
        const parsed = expiryFromDate(date);
        if ("error" in parsed) dateProblem = parsed.error;
        else expiry = { expires_at: parsed.iso };
      }
      setDateError(dateProblem);
      const limit = limitFromDraft(draft);
      setLimitError("error" in limit ? limit.error : null);
      if (dateProblem || "error" in limit) return null;
      return { ...expiry, rate_limit: limit.limit };
    },
    reset() {
      setMode(defaultExpiryMode(maxDays));
      setTouched(false);
      setDate("");
      setDateError(null);
      setDraft(draftOf(null));
      setLimitError(null);
    },
    fields: {
      expiry: {
        mode,
        date,
        error: dateError,
        maxDays,
        onMode: (next: ExpiryMode) => {
          setMode(next);
          setTouched(true);
          setDateError(null);
        },
        onDate: (next: string) => {
          setDate(next);
          setDateError(null);
        },
      },
      limit: {
        draft,
        error: limitError,
        onChange: (next: RateLimitDraft) => {
          setDraft(next);
          setLimitError(null);
        },
      },
    },
  };
}

/** The two fieldsets of `useExpiryAndLimit`. */
export function ExpiryAndLimitFields({
  state,
  serverDefault,
}: {
  state: ReturnType<typeof useExpiryAndLimit>;
  serverDefault: RateLimit | null;
}) {
  return (
    <>
      <ExpiryFields {...state.fields.expiry} />
      <RateLimitFields {...state.fields.limit} serverDefault={serverDefault} />
    </>
  );
}

export function CreateKeyDialog({
  open,
  isAdmin,
  onClose,
  onCreated,
  serverDefault,
  maxDays,
}: {
  open: boolean;
  isAdmin: boolean;
  onClose: () => void;
  onCreated: (key: CreatedKey) => void;
  /** The server's default limit for keys without their own, if any. */
  serverDefault: RateLimit | null;
  /** The server's maximum key lifetime in days, if any. */
  maxDays: number | null;
}) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [allowedIps, setAllowedIps] = useState("");
  const [nameError, setNameError] = useState<string | null>(null);
  const expiryAndLimit = useExpiryAndLimit(null, maxDays);
  // gcTime 0: the mutation (and the full key in its result) leaves the cache as soon as it is reset.
  const create = trpc.keys.create.useMutation({ gcTime: 0 });

  function reset() {
    setName("");
    setScopes([]);
    setAllowedIps("");
    setNameError(null);
    expiryAndLimit.reset();
    create.reset();
  }

  function close() {
    reset();
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    const problem = keyNameProblem(name);
    setNameError(problem);
    const checked = expiryAndLimit.check();
    if (problem || !checked) return;
    try {
      // No box ticked is an explicit choice of full access (the form says so in bold): null.
      const created = await create.mutateAsync({
        name: trimmed,
        scopes: scopes.length > 0 ? scopes : null,
        expires_at: checked.expires_at ?? null,
        rate_limit: checked.rate_limit,
        allowed_ips: allowedIpsFromText(allowedIps),
      });
      reset();
      onCreated(created);
    } catch {
      // shown below from create.error
    }
  }

  return (
    <FormDialog
      open={open}
      title="Create API Key"
      onClose={close}
      onSubmit={submit}
      pending={create.isPending}
      submitLabel="Create"
      pendingLabel="Creating…"
      error={create.error}
      errorTitle="The key was not created."
    >
      <KeyNameField
        value={name}
        onChange={setName}
        error={nameError}
        autoFocus
        placeholder="e.g. Production Integration"
      />
      <ScopeFields scopes={scopes} onChange={setScopes} isAdmin={isAdmin} />
      <ExpiryAndLimitFields state={expiryAndLimit} serverDefault={serverDefault} />
      <AllowedIpsField text={allowedIps} onChange={setAllowedIps} />
    </FormDialog>
  );
}

/** A secret as the secret dialog shows it: the full key, and what the snippets need. */
export interface ShownSecret {
  key: string;
  name: string;
  scopes: Scope[];
  rolled: boolean;
  previousExpiresAt: string | null;
}

/**
 * Shows a full key exactly once. Focus starts on Copy; closing (Escape, ×, Done) before the key
 * was copied asks first, inside the dialog. Closing drops the key from memory and from the page.
 */
export function SecretDialog({
  secret,
  onClose,
  returnFocus,
}: {
  secret: ShownSecret | null;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}) {
  const inputId = useId();
  const envId = useId();
  const [copied, setCopied] = useState(false);
  const [asking, setAsking] = useState(false);
  const backButton = useRef<HTMLButtonElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);

  // A new secret starts uncopied.
  useEffect(() => {
    if (secret) {
      setCopied(false);
      setAsking(false);
    }
  }, [secret]);
  useEffect(() => {
    if (asking) backButton.current?.focus();
  }, [asking]);

  function close() {
    setAsking(false);
    setCopied(false);
    onClose();
  }

  function attemptClose() {
    if (copied) close();
    else if (asking) goBack();
    else setAsking(true);
  }

  function goBack() {
    setAsking(false);
    bodyRef.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }

  const envLine = secret ? `FIM_API_KEY=${secret.key}` : "";
  return (
    <Dialog
      open={secret !== null}
      title={secret?.rolled ? "New secret for your key" : "API key created"}
      onClose={attemptClose}
      returnFocus={returnFocus}
      size="large"
      footer={
        asking ? (
          <fieldset className="close-question">
            <legend>
              <strong>Have you copied your key?</strong> It will not be shown again.
            </legend>
            <div className="form-actions">
              <button type="button" className="button button-primary" ref={backButton} onClick={goBack}>
                No, back to the key
              </button>
              <button type="button" className="button" onClick={close}>
                Yes, close
              </button>
            </div>
          </fieldset>
        ) : (
          <button type="button" className="button button-primary" onClick={attemptClose}>
            Done
          </button>
        )
      }
    >
      {secret && (
        // Copying by hand (select, Ctrl+C) counts as copied too.
        <div className="form" ref={bodyRef} onCopy={() => setCopied(true)}>
          <div className="notice notice-warning">
            <strong>Copy this key now.</strong> For your security it will not be shown again. If you lose it, roll the
            key or create a new one.
          </div>
          <label className="field" htmlFor={inputId}>
            <span className="label">{secret.name}</span>
          </label>
          <div className="secret-row">
            <input id={inputId} className="secret" readOnly value={secret.key} onFocus={(e) => e.target.select()} />
            <CopyButton text={secret.key} targetId={inputId} autoFocus onCopied={() => setCopied(true)} />
          </div>
          {secret.rolled && (
            <p className="hint">
              {secret.previousExpiresAt
                ? `The old key keeps working for ${formatTimeLeft(secret.previousExpiresAt)} (until ${formatDateTime(secret.previousExpiresAt)}), then stops.`
                : "The previous secret has stopped working."}
            </p>
          )}
          <label className="field" htmlFor={envId}>
            <span className="label">As a line for your .env file</span>
          </label>
          <div className="secret-row">
            <input id={envId} className="env-line" readOnly value={envLine} onFocus={(e) => e.target.select()} />
            <CopyButton
              text={envLine}
              targetId={envId}
              label="Copy .env line"
              onCopied={() => setCopied(true)}
              primary={false}
            />
          </div>
          <p className="hint">
            Store it in an environment variable or a secret manager, never in version control. These samples hold the
            full key only while this dialog is open:
          </p>
          <KeySnippets
            prefix={secret.key.slice(0, 8)}
            scopes={secret.scopes}
            fullKey={secret.key}
            onCopied={() => setCopied(true)}
          />
        </div>
      )}
    </Dialog>
  );
}

/** A key's name with a live count of its characters; past the limit it says so rather than cut. */
export function KeyNameField({
  value,
  onChange,
  error,
  autoFocus = false,
  placeholder,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  autoFocus?: boolean;
  placeholder?: string;
}) {
  const id = useId();
  const length = value.trim().length;
  const over = length > MAX_KEY_NAME_CHARS;
  return (
    <div className="field">
      <label className="label" htmlFor={`${id}-input`}>
        Name
      </label>
      <input
        id={`${id}-input`}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder={placeholder}
        required
        aria-invalid={error || over ? true : undefined}
        aria-describedby={`${id}-count${error ? ` ${id}-error` : ""}`}
        data-autofocus={autoFocus ? true : undefined}
      />
      <span className={`char-count${over ? " over" : ""}`} id={`${id}-count`} aria-live="polite">
        <span className="sr-only">Characters: </span>
        {length}/{MAX_KEY_NAME_CHARS}
        {over && ` — ${length - MAX_KEY_NAME_CHARS} too many`}
      </span>
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export const MAX_KEY_NAME_CHARS = 100;

/** What is wrong with a key name as typed, if anything. */
export function keyNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Name is required.";
  if (trimmed.length > MAX_KEY_NAME_CHARS) {
    return `Name is too long: ${trimmed.length} characters, at most ${MAX_KEY_NAME_CHARS}.`;
  }
  return null;
}

const OVERLAPS = [
  { value: "none", label: "No overlap", hint: "The current secret stops working immediately." },
  { value: "1h", label: "1 hour", hint: "The current secret keeps working for one hour." },
  { value: "24h", label: "24 hours", hint: "The current secret keeps working for one day." },
  { value: "7d", label: "7 days", hint: "The current secret keeps working for a week." },
] as const;

export function RollKeyDialog({
  apiKey,
  onClose,
  onRolled,
}: {
  apiKey: ApiKey | null;
  onClose: () => void;
  onRolled: (key: CreatedKey) => void;
}) {
  const [overlap, setOverlap] = useState<(typeof OVERLAPS)[number]["value"]>("1h");
  const roll = trpc.keys.roll.useMutation({ gcTime: 0 });
  const formId = useId();

  function close() {
    roll.reset();
    setOverlap("1h");
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!apiKey) return;
    try {
      const rolled = await roll.mutateAsync({ id: apiKey.id, overlap });
      roll.reset();
      setOverlap("1h");
      onRolled(rolled);
    } catch {
      // shown from roll.error
    }
  }

  return (
    <FormDialog
      open={apiKey !== null}
      title={`Roll key “${apiKey?.name ?? ""}”`}
      onClose={close}
      onSubmit={submit}
      pending={roll.isPending}
      submitLabel="Roll key"
      pendingLabel="Rolling…"
    >
      <p>
        Rolling issues a new secret for this key. Its name, scopes and usage history stay. Choose how long the current
        secret ({apiKey?.key_prefix}…) keeps working so you can update your applications without downtime.
      </p>
      {roll.error && <ErrorNotice error={roll.error} title="The key was not rolled." />}
      <fieldset className="fieldset">
        <legend>Overlap</legend>
        {OVERLAPS.map((option) => (
          <label key={option.value} className="radio">
            <input
              type="radio"
              name={`${formId}-overlap`}
              value={option.value}
              checked={overlap === option.value}
              onChange={() => setOverlap(option.value)}
            />
            <span>
              {option.label} <span className="hint">{option.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </FormDialog>
  );
}
