// An answer's Markdown, rendered safely: HTML in the text is shown as text (react-markdown
// turns raw HTML into text unless a plugin such as rehype-raw is added, and none is), links
// go only to http(s) and mailto addresses and open without handing over the portal's window,
// and images are not loaded from wherever an answer points: they become links.
import type { ComponentProps } from "react";
import ReactMarkdown, { type Components } from "react-markdown";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** A link's address if it is an absolute http, https or mailto URL; nothing otherwise. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : "";
  } catch {
    return "";
  }
}

function Link({ href, children, node: _node, ...rest }: ComponentProps<"a"> & { node?: unknown }) {
  if (!href) return <span>{children}</span>;
  return (
    <a {...rest} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function Image({ src, alt }: ComponentProps<"img"> & { node?: unknown }) {
  const href = typeof src === "string" ? src : "";
  const label = alt || "image";
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {label}
    </a>
  ) : (
    <span>{label}</span>
  );
}

const components: Components = { a: Link, img: Image };

export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown components={components} urlTransform={safeUrl}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
