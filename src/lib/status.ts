/**
 * Status dots of the pack's nodes: what a flow builder reads under a node, in words, and a throttle so a busy node
 * does not update its status for every message.
 *
 * One rule for colour and shape, so a reader who is not a developer can tell who said what:
 *
 *   blue ring     working: the request is on its way ("sending")
 *   green dot     done: the contact center answered yes ("queued #16, pos 3, ~40 s", "cancelled #16", "3 agents")
 *   yellow ring   the contact center answered no: a refusal or a fault it sent ("group closed", "request id
 *                 unknown", "logon rejected", "no licence")
 *   red ring      Node-RED got no usable answer from the server: network, HTTP, TLS ("no connection to server",
 *                 "server timed out", "server error 503", "URL not found (404)")
 *   red dot       nothing was sent: the message or the node's settings are wrong ("invalid ServiceGroupID",
 *                 "no server")
 *
 * Texts stay under STATUS_MAX characters (the editor shows a status on one line under the node).
 */
import type { OpenMediaStatusName, OperationName, RequestStatusName } from './contract';
import type { NodeStatus, RedNode } from './red';

/** Shortest time between two status updates: under load the dot changes at most twice a second. */
export const STATUS_INTERVAL_MS = 500;

/** Longest status text. */
export const STATUS_MAX = 30;

/** The first of the texts that fits in STATUS_MAX characters; the last one cut to fit when none does. */
export function fit(...texts: string[]): string {
  for (const t of texts) if (t.length <= STATUS_MAX) return t;
  const last = texts[texts.length - 1] ?? '';
  return `${last.slice(0, STATUS_MAX - 1)}…`;
}

/** `text` followed by `mark`, which always shows whole: the text is cut (with an ellipsis) when both do not fit. */
export function marked(text: string, mark: string): string {
  if (text.length + mark.length <= STATUS_MAX) return `${text}${mark}`;
  return `${text.slice(0, Math.max(0, STATUS_MAX - mark.length - 1))}…${mark}`;
}

/** Codes of a call that got no usable answer from the server (red ring). */
const TRANSPORT: Record<string, string> = {
  ECONNREFUSED: 'no connection to server',
  ENOTFOUND: 'server name unknown',
  EHOSTUNREACH: 'server unreachable',
  ETIMEDOUT: 'server timed out',
  ECONNRESET: 'connection lost',
  TLS_ERROR: 'certificate problem',
  BAD_RESPONSE: 'unreadable answer',
  CLIENT_CLOSED: 'connection closed',
  CLIENT_ERROR: 'connection error',
};

/** The contact center answered with a fault (yellow ring): it was reached, and it said no. */
const SERVICE: Record<string, string> = {
  InvalidUserFault: 'logon rejected',
  NoLicenseFault: 'no licence',
  RouterDisconnectedFault: 'router disconnected',
  InvalidOpenMediaIDFault: 'request id unknown',
  InvalidDataException: 'data rejected',
  InvalidDataFault: 'data rejected',
  OpenMediaRequestTerminatedFault: 'request already ended',
  SOAP_FAULT: 'contact center fault',
};

/** Nothing was sent (red dot): the flow or the node's settings are at fault. */
const LOCAL: Record<string, string> = {
  INVALID_INPUT: 'invalid input',
  NO_SERVER: 'no server',
};

/** A refusal in an AddRequest / DivertRequest answer (yellow ring). */
const REFUSAL: Record<RequestStatusName, string> = {
  Success: 'accepted',
  GroupClosed: 'group closed',
  InvalidGroup: 'group unknown',
  TenantDisabled: 'tenant disabled',
  AgentLoggedOff: 'agent logged off',
  InvalidID: 'request id unknown',
  // RequestStatus 5, "general error": the contact center did not take the request, for a reason it does not give.
  Error: 'refused: contact center error',
};

/** A request's Status in words (status records). */
export const STATUS_WORDS: Record<OpenMediaStatusName, string> = {
  Unknown: 'status unknown',
  Queued: 'queued',
  AllocatedToAgent: 'offered to agent',
  AgentProcessing: 'with agent',
  Complete: 'complete',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Clerical: 'clerical',
};

/** Letters, digits and a few signs only: a status never shows what a peer or a flow put in an error's field. */
function safe(text: string, max: number): string {
  const s = text.replace(/[^\w.[\]-]/g, '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function httpText(code: string): string | undefined {
  const m = /^HTTP_(\d{3})$/.exec(code);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n === 404) return 'URL not found (404)';
  if (n >= 500) return `server error ${n}`;
  return `HTTP error ${n}`;
}

/** The short words for an error code (the text of failureStatus). */
export function shortStatus(code: string): string {
  return TRANSPORT[code] ?? SERVICE[code] ?? LOCAL[code] ?? httpText(code) ?? fit(safe(code, STATUS_MAX));
}

