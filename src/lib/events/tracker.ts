/**
 * The cursor and the dedupe memory of one om-events subscriber: pure logic, no timers, no I/O, no Node-RED.
 *
 * The service answers GetOpenMediaRequestsByTime(retrieveLaterThan) with every record stamped strictly later than
 * the given time, plus its own current time (`TimeStamp`). The tracker:
 *
 *  - keeps the cursor in the SERVICE's time: the TimeStamp of the last answer it ingested. The local clock is never
 *    used (the two may differ by hours).
 *  - asks for an overlapping window: `queryStart()` = cursor - overlap. A record the service stamped just before it
 *    answered, but only stored after (or stamped on the very millisecond of the cursor), is still in the next window.
 *  - drops what it already handled, keyed by ID + Status + TimeStamp. The key is counted as a multiset: if one answer
 *    holds the same key twice (a request diverted twice within one millisecond), both are kept, and a later answer
 *    holding it twice again emits nothing.
 *  - forgets a key once it falls out of every future window (`floor`), so the memory is bounded by the records of
 *    one overlap window (plus those of the newest timestamp it saw, see below).
 *
 * `floor`: every record stamped at or before it was handled (or is too old to matter). Records at or before the floor
 * are dropped without a lookup; that is also what lets several subscribers with different cursors share one query
 * (the query starts at the oldest cursor; the others drop the older part).
 *
 * A service clock that goes backwards: the cursor follows the service (it is its time), but the floor does not move
 * back below the newest record seen, whose keys are always kept. A service that never stamps an event earlier than
 * the previous one (the documented simulator, and a service whose clock is merely set back) therefore neither
 * repeats nor loses a record.
 *
 * Cost: O(n) per answer of n records (one map lookup each; a sort only when the answer is not in time order).
 */
import type { StatusRecord } from '../normalize';
import { VERDICT, type StatusAnswer, type Verdict } from './types';

/** Default overlap of two consecutive query windows, ms. */
export const DEFAULT_OVERLAP_MS = 5000;

/**
 * The dedupe memory is grouped by TimeStamp (one bucket per distinct TimeStamp string, which also makes forgetting a
 * whole timestamp O(1)); inside a bucket a key is a number, ID x 16 + status, and its value packs three counters:
 * bits 0-9 = records handled, bits 10-19 = occurrences in the answer being ingested, above = that answer's number.
 * No object and no string per record: at 100k records per answer the garbage collector stays out of the way.
 */
interface Bucket {
  ts: number;
  keys: Map<number, number>;
}

const N_MASK = 1023;
const A_UNIT = 1024;
const GEN_UNIT = 1048576;
/** 1023 x GEN_UNIT + 1023 x A_UNIT + 1023 = 2^30 - 1: the largest small integer V8 keeps unboxed. */
const GEN_WRAP = 1024;

/** What a tracker saves (JSON: in the journal, and in a context store's copy). */
export interface TrackerState {
  v: 2;
  /** The cursor: the service's TimeStamp of the last answer ingested (ISO), or null. */
  cursor: string | null;
  /** Epoch ms, or null for "none yet". */
  floor: number | null;
  /** Newest record TimeStamp seen, epoch ms, or null. */
  newest: number | null;
  /** Per TimeStamp inside the window: [TimeStamp ISO, [ID x 16 + status, records handled, ...]]. */
  seen: Array<[string, number[]]>;
}

export interface IngestOptions {
  /** Mark everything in the answer as handled, emit nothing (start "from now"). */
  markOnly?: boolean;
  /** A subscriber's filter; default: emit everything. */
  judge?: (record: StatusRecord) => Verdict;
}

const STATUS_INDEX: Record<string, number> = {
  Unknown: 0, Queued: 1, AllocatedToAgent: 2, AgentProcessing: 3, Complete: 4, Failed: 5, Cancelled: 6, Clerical: 7,
};

/** The numeric key of a record inside its TimeStamp bucket. */
function numKey(r: StatusRecord): number {
  const st = STATUS_INDEX[r.Status];
  return r.ID * 16 + (st === undefined ? 15 : st);
}

/** The dedupe key of a status record. */
export function keyOf(r: StatusRecord): string {
  return `${r.ID}|${r.Status}|${r.TimeStamp}`;
}

