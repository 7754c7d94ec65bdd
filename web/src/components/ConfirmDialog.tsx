// Asks before something that cannot be undone (a deletion, a revocation): the question, what
// will happen, and a danger button that says what it does. The server's refusal shows inside.
import { type ReactNode, useState } from "react";
import { Dialog } from "./Dialog.tsx";
import { ErrorNotice } from "./Status.tsx";

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      size="small"
      onClose={onClose}
      dismissible={!pending}
      footer={
        <>
          {/* Focus starts on the safe answer: Enter does not confirm by accident. */}
          <button type="button" className="button" onClick={onClose} disabled={pending} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button button-danger" onClick={onConfirm} disabled={pending}>
            {pending ? "Working…" : confirmLabel}
          </button>
        </>
      }
    >
      {error ? <ErrorNotice error={error} /> : null}
      {children}
    </Dialog>
  );
}

/** A mutation, as tRPC's `useMutation` returns it, as far as asking before it needs. */
export interface ConfirmableMutation<I> {
  mutate: (input: I, options?: { onSuccess?: () => void }) => void;
  reset: () => void;
  isPending: boolean;
  error: unknown;
}

/**
 * Asking before doing something to an item: the item asked about, `ask(item)` to open the
 * question, and the ConfirmDialog's wiring (it closes once the server has done it; a refusal
 * shows inside it).
 */
export function useConfirmation<T, I>(mutation: ConfirmableMutation<I>, inputOf: (item: T) => I) {
  const [target, setTarget] = useState<T | null>(null);
  return {
    target,
    ask(item: T) {
      mutation.reset();
      setTarget(item);
    },
    dialog: {
      open: target !== null,
      pending: mutation.isPending,
      error: mutation.error,
      onConfirm: () => {
        if (target !== null) mutation.mutate(inputOf(target), { onSuccess: () => setTarget(null) });
      },
      onClose: () => setTarget(null),
    },
  };
}
