// A field's problem, in a sentence under it (see lib/fieldErrors.ts); the input names it in its
// aria-describedby, so it is read out when the field gets the focus.
export function FieldError({ error }: { error: { id: string; message: string } | null }) {
  if (!error) return null;
  return (
    <span className="field-error" id={error.id}>
      {error.message}
    </span>
  );
}
