// Settings → API Keys: the person's keys, newest first, with everything the reference promises
// (prefix, created, last used, total requests, status, expiry) and the ways to manage them.
import { keepPreviousData } from "@tanstack/react-query";
import { type FormEvent, type MouseEvent, useCallback, useEffect, useRef, useState } from "react";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { KeyListControls, NoKeysMatch, useKeyListQuery } from "../../components/KeyListControls.tsx";
import { KeySnippets } from "../../components/KeySnippets.tsx";
import { KeyTable } from "../../components/KeyTable.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState, ErrorNotice, Notice } from "../../components/Status.tsx";
import { DateOnly, DateTime, RelativeTime } from "../../components/Time.tsx";
import { UsageChart } from "../../components/UsageChart.tsx";
import { useAuth } from "../../lib/auth.tsx";
import { formatTimeLeft } from "../../lib/dateFormat.ts";
import { trpc } from "../../lib/trpc.ts";
import {
  AllowedIpsField,
  type ApiKey,
  allowedIpsFromText,
  type CreatedKey,
  CreateKeyDialog,
  describeRateLimit,
  ExpiryAndLimitFields,
  KeyNameField,
  keyNameProblem,
  type RateLimit,
  RollKeyDialog,
  ScopeFields,
  SecretDialog,
  type ShownSecret,
  useExpiryAndLimit,
} from "./keyForms.tsx";

type Scope = ApiKey["scopes"][number];

/** Whether `after` grants anything `before` did not (no scopes: full access). */
function widens(before: Scope[], after: Scope[]): boolean {
  if (before.length === 0) return false;
  return after.length === 0 || after.some((scope) => !before.includes(scope));
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((entry, i) => entry === b[i]);

const PAGE_SIZE = 10;

function EditKeyForm({ apiKey, isAdmin }: { apiKey: ApiKey; isAdmin: boolean }) {
  const utils = trpc.useUtils();
  const [name, setName] = useState(apiKey.name);
  const [nameError, setNameError] = useState<string | null>(null);
  const [scopes, setScopes] = useState<Scope[]>(apiKey.scopes);
  const [allowedIps, setAllowedIps] = useState(apiKey.allowed_ips.join("\n"));
  const policy = trpc.keys.policy.useQuery();
  const expiryAndLimit = useExpiryAndLimit(apiKey, policy.data?.max_lifetime_days ?? null);
  const [saved, setSaved] = useState(false);
  const update = trpc.keys.update.useMutation({ onSuccess: () => utils.keys.list.invalidate() });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const trimmed = name.trim();
    const nameProblem = keyNameProblem(name);
    setNameError(nameProblem);
    const changes: {
      name?: string;
      expires_at?: string | null;
      rate_limit?: RateLimit | null;
      scopes?: Scope[] | null;
      allowed_ips?: string[];
    } = {};
    const checked = expiryAndLimit.check();
    if (nameProblem || !checked) return;
    if (trimmed !== apiKey.name) changes.name = trimmed;
    if (checked.expires_at !== undefined && checked.expires_at !== apiKey.expires_at) {
      changes.expires_at = checked.expires_at;
    }
    if (JSON.stringify(checked.rate_limit) !== JSON.stringify(apiKey.rate_limit))
      changes.rate_limit = checked.rate_limit;
    // Scopes in the server's order, so an unchanged set is not sent as a change.
    if (!sameList([...scopes].sort(), [...apiKey.scopes].sort())) changes.scopes = scopes.length > 0 ? scopes : null;
    const ips = allowedIpsFromText(allowedIps);
    if (!sameList(ips, apiKey.allowed_ips)) changes.allowed_ips = ips;
    if (Object.keys(changes).length === 0) {
      setSaved(true);
      return;
    }
    try {
      await update.mutateAsync({ id: apiKey.id, ...changes });
      setSaved(true);
    } catch {
      // shown from update.error
    }
  }

  return (
    <form className="form form-compact" onSubmit={submit} noValidate>
      <h3>Edit</h3>
      {update.error && <ErrorNotice error={update.error} />}
      {apiKey.status === "expired" && (
        <Notice kind="warning">
          This key expired <DateOnly iso={apiKey.expires_at} /> and is refused. Give it a later expiry below to use it
          again.
        </Notice>
      )}
      <KeyNameField value={name} onChange={setName} error={nameError} />
      <ScopeFields scopes={scopes} onChange={setScopes} isAdmin={isAdmin} legend="Scopes" />
      {widens(apiKey.scopes, scopes) && (
        <Notice kind="warning">
          This change gives the key access it does not have now. Narrowing a key is always possible; widening one
          deserves a second look.
        </Notice>
      )}
      <ExpiryAndLimitFields state={expiryAndLimit} serverDefault={policy.data?.default_rate_limit ?? null} />
      <AllowedIpsField text={allowedIps} onChange={setAllowedIps} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save changes"}
        </button>
        {saved && (
          <span className="hint" role="status">
            Saved.
          </span>
        )}
      </div>
    </form>
  );
}

