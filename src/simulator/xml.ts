/**
 * A small, strict, namespace-aware XML reader and the escaping helpers the simulator's server writes with.
 *
 * Why our own: the server has to look at the raw request (member order, xsi:nil, exact namespaces) the way WCF's
 * DataContractSerializer does, and the only runtime dependency allowed is `soap`, whose parser turns the body into
 * loose objects that have already lost the element order. SOAP bodies are small and simple (no DTDs, no external
 * entities), so a compact reader is enough, and it refuses anything it does not understand (DOCTYPE, unknown
 * entities, unbalanced tags, undeclared prefixes) with an XmlError instead of guessing.
 */
import { escapeXml as escapeXmlText } from '../lib/xml-escape';

export class XmlError extends Error {
  constructor(message: string, public readonly position: number) {
    super(`${message} (at character ${position})`);
    this.name = 'XmlError';
  }
}

export interface XmlAttribute {
  prefix: string;
  local: string;
  /** Resolved namespace URI ('' for an unprefixed attribute). */
  ns: string;
  value: string;
}

export interface XmlElement {
  prefix: string;
  local: string;
  /** Resolved namespace URI ('' when the element is in no namespace). */
  ns: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** The element's own character data (text and CDATA directly inside it), entities decoded. */
  text: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_.\-\u00B7\u00C0-\uFFFF]/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, at: number): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlError('Unterminated character reference', at);
    if (name.startsWith('#x') || name.startsWith('#X')) {
      const code = /^[0-9a-fA-F]+$/.test(name.slice(2)) ? parseInt(name.slice(2), 16) : NaN;
      if (!Number.isFinite(code) || code > 0x10ffff || code === 0) throw new XmlError(`Bad character reference &${name};`, at);
      return String.fromCodePoint(code);
    }
    if (name.startsWith('#')) {
      const code = /^[0-9]+$/.test(name.slice(1)) ? parseInt(name.slice(1), 10) : NaN;
      if (!Number.isFinite(code) || code > 0x10ffff || code === 0) throw new XmlError(`Bad character reference &${name};`, at);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[name];
    if (value === undefined) throw new XmlError(`Unknown entity &${name};`, at);
    return value;
  });
}

interface OpenElement {
  element: XmlElement;
  qname: string;
  scope: Map<string, string>;
}

