/**
 * What om-add-request sent for each request this Node-RED added, by OpenMediaID, and where each of those requests
 * stands (open / terminated), so that:
 *  - every event of the request carries it (`msg.request`: IVRInfo, PrivateData, the user's correlation value ...);
 *  - the node knows which open requests are "ours" and can notice when one vanishes (service restart);
 *  - the memory stays bounded: an entry is forgotten once its request terminated and the service's DataExpiration
 *    passed (the service forgets it then too), measured in the service's time.
 * Pure logic: no timers, no I/O.
 */
import { TERMINAL_STATUSES } from '../contract';
import type { StatusRecord } from '../normalize';
import { timeOf } from './tracker';

export interface AddedInfo {
  OpenMediaID: number;
  /** What was sent, wire member names (as om-server's 'openmedia:added' event gives it). */
  request?: Record<string, unknown>;
  correlation?: unknown;
  /** Id of the om-add-request node. */
  node?: string;
}

export interface CorrelationEntry {
  id: number;
  request: Record<string, unknown>;
  correlation?: unknown;
  node?: string;
  /** Registration order in this process (only entries registered before a check started are checked). */
  seq: number;
  /** Not terminated as far as the node knows. */
  open: boolean;
  /** Last status seen for it ('' before the first record). */
  status: string;
  /** Service group of the last record seen (0 before the first). */
  group: number;
  /** Service time (ms) of the last record seen, NaN before the first. */
  lastTs: number;
  /** Service time (ms) at which it terminated, NaN while open. */
  endTs: number;
}

/** Saved form: [id, request, correlation, node, open, status, group, lastTs, endTs]. */
export type SavedEntry = [number, Record<string, unknown>, unknown, string | null, boolean, string, number, number | null, number | null];

/**
 * What changes of an entry after it was added, in saved form: [id, open, status, group, lastTs, endTs]. Only a change
 * of `open` or of the group is reported (see takeChanges): the rest is what the service will tell again.
 */
export type EntryStatus = [number, boolean, string, number, number | null, number | null];

/** What changed in the map since the last takeChanges(), for a store that writes changes rather than the whole. */
export interface CorrelationChanges {
  updated: EntryStatus[];
  forgotten: number[];
}

const TERMINAL = new Set<string>(TERMINAL_STATUSES);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/**
 * A deep copy of `value` that shares nothing with it and can itself be cloned (structuredClone) again, so the copies
 * made from it for each event cannot throw. structuredClone first; a value it refuses (a function somewhere inside)
 * goes through a JSON round trip (functions and undefined members dropped, Dates become ISO strings); a value JSON
 * refuses too (a BigInt or a cycle beside the function) is walked, keeping every part that can be cloned and
 * dropping the rest. `lossy` says whether anything was left out or changed on the way.
 */
export function detachedCopy(value: unknown): { copy: unknown; lossy: boolean } {
  // The usual case (what om-add-request sent, a ticket id) is plain JSON-like data: copied directly, several times
  // faster than structuredClone on such small values (it runs for every add).
  const plain = plainCopy(value, 0);
  if (plain !== NOT_PLAIN) return { copy: plain, lossy: false };
  try {
    return { copy: structuredClone(value), lossy: false };
  } catch {
    // not cloneable as a whole: below
  }
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return { copy: JSON.parse(text) as unknown, lossy: true };
  } catch {
    // not JSON either: below
  }
  return { copy: walkCopy(value, new WeakSet()), lossy: true };
}

const NOT_PLAIN = Symbol('not plain');
const PLAIN_DEPTH = 32;

/**
 * A copy of plain data (strings, finite and other numbers, booleans, null, arrays, objects whose prototype is
 * Object.prototype or null), or NOT_PLAIN when `value` holds anything else (a Date, a Map, a function, undefined in
 * an array, a nesting deeper than PLAIN_DEPTH, which also stops a cycle): structuredClone decides then.
 */
function plainCopy(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth >= PLAIN_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const c = plainCopy(value[i], depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out[i] = c;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return NOT_PLAIN; // an own "__proto__" (from JSON.parse) must not become a prototype
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue; // absent and undefined read the same
    const c = plainCopy(v, depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[key] = c;
  }
  return out;
}

/** The parts of `value` that can be cloned; objects that cannot be cloned whole are copied member by member. */
function walkCopy(value: unknown, path: WeakSet<object>): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    // copied member by member below
  }
  if (path.has(value)) return undefined; // a cycle through a part that cannot be cloned: cut here
  path.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => {
      const c = walkCopy(item, path);
      return c === undefined ? null : c;
    });
  } else {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = walkCopy(v, path);
      if (c !== undefined) obj[k] = c;
    }
    out = obj;
  }
  path.delete(value);
  return out;
}

/** A fresh copy of a value that detachedCopy made (so structuredClone cannot fail; the fallback is for safety). */
function cloneOf<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return detachedCopy(value).copy as T;
  }
}

/** The saved form of an entry. */
export function savedEntry(e: CorrelationEntry): SavedEntry {
  return [e.id, e.request, e.correlation === undefined ? null : e.correlation, e.node ?? null, e.open, e.status, e.group,
    Number.isNaN(e.lastTs) ? null : e.lastTs, Number.isNaN(e.endTs) ? null : e.endTs];
}

