/**
 * Go source read just far enough to find a Terraform provider's schema literals: comments blanked,
 * strings and runes skipped, brackets matched, composite literals split into their fields. Not a Go
 * parser: it reads the shapes the provider SDKs use (`map[string]*schema.Schema{...}`,
 * `schema.StringAttribute{...}`), and says when it meets something else.
 */

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Index after the string, raw string or rune that starts at `i`. */
function skipQuoted(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) {
    if (text[j] === "\\" && quote !== "`") j += 1;
    j += 1;
  }
  return j + 1;
}

/** The text with `//` and block comments replaced by spaces (strings kept), so offsets stay the same. */
export function blankComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "`" || c === "'") {
      const end = skipQuoted(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** Index of the bracket that closes the one at `open` (text without comments). */
export function closingBracket(text: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "`" || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (OPEN[c]) stack.push(OPEN[c]);
    else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) throw new Error(`unbalanced ${c} at ${i}`);
      if (stack.length === 0) return i;
    }
    i += 1;
  }
  throw new Error(`no closing bracket for ${text[open]} at ${open}`);
}

/** Splits at `separator` where no bracket is open and outside strings; parts trimmed, empty parts dropped. */
export function splitTopLevel(text: string, separator = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "`" || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (OPEN[c]) depth += 1;
    else if (c === ")" || c === "]" || c === "}") depth -= 1;
    else if (depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    i += 1;
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Index of the first `char` outside brackets and strings, or -1. */
function firstTopLevel(text: string, char: string): number {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "`" || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (OPEN[c]) depth += 1;
    else if (c === ")" || c === "]" || c === "}") depth -= 1;
    else if (depth === 0 && c === char) return i;
    i += 1;
  }
  return -1;
}

/** `key: value` -> [key, value]; a plain element -> [undefined, element]. */
export function keyAndValue(element: string): [string | undefined, string] {
  const colon = firstTopLevel(element, ":");
  const key = colon < 0 ? "" : element.slice(0, colon).trim();
  // A key is a string literal, an identifier or a selector (`names.AttrName`).
  if (!/^("[^"]*"|[A-Za-z_][\w.]*)$/.test(key)) return [undefined, element.trim()];
  return [key, element.slice(colon + 1).trim()];
}

/** A composite literal `T{...}` or `&T{...}`: its type text and body, or undefined if `expr` is not one. */
export function compositeLiteral(expr: string): { type: string; body: string } | undefined {
  const trimmed = expr.trim().replace(/^&/, "");
  const open = trimmed.indexOf("{");
  if (open < 0) return undefined;
  const type = trimmed.slice(0, open).trim();
  if (!/^(map\[[^\]]+\][*\w.]+|\[\][*\w.]+|[*\w.]*)$/.test(type)) return undefined;
  const close = closingBracket(trimmed, open);
  if (trimmed.slice(close + 1).trim() !== "") return undefined;
  return { type, body: trimmed.slice(open + 1, close) };
}

/** The fields of a keyed composite body (`Type: schema.TypeString, ForceNew: true`), by name. */
export function compositeFields(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const element of splitTopLevel(body)) {
    const [key, value] = keyAndValue(element);
    if (key) fields.set(key, value);
  }
  return fields;
}

/** A call `f(args)` or `pkg.F(args)` / `pkg.F[T](args)`: its callee and argument text, or undefined. */
export function callExpression(expr: string): { callee: string; args: string[] } | undefined {
  const match = /^([A-Za-z_][\w.]*)(\[[^\]]*\])?\(/.exec(expr.trim());
  if (!match) return undefined;
  const trimmed = expr.trim();
  const open = match[0].length - 1;
  const close = closingBracket(trimmed, open);
  if (trimmed.slice(close + 1).trim() !== "") return undefined;
  return { callee: match[1], args: splitTopLevel(trimmed.slice(open + 1, close)) };
}

/** One function or method declaration of a Go file. */
export interface GoFunction {
  /** `name` for functions, `Type.name` for methods. */
  readonly name: string;
  /** The body without its braces (comments blanked). */
  readonly body: string;
  /** The file's imports: local name -> import path. */
  readonly imports: ReadonlyMap<string, string>;
  /** Import path of the package the function is declared in. */
  readonly packagePath: string;
  /** Parameter names, in order. */
  readonly params: string[];
}

