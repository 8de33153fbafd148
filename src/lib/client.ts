/**
 * The client layer: the one place that talks SOAP to an Open Media Service.
 *
 * One OpenMediaClient = one soap.Client (built once, from the project's own WSDL or the server's) + one keep-alive
 * agent. Arguments are re-built in schema order from the contract on every call (a WCF server silently drops a
 * member that arrives out of order, so the caller's key order never reaches the wire); answers are read by the
 * contract reader on the pack's XML layer (read-answer.ts) and normalised to plain JSON (normalize.ts), on both
 * paths: soap writes requests on the fallback path and parses service descriptions, never an answer; every failure
 * is an OpenMediaError (errors.ts).
 */
import * as soap from 'soap';
import {
  BINDING_NAME,
  DATA_TYPES,
  LIMITS,
  NS,
  OPERATIONS,
  SERVICE_PATH,
  isDataType,
  isEnumType,
  type DataTypeName,
  type MemberDef,
  type OperationName,
} from './contract';
import * as wsdl from './wsdl';
import {
  ANSWER_TAKEN,
  FETCH_BUDGET,
  HttpTransport,
  TAKE_ANSWER,
  TransportError,
  type FetchBudget,
  type TakeAnswer,
  type TlsOptions,
  type TransportResponse,
} from './http-transport';
import { coerceBoolean, coerceDate, coerceInt, describeNonXmlChar, findNonXmlChar } from './coerce';
import { escapeXml } from './xml-escape';
import {
  OpenMediaError,
  SecretScrubber,
  badResponse,
  closedError,
  httpError,
  invalidInput,
  toOpenMediaError,
  type ErrorContext,
} from './errors';
import { normalizeResult, type Json } from './normalize';
import { readResponseXml } from './read-answer';
import { hasUserInfo } from './url';
import { XmlReadError } from './xml-reader';

export { OpenMediaError } from './errors';
export { normalizeResult, normalizeStatusRecord } from './normalize';

