// Full-text relevance ranking over a set of passages: BM25+ (MiniSearch) with English stopwords
// dropped, accents folded and plurals reduced, plus prefix and slight typo tolerance for longer
// query terms. Used to build one in-memory index per knowledge base.
import MiniSearch from "minisearch";

const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both " +
    "but by can could did do does doing down during each few for from further had has have having he her here hers " +
    "herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on " +
    "once only or other our ours ourselves out over own same she should so some such than that the their theirs " +
    "them themselves then there these they this those through to too under until up very was we were what when " +
    "where which while who whom why will with would you your yours yourself yourselves"
  ).split(" "),
);

/** Reduces regular English plurals to their singular, so "keys" finds "key". Deliberately light. */
function singular(term: string): string {
  if (term.length <= 3 || /\d/.test(term)) return term;
  if (term.endsWith("ies") && term.length > 4) return `${term.slice(0, -3)}y`;
  if (/(ss|x|ch|sh|z)es$/.test(term)) return term.slice(0, -2);
  if (term.endsWith("s") && !/(ss|us|is)$/.test(term)) return term.slice(0, -1);
  return term;
}

/** Lower-cases, folds accents, drops stopwords and reduces plurals; null drops the term. */
export function normalizeTerm(term: string): string | null {
  const folded = term
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  if (folded === "" || STOPWORDS.has(folded)) return null;
  return singular(folded);
}

export interface Passage {
  id: string;
  title: string;
  content: string;
}

export interface Hit {
  id: string;
  score: number;
}

export interface PassageIndex {
  search(query: string, limit: number): Hit[];
  size: number;
}

export function buildPassageIndex(passages: Passage[]): PassageIndex {
  const index = new MiniSearch<Passage>({
    fields: ["title", "content"],
    idField: "id",
    processTerm: (term) => normalizeTerm(term) ?? null,
    searchOptions: {
      boost: { title: 1.5 },
      combineWith: "OR",
      // Prefix and typo matches count for less than exact ones (MiniSearch weighs them down).
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.15 : false),
    },
  });
  index.addAll(passages);
  return {
    size: passages.length,
    search(query, limit) {
      return index
        .search(query)
        .slice(0, limit)
        .map((result) => ({ id: String(result.id), score: Math.round(result.score * 10_000) / 10_000 }));
    },
  };
}
