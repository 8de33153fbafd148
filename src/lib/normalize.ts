/**
 * Answers as plain JSON, driven by the contract's type definitions (nothing here is written per operation).
 *
 * Members come out in schema order; xs:int as numbers (absent -> 0, as WCF defaults them); xs:boolean as booleans;
 * xs:dateTime as ISO-8601 UTC strings; arrays always arrays (absent/nil -> []); every enum member as its wire name
 * plus a sibling `<Member>Code` with the documented number; strings as strings ('' when nil/absent).
 *
 * The input may be what the soap package parsed (strings for dates: the client keeps them raw, see client.ts),
 * the simulator's wire shape (Dates, plain arrays) or an already normalised value: all give the same result.
 */
import {
  DATA_TYPES,
  OPERATIONS,
  enumNumber,
  isDataType,
  isEnumType,
  type ArrayTypeDef,
  type ComplexTypeDef,
  type DataTypeName,
  type MemberDef,
  type OperationName,
} from './contract';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A normalised OpenMediaRequest status record. */
export interface StatusRecord {
  AgentID: number;
  ID: number;
  LogonID: string;
  QueuePosition: number;
  ServiceGroupID: number;
  Status: string;
  StatusCode: number | null;
  TenantID: number;
  TimeStamp: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The text of a parsed leaf: soap gives the text itself, or `{ attributes, $value }` when the element had attributes. */
function leaf(value: unknown): unknown {
  if (isObject(value)) {
    if ('$value' in value) return value.$value;
    // An element that carried only attributes (e.g. xsi:nil) has no value.
    return undefined;
  }
  return value;
}

export function toInt(value: unknown): number {
  const v = leaf(value);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number.parseInt(v.trim(), 10);
    return Number.isNaN(n) ? 0 : n;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

export function toBool(value: unknown): boolean {
  const v = leaf(value);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.trim().toLowerCase() === 'true' || v.trim() === '1';
  if (typeof v === 'number') return v !== 0;
  return false;
}

const ZONE_RE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An xs:dateTime as an ISO-8601 UTC string, or null when there is none. A text without a zone designator (a .NET
 * DateTime of kind Unspecified) is read as UTC, never as the local time of the machine running Node-RED. Fractions
 * beyond milliseconds (.NET writes seven digits) are cut.
 */
export function toIsoDate(value: unknown): string | null {
  const v = leaf(value);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof v !== 'string' || v.trim() === '') return null;
  let text = v.trim().replace(/(\.\d{3})\d+/, '$1');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) && !ZONE_RE.test(text)) text += 'Z';
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function toStr(value: unknown): string {
  const v = leaf(value);
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** Items of an ArrayOf... value: a plain array, soap's `{ ItemName: item | item[] }`, or nothing. */
function itemsOf(def: ArrayTypeDef, value: unknown): unknown[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value)) {
    const items = value[def.itemName];
    if (items === undefined || items === null) return [];
    return Array.isArray(items) ? items : [items];
  }
  return [];
}

function normalizeComplex(def: ComplexTypeDef, value: unknown): { [key: string]: Json } {
  const src = isObject(value) ? value : {};
  const out: { [key: string]: Json } = {};
  for (const member of def.members) {
    normalizeMember(member, src[member.name], out);
  }
  return out;
}

function normalizeMember(member: MemberDef, value: unknown, out: { [key: string]: Json }): void {
  const type = member.type;
  if (isEnumType(type)) {
    const raw = leaf(value);
    // An absent enum is the .NET default, the member numbered 0.
    let name = typeof raw === 'string' && raw !== '' ? raw : defaultEnumName(type);
    name = name.trim();
    out[member.name] = name;
    const code = enumNumber(type, name);
    out[`${member.name}Code`] = code === undefined ? null : code;
    return;
  }
  out[member.name] = normalizeValue(type, value);
}

function defaultEnumName(type: 'OpenMediaRequestStatus' | 'OpenMediaStatus'): string {
  return type === 'OpenMediaRequestStatus' ? 'Success' : 'Unknown';
}

/** Normalises a value of any contract type (an xs: scalar or a data type name). Enums: use a complex parent. */
export function normalizeValue(type: string, value: unknown): Json {
  switch (type) {
    case 'xs:int':
      return toInt(value);
    case 'xs:boolean':
      return toBool(value);
    case 'xs:string':
      return toStr(value);
    case 'xs:dateTime':
      return toIsoDate(value);
    default:
      break;
  }
  if (isEnumType(type)) {
    const raw = leaf(value);
    return typeof raw === 'string' && raw !== '' ? raw : defaultEnumName(type);
  }
  if (!isDataType(type)) throw new TypeError(`unknown contract type ${type}`);
  const def = DATA_TYPES[type as DataTypeName];
  if (def.kind === 'array') {
    return itemsOf(def, value).map((item) => normalizeValue(def.itemType, item));
  }
  return normalizeComplex(def, value);
}

/**
 * The normalised answer of an operation. `raw` may be the response wrapper soap returns (`{ <op>Result: ... }`) or
 * the result itself.
 */
export function normalizeResult(operation: OperationName, raw: unknown): Json {
  const def = OPERATIONS[operation];
  if (!def) throw new TypeError(`unknown operation ${String(operation)}`);
  const resultName = def.result.name;
  let value = raw;
  if (isObject(raw) && Object.prototype.hasOwnProperty.call(raw, resultName)) value = raw[resultName];
  return normalizeValue(def.result.type, value);
}

/** One status record (OpenMediaRequest) in normalised form. */
export function normalizeStatusRecord(raw: unknown): StatusRecord {
  return normalizeValue('OpenMediaRequest', raw) as unknown as StatusRecord;
}