export interface ClientOptions {
  /** e.g. http://micc-host:12615/OpenMediaService (no port is assumed). */
  endpoint: string;
  logonId?: string;
  password?: string;
  /** Per call, and for building from the server's service description (all its documents), default 10000. */
  timeoutMs?: number;
  tls?: TlsOptions;
  /**
   * bundled (default): the project's WSDL, generated from the contract (works when the server's ?wsdl imports
   * point at a host this machine cannot reach); server: `${endpoint}?wsdl` and its imports, fetched through the
   * same transport, import locations re-pointed at the endpoint's host.
   */
  wsdlSource?: 'bundled' | 'server';
  /** Sockets per client, default 16. */
  maxSockets?: number;
  /** Largest answer accepted in bytes (default DEFAULT_MAX_RESPONSE_BYTES, 32 MiB); bigger -> BAD_RESPONSE. */
  maxResponseBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 10000;

type SoapCallback = (err: unknown, result?: unknown, rawResponse?: unknown) => void;
type SoapMethod = (args: unknown, callback: SoapCallback, options?: Record<string, unknown>) => void;

/** Operations whose wrapper has the single child `request` (its members are the call's args). */
const WRAPPED = new Set<OperationName>(
  (Object.keys(OPERATIONS) as OperationName[]).filter((name) => {
    const input = OPERATIONS[name].input;
    return input.length === 1 && input[0].name === 'request' && isDataType(input[0].type);
  }),
);

/**
 * Bounds of building from the server's service description (wsdlSource 'server'), besides the call's timeout for the
 * whole build: the real server's is 8 documents of 61 KB in all, with 12 import references.
 */
export const WSDL_MAX_DOCUMENTS = 16;
export const WSDL_MAX_BYTES = 1024 * 1024;
export const WSDL_MAX_IMPORTS = 64;

/**
 * What the soap package raised while building from the server's service description or writing a request from it
 * (a TypeError on a strange schema, a RangeError when a chain of types overflows its recursion ...): caused by what
 * the server described, so BAD_RESPONSE, with a fixed text (soap's own may quote the document). Errors of the
 * transport (and the client's own) pass as they are.
 */
function describedBadly(err: unknown, what: string): unknown {
  if (err instanceof TransportError || err instanceof OpenMediaError) return err;
  if (toOpenMediaError(err).code !== 'CLIENT_ERROR') return err;
  return new TransportError(what, 'BAD_RESPONSE');
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments -> wire objects in schema order.

// The same conversions as the nodes' (coerce.ts), so a direct caller of the client meets the same rules: dates
// need a zone, ints are decimal within xs:int. An empty string means "not given" (undefined: the member is left out).
function toWireDate(value: unknown, field: string, operation: OperationName): string | undefined {
  return coerceDate(field, value, operation)?.toISOString();
}

function wireValue(member: MemberDef, value: unknown, field: string, operation: OperationName): unknown {
  if (value === null) return null;
  const type = member.type;
  switch (type) {
    case 'xs:int':
      return coerceInt(field, value, operation);
    case 'xs:boolean':
      return coerceBoolean(field, value, operation);
    case 'xs:dateTime':
      return toWireDate(value, field, operation);
    case 'xs:string': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
      else throw invalidInput(field, 'string', value, `${field} must be a string`, operation);
      // The nodes check this in validate.ts; a direct caller of the client meets the same rule before the wire.
      const found = findNonXmlChar(text);
      if (found) throw invalidInput(field, 'xml-char', text, `${field} holds a character XML cannot carry: ${describeNonXmlChar(found)}`, operation);
      return text;
    }
    default:
      break;
  }
  if (isEnumType(type)) return String(value);
  const def = DATA_TYPES[type as DataTypeName];
  if (def.kind === 'array') {
    let items: unknown = value;
    // Accept the soap-shaped `{ IVRInformation: [...] }` as well as the plain array.
    if (!Array.isArray(items) && items && typeof items === 'object' && def.itemName in (items as object)) {
      items = (items as Record<string, unknown>)[def.itemName];
      if (!Array.isArray(items)) items = items == null ? [] : [items];
    }
    if (!Array.isArray(items)) throw invalidInput(field, 'array', value, `${field} must be an array`, operation);
    const itemMember: MemberDef = { name: def.itemName, type: def.itemType, nillable: def.itemNillable };
    return { [def.itemName]: items.map((item, i) => wireValue(itemMember, item, `${field}[${i}]`, operation)) };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(field, 'object', value, `${field} must be an object`, operation);
  }
  return wireObject(def.members, value as Record<string, unknown>, field, operation);
}

function wireObject(members: readonly MemberDef[], src: Record<string, unknown>, path: string, operation: OperationName): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const member of members) {
    const value = src[member.name];
    // Absent: left out, the server applies its default. null: xsi:nil on a nillable member, left out otherwise.
    if (value === undefined) continue;
    if (value === null && !member.nillable) continue;
    const wire = wireValue(member, value, path ? `${path}.${member.name}` : member.name, operation);
    if (wire !== undefined) out[member.name] = wire;
  }
  return out;
}

/**
 * The object soap serialises for `operation`: the wrapper's children, members in schema order, values in wire
 * form. Exported for tests and for anyone who wants to see what would be sent.
 */
export function buildRequestArgs(operation: OperationName, args: Record<string, unknown> = {}): Record<string, unknown> {
  const def = OPERATIONS[operation];
  if (WRAPPED.has(operation)) {
    const requestType = def.input[0].type as DataTypeName;
    const typeDef = DATA_TYPES[requestType];
    if (typeDef.kind !== 'complex') throw new TypeError(`${requestType} is not a complex type`);
    return { request: wireObject(typeDef.members, args, '', operation) };
  }
  return wireObject(def.input, args, '', operation);
}

// ---------------------------------------------------------------------------------------------------------------
// Wire objects -> the request envelope, written straight from the contract.
//
// soap's own serialisation (objectToXML) looks every element up in the WSDL's schema on every call; the contract
// already knows each type's members in schema order and namespace, so the envelope is written here in one pass.
// The prefixes are declared once, on the Envelope: `a` the data contracts, `b` the Serialization/Arrays namespace,
// `xsi` XML Schema instance; the operation wrapper and its own children are in the service namespace
// (default namespace), as a WCF client writes them.

const PREFIX: Record<string, string> = { [NS.dataContracts]: 'a:', [NS.arrays]: 'b:' };
const ENVELOPE_OPEN =
  `<s:Envelope xmlns:s="${NS.soapEnvelope}" xmlns:a="${NS.dataContracts}" xmlns:b="${NS.arrays}" xmlns:xsi="${NS.xsi}">`;
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';

