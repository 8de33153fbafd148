/**
 * The documented input rules, checked before anything goes on the wire.
 *
 * Driven by the table of operation nodes (operations.ts: which members an operation takes, their kind, which are
 * required, and each one's own limits: min, max, maxLength, ivr, past, the same entries the editor's checks are
 * generated from); the cross-field rules (group by id or tenant + name, options that need a TypeOfSession ...) are
 * spelled out per operation below. Usable by anyone: the nodes call `prepareRequest`, a
 * function node or another package can call `validateRequest` on arguments it built itself.
 *
 * A broken rule is an OpenMediaError with `code: 'INVALID_INPUT'`, `field` (the wire member), `rule` (a stable
 * keyword: required, int, int-range, min, max, max-length, xml-char, max-items, min-items, ivr-empty,
 * group-required, needs-preferred-agent, needs-type-of-session, not-in-past, nothing-to-set, boolean, datetime,
 * string, ivrinfo), `value` (an excerpt of the offending value: errors.ts excerptValue) and, for text, `length`.
 *
 * Every text parameter (and each IVR Label and Data) must consist of characters XML 1.0 can carry (rule xml-char:
 * no control character but tab, line feed and carriage return, no U+FFFE / U+FFFF, no half of a surrogate pair),
 * and has a length limit: the documented one, or for a text the service documents none for (PreferredAgentLogonID)
 * the one in contract.ts LIMITS, which says where it comes from.
 */
import { LIMITS, OPERATIONS, type OperationName } from './contract';
import { coerce, describeNonXmlChar, findNonXmlChar, show, type IVRInformation } from './coerce';
import { invalidInput, type OpenMediaError } from './errors';
import { OPERATION_NODES, type IvrLimits, type ParamDef } from './operations';

export type RequestArgs = Record<string, unknown>;

export interface ValidateOptions {
  /** The time QueueStartTime must lie before (epoch ms); default: now. */
  now?: number;
}

/** The table's parameters of an operation (one node per operation). */
export function paramsOf(operation: OperationName): readonly ParamDef[] {
  const row = OPERATION_NODES.find((n) => n.operation === operation);
  if (!row) throw new TypeError(`no operation node for ${operation}`);
  return row.params;
}

function err(operation: string, field: string, rule: string, value: unknown, message: string, length?: number): OpenMediaError {
  const e = invalidInput(field, rule, value, message, operation);
  if (length !== undefined) (e as unknown as Record<string, unknown>).length = length;
  return e;
}

function given(args: RequestArgs, name: string): boolean {
  return args[name] !== undefined && args[name] !== null;
}

function maxLength(op: string, args: RequestArgs, field: string, limit: number): void {
  const v = args[field];
  if (typeof v === 'string' && v.length > limit) {
    throw err(op, field, 'max-length', v, `${field} is ${v.length} characters; the limit is ${limit} (${show(v)})`, v.length);
  }
}

/** Text the wire cannot carry: refused here, naming the field, the character and where it is. */
function xmlText(op: string, field: string, text: string): void {
  const found = findNonXmlChar(text);
  if (found) {
    throw err(op, field, 'xml-char', text,
      `${field} holds a character XML cannot carry: ${describeNonXmlChar(found)} (${show(text)})`, text.length);
  }
}

function range(op: string, args: RequestArgs, field: string, min?: number, max?: number): void {
  const v = args[field];
  if (typeof v !== 'number') return;
  const low = min !== undefined && v < min;
  if (low || (max !== undefined && v > max)) {
    const what = max === undefined ? `at least ${min}` : min === undefined ? `at most ${max}` : `${min} to ${max}`;
    throw err(op, field, low ? 'min' : 'max', v, `${field} is ${v}; it must be ${what}`);
  }
}

function requireGroup(op: string, args: RequestArgs): void {
  // The service cannot tell an absent xs:int from 0: ServiceGroupID 0 means "by tenant + name".
  if (given(args, 'ServiceGroupID') && args.ServiceGroupID !== 0) return;
  const name = args.ServiceGroupName;
  const hasName = typeof name === 'string' && name.trim() !== '';
  const hasTenant = given(args, 'TenantID');
  if (hasName && hasTenant) return;
  // Name the member that is missing when half of tenant + name is there; otherwise the group id.
  const field = hasName ? 'TenantID' : hasTenant ? 'ServiceGroupName' : 'ServiceGroupID';
  throw err(op, field, 'group-required', undefined,
    `the service group is missing: give ServiceGroupID, or TenantID and ServiceGroupName (${field} is not set)`);
}

function checkIvrInfo(op: string, args: RequestArgs, field: string, limits: IvrLimits): void {
  const items = args[field] as IVRInformation[] | undefined;
  if (items === undefined || items === null) return;
  if (items.length < 1) {
    throw err(op, field, 'min-items', items, `${field} has no items; at least one item with a Label or Data is needed`, 0);
  }
  if (items.length > limits.maxItems) {
    throw err(op, field, 'max-items', items, `${field} has ${items.length} items; the limit is ${limits.maxItems}`, items.length);
  }
  items.forEach((item, i) => {
    const label = item.Label ?? '';
    const data = item.Data ?? '';
    if (label === '' && data === '') {
      throw err(op, `${field}[${i}]`, 'ivr-empty', item, `${field} item ${i + 1} has neither a Label nor Data`);
    }
    for (const [part, text, limit] of [['Label', label, limits.labelMax], ['Data', data, limits.dataMax]] as const) {
      if (text.length > limit) {
        throw err(op, `${field}[${i}].${part}`, 'max-length', text,
          `${field} item ${i + 1} ${part} is ${text.length} characters; the limit is ${limit} (${show(text)})`, text.length);
      }
      xmlText(op, `${field}[${i}].${part}`, text);
    }
  });
}

