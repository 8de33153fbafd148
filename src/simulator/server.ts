/**
 * The simulator's SOAP server: the Open Media Service over HTTP, answering the way a WCF basicHttpBinding server
 * (SOAP 1.1, document/literal, DataContractSerializer) does.
 *
 * How the `soap` package is used, and why not for everything: the HTTP server is hosted with `soap.listen`, which
 * parses the project's WSDL at start-up (a broken WSDL fails `start()`) and serves it at `?wsdl`. POSTs to the
 * endpoint are handled here instead of by soap's dispatcher, because a WCF server's wire behaviour cannot be
 * reproduced from soap's parsed objects and serializer:
 *  - WCF ignores a data-contract member that arrives out of schema order; soap's parser has already lost the order;
 *  - WCF answers with `a:`-prefixed data-contract members, `i:nil="true"`, string enums, UTC dates without trailing
 *    zero fractions, ArrayOfint items in the Arrays namespace and typed faults with exactly one detail element
 *    (System.IO.InvalidDataException serialised as a .NET exception); soap's server writes its own prefixes and
 *    fault shape;
 *  - WCF's deserialisation faults (a:DeserializationFailed), unknown actions (a:ActionNotSupported) and message size
 *    limit (413) have no equivalent in soap's server.
 * So the request is read from the raw XML, driven by the contract (src/lib/contract.ts), and the response XML is
 * generated from the contract too. The operations are still registered with soap (`services`), delegating to the
 * model, so soap's own dispatcher (e.g. `Server.processRequest`) works against the same model.
 */
import * as http from 'http';
import type { Socket } from 'net';
import * as soap from 'soap';
import {
  ArrayTypeDef,
  BINDING_NAME,
  ComplexTypeDef,
  DATA_TYPES,
  ENUMS,
  FAULTS,
  FaultName,
  LIMITS,
  MemberDef,
  NS,
  OPERATION_NAMES,
  OPERATIONS,
  OperationName,
  PORT_TYPE_NAME,
  SERVICE_NAME,
  SERVICE_PATH,
  isDataType,
  isEnumType,
} from '../lib/contract';
import { escapeXml as escapeSpecials } from '../lib/xml-escape';
import { ServiceModel, SimFault } from './types';
import { operationOfAction, readRequest, type RequestReading } from './request-xml';

// ---------------------------------------------------------------------------------------------------------------
// Public types

/** One request that reached the service endpoint (a POST to /OpenMediaService). */
export interface ReceivedRequest {
  /** Sequence number since start (1, 2, ...); keeps counting when old entries leave the bounded log. */
  seq: number;
  /** Wall-clock time of arrival. */
  at: Date;
  /** The operation, from the SOAPAction header or the body wrapper; null when neither named a known one. */
  operation: OperationName | null;
  /** HTTP status answered (0 while the answer is pending or when the connection was reset). */
  status: number;
  /** The typed fault or WCF fault code answered, if any (e.g. 'InvalidUserFault', 'DeserializationFailed'). */
  fault?: string;
  /** The injected failure applied to it, if any. */
  injected?: InjectedFaultKind;
}

export type InjectedFaultKind = 'delay' | 'hold' | 'http' | 'malformed' | 'reset' | 'empty';

/** The kinds of failure injectFault takes. */
const FAULT_KINDS: readonly InjectedFaultKind[] = ['delay', 'hold', 'http', 'malformed', 'reset', 'empty'];
/** The members of a FaultInjection; any other is refused (what is armed is a copy of these only). */
export const FAULT_FIELDS = ['kind', 'operation', 'count', 'delayMs', 'phase', 'status', 'body', 'contentType'] as const;
/** The longest delay a timer can wait (setTimeout's limit, about 24.8 days; more would fire at once). */
export const MAX_DELAY_MS = 2 ** 31 - 1;
/** Most requests one fault applies to (-1: every request until cleared). */
export const MAX_FAULT_COUNT = 1_000_000;
/** Faults armed at once. */
export const MAX_ARMED_FAULTS = 100;
/** An injected HTTP answer's body: at most this many characters (the control API takes 1 MiB bodies). */
export const MAX_FAULT_BODY = 1024 * 1024;
/** An injected Content-Type: a header value of visible ASCII, spaces and tabs (no line break), this long at most. */
const CONTENT_TYPE = /^[\t\x20-\x7e]{1,200}$/;

