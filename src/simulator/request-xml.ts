/**
 * The simulator's request reading, on the pack's one XML reading layer (lib/xml-reader.ts): a SOAP request body is
 * read once, driven by the contract, the way WCF's DataContractSerializer reads it.
 *
 *  - Members are read in schema order: an element that is not a member, or a member that comes after a later one
 *    was read (out of order), is skipped, as if it had not been sent (with `strictOrder` false any order is
 *    accepted, the first occurrence wins). Skipped content is still read: it must be well-formed, and it is bounded
 *    like everything else (UNKNOWN_CONTENT_DEPTH below where it starts).
 *  - A value that does not fit its type (text that is no int, an element inside a value, nil where the type has no
 *    nil) is a deserialisation error: `decodeError`, which the server answers as WCF does (a:DeserializationFailed).
 *  - A body the layer refuses (not valid UTF-8, not well-formed, a DOCTYPE, characters XML 1.0 cannot carry, deeper
 *    than the contract's requests go plus the margin, the layer's size limits) is `malformed`: WCF answers such a
 *    message with HTTP 400 and so does the server.
 */
import {
  DATA_TYPES,
  ENUMS,
  LIMITS,
  NS,
  OPERATION_NAMES,
  OPERATIONS,
  PORT_TYPE_NAME,
  isDataType,
  isEnumType,
  typeDepth,
  type ArrayTypeDef,
  type ComplexTypeDef,
  type MemberDef,
  type OperationName,
} from '../lib/contract';
import { CLOSE, END, NS_SOAP12, OPEN, XmlContentError, XmlCursor, XmlReadError, decodeUtf8, limitsForDepth } from '../lib/xml-reader';

/** What reading a request body found; the server decides the answer from it. */
export interface RequestReading {
  /** The layer refused the body (a fixed reason, never text of the body): answered 400. */
  malformed?: string;
  /** The root element: a SOAP 1.1 or 1.2 Envelope, or something else. */
  envelope?: 'soap11' | 'soap12' | 'other';
  /** A Body was found in the SOAP 1.1 envelope. */
  hasBody: boolean;
  /** The Body's first element. */
  wrapper?: { ns: string; local: string };
  /** From the SOAPAction header when there is one, else from the wrapper's name; null when neither names one. */
  operation: OperationName | null;
  /** The operation's arguments, when the wrapper was the operation's and every value could be read. */
  args?: Record<string, unknown>;
  /** Why the arguments could not be read (the WCF formatter's complaint). */
  decodeError?: string;
  logonId?: string;
  password?: string;
}

/** A value that does not fit its type: becomes `decodeError`. */
class DecodeError extends Error {}

export const ACTION_PREFIX = `${NS.tempuri}${PORT_TYPE_NAME}/`;

/** The operation a SOAPAction names, if it names one of the contract's. */
export function operationOfAction(action: string): OperationName | undefined {
  if (!action.startsWith(ACTION_PREFIX)) return undefined;
  const name = action.slice(ACTION_PREFIX.length);
  return (OPERATION_NAMES as string[]).includes(name) ? (name as OperationName) : undefined;
}

/** Envelope > Body > <Operation>: the wrapper's members start below this depth. */
const WRAPPER_DEPTH = 3;
const REQUEST_LIMITS = limitsForDepth(
  WRAPPER_DEPTH + Math.max(...Object.values(OPERATIONS).flatMap((def) => def.input.map((member) => 1 + typeDepth(member.type)))),
);

