// A modal dialog on the native <dialog> element: focus moves in and is trapped by the browser,
// Escape closes it, and focus returns to whatever opened it.
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
  size = "medium",
  dismissible = true,
  returnFocus,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  size?: "small" | "medium" | "large";
  /** False while something must not be interrupted (a request in flight). */
  dismissible?: boolean;
  /** Where focus goes on close when the element that opened the dialog is gone (e.g. another dialog). */
  returnFocus?: () => HTMLElement | null;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      // The browser focuses the first control (the close button); prefer the one marked for it.
      dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    } else if (!open && opener.current) {
      // The browser may have closed it already (Escape); either way focus goes back.
      if (dialog.open) dialog.close();
      const previous = opener.current;
      opener.current = null;
      const target = previous instanceof HTMLElement && previous.isConnected ? previous : returnFocus?.();
      target?.focus();
    }
  }, [open, returnFocus]);

  // Unmounted while open (its page closed it by removing it): focus still goes back.
  useEffect(
    () => () => {
      const previous = opener.current;
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
    },
    [],
  );

  // Closed, the dialog renders nothing inside: a secret shown in it leaves the page with it.
  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissible) onClose();
      }}
    >
      {open && (
        <>
          <div className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            {dismissible && (
              <button type="button" className="icon-button" onClick={onClose} aria-label="Close">
                ×
              </button>
            )}
          </div>
          <div className="dialog-body">{children}</div>
          {footer && <div className="dialog-footer">{footer}</div>}
        </>
      )}
    </dialog>
  );
}