function entryStatus(e: CorrelationEntry): EntryStatus {
  return [e.id, e.open, e.status, e.group, Number.isNaN(e.lastTs) ? null : e.lastTs, Number.isNaN(e.endTs) ? null : e.endTs];
}

export class CorrelationMap {
  private readonly map = new Map<number, CorrelationEntry>();
  private seq = 0;
  private changes = 0;
  /** Ids whose `open` or group changed since the last takeChanges(), and ids forgotten since then. */
  private readonly dirty = new Set<number>();
  private readonly gone = new Set<number>();

  /** Bumped by every change of what toJSON() returns (so unchanged state need not be saved again). */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.map.size;
  }

  /** Next registration number: entries added from now on have seq >= this. */
  get nextSeq(): number {
    return this.seq;
  }

  get(id: number): CorrelationEntry | undefined {
    return this.map.get(id);
  }

  has(id: number): boolean {
    return this.map.has(id);
  }

  /**
   * Remembers a request om-add-request added. Returns the entry it replaced when that one was still open (the
   * service gave out the id again: it must have restarted), so the caller can report it.
   *
   * The request and the correlation value are copied here, once (see detachedCopy): what om-add-request passes is
   * the very object of its msg.openMedia.request, which the flow may change afterwards, and every later copy (one per
   * event) must not be able to fail. `lossy` is called when a part could not be copied as it was.
   */
  add(info: AddedInfo, lossy?: (part: 'request' | 'correlation') => void): CorrelationEntry | undefined {
    const id = Number(info.OpenMediaID);
    if (!Number.isInteger(id) || id <= 0) return undefined;
    const previous = this.map.get(id);
    let request: Record<string, unknown> = {};
    if (info.request && typeof info.request === 'object') {
      const r = detachedCopy(info.request);
      if (r.lossy) lossy?.('request');
      if (r.copy && typeof r.copy === 'object' && !Array.isArray(r.copy)) request = r.copy as Record<string, unknown>;
    }
    const entry: CorrelationEntry = {
      id,
      request,
      seq: this.seq++,
      open: true,
      status: '',
      group: 0,
      lastTs: NaN,
      endTs: NaN,
    };
    if (info.correlation !== undefined) {
      const c = detachedCopy(info.correlation);
      if (c.lossy) lossy?.('correlation');
      if (c.copy !== undefined) entry.correlation = c.copy;
    }
    if (info.node !== undefined) entry.node = String(info.node);
    if (previous) this.map.delete(id); // re-insert so iteration stays in registration order
    this.map.set(id, entry);
    // The new entry is saved whole by whoever added it; older changes of the id no longer apply.
    this.dirty.delete(id);
    this.gone.delete(id);
    this.changes++;
    return previous && previous.open ? previous : undefined;
  }

  /** Follows the status of our requests through a batch of records (in time order). */
  observe(records: readonly StatusRecord[]): void {
    if (this.map.size === 0) return;
    for (const r of records) {
      const e = this.map.get(r.ID);
      if (e === undefined) continue;
      const ts = timeOf(r.TimeStamp);
      if (!Number.isNaN(e.lastTs) && ts < e.lastTs) continue;
      if (ts === e.lastTs && r.Status === e.status && (!r.ServiceGroupID || r.ServiceGroupID === e.group)) continue;
      this.changes++;
      const { open, group } = e;
      e.lastTs = ts;
      e.status = r.Status;
      if (r.ServiceGroupID) e.group = r.ServiceGroupID;
      if (isTerminal(r.Status)) {
        e.open = false;
        e.endTs = ts;
      } else if (e.open === false) {
        // Never happens with a conforming service (terminated is final); trust the newest record.
        e.open = true;
        e.endTs = NaN;
      }
      if (e.open !== open || e.group !== group) this.dirty.add(e.id);
    }
  }

  /** Marks an entry terminated at service time `ts` (a failure the node detected itself). */
  close(id: number, status: string, ts: number): void {
    const e = this.map.get(id);
    if (!e) return;
    this.changes++;
    e.open = false;
    e.status = status;
    e.lastTs = ts;
    e.endTs = ts;
    this.dirty.add(id);
  }

  /** Forgets requests that terminated more than `expirationMs` before the service time `now`. */
  expire(now: number, expirationMs: number): number {
    if (Number.isNaN(now)) return 0;
    let dropped = 0;
    for (const [id, e] of this.map) {
      if (!e.open && !(e.endTs + expirationMs >= now)) {
        this.forget(id);
        dropped++;
      }
    }
    if (dropped) this.changes++;
    return dropped;
  }

  /** Forgets the oldest registered entries beyond `max` (a bound for when nobody follows the statuses). */
  trim(max: number): number {
    let over = this.map.size - max;
    if (over <= 0) return 0;
    const n = over;
    for (const id of this.map.keys()) {
      if (over-- <= 0) break;
      this.forget(id);
    }
    this.changes++;
    return n;
  }

  private forget(id: number): void {
    this.map.delete(id);
    this.dirty.delete(id);
    this.gone.add(id);
  }

  /**
   * What changed since the last call (and forgets it): the entries whose `open` or group changed, in saved form, and
   * the ids forgotten. A store that keeps the entries as they were added needs nothing else: the other fields only
   * say what the service will say again.
   */
  takeChanges(): CorrelationChanges {
    const updated: EntryStatus[] = [];
    for (const id of this.dirty) {
      const e = this.map.get(id);
      if (e) updated.push(entryStatus(e));
    }
    const out = { updated, forgotten: [...this.gone] };
    this.dirty.clear();
    this.gone.clear();
    return out;
  }

  /** Whether takeChanges() has anything to give. */
  get hasChanges(): boolean {
    return this.dirty.size > 0 || this.gone.size > 0;
  }

  /** Open entries registered before `beforeSeq` (default: all), oldest first. */
  openEntries(beforeSeq = Infinity): CorrelationEntry[] {
    const out: CorrelationEntry[] = [];
    for (const e of this.map.values()) if (e.open && e.seq < beforeSeq) out.push(e);
    return out;
  }

  /**
   * The `msg.request` of an event: what was sent, with the correlation value. A fresh copy each time (every message
   * is the flow's to change); it cannot throw, as add() stored only cloneable copies.
   */
  requestFor(id: number): Record<string, unknown> | undefined {
    const e = this.map.get(id);
    if (!e) return undefined;
    const out: Record<string, unknown> = cloneOf(e.request);
    if (e.correlation !== undefined) out.correlation = cloneOf(e.correlation);
    return out;
  }

  toJSON(): SavedEntry[] {
    const out: SavedEntry[] = [];
    for (const e of this.map.values()) out.push(savedEntry(e));
    return out;
  }

  // What another instance of a pair wrote (shared state, see shared.ts). Not changes of this map's own: nothing is
  // marked to be written again.

  /**
   * An entry added through another instance: replaces one of the same id unless it is the very same add (a log
   * entry delivered twice). Returns the entry and, when it replaced an open request, that one (the id was given out
   * again: the service restarted).
   */
  put(saved: SavedEntry): { entry?: CorrelationEntry; displaced?: CorrelationEntry } {
    const previous = this.map.get(saved[0]);
    if (previous && sameAdd(previous, saved)) return {};
    this.map.delete(saved[0]);
    if (this.merge([saved]) === 0) {
      if (previous) this.map.set(previous.id, previous);
      return {};
    }
    const entry = this.map.get(saved[0]);
    this.dirty.delete(saved[0]);
    this.gone.delete(saved[0]);
    return previous && previous.open ? { entry, displaced: previous } : { entry };
  }

  /** A status change the lease holder saw. */
  applyStatus(s: EntryStatus): void {
    const e = this.map.get(s[0]);
    if (!e) return;
    [, e.open, e.status, e.group] = s;
    e.lastTs = typeof s[4] === 'number' ? s[4] : NaN;
    e.endTs = typeof s[5] === 'number' ? s[5] : NaN;
    this.changes++;
  }

  /** An entry the lease holder forgot. */
  remove(id: number): void {
    if (this.map.delete(id)) this.changes++;
    this.dirty.delete(id);
    this.gone.delete(id);
  }

  /** Everything replaced by the shared state (this instance takes over from another). */
  replaceAll(saved: readonly SavedEntry[]): void {
    this.map.clear();
    this.dirty.clear();
    this.gone.clear();
    this.merge(saved);
    this.changes++;
  }

  /** Adds saved entries this map does not hold yet (the live ones win); `into` receives those it took. */
  merge(saved: unknown, into?: SavedEntry[]): number {
    if (!Array.isArray(saved)) return 0;
    let added = 0;
    for (const item of saved) {
      if (!Array.isArray(item) || item.length < 9) continue;
      const [id, request, correlation, node, open, status, group, lastTs, endTs] = item as SavedEntry;
      if (!Number.isInteger(id) || this.map.has(id)) continue;
      const e: CorrelationEntry = {
        id,
        request: request && typeof request === 'object' ? request : {},
        seq: this.seq++,
        open: open !== false,
        status: typeof status === 'string' ? status : '',
        group: typeof group === 'number' ? group : 0,
        lastTs: typeof lastTs === 'number' ? lastTs : NaN,
        endTs: typeof endTs === 'number' ? endTs : NaN,
      };
      if (correlation !== null && correlation !== undefined) e.correlation = correlation;
      if (typeof node === 'string') e.node = node;
      this.map.set(id, e);
      into?.push(savedEntry(e));
      added++;
    }
    if (added) this.changes++;
    return added;
  }
}

/** Is `saved` the add this entry was made from (same request, correlation value and node)? */
function sameAdd(e: CorrelationEntry, saved: SavedEntry): boolean {
  const [, request, correlation, node] = saved;
  return (e.node ?? null) === (node ?? null)
    && JSON.stringify(e.request) === JSON.stringify(request)
    && JSON.stringify(e.correlation === undefined ? null : e.correlation) === JSON.stringify(correlation ?? null);
}