/**
 * A failure to inject. It applies to the next `count` POSTs to the service endpoint (of `operation` when given).
 *  - delay: wait `delayMs` of real time, then answer normally;
 *  - hold: keep the request pending until `releaseHeld()` (then answer normally) or stop() (connection closed);
 *    for both, `phase` says whether the operation runs after the wait ('before', the default: a request that is
 *    given up never ran) or at arrival with only the answer held back ('after': it ran, the answer is late);
 *  - http: answer `status` (default 503) with `body` and `contentType` (default a small HTML page), operation not run;
 *  - malformed: answer 200 text/xml with a truncated envelope, operation not run;
 *  - reset: destroy the connection without an answer, operation not run;
 *  - empty: answer 200 with an empty body, operation not run.
 */
export interface FaultInjection {
  kind: InjectedFaultKind;
  operation?: OperationName;
  /** How many requests it applies to; default 1; -1 = every request until clearFaults(). */
  count?: number;
  delayMs?: number;
  /** delay/hold: wait 'before' processing (default) or 'after' it (the operation has run; only the answer waits). */
  phase?: 'before' | 'after';
  status?: number;
  body?: string;
  contentType?: string;
}

export interface SoapServerOptions {
  host: string;
  port: number;
  /** Ignore members that arrive out of schema order, as WCF does (default true). */
  strictOrder: boolean;
  /** Largest request body accepted; bigger answers 413 as WCF does past MaxReceivedMessageSize (default 65536). */
  maxBodyBytes: number;
  /** Entries kept in `received` (default 1000). */
  receivedLimit: number;
  /** The WSDL document served at ?wsdl, given the endpoint URL. */
  buildWsdl: (endpoint: string) => string;
  /** Handles everything under /control (the HTTP JSON control API) and /console (the console page); it reads the body itself. */
  control?: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;
  /** Server timeouts (ms): see SERVER_TIMEOUTS. */
  timeouts?: Partial<ServerTimeouts>;
  /** One line per request when set. Never given credentials. */
  log?: (line: string) => void;
}

/** How long the HTTP server waits for a client (Node's http.Server settings of the same names). */
export interface ServerTimeouts {
  /** The request line and headers must arrive within this (a client that connects and says nothing). */
  headersTimeout: number;
  /** The whole request, body included (a body that stalls); answers that take long (a held request) are not cut. */
  requestTimeout: number;
  /** An idle keep-alive connection is closed after this (the client's own idle close comes first: 4 s). */
  keepAliveTimeout: number;
}

/**
 * The simulator's defaults: far below Node's (60 s headers, 300 s request) because every real request here is a
 * few kilobytes from a machine nearby. Node checks them every connectionsCheckingInterval, set to a second.
 */
export const SERVER_TIMEOUTS: ServerTimeouts = { headersTimeout: 10000, requestTimeout: 30000, keepAliveTimeout: 5000 };

// ---------------------------------------------------------------------------------------------------------------
// WCF wire details

const XSI = NS.xsi;
const DISPATCHER_NS = 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher';
const ADDRESSING_NONE_NS = 'http://schemas.microsoft.com/ws/2005/05/addressing/none';
const ENVELOPE_OPEN = `<s:Envelope xmlns:s="${NS.soapEnvelope}"><s:Body>`;
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';
/** HResult of System.IO.InvalidDataException (COR_E_INVALIDDATA). */
const INVALID_DATA_HRESULT = -2146233087;
export const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** A fault in the shape the server answers; `code` is the faultcode element's content (with its namespace). */
interface FaultAnswer {
  status: number;
  /** Typed fault name, or the WCF fault code's local name; recorded in `received`. */
  name: string;
  xml: string;
}

/** Escapes character data and attribute values; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(value: string): string {
  return escapeSpecials(value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
}

// ---------------------------------------------------------------------------------------------------------------
// Response writing (contract-driven)

/** xs:dateTime as WCF writes a UTC DateTime: ISO 8601, trailing zero fraction digits dropped, 'Z'. */
export function formatDateTime(value: unknown): string {
  const date = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(date.getTime())) return '0001-01-01T00:00:00';
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

