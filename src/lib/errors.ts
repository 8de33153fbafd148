/**
 * The one error shape of the pack, and the one place that writes error text. Whatever goes wrong in a call (a typed
 * SOAP fault, the network, the HTTP layer, a broken answer, input that breaks a documented rule) ends up as an
 * OpenMediaError with a stable machine `code` and a short message for people.
 *
 * A message leads with the cause in plain words, then names the operation the way the node is called ("cancel
 * request", not CancelRequest) and the host, then what the server said, if anything:
 *
 *   The request has already ended - cancel request on micc:12615: "Request 17 is complete."
 *   Nothing answers at 127.0.0.1:22615 (connection refused) - add request
 *   PrivateData is 300 characters; the limit is 255 ("xxxxxxxx…") - add request
 *
 * so the start of the message, all that Node-RED's debug sidebar shows of it, says what happened.
 *
 * Text that comes from the far side (faultstring, faultcode, an unknown fault's detail element name, the HTTP reason
 * phrase, an XML parser's or a TLS library's complaint) is never trusted:
 *  - it is cut to QUOTE_MAX characters (a reason phrase or a name to NAME_MAX), with the full length stated;
 *  - control characters (a terminal escape sequence in the Node-RED log, a line break) become spaces, and characters
 *    nobody sees (format characters: zero-width spaces, soft hyphens, direction marks) are removed;
 *  - when it shows the LogonID or a fragment of the password in any form a server writes it (see secrets.ts), as
 *    it came or as it would be shown (quoted, in its place in the message), it is withheld as a whole, never shown
 *    with holes.
 * Nothing else is masked: our own words are fixed and the host is the user's configuration, so a hole in them would
 * tell which characters a secret has (`cancel ***` for the LogonID "request"). The raw error of the layer below is
 * never attached.
 */
import { FAULT_NAMES, SERVICE_PATH, type FaultName } from './contract';
import { TransportError } from './http-transport';
import { OPERATION_NODES } from './operations';
import { NO_SECRETS, SecretScrubber, type Credentials } from './secrets';

export { SecretScrubber, type Credentials } from './secrets';

/** Transport and client codes besides the fault names (FaultName) and `HTTP_<status>`. */
export type TransportCode =
  | 'ECONNREFUSED'
  | 'ETIMEDOUT'
  | 'ECONNRESET'
  | 'ENOTFOUND'
  | 'EHOSTUNREACH'
  | 'TLS_ERROR'
  | 'BAD_RESPONSE'
  | 'SOAP_FAULT'
  | 'CLIENT_CLOSED'
  | 'INVALID_INPUT'
  | 'NO_SERVER'
  | 'CLIENT_ERROR';

export type OpenMediaErrorCode = FaultName | TransportCode | `HTTP_${number}`;

/** Most characters of server text quoted in a message (then "… (N characters)"). */
export const QUOTE_MAX = 300;
/** Most characters of a short server text (reason phrase, fault code, element name). */
export const NAME_MAX = 60;
/** Most characters of an input value echoed in an INVALID_INPUT error. */
export const VALUE_MAX = 40;

export interface OpenMediaErrorInit {
  code: string;
  operation?: string;
  /** The detail element's local name of a SOAP fault (also for one the contract does not know). */
  fault?: string;
  faultString?: string;
  faultCode?: string;
  statusCode?: number;
  /** `host:port` of the endpoint. */
  host?: string;
  /** TLS_ERROR: the underlying reason (e.g. DEPTH_ZERO_SELF_SIGNED_CERT); transport errors: the system code. */
  reason?: string;
  /** INVALID_INPUT: the offending field, the rule it breaks and the value (an excerpt: see excerptValue). */
  field?: string;
  rule?: string;
  value?: unknown;
  /** INVALID_INPUT on a text: its whole length. */
  length?: number;
}

const FIELDS = ['operation', 'fault', 'faultString', 'faultCode', 'statusCode', 'host', 'reason', 'field', 'rule', 'value', 'length'] as const;

export class OpenMediaError extends Error {
  readonly code: string;
  declare readonly operation?: string;
  declare readonly fault?: string;
  declare readonly faultString?: string;
  declare readonly faultCode?: string;
  declare readonly statusCode?: number;
  declare readonly host?: string;
  declare readonly reason?: string;
  declare readonly field?: string;
  declare readonly rule?: string;
  declare readonly value?: unknown;
  declare readonly length?: number;

