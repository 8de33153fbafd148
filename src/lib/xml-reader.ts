/**
 * The pack's one XML reading layer: a pull tokenizer with namespace scopes and hard limits, under the client's
 * contract-driven answer reader (read-answer.ts) and the simulator's request reader (simulator/request-xml.ts).
 *
 * Why hand-written and not a library (measured, see docs/PERFORMANCE.md "Choosing the tokenizer"): a SAX library
 * decodes a whole token (a text node, a comment, an attribute list) before its handler sees it, so it cannot stop
 * at a bound in the middle of one; saxes costs 3-8x a normal answer on some hostile 2 MB inputs for that reason,
 * sax (in the tree through soap) is 3-5x slower on honest answers. This reader refuses at the bound itself.
 *
 * Linear on every input, by construction:
 *  - one cursor moves forward through the text and never back; every scan (indexOf for '<', '-->', ']]>', '?>', a
 *    quote; a character loop for names and attribute values) starts where the previous one stopped, and what it
 *    passes is either consumed or refused;
 *  - no regular expression runs on the document except single-character-class scans (no quantifier, so nothing
 *    to backtrack) and the fixed line-end normalisation;
 *  - no recursion: open elements are an explicit stack, refused beyond `maxDepth`;
 *  - everything that could make one token cost more than its length is bounded: attributes per element (a Set
 *    finds duplicates), namespace declarations per element (prefix lookups are a Map to a stack: O(1)), a name's
 *    length, a text node's length (checked before it is decoded), an entity reference's length (12 characters).
 *
 * What it refuses (XmlReadError, a fixed reason and a character position, never text of the document): anything
 * not well-formed or not namespace-well-formed, a DOCTYPE or any other `<!` declaration (so no entity can be
 * defined), an entity other than the five predefined ones, characters XML 1.0 cannot carry (U+0000-U+001F except
 * tab, LF and CR, U+FFFE, U+FFFF, lone surrogates), raw or as character references, and the limits above.
 * Invalid UTF-8 is refused where bytes become text (`decodeUtf8`): no replacement character passes silently.
 */
import { isUtf8 } from 'buffer';

export const NS_XML = 'http://www.w3.org/XML/1998/namespace';
/** The namespace of the xmlns attributes themselves: nothing may be bound to it. */
export const NS_XMLNS = 'http://www.w3.org/2000/xmlns/';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** A document this layer (or a contract reader on top of it) refuses. The message never quotes the document. */
export class XmlReadError extends Error {
  constructor(
    /** A fixed text saying what was wrong. */
    readonly reason: string,
    /** Character offset in the document where it was found (-1 when there is none). */
    readonly position = -1,
  ) {
    super(position >= 0 ? `${reason} (at character ${position})` : reason);
    this.name = 'XmlReadError';
  }
}

/**
 * Well-formed XML that does not fit what the reader expected: an element inside a value that can only hold text.
 * (The client refuses both kinds alike; the simulator answers this kind as a deserialisation fault, the other as
 * an unreadable message.)
 */
export class XmlContentError extends XmlReadError {
  constructor(reason: string, position = -1) {
    super(reason, position);
    this.name = 'XmlContentError';
  }
}

export interface XmlLimits {
  /** Elements nested deeper than this are refused (the root is depth 1). */
  maxDepth: number;
  /** Attributes on one element, namespace declarations included. */
  maxAttributes: number;
  /** Namespace declarations on one element. */
  maxNamespaceDeclarations: number;
  /** Characters in one text node, CDATA section or attribute value, and in the text of one element read as a value. */
  maxTextLength: number;
  /** Characters in one element or attribute name. */
  maxNameLength: number;
}

/**
 * Bounds for any document this pack reads; contract readers lower maxDepth to what their contract allows. The
 * attribute bounds are generous on purpose: the soap package's client declares one namespace per fault message of
 * its WSDL on the Envelope (40 for the real server's WSDL), and a WSDL's root declares 15 or more.
 */
