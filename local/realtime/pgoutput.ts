/**
 * @module
 * Decodes the messages of Postgres' `pgoutput` logical decoding plugin (protocol version 1):
 * relation, insert, update, delete and commit. Values stay in Postgres' text form, as hosted
 * Realtime hands them to clients (supabase-js casts them by column type).
 */

import type { Buffer } from "node:buffer";

/** A column of a published table. */
export interface WalColumn {
  name: string;
  typeOid: number;
  /** Part of the replica identity (the primary key unless the table says otherwise). */
  isKey: boolean;
}

/** A published table as the stream describes it (sent before its first change). */
export interface WalRelation {
  oid: number;
  schema: string;
  table: string;
  columns: WalColumn[];
}

/** A row's values by column position: text, null (SQL NULL) or undefined (unchanged TOAST). */
export type WalTuple = (string | null | undefined)[];

/** One decoded pgoutput message (begin and the kinds the gateway has no use for are skipped). */
export type WalMessage =
  | { kind: "relation"; relation: WalRelation }
  | { kind: "insert"; relationOid: number; row: WalTuple }
  | { kind: "update"; relationOid: number; row: WalTuple; old?: WalTuple }
  | { kind: "delete"; relationOid: number; old: WalTuple }
  | { kind: "commit"; endLsn: Buffer; timestamp: Date };

// Postgres timestamps count microseconds from 2000-01-01.
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

// TupleData: column count, then per column 'n' (null), 'u' (unchanged TOAST) or 't'/'b' + bytes.
function readTuple(m: Buffer, offset: number): [WalTuple, number] {
  const count = m.readUInt16BE(offset);
  offset += 2;
  const values: WalTuple = [];
  for (let i = 0; i < count; i++) {
    const kind = m[offset++];
    if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
      const length = m.readUInt32BE(offset);
      offset += 4;
      values.push(m.toString("utf8", offset, offset + length));
      offset += length;
    } else {
      values.push(kind === 0x75 /* u */ ? undefined : null);
    }
  }
  return [values, offset];
}

function readRelation(m: Buffer): WalRelation {
  const end = (from: number) => m.indexOf(0, from);
  let i = 5;
  const schema = m.toString("utf8", i, i = end(i));
  const table = m.toString("utf8", i + 1, i = end(i + 1));
  i += 2; // NUL, replica identity setting
  const count = m.readUInt16BE(i);
  i += 2;
  const columns: WalColumn[] = [];
  for (let c = 0; c < count; c++) {
    const isKey = (m[i] & 1) === 1;
    i += 1;
    const name = m.toString("utf8", i, i = end(i));
    const typeOid = m.readUInt32BE(i + 1);
    i += 9; // NUL, type oid, typmod
    columns.push({ name, typeOid, isKey });
  }
  return { oid: m.readUInt32BE(1), schema, table, columns };
}

/**
 * Decodes one pgoutput message (the payload of an XLogData frame, after its 25-byte header).
 *
 * @example
 * ```ts
 * const message = decodePgoutput(frame.subarray(25));
 * if (message?.kind === "insert") console.log(message.row);
 * ```
 */
export function decodePgoutput(m: Buffer): WalMessage | undefined {
  switch (m[0]) {
    case 0x52: // R
      return { kind: "relation", relation: readRelation(m) };
    case 0x49: // I: oid, 'N', new tuple
      return { kind: "insert", relationOid: m.readUInt32BE(1), row: readTuple(m, 6)[0] };
    case 0x55: { // U: oid, optional 'K'/'O' + old tuple, 'N', new tuple
      let old: WalTuple | undefined;
      let offset = 5;
      if (m[offset] === 0x4b /* K */ || m[offset] === 0x4f /* O */) {
        [old, offset] = readTuple(m, offset + 1);
      }
      return {
        kind: "update",
        relationOid: m.readUInt32BE(1),
        row: readTuple(m, offset + 1)[0],
        old,
      };
    }
    case 0x44: // D: oid, 'K'/'O', old tuple
      return { kind: "delete", relationOid: m.readUInt32BE(1), old: readTuple(m, 6)[0] };
    case 0x43: // C: flags, commit LSN, end LSN, commit timestamp
      return {
        kind: "commit",
        endLsn: m.subarray(10, 18),
        timestamp: new Date(POSTGRES_EPOCH_MS + Number(m.readBigInt64BE(18) / 1000n)),
      };
    default:
      return undefined;
  }
}

/**
 * A tuple as an object by column name; unchanged TOAST values are left out.
 *
 * @example
 * ```ts
 * tupleRecord(relation, message.row); // { id: "5", qty: "3" }
 * ```
 */
export function tupleRecord(
  relation: WalRelation,
  tuple: WalTuple,
): Record<string, string | null> {
  const record: Record<string, string | null> = {};
  relation.columns.forEach((column, i) => {
    const value = tuple[i];
    if (value !== undefined) record[column.name] = value;
  });
  return record;
}
