// What is wrong with a form, at its fields: the form's own checks and the server's validation_error
// details ({ field, message } per offending field) become a plain sentence under each field, the
// field is marked (aria-invalid, aria-describedby) and the first one is scrolled into view and gets
// the focus. A refusal that names no field of the form stays for the form's banner.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { isPortalError } from "./trpc.ts";

export interface FieldIssue {
  field: string;
  message: string;
}

/** The fields a validation_error names, with the server's words; empty for any other error. */
export function serverFieldIssues(error: unknown): FieldIssue[] {
  if (!isPortalError(error)) return [];
  const body = error.data?.error as { error?: string; details?: unknown } | undefined;
  if (body?.error !== "validation_error" || !Array.isArray(body.details)) return [];
  return body.details.filter(
    (d): d is FieldIssue => typeof d?.field === "string" && typeof d?.message === "string",
  ) as FieldIssue[];
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A number's bound in words: "<=" and 2 read "2 or less". */
const BOUND_WORDS: Record<string, (limit: string) => string> = {
  "<=": (limit) => `${limit} or less`,
  "<": (limit) => `less than ${limit}`,
  ">=": (limit) => `${limit} or more`,
  ">": (limit) => `more than ${limit}`,
};

/**
 * The server's terse wording ("is not correct", zod's "Too small: expected string to have >=12
 * characters", "Too big: expected number to be <=2") as a sentence about the field, under its
 * label: "Current password is not correct.", "Must be 2 or less."
 */
export function plainMessage(label: string, message: string): string {
  const known: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^a user with this email already exists$/i, () => "Someone already has an account with this email address."],
    [/^invalid email/i, () => "Enter a whole email address, like ada@example.com."],
    [
      /^too small: expected string to have >=?\s*(\d+) characters?/i,
      (m) => `${label} must be at least ${m[1]} characters.`,
    ],
    [
      /^too big: expected string to have <=?\s*(\d+) characters?/i,
      (m) => `${label} must be at most ${m[1]} characters.`,
    ],
    [
      /^too (?:big|small): expected number to be ([<>]=?)\s*(-?[\d.]+)$/i,
      (m) => `Must be ${BOUND_WORDS[m[1]!]!(m[2]!)}.`,
    ],
    [/^invalid input: expected string, received undefined/i, () => `Enter the ${label.toLowerCase()}.`],
    [/^invalid option/i, () => `Choose one of the ${label.toLowerCase()} options.`],
    [/^unknown field$/i, () => `${label} cannot be set here.`],
  ];
  for (const [pattern, words] of known) {
    const match = message.match(pattern);
    if (match) return words(match);
  }
  // The server's own messages read on from the field's name: "must be in the future".
  if (/^(is|are|must|has|have|cannot|can't|should)\b/i.test(message)) return sentence(`${label} ${message}`);
  return sentence(message);
}

type Errors<F extends string> = Partial<Record<F, string>>;

/**
 * A form's field errors. `labels` names each field the form shows, by the server's field name
 * (the words that start a sentence about it). `check` sets the form's own findings; `fromServer`
 * takes a refusal and reports whether every problem it names found a field here (when not, show
 * it in the banner); `set` changes one field's message as it is typed. `field(name)` is what the
 * input spreads; `error(name)` its message.
 */
export function useFieldErrors<F extends string>(labels: Record<F, string>) {
  const base = useId();
  const [errors, setErrors] = useState<Errors<F>>({});
  const focusFirst = useRef(false);
  const order = useMemo(() => Object.keys(labels) as F[], [labels]);
  const idOf = useCallback((name: F) => `${base}-${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`, [base]);

  useEffect(() => {
    if (!focusFirst.current) return;
    focusFirst.current = false;
    const first = order.find((name) => errors[name]);
    if (!first) return;
    // The message is rendered (and may have moved the field): bring the field into view, then focus it.
    const input = document.getElementById(idOf(first));
    input?.scrollIntoView({ block: "center" });
    input?.focus({ preventScroll: true });
  }, [errors, order, idOf]);

  const show = useCallback((found: Errors<F>) => {
    focusFirst.current = Object.keys(found).length > 0;
    setErrors(found);
  }, []);

  const check = useCallback(
    (found: Errors<F>): boolean => {
      show(found);
      return Object.keys(found).length === 0;
    },
    [show],
  );
  const clear = useCallback((name?: F) => {
    if (name === undefined) setErrors({});
    else
      setErrors((current) =>
        current[name]
          ? (Object.fromEntries(Object.entries(current).filter(([key]) => key !== name)) as Errors<F>)
          : current,
      );
  }, []);
  const set = useCallback(
    (name: F, message: string | undefined) => {
      if (message === undefined) clear(name);
      else setErrors((current) => (current[name] === message ? current : { ...current, [name]: message }));
    },
    [clear],
  );
  const fromServer = useCallback(
    (error: unknown): boolean => {
      const issues = serverFieldIssues(error);
      const found: Errors<F> = {};
      let all = issues.length > 0;
      for (const issue of issues) {
        const name = issue.field as F;
        if (name in labels) found[name] ??= plainMessage(labels[name], issue.message);
        else all = false;
      }
      show(found);
      return all;
    },
    [labels, show],
  );

  return {
    errors,
    hasErrors: Object.keys(errors).length > 0,
    /** Shows the form's own findings (an empty object clears them); returns whether there were none. */
    check,
    /** Clears one field's message (it was edited), or all of them. */
    clear,
    /** Sets (or, with undefined, clears) one field's message without moving the focus: checks as one types. */
    set,
    /** The server's refusal at its fields; true when each field it named is on this form. Stable across renders. */
    fromServer,
    /** The props that tie an input to its message (and to its hint, when it has one). */
    field(name: F, hintId?: string) {
      const message = errors[name];
      const describedBy = [message ? `${idOf(name)}-error` : null, hintId].filter(Boolean).join(" ");
      return {
        id: idOf(name),
        "aria-invalid": message ? (true as const) : undefined,
        "aria-describedby": describedBy || undefined,
      };
    },
    /** The id and text of a field's message, or null when it has none. */
    error(name: F): { id: string; message: string } | null {
      const message = errors[name];
      return message ? { id: `${idOf(name)}-error`, message } : null;
    },
  };
}

/** What useFieldErrors gives a form, for components that take part in it (TextField). */
export type FieldErrors<F extends string> = ReturnType<typeof useFieldErrors<F>>;
