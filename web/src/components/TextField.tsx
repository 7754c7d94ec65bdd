// One labelled input of a form whose problems show at their fields (lib/fieldErrors.ts): the
// label, the input tied to its message and hint, the hint, the message; typing clears the message.
import type { InputHTMLAttributes, ReactNode } from "react";
import type { FieldErrors } from "../lib/fieldErrors.ts";
import { FieldError } from "./FieldError.tsx";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "id" | "children">;

export function TextField<F extends string>({
  fields,
  name,
  label,
  value,
  onValue,
  hint,
  ...input
}: InputProps & {
  fields: FieldErrors<F>;
  name: F;
  label: ReactNode;
  value: string;
  onValue(value: string): void;
  hint?: ReactNode;
}) {
  const tied = fields.field(name);
  const hintId = hint ? `${tied.id}-hint` : undefined;
  return (
    <div className="field">
      <label className="label" htmlFor={tied.id}>
        {label}
      </label>
      <input
        {...input}
        value={value}
        onChange={(event) => {
          onValue(event.target.value);
          fields.clear(name);
        }}
        {...fields.field(name, hintId)}
      />
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      <FieldError error={fields.error(name)} />
    </div>
  );
}
