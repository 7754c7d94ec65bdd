// Full-text relevance ranking over a set of passages: BM25+ (MiniSearch) with English stopwords
// dropped, accents folded and plurals reduced, plus prefix and slight typo tolerance for longer
// query terms. Used to build one in-memory index per knowledge base (in the search thread).
// Queries are capped so that their cost is bounded whatever a user sends: prefix and typo
// matching walk large parts of the index, so they are kept for the few terms that profit from them.
import MiniSearch from "minisearch";

/** Distinct terms looked up per query; further terms are ignored. */
export const MAX_QUERY_TERMS = 32;
/** Longer query terms are cut to this length (and then only match by prefix). */
export const MAX_TERM_LENGTH = 64;
/** Prefix matching ("refund" finds "refunds", "refunded") for terms at least this long. */
export const MIN_PREFIX_LENGTH = 4;
/** Typo tolerance for terms at least this long, for at most MAX_FUZZY_TERMS of them. */
export const MIN_FUZZY_LENGTH = 6;
export const MAX_FUZZY_TERMS = 8;
/** Edit distance allowed for a typo: 15% of the term's length, never more than this. */
export const MAX_FUZZY_DISTANCE = 2;
const FUZZINESS = 0.15;

const tokenize = MiniSearch.getDefault("tokenize") as (text: string) => string[];

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

/**
 * The terms a query is looked up by, in query order: normalized, without duplicates, at most
 * MAX_QUERY_TERMS of them, each at most MAX_TERM_LENGTH characters.
 */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const token of tokenize(query)) {
    const term = normalizeTerm(token);
    if (term === null) continue;
    terms.add(term.slice(0, MAX_TERM_LENGTH));
    if (terms.size === MAX_QUERY_TERMS) break;
  }
  return [...terms];
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
    searchOptions: { boost: { title: 1.5 }, combineWith: "OR" },
  });
  index.addAll(passages);
  return {
    size: passages.length,
    search(query, limit) {
      const terms = queryTerms(query);
      if (terms.length === 0) return [];
      const fuzzy = new Set(terms.filter((term) => term.length >= MIN_FUZZY_LENGTH).slice(0, MAX_FUZZY_TERMS));
      return index
        .search(query, {
          // The terms are already tokenized, normalized and capped: hand them over as they are.
          tokenize: () => terms,
          processTerm: (term) => term,
          // Prefix and typo matches count for less than exact ones (MiniSearch weighs them down).
          prefix: (term) => term.length >= MIN_PREFIX_LENGTH,
          fuzzy: (term) => (fuzzy.has(term) ? FUZZINESS : false),
          maxFuzzy: MAX_FUZZY_DISTANCE,
        })
        .slice(0, limit)
        .map((result) => ({ id: String(result.id), score: Math.round(result.score * 10_000) / 10_000 }));
    },
  };
}