  constructor(message: string, init: OpenMediaErrorInit) {
    super(message);
    this.name = 'OpenMediaError';
    // The message alone, no frames: Node-RED copies the stack into msg.error.stack, and frames are text too (file
    // paths, a user directory named after someone) that nothing may mask (a hole would tell which characters a
    // secret has). An OpenMediaError is an outcome of a call, not a bug: where in the pack it was built says nothing.
    this.stack = `OpenMediaError: ${message}`;
    this.code = init.code;
    // Only set what is there, so JSON.stringify / util.inspect stay short. A value is never kept whole.
    for (const key of FIELDS) {
      if (init[key] === undefined) continue;
      (this as Record<string, unknown>)[key] = key === 'value' ? excerptValue(init.value) : init[key];
    }
    if (typeof init.value === 'string' && init.length === undefined && init.value.length > VALUE_MAX) {
      (this as Record<string, unknown>).length = init.value.length;
    }
  }

  /**
   * The message alone: Node-RED puts `String(err)` in msg.error.message and its log, and a leading
   * "OpenMediaError: " would push the cause out of the debug sidebar's preview.
   */
  override toString(): string {
    return this.message;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of FIELDS) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

export function isOpenMediaError(err: unknown): err is OpenMediaError {
  return err instanceof OpenMediaError;
}

// ---------------------------------------------------------------------------------------------------------------
// Bounded, printable text.

/** Characters that must not reach a message: C0/C1 controls, line and paragraph separators, lone surrogates. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Characters nobody sees, removed: format characters (bidirectional overrides, zero-width ones, soft hyphens). */
const INVISIBLE = /\p{Cf}/gu;

/** `text` on one line, without control characters or characters nobody sees. */
function printable(text: string): string {
  return text.replace(INVISIBLE, '').replace(UNPRINTABLE, ' ').replace(/ {2,}/g, ' ').trim();
}

/** The first `max` characters of `text` (never half a surrogate pair), then "… (N characters)" when it was longer. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\u2026 (${text.length} characters)`;
}

/**
 * What an INVALID_INPUT error keeps of the offending value: numbers, booleans and short texts as they are, a long
 * text as its excerpt, a Date as its ISO text, an array or object as itself when its JSON is short, else an excerpt
 * of its JSON. Never more than a few dozen characters, whatever the flow sent.
 */
export function excerptValue(value: unknown): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return excerpt(value, VALUE_MAX);
  if (typeof value === 'bigint') return excerpt(String(value), VALUE_MAX);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object') {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined) return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
    return json.length <= 2 * VALUE_MAX ? JSON.parse(json) : excerpt(json, 2 * VALUE_MAX);
  }
  return typeof value === 'undefined' ? undefined : String(typeof value);
}

/** A value as it appears inside a message: quoted text (escaped, cut after VALUE_MAX characters), a number ... */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= VALUE_MAX) return JSON.stringify(value);
    return JSON.stringify(excerpt(value, VALUE_MAX).slice(0, -` (${value.length} characters)`.length));
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value && typeof value === 'object') return 'an object';
  return String(value);
}

const WITHHELD = "(the server's text is withheld: it contains the LogonID or password)";

/**
 * Text from a peer made safe to show (for other peers of the pack too: a Redis server's error reply): printable,
 * bounded to `max` characters, or withheld as a whole when it shows a secret. '' when there is none.
 */
export function peerText(text: string | undefined, credentials: Credentials, max = QUOTE_MAX): string {
  return serverText(text, new SecretScrubber(credentials), max)?.text ?? '';
}

/**
 * Server text made safe to show: printable, bounded, or withheld as a whole. `undefined` when there is none.
 * `framed` is how the text will appear in its place (quoted, between our words): it is looked at that way too, so
 * a secret can come out neither from the text as it came, nor as shown, nor across its edges.
 */
function serverText(text: string | undefined, secrets: SecretScrubber, max: number,
  framed: (shown: string) => string = (t) => t): { text: string; withheld: boolean } | undefined {
  if (text === undefined || text === null) return undefined;
  // Bounded first: what is cut off is never shown, so it cannot leak.
  const cut = excerpt(String(text), max);
  const shown = printable(cut);
  if (shown === '') return undefined;
  if (secrets.mentions(cut) || secrets.mentions(framed(shown))) return { text: WITHHELD, withheld: true };
  return { text: shown, withheld: false };
}