function KeyUsage({ apiKey }: { apiKey: ApiKey }) {
  const usage = trpc.keys.usage.useQuery({ id: apiKey.id, days: 30 });
  return (
    <section aria-label="Usage over the last 30 days">
      <h3>Usage, last 30 days</h3>
      <QueryState query={usage} loading="Loading usage…">
        {(data) => (
          <UsageChart days={data.days} total={data.total} refused={data.refused} rateLimited={data.rate_limited} />
        )}
      </QueryState>
    </section>
  );
}

function KeyDetails({
  apiKey,
  isAdmin,
  onRoll,
  onDelete,
}: {
  apiKey: ApiKey;
  isAdmin: boolean;
  onRoll: () => void;
  onDelete: () => void;
}) {
  return (
    <div className="key-details">
      <div className="key-details-grid">
        <KeyUsage apiKey={apiKey} />
        <section aria-label="How to use this key">
          <h3>Use it</h3>
          <p className="hint last-used-from">
            Last used from: {apiKey.last_used_ip ? <code>{apiKey.last_used_ip}</code> : "not used yet"}
          </p>
          <p className="hint">
            Allowed from:{" "}
            {apiKey.allowed_ips.length > 0
              ? apiKey.allowed_ips.map((entry) => <code key={entry}>{entry} </code>)
              : "any address"}
          </p>
          <p className="hint">
            Rate limit:{" "}
            {apiKey.effective_rate_limit
              ? `${describeRateLimit(apiKey.effective_rate_limit)}${apiKey.rate_limit ? "" : " (the server's default)"}`
              : "none"}
          </p>
          <KeySnippets prefix={apiKey.key_prefix} scopes={apiKey.scopes} />
        </section>
      </div>
      <div className="key-details-grid">
        <EditKeyForm apiKey={apiKey} isAdmin={isAdmin} />
        <section aria-label="Roll or delete">
          <h3>Rotate or remove</h3>
          {apiKey.previous_key_expires_at && (
            <p className="hint">
              The old key keeps working for {formatTimeLeft(apiKey.previous_key_expires_at)} (until{" "}
              <DateTime iso={apiKey.previous_key_expires_at} />
              ).
            </p>
          )}
          {apiKey.rolled_at && (
            <p className="hint">
              Last rolled <RelativeTime iso={apiKey.rolled_at} />.
            </p>
          )}
          <p className="hint">
            Rolling issues a new secret for this key and keeps its name, scopes and history. Deleting it is permanent.
          </p>
          <div className="form-actions">
            <button type="button" className="button" onClick={onRoll}>
              Roll key
            </button>
            <button type="button" className="button button-danger" onClick={onDelete}>
              Delete key
            </button>
          </div>
        </section>
      </div>
    </div>
  );
}

function ActiveSwitch({ apiKey }: { apiKey: ApiKey }) {
  const utils = trpc.useUtils();
  // What the person asked for, shown until the refreshed list agrees (or the change fails).
  const [wanted, setWanted] = useState<boolean | null>(null);
  const update = trpc.keys.update.useMutation({
    onError: () => setWanted(null),
    onSettled: () => utils.keys.list.invalidate(),
  });
  useEffect(() => {
    if (wanted !== null && apiKey.is_active === wanted) setWanted(null);
  }, [apiKey.is_active, wanted]);
  const checked = wanted ?? apiKey.is_active;
  if (apiKey.status === "expired") {
    // An expired key is refused whatever its switch says: the switch shows it off, and why.
    const why = `${apiKey.name} has expired: it cannot be enabled until it has a later expiry (Manage → Edit).`;
    return (
      <label className="switch switch-expired" title={why}>
        <input
          type="checkbox"
          role="switch"
          checked={false}
          aria-checked={false}
          disabled
          aria-label={`Enabled: ${apiKey.name}`}
          aria-describedby={`expired-${apiKey.id}`}
        />
        <span className="switch-track" aria-hidden="true" />
        <span className="switch-note" id={`expired-${apiKey.id}`}>
          Expired<span className="sr-only">: {why}</span>
        </span>
      </label>
    );
  }
  return (
    <label
      className="switch"
      title={
        update.error
          ? String(update.error.message)
          : checked
            ? "Enabled: click to disable"
            : "Disabled: click to enable"
      }
    >
      <input
        type="checkbox"
        role="switch"
        checked={checked}
        aria-checked={checked}
        disabled={update.isPending}
        onChange={(event) => {
          setWanted(event.target.checked);
          update.mutate({ id: apiKey.id, is_active: event.target.checked });
        }}
        aria-label={`Enabled: ${apiKey.name}`}
      />
      <span className="switch-track" aria-hidden="true" />
    </label>
  );
}

