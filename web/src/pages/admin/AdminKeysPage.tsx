// Admin → All keys: every key with its owner; disable, enable or delete any of them.

import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { KeyTable } from "../../components/KeyTable.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { Pager, useCursorPager } from "../../components/Pager.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { EmptyState, ErrorNotice } from "../../components/Status.tsx";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

type AdminKey = RouterOutputs["admin"]["keys"]["items"][number];

export function AdminKeysPage() {
  const pager = useCursorPager();
  const utils = trpc.useUtils();
  const keys = trpc.admin.keys.useQuery({ limit: 20, cursor: pager.cursor });
  const setActive = trpc.admin.setKeyActive.useMutation({ onSettled: () => utils.admin.keys.invalidate() });
  const remove = trpc.admin.deleteKey.useMutation({ onSuccess: () => void utils.admin.keys.invalidate() });
  const deleting = useConfirmation(remove, (k: AdminKey) => ({ id: k.id }));

  return (
    <>
      <PageHeader title="All keys" description="Every API key on this server, with its owner. Newest first." />
      {setActive.error && <ErrorNotice error={setActive.error} />}
      <QueryState
        query={keys}
        loading="Loading keys…"
        empty={<EmptyState title="No API keys">Nobody has created an API key yet.</EmptyState>}
      >
        {(data) => (
          <>
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
            <Pager pager={pager} nextCursor={data.next_cursor} label="Keys" />
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