export const DEFAULT_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 32,
  maxAttributes: 256,
  maxNamespaceDeclarations: 128,
  maxTextLength: 64 * 1024,
  maxNameLength: 256,
});

/**
 * Levels of elements a contract does not describe (SOAP Header blocks, an unknown member of a known type, a fault's
 * detail) may take below where they start. Small, but enough for a WS-Security header or a .NET fault detail with a
 * few nested inner exceptions.
 */
export const UNKNOWN_CONTENT_DEPTH = 8;

/**
 * Elements a contract reader may skip (skipElement) under one parent, and elements inside one skipped element. A
 * newer server adds a member or two to a type, a SOAP header has a few blocks, a fault's detail a few dozen
 * elements; thousands are a flood, refused when the bound is passed rather than read to the end.
 */
export const MAX_SKIPPED_SIBLINGS = 64;
export const MAX_SKIPPED_ELEMENTS = 4096;

/** The default limits with maxDepth set to what a contract allows (`knownDepth`) plus UNKNOWN_CONTENT_DEPTH. */
export function limitsForDepth(knownDepth: number): XmlLimits {
  return { ...DEFAULT_LIMITS, maxDepth: knownDepth + UNKNOWN_CONTENT_DEPTH };
}

/** Bytes -> text; anything that is not valid UTF-8 is refused (Buffer#toString would put U+FFFD in silently). */
export function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new XmlReadError('the bytes are not valid UTF-8');
  return bytes.toString('utf8');
}

// Tokens returned by XmlCursor.next().
export const OPEN = 1;
export const CLOSE = 2;
export const TEXT = 3;
export const END = 4;

// Characters XML 1.0 cannot carry, as UTF-16 code units (lone surrogates are found by isWellFormed). One class, no
// quantifier: the scan is linear.
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const LINE_END = /\r\n?/g;
const ATTR_WHITESPACE = /\r\n?|[\t\n]/g;

// Character codes: < > / ! ? ; : = " ' # x &
const [LT, GT, SLASH, BANG, QUESTION, SEMICOLON, COLON, EQUALS, DQUOTE, SQUOTE, HASH, LOWER_X, AMP] =
  [60, 62, 47, 33, 63, 59, 58, 61, 34, 39, 35, 120, 38];

/** Per ASCII code: 1 = may start a name (colons handled apart), 2 = may only continue one. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) ASCII_NAME[c] = 1;
  else if (/[0-9.\-]/.test(ch)) ASCII_NAME[c] = 2;
}

/** XML 1.0 (5th edition) NameStartChar beyond ASCII, on UTF-16 code units (surrogates: the supplementary planes). */
function isNameStartHigh(c: number): boolean {
  return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d)
    || (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f)
    || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xdfff) || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd);
}

