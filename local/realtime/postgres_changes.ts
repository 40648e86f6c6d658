/**
 * @module
 * Postgres Changes, as hosted Realtime streams them: INSERT / UPDATE / DELETE of the tables in
 * publication `supabase_realtime`, read from the WAL (logical replication, started when the first
 * channel asks for changes), matched against each channel's `postgres_changes` bindings and sent
 * as `postgres_changes` messages carrying the ids of the bindings they match. Each subscriber
 * gets a change only as its own claims allow (column privileges and row level security, see
 * change_access.ts), with hosted's errors in place of the record when it cannot (no primary key,
 * primary key not readable, a record over 1 MB). Changes reach clients in commit order.
 */

import type { TokenClaims } from "./access_token.ts";
import {
  bindingMatches,
  BindingRefused,
  type ChangeBinding,
  type ChangeType,
  parseBinding,
  unableToSubscribe,
} from "./change_bindings.ts";
import {
  type DescribedTable,
  describeTable,
  keyOf,
  type TableAccess,
  tableAccess,
} from "./change_access.ts";
import { encodeText, type Vsn } from "./codec.ts";
import { startLogicalStream } from "./logical_stream.ts";
import type { Feed } from "./notify_feed.ts";
import { tupleRecord, type WalMessage, type WalRelation } from "./pgoutput.ts";
import type { RealtimeContext } from "./realtime_context.ts";

/** The publication hosted Realtime streams Postgres Changes from. */
export const CHANGES_PUBLICATION = "supabase_realtime";

/** Hosted's `poll_max_record_bytes`: bigger records go out with only their small values. */
const MAX_RECORD_BYTES = 1_048_576;
const SMALL_VALUE_BYTES = 64;
const UTF8 = new TextEncoder();
/** Changes one transaction may queue; beyond this they are logged and skipped (memory bound). */
const MAX_CHANGES_PER_TRANSACTION = 100_000;
/** Changes read but not yet sent; beyond this, new ones are logged and skipped (memory bound). */
const MAX_QUEUED_CHANGES = 200_000;

/** A channel as Postgres Changes sees it. */
export interface ChangesSubscriber {
  readonly topic: string;
  /** Current claims (replaced when the client refreshes its token). */
  readonly claims: TokenClaims;
  readonly host: { readonly vsn: Vsn; send(frame: string | Uint8Array): void };
}

/** The `system` message a join with bindings gets. */
export interface SubscribeOutcome {
  status: "ok" | "error";
  message: string;
}

interface Change {
  relation: WalRelation;
  type: ChangeType;
  record?: Record<string, string | null>;
  old?: Record<string, string | null>;
}

const SUBSCRIBED = "Subscribed to PostgreSQL";

/** Postgres Changes of one gateway. */
export class PostgresChanges {
  #bindings = new Map<ChangesSubscriber, ChangeBinding[]>();
  #stream: Feed | undefined;
  #tables = new WeakMap<WalRelation, Promise<DescribedTable>>();
  #relations = new Map<number, WalRelation>();
  #transaction: Change[] = [];
  #skipped = 0;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #claimKeys = new WeakMap<TokenClaims, string>();

  constructor(
    readonly context: Pick<RealtimeContext, "sql" | "events" | "log">,
    readonly databaseUrl: string,
  ) {}

  /**
   * Checks a join's bindings (parsed, tables published, filter columns real) and, if they all
   * pass, starts sending the channel changes. Returns hosted's `system` message.
   */
  async subscribe(
    subscriber: ChangesSubscriber,
    bindings: (Record<string, unknown> & { id: number })[],
  ): Promise<SubscribeOutcome> {
    let parsed: ChangeBinding[];
    try {
      parsed = bindings.map((binding) => parseBinding(binding, binding.id));
      await this.#checkPublished(parsed);
    } catch (error) {
      if (error instanceof BindingRefused) return { status: "error", message: error.message };
      throw error;
    }
    try {
      await this.#startStream();
    } catch (error) {
      this.context.log("realtime postgres changes stream failed to start", {
        error: String(error),
      });
      return {
        status: "error",
        message: unableToSubscribe(parsed[0], `stream not started: ${String(error)}`),
      };
    }
    this.#bindings.set(subscriber, parsed);
    return { status: "ok", message: SUBSCRIBED };
  }

  unsubscribe(subscriber: ChangesSubscriber): void {
    this.#bindings.delete(subscriber);
  }

  async close(): Promise<void> {
    this.#bindings.clear();
    await this.#stream?.close();
    await this.#queue;
  }

