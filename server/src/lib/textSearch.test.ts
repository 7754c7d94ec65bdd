import { describe, expect, test } from "vitest";
import { buildPassageIndex, normalizeTerm } from "./textSearch.ts";

describe("normalizeTerm", () => {
  test("lower-cases, folds accents, reduces plurals and drops stopwords", () => {
    expect(normalizeTerm("Café")).toBe("cafe");
    expect(normalizeTerm("Keys")).toBe("key");
    expect(normalizeTerm("libraries")).toBe("library");
    expect(normalizeTerm("boxes")).toBe("box");
    expect(normalizeTerm("status")).toBe("status");
    expect(normalizeTerm("the")).toBeNull();
  });
});

describe("buildPassageIndex", () => {
  const index = buildPassageIndex([
    { id: "cats", title: "Cats", content: "Cats sleep most of the day and purr when content." },
    { id: "dogs", title: "Dogs", content: "Dogs bark at the mail carrier and love long walks." },
    { id: "both", title: "Pets", content: "Some households keep a dog and a cat together." },
  ]);

  test("ranks by relevance, best first, with the score descending", () => {
    const hits = index.search("why do dogs bark", 3);
    expect(hits[0]?.id).toBe("dogs");
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
  });

  test("a term repeated in a short passage beats a passing mention (term frequency and length)", () => {
    const tf = buildPassageIndex([
      { id: "long", title: "", content: `rust ${"filler words about other things ".repeat(20)}` },
      { id: "short", title: "", content: "Rust, rust and more rust." },
    ]);
    expect(tf.search("rust", 2).map((hit) => hit.id)).toEqual(["short", "long"]);
  });

  test("nothing relevant, or only stopwords: no hits", () => {
    expect(index.search("quantum chromodynamics", 5)).toEqual([]);
    expect(index.search("the and of", 5)).toEqual([]);
  });

  test("limit is respected", () => {
    expect(index.search("cats dogs pets", 1)).toHaveLength(1);
  });
});
