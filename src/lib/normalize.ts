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

/**
 * An xs:dateTime as an ISO-8601 UTC string, or null when there is none. A text without a zone designator (a .NET
 * DateTime of kind Unspecified) is read as UTC, never as the local time of the machine running Node-RED. Fractions
 * beyond milliseconds (.NET writes seven digits) are cut.
 */
export function toIsoDate(value: unknown): string | null {
  const v = leaf(value);
  if (typeof v === 'string') {
    if (v === '') return null;
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

// ---------------------------------------------------------------------------------------------------------------
// Reading a SOAP answer straight from its XML, driven by the contract.
//
// The soap package parses an answer with sax into a generic object tree, typed from the WSDL, which normalizeResult
// then walks again. For the answers of this one service that is most of a call's CPU (and a 100k-record by-time
// answer builds millions of short-lived objects). This reader walks the XML once and builds, per contract type, just
// what normalizeValue reads: text for scalars and enums (null for xsi:nil), a plain object per complex type (its
// members by local name, unknown elements skipped), a plain array per ArrayOf... type. Element prefixes may be
// anything a server chooses: elements are matched by local name inside the structure the contract gives, the SOAP
// envelope's elements and xsi:nil by their namespace. CDATA, character and the five predefined entity references
// are decoded; comments and processing instructions are skipped; a DOCTYPE, a mismatched tag or any other
// well-formedness error is a ResponseXmlError.

const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const NS_XML = 'http://www.w3.org/XML/1998/namespace';

/** The answer is not well-formed XML, or not a SOAP envelope of the expected shape. */
export class ResponseXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseXmlError';
  }
}

/** A SOAP Fault read from an answer, in the shape the soap package gives its errors (`root.Envelope.Body.Fault`). */
export class ResponseFault extends Error {
  readonly root: { Envelope: { Body: { Fault: { faultcode?: string; faultstring?: string; detail?: Record<string, unknown> } } } };
  constructor(faultcode: string | undefined, faultstring: string | undefined, detailName: string | undefined) {
    super(`${faultcode ?? 'soap:Fault'}: ${faultstring ?? ''}`);
    this.name = 'ResponseFault';
    this.root = { Envelope: { Body: { Fault: { faultcode, faultstring, detail: detailName === undefined ? undefined : { [detailName]: {} } } } } };
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]{1,10});/g, (_m, name: string) => {
    if (name.charCodeAt(0) === 35 /* # */) {
      const code = name.charCodeAt(1) === 120 /* x */ ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff || /[^0-9a-fA-F]/.test(name.slice(name.charCodeAt(1) === 120 ? 2 : 1))) {
        throw new ResponseXmlError(`invalid character reference &${name};`);
      }
      return String.fromCodePoint(code);
    }
    const v = ENTITIES[name];
    if (v === undefined) throw new ResponseXmlError(`unknown entity &${name};`);
    return v;
  });
}

const T_OPEN = 1;
const T_CLOSE = 2;
const T_TEXT = 3;
const T_END = 4;

/** A pull reader over one XML document: open / close / text tokens, with a namespace scope for the few lookups. */
class XmlReader {
  private pos = 0;
  /** qnames of the open elements (to check the close tags). */
  private readonly open: string[] = [];
  /** Namespace declarations in scope: [depth, prefix, uri] (prefix '' = the default namespace). */
  private readonly scope: Array<[number, string, string]> = [];
  // The current token.
  local = '';
  prefix = '';
  /** The raw attribute text of the current open tag ('' when it has none). */
  attrs = '';
  selfClosing = false;
  text = '';
  private pendingClose = false;