// ---------------------------------------------------------------------------------------------------------------
// Messages.

/** Where an error happened, for the message; `secrets` are kept out of every text of the error. */
export interface ErrorContext {
  /** The service operation (CancelRequest ...), or WSDL for fetching the service description. */
  operation?: string;
  /** `host:port` of the endpoint. */
  host?: string;
  /** The endpoint's URL path (for a 404: the path tried). */
  path?: string;
  /** The LogonID and Password (or a scrubber built from them). */
  secrets?: SecretScrubber | Credentials;
}

/** The node's name of each operation, the way a flow builder knows it ("cancel request"). */
const OPERATION_LABELS: Record<string, string> = {
  WSDL: 'reading the service description',
  ...Object.fromEntries(OPERATION_NODES.map((n) => [n.operation, n.paletteLabel])),
};

export function operationLabel(operation: string | undefined): string {
  if (!operation) return 'request';
  return OPERATION_LABELS[operation] ?? operation;
}

function scrubberOf(ctx: ErrorContext): SecretScrubber {
  const s = ctx.secrets;
  if (!s) return NO_SECRETS;
  return s instanceof SecretScrubber ? s : new SecretScrubber(s);
}

/** "<cause> - <operation> on <host>[: <detail>]": our words, the host, and server text already made safe. */
function compose(cause: string, ctx: ErrorContext, detail?: string): string {
  const op = operationLabel(ctx.operation);
  const where = ctx.host && !cause.includes(ctx.host) ? `${op} on ${ctx.host}` : op;
  return `${cause} - ${where}${detail ? `: ${detail}` : ''}`;
}

/**
 * Builds an OpenMediaError. Every text in it is ours, the configuration's, or server text that serverText let
 * through (the fields and the detail); its stack is the message and frames of our code.
 */
function build(cause: string, ctx: ErrorContext, init: OpenMediaErrorInit, detail?: string): OpenMediaError {
  return new OpenMediaError(compose(cause, ctx, detail), { ...init, operation: ctx.operation, host: ctx.host });
}

const FAULT_CAUSES: Record<FaultName, string> = {
  InvalidUserFault: 'Wrong LogonID or password',
  NoLicenseFault: 'The server has no Open Media licence',
  RouterDisconnectedFault: 'The contact center router is disconnected',
  InvalidOpenMediaIDFault: 'The server does not know this OpenMediaID',
  InvalidDataException: 'The server refused the data',
  InvalidDataFault: 'The server refused the data',
  OpenMediaRequestTerminatedFault: 'The request has already ended',
};

const KNOWN_FAULTS = new Set<string>(FAULT_NAMES);

/** Node / OpenSSL codes that mean the TLS handshake or the certificate check failed. */
const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'HOSTNAME_MISMATCH',
]);

const SYSTEM_CODES: Record<string, TransportCode> = {
  ECONNREFUSED: 'ECONNREFUSED',
  ETIMEDOUT: 'ETIMEDOUT',
  ESOCKETTIMEDOUT: 'ETIMEDOUT',
  ECONNRESET: 'ECONNRESET',
  EPIPE: 'ECONNRESET',
  ECONNABORTED: 'ECONNRESET',
  ENOTFOUND: 'ENOTFOUND',
  EAI_AGAIN: 'ENOTFOUND',
  EHOSTUNREACH: 'EHOSTUNREACH',
  ENETUNREACH: 'EHOSTUNREACH',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  BAD_RESPONSE: 'BAD_RESPONSE',
  INVALID_INPUT: 'INVALID_INPUT',
};