export function ApiKeysPage() {
  const { user } = useAuth();
  const pager = useCursorPager();
  const list = useKeyListQuery(pager.reset);
  const utils = trpc.useUtils();
  const keys = trpc.keys.list.useQuery(
    { limit: PAGE_SIZE, cursor: pager.cursor, ...list.query },
    { placeholderData: keepPreviousData },
  );
  const policy = trpc.keys.policy.useQuery();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);
  // The button that started a create or roll: focus returns there once the secret is dismissed.
  const flowOpener = useRef<HTMLElement | null>(null);
  const returnFocus = useCallback(() => flowOpener.current, []);
  const [rolling, setRolling] = useState<ApiKey | null>(null);
  const remove = trpc.keys.delete.useMutation({ onSuccess: () => void utils.keys.list.invalidate() });
  const deleting = useConfirmation(remove, (apiKey: ApiKey) => ({ id: apiKey.id }));

  // A key that left the page (deleted, paged away) cannot stay expanded.
  useEffect(() => {
    if (expanded && keys.data && !keys.data.items.some((k) => k.id === expanded)) setExpanded(null);
  }, [keys.data, expanded]);

  function showSecret(created: CreatedKey, rolled: boolean) {
    setSecret({
      key: created.key,
      name: created.name,
      scopes: created.scopes,
      rolled,
      previousExpiresAt: created.previous_key_expires_at,
    });
    void utils.keys.list.invalidate();
    if (rolled) void utils.keys.usage.invalidate({ id: created.id });
  }

  /** Opens the create dialog; focus goes back to the button that opened it. */
  const startCreating = (event: MouseEvent<HTMLButtonElement>) => {
    flowOpener.current = event.currentTarget;
    setCreating(true);
  };
  const createButton = (
    <button type="button" className="button button-primary" onClick={startCreating}>
      Create API Key
    </button>
  );

  return (
    <>
      <PageHeader
        title="API Keys"
        description={
          <>
            Long-lived credentials tied to your account, for server-to-server integrations, scheduled scripts and
            external applications. Send one as <code>Authorization: Bearer fim_…</code>.
          </>
        }
        actions={createButton}
      />
      <QueryState
        query={keys}
        loading="Loading your API keys…"
        errorTitle="Could not load your keys."
        isEmpty={(data) => data.items.length === 0 && pager.page === 1 && !list.filtered}
        empty={
          <EmptyState
            title="No API keys yet"
            action={
              <button type="button" className="button button-primary" onClick={startCreating}>
                Create your first API key
              </button>
            }
          >
            An API key lets a program act on your behalf without your password. Give each integration its own.
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <KeyListControls list={list} searchLabel="Name or prefix (fim_…)" />
            {data.items.length === 0 ? (
              <NoKeysMatch list={list} />
            ) : (
              <KeyTable
                keys={data.items}
                caption="Your API keys"
                actions={(apiKey) => <ActiveSwitch apiKey={apiKey} />}
                details={{
                  expandedId: expanded,
                  onToggle: setExpanded,
                  render: (apiKey) => (
                    <KeyDetails
                      apiKey={apiKey}
                      isAdmin={user?.role === "admin"}
                      onRoll={() => {
                        flowOpener.current = document.activeElement as HTMLElement | null;
                        setRolling(apiKey);
                      }}
                      onDelete={() => deleting.ask(apiKey)}
                    />
                  ),
                }}
              />
            )}
            <Pager
              pager={pager}
              nextCursor={data.next_cursor}
              label="API keys"
              total={data.total}
              pageSize={PAGE_SIZE}
              shown={data.items.length}
            />
          </>
        )}
      </QueryState>

      <CreateKeyDialog
        open={creating}
        isAdmin={user?.role === "admin"}
        onClose={() => setCreating(false)}
        onCreated={(created) => {
          setCreating(false);
          pager.reset();
          showSecret(created, false);
        }}
        serverDefault={policy.data?.default_rate_limit ?? null}
        maxDays={policy.data?.max_lifetime_days ?? null}
      />
      <SecretDialog secret={secret} onClose={() => setSecret(null)} returnFocus={returnFocus} />
      <RollKeyDialog
        apiKey={rolling}
        onClose={() => setRolling(null)}
        onRolled={(rolled) => {
          setRolling(null);
          showSecret(rolled, true);
        }}
      />
      <ConfirmDialog {...deleting.dialog} title={`Delete “${deleting.target?.name ?? ""}”?`} confirmLabel="Delete key">
        <p>
          Applications using <code>{deleting.target?.key_prefix}…</code> will be refused on their next request. This
          cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
