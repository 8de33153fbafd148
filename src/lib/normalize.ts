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

const ZONE_RE = /(?:Z|[+-]\d{2}:?\d{2})\s*$/i;
/** Longer than any xs:dateTime a server writes (with 7 fraction digits and an offset: 33), whitespace allowed. */
const MAX_DATE_TEXT = 64;

/**
 * An xs:dateTime as an ISO-8601 UTC string, or null when there is none. A text without a zone designator (a .NET
 * DateTime of kind Unspecified) is read as UTC, never as the local time of the machine running Node-RED. Fractions
 * beyond milliseconds (.NET writes seven digits) are cut. The text comes from the server: a longer one than a date
 * can be is no date (and never reaches the regular expressions).
 */
export function toIsoDate(value: unknown): string | null {
  const v = leaf(value);
  if (typeof v === 'string') {
    if (v === '' || v.length > MAX_DATE_TEXT) return null;
    // V8 reads any number of fraction digits (keeping milliseconds) and every zone designator form .NET writes.
    let ms = Date.parse(v);
    if (!ZONE_RE.test(v) && /^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) ms = Date.parse(`${v.trim()}Z`);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
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

type Normalizer = (value: unknown) => Json;

function defaultEnumName(type: 'OpenMediaRequestStatus' | 'OpenMediaStatus'): string {
  return type === 'OpenMediaRequestStatus' ? 'Success' : 'Unknown';
}

function enumName(type: 'OpenMediaRequestStatus' | 'OpenMediaStatus', value: unknown): string {
  const raw = leaf(value);
  // An absent enum is the .NET default, the member numbered 0.
  return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : defaultEnumName(type);
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** One normaliser per contract type, built from the contract on first use and kept. */
const compiled = new Map<string, Normalizer>();

function normalizerOf(type: string): Normalizer {
  let fn = compiled.get(type);
  if (!fn) {
    fn = compile(type);
    compiled.set(type, fn);
  }
  return fn;
}

function compile(type: string): Normalizer {
  switch (type) {
    case 'xs:int':
      return toInt;
    case 'xs:boolean':
      return toBool;
    case 'xs:string':
      return toStr;
    case 'xs:dateTime':
      return toIsoDate;
    default:
      break;
  }
  if (isEnumType(type)) return (value) => enumName(type, value);
  if (!isDataType(type)) throw new TypeError(`unknown contract type ${type}`);
  const def = DATA_TYPES[type as DataTypeName];
  if (def.kind === 'array') return compileArray(def);
  return compileComplex(def);
}

function compileArray(def: ArrayTypeDef): Normalizer {
  let item: Normalizer | undefined;
  return (value) => {
    item ??= normalizerOf(def.itemType);
    const items = itemsOf(def, value);
    const out: Json[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = item(items[i]);
    return out;
  };
}

interface Step {
  name: string;
  /** For an enum member: its type (the Code sibling is written too). */
  enumType?: 'OpenMediaRequestStatus' | 'OpenMediaStatus';
  codeName?: string;
  fn?: Normalizer;
  type: string;
}

function compileComplex(def: ComplexTypeDef): Normalizer {
  const steps: Step[] = def.members.map((m: MemberDef) =>
    isEnumType(m.type) ? { name: m.name, type: m.type, enumType: m.type, codeName: `${m.name}Code` } : { name: m.name, type: m.type },
  );
  return (value) => {
    const src = isObject(value) ? value : EMPTY;
    const out: { [key: string]: Json } = {};
    for (const step of steps) {
      const v = src[step.name];
      if (step.enumType) {
        const name = enumName(step.enumType, v);
        out[step.name] = name;
        const code = enumNumber(step.enumType, name);
        out[step.codeName as string] = code === undefined ? null : code;
      } else {
        step.fn ??= normalizerOf(step.type);
        out[step.name] = step.fn(v);
      }
    }
    return out;
  };
}

/** Normalises a value of any contract type (an xs: scalar, an enum or a data type name). */
export function normalizeValue(type: string, value: unknown): Json {
  return normalizerOf(type)(value);
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
