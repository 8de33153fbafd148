/**
 * Status dots of the operation nodes: short texts (< 20 characters) for the error codes, and a throttle so a busy
 * node does not update its status for every message.
 */
import type { NodeStatus, RedNode } from './red';

/** Shortest time between two status updates: under load the dot changes at most twice a second. */
export const STATUS_INTERVAL_MS = 500;

/** Short status texts (< 20 characters) for the error codes. */
const SHORT: Record<string, string> = {
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'unreachable',
  TLS_ERROR: 'TLS error',
  BAD_RESPONSE: 'bad response',
  SOAP_FAULT: 'SOAP fault',
  CLIENT_CLOSED: 'closed',
  INVALID_INPUT: 'invalid input',
  NO_SERVER: 'no server',
  InvalidUserFault: 'InvalidUserFault',
  NoLicenseFault: 'NoLicenseFault',
  RouterDisconnectedFault: 'router disconnected',
  InvalidOpenMediaIDFault: 'unknown id',
  InvalidDataException: 'invalid data',
  InvalidDataFault: 'invalid data',
  OpenMediaRequestTerminatedFault: 'terminated',
};

export function shortStatus(code: string): string {
  if (SHORT[code]) return SHORT[code];
  const http = /^HTTP_(\d+)$/.exec(code);
  if (http) return `HTTP ${http[1]}`;
  return code.length < 20 ? code : `${code.slice(0, 18)}.`;
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