/** Epoch ms of an ISO string; NaN for anything else. */
export function timeOf(iso: string | null | undefined): number {
  return typeof iso === 'string' ? Date.parse(iso) : NaN;
}

export class EventTracker {
  /** The service's time of the last answer ingested, epoch ms; null before the first. */
  cursor: number | null = null;
  /** Records stamped at or before this were handled. */
  floor = -Infinity;
  /** Newest record TimeStamp ingested (epoch ms). */
  newest = -Infinity;
  private readonly buckets = new Map<string, Bucket>();
  private gen = 0;
  private changes = 0;

  constructor(readonly overlapMs: number = DEFAULT_OVERLAP_MS) {
    if (!(overlapMs >= 0)) throw new RangeError('overlapMs must be >= 0');
  }

  /** retrieveLaterThan for this subscriber's next query (epoch ms), or null when it has no cursor yet. */
  queryStart(): number | null {
    return this.cursor === null ? null : this.cursor - this.overlapMs;
  }

  /**
   * Bumped whenever the state changed in a way a saved copy must know: a record handled, the first cursor, a cursor
   * that went back. The cursor merely moving on is not counted: a state saved before it resumes from its older
   * cursor, and the wider window it then asks for holds only records that state already counts as handled.
   */
  get version(): number {
    return this.changes;
  }

  /** Keys currently remembered (the dedupe memory). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.keys.size;
    return n;
  }

  /**
   * Ingests one answer: returns the records to emit, in time order (per request: in the service's order), and moves
   * the cursor to the answer's TimeStamp.
   */
  ingest(answer: StatusAnswer, options: IngestOptions = {}): StatusRecord[] {
    const records = answer.OpenMediaRequests ?? [];
    const n = records.length;
    const out: StatusRecord[] = [];
    // Packed values stay small integers (no heap number per key); the answer number wraps at GEN_WRAP, and then
    // every remembered key forgets its occurrence count of an older answer.
    this.gen += 1;
    if (this.gen >= GEN_WRAP) {
      this.gen = 1;
      for (const b of this.buckets.values()) for (const [key, v] of b.keys) b.keys.set(key, v & N_MASK);
    }
    const genBase = this.gen * GEN_UNIT;
    const judge = options.judge;
    const markOnly = options.markOnly === true;
    const answerTs = timeOf(answer.TimeStamp);

    // Parse each TimeStamp once (consecutive records often share one string), then order by time if needed.
    const times = new Float64Array(n);
    let lastIso: string | null | undefined;
    let lastTs = NaN;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const iso = records[i].TimeStamp;
      if (iso !== lastIso) {
        lastIso = iso;
        lastTs = timeOf(iso);
        // A record without a usable TimeStamp is placed at the answer's time: it is still seen, never dropped.
        if (Number.isNaN(lastTs)) lastTs = Number.isNaN(answerTs) ? 0 : answerTs;
      }
      times[i] = lastTs;
      if (i > 0 && lastTs < times[i - 1]) sorted = false;
    }
    let order: number[] | null = null;
    if (!sorted) {
      order = Array.from({ length: n }, (_, i) => i);
      order.sort((x, y) => times[x] - times[y] || x - y);
    }

