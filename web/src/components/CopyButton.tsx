// Copies text to the clipboard and says so; where the clipboard is unavailable, selects the
// text so Ctrl+C / ⌘C works.
import { useState } from "react";

export function CopyButton({
  text,
  label = "Copy",
  targetId,
  autoFocus = false,
  onCopied,
  accessibleLabel,
  primary = true,
}: {
  text: string;
  label?: string;
  targetId?: string;
  /** Marks the button as the one a dialog focuses first. */
  autoFocus?: boolean;
  /** Called once the text is on the clipboard. */
  onCopied?: () => void;
  /** The button's name for screen readers when the visible label is ambiguous. */
  accessibleLabel?: string;
  /** False for a secondary copy next to a primary one. */
  primary?: boolean;
}) {
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
      onCopied?.();
    } catch {
      const target = targetId ? document.getElementById(targetId) : null;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) target.select();
      setState("manual");
    }
  }
  return (
    <>
      <button
        type="button"
        className={primary ? "button button-primary" : "button"}
        onClick={copy}
        data-autofocus={autoFocus ? true : undefined}
        aria-label={accessibleLabel}
      >
        {state === "copied" ? "Copied ✓" : label}
      </button>
      <span className="sr-only" role="status">
        {state === "copied" ? "Copied to the clipboard" : state === "manual" ? "Press Ctrl+C to copy" : ""}
      </span>
      {state === "manual" && <span className="hint">Selected: press Ctrl+C (⌘C) to copy.</span>}
    </>
  );
}