function scalarText(type: string, value: unknown): string {
  switch (type) {
    case 'xs:int': {
      const n = typeof value === 'number' ? value : Number(value ?? 0);
      return String(Number.isFinite(n) ? Math.trunc(n) : 0);
    }
    case 'xs:boolean':
      return value === true || value === 'true' ? 'true' : 'false';
    case 'xs:dateTime':
      return value === undefined || value === null ? '0001-01-01T00:00:00' : formatDateTime(value);
    case 'xs:string':
      return escapeXml(String(value));
    default: {
      if (isEnumType(type)) {
        const table = ENUMS[type] as Record<string, number>;
        if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(table, value)) return value;
        if (typeof value === 'number') {
          const name = Object.keys(table).find((k) => table[k] === value);
          if (name) return name;
        }
        // WCF's default for an enum is the member numbered 0.
        return Object.keys(table).find((k) => table[k] === 0) ?? Object.keys(table)[0];
      }
      return escapeXml(String(value));
    }
  }
}

/**
 * Writes one element of a contract type. `qname` is the element's qualified name as it appears (e.g. `a:EWT`);
 * `extraNs` are namespace declarations to put on it. Data-contract members use the prefix `a` (declared on the
 * Result element, as WCF does); the Arrays namespace gets `b`, declared where it is first used.
 */
function writeTyped(qname: string, type: MemberDef['type'], value: unknown, extraNs = ''): string {
  if (value === null || value === undefined) {
    if (type === 'xs:int' || type === 'xs:boolean' || type === 'xs:dateTime' || isEnumType(type)) {
      return `<${qname}${extraNs}>${scalarText(type, value)}</${qname}>`;
    }
    return `<${qname}${extraNs} i:nil="true"/>`;
  }
  if (!isDataType(type)) return `<${qname}${extraNs}>${scalarText(type, value)}</${qname}>`;
  const def = DATA_TYPES[type] as ComplexTypeDef | ArrayTypeDef;
  if (def.kind === 'array') {
    const items = Array.isArray(value) ? value : [];
    let ns = extraNs;
    let itemPrefix = 'a';
    if (def.ns === NS.arrays) {
      ns += ` xmlns:b="${NS.arrays}"`;
      itemPrefix = 'b';
    }
    const inner = items.map((item) => writeTyped(`${itemPrefix}:${def.itemName}`, def.itemType, item)).join('');
    return inner ? `<${qname}${ns}>${inner}</${qname}>` : `<${qname}${ns}/>`;
  }
  const record = value as Record<string, unknown>;
  const inner = def.members.map((mem) => writeTyped(`a:${mem.name}`, mem.type, record[mem.name])).join('');
  return `<${qname}${extraNs}>${inner}</${qname}>`;
}

/** The whole response envelope of an operation's result. */
export function writeResponse(operation: OperationName, result: unknown): string {
  const def = OPERATIONS[operation];
  const resultName = def.result.name;
  let body: string;
  if (isDataType(def.result.type)) {
    body = result === null || result === undefined
      ? `<${resultName} i:nil="true" xmlns:i="${XSI}"/>`
      : writeTyped(resultName, def.result.type, result, ` xmlns:a="${NS.dataContracts}" xmlns:i="${XSI}"`);
  } else {
    body = `<${resultName}>${scalarText(def.result.type, result)}</${resultName}>`;
  }
  return `${ENVELOPE_OPEN}<${operation}Response xmlns="${NS.tempuri}">${body}</${operation}Response>${ENVELOPE_CLOSE}`;
}

function faultEnvelope(faultcode: string, faultstring: string, detail = ''): string {
  return `${ENVELOPE_OPEN}<s:Fault>${faultcode}<faultstring xml:lang="en-US">${escapeXml(faultstring)}</faultstring>`
    + `${detail}</s:Fault>${ENVELOPE_CLOSE}`;
}