  constructor(private readonly xml: string) {
    if (xml.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  get depth(): number {
    return this.open.length;
  }

  localName(): string {
    return this.local;
  }

  next(): number {
    if (this.pendingClose) {
      // The close of a self-closing tag.
      this.pendingClose = false;
      this.popElement();
      return T_CLOSE;
    }
    const xml = this.xml;
    const lt = xml.indexOf('<', this.pos);
    if (lt !== this.pos) {
      const end = lt < 0 ? xml.length : lt;
      const raw = xml.slice(this.pos, end);
      this.pos = end;
      if (this.open.length === 0) {
        if (raw.trim() !== '') throw new ResponseXmlError('text outside the root element');
        if (lt < 0) return T_END;
        return this.next();
      }
      if (lt < 0) throw new ResponseXmlError('the document ends inside an element');
      this.text = raw.indexOf('&') >= 0 ? decodeEntities(raw) : raw;
      if (raw.indexOf(']]>') >= 0) throw new ResponseXmlError("']]>' in text");
      return T_TEXT;
    }
    const c = xml.charCodeAt(lt + 1);
    if (c === 47 /* / */) {
      const gt = xml.indexOf('>', lt + 2);
      if (gt < 0) throw new ResponseXmlError('unterminated close tag');
      const qname = xml.slice(lt + 2, gt).trimEnd();
      const top = this.open[this.open.length - 1];
      if (qname !== top) throw new ResponseXmlError(`</${qname}> does not close <${top ?? '(nothing)'}>`);
      this.pos = gt + 1;
      this.popElement();
      return T_CLOSE;
    }
    if (c === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end < 0) throw new ResponseXmlError('unterminated comment');
        this.pos = end + 3;
        return this.next();
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        if (this.open.length === 0) throw new ResponseXmlError('CDATA outside the root element');
        const end = xml.indexOf(']]>', lt + 9);
        if (end < 0) throw new ResponseXmlError('unterminated CDATA section');
        this.text = xml.slice(lt + 9, end);
        this.pos = end + 3;
        return T_TEXT;
      }
      throw new ResponseXmlError('a DOCTYPE or other declaration is not allowed in a SOAP message');
    }
    if (c === 63 /* ? */) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new ResponseXmlError('unterminated processing instruction');
      this.pos = end + 2;
      return this.next();
    }
    // An open tag. '>' may appear inside attribute values: find the first '>' outside quotes.
    let gt = xml.indexOf('>', lt + 1);
    if (gt < 0) throw new ResponseXmlError('unterminated tag');
    let i = lt + 1;
    const n = xml.length;
    while (i < n) {
      const ch = xml.charCodeAt(i);
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 47 || ch === 62) break;
      i++;
    }
    const qname = xml.slice(lt + 1, i);
    if (qname === '') throw new ResponseXmlError('an empty tag name');
    if (gt > i) {
      const q1 = xml.indexOf('"', i);
      const q2 = xml.indexOf("'", i);
      if ((q1 >= 0 && q1 < gt) || (q2 >= 0 && q2 < gt)) gt = this.tagEnd(i);
    }
    this.selfClosing = xml.charCodeAt(gt - 1) === 47;
    this.attrs = xml.slice(i, this.selfClosing ? gt - 1 : gt).trim();
    this.pos = gt + 1;
    if (this.open.length === 0 && this.closedRoot) throw new ResponseXmlError('a second root element');
    this.open.push(qname);
    this.setName(qname);
    if (this.attrs !== '') this.readDeclarations();
    // After the tag's own declarations: a prefix bound nowhere makes the document not namespace-well-formed.
    if (this.prefix !== '' && this.lookup(this.prefix) === undefined) {
      throw new ResponseXmlError(`the prefix of <${qname}> is not declared`);
    }
    if (this.selfClosing) this.pendingClose = true;
    return T_OPEN;
  }

  private closedRoot = false;

  private popElement(): void {
    const depth = this.open.length;
    this.open.pop();
    while (this.scope.length > 0 && this.scope[this.scope.length - 1][0] === depth) this.scope.pop();
    if (this.open.length === 0) this.closedRoot = true;
  }

  /** The '>' ending the tag whose attributes start at `from`, skipping quoted values. */
  private tagEnd(from: number): number {
    const xml = this.xml;
    let quote = 0;
    for (let i = from; i < xml.length; i++) {
      const ch = xml.charCodeAt(i);
      if (quote) {
        if (ch === quote) quote = 0;
      } else if (ch === 34 || ch === 39) {
        quote = ch;
      } else if (ch === 62) {
        return i;
      } else if (ch === 60) {
        throw new ResponseXmlError("'<' inside a tag");
      }
    }
    throw new ResponseXmlError('unterminated tag');
  }

  private setName(qname: string): void {
    const colon = qname.indexOf(':');
    if (colon < 0) {
      this.prefix = '';
      this.local = qname;
    } else {
      this.prefix = qname.slice(0, colon);
      this.local = qname.slice(colon + 1);
    }
  }

  private static readonly ATTR_RE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

  /** Every attribute of the current tag as [qname, decoded value]. */
  attributes(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const re = XmlReader.ATTR_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(this.attrs))) {
      if (this.attrs.slice(consumed, m.index).trim() !== '') throw new ResponseXmlError('malformed attributes');
      consumed = m.index + m[0].length;
      const raw = m[2] ?? m[3] ?? '';
      if (raw.indexOf('<') >= 0) throw new ResponseXmlError("'<' in an attribute value");
      out.push([m[1], raw.indexOf('&') >= 0 ? decodeEntities(raw) : raw]);
    }
    if (this.attrs.slice(consumed).trim() !== '') throw new ResponseXmlError('malformed attributes');
    return out;
  }

  private readDeclarations(): void {
    // Attributes other than declarations are only read when asked for (isNil).
    if (this.attrs.indexOf('xmlns') < 0) return;
    const depth = this.open.length;
    for (const [name, value] of this.attributes()) {
      if (name === 'xmlns') this.scope.push([depth, '', value]);
      else if (name.startsWith('xmlns:')) this.scope.push([depth, name.slice(6), value]);
    }
  }

  /** The namespace URI bound to `prefix` here ('' prefix: the default namespace); undefined when unbound. */
  lookup(prefix: string): string | undefined {
    if (prefix === 'xml') return NS_XML;
    for (let i = this.scope.length - 1; i >= 0; i--) {
      if (this.scope[i][1] === prefix) return this.scope[i][2];
    }
    return prefix === '' ? '' : undefined;
  }

  /** The namespace of the current element. */
  get ns(): string | undefined {
    return this.lookup(this.prefix);
  }

  /** True when the current open tag carries xsi:nil="true". */
  isNil(): boolean {
    if (this.attrs === '' || this.attrs.indexOf('nil') < 0) return false;
    for (const [name, value] of this.attributes()) {
      const colon = name.indexOf(':');
      if (colon < 0 || name.slice(colon + 1) !== 'nil') continue;
      if (this.lookup(name.slice(0, colon)) === NS_XSI) return value.trim() === 'true' || value.trim() === '1';
    }
    return false;
  }

  /** Skips the rest of the element just opened (its children and its close tag). */
  skipElement(): void {
    const depth = this.depth;
    for (;;) {
      const t = this.next();
      if (t === T_CLOSE && this.depth < depth) return;
      if (t === T_END) throw new ResponseXmlError('the document ends inside an element');
    }
  }

  /** The text content of the element just opened (child elements skipped), up to its close tag. */
  readText(): string {
    const depth = this.depth;
    let text = '';
    for (;;) {
      const t = this.next();
      if (t === T_TEXT) {
        if (this.depth === depth) text += this.text;
      } else if (t === T_CLOSE) {
        if (this.depth < depth) return text;
      } else if (t === T_END) {
        throw new ResponseXmlError('the document ends inside an element');
      }
    }
  }
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

