/**
 * Evaluates the conditions module-flow records (`(var.use_name_prefix)`, `!((each.value.ami_id) != "")`,
 * `(var.parameter_group_name) == null`) against a module call's values: HCL's literals, `!`, `&&`,
 * `||`, `==`, `!=`, `? :`, parentheses and `coalesce`/`try` (and `nonnull`, module-flow's own). Anything else is unknown (undefined),
 * and the review then keeps the effect rather than guess it away.
 */

const UNKNOWN = Symbol("unknown");
type Value = unknown | typeof UNKNOWN;

/** Looks up `var.x.y` / `each.value.z` (as path segments); UNKNOWN when it cannot tell. */
export type Lookup = (path: string[]) => unknown;

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|\d+(?:\.\d+)?|&&|\|\||==|!=|[!?:(),]|[A-Za-z_][\w.-]*(?:\[[^\]]*\][\w.]*)*)/y;
  let at = 0;
  while (at < expr.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(expr);
    if (!m) {
      if (/^\s*$/.test(expr.slice(at))) break;
      throw new Error(`cannot read ${expr.slice(at)}`);
    }
    tokens.push(m[1]);
    at = pattern.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: string[],
    private readonly lookup: Lookup,
  ) {}

  parse(): Value {
    const value = this.ternary();
    if (this.i !== this.tokens.length) throw new Error("trailing tokens");
    return value;
  }

  private peek = () => this.tokens[this.i];
  private take = () => this.tokens[this.i++];

  private ternary(): Value {
    const cond = this.or();
    if (this.peek() !== "?") return cond;
    this.take();
    const then = this.ternary();
    if (this.take() !== ":") throw new Error("expected :");
    const otherwise = this.ternary();
    return cond === UNKNOWN ? UNKNOWN : cond ? then : otherwise;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek() === "||") {
      this.take();
      const right = this.and();
      left = left === true || right === true ? true : left === UNKNOWN || right === UNKNOWN ? UNKNOWN : false;
    }
    return left;
  }

  private and(): Value {
    let left = this.equality();
    while (this.peek() === "&&") {
      this.take();
      const right = this.equality();
      left = left === false || right === false ? false : left === UNKNOWN || right === UNKNOWN ? UNKNOWN : true;
    }
    return left;
  }

  private equality(): Value {
    const left = this.unary();
    const op = this.peek();
    if (op !== "==" && op !== "!=") return left;
    this.take();
    const right = this.unary();
    if (left === UNKNOWN || right === UNKNOWN) return UNKNOWN;
    const equal = JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
    return op === "==" ? equal : !equal;
  }

  private unary(): Value {
    if (this.peek() !== "!") return this.primary();
    this.take();
    const value = this.unary();
    return value === UNKNOWN ? UNKNOWN : !value;
  }

  private primary(): Value {
    const token = this.take();
    if (token === undefined) throw new Error("unexpected end");
    if (token === "(") {
      const value = this.ternary();
      if (this.take() !== ")") throw new Error("expected )");
      return value;
    }
    if (token.startsWith('"')) return JSON.parse(token);
    if (/^\d/.test(token)) return Number(token);
    if (token === "true" || token === "false") return token === "true";
    if (token === "null") return null;
    if (this.peek() === "(") return this.call(token);
    const path = token.replace(/\["([^"]+)"\]/g, ".$1").split(".");
    if (path[0] === "var" || (path[0] === "each" && path[1] === "value")) return this.lookup(path);
    return UNKNOWN;
  }

  private call(name: string): Value {
    this.take();
    const args: Value[] = [];
    while (this.peek() !== ")") {
      args.push(this.ternary());
      if (this.peek() === ",") this.take();
      else if (this.peek() !== ")") throw new Error("expected , or )");
    }
    this.take();
    if (name === "coalesce") {
      for (const a of args) {
        if (a === UNKNOWN) return UNKNOWN;
        if (a !== null && a !== undefined && a !== "") return a;
      }
      return null;
    }
    // nonnull: what module-flow writes for a `nullable = false` variable (null takes the default).
    if (name === "nonnull") return args.find((a) => a !== null && a !== undefined) ?? null;
    if (name === "try") return args.find((a) => a !== UNKNOWN && a !== undefined) ?? UNKNOWN;
    return UNKNOWN;
  }
}

/** true / false, or undefined when the condition reads something this evaluator cannot know. */
export function evaluateCondition(condition: string, lookup: Lookup): boolean | undefined {
  try {
    const value = new Parser(tokenize(condition), (path) => {
      const found = lookup(path);
      return found === undefined ? null : found;
    }).parse();
    return value === UNKNOWN ? undefined : Boolean(value);
  } catch {
    return undefined;
  }
}

/** What a lookup returns for a value it cannot know (a Terraform reference, for instance). */
export const UNKNOWN_VALUE: unknown = UNKNOWN;
