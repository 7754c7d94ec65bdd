// Connectors: outside HTTP APIs an agent may call. A base URL, an optional secret auth header
// (write-only: stored encrypted, never shown again) and the actions an agent may take.
import { type FormEvent, useState } from "react";
import { FieldError } from "../components/FieldError.tsx";
import { FormDialog } from "../components/FormDialog.tsx";
import { useCursorPager } from "../components/Pager.tsx";
import { ResourcePage } from "../components/ResourceList.tsx";
import { RelativeTime } from "../components/Time.tsx";
import { useFieldErrors } from "../lib/fieldErrors.ts";
import { errorMessage, type RouterOutputs, trpc } from "../lib/trpc.ts";

type Connector = RouterOutputs["connectors"]["list"]["items"][number];
type Method = Connector["actions"][number]["method"];
const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

interface ActionDraft {
  key: string;
  name: string;
  method: Method;
  path: string;
  description: string;
}

/** Whether two base URLs are the same once normalized as the server stores them; undefined when unsure. */
function sameBaseUrl(typed: string, stored: string | undefined): boolean | undefined {
  if (stored === undefined) return undefined;
  try {
    const url = new URL(typed.trim());
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}` === stored;
  } catch {
    return undefined; // the server explains what is wrong with it
  }
}

/** The fields whose errors show at the field, in page order, by their names in the contract, with their labels. */
const CONNECTOR_LABELS = {
  name: "Name",
  description: "Description",
  base_url: "Base URL",
  auth_header_name: "Header name",
  auth_header: "Header value",
};

/** What is wrong with a typed base URL, checked as it is typed; the server checks the rest. */
function baseUrlProblem(text: string): string | undefined {
  const typed = text.trim();
  if (typed === "") return "Enter the API's base URL, such as https://api.example.com/v1.";
  if (!/^https?:\/\//i.test(typed)) return "The base URL must start with https:// or http://.";
  try {
    new URL(typed);
  } catch {
    return "This is not a complete URL: check the host name.";
  }
  return undefined;
}

function ConnectorDialog({ connector, onClose }: { connector: Connector | null; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [name, setName] = useState(connector?.name ?? "");
  const [description, setDescription] = useState(connector?.description ?? "");
  const [baseUrl, setBaseUrl] = useState(connector?.base_url ?? "");
  const [headerName, setHeaderName] = useState(connector?.auth_header_name ?? "Authorization");
  const [secretMode, setSecretMode] = useState<"keep" | "set" | "remove">(connector?.has_secret ? "keep" : "set");
  const [secret, setSecret] = useState("");
  const [actions, setActions] = useState<ActionDraft[]>(
    (connector?.actions ?? []).map((a) => ({ ...a, key: crypto.randomUUID() })),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const fields = useFieldErrors(CONNECTOR_LABELS);
  // A refusal that names something other than this form's fields; the others are shown at them.
  const [bannerError, setBannerError] = useState<unknown>(null);
  // Once the URL has been checked (left, or submitted), it is checked again at every change, so
  // its message goes as soon as the URL is right.
  const [urlChecked, setUrlChecked] = useState(false);
  const done = () => {
    void utils.connectors.list.invalidate();
    onClose();
  };
  const create = trpc.connectors.create.useMutation({ onSuccess: done });
  const update = trpc.connectors.update.useMutation({ onSuccess: done });
  const pending = create.isPending || update.isPending;

  function change(key: string, patch: Partial<ActionDraft>) {
    setActions((list) => list.map((a) => (a.key === key ? { ...a, ...patch } : a)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBannerError(null);
    setUrlChecked(true);
    const found: Partial<Record<keyof typeof CONNECTOR_LABELS, string>> = {};
    if (!name.trim()) found.name = "Name is required.";
    const urlProblem = baseUrlProblem(baseUrl);
    if (urlProblem) found.base_url = urlProblem;
    // The server refuses to move a stored secret to another header or URL unless it is given
    // again (so nobody can redirect a secret they do not know): ask for it here first.
    const headerChanged =
      (headerName.trim() || "Authorization").toLowerCase() !== connector?.auth_header_name.toLowerCase();
    const urlChanged = sameBaseUrl(baseUrl, connector?.base_url) === false;
    const keepsSecret = connector?.has_secret && (secretMode === "keep" || (secretMode === "set" && !secret));
    if (connector && keepsSecret && (headerChanged || urlChanged)) {
      setSecretMode("set");
      found.auth_header = `Changing the ${[headerChanged && "header name", urlChanged && "base URL"].filter(Boolean).join(" and ")} needs the secret again: enter the header value, or remove the secret.`;
    }
    const fieldsOk = fields.check(found);
    const unnamed = actions.find((a) => !a.name.trim() || !a.path.trim());
    setProblem(unnamed ? "Every action needs a name and a path." : null);
    if (!fieldsOk || unnamed) return;
    const input = {
      name: name.trim(),
      description,
      base_url: baseUrl.trim(),
      auth_header_name: headerName.trim() || "Authorization",
      actions: actions.map(({ key: _key, ...a }) => ({ ...a, name: a.name.trim(), path: a.path.trim() })),
      ...(secretMode === "set" && secret ? { auth_header: secret } : {}),
      ...(secretMode === "remove" ? { auth_header: null } : {}),
    };
    try {
      if (connector) await update.mutateAsync({ id: connector.id, ...input });
      else await create.mutateAsync(input);
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
    }
  }

  return (
    <FormDialog
      title={connector ? `Edit “${connector.name}”` : "New connector"}
      size="large"
      onClose={onClose}
      onSubmit={submit}
      pending={pending}
      submitLabel={connector ? "Save connector" : "Create connector"}
      pendingLabel="Saving…"
      problem={problem}
      // A refusal naming only this form's fields is shown at them, not in a banner.
      error={bannerError}
    >
      <label className="field">
        <span className="label">Name</span>
        <input
          {...fields.field("name")}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            fields.clear("name");
          }}
          maxLength={200}
          data-autofocus
        />
        <FieldError error={fields.error("name")} />
      </label>
      <label className="field">
        <span className="label">Description</span>
        <input
          {...fields.field("description")}
          value={description}
          onChange={(e) => {
            setDescription(e.target.value);
            fields.clear("description");
          }}
          maxLength={2000}
        />
        <FieldError error={fields.error("description")} />
      </label>
      <label className="field">
        <span className="label">Base URL</span>
        <input
          {...fields.field("base_url")}
          type="url"
          value={baseUrl}
          onChange={(e) => {
            setBaseUrl(e.target.value);
            // A server refusal was about the URL as it was; the typed one is checked afresh.
            fields.set("base_url", urlChecked ? baseUrlProblem(e.target.value) : undefined);
          }}
          onBlur={() => {
            if (baseUrl.trim() === "") return;
            setUrlChecked(true);
            fields.set("base_url", baseUrlProblem(baseUrl));
          }}
          placeholder="https://api.example.com/v1"
        />
        <FieldError error={fields.error("base_url")} />
        <span className="hint">Agents can only call paths under this address.</span>
      </label>
      <fieldset className="fieldset">
        <legend>Authentication (optional)</legend>
        <label className="field">
          <span className="label">Header name</span>
          <input
            {...fields.field("auth_header_name")}
            value={headerName}
            onChange={(e) => {
              setHeaderName(e.target.value);
              fields.clear("auth_header_name");
            }}
            maxLength={100}
          />
          <FieldError error={fields.error("auth_header_name")} />
        </label>
        {connector?.has_secret && (
          <>
            <label className="radio">
              <input type="radio" checked={secretMode === "keep"} onChange={() => setSecretMode("keep")} />
              Keep the stored secret
            </label>
            <label className="radio">
              <input type="radio" checked={secretMode === "set"} onChange={() => setSecretMode("set")} />
              Replace it
            </label>
            <label className="radio">
              <input type="radio" checked={secretMode === "remove"} onChange={() => setSecretMode("remove")} />
              Remove it
            </label>
          </>
        )}
        {secretMode === "set" && (
          <label className="field">
            <span className="label">Header value</span>
            <input
              {...fields.field("auth_header")}
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => {
                setSecret(e.target.value);
                fields.clear("auth_header");
              }}
              placeholder="Bearer …"
            />
            <FieldError error={fields.error("auth_header")} />
            <span className="hint">Stored encrypted and never shown again.</span>
          </label>
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Actions</legend>
        {actions.length === 0 && <p className="hint">No actions yet: an agent cannot call anything.</p>}
        {actions.map((a, index) => (
          <div key={a.key} className="action-row">
            <label className="field field-inline">
              <span className="label">Method</span>
              <select value={a.method} onChange={(e) => change(a.key, { method: e.target.value as Method })}>
                {METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
            <label className="field field-inline">
              <span className="label">Action name</span>
              <input value={a.name} onChange={(e) => change(a.key, { name: e.target.value })} placeholder="get_issue" />
            </label>
            <label className="field field-inline">
              <span className="label">Path</span>
              <input
                value={a.path}
                onChange={(e) => change(a.key, { path: e.target.value })}
                placeholder="/issues/{id}"
              />
            </label>
            <button
              type="button"
              className="button button-small button-danger"
              onClick={() => setActions((list) => list.filter((x) => x.key !== a.key))}
              aria-label={`Remove action ${index + 1}`}
            >
              Remove
            </button>
            <label className="field field-inline" style={{ gridColumn: "1 / -1" }}>
              <span className="label">What it does</span>
              <input value={a.description} onChange={(e) => change(a.key, { description: e.target.value })} />
            </label>
          </div>
        ))}
        <div>
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              setActions((list) => [
                ...list,
                { key: crypto.randomUUID(), name: "", method: "GET", path: "", description: "" },
              ])
            }
          >
            Add action
          </button>
        </div>
      </fieldset>
    </FormDialog>
  );
}

/** "Test connection": the server GETs the base URL and says what answered, and how fast. */
function TestConnection({ connector }: { connector: Connector }) {
  const test = trpc.connectors.test.useMutation();
  const result = test.data;
  return (
    <div className="connector-test">
      <button
        type="button"
        className="button button-small"
        onClick={() => test.mutate({ id: connector.id })}
        disabled={test.isPending}
        aria-label={`Test connection to ${connector.name}`}
      >
        {test.isPending ? "Testing…" : "Test connection"}
      </button>
      <span role="status" className="connector-test-result">
        {test.isPending ? null : result ? (
          result.status === null ? (
            <span className="failed">
              No answer: {result.error ?? "the server could not be reached"} ({result.ms} ms)
            </span>
          ) : (
            <span className={result.ok ? "ok" : "not-ok"}>
              {result.ok ? "Connected" : "Answered with an error"}: HTTP {result.status} in {result.ms} ms
            </span>
          )
        ) : test.error ? (
          <span className="failed">Failed: {errorMessage(test.error)}</span>
        ) : null}
      </span>
    </div>
  );
}

export function ConnectorsPage() {
  const pager = useCursorPager();
  const utils = trpc.useUtils();
  const connectors = trpc.connectors.list.useQuery({ limit: 20, cursor: pager.cursor });
  const remove = trpc.connectors.delete.useMutation({ onSuccess: () => void utils.connectors.list.invalidate() });
  return (
    <ResourcePage
      title="Connectors"
      description="Outside HTTP APIs your agents may call, with the actions they are allowed to take."
      noun="connector"
      query={connectors}
      pager={pager}
      empty={{
        title: "No connectors yet",
        text: "A connector lets an agent call another service, such as an issue tracker or a CRM, through the actions you list.",
        action: "Add your first connector",
      }}
      card={(c) => (
        <>
          <h3>{c.name}</h3>
          <code>{c.base_url}</code>
          {c.description && <p>{c.description}</p>}
          <span className="hint">
            {c.actions.length} action{c.actions.length === 1 ? "" : "s"}
            {c.actions.length > 0 && `: ${c.actions.map((a) => a.name).join(", ")}`} ·{" "}
            {c.has_secret ? `secret ${c.auth_header_name} header stored` : "no secret"} · updated{" "}
            <RelativeTime iso={c.updated_at} />
          </span>
          <TestConnection connector={c} />
        </>
      )}
      editor={(connector, close) => <ConnectorDialog connector={connector} onClose={close} />}
      remove={remove}
      removeWarning={<p>Its stored secret is destroyed and agents stop calling it.</p>}
    />
  );
}