/** The import block of a Go file: alias (or last path element) -> path. */
export function goImports(text: string): Map<string, string> {
  const imports = new Map<string, string>();
  const blocks = [...text.matchAll(/\bimport\s*\(([^)]*)\)/g)].map((m) => m[1]);
  const singles = [...text.matchAll(/\bimport\s+((?:[\w.]+\s+)?"[^"]+")/g)].map((m) => m[1]);
  for (const line of [...blocks.flatMap((b) => b.split("\n")), ...singles]) {
    const match = /^\s*([\w.]+\s+)?"([^"]+)"/.exec(line);
    if (!match) continue;
    const path = match[2];
    const alias =
      match[1]?.trim() ??
      path
        .split("/")
        .pop()!
        .replace(/^v\d+$/, path.split("/").slice(-2)[0]);
    if (alias !== "_" && alias !== ".") imports.set(alias, path);
  }
  return imports;
}

/** Every top-level `func` of a file (comments blanked), with the file's imports. */
export function goFunctions(source: string, packagePath: string): GoFunction[] {
  const text = blankComments(source);
  const imports = goImports(text);
  const out: GoFunction[] = [];
  const header = /^func\s+(?:\(\s*\w*\s*\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)\s*(?:\[[^\]]*\])?\(/gm;
  for (const match of text.matchAll(header)) {
    // The body is the first `{` after the parameter and result lists.
    const paramsOpen = (match.index ?? 0) + match[0].length - 1;
    const paramsClose = closingBracket(text, paramsOpen);
    const params = splitTopLevel(text.slice(paramsOpen + 1, paramsClose)).map((p) => p.split(/\s+/)[0]);
    let i = paramsClose + 1;
    while (i < text.length && text[i] !== "{") {
      if (text[i] === "(" || text[i] === "[") i = closingBracket(text, i);
      i += 1;
    }
    const close = closingBracket(text, i);
    const name = match[1] ? `${match[1]}.${match[2]}` : match[2];
    out.push({ name, body: text.slice(i + 1, close), imports, packagePath, params });
  }
  return out;
}

/** Index just past the expression that starts at `start`: the end of its line, unless a bracket is open. */
function expressionEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && text[i] !== "\n" && text[i] !== ";") {
    const c = text[i];
    if (c === '"' || c === "`" || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (OPEN[c]) i = closingBracket(text, i);
    i += 1;
  }
  return i;
}

/** The expression the body's last top-level `return` gives (not one inside a nested function), or undefined. */
export function returnedExpression(body: string): string | undefined {
  let found: string | undefined;
  let depth = 0;
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '"' || c === "`" || c === "'") {
      i = skipQuoted(body, i);
      continue;
    }
    if (c === "{") depth += 1;
    else if (c === "}") depth -= 1;
    else if (depth === 0 && /^return\s/.test(body.slice(i, i + 7)) && !/\w/.test(body[i - 1] ?? "")) {
      const start = i + 6;
      const end = expressionEnd(body, start);
      found = body.slice(start, end).trim() || found;
      i = end;
      continue;
    }
    i += 1;
  }
  return found;
}

/** Package-level variables (`var X = expr`, and each `X = expr` of a `var (...)` block) as functions returning `expr`. */
export function goVariables(source: string, packagePath: string): GoFunction[] {
  const text = blankComments(source);
  const imports = goImports(text);
  const out: GoFunction[] = [];
  const add = (name: string, from: number) => {
    const end = expressionEnd(text, from);
    out.push({ name, body: `return ${text.slice(from, end).trim()}`, imports, packagePath, params: [] });
  };
  for (const m of text.matchAll(/^var\s+(\w+)(?:\s+[\w.*[\]]+)?\s*=\s*/gm)) add(m[1], (m.index ?? 0) + m[0].length);
  for (const m of text.matchAll(/^var\s*\(/gm)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const close = closingBracket(text, open);
    const block = text.slice(0, close);
    const entry = /^\s*(\w+)(?:\s+[\w.*[\]]+)?\s*=\s*/gm;
    entry.lastIndex = open + 1;
    for (let e = entry.exec(block); e; e = entry.exec(block)) {
      add(e[1], e.index + e[0].length);
      entry.lastIndex = expressionEnd(text, e.index + e[0].length);
    }
  }
  return out;
}

/** `name := expr` or `var name = expr` inside a body: the expression, or undefined. */
export function localAssignment(body: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|[\\s;{])(?:var\\s+)?${name}\\s*(?::=|=)\\s*`).exec(body);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  return body.slice(start, expressionEnd(body, start)).trim();
}
