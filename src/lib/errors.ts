/**
 * The one error shape of the pack. Whatever goes wrong in a call (a typed SOAP fault, the network, the HTTP layer,
 * a broken answer, input that breaks a documented rule) ends up as an OpenMediaError with a stable `code`.
 *
 * Nothing here may ever carry a credential: messages name the operation and the endpoint's host only, texts that
 * come from the far side are scrubbed of the configured secrets, and the raw request is never attached.
 */
import { FAULT_NAMES, type FaultName, type OperationName } from './contract';
import { TransportError } from './http-transport';
import { escapeXml } from './xml-escape';

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
  | 'CLIENT_ERROR';

export type OpenMediaErrorCode = FaultName | TransportCode | `HTTP_${number}`;

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
  /** INVALID_INPUT: the offending field, the rule it breaks and the value (or its length). */
  field?: string;
  rule?: string;
  value?: unknown;
  /** INVALID_INPUT on a too long text: its length (the value itself may be left out). */
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
    this.code = init.code;
    // Only set what is there, so JSON.stringify / util.inspect stay short.
    for (const key of FIELDS) {
      if (init[key] !== undefined) (this as Record<string, unknown>)[key] = init[key];
    }
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

/** Where an error happened, for the message; secrets are removed from any text that came from elsewhere. */
export interface ErrorContext {
  operation?: string;
  /** `host:port` of the endpoint. */
  host?: string;
  /** Strings (the password, the logon id) that must not appear in any text of the error. */
  secrets?: readonly string[];
}

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

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  CLIENT_CLOSED: 'the client is closed',
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every configured secret (and its XML-escaped form) in `text` with `***`. */
export function scrub(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets || !text) return text;
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    const escaped = escapeXml(secret);
    for (const form of new Set([secret, escaped])) {
      out = out.replace(new RegExp(escapeRegExp(form), 'g'), '***');
    }
  }
  return out;
}

function prefix(ctx: ErrorContext): string {
  const op = ctx.operation ?? 'request';
  return ctx.host ? `${op} failed on ${ctx.host}` : `${op} failed`;
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

/** The Fault soap parsed (it throws an Error whose `root` is the parsed envelope). */
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

/**
 * Turns anything a call can throw into an OpenMediaError. An OpenMediaError passes through (with the operation
 * filled in when it had none).
 */
export function toOpenMediaError(err: unknown, ctx: ErrorContext = {}): OpenMediaError {
  if (err instanceof OpenMediaError) {
    if (err.operation || !ctx.operation) return err;
    return new OpenMediaError(err.message, { ...err.toJSON(), code: err.code, operation: ctx.operation } as OpenMediaErrorInit);
  }
  const base = { operation: ctx.operation, host: ctx.host };
  const head = prefix(ctx);

  const fault = faultOf(err);
  if (fault) {
    const faultString = fault.faultString !== undefined ? scrub(fault.faultString, ctx.secrets) : undefined;
    const known = fault.detailName !== undefined && KNOWN_FAULTS.has(fault.detailName);
    const code = known ? (fault.detailName as string) : 'SOAP_FAULT';
    const what = fault.detailName ?? 'SOAP fault';
    return new OpenMediaError(`${head}: ${what}${faultString ? ` (${faultString})` : ''}`, {
      ...base,
      code,
      fault: fault.detailName !== undefined ? scrub(fault.detailName, ctx.secrets) : undefined,
      faultString,
      faultCode: fault.faultCode !== undefined ? scrub(fault.faultCode, ctx.secrets) : undefined,
      statusCode: 500,
    });
  }

  if (err instanceof TransportError) {
    if (err.code === 'CLIENT_CLOSED') {
      return new OpenMediaError(`${head}: ${err.message}`, { ...base, code: 'CLIENT_CLOSED' });
    }
    if (err.code.startsWith('HTTP_') || err.code === 'BAD_RESPONSE') {
      return new OpenMediaError(`${head}: ${err.code === 'BAD_RESPONSE' ? 'unexpected answer, ' : ''}${err.message}`, {
        ...base,
        code: err.code,
        statusCode: err.statusCode,
      });
    }
    const code = SYSTEM_CODES[err.code] ?? 'CLIENT_ERROR';
    return new OpenMediaError(`${head}: ${err.message}`, { ...base, code });
  }

  const e = err as { code?: unknown; message?: unknown; response?: { status?: number } } | undefined;
  const sysCode = typeof e?.code === 'string' ? e.code : undefined;
  if (sysCode && (TLS_CODES.has(sysCode) || sysCode.startsWith('ERR_SSL_') || sysCode.startsWith('ERR_TLS_'))) {
    const reason = scrub(typeof e?.message === 'string' ? e.message : sysCode, ctx.secrets);
    return new OpenMediaError(`${head}: TLS error, ${reason}`, { ...base, code: 'TLS_ERROR', reason: sysCode });
  }
  if (sysCode && SYSTEM_CODES[sysCode]) {
    const code = SYSTEM_CODES[sysCode];
    return new OpenMediaError(`${head}: ${DESCRIPTIONS[code] ?? code}`, { ...base, code, reason: sysCode });
  }
  // soap's own parse failures: "Invalid XML" is thrown as a plain { Fault } object, the others as Errors.
  const soapFault = (err as { Fault?: { faultstring?: unknown } } | undefined)?.Fault;
  if (soapFault && typeof soapFault === 'object') {
    return new OpenMediaError(`${head}: unexpected answer, the XML could not be parsed`, { ...base, code: 'BAD_RESPONSE' });
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (/Cannot parse response|Error http status codes|Unexpected|Invalid XML|Non-whitespace|Unclosed|Unmatched/i.test(message)) {
    return new OpenMediaError(`${head}: unexpected answer, ${scrub(message.split('\n')[0], ctx.secrets)}`, {
      ...base,
      code: 'BAD_RESPONSE',
      statusCode: e?.response?.status,
    });
  }
  return new OpenMediaError(`${head}: ${scrub(message.split('\n')[0].slice(0, 300), ctx.secrets)}`, {
    ...base,
    code: sysCode && /^E[A-Z]+$/.test(sysCode) ? sysCode : 'CLIENT_ERROR',
    reason: sysCode,
  });
}

/** An INVALID_INPUT error, raised before anything goes on the wire. */
export function invalidInput(field: string, rule: string, value: unknown, message: string, operation?: string): OpenMediaError {
  return new OpenMediaError(operation ? `${operation}: ${message}` : message, {
    code: 'INVALID_INPUT',
    operation,
    field,
    rule,
    value,
  });
}
