// The answer renderer's safety, on the markup it produces: raw HTML stays text, only http(s) and
// mailto links keep an address (opening without the portal's window), images are not loaded,
// and fenced code comes out as a code block.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, safeUrl } from "./Markdown.tsx";

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("safeUrl", () => {
  it("keeps absolute http, https and mailto addresses only", () => {
    expect(safeUrl("https://example.com/a?b=1")).toBe("https://example.com/a?b=1");
    expect(safeUrl("http://example.com")).toBe("http://example.com/");
    expect(safeUrl("mailto:ada@example.com")).toBe("mailto:ada@example.com");
    for (const url of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,x",
      "/settings",
      "vbscript:x",
      "",
    ]) {
      expect(safeUrl(url)).toBe("");
    }
  });
});

describe("Markdown", () => {
  it("shows raw HTML as text, never as elements", () => {
    const out = html('Hi <script>alert(1)</script> <img src="x" onerror="alert(2)"> <b>bold?</b>');
    expect(out).not.toMatch(/<script|<img|<b>/);
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("&lt;img src=&quot;x&quot; onerror=&quot;alert(2)&quot;&gt;");
  });

  it("links open in a new tab without the opener; unsafe ones lose their address", () => {
    const out = html("[guide](https://example.com/g) and [bad](javascript:alert(1))");
    expect(out).toContain('<a href="https://example.com/g" target="_blank" rel="noopener noreferrer">guide</a>');
    expect(out).toContain("<span>bad</span>");
    expect(out).not.toContain("javascript:");
  });

  it("turns images into links instead of loading them", () => {
    const out = html("![chart](https://tracker.example/pixel.png)");
    expect(out).not.toContain("<img");
    expect(out).toContain(
      '<a href="https://tracker.example/pixel.png" target="_blank" rel="noopener noreferrer">chart</a>',
    );
  });

  it("renders emphasis, lists and fenced code", () => {
    const out = html("**Top 3**\n\n- Django\n- Flask\n\n```python\nprint('hi')\n```");
    expect(out).toContain("<strong>Top 3</strong>");
    expect(out).toContain("<li>Django</li>");
    expect(out).toMatch(/<pre><code class="language-python">print\(&#x27;hi&#x27;\)\n<\/code><\/pre>/);
  });
});
