/**
 * Reading a SOAP answer straight from its XML, driven by the contract, on the shared reading layer (xml-reader.ts).
 *
 * The soap package parses an answer with sax into a generic object tree, typed from the WSDL, which normalizeResult
 * then walks again. This reader walks the XML once and builds, per contract type, just what normalizeValue reads:
 * text for scalars and enums (null for xsi:nil), a plain object per complex type (its members by local name), a
 * plain array per ArrayOf... type. Element prefixes may be anything a server chooses: elements are matched by local
 * name inside the structure the contract gives, the SOAP envelope's elements and xsi:nil by their namespace.
 *
 * It refuses (XmlReadError) at the first thing the contract does not allow, on top of what the layer refuses:
 *  - an element deeper than the answer's type can hold, plus UNKNOWN_CONTENT_DEPTH for content nothing describes
 *    (SOAP Header blocks, a fault's detail, an unknown member);
 *  - an element inside a value of a simple type (an int, a string, an enum, a date) or inside a nil element;
 *  - an answer that is not an envelope of the expected operation, or has no result.
 * An element a known complex type does not have (a member added by a newer server), or a member seen a second
 * time, is skipped, as WCF's own DataContractSerializer skips unknown members: its subtree is still read (it must
 * be well-formed), nothing of it is kept, and it is bounded (XmlCursor.skipElement: a few levels deep, a few
 * thousand elements, a few dozen such elements per parent).
 *
 * A value must be what its type allows, as WCF's DataContractSerializer requires (it refuses the whole message
 * otherwise): an xs:int a whole number within 32 bits, an xs:boolean true/false/1/0, an xs:dateTime a date and time
 * in the xs:dateTime form, an enum one of the names the contract defines (an unknown one is refused, never passed on:
 * it is the server's text, and a status would show it). The refusal names the member, never its text.
 */
import {
  DATA_TYPES,
  ENUMS,
  OPERATIONS,
  isDataType,
  isEnumType,
  typeDepth,
  type ComplexTypeDef,
  type DataTypeName,
  type MemberDef,
  type OperationName,
} from './contract';
import { CLOSE, END, NS_SOAP11, NS_SOAP12, OPEN, TEXT, XmlContentError, XmlCursor, XmlReadError, limitsForDepth, type XmlLimits } from './xml-reader';

/** A SOAP Fault read from an answer, in the shape the soap package gives its errors (`root.Envelope.Body.Fault`). */
export class ResponseFault extends Error {
  readonly root: { Envelope: { Body: { Fault: { faultcode?: string; faultstring?: string; detail?: Record<string, unknown> } } } };
  constructor(faultcode: string | undefined, faultstring: string | undefined, detailName: string | undefined) {
    super(`${faultcode ?? 'soap:Fault'}: ${faultstring ?? ''}`);
    this.name = 'ResponseFault';
    this.root = { Envelope: { Body: { Fault: { faultcode, faultstring, detail: detailName === undefined ? undefined : { [detailName]: {} } } } } };
  }
}

/** Envelope > Body > <op>Response > <op>Result: the result's content starts below this depth. */
const RESULT_DEPTH = 4;
/** Envelope > Body > Fault > detail > <FaultName> > its members. */
const FAULT_DEPTH = 6;

const LIMITS = new Map<OperationName, XmlLimits>();

/** The reader's limits for the answer of `operation`: as deep as its result type or a fault goes, plus the margin. */
function answerLimits(operation: OperationName): XmlLimits {
  let limits = LIMITS.get(operation);
  if (!limits) {
    limits = limitsForDepth(Math.max(RESULT_DEPTH + typeDepth(OPERATIONS[operation].result.type), FAULT_DEPTH));
    LIMITS.set(operation, limits);
  }
  return limits;
}

/** Per complex type: its members by element name. */
const MEMBER_INDEX = new Map<ComplexTypeDef, Map<string, MemberDef>>();

function memberIndex(def: ComplexTypeDef): Map<string, MemberDef> {
  let index = MEMBER_INDEX.get(def);
  if (!index) {
    index = new Map(def.members.map((member) => [member.name, member]));
    MEMBER_INDEX.set(def, index);
  }
  return index;
}

