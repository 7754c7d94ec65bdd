// Deterministic text of random words, for the largest inputs a user may send: almost every
// word is new to a search index, which makes the index as big (and as slow to build) as it gets.
// Shared by the stall tests and the benchmark.

/** mulberry32: a small deterministic generator, so the corpus is the same on every run. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Random lower-case words of `min` to `max` letters: almost every word is new to the index. */
export function wordMaker(next: () => number, min: number, max: number): () => string {
  return () => {
    let word = "";
    const length = min + Math.floor(next() * (max - min + 1));
    for (let i = 0; i < length; i++) word += String.fromCharCode(97 + Math.floor(next() * 26));
    return word;
  };
}

/** About `chars` characters of sentences of short, mostly distinct words, in paragraphs. */
export function corpusDocument(chars: number, next: () => number): string {
  const word = wordMaker(next, 3, 7);
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const sentence = `${Array.from({ length: 12 }, word).join(" ")}.${next() < 0.2 ? "\n\n" : " "}`;
    parts.push(sentence);
    length += sentence.length;
  }
  return parts.join("").slice(0, chars);
}
