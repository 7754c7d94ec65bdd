// Loading, error and empty states, so no page is ever blank.
import type { ReactNode } from "react";
import { errorMessage } from "../lib/trpc.ts";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorNotice({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <div className="notice notice-error" role="alert">
      <div>
        {title && <strong>{title} </strong>}
        {errorMessage(error)}
      </div>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/**
 * What a list shows when it has nothing: a title, one line on what the list is for, and the one
 * thing to do next (create the first item, or clear the filters that emptied it).
 */
export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2 className="empty-title">{title}</h2>
      <p className="empty-text">{children}</p>
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

/** A notice box. An error is announced at once (alert), a success politely (status), others not unless asked. */
export function Notice({
  kind = "info",
  role = kind === "error" ? "alert" : kind === "success" ? "status" : undefined,
  id,
  children,
}: {
  kind?: "info" | "success" | "warning" | "error";
  role?: "alert" | "status";
  id?: string;
  children: ReactNode;
}) {
  return (
    <div className={`notice notice-${kind}`} role={role} id={id}>
      {children}
    </div>
  );
}