/** A typed fault (FaultException<T>): faultcode s:Client, the detail element named after the fault. */
export function writeTypedFault(fault: FaultName, message: string): string {
  const ns = FAULTS[fault].ns;
  let detail: string;
  if (fault === 'InvalidDataException') {
    // An ISerializable .NET exception: its fields as unqualified elements with xsi types.
    const f = (name: string, xsType: string, value: string): string =>
      `<${name} i:type="x:${xsType}" xmlns="">${escapeXml(value)}</${name}>`;
    const nil = (name: string): string => `<${name} i:nil="true" xmlns=""/>`;
    detail = `<InvalidDataException xmlns="${ns}" xmlns:i="${XSI}" xmlns:x="${NS.xs}">`
      + f('ClassName', 'string', 'System.IO.InvalidDataException')
      + f('Message', 'string', message)
      + nil('Data') + nil('InnerException') + nil('HelpURL') + nil('StackTraceString') + nil('RemoteStackTraceString')
      + f('RemoteStackIndex', 'int', '0') + nil('ExceptionMethod') + f('HResult', 'int', String(INVALID_DATA_HRESULT))
      + nil('Source') + nil('WatsonBuckets')
      + '</InvalidDataException>';
  } else {
    detail = `<${fault} xmlns="${ns}" xmlns:i="${XSI}"/>`;
  }
  return faultEnvelope('<faultcode>s:Client</faultcode>', message, `<detail>${detail}</detail>`);
}

function dispatcherFault(code: string, ns: string, message: string): string {
  return faultEnvelope(`<faultcode xmlns:a="${ns}">a:${code}</faultcode>`, message);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests (read by request-xml.ts)

/**
 * `path` without its trailing slashes. A loop, not /\/+$/: that regular expression retries from every slash of a
 * path full of them (quadratic: a 15 KB path took about half a second).
 */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return end === path.length ? path : path.slice(0, end);
}

interface ParsedRequest {
  operation: OperationName;
  args: Record<string, unknown>;
  logonId?: string;
  password?: string;
}

function actionFromHeader(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0] : header).trim();
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
}

// ---------------------------------------------------------------------------------------------------------------
// The server

const HELP_PAGE = `<!DOCTYPE html><html><head><title>${SERVICE_NAME} (simulator)</title></head><body>`
  + `<h1>${SERVICE_NAME}</h1><p>This is the Open Media Service simulator. The service description is at `
  + `<a href="?wsdl">?wsdl</a>; operations are SOAP 1.1 POSTs to this address.</p></body></html>`;

/** The HTML page an injected HTTP error answers by default (like IIS/HTTP.sys error pages). */
function httpErrorPage(status: number): string {
  const reason = http.STATUS_CODES[status] ?? 'Error';
  return `<!DOCTYPE html><html><head><title>${reason}</title></head><body><h1>${reason}</h1>`
    + `<p>HTTP Error ${status}. ${reason}.</p></body></html>`;
}

interface ActiveFault extends FaultInjection {
  remaining: number;
}

/** A fault to arm, checked and copied (see injectFault); throws a TypeError naming the member and the rule. */
function checkedFault(input: unknown, armed: number): ActiveFault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('A fault must be an object');
  const f = input as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!(FAULT_FIELDS as readonly string[]).includes(key)) {
      throw new TypeError(`'${key.slice(0, 40)}' is not a member of a fault (${FAULT_FIELDS.join(', ')})`);
    }
  }
  if (armed >= MAX_ARMED_FAULTS) throw new TypeError(`${MAX_ARMED_FAULTS} faults are armed already (DELETE /control/faults clears them)`);
  const kind = f.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`Unknown fault kind${typeof kind === 'string' ? ` '${kind.slice(0, 40)}'` : ''} (one of ${FAULT_KINDS.join(', ')})`);
  }
  const out: ActiveFault = { kind: kind as InjectedFaultKind, remaining: 1 };
  if (f.operation !== undefined) {
    if (typeof f.operation !== 'string' || !(OPERATION_NAMES as string[]).includes(f.operation)) {
      throw new TypeError(`Unknown operation${typeof f.operation === 'string' ? ` '${f.operation.slice(0, 40)}'` : ''}`);
    }
    out.operation = f.operation as OperationName;
  }
  if (f.count !== undefined) {
    const c = f.count;
    if (typeof c !== 'number' || !Number.isInteger(c) || !((c >= 1 && c <= MAX_FAULT_COUNT) || c === -1)) {
      throw new TypeError(`count must be a whole number from 1 to ${MAX_FAULT_COUNT}, or -1 (every request until cleared)`);
    }
    out.count = c;
    out.remaining = c;
  }
  if (f.delayMs !== undefined || kind === 'delay') {
    const d = f.delayMs;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > MAX_DELAY_MS) {
      throw new TypeError(`delayMs must be a number of milliseconds from 0 to ${MAX_DELAY_MS}`);
    }
    out.delayMs = d;
  }
  if (f.phase !== undefined) {
    if (f.phase !== 'before' && f.phase !== 'after') throw new TypeError("phase must be 'before' or 'after'");
    out.phase = f.phase;
  }
  if (f.status !== undefined) {
    // 1xx are not final answers (a client would wait for the real one); 200-599 are.
    if (typeof f.status !== 'number' || !Number.isInteger(f.status) || f.status < 200 || f.status > 599) {
      throw new TypeError('status must be an HTTP status code from 200 to 599');
    }
    out.status = f.status;
  }
  if (f.body !== undefined) {
    if (typeof f.body !== 'string' || f.body.length > MAX_FAULT_BODY) throw new TypeError(`body must be text of at most ${MAX_FAULT_BODY} characters`);
    out.body = f.body;
  }
  if (f.contentType !== undefined) {
    if (typeof f.contentType !== 'string' || !CONTENT_TYPE.test(f.contentType)) {
      throw new TypeError('contentType must be a header value: 1 to 200 visible ASCII characters or spaces, no line break');
    }
    out.contentType = f.contentType;
  }
  return out;
}