/** Parses one XML document into its root element. Throws XmlError for anything that is not well-formed. */
export function parseXml(input: string): XmlElement {
  let i = 0;
  const n = input.length;
  if (input.charCodeAt(0) === 0xfeff) i = 1;
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  const rootScope = new Map<string, string>([['xml', XML_NS], ['xmlns', XMLNS_NS], ['', '']]);

  const readName = (): string => {
    const start = i;
    if (i >= n || !NAME_START.test(input[i])) throw new XmlError('Expected a name', i);
    i++;
    while (i < n && (NAME_CHAR.test(input[i]) || input[i] === ':')) i++;
    return input.slice(start, i);
  };
  const skipSpace = (): void => {
    while (i < n && (input[i] === ' ' || input[i] === '\t' || input[i] === '\n' || input[i] === '\r')) i++;
  };
  const split = (qname: string): [string, string] => {
    const colon = qname.indexOf(':');
    if (colon < 0) return ['', qname];
    const prefix = qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    if (!prefix || !local || local.includes(':')) throw new XmlError(`Bad qualified name ${qname}`, i);
    return [prefix, local];
  };

  while (i < n) {
    const lt = input.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const raw = input.slice(i, textEnd);
      if (stack.length) {
        if (raw.includes(']]>')) throw new XmlError("']]>' in character data", i);
        stack[stack.length - 1].element.text += decodeEntities(raw, i);
      } else if (raw.trim()) {
        throw new XmlError('Text outside the root element', i);
      }
    }
    if (lt < 0) break;
    i = lt;
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError('Unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      if (!stack.length) throw new XmlError('CDATA outside the root element', i);
      const end = input.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlError('Unterminated CDATA section', i);
      stack[stack.length - 1].element.text += input.slice(i + 9, end);
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      // DOCTYPE and the like: WCF refuses DTDs in messages, and so does this reader.
      throw new XmlError('DTDs and declarations are not allowed', i);
    } else if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end < 0) throw new XmlError('Unterminated processing instruction', i);
      const target = input.slice(i + 2, end).split(/\s/)[0];
      if (target.toLowerCase() === 'xml' && (i !== (input.charCodeAt(0) === 0xfeff ? 1 : 0))) {
        throw new XmlError('XML declaration not at the start', i);
      }
      i = end + 2;
    } else if (input[i + 1] === '/') {
      i += 2;
      const qname = readName();
      skipSpace();
      if (input[i] !== '>') throw new XmlError('Expected >', i);
      i++;
      const open = stack.pop();
      if (!open || open.qname !== qname) throw new XmlError(`Unexpected end tag </${qname}>`, i);
    } else {
      i++;
      const qname = readName();
      const rawAttrs: Array<[string, string]> = [];
      let selfClosing = false;
      for (;;) {
        const before = i;
        skipSpace();
        if (i >= n) throw new XmlError('Unterminated start tag', i);
        if (input[i] === '>') { i++; break; }
        if (input.startsWith('/>', i)) { i += 2; selfClosing = true; break; }
        if (i === before) throw new XmlError('Expected whitespace between attributes', i);
        const aname = readName();
        skipSpace();
        if (input[i] !== '=') throw new XmlError('Expected =', i);
        i++;
        skipSpace();
        const quote = input[i];
        if (quote !== '"' && quote !== "'") throw new XmlError('Expected a quoted attribute value', i);
        const end = input.indexOf(quote, i + 1);
        if (end < 0) throw new XmlError('Unterminated attribute value', i);
        const rawValue = input.slice(i + 1, end);
        if (rawValue.includes('<')) throw new XmlError("'<' in an attribute value", i);
        if (rawAttrs.some(([name]) => name === aname)) throw new XmlError(`Duplicate attribute ${aname}`, i);
        rawAttrs.push([aname, decodeEntities(rawValue.replace(/[\t\n\r]/g, ' '), i)]);
        i = end + 1;
      }
      const parentScope = stack.length ? stack[stack.length - 1].scope : rootScope;
      let scope = parentScope;
      for (const [aname, value] of rawAttrs) {
        if (aname === 'xmlns' || aname.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          const prefix = aname === 'xmlns' ? '' : aname.slice(6);
          if (prefix && !value) throw new XmlError(`Empty namespace for prefix ${prefix}`, i);
          scope.set(prefix, value);
        }
      }
      const resolve = (prefix: string, forAttribute: boolean): string => {
        if (forAttribute && !prefix) return '';
        const ns = scope.get(prefix);
        if (ns === undefined) throw new XmlError(`Undeclared namespace prefix ${prefix}`, i);
        return ns;
      };
      const [prefix, local] = split(qname);
      const element: XmlElement = { prefix, local, ns: resolve(prefix, false), attributes: [], children: [], text: '' };
      for (const [aname, value] of rawAttrs) {
        if (aname === 'xmlns' || aname.startsWith('xmlns:')) continue;
        const [ap, al] = split(aname);
        element.attributes.push({ prefix: ap, local: al, ns: resolve(ap, true), value });
      }
      if (stack.length) {
        stack[stack.length - 1].element.children.push(element);
      } else {
        if (root) throw new XmlError('More than one root element', i);
        root = element;
      }
      if (!selfClosing) stack.push({ element, qname, scope });
    }
  }
  if (stack.length) throw new XmlError(`Unclosed element <${stack[stack.length - 1].qname}>`, i);
  if (!root) throw new XmlError('No root element', i);
  return root;
}

/** The value of an attribute by namespace and local name. */
export function attribute(element: XmlElement, ns: string, local: string): string | undefined {
  return element.attributes.find((a) => a.ns === ns && a.local === local)?.value;
}

/** Escapes character data and attribute values; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(value: string): string {
  return escapeXmlText(value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
}