    // The service clock went back: lower the floor to what the newest timestamp's (always kept) keys can tell apart,
    // so that records it stamps at that time are still looked at.
    if (this.cursor !== null && answerTs < this.cursor && this.newest > -Infinity && this.newest - 1 < this.floor) {
      this.floor = Math.max(answerTs - this.overlapMs, this.newest - 1);
    }
    let newest = this.newest;
    const floor = this.floor;
    let committed = false;
    let bucketIso: string | null | undefined;
    let bucket: Bucket | undefined;
    for (let j = 0; j < n; j++) {
      const i = order ? order[j] : j;
      const ts = times[i];
      if (ts <= floor) continue;
      const r = records[i];
      const iso = String(r.TimeStamp);
      if (bucket === undefined || iso !== bucketIso) {
        bucketIso = iso;
        bucket = this.buckets.get(iso);
        if (bucket === undefined) {
          bucket = { ts, keys: new Map() };
          this.buckets.set(iso, bucket);
        }
      }
      const key = numKey(r);
      let v = bucket.keys.get(key);
      if (v === undefined || v < genBase) v = genBase + (v === undefined ? 0 : v & N_MASK); // first time in this answer
      v += A_UNIT;
      const handledCount = v & N_MASK;
      const seenNow = ((v - genBase) - handledCount) / A_UNIT;
      if (ts > newest) newest = ts;
      if (seenNow <= handledCount) {
        bucket.keys.set(key, v);
        continue;
      }
      const verdict = markOnly ? VERDICT.Skip : judge ? judge(r) : VERDICT.Emit;
      if (verdict !== VERDICT.Defer) {
        committed = true;
        v = v - handledCount + Math.min(seenNow, N_MASK);
        if (verdict === VERDICT.Emit) out.push(r);
      }
      bucket.keys.set(key, v);
    }
    this.newest = newest;
    if (committed) this.changes++;
    this.advance(answerTs);
    return out;
  }

  /**
   * Moves the cursor to the service time `answerTs` and the floor with it (never back: see ingest), then forgets the
   * keys no future window can return.
   */
  advance(answerTs: number): void {
    if (Number.isNaN(answerTs)) return;
    if (this.cursor === null || answerTs < this.cursor) this.changes++;
    this.cursor = answerTs;
    const windowStart = answerTs - this.overlapMs;
    if (windowStart > this.floor) this.floor = windowStart;
    this.prune();
  }

  /** Forgets keys at or before the floor, but never those of the newest timestamp. */
  private prune(): void {
    const limit = Math.min(this.floor, this.newest - 1);
    if (limit === -Infinity) return;
    for (const [iso, b] of this.buckets) if (b.ts <= limit) this.buckets.delete(iso);
  }

  /** Was this record already handled (emitted or filtered)? */
  handled(r: StatusRecord): boolean {
    const ts = timeOf(r.TimeStamp);
    if (ts <= this.floor) return true;
    const v = this.buckets.get(String(r.TimeStamp))?.keys.get(numKey(r));
    return v !== undefined && (v & N_MASK) > 0;
  }

  /** Records a record as handled without ingesting an answer (a record emitted from another source). */
  mark(r: StatusRecord): void {
    const ts = timeOf(r.TimeStamp);
    if (Number.isNaN(ts) || ts <= this.floor) return;
    const iso = String(r.TimeStamp);
    let b = this.buckets.get(iso);
    if (!b) {
      b = { ts, keys: new Map() };
      this.buckets.set(iso, b);
    }
    const key = numKey(r);
    const v = b.keys.get(key);
    if (v === undefined) b.keys.set(key, 1);
    else if ((v & N_MASK) === 0) b.keys.set(key, v + 1);
    else return;
    this.changes++;
    if (ts > this.newest) this.newest = ts;
  }

  toJSON(): TrackerState {
    const seen: Array<[string, number[]]> = [];
    for (const [iso, b] of this.buckets) {
      const flat: number[] = [];
      for (const [key, v] of b.keys) if ((v & N_MASK) > 0) flat.push(key, v & N_MASK);
      if (flat.length) seen.push([iso, flat]);
    }
    return {
      v: 2,
      cursor: this.cursor === null ? null : new Date(this.cursor).toISOString(),
      floor: Number.isFinite(this.floor) ? this.floor : null,
      newest: Number.isFinite(this.newest) ? this.newest : null,
      seen,
    };
  }

  /** A tracker from saved state; a missing or unreadable state gives an empty tracker. */
  static restore(state: unknown, overlapMs: number = DEFAULT_OVERLAP_MS): EventTracker {
    const t = new EventTracker(overlapMs);
    if (!isTrackerState(state)) return t;
    const cursor = timeOf(state.cursor);
    t.cursor = Number.isNaN(cursor) ? null : cursor;
    t.floor = typeof state.floor === 'number' ? state.floor : -Infinity;
    t.newest = typeof state.newest === 'number' ? state.newest : -Infinity;
    for (const item of state.seen) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
      const ts = timeOf(item[0]);
      if (Number.isNaN(ts)) continue;
      const keys = new Map<number, number>();
      const flat = item[1];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (typeof flat[i] === 'number' && typeof flat[i + 1] === 'number') keys.set(flat[i], Math.min(flat[i + 1], N_MASK));
      }
      t.buckets.set(item[0], { ts, keys });
    }
    return t;
  }
}

export function isTrackerState(state: unknown): state is TrackerState {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as Partial<TrackerState>;
  return s.v === 2 && (s.cursor === null || typeof s.cursor === 'string') && Array.isArray(s.seen);
}
