// The calculator tool: a small recursive-descent parser for arithmetic, so an expression from a
// question or a model is evaluated without eval/Function and can only ever compute a number.
//
// Grammar (loosest binding first):
//   expr    := term (("+" | "-") term)*
//   term    := unary (("*" | "/" | "×" | "÷") unary)*
//   unary   := ("+" | "-") unary | power
//   power   := postfix (("^" | "**") unary)?          right-associative: 2^3^2 = 2^9
//   postfix := primary "%"?                            15% = 0.15
//   primary := number | constant | name "(" expr ("," expr)* ")" | "(" expr ")"

export class CalculatorError extends Error {
  override name = "CalculatorError";
}

const MAX_LENGTH = 500;
const MAX_DEPTH = 64;

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...args: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 1], fn: Math.round },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  ln: { arity: [1, 1], fn: Math.log },
  log: { arity: [1, 2], fn: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)) },
  exp: { arity: [1, 1], fn: Math.exp },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  pow: { arity: [2, 2], fn: Math.pow },
  min: { arity: [1, 20], fn: Math.min },
  max: { arity: [1, 20], fn: Math.max },
};

type Token =
  | { kind: "number"; value: number; at: number }
  | { kind: "name"; value: string; at: number }
  | { kind: "op"; value: string; at: number }
  | { kind: "end"; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(?:\d+(?:[,_]\d{3})*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number && /[\d.]/.test(ch)) {
      // Thousands separators (1,000 or 1_000) are accepted only in groups of three digits.
      tokens.push({ kind: "number", value: Number(number[0].replace(/[,_]/g, "")), at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z]+/.exec(source.slice(i));
    if (name) {
      tokens.push({ kind: "name", value: name[0].toLowerCase(), at: i });
      i += name[0].length;
      continue;
    }
    if (source.startsWith("**", i)) {
      tokens.push({ kind: "op", value: "^", at: i });
      i += 2;
      continue;
    }
    if ("+-*/^%(),×÷−".includes(ch)) {
      const normal: Record<string, string> = { "×": "*", "÷": "/", "−": "-" };
      tokens.push({ kind: "op", value: normal[ch] ?? ch, at: i });
      i++;
      continue;
    }
    throw new CalculatorError(`unexpected character "${ch}" at position ${i + 1}`);
  }
  tokens.push({ kind: "end", at: source.length });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private isOp(value: string): boolean {
    const token = this.peek();
    return token.kind === "op" && token.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw new CalculatorError(`expected "${value}" at position ${this.peek().at + 1}`);
    this.index++;
  }

  parse(): number {
    const value = this.expr();
    const rest = this.peek();
    if (rest.kind !== "end") throw new CalculatorError(`unexpected input at position ${rest.at + 1}`);
    return value;
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new CalculatorError("the expression is nested too deeply");
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  private expr(): number {
    let value = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const op = (this.tokens[this.index++] as { value: string }).value;
      const right = this.term();
      value = op === "+" ? value + right : value - right;
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const op = (this.tokens[this.index++] as { value: string }).value;
      const right = this.unary();
      if (op === "/" && right === 0) throw new CalculatorError("division by zero");
      value = op === "*" ? value * right : value / right;
    }
    return value;
  }

  private unary(): number {
    return this.nested(() => {
      if (this.isOp("-")) {
        this.index++;
        return -this.unary();
      }
      if (this.isOp("+")) {
        this.index++;
        return this.unary();
      }
      return this.power();
    });
  }

  private power(): number {
    const base = this.postfix();
    if (this.isOp("^")) {
      this.index++;
      return base ** this.unary();
    }
    return base;
  }

  private postfix(): number {
    const value = this.primary();
    if (this.isOp("%")) {
      this.index++;
      return value / 100;
    }
    return value;
  }

  private primary(): number {
    const token = this.peek();
    if (token.kind === "number") {
      this.index++;
      return token.value;
    }
    if (token.kind === "op" && token.value === "(") {
      this.index++;
      const value = this.nested(() => this.expr());
      this.expectOp(")");
      return value;
    }
    if (token.kind === "name") {
      this.index++;
      // Own properties only: "constructor" must not find Object.prototype.constructor.
      const fn = Object.hasOwn(FUNCTIONS, token.value) ? FUNCTIONS[token.value] : undefined;
      if (fn) {
        this.expectOp("(");
        const args = [this.nested(() => this.expr())];
        while (this.isOp(",")) {
          this.index++;
          args.push(this.nested(() => this.expr()));
        }
        this.expectOp(")");
        const [least, most] = fn.arity;
        if (args.length < least || args.length > most) {
          throw new CalculatorError(
            `${token.value}() takes ${least === most ? least : `${least} to ${most}`} arguments`,
          );
        }
        return fn.fn(...args);
      }
      const constant = Object.hasOwn(CONSTANTS, token.value) ? CONSTANTS[token.value] : undefined;
      if (constant !== undefined) return constant;
      throw new CalculatorError(`unknown name "${token.value}"`);
    }
    if (token.kind === "end") throw new CalculatorError("the expression ends too early");
    throw new CalculatorError(`unexpected "${token.value}" at position ${token.at + 1}`);
  }
}

/** Evaluates an arithmetic expression; throws CalculatorError for anything else. */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_LENGTH)
    throw new CalculatorError(`the expression is longer than ${MAX_LENGTH} characters`);
  if (expression.trim() === "") throw new CalculatorError("the expression is empty");
  const value = new Parser(tokenize(expression)).parse();
  if (!Number.isFinite(value)) throw new CalculatorError("the result is not a finite number");
  return value;
}

