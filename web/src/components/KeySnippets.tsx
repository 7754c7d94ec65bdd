// How to use a key, in curl, Python and Node: with this key's own prefix as a reminder of which
// secret to paste, or, in the dialog that shows a new key once, with the full key itself.
import { useId, useState } from "react";
import { CopyButton } from "./CopyButton.tsx";

type Lang = "curl" | "python" | "node";
const LABELS: Record<Lang, string> = { curl: "curl", python: "Python", node: "Node.js" };

function endpointFor(scopes: string[]): { method: "GET" | "POST"; path: string; body?: string } {
  if (scopes.length === 0 || scopes.includes("agents")) return { method: "GET", path: "/api/agents" };
  if (scopes.includes("chat")) return { method: "POST", path: "/api/react", body: '{"q": "Hello"}' };
  if (scopes.includes("kb")) return { method: "GET", path: "/api/knowledge-bases" };
  if (scopes.includes("connectors")) return { method: "GET", path: "/api/connectors" };
  return { method: "GET", path: "/api/auth/verify" };
}

export function snippet(lang: Lang, prefix: string, scopes: string[], origin: string, fullKey?: string): string {
  const { method, path, body } = endpointFor(scopes);
  const url = `${origin}${path}`;
  const placeholder = `${prefix}…`;
  // With the full key the samples run as they are; the key still goes through the environment.
  const setKey = fullKey ? `FIM_API_KEY=${fullKey}` : null;
  if (lang === "curl") {
    return [
      fullKey
        ? "# Your new key, ready to paste into a shell:"
        : `# ${placeholder} is this key's prefix: paste the full key here.`,
      `export FIM_API_KEY="${fullKey ?? placeholder}"`,
      "",
      `curl${method === "POST" ? " -X POST" : ""} -H "Authorization: Bearer $FIM_API_KEY" \\`,
      ...(body ? [`  -H "Content-Type: application/json" -d '${body}' \\`] : []),
      `  ${url}`,
    ].join("\n");
  }
  if (lang === "python") {
    return [
      ...(setKey ? [`# In your environment or .env file: ${setKey}`] : []),
      "import os",
      "import requests",
      "",
      fullKey
        ? `api_key = os.environ["FIM_API_KEY"]`
        : `api_key = os.environ["FIM_API_KEY"]  # the full key starting with ${prefix}`,
      `response = requests.${method.toLowerCase()}(`,
      `    "${url}",`,
      `    headers={"Authorization": f"Bearer {api_key}"},`,
      ...(body ? [`    json=${body},`] : []),
      ")",
      body ? "print(response.text)" : "print(response.json())",
    ].join("\n");
  }
  return [
    ...(setKey ? [`// In your environment or .env file: ${setKey}`] : []),
    fullKey
      ? "const apiKey = process.env.FIM_API_KEY;"
      : `const apiKey = process.env.FIM_API_KEY; // the full key starting with ${prefix}`,
    "",
    `const response = await fetch("${url}", {`,
    ...(method === "POST" ? [`  method: "POST",`] : []),
    "  headers: {",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is JavaScript source shown to the reader
    "    Authorization: `Bearer ${apiKey}`,",
    ...(body ? [`    "Content-Type": "application/json",`] : []),
    "  },",
    ...(body ? [`  body: JSON.stringify(${body.replace(/"(\w+)":/g, "$1:")}),`] : []),
    "});",
    body ? "console.log(await response.text());" : "console.log(await response.json());",
  ].join("\n");
}

export function KeySnippets({
  prefix,
  scopes,
  fullKey,
  onCopied,
}: {
  prefix: string;
  scopes: string[];
  fullKey?: string;
  onCopied?: () => void;
}) {
  const [lang, setLang] = useState<Lang>("curl");
  const base = useId();
  const code = snippet(lang, prefix, scopes, window.location.origin, fullKey);
  const langs = Object.keys(LABELS) as Lang[];
  return (
    <div className="snippets">
      <div role="tablist" aria-label="Code samples" className="tabs">
        {langs.map((l) => (
          <button
            key={l}
            type="button"
            role="tab"
            id={`${base}-${l}`}
            aria-selected={lang === l}
            aria-controls={`${base}-panel`}
            tabIndex={lang === l ? 0 : -1}
            className="tab"
            onClick={() => setLang(l)}
            onKeyDown={(event) => {
              const index = langs.indexOf(lang);
              if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
                const nextIndex = (index + (event.key === "ArrowRight" ? 1 : langs.length - 1)) % langs.length;
                const nextLang = langs[nextIndex] ?? "curl";
                setLang(nextLang);
                document.getElementById(`${base}-${nextLang}`)?.focus();
              }
            }}
          >
            {LABELS[l]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-${lang}`} className="snippet-panel">
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: focusable, so a long line can be scrolled into view by keyboard too (WCAG 2.1.1) */}
        <pre tabIndex={0}>
          <code>{code}</code>
        </pre>
        <CopyButton text={code} label="Copy snippet" onCopied={onCopied} primary={!fullKey} />
      </div>
    </div>
  );
}
