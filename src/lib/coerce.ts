/**
 * Turns what a flow hands a node (numbers as strings, "true", epoch milliseconds, `{label: data}` objects ...) into
 * the wire shape of contract.ts (xs:int -> number, xs:boolean -> boolean, xs:dateTime -> Date, IVRInfo -> array of
 * `{ Label, Data }`). Anything that cannot be read as the kind asked for is an INVALID_INPUT error naming the field.
 *
 * `undefined`, `null` and (for every kind but string) an empty string mean "not given": the coercers return
 * `undefined` and the caller leaves the member out.
 */
import { LIMITS } from './contract';
import { invalidInput, showValue, type OpenMediaError } from './errors';
import type { ParamKind } from './operations';

export interface IVRInformation {
  Label?: string | null;
  Data?: string | null;
}

/** A short, printable rendering of a value for an error message (long text is cut, objects are summarised). */
export function show(value: unknown): string {
  return showValue(value);
}

/**
 * A character XML 1.0 cannot carry (its Char production): a control character other than tab, line feed and
 * carriage return, U+FFFE, U+FFFF, or half of a surrogate pair on its own. A WCF server refuses the whole message
 * when one arrives raw, and an escaper cannot help: `&#0;` is not allowed either.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export interface NonXmlChar {
  /** 1-based position in characters (code points). */
  position: number;
  codePoint: number;
  /** Half of a surrogate pair without its other half. */
  lone: boolean;
}

/** The first character of `text` that XML 1.0 cannot carry, or undefined when there is none. */
export function findNonXmlChar(text: string): NonXmlChar | undefined {
  const m = NOT_XML_CHAR.exec(text);
  if (!m) return undefined;
  const codePoint = m[0].codePointAt(0) as number;
  return { position: Array.from(text.slice(0, m.index)).length + 1, codePoint, lone: codePoint >= 0xd800 && codePoint <= 0xdfff };
}

/** "U+0000 at character 5" / "a lone surrogate U+D800 at character 5". */
export function describeNonXmlChar(found: NonXmlChar): string {
  const hex = `U+${found.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${found.lone ? `half of a surrogate pair (${hex})` : hex} at character ${found.position}`;
}

function fail(field: string, rule: string, value: unknown, message: string, operation?: string): OpenMediaError {
  return invalidInput(field, rule, value, message, operation);
}

export function isAbsent(value: unknown, kind: ParamKind): boolean {
  if (value === undefined || value === null) return true;
  return kind !== 'string' && typeof value === 'string' && value.trim() === '';
}

export function coerceInt(field: string, value: unknown, operation?: string): number | undefined {
  if (isAbsent(value, 'int')) return undefined;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(value)) n = Number(value);
  else if (typeof value === 'bigint') n = Number(value);
  else throw fail(field, 'int', value, `${field} must be a whole number, not ${show(value)}`, operation);
  if (!Number.isInteger(n)) throw fail(field, 'int', value, `${field} must be a whole number, not ${show(value)}`, operation);
  if (n < LIMITS.intMin || n > LIMITS.intMax) {
    throw fail(field, 'int-range', value,
      `${field} is ${show(value)}; it must lie within ${LIMITS.intMin}..${LIMITS.intMax} (xs:int)`, operation);
  }
  return n;
}

export function coerceBoolean(field: string, value: unknown, operation?: string): boolean | undefined {
  if (isAbsent(value, 'boolean')) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  throw fail(field, 'boolean', value, `${field} must be true or false (or 1 / 0), not ${show(value)}`, operation);
}

/** ISO-8601 date-time with an explicit offset or Z (a local time without offset would be a guess). */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function coerceDate(field: string, value: unknown, operation?: string): Date | undefined {
  if (isAbsent(value, 'datetime')) return undefined;
  let d: Date | undefined;
  if (value instanceof Date) d = new Date(value.getTime());
  else if (typeof value === 'number' && Number.isFinite(value)) d = new Date(value);
  else if (typeof value === 'string') {
    const t = value.trim();
    if (/^\d+$/.test(t)) d = new Date(Number(t));
    else if (ISO_WITH_OFFSET.test(t)) d = new Date(t);
    else {
      throw fail(field, 'datetime', value,
        `${field} must be a Date, epoch milliseconds or an ISO-8601 time with Z or an offset, not ${show(value)}`, operation);
    }
  }
  if (!d || Number.isNaN(d.getTime())) {
    throw fail(field, 'datetime', value,
      `${field} must be a Date, epoch milliseconds or an ISO-8601 time with Z or an offset, not ${show(value)}`, operation);
  }
  return d;
}

export function coerceString(field: string, value: unknown, operation?: string): string | undefined {
  if (isAbsent(value, 'string')) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw fail(field, 'string', value, `${field} must be text, not ${show(value)}`, operation);
}

function ivrText(field: string, part: 'Label' | 'Data', value: unknown, operation?: string): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw fail(`${field}.${part}`, 'string', value, `${field} ${part} must be text, not ${show(value)}`, operation);
}

/**
 * IVRInfo: an array of `{ Label, Data }` (or `{ label, data }`), or a plain object `{ label: data, ... }` whose
 * entries become items in their order.
 */
export function coerceIvrInfo(field: string, value: unknown, operation?: string): IVRInformation[] | undefined {
  if (isAbsent(value, 'ivrinfo')) return undefined;
  if (typeof value === 'string') {
    // A JSON text (an env variable, a str typedInput) is read as JSON.
    try {
      return coerceIvrInfo(field, JSON.parse(value), operation);
    } catch (err) {
      if ((err as OpenMediaError).code === 'INVALID_INPUT') throw err;
      throw fail(field, 'ivrinfo', value,
        `${field} must be an array of {Label, Data} or an object {label: data}, not ${show(value)}`, operation);
    }
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        throw fail(`${field}[${i}]`, 'ivrinfo', item, `${field} item ${i + 1} must be an object {Label, Data}, not ${show(item)}`, operation);
      }
      const o = item as Record<string, unknown>;
      const label = ivrText(field, 'Label', 'Label' in o ? o.Label : o.label, operation);
      const data = ivrText(field, 'Data', 'Data' in o ? o.Data : o.data, operation);
      const out: IVRInformation = {};
      if (label !== undefined) out.Label = label;
      if (data !== undefined) out.Data = data;
      return out;
    });
  }
  if (typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.entries(value as Record<string, unknown>).map(([label, data]) => {
      const out: IVRInformation = { Label: label };
      const d = ivrText(field, 'Data', data, operation);
      if (d !== undefined) out.Data = d;
      return out;
    });
  }
  throw fail(field, 'ivrinfo', value,
    `${field} must be an array of {Label, Data} or an object {label: data}, not ${show(value)}`, operation);
}

/** Coerces one value by its table kind; `undefined` means "not given". */
export function coerce(kind: ParamKind, field: string, value: unknown, operation?: string): unknown {
  switch (kind) {
    case 'int':
      return coerceInt(field, value, operation);
    case 'boolean':
      return coerceBoolean(field, value, operation);
    case 'datetime':
      return coerceDate(field, value, operation);
    case 'string':
      return coerceString(field, value, operation);
    case 'ivrinfo':
      return coerceIvrInfo(field, value, operation);
  }
}