/** One element of type `type` named `qname`, holding `value` (a wire value from buildRequestArgs). */
function writeElement(qname: string, type: string, value: unknown): string {
  if (value === null || value === undefined) return `<${qname} xsi:nil="true"/>`;
  switch (type) {
    case 'xs:int':
    case 'xs:boolean':
      return `<${qname}>${String(value)}</${qname}>`;
    case 'xs:string':
    case 'xs:dateTime':
      return `<${qname}>${escapeXml(String(value))}</${qname}>`;
    default:
      break;
  }
  if (isEnumType(type)) return `<${qname}>${escapeXml(String(value))}</${qname}>`;
  const def = DATA_TYPES[type as DataTypeName];
  let inner = '';
  if (def.kind === 'array') {
    const items = (value as Record<string, unknown>)[def.itemName];
    const itemQname = PREFIX[def.ns] + def.itemName;
    if (Array.isArray(items)) for (const item of items) inner += writeElement(itemQname, def.itemType, item);
  } else {
    inner = writeMembers(def.members, PREFIX[def.ns], value as Record<string, unknown>);
  }
  return inner === '' ? `<${qname}/>` : `<${qname}>${inner}</${qname}>`;
}

function writeMembers(members: readonly MemberDef[], prefix: string, values: Record<string, unknown>): string {
  let out = '';
  for (const member of members) {
    if (!Object.prototype.hasOwnProperty.call(values, member.name)) continue;
    out += writeElement(prefix + member.name, member.type, values[member.name]);
  }
  return out;
}

/** The Body's content for `operation`: its wrapper element (service namespace) and the wire values inside it. */
export function writeRequestBody(operation: OperationName, wireArgs: Record<string, unknown>): string {
  const def = OPERATIONS[operation];
  return `<${operation} xmlns="${NS.tempuri}">${writeMembers(def.input, '', wireArgs)}</${operation}>`;
}

/** What the fast path needs per operation, read from the soap client's WSDL. */
interface WirePlan {
  /** SOAPAction header value per operation (quoted, as SOAP 1.1 wants it). */
  actions: Record<OperationName, string>;
}

/**
 * The plan for writing and reading messages without soap, when the WSDL soap built says what the contract says
 * (document/literal, wrappers named after the operation in the service namespace); undefined otherwise, and every
 * call then goes through soap's own serialisation and parser.
 */
function wirePlanOf(client: soap.Client): WirePlan | undefined {
  try {
    const definitions = (client as unknown as { wsdl: { definitions: WsdlDefinitions } }).wsdl.definitions;
    const binding = definitions.bindings[BINDING_NAME];
    if (!binding) return undefined;
    const actions = {} as Record<OperationName, string>;
    for (const name of Object.keys(OPERATIONS) as OperationName[]) {
      const method = binding.methods[name];
      if (!method || method.style !== 'document' || typeof method.soapAction !== 'string') return undefined;
      if (method.input?.$name !== name || method.input.targetNamespace !== NS.tempuri) return undefined;
      if (method.output?.$name !== `${name}Response` || method.output.targetNamespace !== NS.tempuri) return undefined;
      actions[name] = `"${method.soapAction}"`;
    }
    return { actions };
  } catch {
    return undefined;
  }
}

interface WsdlDefinitions {
  bindings: Record<string, { methods: Record<string, { style?: string; soapAction?: string;
    input?: { $name?: string; targetNamespace?: string }; output?: { $name?: string; targetNamespace?: string } }> }>;
}

// ---------------------------------------------------------------------------------------------------------------

/** The refusal of a URL with user:password@ (issue: credentials belong in their own fields, never in the URL). */
export const CREDENTIALS_IN_URL =
  'The URL holds a user name or password: put them in the LogonID and Password fields, not in the URL';

/**
 * The LogonID or Password must fit the wire like every other text (XML characters, a length limit); the error says
 * what is wrong without showing the value, nor where in it.
 */
function checkCredential(label: string, field: string, value: unknown, max: number): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string') throw invalidInput(field, 'string', '(hidden)', `The ${label} must be text`);
  if (value.length > max) {
    throw invalidInput(field, 'max-length', '(hidden)', `The ${label} is longer than ${max} characters`);
  }
  const found = findNonXmlChar(value);
  if (found) {
    throw invalidInput(field, 'xml-char', '(hidden)',
      `The ${label} holds a character XML cannot carry (${found.lone ? 'half of a surrogate pair' : 'a control character'})`);
  }
}