  async #checkPublished(bindings: ChangeBinding[]): Promise<void> {
    const published = await this.context.sql<{ schema: string; table: string }[]>`
      select schemaname::text as schema, tablename::text as table
      from pg_catalog.pg_publication_tables where pubname = ${CHANGES_PUBLICATION}`;
    for (const binding of bindings) {
      const tables = published.filter((t) =>
        (binding.schema === "*" || t.schema === binding.schema) &&
        (binding.table === "*" || t.table === binding.table)
      );
      if (tables.length === 0) throw new BindingRefused(unableToSubscribe(binding));
      if (binding.filters.length === 0) continue;
      const columns = await this.context.sql<{ name: string }[]>`
        select distinct a.attname::text as name
        from pg_catalog.pg_attribute a
        join pg_catalog.pg_class c on c.oid = a.attrelid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where (n.nspname::text, c.relname::text) in (
                select * from unnest(${tables.map((t) => t.schema)}::text[],
                                     ${tables.map((t) => t.table)}::text[]))
          and a.attnum > 0 and not a.attisdropped`;
      const names = new Set(columns.map((c) => c.name));
      for (const filter of binding.filters) {
        if (!names.has(filter.column)) {
          throw new BindingRefused(unableToSubscribe(
            binding,
            `ERROR P0001 (raise_exception) invalid column for filter ${filter.column}`,
          ));
        }
      }
    }
  }

  #startStream(): Promise<void> {
    if (!this.#stream) {
      const stream = startLogicalStream({
        databaseUrl: this.databaseUrl,
        publication: CHANGES_PUBLICATION,
        name: "realtime postgres changes",
        log: this.context.log,
        onSlot: () => {
          this.#transaction = [];
          return Promise.resolve();
        },
        onMessage: (message) => this.#read(message),
      });
      this.#stream = stream;
      stream.ready.catch(() => {
        if (this.#stream === stream) this.#stream = undefined;
      });
    }
    return this.#stream.ready;
  }

  #read(message: WalMessage): void {
    if (message.kind === "relation") {
      this.#relations.set(message.relation.oid, message.relation);
      return;
    }
    if (message.kind === "commit") {
      const changes = this.#transaction;
      this.#transaction = [];
      if (this.#skipped > 0) {
        this.context.log("realtime postgres changes skipped: transaction too large", {
          skipped: this.#skipped,
        });
        this.#skipped = 0;
      }
      if (changes.length === 0) return;
      if (this.#queued + changes.length > MAX_QUEUED_CHANGES) {
        this.context.log("realtime postgres changes skipped: subscribers' checks fell behind", {
          skipped: changes.length,
        });
        return;
      }
      this.#queued += changes.length;
      const at = message.timestamp;
      this.#queue = this.#queue.then(() => this.#dispatch(changes, at)).catch((error) => {
        this.context.log("realtime postgres changes dispatch failed", { error: String(error) });
      }).finally(() => this.#queued -= changes.length);
      return;
    }
    if (this.#bindings.size === 0) return;
    if (this.#transaction.length >= MAX_CHANGES_PER_TRANSACTION) {
      this.#skipped++;
      return;
    }
    const relation = this.#relations.get(message.relationOid);
    if (!relation) return;
    switch (message.kind) {
      case "insert":
        this.#transaction.push({
          relation,
          type: "INSERT",
          record: tupleRecord(relation, message.row),
        });
        return;
      case "update":
        this.#transaction.push({
          relation,
          type: "UPDATE",
          record: tupleRecord(relation, message.row),
          old: message.old && tupleRecord(relation, message.old),
        });
        return;
      case "delete":
        this.#transaction.push({
          relation,
          type: "DELETE",
          old: tupleRecord(relation, message.old),
        });
        return;
    }
  }

  #describe(relation: WalRelation): Promise<DescribedTable> {
    let table = this.#tables.get(relation);
    if (!table) {
      table = describeTable(this.context.sql, relation);
      table.catch(() => this.#tables.delete(relation));
      this.#tables.set(relation, table);
    }
    return table;
  }

  #claimKey(claims: TokenClaims): string {
    let key = this.#claimKeys.get(claims);
    if (key === undefined) this.#claimKeys.set(claims, key = JSON.stringify(claims));
    return key;
  }

  async #dispatch(changes: Change[], at: Date): Promise<void> {
    // Who wants what, before any query: most commits interest nobody.
    const wanted: { change: Change; table: DescribedTable; matches: Match[] }[] = [];
    for (const change of changes) {
      if (this.#bindings.size === 0) return;
      const table = await this.#describe(change.relation);
      const facts = {
        schema: change.relation.schema,
        table: change.relation.table,
        type: change.type,
        record: (change.type === "DELETE" ? change.old : change.record) ?? {},
        types: table.types,
      };
      const matches: Match[] = [];
      for (const [subscriber, bindings] of this.#bindings) {
        const ids = bindings.filter((binding) => bindingMatches(binding, facts)).map((b) => b.id);
        if (ids.length > 0) matches.push({ subscriber, ids, claims: subscriber.claims });
      }
      if (matches.length > 0) wanted.push({ change, table, matches });
    }
    if (wanted.length === 0) return;

    const access = await this.#evaluateAccess(wanted);
    const timestamp = at.toISOString();
    for (const { change, table, matches } of wanted) {
      const frames = new Map<string, string>();
      for (const match of matches) {
        const claimKey = this.#claimKey(match.claims);
        const granted = access.get(`${table.relation.oid}\0${claimKey}`);
        if (!granted) continue; // the claims' role could not be taken: nothing is shown
        const data = changeData(change, table, granted, timestamp);
        if (!data) continue; // a row its policies hide
        if (this.context.events.over()) {
          this.context.log("realtime postgres change dropped: too many messages per second");
          continue;
        }
        const { vsn } = match.subscriber.host;
        const frameKey = `${claimKey}\0${vsn}\0${match.subscriber.topic}\0${match.ids.join(",")}`;
        let frame = frames.get(frameKey);
        if (frame === undefined) {
          frame = encodeText({
            joinRef: null,
            ref: null,
            topic: match.subscriber.topic,
            event: "postgres_changes",
            payload: { ids: match.ids, data },
          }, vsn);
          frames.set(frameKey, frame);
        }
        match.subscriber.host.send(frame);
        this.context.events.add(1);
      }
    }
  }

  // One access evaluation per table and distinct claims in this commit.
  async #evaluateAccess(
    wanted: { change: Change; table: DescribedTable; matches: Match[] }[],
  ): Promise<Map<string, TableAccess>> {
    const groups = new Map<
      string,
      { table: DescribedTable; claims: TokenClaims; rows: Set<Record<string, string | null>> }
    >();
    for (const { change, table, matches } of wanted) {
      for (const { claims } of matches) {
        const key = `${table.relation.oid}\0${this.#claimKey(claims)}`;
        let group = groups.get(key);
        if (!group) groups.set(key, group = { table, claims, rows: new Set() });
        if (table.rowLevelSecurity && change.type !== "DELETE") group.rows.add(change.record!);
      }
    }
    const access = new Map<string, TableAccess>();
    for (const [key, { table, claims, rows }] of groups) {
      try {
        access.set(key, await tableAccess(this.context.sql, table, claims, [...rows]));
      } catch (error) {
        this.context.log("realtime postgres changes access check failed", {
          table: `${table.relation.schema}.${table.relation.table}`,
          role: claims.role,
          error: String(error),
        });
      }
    }
    return access;
  }
}