/**
 * The value of the element just opened, as normalizeValue reads it: text for scalars and enums, an object per
 * complex type, an array per array type; null for xsi:nil. Consumes the element up to its close tag.
 */
function readTyped(r: XmlReader, type: string): unknown {
  if (r.isNil()) {
    r.skipElement();
    return null;
  }
  if (!isDataType(type)) return r.readText();
  const def = DATA_TYPES[type as DataTypeName];
  const depth = r.depth;
  if (def.kind === 'array') {
    const items: unknown[] = [];
    for (;;) {
      const t = r.next();
      if (t === T_OPEN) {
        if (r.local !== def.itemName) {
          r.skipElement();
        } else {
          // A nil item carries nothing (soap leaves it out too).
          const item = readTyped(r, def.itemType);
          if (item !== null) items.push(item);
        }
      } else if (t === T_CLOSE) {
        if (r.depth < depth) return items;
      } else if (t === T_END) {
        throw new ResponseXmlError('the document ends inside an element');
      }
    }
  }
  const index = memberIndex(def);
  const out: Record<string, unknown> = {};
  for (;;) {
    const t = r.next();
    if (t === T_OPEN) {
      const member = index.get(r.local);
      if (member) out[member.name] = readTyped(r, member.type);
      else r.skipElement();
    } else if (t === T_CLOSE) {
      if (r.depth < depth) return out;
    } else if (t === T_END) {
      throw new ResponseXmlError('the document ends inside an element');
    }
  }
}

function readFault(r: XmlReader): ResponseFault {
  const depth = r.depth;
  let faultcode: string | undefined;
  let faultstring: string | undefined;
  let detailName: string | undefined;
  for (;;) {
    const t = r.next();
    if (t === T_OPEN) {
      if (r.depth !== depth + 1) {
        r.skipElement();
        continue;
      }
      if (r.local === 'faultcode') faultcode = r.readText().trim();
      else if (r.local === 'faultstring') faultstring = r.readText();
      else if (r.local === 'Code' || r.local === 'Reason') {
        // SOAP 1.2: <Code><Value>, <Reason><Text>; the first child element holds the text.
        const which: string = r.local;
        const d = r.depth;
        for (;;) {
          const u = r.next();
          const local: string = r.local;
          if (u === T_OPEN) {
            if (which === 'Code' && local === 'Value' && faultcode === undefined) faultcode = r.readText().trim();
            else if (which === 'Reason' && local === 'Text' && faultstring === undefined) faultstring = r.readText();
            else r.skipElement();
          } else if (u === T_CLOSE && r.depth < d) break;
          else if (u === T_END) throw new ResponseXmlError('the document ends inside an element');
        }
      } else if (r.local === 'detail' || r.local === 'Detail') {
        // The first element inside <detail> names the fault.
        const d = r.depth;
        for (;;) {
          const u = r.next();
          if (u === T_OPEN) {
            if (detailName === undefined) detailName = r.local;
            r.skipElement();
          } else if (u === T_CLOSE && r.depth < d) break;
          else if (u === T_END) throw new ResponseXmlError('the document ends inside an element');
        }
      } else r.skipElement();
    } else if (t === T_CLOSE) {
      if (r.depth < depth) return new ResponseFault(faultcode, faultstring, detailName);
    } else if (t === T_END) {
      throw new ResponseXmlError('the document ends inside an element');
    }
  }
}

