/**
 * @module
 * Splits a SQL file into statements the way the Supabase CLI does before recording them in
 * `supabase_migrations.schema_migrations.statements`: on top-level semicolons, leaving those
 * inside quotes, quoted identifiers, dollar-quoted bodies and comments alone.
 */

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/**
 * The statements of `text`, trimmed, without their terminating semicolons; empty statements
 * (only white space and comments) are left out.
 *
 * @example
 * ```ts
 * splitStatements("create table a (x text default ';'); select 1;");
 * // ["create table a (x text default ';')", "select 1"]
 * ```
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  let hasCode = false;
  const push = (end: number) => {
    const statement = text.slice(start, end).trim();
    if (hasCode && statement) statements.push(statement);
    hasCode = false;
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (c === "/" && next === "*") {
      i = skipBlockComment(text, i);
    } else if (c === "'") {
      const escapes = i > 0 && (text[i - 1] === "E" || text[i - 1] === "e");
      i = skipQuoted(text, i, "'", escapes);
      hasCode = true;
    } else if (c === '"') {
      i = skipQuoted(text, i, '"', false);
      hasCode = true;
    } else if (c === "$" && DOLLAR_TAG.test(text.slice(i, i + 64)) && !isIdentChar(text[i - 1])) {
      const tag = text.slice(i).match(DOLLAR_TAG)![0];
      const close = text.indexOf(tag, i + tag.length);
      i = close === -1 ? text.length : close + tag.length;
      hasCode = true;
    } else if (c === ";") {
      push(i);
      i++;
      start = i;
    } else {
      if (!/\s/.test(c)) hasCode = true;
      i++;
    }
  }
  push(text.length);
  return statements;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

function skipBlockComment(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (text[i] === "*" && text[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

function skipQuoted(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < text.length) {
    if (backslashEscapes && text[i] === "\\") {
      i += 2;
    } else if (text[i] === quote && text[i + 1] === quote) {
      i += 2;
    } else if (text[i] === quote) {
      return i + 1;
    } else {
      i++;
    }
  }
  return i;
}
