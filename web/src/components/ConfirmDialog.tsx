// Asks before something that cannot be undone (a deletion, a revocation): the question, what
// will happen, and a danger button that says what it does. The server's refusal shows inside.
import type { ReactNode } from "react";
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
          <button type="button" className="button" onClick={onClose} disabled={pending}>
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
