import { describe, expect, test } from "vitest";
import { buildPassageIndex, MAX_QUERY_TERMS, MAX_TERM_LENGTH, normalizeTerm, queryTerms } from "./textSearch.ts";

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

describe("query caps: a query's cost is bounded whatever it holds", () => {
  test("terms are normalized and deduplicated; at most 32 are kept, each at most 64 characters", () => {
    expect(queryTerms("Keys keys KEY the Café café")).toEqual(["key", "cafe"]);
    const many = Array.from({ length: 100 }, (_, i) => `term${i}`);
    expect(queryTerms(many.join(" "))).toEqual(many.slice(0, MAX_QUERY_TERMS));
    expect(queryTerms(`${"x".repeat(5000)} short`)).toEqual(["x".repeat(MAX_TERM_LENGTH), "short"]);
  });

  const index = buildPassageIndex([
    { id: "depot", title: "", content: "The warehouse ships internationalization kits." },
    { id: "other", title: "", content: "Nothing of interest here." },
  ]);
  const ids = (query: string) => index.search(query, 5).map((hit) => hit.id);

  test("terms past the 32nd are ignored", () => {
    const filler = Array.from({ length: MAX_QUERY_TERMS }, (_, i) => `filler${i}`).join(" ");
    expect(ids(`warehouse ${filler}`)).toEqual(["depot"]);
    expect(ids(`${filler} warehouse`)).toEqual([]);
  });

  test("prefix matching from 4 characters on", () => {
    expect(ids("ware")).toEqual(["depot"]);
    expect(ids("war")).toEqual([]);
  });

  test("typo tolerance from 6 characters on, for the first 8 such terms, at most 2 edits", () => {
    expect(ids("warehouze")).toEqual(["depot"]);
    expect(ids("shipz")).toEqual([]);
    const decoys = ["qwertyu", "asdfghj", "zxcvbnm", "poiuytr", "lkjhgfd", "mnbvcxz", "plmoknij", "uhbygvtf"];
    expect(ids(`${decoys.join(" ")} warehouze`)).toEqual([]);
    expect(ids(`warehouze ${decoys.join(" ")}`)).toEqual(["depot"]);
    // 20 letters would allow 3 edits at 15%; the cap holds it to 2.
    expect(ids("internatxonalizatxon")).toEqual(["depot"]);
    expect(ids("intxrnatxonalizatxon")).toEqual([]);
  });
});
