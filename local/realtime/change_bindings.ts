/**
 * @module
 * What a `postgres_changes` binding of a `phx_join` asks for (`{event, schema, table?, filter?}`)
 * and whether a change matches it. Filters are hosted's: `column=op.value` with `eq`, `neq`,
 * `lt`, `lte`, `gt`, `gte` and `in.(a,b)`, compared as the column's type compares (numbers as
 * numbers, times as times, the rest as text); a NULL value matches nothing, as in SQL.
 */

/** A change's type as hosted names it. */
export type ChangeType = "INSERT" | "UPDATE" | "DELETE";

const OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "in"] as const;
type Operator = typeof OPERATORS[number];

/** One `column=op.value` condition. */
export interface ColumnFilter {
  column: string;
  operator: Operator;
  /** The value, or the list for `in`. */
  value: string | string[];
}

/** A parsed binding, with the id the join reply gave it. */
export interface ChangeBinding {
  id: number;
  event: ChangeType | "*";
  schema: string;
  /** `*` for every published table of the schema. */
  table: string;
  filters: ColumnFilter[];
}

/** A binding the gateway cannot serve; `message` is hosted's system error text. */
export class BindingRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindingRefused";
  }
}

/**
 * Hosted's text for a binding it cannot subscribe: with the exception Postgres raised, or naming
 * the parameters (filters as Elixir tuples) when the table is not published.
 *
 * @example
 * ```ts
 * unableToSubscribe({ event: "*", schema: "public", table: "nope", filters: [] });
 * ```
 */
export function unableToSubscribe(binding: Omit<ChangeBinding, "id">, exception = ""): string {
  const start = "Unable to subscribe to changes with given parameters.";
  if (exception !== "") return `${start} Exception: ${exception}`;
  const filters = binding.filters.map((f) =>
    `{${JSON.stringify(f.column)}, ${JSON.stringify(f.operator)}, ${
      JSON.stringify(Array.isArray(f.value) ? `(${f.value.join(",")})` : f.value)
    }}`
  );
  return `${start} Please check Realtime is enabled for the given connect parameters: ` +
    `[event: ${binding.event}, schema: ${binding.schema}, table: ${binding.table}, ` +
    `filters: [${filters.join(", ")}], select: nil]`;
}

// Splits on commas outside `in.(…)` lists.
function splitConditions(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth = Math.max(0, depth - 1);
    else if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseCondition(text: string): ColumnFilter | undefined {
  const match = /^([^=]+)=([a-z]+)\.(.*)$/s.exec(text.trim());
  if (!match) return undefined;
  const [, column, operator, raw] = match;
  if (!(OPERATORS as readonly string[]).includes(operator)) return undefined;
  if (operator !== "in") return { column, operator: operator as Operator, value: raw };
  const list = /^\((.*)\)$/s.exec(raw);
  if (!list) return undefined;
  const values = list[1].split(",").map((value) => value.trim().replace(/^"(.*)"$/s, "$1"));
  return { column, operator: "in", value: values };
}

/**
 * Reads one binding of a join's `config.postgres_changes`; throws {@link BindingRefused}.
 *
 * @example
 * ```ts
 * parseBinding({ event: "INSERT", schema: "public", table: "items", filter: "qty=lt.5" }, 7);
 * ```
 */
export function parseBinding(binding: Record<string, unknown>, id: number): ChangeBinding {
  const event = typeof binding.event === "string" ? binding.event.toUpperCase() : "";
  const schema = typeof binding.schema === "string" && binding.schema !== "" ? binding.schema : "";
  const table = typeof binding.table === "string" && binding.table !== "" ? binding.table : "*";
  const parsed: ChangeBinding = {
    id,
    event: event as ChangeType | "*",
    schema: schema || "*",
    table,
    filters: [],
  };
  if (!["*", "INSERT", "UPDATE", "DELETE"].includes(event) || schema === "") {
    throw new BindingRefused(unableToSubscribe(parsed));
  }
  const filter = binding.filter;
  if (typeof filter === "string" && filter.trim() !== "") {
    for (const part of splitConditions(filter)) {
      const condition = parseCondition(part);
      if (!condition) {
        throw new BindingRefused(
          unableToSubscribe(parsed, `ERROR 22023 (invalid_parameter_value) invalid filter ${part}`),
        );
      }
      parsed.filters.push(condition);
    }
  }
  return parsed;
}

const NUMERIC_TYPES = new Set(["int2", "int4", "int8", "float4", "float8", "numeric", "oid"]);
const TIME_TYPES = new Set(["timestamp", "timestamptz", "date"]);
const BOOLEAN_TEXT: Record<string, string> = { t: "t", true: "t", f: "f", false: "f" };

function timeOf(text: string): number {
  // Postgres prints "2026-11-22 08:00:00+00"; Date.parse wants "T" and "+00:00".
  return Date.parse(text.trim().replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
}

// <0, 0, >0 as `a` sorts before, with, after `b` for a column of type `type`; NaN if incomparable.
function compare(type: string, a: string, b: string): number {
  if (NUMERIC_TYPES.has(type)) return Number(a) - Number(b);
  if (TIME_TYPES.has(type)) return timeOf(a) - timeOf(b);
  if (type === "bool") {
    const [x, y] = [BOOLEAN_TEXT[a.toLowerCase()], BOOLEAN_TEXT[b.toLowerCase()]];
    return x === undefined || y === undefined ? NaN : x === y ? 0 : x < y ? -1 : 1;
  }
  if (type === "uuid") [a, b] = [a.toLowerCase(), b.toLowerCase()];
  return a === b ? 0 : a < b ? -1 : 1;
}

function conditionHolds(
  filter: ColumnFilter,
  value: string | null | undefined,
  type: string,
): boolean {
  if (value === null || value === undefined) return false;
  if (filter.operator === "in") {
    return (filter.value as string[]).some((item) => compare(type, value, item) === 0);
  }
  const order = compare(type, value, filter.value as string);
  if (Number.isNaN(order)) return false;
  switch (filter.operator) {
    case "eq":
      return order === 0;
    case "neq":
      return order !== 0;
    case "lt":
      return order < 0;
    case "lte":
      return order <= 0;
    case "gt":
      return order > 0;
    case "gte":
      return order >= 0;
  }
}

/** A change as bindings look at it. */
export interface ChangeFacts {
  schema: string;
  table: string;
  type: ChangeType;
  /** The row the filters look at: the new one, or the old one for a DELETE. */
  record: Record<string, string | null>;
  /** Column type names (`int4`, `text`…) by column name. */
  types: Record<string, string>;
}

/**
 * Whether `binding` wants `change`.
 *
 * @example
 * ```ts
 * bindingMatches(binding, { schema: "public", table: "items", type: "INSERT",
 *   record: { qty: "3" }, types: { qty: "int4" } });
 * ```
 */
export function bindingMatches(binding: ChangeBinding, change: ChangeFacts): boolean {
  if (binding.event !== "*" && binding.event !== change.type) return false;
  if (binding.schema !== "*" && binding.schema !== change.schema) return false;
  if (binding.table !== "*" && binding.table !== change.table) return false;
  return binding.filters.every((filter) =>
    conditionHolds(filter, change.record[filter.column], change.types[filter.column] ?? "text")
  );
}
