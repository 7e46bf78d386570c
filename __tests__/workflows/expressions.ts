/**
 * Evaluates the small part of the GitHub Actions expression language the workflows use in
 * `if:`, `concurrency:` and a called workflow's `with:` (literals, context paths, ==, !=, !, &&,
 * ||, format(), fromJSON() and `.name` or `[expression]` after a value), so a test can ask what a
 * group, condition or input is for a given event instead of matching its text.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 */
type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };
export type Context = Record<string, Value>;

const TOKEN =
  /\s*(?:('(?:[^']|'')*')|(\d+(?:\.\d+)?)|(==|!=|&&|\|\||[!(),[\]])|(\.[A-Za-z_][\w-]*)|([A-Za-z_][\w-]*(?:\.[\w-]+)*))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.trimEnd().length) {
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`cannot read expression at "${text.slice(TOKEN.lastIndex)}"`);
    tokens.push(match[0].trim());
  }
  return tokens;
}

/** GitHub compares strings ignoring case; other values by loose equality after coercion. */
function equal(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  return a == b;
}

/** `value.key` or `value[key]`: a missing property is null (undefined here), never an error. */
function property(value: Value, key: Value): Value {
  if (value === null || value === undefined || typeof value !== "object") return undefined;
  if (Array.isArray(value)) return typeof key === "number" ? value[key] : undefined;
  return value[String(key)];
}

function lookup(path: string, context: Context): Value {
  return path.split(".").reduce<Value>((value, key) => property(value, key), context as Value);
}

/** The functions the workflows call. */
function call(name: string, args: Value[]): Value {
  if (name === "format") {
    const [template, ...values] = args;
    return String(template).replace(/\{(\d+)\}/g, (_, i: string) => String(values[Number(i)] ?? ""));
  }
  if (name === "fromJSON") return JSON.parse(String(args[0])) as Value;
  throw new Error(`function ${name} is not modelled`);
}

/** One `${{ }}` body. */
export function evaluate(expression: string, context: Context): Value {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected}, found ${token}`);
    return token;
  };
  /** A value, then any `.name` and `[expression]` after it. */
  const primary = (): Value => {
    let value = atom();
    while (peek()?.startsWith(".") || peek() === "[") {
      const token = take();
      if (token === "[") {
        value = property(value, or());
        take("]");
      } else value = property(value, token.slice(1));
    }
    return value;
  };
  const atom = (): Value => {
    const token = take();
    if (token === "(") {
      const value = or();
      take(")");
      return value;
    }
    if (token === "!") return !primary();
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(token)) return Number(token);
    if (token === "true" || token === "false") return token === "true";
    if (token === "null") return null;
    if (peek() === "(") {
      take("(");
      const args: Value[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") take(",");
      }
      take(")");
      return call(token, args);
    }
    return lookup(token, context);
  };
  const comparison = (): Value => {
    const left = primary();
    if (peek() === "==" || peek() === "!=") {
      const op = take();
      const right = primary();
      return op === "==" ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === "&&") {
      take();
      const right = comparison();
      value = value ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === "||") {
      take();
      const right = and();
      value = value ? value : right;
    }
    return value;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in ${expression}`);
  return value;
}

/** A workflow value with `${{ }}` in it: the value itself when it is one expression, else the text. */
export function interpolate(text: unknown, context: Context): Value {
  if (typeof text !== "string") return text as Value;
  const whole = /^\$\{\{(.*)\}\}$/s.exec(text.trim());
  if (whole && !whole[1].includes("}}")) return evaluate(whole[1], context);
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, body: string) => String(evaluate(body, context) ?? ""));
}

/** An `if:` as GitHub reads it: an expression with or without `${{ }}`; no `if` runs. */
export function condition(text: unknown, context: Context): boolean {
  if (text === undefined) return true;
  const body = String(text).trim();
  return Boolean(/^\$\{\{/.test(body) ? interpolate(body, context) : evaluate(body, context));
}