/** Shorter words for the long ones, where a status must also say when the next try is ("no connection, retry 2s"). */
const COMPACT: Record<string, string> = {
  ECONNREFUSED: 'no connection',
  ENOTFOUND: 'name unknown',
  SOAP_FAULT: 'service fault',
  OpenMediaRequestTerminatedFault: 'request ended',
};

/** "2s", "5m", "3h": a delay as short as a status needs it. */
function delayText(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 100) return `${s}s`;
  if (s < 100 * 60) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/**
 * A failure that is tried again: what failed and when the next try is ("no connection, retry 2s"), within
 * STATUS_MAX characters: shorter words before dropping "retry".
 */
export function retryText(code: string, retryInMs: number): string {
  const words = shortStatus(code);
  const compact = COMPACT[code] ?? words;
  const retry = `, retry ${delayText(retryInMs)}`;
  return fit(`${words}${retry}`, `${compact}${retry}`, `${compact.slice(0, STATUS_MAX - retry.length - 1)}…${retry}`);
}

/** The status of a failed call: colour and shape say who failed (see the top of this file). */
export function failureStatus(err: { code: string; field?: string; rule?: string }): NodeStatus {
  const { code } = err;
  if (SERVICE[code]) return { fill: 'yellow', shape: 'ring', text: SERVICE[code] };
  if (LOCAL[code]) {
    let text = LOCAL[code];
    if (code === 'INVALID_INPUT' && err.rule === 'expression') text = 'bad expression';
    else if (code === 'INVALID_INPUT' && err.field) text = fit(`invalid ${safe(err.field, STATUS_MAX - 8)}`);
    return { fill: 'red', shape: 'dot', text };
  }
  return { fill: 'red', shape: 'ring', text: shortStatus(code) };
}

/**
 * An AddRequest / DivertRequest that was not accepted. A RequestStatus the contract does not define is never
 * quoted (the client's reader refuses one anyway): it would be the server's text, which may echo a secret.
 */
export function refusalStatus(requestStatus: unknown): NodeStatus {
  const words = Object.prototype.hasOwnProperty.call(REFUSAL, String(requestStatus)) ? REFUSAL[requestStatus as RequestStatusName] : undefined;
  return { fill: 'yellow', shape: 'ring', text: words ?? 'not accepted (unknown status)' };
}

/** Says whether a text from the server shows a credential (OpenMediaClient.showsSecret); such text is not shown. */
export type SecretCheck = (text: string) => boolean;

/** "~40 s", "~5 min", "~2 h": an expected wait in seconds, rounded as a person would say it. */
export function waitText(seconds: number): string {
  if (seconds < 90) return `~${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `~${Math.round(seconds / 60)} min`;
  return `~${Math.round(seconds / 3600)} h`;
}

type Answer = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function recordsOf(result: unknown): Answer[] {
  const list = (result as Answer | null)?.OpenMediaRequests;
  return Array.isArray(list) ? (list as Answer[]) : [];
}

/**
 * "#16 queued, position 3", "#16 with agent 4001", "#16 complete": one status record in words. The agent's logon id
 * is the server's text: left out when `showsSecret` finds a credential in it.
 */
export function recordText(record: Answer, showsSecret?: SecretCheck): string {
  const id = `#${num(record.ID)}`;
  const words = STATUS_WORDS[record.Status as OpenMediaStatusName] ?? 'status unknown';
  const logon = typeof record.LogonID === 'string' ? record.LogonID : '';
  const agent = logon !== '' && !showsSecret?.(logon) ? safe(logon, 12) : '';
  const pos = num(record.QueuePosition);
  if (record.Status === 'Queued' && pos > 0) return fit(`${id} queued, position ${pos}`, `${id} queued, pos ${pos}`);
  if (agent && (record.Status === 'AllocatedToAgent' || record.Status === 'AgentProcessing')) {
    return fit(`${id} ${words} ${agent}`, `${id} ${words}`);
  }
  if (agent && record.Status === 'Complete') return fit(`${id} complete by ${agent}`, `${id} complete`);
  return fit(`${id} ${words}`);
}

/** The status of an accepted AddRequest: "queued #16, position 3, ~40 s", or "#16 went to an agent". */
export function queuedText(answer: Answer): string {
  const id = `#${num(answer.OpenMediaID)}`;
  const pos = num(answer.QueuePosition);
  const ewt = num(answer.EWT);
  if (pos <= 0) return fit(`${id} went to an agent`, `${id} to agent`);
  const wait = ewt > 0 ? `, ${waitText(ewt)}` : '';
  return fit(`queued ${id}, position ${pos}${wait}`, `queued ${id}, pos ${pos}${wait}`, `queued ${id}, pos ${pos}`, `queued ${id}`);
}

