// Copies text to the clipboard and says so; where the clipboard is unavailable, selects the
// text so Ctrl+C / ⌘C works.
import { useState } from "react";

export function CopyButton({ text, label = "Copy", targetId }: { text: string; label?: string; targetId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const target = targetId ? document.getElementById(targetId) : null;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) target.select();
      setState("manual");
    }
  }
  return (
    <>
      <button type="button" className="button button-primary" onClick={copy}>
        {state === "copied" ? "Copied ✓" : label}
      </button>
      <span className="sr-only" role="status">
        {state === "copied" ? "Copied to the clipboard" : state === "manual" ? "Press Ctrl+C to copy" : ""}
      </span>
      {state === "manual" && <span className="hint">Selected: press Ctrl+C (⌘C) to copy.</span>}
    </>
  );
}