/** Shows a result without floating-point noise (0.1 + 0.2 → 0.3). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number.parseFloat(value.toPrecision(12)));
}

/**
 * Drops trailing whitespace, commas and periods in one backward pass. (The regex
 * `/[\s,.]+$/` does the same in quadratic time: it retries from every position of a long run
 * that is not at the end, so "1" + 20,000 spaces + "1" held the event loop for 400 ms.)
 */
export function withoutTrailingPunctuation(text: string): string {
  let end = text.length;
  while (end > 0) {
    const ch = text.charCodeAt(end - 1);
    const trailing = ch === 0x2c || ch === 0x2e || /\s/.test(text[end - 1] as string);
    if (!trailing) break;
    end--;
  }
  return text.slice(0, end);
}

/**
 * Finds the arithmetic in a question ("What is 12 * (3 + 4)?" → "12 * (3 + 4)"), for the
 * offline engine. Returns the longest candidate that contains an operator and parses, or null.
 */
export function findExpression(text: string): string | null {
  const names = [...Object.keys(FUNCTIONS), ...Object.keys(CONSTANTS)].join("|");
  const normalized = text
    .replace(/(\d)\s*[x×]\s*(?=[\d(])/g, "$1*") // 3 x 4
    .replace(/%\s+of\s+/gi, "% * ") // 15% of 80
    .replace(/\b(\d+(?:\.\d+)?)\s+(plus|minus|times|divided by)\s+(?=\d)/gi, (_m, n: string, word: string) => {
      const ops: Record<string, string> = { plus: "+", minus: "-", times: "*", "divided by": "/" };
      return `${n} ${ops[word.toLowerCase()]} `;
    });
  const pattern = new RegExp(`(?:(?:${names})\\s*\\(|[\\d.(])(?:[\\d.,_\\s+\\-*/^%()×÷−]|\\b(?:${names})\\b)*`, "gi");
  let best: string | null = null;
  for (const match of normalized.matchAll(pattern)) {
    // Trailing punctuation belongs to the sentence ("…3 + 4?"), and a sentence-final comma too.
    const candidate = withoutTrailingPunctuation(match[0]).trim();
    // Longer than the calculator takes: not worth any further look (and kept out of the regexes).
    if (candidate.length > MAX_LENGTH || !/\d/.test(candidate)) continue;
    if (/^\d{4}-\d{2}-\d{2}$/.test(candidate)) continue; // a date, not a subtraction
    const hasOperator =
      /[+\-*/^%×÷−]/.test(candidate.replace(/^[-+]/, "")) || new RegExp(`^(?:${names})\\s*\\(`, "i").test(candidate);
    if (!hasOperator) continue;
    try {
      evaluateExpression(candidate);
    } catch {
      continue;
    }
    if (best === null || candidate.length > best.length) best = candidate;
  }
  return best;
}
