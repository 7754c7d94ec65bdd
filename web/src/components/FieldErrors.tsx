// What is wrong with a form's fields, shown at each field: the input marked aria-invalid and
// described by the message under it, and the first field in error scrolled into view and
// focused. Messages come from the form's own checks or from the server's validation_error
// (its `details` name each field), so a refusal never hides in a banner out of sight.
import { type ReactNode, useId, useState } from "react";
import { isPortalError } from "../lib/trpc.ts";

/** The server's per-field messages, keyed by field path ("model_settings.temperature"). */
export function serverFieldErrors(error: unknown): Record<string, string> {
  const details = isPortalError(error) ? error.data?.error?.details : undefined;
  if (!Array.isArray(details)) return {};
  const found: Record<string, string> = {};
  for (const detail of details as unknown[]) {
    if (typeof detail !== "object" || detail === null) continue;
    const { field, message } = detail as { field?: unknown; message?: unknown };
    if (typeof field === "string" && typeof message === "string" && !(field in found)) {
      found[field] = plainWords(message);
    }
  }
  return found;
}

/** Whether the server's refusal names fields, and only these: then it is shown at them and needs no banner. */
export function refusalAtFields(error: unknown, fields: readonly string[]): boolean {
  const names = Object.keys(serverFieldErrors(error));
  return names.length > 0 && names.every((name) => fields.includes(name));
}

/** A schema's terse wording ("Too big: expected number to be <=2") in a sentence a person reads. */
export function plainWords(message: string): string {
  const bound = /^Too (big|small): expected number to be ([<>]=?)(-?[\d.]+)$/.exec(message);
  if (bound) {
    const [, , op, limit] = bound;
    const words = {
      "<=": `${limit} or less`,
      "<": `less than ${limit}`,
      ">=": `${limit} or more`,
      ">": `more than ${limit}`,
    };
    return `Must be ${words[op as keyof typeof words]}.`;
  }
  const text = message.trim();
  return text ? `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}` : text;
}

/**
 * Field errors for one form. `fields` lists the form's fields in page order (the first in error
 * gets focus); `inputProps(field)` goes on its input, `message(field)` under it.
 */
export function useFieldErrors<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  const prefix = useId();
  const idOf = (field: F) => `${prefix}-${field.replace(/[^\w-]/g, "_")}`;

  /** Shows these errors (and only these); focuses and reveals the first. */
  function show(found: Partial<Record<F, string>>): void {
    setErrors(found);
    const first = fields.find((field) => found[field]);
    if (!first) return;
    // After React has rendered the message (which may move the field).
    requestAnimationFrame(() => {
      const input = document.getElementById(idOf(first));
      input?.scrollIntoView({ block: "center" });
      input?.focus({ preventScroll: true });
    });
  }

  /** Shows the server's refusal at the fields of this form it names. */
  function showServer(error: unknown): void {
    const found = serverFieldErrors(error);
    const known = Object.keys(found).filter((name): name is F => (fields as readonly string[]).includes(name));
    show(Object.fromEntries(known.map((name) => [name, found[name]])) as Partial<Record<F, string>>);
  }

  /** Sets (or, with undefined, clears) one field's message without moving focus: checks as one types. */
  function set(field: F, error: string | undefined): void {
    if (error === undefined) {
      clear(field);
      return;
    }
    setErrors((current) => (current[field] === error ? current : { ...current, [field]: error }));
  }

  function clear(field: F): void {
    setErrors((current) => {
      if (!current[field]) return current;
      const { [field]: _gone, ...rest } = current;
      return rest as Partial<Record<F, string>>;
    });
  }

  function inputProps(field: F) {
    const error = errors[field];
    return {
      id: idOf(field),
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${idOf(field)}-error` : undefined,
    } as const;
  }

  function message(field: F): ReactNode {
    const error = errors[field];
    return error ? (
      <span className="field-error" id={`${idOf(field)}-error`}>
        {error}
      </span>
    ) : null;
  }

  return { errors, show, showServer, set, clear, inputProps, message };
}