export class SoapSimulatorServer {
  readonly httpServer: http.Server;
  /** Bounded log of what reached the service endpoint, oldest first. */
  readonly received: ReceivedRequest[] = [];
  /** The raw body of the last POST to the service endpoint. */
  lastRequestXml: string | undefined;
  private readonly counts = new Map<string, number>();
  private seq = 0;
  private faults: ActiveFault[] = [];
  /** Open TCP connections to the server (keep-alive ones included; Node's keep-alive idle timeout, 5 s, applies). */
  readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Set<() => void>();
  /** The `soap` package server hosting the WSDL (its processRequest() dispatches to the same model). */
  soapServer: soap.Server | undefined;
  private soapListener: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  private endpointUrl = '';
  private stopped = false;

  constructor(public model: ServiceModel, readonly options: SoapServerOptions) {
    const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
    this.httpServer = http.createServer({
      ...timeouts,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, timeouts.headersTimeout / 2, timeouts.requestTimeout / 2)),
    });
    this.httpServer.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A client error (bad request line, header overflow) must never reach 'error' on the process.
    // A request cut by the timeouts above is a 408, as Node answers it by default.
    this.httpServer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
  }

  get url(): string {
    return this.endpointUrl;
  }

  /** How many TCP connections are open right now. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  get port(): number {
    const address = this.httpServer.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.httpServer.once('error', onError);
      this.httpServer.listen(this.options.port, this.options.host, () => {
        this.httpServer.off('error', onError);
        resolve();
      });
    });
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.endpointUrl = `http://${hostPart}:${this.port}${SERVICE_PATH}`;
    const wsdl = this.options.buildWsdl(this.endpointUrl);
    try {
      await new Promise<void>((resolve, reject) => {
        this.soapServer = soap.listen(this.httpServer, {
          path: SERVICE_PATH,
          xml: wsdl,
          services: this.soapServices(),
          // The WSDL and XSD are ours; soap must not fetch anything.
          callback: (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
        } as soap.IServerOptions);
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    // soap.listen installed its own 'request' listener; ours goes in front of it and hands it the WSDL GETs.
    const listeners = this.httpServer.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
    this.soapListener = listeners[0];
    this.httpServer.removeAllListeners('request');
    this.httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => this.internalError(res, err));
    });
  }

  /** Operations registered with soap's server, delegating to the model (used by soap's own dispatcher only). */
  private soapServices(): soap.IServices {
    const port: Record<string, (args: Record<string, unknown>) => unknown> = {};
    for (const name of OPERATION_NAMES) {
      port[name] = (args) => {
        const result = this.model.execute(name, args ?? {});
        return { [OPERATIONS[name].result.name]: result };
      };
    }
    return { [SERVICE_NAME]: { [BINDING_NAME]: port } } as unknown as soap.IServices;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const release of this.held) release();
    this.held.clear();
    this.faults = [];
    await new Promise<void>((resolve) => {
      if (!this.httpServer.listening) { resolve(); return; }
      this.httpServer.close(() => resolve());
      this.httpServer.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
    this.sockets.clear();
  }

  // --- received log -------------------------------------------------------------------------------------------

  receivedCount(operation?: OperationName | null): number {
    if (operation === undefined) return this.seq;
    return this.counts.get(operation === null ? '' : operation) ?? 0;
  }

  clearReceived(): void {
    this.received.length = 0;
    this.counts.clear();
    this.seq = 0;
    this.lastRequestXml = undefined;
  }

  private record(operation: OperationName | null): ReceivedRequest {
    const entry: ReceivedRequest = { seq: ++this.seq, at: new Date(), operation, status: 0 };
    const key = operation ?? '';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.received.push(entry);
    while (this.received.length > this.options.receivedLimit) this.received.shift();
    return entry;
  }

  // --- fault injection ----------------------------------------------------------------------------------------

  /**
   * Arms a fault (see FaultInjection). Every member's type and range is checked, an unknown member is refused, and
   * what is armed is a copy of the known members only: a failed check arms nothing, and nothing the caller passed
   * (a deeply nested value, a getter) is kept.
   */
  injectFault(fault: FaultInjection): void {
    this.faults.push(checkedFault(fault, this.faults.length));
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Faults still armed. */
  pendingFaults(): FaultInjection[] {
    return this.faults.map(({ remaining, ...f }) => ({ ...f, count: remaining }));
  }

  /** Releases every request held by a 'hold' fault; returns how many. */
  releaseHeld(): number {
    const n = this.held.size;
    for (const release of this.held) release();
    this.held.clear();
    return n;
  }

  /** Requests currently held by a 'hold' fault. */
  get heldCount(): number {
    return this.held.size;
  }

  private takeFault(operation: OperationName | null): ActiveFault | undefined {
    const index = this.faults.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault.remaining > 0 && --fault.remaining === 0) this.faults.splice(index, 1);
    return fault;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.timers.delete(timer); resolve(); }, ms);
      this.timers.add(timer);
    });
  }

  // --- HTTP ---------------------------------------------------------------------------------------------------

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const pathname = trimTrailingSlashes(url.pathname) || '/';
    // The control API and the console page (served by the control handler, behind the same protection).
    if (pathname === '/control' || pathname.startsWith('/control/') || pathname === '/console' || pathname.startsWith('/console/')) {
      if (!this.options.control) { req.resume(); this.send(res, 404, 'application/json', JSON.stringify({ error: 'No control API' })); return; }
      await this.options.control(req, res);
      return;
    }
    if (pathname.toLowerCase() !== SERVICE_PATH.toLowerCase()) {
      req.resume();
      this.send(res, 404, 'text/html; charset=utf-8', '<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>');
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const query = url.search.toLowerCase();
      if ((query.startsWith('?wsdl') || query.startsWith('?singlewsdl')) && this.soapListener) {
        // soap serves the WSDL; WCF answers it as text/xml.
        const setHeader = res.setHeader.bind(res);
        res.setHeader = ((name: string, value: number | string | readonly string[]) =>
          setHeader(name, name.toLowerCase() === 'content-type' ? XML_CONTENT_TYPE : value)) as typeof res.setHeader;
        // soap matches its path case-sensitively and knows only ?wsdl; WCF paths are case-insensitive.
        req.url = `${SERVICE_PATH}?wsdl`;
        this.soapListener(req, res);
        return;
      }
      this.send(res, 200, 'text/html; charset=utf-8', HELP_PAGE);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'GET, POST');
      this.send(res, 405, 'text/html; charset=utf-8', '<!DOCTYPE html><html><body><h1>Method Not Allowed</h1></body></html>');
      return;
    }
    await this.onSoapPost(req, res);
  }

  private async onSoapPost(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headerAction = actionFromHeader(req.headers.soapaction);
    const body = await this.readBody(req, this.options.maxBodyBytes);
    const log = (entry: ReceivedRequest): void => {
      this.options.log?.(`${new Date().toISOString()} POST ${SERVICE_PATH} ${entry.operation ?? '-'} -> ${entry.status}`
        + `${entry.fault ? ` ${entry.fault}` : ''}${entry.injected ? ` (injected ${entry.injected})` : ''}`);
    };
    if (body === undefined) {
      const entry = this.record(headerAction ? operationOfAction(headerAction) ?? null : null);
      entry.status = 413;
      entry.fault = 'MaxReceivedMessageSizeExceeded';
      log(entry);
      // WCF past MaxReceivedMessageSize: 413 and no body.
      res.setHeader('Connection', 'close');
      this.send(res, 413, undefined, '');
      return;
    }
    this.lastRequestXml = body.toString('utf8');
    // basicHttpBinding (SOAP 1.1) takes text/xml only; WCF answers anything else (e.g. SOAP 1.2's
    // application/soap+xml) with 415 and no body. A request without a Content-Type is let through.
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType && mediaType !== 'text/xml') {
      const entry = this.record(headerAction ? operationOfAction(headerAction) ?? null : null);
      entry.status = 415;
      entry.fault = 'UnsupportedMediaType';
      log(entry);
      this.send(res, 415, undefined, '');
      return;
    }

    // Read the request first: the operation decides which injected fault applies.
    const reading = readRequest(body, headerAction, this.options.strictOrder);
    const operation = reading.operation;
    const entry = this.record(operation);
    const fault = this.takeFault(operation);
    let answer: { status: number; xml: string; fault?: string } | undefined;
    if (fault) {
      entry.injected = fault.kind;
      if (fault.kind === 'delay' || fault.kind === 'hold') {
        if (fault.phase === 'after') answer = this.answer(reading, headerAction);
        if (fault.kind === 'delay') await this.wait(fault.delayMs ?? 0);
        else await new Promise<void>((resolve) => this.held.add(resolve));
        if (this.stopped || res.destroyed) return;
      } else {
        log(entry);
        this.applyInjected(fault, req, res, entry, operation);
        return;
      }
    }

    answer ??= this.answer(reading, headerAction);
    entry.status = answer.status;
    if (answer.fault) entry.fault = answer.fault;
    log(entry);
    if (reading.malformed !== undefined) {
      // Not in WCF's answer, but the one thing a developer wants to know; a fixed text, nothing of the body.
      res.setHeader('X-Simulator-Reason', reading.malformed);
    }
    this.send(res, answer.status, answer.xml === '' ? undefined : XML_CONTENT_TYPE, answer.xml);
  }

  private applyInjected(fault: ActiveFault, req: http.IncomingMessage, res: http.ServerResponse, entry: ReceivedRequest, operation: OperationName | null): void {
    switch (fault.kind) {
      case 'reset':
        entry.status = 0;
        req.socket.destroy();
        return;
      case 'empty':
        entry.status = 200;
        this.send(res, 200, XML_CONTENT_TYPE, '');
        return;
      case 'malformed': {
        entry.status = 200;
        const op = operation ?? 'AddRequest';
        this.send(res, 200, XML_CONTENT_TYPE, `${ENVELOPE_OPEN}<${op}Response xmlns="${NS.tempuri}"><${op}Result><a:Bro`);
        return;
      }
      default: {
        const status = fault.status ?? 503;
        entry.status = status;
        const contentType = fault.contentType ?? (fault.body === undefined ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8');
        this.send(res, status, contentType, fault.body ?? httpErrorPage(status));
      }
    }
  }

  /** The answer to what readRequest found; never throws. */
  private answer(reading: RequestReading, headerAction: string | undefined): { status: number; xml: string; fault?: string } {
    const fault = (f: FaultAnswer): { status: number; xml: string; fault: string } => ({ status: f.status, xml: f.xml, fault: f.name });
    if (reading.malformed !== undefined) {
      // WCF drops a message it cannot read as XML (not UTF-8, not well-formed, a DTD, over its reader quotas) with
      // HTTP 400 and no body.
      return { status: 400, xml: '', fault: 'BadRequest' };
    }
    if (reading.envelope === 'soap12') {
      return fault({ status: 500, name: 'VersionMismatch', xml: faultEnvelope('<faultcode>s:VersionMismatch</faultcode>', 'The SOAP version of the request (1.2) does not match the binding (SOAP 1.1).') });
    }
    if (reading.envelope !== 'soap11' || (!reading.hasBody && reading.decodeError === undefined)) {
      return fault({ status: 500, name: 'BadMessage', xml: faultEnvelope('<faultcode>s:Client</faultcode>', 'The request is not a SOAP 1.1 envelope with a Body.') });
    }
    const operation = reading.operation;
    if (!operation) {
      const action = headerAction ?? '';
      return fault({
        status: 500,
        name: 'ActionNotSupported',
        xml: dispatcherFault('ActionNotSupported', ADDRESSING_NONE_NS,
          `The message with Action '${action}' cannot be processed at the receiver: no operation of ${PORT_TYPE_NAME} has that action (ContractFilter mismatch at the EndpointDispatcher).`),
      });
    }
    let problem = reading.decodeError;
    if (problem === undefined && !reading.args) {
      const wrapper = reading.wrapper;
      const found = wrapper ? `'${wrapper.local}' from namespace '${wrapper.ns.slice(0, 200)}'` : 'no element';
      problem = `Expecting element '${operation}' from namespace '${NS.tempuri}', found ${found}`;
    }
    if (problem !== undefined || !reading.args) {
      return fault({
        status: 500,
        name: 'DeserializationFailed',
        xml: dispatcherFault('DeserializationFailed', DISPATCHER_NS,
          `The formatter threw an exception while trying to deserialize the message of operation '${operation}': ${problem}`),
      });
    }
    return this.execute({ operation, args: reading.args, logonId: reading.logonId, password: reading.password });
  }

  private execute(request: ParsedRequest): { status: number; xml: string; fault?: string } {
    try {
      if (this.model.authEnabled && !this.model.checkUser(request.logonId, request.password)) {
        const message = request.logonId === undefined || request.password === undefined
          ? 'Authentication is required: the LogonID and Password headers are missing.'
          : 'The LogonID or Password is not valid.';
        return { status: 500, xml: writeTypedFault('InvalidUserFault', message), fault: 'InvalidUserFault' };
      }
      const result = this.model.execute(request.operation, request.args);
      return { status: 200, xml: writeResponse(request.operation, result) };
    } catch (err) {
      if (err instanceof SimFault || (err instanceof Error && err.name === 'SimFault' && 'fault' in err)) {
        const f = (err as SimFault).fault;
        if (Object.prototype.hasOwnProperty.call(FAULTS, f)) {
          return { status: 500, xml: writeTypedFault(f, err.message), fault: f };
        }
      }
      this.lastError = err;
      return {
        status: 500,
        fault: 'InternalServiceFault',
        xml: dispatcherFault('InternalServiceFault', DISPATCHER_NS,
          'The server was unable to process the request due to an internal error.'),
      };
    }
  }

  /** The last unexpected error the model threw (answered as InternalServiceFault), for tests and the CLI log. */
  lastError: unknown;

  private internalError(res: http.ServerResponse, err: unknown): void {
    this.lastError = err;
    if (res.headersSent) { res.destroy(); return; }
    this.send(res, 500, XML_CONTENT_TYPE, dispatcherFault('InternalServiceFault', DISPATCHER_NS,
      'The server was unable to process the request due to an internal error.'));
  }

  /** Reads the body up to `limit` bytes; undefined when it is larger (the rest is drained, not stored). */
  private readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const declared = Number(req.headers['content-length']);
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = Number.isFinite(declared) && declared > limit;
      req.on('data', (chunk: Buffer) => {
        if (tooBig) return;
        size += chunk.length;
        if (size > limit) { tooBig = true; chunks.length = 0; return; }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(chunks)));
      req.on('error', () => resolve(tooBig ? undefined : Buffer.concat(chunks)));
      req.on('aborted', () => resolve(undefined));
    });
  }

  private send(res: http.ServerResponse, status: number, contentType: string | undefined, body: string): void {
    if (res.destroyed || res.writableEnded) return;
    const buffer = Buffer.from(body, 'utf8');
    const headers: http.OutgoingHttpHeaders = { 'Content-Length': buffer.length };
    if (contentType) headers['Content-Type'] = contentType;
    res.writeHead(status, headers);
    res.end(buffer);
  }
}