/**
 * The status of a call the service answered: green dot when it did what was asked, yellow ring when it said no
 * (a refusal, or `false` from cancel / modify / set options). `request` is what was sent (wire names);
 * `showsSecret` keeps server text that shows a credential out (recordText).
 */
export function answerStatus(operation: OperationName, request: Answer, result: unknown, showsSecret?: SecretCheck): NodeStatus {
  const done = (text: string): NodeStatus => ({ fill: 'green', shape: 'dot', text });
  const no = (text: string): NodeStatus => ({ fill: 'yellow', shape: 'ring', text });
  const answer = (result ?? {}) as Answer;
  const reqId = num(request.OpenMediaID ?? request.openMediaID);
  switch (operation) {
    case 'AddRequest':
      return answer.RequestStatus === 'Success' ? done(queuedText(answer)) : refusalStatus(answer.RequestStatus);
    case 'DivertRequest': {
      if (answer.RequestStatus !== 'Success') return refusalStatus(answer.RequestStatus);
      const id = `#${num(answer.OpenMediaID) || reqId}`;
      const group = request.ServiceGroupID !== undefined ? ` to group ${num(request.ServiceGroupID)}` : '';
      return done(fit(`diverted ${id}${group}`, `diverted ${id}`));
    }
    case 'CancelRequest':
      return result === false ? no(`not cancelled #${reqId}`) : done(`cancelled #${reqId}`);
    case 'ModifyRequest':
      return result === false ? no(`not changed #${reqId}`) : done(`changed #${reqId}`);
    case 'SetOptions': {
      const type = request.TypeOfSession !== undefined ? ` for type ${num(request.TypeOfSession)}` : '';
      return result === false ? no('options not set') : done(fit(`options set${type}`, 'options set'));
    }
    case 'GetOpenMediaRequestStatusByID': {
      const [record] = recordsOf(result);
      return done(record ? recordText(record, showsSecret) : `#${reqId}: no status`);
    }
    case 'GetOpenMediaRequestHistoryByID': {
      const records = recordsOf(result);
      const last = records[records.length - 1];
      const n = plural(records.length, 'change');
      const now = last ? STATUS_WORDS[last.Status as OpenMediaStatusName] : undefined;
      return done(fit(now ? `#${reqId}: ${n}, ${now}` : `#${reqId}: ${n}`, `#${reqId}: ${n}`));
    }
    case 'GetOpenMediaRequestsByTime': {
      const n = recordsOf(result).length;
      return done(n ? plural(n, 'status change') : 'no status changes');
    }
    case 'GetAllOpenMediaRequestStatus': {
      const records = recordsOf(result);
      const queued = records.filter((r) => r.Status === 'Queued').length;
      return done(fit(`${plural(records.length, 'request')}, ${queued} queued`, plural(records.length, 'request')));
    }
    case 'GetServiceGroupStatus':
      return done(`group ${num(answer.ServiceGroupID) || num(request.serviceGroupID)} ${answer.Open ? 'open' : 'closed'}`);
    case 'GetAllOpenMediaServiceGroupStatus': {
      const groups = Array.isArray(answer.Status) ? (answer.Status as Answer[]) : [];
      const open = groups.filter((g) => g.Open === true).length;
      return done(fit(`${plural(groups.length, 'group')}, ${open} open`));
    }
    case 'GetOMAgentsByGroup': {
      const agents = Array.isArray(answer.AgentList) ? answer.AgentList.length : 0;
      const group = num(answer.ServiceGroupID) || num(request.serviceGroupID);
      return done(fit(`group ${group}: ${plural(agents, 'agent')}`, plural(agents, 'agent')));
    }
    default:
      return done('done');
  }
}

/** What tells two statuses apart, cheaply (set() runs for every message, twice). */
function statusKey(status: NodeStatus): string {
  return `${status.fill ?? ''}|${status.shape ?? ''}|${status.text ?? ''}`;
}

/** Shows a status at most every `interval` ms, and only when it changes; the last one asked for always shows. */
export class StatusThrottle {
  private last = '';
  private lastAt = 0;
  private pending?: NodeStatus;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly node: RedNode, private readonly interval = STATUS_INTERVAL_MS) {}

  set(status: NodeStatus): void {
    if (this.closed) return;
    if (this.timer) {
      this.pending = status;
      return;
    }
    const key = statusKey(status);
    if (key === this.last) return;
    const wait = this.lastAt + this.interval - Date.now();
    if (wait <= 0) {
      this.show(status, key);
      return;
    }
    this.pending = status;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (!next) return;
      const nextKey = statusKey(next);
      if (nextKey !== this.last) this.show(next, nextKey);
    }, wait);
  }

  private show(status: NodeStatus, key: string): void {
    this.last = key;
    this.lastAt = Date.now();
    this.node.status(status);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