function expectOpen(r: XmlReader, what: string): void {
  for (;;) {
    const t = r.next();
    if (t === T_OPEN) return;
    if (t === T_TEXT && r.text.trim() === '') continue;
    throw new ResponseXmlError(`expected ${what}`);
  }
}

/**
 * Checks that `xml` is a well-formed, namespace-well-formed SOAP envelope (no DOCTYPE, every prefix declared, the
 * root an Envelope in the SOAP 1.1 or 1.2 namespace) without looking at its content. The soap package's own
 * parser is lenient about all of these; the client's fallback path runs this first so both paths refuse the same
 * broken answers.
 */
export function checkEnvelope(xml: string): void {
  const r = new XmlReader(xml);
  expectOpen(r, 'a SOAP envelope');
  const ns = r.ns;
  if (r.localName() !== 'Envelope' || (ns !== NS_SOAP11 && ns !== NS_SOAP12)) throw new ResponseXmlError('the answer is not a SOAP envelope');
  while (r.next() !== T_END) {
    // reading every token is the check
  }
}

/**
 * Reads the answer of `operation` from its XML. Returns the value normalizeResult takes (the `<op>Result` content
 * in the reader's shape), throws a ResponseFault for a SOAP Fault and a ResponseXmlError for anything else that is
 * not the expected answer. Everything after the Body is still read, so a truncated document is an error.
 */
export function readResponseXml(operation: OperationName, xml: string): unknown {
  const def = OPERATIONS[operation];
  if (!def) throw new TypeError(`unknown operation ${String(operation)}`);
  const r = new XmlReader(xml);
  expectOpen(r, 'a SOAP envelope');
  const envNs = r.ns;
  if (r.localName() !== 'Envelope' || (envNs !== NS_SOAP11 && envNs !== NS_SOAP12)) throw new ResponseXmlError('the answer is not a SOAP envelope');
  let result: unknown;
  let fault: ResponseFault | undefined;
  let sawBody = false;
  for (;;) {
    const t = r.next();
    if (t === T_END) break;
    if (t !== T_OPEN) continue;
    if (r.depth === 2 && r.local === 'Body' && r.ns === envNs) {
      sawBody = true;
      const bodyDepth = r.depth;
      let sawAnswer = false;
      for (;;) {
        const u = r.next();
        if (u === T_CLOSE && r.depth < bodyDepth) break;
        if (u === T_END) throw new ResponseXmlError('the document ends inside the Body');
        if (u !== T_OPEN) continue;
        if (r.localName() === 'Fault' && r.ns === envNs) {
          fault = readFault(r);
          sawAnswer = true;
        } else if (r.local === `${operation}Response` && !sawAnswer) {
          sawAnswer = true;
          const d = r.depth;
          for (;;) {
            const v = r.next();
            if (v === T_CLOSE && r.depth < d) break;
            if (v === T_END) throw new ResponseXmlError('the document ends inside the answer');
            if (v !== T_OPEN) continue;
            if (r.local === def.result.name) result = readTyped(r, def.result.type);
            else r.skipElement();
          }
        } else {
          r.skipElement();
        }
      }
      if (!sawAnswer) throw new ResponseXmlError(`the Body holds no ${operation}Response`);
    } else {
      r.skipElement();
    }
  }
  if (!sawBody) throw new ResponseXmlError('the envelope has no Body');
  if (fault) throw fault;
  // A WCF service always writes the result; without one, defaults would read as an answer (an AddRequest would look
  // accepted with OpenMediaID 0), so an absent or nil result is a bad answer, not a default one.
  if (result === undefined || result === null) throw new ResponseXmlError(`the answer has no ${def.result.name}`);
  return result;
}

/** readResponseXml + normalizeResult: the normalised answer of `operation` from the answer's XML. */
export function parseResponseXml(operation: OperationName, xml: string): Json {
  return normalizeValue(OPERATIONS[operation].result.type, readResponseXml(operation, xml));
}
