// Splits a document into retrieval chunks: paragraphs are kept whole and packed together up to a
// size limit; a paragraph longer than the limit is split between sentences (and a sentence longer
// than the limit between words). In Markdown, a heading starts a new chunk and fenced code blocks
// are never split at their blank lines.

export const MAX_CHUNK_CHARS = 1200;

export type DocumentFormat = "text" | "markdown";

interface Block {
  text: string;
  /** A Markdown heading: the chunk it opens should not carry the previous section's text. */
  heading: boolean;
}

function splitBlocks(content: string, format: DocumentFormat): Block[] {
  const lines = content.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let current: string[] = [];
  let inFence = false;
  const flush = () => {
    const text = current.join("\n").trim();
    if (text !== "") blocks.push({ text, heading: format === "markdown" && /^#{1,6}\s/.test(text) });
    current = [];
  };
  for (const line of lines) {
    if (format === "markdown") {
      if (/^\s*(```|~~~)/.test(line)) {
        if (!inFence) flush();
        inFence = !inFence;
        current.push(line);
        continue;
      }
      if (!inFence && /^#{1,6}\s/.test(line)) flush();
    }
    if (!inFence && line.trim() === "") {
      flush();
      continue;
    }
    current.push(line);
  }
  flush();
  return blocks;
}

/** Whether the code unit is whitespace as regular expressions' `\s` and `trim()` define it. */
function isWhitespace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isSpace(text: string, at: number): boolean {
  return isWhitespace(text.charCodeAt(at));
}

/**
 * Splits text at the last whitespace that keeps each piece within `max` (at `max` when there is
 * none). Works on indexes into `text`, so a long text without spaces costs linear time.
 */
function splitWords(text: string, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let end = text.length;
  while (end - start > max) {
    // The last whitespace of the next max + 1 characters; each step moves on by more than max / 2.
    let cut = -1;
    for (let at = start + max; at >= start; at--) {
      if (isSpace(text, at)) {
        cut = at - start;
        break;
      }
    }
    const at = cut > max / 2 ? cut : max;
    pieces.push(text.slice(start, start + at).trim());
    start += at;
    while (start < end && isSpace(text, start)) start++;
    while (end > start && isSpace(text, end - 1)) end--;
  }
  if (end > start) pieces.push(text.slice(start, end));
  return pieces;
}

/** A long paragraph as pieces of whole sentences, each at most `max` characters. */
function splitParagraph(text: string, max: number): string[] {
  const sentences = text
    .split(/(?<=[.!?…。！？])\s+/)
    .flatMap((sentence) => (sentence.length > max ? splitWords(sentence, max) : [sentence]));
  const pieces: string[] = [];
  let current = "";
  for (const sentence of sentences) {
    if (current !== "" && current.length + 1 + sentence.length > max) {
      pieces.push(current);
      current = "";
    }
    current = current === "" ? sentence : `${current} ${sentence}`;
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

export function chunkDocument(content: string, format: DocumentFormat, max = MAX_CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let current = "";
  const flush = () => {
    if (current !== "") chunks.push(current);
    current = "";
  };
  for (const block of splitBlocks(content, format)) {
    if (block.heading) flush();
    const pieces = block.text.length > max ? splitParagraph(block.text, max) : [block.text];
    for (const piece of pieces) {
      if (current !== "" && current.length + 2 + piece.length > max) flush();
      current = current === "" ? piece : `${current}\n\n${piece}`;
    }
  }
  flush();
  return chunks;
}
