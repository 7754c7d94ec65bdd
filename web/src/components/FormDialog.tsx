// A dialog around one form: the fields, what is wrong with them (checked here or refused by the
// server), and Cancel beside a submit button that says what it does and when it is working.
import { type FormEvent, type ReactNode, useId } from "react";
import { Dialog } from "./Dialog.tsx";
import { ErrorNotice, Notice } from "./Status.tsx";

export function FormDialog({
  open = true,
  title,
  size,
  onClose,
  onSubmit,
  pending,
  submitLabel,
  pendingLabel,
  problem,
  error,
  errorTitle,
  returnFocus,
  children,
}: {
  open?: boolean;
  title: string;
  size?: "small" | "medium" | "large";
  onClose: () => void;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  /** A request is in flight: the buttons wait and the dialog cannot be dismissed. */
  pending: boolean;
  submitLabel: string;
  pendingLabel: string;
  /** What the form's own check found, in a sentence. */
  problem?: string | null;
  /** The server's refusal. */
  error?: unknown;
  errorTitle?: string;
  returnFocus?: () => HTMLElement | null;
  children: ReactNode;
}) {
  const formId = useId();
  return (
    <Dialog
      open={open}
      title={title}
      size={size}
      onClose={onClose}
      dismissible={!pending}
      returnFocus={returnFocus}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={pending}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={pending}>
            {pending ? pendingLabel : submitLabel}
          </button>
        </>
      }
    >
      <form id={formId} className="form" onSubmit={onSubmit} noValidate>
        {problem && <Notice kind="error">{problem}</Notice>}
        {error ? <ErrorNotice error={error} title={errorTitle} /> : null}
        {children}
      </form>
    </Dialog>
  );
}