function isNameCharHigh(c: number): boolean {
  return isNameStartHigh(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** A code point XML 1.0 can carry (production Char). */
export function isXmlChar(c: number): boolean {
  return c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** The longest entity reference between '&' and ';' that can be valid ('#x10FFFF'); a longer one is refused. */
const MAX_REFERENCE = 8;

/** Replaces entity and character references in `s` (text from position `at`), refusing all but XML's own. */
function decodeReferences(s: string, at: number): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    let semi = -1;
    const stop = Math.min(s.length, amp + 2 + MAX_REFERENCE);
    for (let k = amp + 1; k < stop; k++) {
      if (s.charCodeAt(k) === SEMICOLON) {
        semi = k;
        break;
      }
    }
    if (semi < 0) throw new XmlReadError("an '&' that starts no valid reference", at + amp);
    out += s.slice(from, amp) + referenceValue(s, amp + 1, semi, at + amp);
    from = semi + 1;
    amp = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

function referenceValue(s: string, start: number, end: number, at: number): string {
  if (s.charCodeAt(start) !== HASH) {
    switch (s.slice(start, end)) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: throw new XmlReadError('an entity other than the five XML predefines', at);
    }
  }
  const hex = s.charCodeAt(start + 1) === LOWER_X;
  const first = hex ? start + 2 : start + 1;
  if (first >= end) throw new XmlReadError('an empty character reference', at);
  let code = 0;
  for (let k = first; k < end; k++) {
    const c = s.charCodeAt(k);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (hex && c >= 97 && c <= 102) digit = c - 87;
    else if (hex && c >= 65 && c <= 70) digit = c - 55;
    else throw new XmlReadError('a character reference with a bad digit', at);
    code = code * (hex ? 16 : 10) + digit;
  }
  if (!isXmlChar(code)) throw new XmlReadError('a character reference to a character XML 1.0 does not allow', at);
  return String.fromCodePoint(code);
}

/** Character data as XML delivers it: line ends normalised to LF, references decoded. */
function decodeText(raw: string, at: number): string {
  const text = raw.indexOf('\r') >= 0 ? raw.replace(LINE_END, '\n') : raw;
  return decodeReferences(text, at);
}

/** An attribute value as XML delivers it: line ends and tabs become spaces, then references are decoded. */
function decodeAttribute(raw: string, at: number): string {
  const value = raw.indexOf('\r') >= 0 || raw.indexOf('\n') >= 0 || raw.indexOf('\t') >= 0 ? raw.replace(ATTR_WHITESPACE, ' ') : raw;
  return decodeReferences(value, at);
}

/**
 * A pull reader over one document. `next()` returns OPEN (an element started: `prefix`, `local`, `ns`, `depth`, its
 * attributes through `attribute()`), CLOSE (the element at `depth + 1` ended; a self-closing tag gives OPEN then
 * CLOSE), TEXT (`text`: character data or a CDATA section, decoded; comments and processing instructions are
 * skipped) or END (the document ended well-formed; it keeps returning END).
 */
export class XmlCursor {
  private readonly xml: string;
  private readonly limits: XmlLimits;
  private pos = 0;
  /** Qualified names of the open elements. */
  private readonly open: string[] = [];
  /** Namespace bindings in scope: prefix -> the URIs declared for it, innermost last ('' = the default namespace). */
  private readonly bindings = new Map<string, string[]>([['xml', [NS_XML]]]);
  /** Per open element (by depth - 1): the prefixes it declared, to unbind when it closes. */
  private readonly declared: Array<string[] | undefined> = [];
  private readonly attrNames: string[] = [];
  /** Attribute values, decoded. */
  private readonly attrValues: string[] = [];
  private readonly attrAt: number[] = [];
  private attrCount = 0;
  private readonly seen = new Set<string>();
  /** Per depth: how many children of the open element at that depth were skipped (index 0: the document). */
  private readonly skipped: number[] = [0];
  private pendingClose = false;
  /** Where scanName found the colon of the last name it scanned (-1: none). */
  private nameColon = -1;
  /** The last lookup's answer, until a declaration comes or goes (most elements of an answer share one prefix). */
  private memoPrefix: string | undefined;
  private memoUri: string | undefined;
  private rootSeen = false;
  private rootClosed = false;
  private ended = false;

  /** The current element's prefix ('' when none), local name and namespace URI ('' when in no namespace). */
  prefix = '';
  local = '';
  ns = '';
  /** The current TEXT token's content. */
  text = '';
  /** Where the current token started (a character offset), for error positions. */
  at = 0;

  /** `checkCharacters` false: only for rootLocalName, which reads no further than the root's start tag. */
  constructor(xml: string, limits: XmlLimits = DEFAULT_LIMITS, checkCharacters = true) {
    this.xml = xml;
    this.limits = limits;
    if (checkCharacters) {
      const bad = FORBIDDEN_CHAR.exec(xml);
      if (bad) throw new XmlReadError('a character XML 1.0 does not allow', bad.index);
      if (!(xml as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new XmlReadError('a lone surrogate (not a character)');
    }
    if (xml.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /**
   * The local name of the root element of `text`, or undefined when the text does not start as an XML document
   * does. Reads the prolog and the root's start tag only.
   */
  static rootLocalName(text: string): string | undefined {
    try {
      const r = new XmlCursor(text, DEFAULT_LIMITS, false);
      return r.next() === OPEN ? r.local : undefined;
    } catch {
      return undefined;
    }
  }

  /** Open elements right now (after OPEN: the new element's depth, the root being 1). */
  get depth(): number {
    return this.open.length;
  }

  fail(reason: string, at = this.at): never {
    throw new XmlReadError(reason, at);
  }

  next(): number {
    if (this.pendingClose) {
      this.pendingClose = false;
      this.closeElement();
      return CLOSE;
    }
    const xml = this.xml;
    const n = xml.length;
    for (;;) {
      const pos = this.pos;
      this.at = pos;
      if (pos >= n) {
        if (this.open.length > 0) this.fail('the document ends inside an element');
        if (!this.rootSeen) this.fail('no root element');
        this.ended = true;
        return END;
      }
      if (xml.charCodeAt(pos) !== LT) {
        const lt = xml.indexOf('<', pos);
        const end = lt < 0 ? n : lt;
        this.pos = end;
        if (this.open.length === 0) {
          for (let i = pos; i < end; i++) if (!isSpace(xml.charCodeAt(i))) this.fail('text outside the root element', i);
          continue;
        }
        if (lt < 0) this.fail('the document ends inside an element');
        if (end - pos > this.limits.maxTextLength) this.fail(`a text longer than ${this.limits.maxTextLength} characters`);
        const raw = xml.slice(pos, end);
        if (raw.indexOf(']]>') >= 0) this.fail("']]>' in text");
        this.text = decodeText(raw, pos);
        return TEXT;
      }
      const c = xml.charCodeAt(pos + 1);
      if (c === SLASH) {
        this.closeTag();
        return CLOSE;
      }
      if (c === BANG) {
        if (xml.startsWith('<!--', pos)) {
          this.comment();
          continue;
        }
        if (xml.startsWith('<![CDATA[', pos)) {
          this.cdata();
          return TEXT;
        }
        this.fail('a DOCTYPE or other declaration (not allowed)');
      }
      if (c === QUESTION) {
        this.processingInstruction();
        continue;
      }
      this.openTag();
      return OPEN;
    }
  }

  /** The decoded value of the current element's attribute `local` in namespace `ns` ('' = unprefixed). */
  attribute(ns: string, local: string): string | undefined {
    for (let i = 0; i < this.attrCount; i++) {
      const name = this.attrNames[i];
      const colon = name.indexOf(':');
      if (colon < 0) {
        if (ns !== '' || name !== local) continue;
      } else {
        if (name.length - colon - 1 !== local.length || !name.endsWith(local)) continue;
        const prefix = name.slice(0, colon);
        if (prefix === 'xmlns' || this.lookup(prefix) !== ns) continue;
      }
      return this.attrValues[i];
    }
    return undefined;
  }

  /** True when the current element carries xsi:nil="true" (or "1"). */
  isNil(): boolean {
    if (this.attrCount === 0) return false;
    const v = this.attribute(NS_XSI, 'nil');
    if (v === undefined) return false;
    const t = v.trim();
    return t === 'true' || t === '1';
  }

  /**
   * Reads past the rest of the element just opened (its content and its close tag): content nothing describes, so
   * it is bounded: at most MAX_SKIPPED_SIBLINGS skipped under one parent, at most MAX_SKIPPED_ELEMENTS elements
   * and UNKNOWN_CONTENT_DEPTH levels inside.
   */
  skipElement(): void {
    const depth = this.open.length;
    if (++this.skipped[depth - 1] > MAX_SKIPPED_SIBLINGS) this.fail(`more than ${MAX_SKIPPED_SIBLINGS} unknown elements in one element`);
    const deepest = depth + UNKNOWN_CONTENT_DEPTH;
    let elements = 0;
    for (;;) {
      const t = this.next();
      if (t === CLOSE) {
        if (this.open.length < depth) return;
      } else if (t === OPEN) {
        if (this.open.length > deepest) this.fail(`unknown content nested deeper than ${UNKNOWN_CONTENT_DEPTH} levels`);
        if (++elements > MAX_SKIPPED_ELEMENTS) this.fail(`more than ${MAX_SKIPPED_ELEMENTS} elements in unknown content`);
      }
    }
  }

  /** The text of the element just opened, up to its close tag; an element inside it is refused (a value is text). */
  readText(): string {
    const depth = this.open.length;
    let text = '';
    for (;;) {
      const t = this.next();
      if (t === TEXT) {
        text = text === '' ? this.text : text + this.text;
        if (text.length > this.limits.maxTextLength) this.fail(`a text longer than ${this.limits.maxTextLength} characters`);
      } else if (t === CLOSE) {
        if (this.open.length < depth) return text;
      } else if (t === OPEN) {
        throw new XmlContentError('an element inside a value that can only hold text', this.at);
      }
    }
  }

  /** Reads to the end of the document: the rest must be well-formed too. */
  finish(): void {
    while (!this.ended) this.next();
  }

  /** The namespace URI bound to `prefix` here ('' prefix: the default namespace, '' when none); undefined if unbound. */
  lookup(prefix: string): string | undefined {
    if (prefix === this.memoPrefix) return this.memoUri;
    const uris = this.bindings.get(prefix);
    const uri = uris !== undefined && uris.length > 0 ? uris[uris.length - 1] : prefix === '' ? '' : undefined;
    this.memoPrefix = prefix;
    this.memoUri = uri;
    return uri;
  }

  // --- tokens -----------------------------------------------------------------------------------------------

  /** The end of a qualified name (NCName, or NCName ':' NCName) starting at `start`. */
  private scanName(start: number): number {
    const xml = this.xml;
    const max = this.limits.maxNameLength;
    let i = start;
    let colon = -1;
    let partStart = true;
    for (;;) {
      const c = xml.charCodeAt(i);
      let ok: boolean;
      if (c < 128) {
        const kind = ASCII_NAME[c];
        if (c === COLON && colon < 0 && !partStart) {
          colon = i;
          partStart = true;
          i++;
          continue;
        }
        ok = kind === 1 || (kind === 2 && !partStart);
      } else {
        // NaN (the end of the text) is neither.
        ok = partStart ? isNameStartHigh(c) : isNameCharHigh(c);
      }
      if (!ok) break;
      partStart = false;
      i++;
      if (i - start > max) this.fail(`a name longer than ${max} characters`, start);
    }
    if (i === start) this.fail('a name was expected', start);
    if (partStart) this.fail('a malformed qualified name', start);
    this.nameColon = colon;
    return i;
  }

  private openTag(): void {
    const xml = this.xml;
    const start = this.pos;
    if (this.open.length === 0 && this.rootClosed) this.fail('a second root element');
    if (this.open.length >= this.limits.maxDepth) this.fail(`elements nested deeper than ${this.limits.maxDepth}`);
    const nameEnd = this.scanName(start + 1);
    const colon = this.nameColon < 0 ? -1 : this.nameColon - start - 1;
    const qname = xml.slice(start + 1, nameEnd);
    let i = nameEnd;
    let count = 0;
    let selfClosing = false;
    for (;;) {
      let c = xml.charCodeAt(i);
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH) {
        if (xml.charCodeAt(i + 1) !== GT) this.fail("a '/' inside a tag", i);
        i += 2;
        selfClosing = true;
        break;
      }
      if (!isSpace(c)) this.fail(Number.isNaN(c) ? 'the document ends inside a tag' : 'a malformed tag', i);
      while (isSpace(c)) c = xml.charCodeAt(++i);
      if (c === GT || c === SLASH) continue;
      // An attribute: name = "value" or 'value'.
      const nameStart = i;
      i = this.scanName(i);
      const name = xml.slice(nameStart, i);
      c = xml.charCodeAt(i);
      while (isSpace(c)) c = xml.charCodeAt(++i);
      if (c !== EQUALS) this.fail("an attribute without '='", i);
      c = xml.charCodeAt(++i);
      while (isSpace(c)) c = xml.charCodeAt(++i);
      if (c !== DQUOTE && c !== SQUOTE) this.fail('an attribute value without quotes', i);
      const valueStart = i + 1;
      const valueMax = valueStart + this.limits.maxTextLength;
      let k = valueStart;
      // References and whitespace other than spaces change the value: decoded now (so a bad one is refused here).
      let special = false;
      for (;;) {
        const v = xml.charCodeAt(k);
        if (v === c) break;
        if (v === LT) this.fail("a '<' inside an attribute value", k);
        if (v < 33 || v === AMP) {
          if (Number.isNaN(v)) this.fail('the document ends inside an attribute value', valueStart);
          if (v !== 32) special = true;
        }
        if (++k > valueMax) this.fail(`an attribute value longer than ${this.limits.maxTextLength} characters`, valueStart);
      }
      if (count === this.limits.maxAttributes) this.fail(`more than ${this.limits.maxAttributes} attributes on one element`, nameStart);
      const raw = xml.slice(valueStart, k);
      this.attrNames[count] = name;
      this.attrValues[count] = special ? decodeAttribute(raw, valueStart) : raw;
      this.attrAt[count] = valueStart;
      count++;
      // What follows must be whitespace, '>' or '/>': the top of the loop refuses anything else.
      i = k + 1;
    }
    this.pos = i;
    this.attrCount = count;
    this.open.push(qname);
    this.skipped[this.open.length] = 0;
    this.rootSeen = true;
    if (count > 0) this.readAttributes(start);
    if (colon < 0) {
      this.prefix = '';
      this.local = qname;
    } else {
      this.prefix = qname.slice(0, colon);
      this.local = qname.slice(colon + 1);
      if (this.prefix === 'xmlns') this.fail("an element with the prefix 'xmlns'", start);
    }
    const ns = this.lookup(this.prefix);
    if (ns === undefined) this.fail('an undeclared namespace prefix', start);
    this.ns = ns;
    if (selfClosing) this.pendingClose = true;
  }

  /** Duplicates, namespace declarations (bound for the element just pushed), prefixes of the attributes. */
  private readAttributes(tagStart: number): void {
    const count = this.attrCount;
    if (count > 1) {
      const seen = this.seen;
      seen.clear();
      for (let i = 0; i < count; i++) {
        if (seen.has(this.attrNames[i])) this.fail('a duplicate attribute', this.attrAt[i]);
        seen.add(this.attrNames[i]);
      }
    }
    let declarations: string[] | undefined;
    for (let i = 0; i < count; i++) {
      const name = this.attrNames[i];
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      const uri = this.attrValues[i];
      if (prefix === 'xmlns' || (prefix === 'xml') !== (uri === NS_XML) || uri === NS_XMLNS) this.fail('a reserved namespace prefix or URI', this.attrAt[i]);
      if (prefix !== '' && uri === '') this.fail('a namespace prefix bound to nothing', this.attrAt[i]);
      declarations ??= [];
      if (declarations.length === this.limits.maxNamespaceDeclarations) {
        this.fail(`more than ${this.limits.maxNamespaceDeclarations} namespace declarations on one element`, tagStart);
      }
      declarations.push(prefix);
      this.memoPrefix = undefined;
      const uris = this.bindings.get(prefix);
      if (uris) uris.push(uri);
      else this.bindings.set(prefix, [uri]);
    }
    this.declared[this.open.length - 1] = declarations;
    // Prefixed attributes: declared prefixes, and no two with the same namespace and local name (p:x and q:x with
    // p and q bound to one URI are the same attribute). A Set of expanded names: linear.
    let expanded: Set<string> | undefined;
    for (let i = 0; i < count; i++) {
      const name = this.attrNames[i];
      const colon = name.indexOf(':');
      if (colon < 0 || name.startsWith('xmlns:')) continue;
      const uri = this.lookup(name.slice(0, colon));
      if (uri === undefined) this.fail('an undeclared namespace prefix', this.attrAt[i]);
      if (count < 2) continue;
      expanded ??= new Set();
      const key = `${uri} ${name.slice(colon + 1)}`;
      if (expanded.has(key)) this.fail('a duplicate attribute (two prefixes bound to one namespace)', this.attrAt[i]);
      expanded.add(key);
    }
  }

  private closeElement(): void {
    const depth = this.open.length;
    this.open.pop();
    const declarations = this.declared[depth - 1];
    if (declarations !== undefined) {
      for (const prefix of declarations) (this.bindings.get(prefix) as string[]).pop();
      this.declared[depth - 1] = undefined;
      this.memoPrefix = undefined;
    }
    this.attrCount = 0;
    if (depth === 1) this.rootClosed = true;
  }

  private closeTag(): void {
    const xml = this.xml;
    const pos = this.pos;
    const top = this.open[this.open.length - 1];
    if (top === undefined) this.fail('a close tag with no element open');
    let i = pos + 2 + top.length;
    if (!xml.startsWith(top, pos + 2)) this.fail('a close tag that does not match its element');
    let c = xml.charCodeAt(i);
    while (isSpace(c)) c = xml.charCodeAt(++i);
    if (c !== GT) this.fail(Number.isNaN(c) ? 'the document ends inside a tag' : 'a close tag that does not match its element');
    this.pos = i + 1;
    this.closeElement();
  }

  private comment(): void {
    const xml = this.xml;
    const start = this.pos;
    const end = xml.indexOf('-->', start + 4);
    if (end < 0) this.fail('an unterminated comment');
    // '--' may not occur inside a comment; the first one found must be the one that ends it.
    if (xml.indexOf('--', start + 4) < end) this.fail("'--' inside a comment");
    this.pos = end + 3;
  }

  private cdata(): void {
    const xml = this.xml;
    const start = this.pos;
    if (this.open.length === 0) this.fail('a CDATA section outside the root element');
    const end = xml.indexOf(']]>', start + 9);
    if (end < 0) this.fail('an unterminated CDATA section');
    if (end - start - 9 > this.limits.maxTextLength) this.fail(`a text longer than ${this.limits.maxTextLength} characters`);
    const raw = xml.slice(start + 9, end);
    this.text = raw.indexOf('\r') >= 0 ? raw.replace(LINE_END, '\n') : raw;
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    const xml = this.xml;
    const start = this.pos;
    const nameEnd = this.scanName(start + 2);
    const c = xml.charCodeAt(nameEnd);
    if (!isSpace(c) && !(c === QUESTION && xml.charCodeAt(nameEnd + 1) === GT)) this.fail('a malformed processing instruction');
    if (nameEnd - start === 5 && xml.slice(start + 2, nameEnd).toLowerCase() === 'xml') {
      // The XML declaration, only at the very start (after a byte order mark).
      if (start !== (xml.charCodeAt(0) === 0xfeff ? 1 : 0)) this.fail('an XML declaration that is not at the start');
    }
    const end = xml.indexOf('?>', nameEnd);
    if (end < 0) this.fail('an unterminated processing instruction');
    this.pos = end + 2;
  }
}
