// The product's mark and name: in the top bar, and larger on the pages before logging in.
export function Brand({ large = false }: { large?: boolean }) {
  const mark = (
    <>
      <span className="brand-mark" aria-hidden="true">
        F
      </span>
      FIM One
    </>
  );
  return large ? <div className="brand brand-large">{mark}</div> : <span className="brand">{mark}</span>;
}