/** The cause of a transport failure, in plain words (the host is named where it helps). */
function transportCause(code: TransportCode, ctx: ErrorContext): string {
  const host = ctx.host ?? 'the server';
  switch (code) {
    case 'ECONNREFUSED': return `Nothing answers at ${host} (connection refused)`;
    case 'ETIMEDOUT': return `No answer from ${host} in time (timed out)`;
    case 'ECONNRESET': return `The connection to ${host} was cut before the answer came (connection reset)`;
    case 'ENOTFOUND': return `Host not found: ${host} (DNS lookup failed)`;
    case 'EHOSTUNREACH': return `${host} cannot be reached (network or host unreachable)`;
    case 'CLIENT_CLOSED': return 'The server configuration was closed (redeploy or stop) while the call was pending';
    default: return 'Unexpected failure';
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** True for a URL path that ends in the service path (any case, a trailing slash allowed). */
function isServicePath(path: string | undefined): boolean {
  return typeof path === 'string' && path.replace(/\/$/, '').toLowerCase().endsWith(SERVICE_PATH.toLowerCase());
}

/** An HTTP status that is not a SOAP answer: HTTP_<status>, with the path tried for a 404. */
export function httpError(status: number, reasonPhrase: string | undefined, ctx: ErrorContext): OpenMediaError {
  const secrets = scrubberOf(ctx);
  const reason = serverText(reasonPhrase, secrets, NAME_MAX, (t) => `(HTTP ${status} ${t})`);
  const what = `HTTP ${status}${reason && !reason.withheld ? ` ${reason.text}` : ''}`;
  let cause: string;
  if (status === 404) {
    const path = ctx.path || '/';
    cause = isServicePath(path)
      ? `The server has no Open Media Service at ${path} (${what})`
      : `Nothing found at ${path} (${what}); the URL likely misses ${SERVICE_PATH}`;
  } else if (status === 401 || status === 403 || status === 407) {
    cause = `The server refused access (${what})`;
  } else if (status === 413) {
    cause = `The request is too large for the server (${what})`;
  } else if (status >= 500) {
    cause = `The server failed or is unavailable (${what})`;
  } else {
    cause = `The server answered ${what}`;
  }
  return build(cause, ctx, { code: `HTTP_${status}`, statusCode: status }, reason?.withheld ? reason.text : undefined);
}

/**
 * BAD_RESPONSE: an answer that is not the service's. `detail` is what is wrong with it; `fromServer` says it may
 * quote the answer (an XML parser's complaint, the soap package's): then it is treated as server text.
 */
export function badResponse(ctx: ErrorContext, detail: string, fromServer: boolean, statusCode?: number): OpenMediaError {
  const secrets = scrubberOf(ctx);
  const text = fromServer ? serverText(detail, secrets, QUOTE_MAX, (t) => `: ${t}`)?.text : printable(detail);
  return build('The answer is not a valid Open Media answer', ctx, { code: 'BAD_RESPONSE', statusCode }, text);
}

/** CLIENT_CLOSED: a call after (or during) close(). */
export function closedError(ctx: ErrorContext): OpenMediaError {
  return build(transportCause('CLIENT_CLOSED', ctx), ctx, { code: 'CLIENT_CLOSED' });
}

interface ParsedFault {
  faultCode?: string;
  faultString?: string;
  detailName?: string;
}

function textOf(value: unknown): string | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && '$value' in (value as Record<string, unknown>)) return textOf((value as Record<string, unknown>).$value);
  return undefined;
}

/** The Fault of an answer (the soap package's errors and ResponseFault carry it as `root.Envelope.Body.Fault`). */
function faultOf(err: unknown): ParsedFault | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const root = (err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } }).root;
  const fault = root?.Envelope?.Body?.Fault;
  if (!fault || typeof fault !== 'object') return undefined;
  // SOAP 1.1 names them faultcode / faultstring / detail; SOAP 1.2 Code.Value / Reason.Text / Detail.
  const code = fault.Code as { Value?: unknown } | undefined;
  const reason = fault.Reason as { Text?: unknown } | undefined;
  const out: ParsedFault = {
    faultCode: textOf(fault.faultcode) ?? textOf(code?.Value),
    faultString: textOf(fault.faultstring) ?? textOf(reason?.Text),
  };
  const detail = fault.detail ?? fault.Detail;
  if (detail && typeof detail === 'object') {
    out.detailName = Object.keys(detail).find((k) => k !== 'attributes' && k !== '$value' && k !== '$xml');
  }
  return out;
}

function faultError(fault: ParsedFault, ctx: ErrorContext, secrets: SecretScrubber): OpenMediaError {
  const known = fault.detailName !== undefined && KNOWN_FAULTS.has(fault.detailName);
  const code = known ? (fault.detailName as FaultName) : 'SOAP_FAULT';
  // Looked at as the message quotes it too (JSON, after ': ').
  const faultString = serverText(fault.faultString, secrets, QUOTE_MAX, (t) => `: ${JSON.stringify(t)}`);
  // An unknown detail element's name is the server's text too (a server may name it after what it was sent).
  const detailName = known ? fault.detailName : serverText(fault.detailName, secrets, NAME_MAX)?.text;
  const cause = known ? FAULT_CAUSES[code as FaultName] : 'The server answered with a SOAP fault the service does not define';
  const detail = faultString ? (faultString.withheld ? faultString.text : JSON.stringify(faultString.text)) : undefined;
  return build(cause, ctx, {
    code,
    fault: detailName,
    faultString: faultString?.text,
    faultCode: serverText(fault.faultCode, secrets, NAME_MAX)?.text,
    statusCode: 500,
  }, detail);
}

