// A CommonJS package loaded on first use rather than at start. Its exports arrive differently
// depending on who loads it: Node's own loader (tests, `pnpm dev`) gives named exports and
// `default`; the bundled server (esbuild's chunk of the package) gives `default` alone. Reading
// `default` when it is there serves both.
export async function loadCommonJs<T extends object>(load: () => Promise<T>): Promise<T> {
  const loaded = (await load()) as T & { default?: unknown };
  return loaded.default && typeof loaded.default === "object" ? (loaded.default as T) : loaded;
}
