// Admin → All keys: every key with its owner; disable, enable or delete any of them; and the
// server-wide key policy (the maximum lifetime of new keys).

import { keepPreviousData } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { FieldError } from "../../components/FieldError.tsx";
import { KeyListControls, NoKeysMatch, useKeyListQuery } from "../../components/KeyListControls.tsx";
import { KeyTable } from "../../components/KeyTable.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState, ErrorNotice, Notice } from "../../components/Status.tsx";
import { useFieldErrors } from "../../lib/fieldErrors.ts";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

const POLICY_LABELS = { max_key_lifetime_days: "Maximum key lifetime" };

type AdminKey = RouterOutputs["admin"]["keys"]["items"][number];

const PAGE_SIZE = 20;

function KeySettingsForm() {
  const utils = trpc.useUtils();
  const settings = trpc.admin.keySettings.useQuery();
  const update = trpc.admin.updateKeySettings.useMutation({
    onSuccess: () => Promise.all([utils.admin.keySettings.invalidate(), utils.keys.policy.invalidate()]),
  });
  const [days, setDays] = useState("");
  const fields = useFieldErrors(POLICY_LABELS);
  const [bannerError, setBannerError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const stored = settings.data?.max_key_lifetime_days;
  useEffect(() => {
    if (stored !== undefined) setDays(stored === null ? "" : String(stored));
  }, [stored]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const text = days.trim();
    const value = text === "" ? null : Number(text);
    setBannerError(null);
    const ok = fields.check(
      value !== null && (!/^\d+$/.test(text) || value < 1 || value > 3650)
        ? { max_key_lifetime_days: "Enter a whole number of days from 1 to 3650, or leave it empty for no maximum." }
        : {},
    );
    if (!ok) return;
    try {
      await update.mutateAsync({ max_key_lifetime_days: value });
      setSaved(true);
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
    }
  }

  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>Key policy</h2>
      <form className="form form-compact" onSubmit={submit} noValidate>
        {bannerError ? <ErrorNotice error={bannerError} title="The policy was not saved." /> : null}
        <label className="field field-inline">
          <span className="label">Maximum key lifetime (days)</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            value={days}
            placeholder="No maximum"
            onChange={(event) => {
              setDays(event.target.value);
              fields.clear();
            }}
            {...fields.field("max_key_lifetime_days", `${id}-hint`)}
          />
          <span className="hint" id={`${id}-hint`}>
            Applies to keys created (or re-dated) from now on: a key without an expiry, or with a later one, is refused.
            Existing keys keep their dates. Empty: no maximum.
          </span>
        </label>
        <FieldError error={fields.error("max_key_lifetime_days")} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={update.isPending || settings.isLoading}>
            {update.isPending ? "Saving…" : "Save policy"}
          </button>
          {saved && <Notice kind="success">Saved.</Notice>}
        </div>
      </form>
    </section>
  );
}

export function AdminKeysPage() {
  const pager = useCursorPager();
  const list = useKeyListQuery(pager.reset);
  const utils = trpc.useUtils();
  // ?user_id=… (the audit log's links to a key) shows one person's keys.
  const [params] = useSearchParams();
  const ownerId = params.get("user_id") ?? undefined;
  const keys = trpc.admin.keys.useQuery(
    { limit: PAGE_SIZE, cursor: pager.cursor, ...list.query, ...(ownerId ? { user_id: ownerId } : {}) },
    { placeholderData: keepPreviousData },
  );
  const setActive = trpc.admin.setKeyActive.useMutation({ onSettled: () => utils.admin.keys.invalidate() });
  const remove = trpc.admin.deleteKey.useMutation({ onSuccess: () => void utils.admin.keys.invalidate() });
  const deleting = useConfirmation(remove, (k: AdminKey) => ({ id: k.id }));

  return (
    <>
      <PageHeader title="All keys" description="Every API key on this server, with its owner." />
      <KeySettingsForm />
      {ownerId && (
        <Notice kind="info">
          Showing the keys of {keys.data?.items[0]?.owner.email ?? "one user"}.{" "}
          <Link to="/admin/keys">Show all keys</Link>
        </Notice>
      )}
      {setActive.error && <ErrorNotice error={setActive.error} />}
      <QueryState
        query={keys}
        loading="Loading keys…"
        isEmpty={(data) => data.items.length === 0 && pager.page === 1 && !list.filtered}
        empty={
          <EmptyState
            title="No API keys yet"
            action={
              <Link to="/settings/api-keys" className="button button-primary">
                Create an API key of your own
              </Link>
            }
          >
            Nobody on this server has created an API key. Each person makes theirs under Settings → API Keys.
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <KeyListControls list={list} searchLabel="Name, prefix or owner's email" />
            {data.items.length === 0 ? (
              <NoKeysMatch list={list} />
            ) : (
              <KeyTable
                keys={data.items}
                caption="All API keys"
                owner={(k) => k.owner.email}
                actions={(k) => (
                  <>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={setActive.isPending}
                      onClick={() => setActive.mutate({ id: k.id, is_active: !k.is_active })}
                      aria-label={`${k.is_active ? "Disable" : "Enable"} ${k.name} (${k.owner.email})`}
                    >
                      {k.is_active ? "Disable" : "Enable"}
                    </button>
                    <button
                      type="button"
                      className="button button-small button-danger"
                      onClick={() => deleting.ask(k)}
                      aria-label={`Delete ${k.name} (${k.owner.email})`}
                    >
                      Delete
                    </button>
                  </>
                )}
              />
            )}
            <Pager
              pager={pager}
              nextCursor={data.next_cursor}
              label="Keys"
              total={data.total}
              pageSize={PAGE_SIZE}
              shown={data.items.length}
            />
          </>
        )}
      </QueryState>
      <ConfirmDialog {...deleting.dialog} title={`Delete “${deleting.target?.name ?? ""}”?`} confirmLabel="Delete key">
        <p>
          The key <code>{deleting.target?.key_prefix}…</code> of {deleting.target?.owner.email} stops working on its
          next request. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