/** The limits the table gives one parameter (the same ones the editor checks typed-in values against). */
function checkParam(op: OperationName, param: ParamDef, args: RequestArgs, now: number): void {
  const field = param.wire;
  if (!given(args, field)) return;
  if (param.min !== undefined || param.max !== undefined) range(op, args, field, param.min, param.max);
  if (param.maxLength !== undefined) maxLength(op, args, field, param.maxLength);
  const v = args[field];
  if (param.kind === 'string' && typeof v === 'string') xmlText(op, field, v);
  if (param.ivr) checkIvrInfo(op, args, field, param.ivr);
  if (param.past && v instanceof Date && v.getTime() >= now) {
    throw err(op, field, 'not-in-past', v, `${field} ${v.toISOString()} is not in the past (now ${new Date(now).toISOString()})`);
  }
}

const SET_OPTIONS = ['AgentActionOptions', 'CloseTabOptions', 'MaxNumberOfSessions', 'AllowDifferentTypes', 'SessionLinkOptions'];

/**
 * Rules that involve several members, per operation. `args` are already coerced (wire shape) and have passed the
 * table's per-parameter checks.
 */
const RULES: Partial<Record<OperationName, (op: OperationName, args: RequestArgs) => void>> = {
  AddRequest(op, args) {
    requireGroup(op, args);
    if (args.ForceToPreferredAgent === true && !given(args, 'PreferredAgentID')
      && !(typeof args.PreferredAgentLogonID === 'string' && args.PreferredAgentLogonID !== '')) {
      throw err(op, 'ForceToPreferredAgent', 'needs-preferred-agent', true,
        'ForceToPreferredAgent needs a preferred agent (PreferredAgentID or PreferredAgentLogonID)');
    }
  },
  DivertRequest(op, args) {
    requireGroup(op, args);
  },
  SetOptions(op, args) {
    // The service cannot tell an absent xs:int from 0, so "a TypeOfSession is given" means 1 or more.
    const hasType = typeof args.TypeOfSession === 'number' && args.TypeOfSession >= 1;
    const needs: Array<[string, readonly number[]]> = [
      ['AgentActionOptions', LIMITS.agentActionOptions.needTypeOfSession],
      ['CloseTabOptions', LIMITS.closeTabOptions.needTypeOfSession],
    ];
    for (const [field, values] of needs) {
      const v = args[field];
      if (typeof v === 'number' && values.includes(v) && !hasType) {
        throw err(op, field, 'needs-type-of-session', v, `${field} ${v} needs a TypeOfSession of 1 or more`);
      }
    }
    if (!SET_OPTIONS.some((f) => given(args, f)) && args.ResetAllOptions !== true) {
      throw err(op, 'SetOptions', 'nothing-to-set', undefined,
        'nothing to set: give at least one option (AgentActionOptions, CloseTabOptions, MaxNumberOfSessions, AllowDifferentTypes, SessionLinkOptions) or ResetAllOptions');
    }
  },
};

/** Checks arguments that are already in wire shape (numbers, booleans, Dates, IVRInfo arrays). Throws INVALID_INPUT. */
export function validateRequest(operation: OperationName, args: RequestArgs, options: ValidateOptions = {}): void {
  if (!OPERATIONS[operation]) throw new TypeError(`unknown operation ${operation}`);
  const params = paramsOf(operation);
  for (const param of params) {
    if (param.required && !given(args, param.wire)) {
      throw err(operation, param.wire, 'required', undefined, `${param.wire} is required`);
    }
  }
  const now = options.now ?? Date.now();
  for (const param of params) checkParam(operation, param, args, now);
  RULES[operation]?.(operation, args);
}

/**
 * Coerces raw values (keyed by wire member name, as the nodes evaluate them) by the table's kinds, drops what was
 * not given (or puts in the table's `whenAbsent` value for a member the service requires), validates, and returns
 * the arguments for `client.call(operation, args)`. Keys the operation does not take are ignored.
 */
export function prepareRequest(operation: OperationName, raw: RequestArgs, options: ValidateOptions = {}): RequestArgs {
  const args: RequestArgs = {};
  for (const param of paramsOf(operation)) {
    const has = Object.prototype.hasOwnProperty.call(raw, param.wire);
    let value = has ? coerce(param.kind, param.wire, raw[param.wire], operation) : undefined;
    if (value === undefined && param.whenAbsent !== undefined) value = coerce(param.kind, param.wire, param.whenAbsent, operation);
    if (value !== undefined) args[param.wire] = value;
  }
  validateRequest(operation, args, options);
  return args;
}

/** A JSON-friendly copy of request arguments: Dates as ISO strings (what msg.openMedia.request shows). */
export function requestForMessage(args: RequestArgs): RequestArgs {
  const out: RequestArgs = {};
  for (const [k, v] of Object.entries(args)) {
    if (v instanceof Date) out[k] = v.toISOString();
    else if (Array.isArray(v)) out[k] = v.map((item) => (item && typeof item === 'object' ? { ...item } : item));
    else out[k] = v;
  }
  return out;
}