/**
 * Turns anything a call can throw into an OpenMediaError. An OpenMediaError passes through (with the operation
 * filled in when it had none).
 */
export function toOpenMediaError(err: unknown, ctx: ErrorContext = {}): OpenMediaError {
  if (err instanceof OpenMediaError) {
    if (err.operation || !ctx.operation) return err;
    // Raised where the operation was not known (e.g. the client's constructor): it goes after the cause.
    const copy = new OpenMediaError(`${err.message} - ${operationLabel(ctx.operation)}`,
      { ...err.toJSON(), value: undefined, code: err.code, operation: ctx.operation } as OpenMediaErrorInit);
    // Already an excerpt: copied as it is (cutting it again would state the excerpt's length).
    if (err.value !== undefined) (copy as unknown as Record<string, unknown>).value = err.value;
    return copy;
  }
  const secrets = scrubberOf(ctx);

  const fault = faultOf(err);
  if (fault) return faultError(fault, ctx, secrets);

  if (err instanceof TransportError) {
    if (err.code.startsWith('HTTP_') && err.statusCode !== undefined) return httpError(err.statusCode, err.statusMessage, ctx);
    if (err.code === 'BAD_RESPONSE') return badResponse(ctx, err.message, false, err.statusCode);
    if (err.code === 'ETIMEDOUT') return build(`${capitalize(err.message)} (timeout)`, ctx, { code: 'ETIMEDOUT' });
    const code = SYSTEM_CODES[err.code] ?? 'CLIENT_ERROR';
    if (code === 'CLIENT_ERROR') return build('Unexpected failure', ctx, { code }, printable(err.message));
    return build(transportCause(code, ctx), ctx, { code });
  }

  const e = err as { code?: unknown; message?: unknown; response?: { status?: number } } | undefined;
  const sysCode = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (sysCode && (TLS_CODES.has(sysCode) || sysCode.startsWith('ERR_SSL_') || sysCode.startsWith('ERR_TLS_'))) {
    // The TLS library's text may quote the server's certificate (its names): server text.
    const why = serverText(message.split('\n')[0], secrets, NAME_MAX * 2, (t) => `(TLS: ${t})`);
    return build(`The secure connection to ${ctx.host ?? 'the server'} failed (TLS: ${why && !why.withheld ? why.text : sysCode})`, ctx,
      { code: 'TLS_ERROR', reason: sysCode }, why?.withheld ? why.text : undefined);
  }
  if (sysCode && SYSTEM_CODES[sysCode]) {
    const code = SYSTEM_CODES[sysCode];
    return build(transportCause(code, ctx), ctx, { code, reason: sysCode });
  }
  // Node's HTTP parser refused the answer (the transport says so itself; this covers an error that came another way).
  if (sysCode && /^HPE_[A-Z0-9_]{1,40}$/.test(sysCode)) return badResponse(ctx, `the answer is not valid HTTP (${sysCode})`, false);
  return build('Unexpected failure', ctx, {
    code: sysCode && /^E[A-Z]+$/.test(sysCode) ? sysCode : 'CLIENT_ERROR',
    reason: sysCode && /^[A-Z0-9_]{1,40}$/.test(sysCode) ? sysCode : undefined,
  }, serverText(message.split('\n')[0], secrets, QUOTE_MAX, (t) => `: ${t}`)?.text);
}

/**
 * An INVALID_INPUT error, raised before anything goes on the wire. `message` says what is wrong (it leads); the
 * operation follows. The value is kept as an excerpt (excerptValue).
 */
export function invalidInput(field: string, rule: string, value: unknown, message: string, operation?: string): OpenMediaError {
  return new OpenMediaError(operation ? `${message} - ${operationLabel(operation)}` : message, {
    code: 'INVALID_INPUT',
    operation,
    field,
    rule,
    value,
  });
}