// The lexical forms of the XML Schema types, after whitespace is collapsed (xs:int, xs:boolean and xs:dateTime
// collapse it: leading and trailing whitespace is allowed). Anchored, no nested quantifier: linear, and the text
// is bounded by the reader's limits before it gets here.
const INT_FORM = /^[+-]?\d{1,20}$/;
const DATE_TIME_FORM = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
/** The longest xs:dateTime text taken (.NET writes at most 33 characters). */
const MAX_DATE_TIME = 64;

/** `text` as an XML Schema whitespace-collapsed value's ends: without leading and trailing XML whitespace. */
function collapsed(text: string): string {
  return text.trim();
}

/**
 * The text of a scalar or enum element `name` of type `type`, checked against its type's lexical form (see the top
 * of the file); an XmlContentError naming the member otherwise.
 */
function checkedScalar(r: XmlCursor, type: string, name: string, text: string): string {
  const v = collapsed(text);
  let ok: boolean;
  let rule: string;
  switch (type) {
    case 'xs:int': {
      const n = Number(v);
      ok = INT_FORM.test(v) && n >= -2147483648 && n <= 2147483647;
      rule = 'a whole number from -2147483648 to 2147483647';
      break;
    }
    case 'xs:boolean':
      ok = v === 'true' || v === 'false' || v === '1' || v === '0';
      rule = 'true or false';
      break;
    case 'xs:dateTime':
      ok = v.length <= MAX_DATE_TIME && DATE_TIME_FORM.test(v) && !Number.isNaN(Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`));
      rule = 'a date and time (xs:dateTime)';
      break;
    default:
      if (!isEnumType(type)) return text;
      ok = Object.prototype.hasOwnProperty.call(ENUMS[type], v);
      rule = `one of the ${type} values the service defines`;
  }
  if (!ok) throw new XmlContentError(`${name} is not ${rule}`, r.at);
  return isEnumType(type) ? v : text;
}

/**
 * The value of the element just opened (member `name`), as normalizeValue reads it: text for scalars and enums
 * (checked: checkedScalar), an object per complex type, an array per array type; null for xsi:nil. Consumes the
 * element up to its close tag. Recursion follows the contract's types (a few levels), never the document.
 */
function readTyped(r: XmlCursor, type: string, name: string): unknown {
  if (r.isNil()) {
    // A nil element has no content.
    r.readText();
    return null;
  }
  if (!isDataType(type)) return checkedScalar(r, type, name, r.readText());
  const def = DATA_TYPES[type as DataTypeName];
  const depth = r.depth;
  if (def.kind === 'array') {
    const items: unknown[] = [];
    for (;;) {
      const t = r.next();
      if (t === OPEN) {
        if (r.local !== def.itemName) {
          r.skipElement();
        } else {
          // A nil item carries nothing (soap leaves it out too).
          const item = readTyped(r, def.itemType, `${name} item`);
          if (item !== null) items.push(item);
        }
      } else if (t === CLOSE && r.depth < depth) {
        return items;
      }
    }
  }
  const index = memberIndex(def);
  const out: Record<string, unknown> = {};
  for (;;) {
    const t = r.next();
    if (t === OPEN) {
      // A member the type does not have, or one already read, is skipped (WCF keeps the first too).
      const member = index.get(r.local);
      if (member && !Object.prototype.hasOwnProperty.call(out, member.name)) out[member.name] = readTyped(r, member.type, member.name);
      else r.skipElement();
    } else if (t === CLOSE && r.depth < depth) {
      return out;
    }
  }
}

/** The first child element of the element just opened gives the fault's name; the rest is skipped. */
function readDetailName(r: XmlCursor): string | undefined {
  const depth = r.depth;
  let name: string | undefined;
  for (;;) {
    const t = r.next();
    if (t === OPEN) {
      name ??= r.local;
      r.skipElement();
    } else if (t === CLOSE && r.depth < depth) {
      return name;
    }
  }
}

/** SOAP 1.2 <Code><Value> and <Reason><Text>: the text of the child named `child`. */
function readChildText(r: XmlCursor, child: string): string | undefined {
  const depth = r.depth;
  let text: string | undefined;
  for (;;) {
    const t = r.next();
    if (t === OPEN) {
      if (r.local === child && text === undefined) text = r.readText();
      else r.skipElement();
    } else if (t === CLOSE && r.depth < depth) {
      return text;
    }
  }
}

function readFault(r: XmlCursor): ResponseFault {
  const depth = r.depth;
  let faultcode: string | undefined;
  let faultstring: string | undefined;
  let detailName: string | undefined;
  for (;;) {
    const t = r.next();
    if (t === CLOSE && r.depth < depth) return new ResponseFault(faultcode, faultstring, detailName);
    if (t !== OPEN) continue;
    // Each branch reads its element whole; where an element comes twice, the first one counts.
    let value: string | undefined;
    switch (r.local) {
      case 'faultcode': value = r.readText().trim(); faultcode ??= value; break;
      case 'faultstring': value = r.readText(); faultstring ??= value; break;
      case 'Code': value = readChildText(r, 'Value')?.trim(); faultcode ??= value; break;
      case 'Reason': value = readChildText(r, 'Text'); faultstring ??= value; break;
      case 'detail':
      case 'Detail': value = readDetailName(r); detailName ??= value; break;
      default: r.skipElement();
    }
  }
}

/** Reads the prolog and the root's start tag, which must be a SOAP 1.1 or 1.2 Envelope; returns its namespace. */
function openEnvelope(r: XmlCursor): string {
  for (;;) {
    const t = r.next();
    if (t === OPEN) break;
    if (t !== TEXT) r.fail('not a SOAP envelope');
  }
  if (r.local !== 'Envelope' || (r.ns !== NS_SOAP11 && r.ns !== NS_SOAP12)) r.fail('not a SOAP envelope');
  return r.ns;
}

/**
 * Reads the answer of `operation` from its XML. Returns the value normalizeResult takes (the `<op>Result` content
 * in the reader's shape), throws a ResponseFault for a SOAP Fault and an XmlReadError for anything else that is not
 * the expected answer. Everything after the Body is still read, so a truncated document is an error.
 */
export function readResponseXml(operation: OperationName, xml: string): unknown {
  const def = OPERATIONS[operation];
  if (!def) throw new TypeError(`unknown operation ${String(operation)}`);
  const r = new XmlCursor(xml, answerLimits(operation));
  const envNs = openEnvelope(r);
  let result: unknown;
  let fault: ResponseFault | undefined;
  let sawBody = false;
  for (;;) {
    const t = r.next();
    if (t === END) break;
    if (t !== OPEN) continue;
    if (r.depth !== 2 || r.local !== 'Body' || r.ns !== envNs) {
      r.skipElement();
      continue;
    }
    sawBody = true;
    let sawAnswer = false;
    for (;;) {
      const u = r.next();
      if (u === CLOSE && r.depth < 2) break;
      if (u !== OPEN) continue;
      const local: string = r.local;
      if (sawAnswer) {
        r.skipElement();
      } else if (local === 'Fault' && r.ns === envNs) {
        sawAnswer = true;
        fault = readFault(r);
      } else if (local === `${operation}Response`) {
        sawAnswer = true;
        for (;;) {
          const v = r.next();
          if (v === CLOSE && r.depth < 3) break;
          if (v !== OPEN) continue;
          if (r.local === def.result.name) result = readTyped(r, def.result.type, def.result.name);
          else r.skipElement();
        }
      } else {
        r.skipElement();
      }
    }
    if (!sawAnswer) throw new XmlReadError(`the Body holds no ${operation}Response`);
  }
  if (!sawBody) throw new XmlReadError('the envelope has no Body');
  if (fault) throw fault;
  // A WCF service always writes the result; without one, defaults would read as an answer (an AddRequest would look
  // accepted with OpenMediaID 0), so an absent or nil result is a bad answer, not a default one.
  if (result === undefined || result === null) throw new XmlReadError(`the answer has no ${def.result.name}`);
  return result;
}

/**
 * True when the root element of `text` is named Envelope: the transport tells a SOAP answer from anything else (an
 * HTML error page, an empty body) with it, before the body is read as an answer.
 */
export function looksLikeEnvelope(text: string): boolean {
  return XmlCursor.rootLocalName(text) === 'Envelope';
}
