/**
 * @module
 * What a subscriber may see of a changed row, decided the way hosted Realtime's `apply_rls`
 * does: as the subscriber's role with its JWT claims set, the columns it may SELECT, and, for a
 * table with row level security, whether the row (looked up by primary key, as it is now) is
 * visible to it. DELETEs are not row-checked. One transaction per published table, claims and
 * commit, however many rows the commit changed.
 */

import type postgres from "postgres";
import type { TokenClaims } from "./access_token.ts";
import type { WalRelation } from "./pgoutput.ts";

/** A published table as the access checks need it. */
export interface DescribedTable {
  relation: WalRelation;
  /** Type names as clients read them (`int4`, `_text`, `timestamptz`) by column. */
  types: Record<string, string>;
  /** SQL type of each column for casts (`integer`, `character varying(20)`). */
  sqlTypes: Record<string, string>;
  primaryKey: string[];
  rowLevelSecurity: boolean;
}

/** What one set of claims may see of one table in one commit. */
export interface TableAccess {
  /** Columns the role may SELECT. */
  columns: Set<string>;
  /** Primary keys (see {@link keyOf}) of the asked-for rows the role's policies let it see. */
  visibleRows: Set<string>;
}

/**
 * Reads a table's column types, primary key and whether row level security is on.
 *
 * @example
 * ```ts
 * const table = await describeTable(sql, relation);
 * ```
 */
export async function describeTable(
  sql: postgres.Sql,
  relation: WalRelation,
): Promise<DescribedTable> {
  const columns = await sql<{ name: string; type: string; sql_type: string }[]>`
    select a.attname::text as name, t.typname::text as type,
           format_type(a.atttypid, a.atttypmod) as sql_type
    from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
    where a.attrelid = ${relation.oid} and a.attnum > 0 and not a.attisdropped`;
  const [table] = await sql<{ rls: boolean; primary_key: string[] }[]>`
    select c.relrowsecurity as rls,
           coalesce((select array_agg(a.attname::text order by k.position)
                     from pg_catalog.pg_index i
                     cross join unnest(i.indkey::int2[]) with ordinality as k(attnum, position)
                     join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                     where i.indrelid = c.oid and i.indisprimary), '{}') as primary_key
    from pg_catalog.pg_class c where c.oid = ${relation.oid}`;
  return {
    relation,
    types: Object.fromEntries(columns.map((c) => [c.name, c.type])),
    sqlTypes: Object.fromEntries(columns.map((c) => [c.name, c.sql_type])),
    primaryKey: table?.primary_key ?? [],
    rowLevelSecurity: table?.rls ?? false,
  };
}

/**
 * The primary key of a row as one string, for sets.
 *
 * @example
 * ```ts
 * keyOf(["id"], { id: "5", qty: "3" }); // '["5"]'
 * ```
 */
export function keyOf(primaryKey: string[], record: Record<string, string | null>): string {
  return JSON.stringify(primaryKey.map((column) => record[column] ?? null));
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Evaluates, under `claims`, which columns of `table` the role may read and which of `rows`
 * (records holding at least the primary key) its row level security policies let it see.
 * Throws when the claims' role does not exist.
 *
 * @example
 * ```ts
 * const access = await tableAccess(sql, table, claims, [{ id: "5" }]);
 * access.visibleRows.has(keyOf(table.primaryKey, { id: "5" }));
 * ```
 */
export function tableAccess(
  sql: postgres.Sql,
  table: DescribedTable,
  claims: TokenClaims,
  rows: Record<string, string | null>[],
): Promise<TableAccess> {
  return sql.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true),
                    set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    const readable = await tx<{ name: string }[]>`
      select attname::text as name from pg_catalog.pg_attribute
      where attrelid = ${table.relation.oid} and attnum > 0 and not attisdropped
        and has_column_privilege(${table.relation.oid}::oid, attnum, 'SELECT')`;
    const columns = new Set(readable.map((c) => c.name));
    const visibleRows = new Set<string>();
    const { primaryKey } = table;
    const checkable = primaryKey.length > 0 && primaryKey.every((c) => columns.has(c));
    if (rows.length > 0 && checkable) {
      const keys = primaryKey.map((column) => rows.map((row) => row[column]));
      const wanted = primaryKey.map((column, i) => `k${i}::${table.sqlTypes[column]}`);
      const found = await tx.unsafe<Record<string, string | null>[]>(
        `select ${primaryKey.map((c) => `${ident(c)}::text as ${ident(c)}`).join(", ")}
         from ${ident(table.relation.schema)}.${ident(table.relation.table)}
         where (${primaryKey.map(ident).join(", ")}) in (
           select ${wanted.join(", ")}
           from unnest(${primaryKey.map((_, i) => `$${i + 1}::text[]`).join(", ")})
             as k(${primaryKey.map((_, i) => `k${i}`).join(", ")}))`,
        keys as postgres.ParameterOrJSON<never>[],
      );
      for (const row of found) visibleRows.add(keyOf(primaryKey, row));
    }
    return { columns, visibleRows };
  }) as Promise<TableAccess>;
}
