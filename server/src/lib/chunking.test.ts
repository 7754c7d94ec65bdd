import { describe, expect, test } from "vitest";
import { chunkDocument, MAX_CHUNK_CHARS } from "./chunking.ts";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("chunkDocument", () => {
  test("packs short paragraphs together and keeps them whole", () => {
    const text = "First paragraph.\n\nSecond one,\nstill second.\n\n\n   \nThird.";
    expect(chunkDocument(text, "text")).toEqual(["First paragraph.\n\nSecond one,\nstill second.\n\nThird."]);
  });

  test("starts a new chunk rather than exceed the limit, never cutting a paragraph that fits", () => {
    const a = "a".repeat(50);
    const b = "b".repeat(50);
    const c = "c".repeat(50);
    expect(chunkDocument(`${a}\n\n${b}\n\n${c}`, "text", 110)).toEqual([`${a}\n\n${b}`, c]);
  });

  test("splits a long paragraph between sentences, each piece within the limit", () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} says something useful here.`);
    const chunks = chunkDocument(sentences.join(" "), "text", 200);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      expect(chunk).toMatch(/^Sentence number \d+ .*useful here\.$/);
    }
    expect(words(chunks.join(" "))).toEqual(words(sentences.join(" ")));
  });

  test("splits a sentence longer than the limit between words", () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
    const chunks = chunkDocument(text, "text", 100);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(100);
    expect(words(chunks.join(" "))).toEqual(words(text));
    expect(chunkDocument("x".repeat(250), "text", 100)).toEqual(["x".repeat(100), "x".repeat(100), "x".repeat(50)]);
  });

  test("markdown: a heading opens a new chunk; a code fence is not split at its blank lines", () => {
    const md = "# One\n\nIntro text.\n\n## Two\nBody of two.\n\n```\ncode line 1\n\ncode line 2\n```\n\nAfter.";
    expect(chunkDocument(md, "markdown")).toEqual([
      "# One\n\nIntro text.",
      "## Two\nBody of two.\n\n```\ncode line 1\n\ncode line 2\n```\n\nAfter.",
    ]);
    // As plain text, # is just a character.
    expect(chunkDocument(md, "text")).toHaveLength(1);
  });

  test("CRLF and empty input", () => {
    expect(chunkDocument("one\r\n\r\ntwo", "text")).toEqual(["one\n\ntwo"]);
    expect(chunkDocument(" \n\n \n", "text")).toEqual([]);
  });
});

describe("chunkDocument on very long unbroken text", () => {
  // Cutting works on indexes into the text rather than re-slicing the remainder for every piece.
  // (V8 happens to make such slices cheap views, so this cannot be timed; it checks the output.)
  test("a 2 MB text without whitespace is cut every MAX_CHUNK_CHARS characters", () => {
    const text = "abcdefghij".repeat(200_000);
    const chunks = chunkDocument(text, "text");
    expect(chunks).toHaveLength(Math.ceil(text.length / MAX_CHUNK_CHARS));
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toHaveLength(MAX_CHUNK_CHARS);
    expect(chunks.at(-1)).toHaveLength(text.length % MAX_CHUNK_CHARS);
    expect(chunks.join("")).toBe(text);
  });

  test("a 2 MB sentence of long words is cut between words, each piece within the limit", () => {
    const word = "w".repeat(999);
    const text = Array.from({ length: 2000 }, () => word).join(" ");
    const chunks = chunkDocument(text, "text");
    expect(chunks).toHaveLength(2000);
    for (const chunk of chunks) expect(chunk).toBe(word);
  });
});