/** A text of the request as it may appear in a fault: bounded. */
function quoted(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

/** The text of a value's element; an element inside it is a deserialisation error. */
function valueText(r: XmlCursor, type: string, path: string): string {
  try {
    return r.readText();
  } catch (err) {
    if (err instanceof XmlContentError) throw new DecodeError(`${path}: element content where ${type} text was expected`);
    throw err;
  }
}

function scalarValue(type: string, raw: string, path: string): unknown {
  switch (type) {
    case 'xs:string':
      return raw;
    case 'xs:int': {
      const t = raw.trim();
      if (!/^[+-]?\d+$/.test(t)) throw new DecodeError(`${path}: the value '${quoted(t)}' cannot be parsed as the type 'Int32'`);
      const n = Number(t);
      if (n < LIMITS.intMin || n > LIMITS.intMax) throw new DecodeError(`${path}: the value '${quoted(t)}' is out of range of 'Int32'`);
      return n;
    }
    case 'xs:boolean': {
      const t = raw.trim();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw new DecodeError(`${path}: the value '${quoted(t)}' cannot be parsed as the type 'Boolean'`);
    }
    case 'xs:dateTime': {
      const t = raw.trim();
      const match = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(t);
      // No time zone: WCF reads it as an unspecified (local) time; the simulator's service runs in UTC.
      const date = match ? new Date(match[8] ? t : `${t}Z`) : new Date(NaN);
      if (Number.isNaN(date.getTime())) throw new DecodeError(`${path}: the value '${quoted(t)}' cannot be parsed as the type 'DateTime'`);
      return date;
    }
    default: {
      if (isEnumType(type)) {
        const t = raw.trim();
        if (!Object.prototype.hasOwnProperty.call(ENUMS[type], t)) {
          throw new DecodeError(`${path}: invalid enum value '${quoted(t)}' for type '${type}'`);
        }
        return t;
      }
      throw new DecodeError(`${path}: unsupported type ${type}`);
    }
  }
}

/** The members of the element just opened (a sequence), read in schema order as WCF does (see the top). */
function readMembers(r: XmlCursor, members: readonly MemberDef[], ns: string, strictOrder: boolean, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const depth = r.depth;
  let cursor = 0;
  for (;;) {
    const t = r.next();
    if (t === CLOSE && r.depth < depth) return out;
    if (t !== OPEN) continue;
    let index = -1;
    if (r.ns === ns) {
      for (let k = strictOrder ? cursor : 0; k < members.length; k++) {
        if (members[k].name === r.local) {
          index = k;
          break;
        }
      }
    }
    if (index < 0 || Object.prototype.hasOwnProperty.call(out, members[index].name)) {
      r.skipElement();
      continue;
    }
    const member = members[index];
    out[member.name] = readValue(r, member, strictOrder, `${path}.${member.name}`);
    if (strictOrder) cursor = index + 1;
  }
}

/** The value of the element just opened, of `member`'s type. Recursion follows the contract's types, not the body. */
function readValue(r: XmlCursor, member: MemberDef, strictOrder: boolean, path: string): unknown {
  const type = member.type;
  if (r.isNil()) {
    if (!member.nillable) throw new DecodeError(`${path}: nil is not allowed for the type ${type}`);
    valueText(r, type, path);
    return null;
  }
  if (!isDataType(type)) return scalarValue(type, valueText(r, type, path), path);
  const def = DATA_TYPES[type] as ComplexTypeDef | ArrayTypeDef;
  if (def.kind === 'complex') return readMembers(r, def.members, def.ns, strictOrder, path);
  const items: unknown[] = [];
  const itemMember: MemberDef = { name: def.itemName, type: def.itemType, nillable: def.itemNillable };
  const depth = r.depth;
  for (;;) {
    const t = r.next();
    if (t === CLOSE && r.depth < depth) return items;
    if (t !== OPEN) continue;
    if (r.ns !== def.ns || r.local !== def.itemName) r.skipElement();
    else items.push(readValue(r, itemMember, strictOrder, `${path}[${items.length}]`));
  }
}

/** The authentication headers (LogonID, Password) of the Header just opened; other header blocks are skipped. */
function readHeader(r: XmlCursor, into: RequestReading): void {
  const depth = r.depth;
  for (;;) {
    const t = r.next();
    if (t === CLOSE && r.depth < depth) return;
    if (t !== OPEN) continue;
    const local: string = r.local;
    if (r.ns === NS.authHeaders && (local === 'LogonID' || local === 'Password')) {
      const text = valueText(r, 'xs:string', `Header.${local}`);
      if (local === 'LogonID') into.logonId ??= text;
      else into.password ??= text;
    } else {
      r.skipElement();
    }
  }
}

/** The Body just opened: its first element is the operation's wrapper. */
function readBody(r: XmlCursor, into: RequestReading, headerAction: string | undefined, strictOrder: boolean): void {
  const depth = r.depth;
  for (;;) {
    const t = r.next();
    if (t === CLOSE && r.depth < depth) return;
    if (t !== OPEN) continue;
    if (into.wrapper) {
      r.skipElement();
      continue;
    }
    const wrapper = { ns: r.ns, local: r.local };
    into.wrapper = wrapper;
    if (headerAction) into.operation = operationOfAction(headerAction) ?? null;
    else if (wrapper.ns === NS.tempuri) into.operation = operationOfAction(ACTION_PREFIX + wrapper.local) ?? null;
    const operation = into.operation;
    if (operation && wrapper.ns === NS.tempuri && wrapper.local === operation) {
      into.args = readMembers(r, OPERATIONS[operation].input, NS.tempuri, strictOrder, operation);
    } else {
      r.skipElement();
    }
  }
}

/** The whole document: the root must be a SOAP 1.1 Envelope; its Header and Body are read, the rest skipped. */
function readEnvelope(r: XmlCursor, into: RequestReading, headerAction: string | undefined, strictOrder: boolean): void {
  for (;;) {
    const t = r.next();
    if (t === END) return;
    if (t !== OPEN) continue;
    const local: string = r.local;
    if (r.depth === 1) {
      into.envelope = local !== 'Envelope' ? 'other' : r.ns === NS.soapEnvelope ? 'soap11' : r.ns === NS_SOAP12 ? 'soap12' : 'other';
      if (into.envelope !== 'soap11') r.skipElement();
    } else if (r.ns === NS.soapEnvelope && local === 'Header') {
      readHeader(r, into);
    } else if (r.ns === NS.soapEnvelope && local === 'Body' && !into.hasBody) {
      into.hasBody = true;
      readBody(r, into, headerAction, strictOrder);
    } else {
      r.skipElement();
    }
  }
}

/**
 * Reads a request body. `headerAction` is the SOAPAction header's value (quotes removed), when there was one.
 * Never throws: whatever is wrong is in the result.
 */
export function readRequest(body: Buffer | string, headerAction: string | undefined, strictOrder: boolean): RequestReading {
  const reading: RequestReading = { hasBody: false, operation: headerAction ? operationOfAction(headerAction) ?? null : null };
  try {
    const r = new XmlCursor(typeof body === 'string' ? body : decodeUtf8(body), REQUEST_LIMITS);
    try {
      readEnvelope(r, reading, headerAction, strictOrder);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      reading.decodeError = err.message;
      reading.args = undefined;
      // The rest must still be well-formed: an unreadable message is answered as such, whatever came before.
      r.finish();
    }
  } catch (err) {
    if (!(err instanceof XmlReadError)) throw err;
    reading.malformed = err.message;
  }
  return reading;
}