interface Match {
  subscriber: ChangesSubscriber;
  ids: number[];
  claims: TokenClaims;
}

function pick(
  record: Record<string, string | null>,
  columns: Iterable<string>,
): Record<string, string | null> {
  const picked: Record<string, string | null> = {};
  for (const column of columns) if (column in record) picked[column] = record[column];
  return picked;
}

function byteLength(record: Record<string, string | null> | undefined): number {
  return record ? UTF8.encode(JSON.stringify(record)).length : 0;
}

function smallValuesOnly(record: Record<string, string | null>): Record<string, string | null> {
  const kept: Record<string, string | null> = {};
  for (const [column, value] of Object.entries(record)) {
    if (value === null || UTF8.encode(value).length <= SMALL_VALUE_BYTES) {
      kept[column] = value;
    }
  }
  return kept;
}

/**
 * The `data` of a `postgres_changes` message for one subscriber's access, or undefined when row
 * level security hides the row from it.
 */
function changeData(
  change: Change,
  table: DescribedTable,
  access: TableAccess,
  commitTimestamp: string,
): Record<string, unknown> | undefined {
  const { relation, primaryKey } = table;
  const visibleColumns = relation.columns.filter((c) => access.columns.has(c.name));
  const errors: string[] = [];
  if (primaryKey.length === 0) errors.push("Error 400: Bad Request, no primary key");
  else if (!primaryKey.every((column) => access.columns.has(column))) {
    errors.push("Error 401: Unauthorized");
  } else if (
    table.rowLevelSecurity && change.type !== "DELETE" &&
    !access.visibleRows.has(keyOf(primaryKey, change.record!))
  ) {
    return undefined;
  }
  const names = visibleColumns.map((c) => c.name);
  let record = change.record && pick(change.record, names);
  // Without REPLICA IDENTITY FULL the WAL carries the old key only when it changed; hosted sends
  // the key as old_record either way. A DELETE on a table with RLS shows only the key, as hosted.
  let old = change.type === "INSERT" ? undefined : pick(
    change.old ?? change.record!,
    change.old && !(table.rowLevelSecurity && change.type === "DELETE") ? names : primaryKey,
  );
  if (errors.length > 0) [record, old] = [record && {}, old && {}];
  else if (byteLength(record) + byteLength(old) > MAX_RECORD_BYTES) {
    errors.push("Error 413: Payload Too Large");
    record = record && smallValuesOnly(record);
    old = old && smallValuesOnly(old);
  }
  return {
    schema: relation.schema,
    table: relation.table,
    commit_timestamp: commitTimestamp,
    type: change.type,
    columns: visibleColumns.map((c) => ({ name: c.name, type: table.types[c.name] })),
    ...(record ? { record } : {}),
    ...(old ? { old_record: old } : {}),
    errors: errors.length > 0 ? errors : null,
  };
}