export class OpenMediaClient {
  readonly endpoint: string;
  /** `host:port` of the endpoint, for messages. */
  readonly host: string;
  private readonly options: ClientOptions;
  /** The endpoint's URL path (named in a 404). */
  readonly path: string;
  private readonly transport: HttpTransport;
  private readonly secrets: SecretScrubber;
  private readonly headerXml?: string;
  /** The envelope up to the Body's content (with the authentication header when there is one). */
  private readonly envelopeHead: string;
  private soapClient?: soap.Client;
  /** Set with soapClient when its WSDL matches the contract: calls skip soap's serialiser and parser. */
  private plan?: WirePlan;
  private building?: Promise<soap.Client>;
  private closed = false;
  /** Calls in flight that change something on the service (all but Get...): close() can let them finish. */
  private readonly changing = new Set<Promise<Json>>();
  /** How many times a soap client was built (tests check that concurrent first calls share one build). */
  buildCount = 0;

  constructor(options: ClientOptions) {
    if (!options || typeof options.endpoint !== 'string' || options.endpoint.trim() === '') {
      throw invalidInput('endpoint', 'required', undefined,
        `No URL is set: give the Open Media Service's address, e.g. http://micc-host:12615${SERVICE_PATH}`);
    }
    const text = options.endpoint.trim();
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    // A URL that holds user:password@ (for any URL parser: url.ts) is never echoed back, not even in part.
    if (hasUserInfo(text) || (url && (url.username || url.password)) || (!url && text.includes('@'))) {
      throw invalidInput('endpoint', 'no-credentials', '(hidden)', CREDENTIALS_IN_URL);
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      throw invalidInput('endpoint', 'url', text,
        `The URL is not valid: it must start with http:// or https:// and name a host, e.g. http://micc-host:12615${SERVICE_PATH}`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw invalidInput('timeoutMs', 'positive', timeoutMs, 'timeoutMs must be a positive number');
    }
    const maxResponseBytes = options.maxResponseBytes;
    if (maxResponseBytes !== undefined && !(Number.isInteger(maxResponseBytes) && maxResponseBytes > 0)) {
      throw invalidInput('maxResponseBytes', 'positive', maxResponseBytes, 'maxResponseBytes must be a positive whole number of bytes');
    }
    checkCredential('LogonID', 'logonId', options.logonId, LIMITS.logonIdMax);
    checkCredential('password', 'password', options.password, LIMITS.passwordMax);
    this.options = { ...options, timeoutMs };
    this.endpoint = text;
    this.host = url.host;
    this.path = url.pathname;
    this.transport = new HttpTransport(url.protocol === 'https:', {
      timeoutMs,
      tls: options.tls,
      maxSockets: options.maxSockets,
      maxResponseBytes,
    });
    this.secrets = new SecretScrubber({ logonId: options.logonId, password: options.password });
    if (options.logonId) {
      this.headerXml =
        `<h:LogonID xmlns:h="${NS.authHeaders}">${escapeXml(options.logonId)}</h:LogonID>` +
        `<h:Password xmlns:h="${NS.authHeaders}">${escapeXml(options.password ?? '')}</h:Password>`;
    }
    this.envelopeHead = ENVELOPE_OPEN + (this.headerXml ? `<s:Header>${this.headerXml}</s:Header>` : '') + '<s:Body>';
  }

  /** Where an error of `operation` happened, and what its text must never show. */
  private ctx(operation?: string): ErrorContext {
    return { operation, host: this.host, path: this.path, secrets: this.secrets };
  }

  /**
   * Does `text` (from the server) show this client's LogonID or password in any form secrets.ts knows? What shows
   * server text outside an error (a node's status) leaves such text out.
   */
  showsSecret(text: string): boolean {
    return this.secrets.mentions(String(text));
  }

  /** The keep-alive agent (tests look at its sockets). */
  get agent(): import('http').Agent {
    return this.transport.agent;
  }

  /** Builds the soap client now (otherwise the first call does). Rejects with an OpenMediaError. */
  async ready(): Promise<void> {
    try {
      await this.soap();
    } catch (err) {
      throw toOpenMediaError(err, this.ctx('WSDL'));
    }
  }

  /** The soap client, built once; concurrent callers share one build; a failed build is forgotten (raw error). */
  private soap(): Promise<soap.Client> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.soapClient) return Promise.resolve(this.soapClient);
    if (!this.building) {
      this.building = this.build().then(
        (client) => {
          this.building = undefined;
          if (this.closed) throw this.closedError();
          this.soapClient = client;
          this.plan = wirePlanOf(client);
          return client;
        },
        (err: unknown) => {
          // Not cached: the next call tries again (the server may be up by then).
          this.building = undefined;
          throw err;
        },
      );
    }
    return this.building;
  }

  private async build(): Promise<soap.Client> {
    this.buildCount++;
    const soapOptions: soap.IOptions = {
      disableCache: true,
      httpClient: this.transport as unknown as soap.IHttpClient,
      endpoint: this.endpoint,
      // Dates stay text; normalize.ts reads them as UTC (a zone-less .NET DateTime must not become local time).
      customDeserializer: { dateTime: (text: string) => text },
    };
    let client: soap.Client;
    if ((this.options.wsdlSource ?? 'bundled') === 'server') {
      client = await this.buildFromServer(soapOptions);
    } else {
      client = await soap.createClientAsync(wsdl.buildWsdl(this.endpoint), soapOptions, this.endpoint);
    }
    if (this.headerXml) client.addSoapHeader(this.headerXml);
    for (const name of Object.keys(OPERATIONS)) {
      if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function') {
        throw badResponse(this.ctx('WSDL'), `the service description has no operation ${name}`, false);
      }
    }
    return client;
  }

  /**
   * The soap client built from `${endpoint}?wsdl` and its imports, within bounds: one deadline (the call timeout)
   * for the whole build, at most WSDL_MAX_DOCUMENTS documents and WSDL_MAX_BYTES in all (the transport counts them,
   * and checks each document on the reading layer before soap parses it), at most WSDL_MAX_IMPORTS import
   * references. Every import is fetched from the endpoint's own origin, whatever host the document names (a WCF
   * server writes its own, often internal, name into them); a location that is not http(s) (a file path, a
   * `file:` URL, inline text) is refused, never opened.
   */
  private async buildFromServer(soapOptions: soap.IOptions): Promise<soap.Client> {
    const source = `${this.endpoint}?wsdl`;
    const base = new URL(this.endpoint);
    const timeoutMs = this.options.timeoutMs as number;
    const budget: FetchBudget = {
      deadline: Date.now() + timeoutMs,
      documentsLeft: WSDL_MAX_DOCUMENTS,
      bytesLeft: WSDL_MAX_BYTES,
      maxDocuments: WSDL_MAX_DOCUMENTS,
      maxBytes: WSDL_MAX_BYTES,
    };
    let imports = 0;
    soapOptions.wsdl_options = {
      [FETCH_BUDGET]: budget,
      overrideImportLocation: (location: string): string => {
        if (++imports > WSDL_MAX_IMPORTS) {
          throw new TransportError(`the service description has more than ${WSDL_MAX_IMPORTS} imports`, 'BAD_RESPONSE');
        }
        let u: URL | undefined;
        try {
          u = new URL(location, source);
        } catch {
          u = undefined;
        }
        if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
          throw new TransportError('the service description imports a document that is not at an http(s) address', 'BAD_RESPONSE');
        }
        return `${base.protocol}//${base.host}${u.pathname}${u.search}`;
      },
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        budget.spent = true;
        reject(new TransportError(`the service description was not complete within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
    });
    try {
      return await Promise.race([soap.createClientAsync(source, soapOptions, this.endpoint), late]);
    } catch (err) {
      throw describedBadly(err, 'the service description could not be used');
    } finally {
      clearTimeout(timer);
      budget.spent = true;
    }
  }

  private closedError(operation?: string): OpenMediaError {
    return closedError(this.ctx(operation));
  }

  /** Calls `operation` and resolves with its normalised answer; rejects with an OpenMediaError. */
  call(operation: OperationName, args: Record<string, unknown> = {}): Promise<Json> {
    const p = this.send(operation, args);
    if (typeof operation === 'string' && !operation.startsWith('Get')) {
      this.changing.add(p);
      const done = (): void => { this.changing.delete(p); };
      p.then(done, done);
    }
    return p;
  }

  private async send(operation: OperationName, args: Record<string, unknown>): Promise<Json> {
    if (!Object.prototype.hasOwnProperty.call(OPERATIONS, operation)) {
      throw invalidInput('operation', 'known', operation, `unknown operation ${String(operation)}`);
    }
    if (this.closed) throw this.closedError(operation);
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw invalidInput('args', 'object', args, 'the arguments must be an object', operation);
    }
    const wireArgs = buildRequestArgs(operation, args);
    let client = this.soapClient;
    if (!client) {
      try {
        client = await this.soap();
      } catch (err) {
        throw toOpenMediaError(err, this.ctx(operation));
      }
    }
    if (this.plan) return this.callDirect(operation, wireArgs, this.plan);
    return this.callThroughSoap(client, operation, wireArgs);
  }

  /**
   * The fallback path (the server's service description does not match the contract): soap writes the request from
   * that description, and the answer is read exactly as on the direct path (answerOf): the transport hands it to
   * the client and never to soap, whose parser is not linear on every input (multiRef hrefs, CDATA texts).
   */
  private callThroughSoap(client: soap.Client, operation: OperationName, wireArgs: Record<string, unknown>): Promise<Json> {
    const method = (client as unknown as Record<string, SoapMethod>)[operation];
    return new Promise<TransportResponse>((resolve, reject) => {
      // soap could not write the request from what the server described: that is the description's fault.
      const unusable = (err: unknown): void =>
        reject(toOpenMediaError(describedBadly(err, 'the service description could not be used to write the request'), this.ctx(operation)));
      const take: TakeAnswer = (err, res) => {
        if (err || !res) reject(toOpenMediaError(err, this.ctx(operation)));
        else resolve(res);
      };
      try {
        method.call(client, wireArgs, (err: unknown) => {
          if (err !== ANSWER_TAKEN) unusable(err ?? new Error('soap answered without the transport'));
        }, { [TAKE_ANSWER]: take });
      } catch (err) {
        unusable(err);
      }
    }).then((res) => this.answerOf(operation, res.status, res.data));
  }

  /** One exchange without soap: the envelope written from the contract, the answer read by normalize.ts. */
  private callDirect(operation: OperationName, wireArgs: Record<string, unknown>, plan: WirePlan): Promise<Json> {
    const xml = this.envelopeHead + writeRequestBody(operation, wireArgs) + ENVELOPE_CLOSE;
    return new Promise<Json>((resolve, reject) => {
      this.transport.post(this.endpoint, xml, plan.actions[operation], (err, res) => {
        if (err || !res) {
          reject(toOpenMediaError(err, this.ctx(operation)));
          return;
        }
        try {
          resolve(this.answerOf(operation, res.status, res.data));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  private answerOf(operation: OperationName, status: number, xml: string): Json {
    let value: unknown;
    try {
      value = readResponseXml(operation, xml);
    } catch (err) {
      // The reader's refusal is a fixed reason, never text of the answer (errors.ts bounds it all the same).
      if (err instanceof XmlReadError) throw badResponse(this.ctx(operation), err.message, true, status);
      throw toOpenMediaError(err, this.ctx(operation));
    }
    if (status < 200 || status >= 300) {
      // An envelope without a Fault on an HTTP error status: the HTTP status is what happened.
      throw httpError(status, undefined, this.ctx(operation));
    }
    try {
      return normalizeResult(operation, { [OPERATIONS[operation].result.name]: value });
    } catch (err) {
      throw toOpenMediaError(err, this.ctx(operation));
    }
  }

  /**
   * Ends every call in flight with CLIENT_CLOSED and closes the keep-alive sockets. Later calls fail the same way.
   * `drainMs`: calls that change something (AddRequest ...) already in flight get up to that long to finish first, so
   * that their answer is not lost (om-server closing for a redeploy while an add is on its way); new calls are
   * refused at once.
   */
  async close(options: { drainMs?: number } = {}): Promise<void> {
    this.closed = true;
    const drainMs = options.drainMs ?? 0;
    if (drainMs > 0 && this.changing.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.changing]),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, drainMs); }),
      ]);
      clearTimeout(timer);
    }
    this.soapClient = undefined;
    await this.transport.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/**
 * The normalised answer of `operation` read from a SOAP answer's XML, the way a call reads it (no soap involved).
 * A SOAP Fault is thrown as its OpenMediaError, anything that is not the expected answer as BAD_RESPONSE. For the
 * benchmark and for anyone holding an answer's XML.
 */
export function parseResponse(operation: OperationName, xml: string): Json {
  let value: unknown;
  try {
    value = readResponseXml(operation, xml);
  } catch (err) {
    if (err instanceof XmlReadError) throw badResponse({ operation }, err.message, true);
    throw toOpenMediaError(err, { operation });
  }
  return normalizeResult(operation, { [OPERATIONS[operation].result.name]: value });
}
