/**
 * The poll loop of one om-server, shared by every om-events node that uses that server. No Node-RED here: the node
 * (src/nodes/om-events.ts) subscribes with callbacks; tests can drive a loop with any `{ getClient() }` host.
 *
 * One cycle:
 *  1. Where to start: the oldest `queryStart()` of the subscribers (each keeps its own cursor). A subscriber that
 *     replays asks for the whole cache: GetAllOpenMediaRequestStatus first (what the service still holds), then the
 *     history from far in the past. When no subscriber has a cursor yet (all start "from now"), one
 *     GetOpenMediaRequestsByTime with a retrieveLaterThan far in the future gives the service's current time at the
 *     cost of an empty answer; the window starts an overlap before it.
 *  2. One GetOpenMediaRequestsByTime(retrieveLaterThan = start). Each subscriber's tracker picks what is new for it
 *     (its own filter, its own dedupe) and the node emits it; a subscriber starting "from now" marks the answer as
 *     seen instead. A record the filter cannot decide yet ("only ours" before the AddRequest answer arrived) is
 *     counted as handled by the tracker and held in the subscriber's pending list (below).
 *  3. The correlation map follows our requests' statuses; every `checkEvery` polls (and at start, after a failure,
 *     when the service clock went back, when an id comes back from om-add-request) the restart check runs (below).
 *  4. The state of each subscriber whose state changed, and the map's changes, are staged in the om-server's
 *     LoopState (state.ts), which writes them a little later (the lag that makes a crash "at least once"); a new
 *     subscriber's first position ("from now": nothing delivered) is written at once (LoopState.begin). Then
 *     terminated requests older than DataExpiration (service time) leave the map (staged with the next cycle).
 *
 * Delivery: the tracker counts a record as handled before its message goes out, so nothing between the two may
 * throw: the messages are built from copies made when the request was added (CorrelationMap.add), a subscriber's
 * callback that throws is caught and reported to it, and the node sends each message on its own.
 *
 * Pending records ("only ours"): the service stamps Queued while AddRequest is still on its way back, so the first
 * records of our own request can arrive before we know the id is ours. They wait in the subscriber's pending list
 * (saved with its state) and go out the moment om-add-request reports the id ('openmedia:added'), in order and
 * before any later record of that request. A record still undecided once it is older (service time) than the
 * server's call timeout + the poll interval + the overlap can no longer become ours (the AddRequest answer would
 * have timed out) and is dropped, as the filter asks for; so are the oldest beyond MAX_PENDING.
 *
 * Late adds: an add can still come after its records were dropped: its answer reached the other instance of a pair
 * whose Redis connection was cut (its journal pushes it once Redis answers again), or the answer was slower than the
 * call timeout. So each subscriber remembers which requests it dropped records of (the id and the first and last
 * TimeStamp, at most MAX_DROPPED ids, each for DataExpiration). An add for such an id makes the next cycle (at once)
 * fetch that request's history (GetOpenMediaRequestHistoryByID) and send, before anything else of it, the records
 * stamped between the first and the last dropped that the filter now takes (Delivery.late: msg.late on the
 * message); what the subscriber still holds of it goes right after, later records with the polls as usual. None of
 * these were sent before (undecided means unsent), so nothing goes twice. The memory is the holder's own: a takeover
 * between the drop and the late add, or a restart, forgets it (the records stay unsent); so does an id pushed out by
 * MAX_DROPPED newer ones, and a request the service no longer holds (past DataExpiration) has no history to fetch.
 *
 * State: the correlation map and what each subscriber last saved live in the om-server's LoopState (state.ts), which
 * outlives both the loop and the om-server node (one per om-server id for the whole process, backed by a journal
 * in the user directory). om-add-request's adds reach it through om-server's own 'openmedia:added' listener, which
 * finds it by server id, so adds made while om-events nodes or the whole flow restart are still known. A host without a LoopState (tests) gets one in memory, fed by the host's
 * 'openmedia:added' events.
 *
 * Life: the loop lives as long as its om-server node (om-server disposes it when it closes), from the first
 * om-events subscription on. Polling stops when the last subscriber leaves.
 *
 * Restart check (a restarted service clears its cache; the flow must hear about the requests it lost):
 *  - nothing to do unless requests this Node-RED added are still open;
 *  - cheap probe: GetOpenMediaRequestStatusByID of the oldest of them. It still exists and is consistent -> done
 *    (one small call every `checkEvery` polls);
 *  - InvalidOpenMediaIDFault, no record, or a terminated record whose status change the history window can no
 *    longer deliver -> GetAllOpenMediaRequestStatus once, and for each open request of ours: absent -> a Failed
 *    record with DetectedBy 'om-events', Reason 'RequestVanished'; terminated outside the window -> the service's
 *    record with DetectedBy 'om-events', Reason 'StatusWithoutEvent'.
 *  A router disconnect needs nothing special: the service itself sends a Failed record for each open request.
 *
 * Failures: a failed cycle keeps every cursor and reports the code to the subscribers. From then on, every
 * retryDelayMs(interval) = 3/4 of max(interval, 2 s), the loop only probes: one GetOpenMediaRequestsByTime far in
 * the future, whose answer is empty (the smallest question the service answers), never the catch-up poll, whose
 * answer may be large. The first probe that succeeds is followed at once by the full cycle, which catches up from
 * the kept cursors. So the first successful poll comes at most max(interval, 2 s) after the service answers again
 * (less the time of two calls), a service that is down gets one tiny question per period (no more often than the
 * regular polls when the interval is 2 s or more), and the recovery time does not grow with the outage's length
 * as an exponential backoff's does. (When the service hangs instead of refusing, each probe also waits for the
 * server's call timeout.)
 */
import { randomUUID } from 'crypto';
import type { EventEmitter } from 'events';
import { OPEN_MEDIA_STATUS, type OperationName } from '../contract';
import type { StatusRecord } from '../normalize';
import { ADDED_EVENT } from '../red';
import { isTerminal, type AddedInfo, type CorrelationEntry, type CorrelationMap, type SavedEntry } from './correlation';
import { LoopState, MemoryStore, type RoleChange, type SubscriberState } from './state';
import { DEFAULT_OVERLAP_MS, EventTracker, keyOf, timeOf, type TrackerState } from './tracker';
import { VERDICT, type DetectedReason, type EventRecord, type StatusAnswer, type Verdict } from './types';

// The one definition is in lib/red.ts (om-server, om-add-request and the loop share it); re-exported for tools.
export { ADDED_EVENT };
/** Bounds of the poll interval, ms. */
export const MIN_INTERVAL_MS = 1000;
export const DEFAULT_INTERVAL_MS = 5000;
/** After a failure, the first successful poll comes at most max(interval, this) after the service answers again. */
export const MIN_RECOVERY_MS = 2000;
export const DEFAULT_CHECK_EVERY = 12;
export const DEFAULT_DATA_EXPIRATION_MS = 30 * 60 * 1000;
/** retrieveLaterThan used to learn the service's time (an empty answer) and to replay everything. */
export const FAR_FUTURE = Date.UTC(9000, 0, 1);
export const FAR_PAST = Date.UTC(2000, 0, 1);
/** The call timeout assumed when the host does not say (om-server's default). */
export const DEFAULT_CALL_TIMEOUT_MS = 10000;
/** Most records one subscriber holds back waiting for an AddRequest answer. */
export const MAX_PENDING = 10000;
/** Most request ids one subscriber remembers it dropped undecided (see "Late adds" in the file comment). */
export const MAX_DROPPED = 20000;
/** Most late requests whose history one cycle fetches (the rest the next cycle, at once). */
export const LATE_PER_CYCLE = 20;

/** How long a failing loop waits between two probes (see "Failures" in the file comment). */
export function retryDelayMs(intervalMs: number): number {
  return Math.round((Math.max(intervalMs, MIN_RECOVERY_MS) * 3) / 4);
}

export interface EventsClientLike {
  call(operation: OperationName, args?: Record<string, unknown>): Promise<unknown>;
}

/** What the loop needs of an om-server node. */
export interface LoopHost {
  getClient(): EventsClientLike;
  on: EventEmitter['on'];
  off?: EventEmitter['off'];
  /** The client's call timeout, ms: how late an AddRequest answer can be (pending records wait that long). */
  timeoutMs?: number;
  /** Where to report what concerns no subscriber in particular (om-server: its node log). */
  warn?(text: string): void;
  /**
   * The state kept for this server (om-server: its journal, see state.ts), which records the adds itself. Without
   * it the loop keeps a state in memory and learns the adds from the host's 'openmedia:added' events.
   */
  eventsState?(): LoopState;
}

/** One record for a subscriber, with what om-add-request sent for it (when it was ours). */
export interface Delivery {
  record: EventRecord;
  request?: Record<string, unknown>;
  /** The record was dropped undecided and fetched again by id once its late add arrived (see "Late adds"). */
  late?: true;
}

export interface LoopStatus {
  /**
   * ok: the last poll worked; error: it failed; standby: the state is shared (Redis) and another instance holds the
   * lease, or this one cannot reach Redis (the store's problem says so): this instance does not poll.
   */
  state: 'ok' | 'error' | 'standby';
  /** ok with a shared state: this instance holds the lease. */
  leader?: boolean;
  /** error: the failure's code (ECONNREFUSED, HTTP_503, InvalidUserFault ...). */
  code?: string;
  message?: string;
  /** error: when the next try (a probe) is. */
  retryInMs?: number;
  /** error: failures in a row. */
  failures?: number;
}

/**
 * What an om-events node saves in a context store (when one is chosen): its SubscriberState plus a copy of the
 * correlation map, so that the context store alone is enough to resume (a user directory that does not survive).
 */
export interface SavedSubscriberState {
  v: 1;
  tracker: TrackerState;
  correlation: SavedEntry[];
  /** Records held back for "only ours", with the service time (ms) each counts its age from. */
  pending?: Array<[StatusRecord, number]>;
}

export interface SubscriberConfig {
  id: string;
  intervalMs?: number;
  start?: 'now' | 'replay';
  dataExpirationMs?: number;
  checkEvery?: number;
  overlapMs?: number;
  /** State saved by a previous run of this node: it resumes from there (its correlation copy is not used here). */
  saved?: SubscriberState | SavedSubscriberState;
  /** The node's filter. `ours`: the id was added through this Node-RED (its correlation is known). */
  judge?(record: StatusRecord, ours: boolean): Verdict;
  deliver(events: Delivery[]): void;
  status?(status: LoopStatus): void;
  /** Called with each state of this subscriber the loop's LoopState has written (for a copy elsewhere). */
  persist?(state: SubscriberState): void;
  warn?(text: string): void;
}

function isRecordLike(value: unknown): value is StatusRecord {
  const r = value as Partial<StatusRecord> | null;
  return !!r && typeof r === 'object' && typeof r.ID === 'number' && typeof r.Status === 'string';
}

export class Subscription {
  tracker: EventTracker;
  phase: 'fresh' | 'replay' | 'live';
  closed = false;
  /** Records its filter could not decide yet, oldest first, each with the service time its age counts from. */
  private held: Array<[StatusRecord, number]> = [];
  /**
   * How many held records each request id has: an add (release of one id) looks here first instead of going through
   * the whole list, which "only ours" fills with other clients' requests (up to MAX_PENDING) while they wait.
   */
  private heldIds = new Map<number, number>();
  private heldChanges = 0;
  private overflowWarned = false;
  /**
   * Requests whose undecided records were dropped here (too old to wait for their add, or beyond MAX_PENDING): id ->
   * [TimeStamp of the first, of the last dropped] (service ms), oldest first; at most MAX_DROPPED, each forgotten once
   * older than DataExpiration. In memory only (see "Late adds" in the file comment).
   */
  private dropped = new Map<number, [number, number]>();
  /** Of those, the ones whose add came afterwards: the next cycle fetches their history and sends what was dropped. */
  readonly late = new Map<number, [number, number]>();
  /** Versions of tracker and pending list last staged (undefined: nothing staged yet). */
  private savedAt: [number, number] | undefined;

  constructor(readonly loop: PollLoop, readonly config: SubscriberConfig) {
    this.tracker = new EventTracker(config.overlapMs ?? DEFAULT_OVERLAP_MS);
    this.phase = 'fresh';
    this.resume(config.saved);
  }

  /**
   * Starts over from a saved state (the node's own at start; with a shared state, the one the previous lease holder
   * left when this instance takes over).
   */
  resume(saved: SubscriberState | SavedSubscriberState | undefined): void {
    this.tracker = EventTracker.restore(saved?.tracker, this.config.overlapMs ?? DEFAULT_OVERLAP_MS);
    if (this.tracker.cursor !== null) this.phase = 'live';
    else this.phase = this.config.start === 'replay' ? 'replay' : 'fresh';
    const held: Array<[StatusRecord, number]> = [];
    if (saved && Array.isArray(saved.pending)) {
      for (const item of saved.pending) {
        if (Array.isArray(item) && isRecordLike(item[0]) && typeof item[1] === 'number') held.push([item[0], item[1]]);
      }
      if (held.length > MAX_PENDING) held.splice(0, held.length - MAX_PENDING);
    }
    this.setHeld(held);
    this.heldChanges++;
    this.savedAt = undefined;
    // What this instance dropped concerned its own cursor; another holder's state comes with its own past.
    this.dropped.clear();
    this.late.clear();
  }

  /** Records waiting for their filter to decide (for tests and status). */
  get pending(): readonly StatusRecord[] {
    return this.held.map(([r]) => r);
  }

  /** An immediate poll (coalesced with one already running). */
  pollNow(): void {
    if (!this.closed) this.loop.pollNow();
  }

  /** The state to save. */
  state(): SubscriberState {
    const out: SubscriberState = { v: 2, tracker: this.tracker.toJSON() };
    if (this.held.length) out.pending = this.held.map(([r, at]) => [r, at]);
    return out;
  }

  /** Whether something changed since the last time the state was staged. */
  needsSave(): boolean {
    const s = this.savedAt;
    return !s || s[0] !== this.tracker.version || s[1] !== this.heldChanges;
  }

  /** Records that the current state was staged. */
  saved(): void {
    this.savedAt = [this.tracker.version, this.heldChanges];
  }

  /**
   * Leaves the loop and returns its last state. A stop (`removed` false) writes that state at once (a clean stop
   * is exact: nothing is sent twice); a deleted node's state goes.
   */
  close(removed = false): SubscriberState {
    const state = this.state();
    if (!this.closed) {
      this.closed = true;
      if (removed) this.loop.state.drop(this.config.id);
      else this.loop.state.handOver(this.config.id, state);
      this.loop.unsubscribe(this);
    }
    return state;
  }

  judge(record: StatusRecord): Verdict {
    const j = this.config.judge;
    return j ? j(record, this.loop.correlation.has(record.ID)) : VERDICT.Emit;
  }

  /**
   * The verdict the tracker gets: a record the filter cannot decide yet is held here and counted as handled there
   * (so a later window does not hold it twice, and its fate no longer depends on staying inside the overlap).
   */
  decide(record: StatusRecord, at: number, expireBefore: number): Verdict {
    const v = this.judge(record);
    if (v === VERDICT.Emit && this.late.has(record.ID)) {
      // Its dropped records are being fetched: they go first, this one after them (release() keeps it till then).
      this.hold(record, at);
      return VERDICT.Skip;
    }
    if (v !== VERDICT.Defer) return v;
    const ts = timeOf(record.TimeStamp);
    // After a takeover (shared state) a record waits at least from then: an add the other instance made while it
    // could not reach Redis comes with its write-behind, a little later than usual.
    const since = Math.max(Number.isNaN(ts) ? at : ts, this.loop.holdFloor);
    // Already too old to wait for an answer (a replay, a catch-up after downtime): dropped at once.
    if (!(since < expireBefore)) this.hold(record, since);
    else this.remember(record);
    return VERDICT.Skip;
  }

  private setHeld(held: Array<[StatusRecord, number]>): void {
    this.held = held;
    this.heldIds.clear();
    for (const [r] of held) this.countHeld(r.ID, 1);
  }

  private countHeld(id: number, by: number): void {
    const n = (this.heldIds.get(id) ?? 0) + by;
    if (n > 0) this.heldIds.set(id, n);
    else this.heldIds.delete(id);
  }

  private hold(record: StatusRecord, since: number): void {
    this.held.push([record, since]);
    this.countHeld(record.ID, 1);
    this.heldChanges++;
    if (this.held.length > MAX_PENDING) {
      const [dropped] = this.held.shift() as [StatusRecord, number];
      this.countHeld(dropped.ID, -1);
      this.remember(dropped);
      if (!this.overflowWarned) {
        this.overflowWarned = true;
        this.config.warn?.(`more than ${MAX_PENDING} events wait for their add request's answer: the oldest are dropped`);
      }
    }
  }

  /**
   * Takes the held records that can be decided now (of one request, or all), in order, and returns those to emit.
   * Held records that are still undecided and stamped before `expireBefore` (service ms) are dropped.
   */
  release(expireBefore: number, onlyId?: number): StatusRecord[] {
    if (this.held.length === 0 || (onlyId !== undefined && !this.heldIds.has(onlyId))) return [];
    const out: StatusRecord[] = [];
    const keep: Array<[StatusRecord, number]> = [];
    for (const item of this.held) {
      const [r, at] = item;
      if (onlyId !== undefined && r.ID !== onlyId) {
        keep.push(item);
        continue;
      }
      if (this.late.has(r.ID)) {
        keep.push(item); // after its dropped records (see decide())
        continue;
      }
      const v = this.judge(r);
      if (v === VERDICT.Emit) out.push(r);
      // (after a takeover, held at least from then, as in decide())
      else if (v === VERDICT.Defer && !(Math.max(at, this.loop.holdFloor) < expireBefore)) keep.push(item);
      else if (v === VERDICT.Defer) this.remember(r);
    }
    if (keep.length !== this.held.length) {
      this.setHeld(keep);
      this.heldChanges++;
    }
    return out;
  }

  /** An undecided record leaves unsent: its request's id and time are remembered, in case its add still comes. */
  private remember(r: StatusRecord): void {
    const ts = timeOf(r.TimeStamp);
    if (Number.isNaN(ts)) return;
    const range = this.dropped.get(r.ID);
    if (range) {
      range[0] = Math.min(range[0], ts);
      range[1] = Math.max(range[1], ts);
      return;
    }
    this.dropped.set(r.ID, [ts, ts]);
    if (this.dropped.size > MAX_DROPPED) this.dropped.delete(this.dropped.keys().next().value as number);
  }

  /** Forgets the dropped requests whose last dropped record is older than `before` (service ms): the service has too. */
  forgetDropped(before: number): void {
    if (Number.isNaN(before)) return;
    // Oldest first (by first drop), so the loop stops at the first one that began after `before`.
    for (const [id, range] of this.dropped) {
      if (range[0] >= before) break;
      if (range[1] < before) this.dropped.delete(id);
    }
  }

  /** Whether records of request `id` are held here. */
  holds(id: number): boolean {
    return this.heldIds.has(id);
  }

  /** An add for `id` came: true when records of it were dropped here (the next cycle fetches them). */
  lateAdd(id: number): boolean {
    const range = this.dropped.get(id);
    if (!range) return false;
    this.dropped.delete(id);
    this.late.set(id, range);
    return true;
  }

  /**
   * A late request's history came: the records to send now, in order: those stamped between its first and last
   * dropped record that its filter takes, less the ones still held (release() sends those right after). The others
   * were either sent already (none: undecided means not sent) or come with the polls (stamped after the last drop).
   */
  lateRecords(id: number, history: readonly StatusRecord[]): StatusRecord[] {
    const range = this.late.get(id);
    if (!range) return [];
    this.late.delete(id);
    const held = new Set<string>();
    if (this.heldIds.has(id)) for (const [r] of this.held) if (r.ID === id) held.add(keyOf(r));
    const out: StatusRecord[] = [];
    for (const r of history) {
      if (!isRecordLike(r) || r.ID !== id || held.has(keyOf(r))) continue;
      const ts = timeOf(r.TimeStamp);
      if (ts >= range[0] && ts <= range[1] && this.judge(r) === VERDICT.Emit) out.push(r);
    }
    return out.sort((a, b) => timeOf(a.TimeStamp) - timeOf(b.TimeStamp));
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERROR';
}

function asAnswer(value: unknown, operation: string): StatusAnswer {
  const v = value as Partial<StatusAnswer> | null;
  if (!v || typeof v !== 'object' || !Array.isArray(v.OpenMediaRequests)) {
    throw Object.assign(new Error(`${operation}: unexpected answer`), { code: 'BAD_RESPONSE' });
  }
  return { OpenMediaRequests: v.OpenMediaRequests, TimeStamp: typeof v.TimeStamp === 'string' ? v.TimeStamp : null };
}

/** A Failed record the node makes up for one of our requests the service lost; `now` is service time (ms). */
export function detectedFailure(e: CorrelationEntry, now: number, reason: DetectedReason): EventRecord {
  return {
    AgentID: 0,
    ID: e.id,
    LogonID: '',
    QueuePosition: 0,
    // The group of its last record; before any record, the group om-add-request asked for.
    ServiceGroupID: e.group || Number(e.request.ServiceGroupID) || 0,
    Status: 'Failed',
    StatusCode: OPEN_MEDIA_STATUS.Failed,
    TenantID: 0,
    TimeStamp: new Date(now).toISOString(),
    DetectedBy: 'om-events',
    Reason: reason,
  };
}

const loops = new WeakMap<object, PollLoop>();

/** Thrown inside a cycle when this instance may no longer emit (a shared state's lease is gone). */
class LeaseLost extends Error {
  constructor() {
    super('the lease of the shared state is gone: another instance may poll now');
  }
}

export class PollLoop {
  /** The loop of a host (om-server node), created on first use. */
  static of(host: LoopHost): PollLoop {
    let loop = loops.get(host);
    // A state let go while its host lived (no om-events node used it: state.ts sweepLoopStates, after a deploy of
    // modified nodes or flows that kept the om-server): a node using the host again gets a loop on the state open now.
    if (loop && !loop.disposed && loop.state.closed) loop.dispose();
    if (!loop || loop.disposed) {
      loop = new PollLoop(host);
      loops.set(host, loop);
    }
    return loop;
  }

  /** The loop of a host if it has one; never creates one (for tests and tools that only look). */
  static peek(host: object): PollLoop | undefined {
    return loops.get(host);
  }

  /** This loop's identity (for logs and tests). */
  readonly id = randomUUID();
  /** Where the correlation map and the subscribers' saved states are (see state.ts). */
  readonly state: LoopState;
  private readonly subs = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private started = false;
  private disposed = false;
  private failures = 0;
  private checkDue = true;
  private pollsSinceCheck = 0;
  /** The service's time of the last answer, epoch ms. */
  lastServiceTime = NaN;
  /**
   * Shared state: the service time of the first answer after this instance took the lease (-Infinity otherwise).
   * Held records wait at least from then (see Subscription.decide).
   */
  holdFloor = -Infinity;
  private takenOver = false;
  /** Successful and failed cycles, window calls, restart checks, probes while failing (for tests and status). */
  readonly stats = { cycles: 0, failures: 0, byTimeCalls: 0, checks: 0, fullChecks: 0, probes: 0 };
  private readonly onAdded = (id: number): void => this.added(id);
  private readonly onHostAdded = (ev: AddedInfo): void => this.state.added(ev);
  private readonly onCommitted = (list: Array<[string, SubscriberState]>): void => this.committed(list);
  private readonly onRole = (change: RoleChange): void => this.roleChanged(change);
  private runsStarted = 0;
  private runsFinished = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private warned = new Set<string>();

  /** Only PollLoop.of creates loops. */
  private constructor(readonly host: LoopHost) {
    if (typeof host.eventsState === 'function') {
      this.state = host.eventsState();
    } else {
      this.state = new LoopState('', new MemoryStore(), (text) => this.warnAll(text));
      host.on(ADDED_EVENT, this.onHostAdded);
    }
    this.state.on('added', this.onAdded);
    this.state.on('committed', this.onCommitted);
    this.state.on('role', this.onRole);
  }

  /** The correlation map (in the state). */
  get correlation(): CorrelationMap {
    return this.state.correlation;
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  /** The current subscriptions (for tests and tools). */
  get subscriptions(): Subscription[] {
    return [...this.subs];
  }

  get isRunning(): boolean {
    return this.started;
  }

  /** Failures in a row (0 while the service answers). */
  get failureCount(): number {
    return this.failures;
  }

  subscribe(config: SubscriberConfig): Subscription {
    const sub = new Subscription(this, config);
    this.subs.add(sub);
    if (!this.started) {
      this.started = true;
      this.state.following++;
      this.checkDue = true;
      this.state.contend(true);
    }
    // Deferred to the next turn, so that nodes started together share the first poll.
    this.pollSoon();
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    if (!this.subs.delete(sub)) return;
    if (this.subs.size === 0) this.stop();
  }

  /** Stops polling; the state stays (see the file comment). */
  private stop(): void {
    if (this.started) {
      this.state.following--;
      this.state.contend(false);
    }
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    this.settle(true);
  }

  /** The host (om-server) closes: the loop stops for good and lets go of the state. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const sub of [...this.subs]) sub.close();
    this.stop();
    this.state.off('added', this.onAdded);
    this.state.off('committed', this.onCommitted);
    this.state.off('role', this.onRole);
    if (typeof this.host.eventsState !== 'function') this.host.off?.(ADDED_EVENT, this.onHostAdded);
  }

  /** How long a held record may wait for its AddRequest answer (service ms). */
  private pendingMaxAgeMs(sub: Subscription): number {
    const timeout = Number(this.host.timeoutMs);
    return (Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_CALL_TIMEOUT_MS) + this.intervalMs + sub.tracker.overlapMs;
  }

  /** A warning once per loop and topic. */
  private warnOnce(topic: string, text: string): void {
    if (this.warned.has(topic)) return;
    this.warned.add(topic);
    this.warnAll(text);
  }

  /** To the host when it can log, else to the subscribers. */
  private warnAll(text: string): void {
    if (typeof this.host.warn === 'function') {
      try {
        this.host.warn(`om-events: ${text}`);
        return;
      } catch {
        // fall through to the subscribers
      }
    }
    for (const s of this.subs) {
      try {
        s.config.warn?.(text);
      } catch {
        // nothing else to tell
      }
    }
  }

  private get intervalMs(): number {
    let ms = Infinity;
    for (const s of this.subs) ms = Math.min(ms, s.config.intervalMs ?? DEFAULT_INTERVAL_MS);
    return Math.max(MIN_INTERVAL_MS, Number.isFinite(ms) ? ms : DEFAULT_INTERVAL_MS);
  }

  private get checkEvery(): number {
    let n = Infinity;
    for (const s of this.subs) n = Math.min(n, s.config.checkEvery ?? DEFAULT_CHECK_EVERY);
    return Math.max(1, Number.isFinite(n) ? n : DEFAULT_CHECK_EVERY);
  }

  private get dataExpirationMs(): number {
    let ms = 0;
    for (const s of this.subs) ms = Math.max(ms, s.config.dataExpirationMs ?? DEFAULT_DATA_EXPIRATION_MS);
    return ms || DEFAULT_DATA_EXPIRATION_MS;
  }

  /** The start of the next query window (service time, ms); records stamped later will still come by time. */
  private windowStart(): number {
    let start = Infinity;
    for (const s of this.subs) {
      const q = s.tracker.queryStart();
      if (q !== null) start = Math.min(start, q);
    }
    return start;
  }

  /**
   * Polls now and resolves once a whole cycle that started after this call has finished (successfully or not), or
   * the loop stopped. For tests and tools: the regular node path is pollNow().
   */
  poll(): Promise<void> {
    if (!this.started) return Promise.resolve();
    const target = this.runsStarted + 1;
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    this.pollNow();
    return done;
  }

  private settle(all = false): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (all || w.target <= this.runsFinished) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  pollNow(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.run();
  }

  private pollSoon(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, 0);
  }

  private schedule(ms: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, ms);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    if (!this.started || this.running) return;
    if (!this.state.leading) {
      // Shared state, and the lease is elsewhere (or Redis is out of reach): nothing to do until it comes here.
      this.report({ state: 'standby' });
      this.settleStandby();
      return;
    }
    this.running = true;
    this.runsStarted++;
    let next = this.intervalMs;
    try {
      // While failing, a cheap probe first: the catch-up poll only once the service answers (see the file comment).
      if (this.failures > 0) await this.probe();
      await this.cycle();
      this.stats.cycles++;
      if (this.failures > 0) {
        this.failures = 0;
        // Down for a while: the service may have restarted meanwhile.
        this.checkDue = true;
      }
      this.report(this.state.shared ? { state: 'ok', leader: true } : { state: 'ok' });
    } catch (err) {
      if (!this.started) return;
      if (err instanceof LeaseLost || !this.state.leading) {
        // Not a failure of the service: the lease went while the cycle ran. The trackers may count records this
        // cycle never handed over: when this instance gets the lease again it reads the shared state (the last
        // positions written), whoever held the lease meanwhile.
        this.state.invalidate();
        this.report({ state: 'standby' });
        return;
      }
      this.failures++;
      this.stats.failures++;
      this.checkDue = true;
      next = retryDelayMs(this.intervalMs);
      this.report({ state: 'error', code: codeOf(err), message: (err as Error)?.message, retryInMs: next, failures: this.failures });
    } finally {
      this.running = false;
      this.runsFinished++;
      if (this.started && !this.state.leading) {
        // Standing by now (the lease went while this cycle ran; the catch above returns too): no cycle runs for
        // those who asked for one meanwhile.
        this.again = false;
        this.settle(true);
      } else {
        this.settle();
      }
    }
    if (!this.started || !this.state.leading) return;
    if (this.again) {
      this.again = false;
      this.pollSoon();
    } else {
      this.schedule(next);
    }
  }

  /** Waiters of poll() are answered while this instance stands by (no cycle will run for them). */
  private settleStandby(): void {
    this.runsStarted++;
    this.runsFinished++;
    this.settle();
  }

  /** A shared state's lease came here or went elsewhere. */
  private roleChanged(change: RoleChange): void {
    if (this.disposed) return;
    if (!change.leader) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.again = false;
      this.holdFloor = -Infinity;
      // No cycle runs for those who asked for one (the timer that would have run it is gone); a running cycle
      // answers them when it ends (run()).
      if (!this.running) this.settle(true);
      if (this.started) this.report({ state: 'standby' });
      return;
    }
    if (change.reload) {
      // The previous holder's positions: each node resumes exactly where the pair stopped.
      for (const sub of this.subs) if (!sub.closed) sub.resume(this.state.subscriber(sub.config.id));
      this.lastServiceTime = NaN;
    }
    this.checkDue = true;
    this.failures = 0;
    this.takenOver = true;
    if (this.started) this.pollNow();
  }

  /** Is the service back? The smallest question it answers (an empty window far in the future). */
  private async probe(): Promise<void> {
    this.stats.probes++;
    asAnswer(await this.host.getClient().call('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(FAR_FUTURE) }),
      'GetOpenMediaRequestsByTime');
  }

  private report(status: LoopStatus): void {
    for (const s of this.subs) {
      try {
        s.config.status?.(status);
      } catch {
        // a subscriber's status display is its own business
      }
    }
  }

  /**
   * Hands records to a subscriber: never throws (see "Delivery" in the file comment), except LeaseLost: with a
   * shared state, nothing goes out once this instance may no longer emit (checked right before each batch, so a
   * stall of the event loop longer than the lease stops it too).
   */
  private deliver(sub: Subscription, records: readonly StatusRecord[], late = false): void {
    if (records.length === 0 || sub.closed) return;
    if (!this.state.mayEmit()) throw new LeaseLost();
    const out: Delivery[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = { ...records[i] } as EventRecord;
      let request: Record<string, unknown> | undefined;
      try {
        request = this.correlation.requestFor(record.ID);
      } catch (err) {
        // Cannot happen with the copies add() stores; if it did, the event still goes out, without msg.request.
        this.warnOnce('request-copy', `msg.request left out: ${(err as Error)?.message ?? String(err)}`);
      }
      out[i] = request === undefined ? { record } : { record, request };
      if (late) out[i].late = true;
    }
    try {
      sub.config.deliver(out);
    } catch (err) {
      try {
        sub.config.warn?.(`could not deliver ${out.length} event(s): ${(err as Error)?.message ?? String(err)}`);
      } catch {
        // nothing else to tell
      }
    }
  }

  /** Stages the state of each subscriber for which something changed, with the correlation map's changes. */
  private persist(): void {
    const states: Array<[string, SubscriberState]> = [];
    for (const s of this.subs) {
      if (s.closed || !s.needsSave()) continue;
      states.push([s.config.id, s.state()]);
      s.saved();
    }
    this.state.stage(states);
  }

  /** The state wrote subscriber states: each live subscriber hears of its own (a copy in a context store). */
  private committed(list: Array<[string, SubscriberState]>): void {
    for (const [id, st] of list) {
      for (const s of this.subs) {
        if (s.closed || s.config.id !== id || !s.config.persist) continue;
        try {
          s.config.persist(st);
        } catch (err) {
          s.config.warn?.(`could not save state: ${(err as Error)?.message ?? String(err)}`);
        }
      }
    }
  }

  private async cycle(): Promise<void> {
    const subs = [...this.subs];
    if (subs.length === 0) return;
    const client = this.host.getClient();
    const seqLimit = this.correlation.nextSeq;
    const late = await this.fetchLate(client, subs);

    let start = this.windowStart();
    let all: StatusAnswer | undefined;
    if (subs.some((s) => s.phase === 'replay')) {
      all = asAnswer(await client.call('GetAllOpenMediaRequestStatus', {}), 'GetAllOpenMediaRequestStatus');
      start = FAR_PAST;
    } else if (start === Infinity) {
      this.stats.byTimeCalls++;
      const now = asAnswer(await client.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(FAR_FUTURE) }),
        'GetOpenMediaRequestsByTime');
      const t = timeOf(now.TimeStamp);
      if (Number.isNaN(t)) throw Object.assign(new Error('the service sent no TimeStamp'), { code: 'BAD_RESPONSE' });
      let overlap = 0;
      for (const s of subs) overlap = Math.max(overlap, s.tracker.overlapMs);
      start = t - overlap;
    }
    this.stats.byTimeCalls++;
    const answer = asAnswer(await client.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(start) }),
      'GetOpenMediaRequestsByTime');
    if (!this.started) return;
    // Shared state: the lease confirmed by a round trip sent after the answer came, before anything of it goes out.
    if (this.state.shared && !(await this.state.confirm())) throw new LeaseLost();
    if (!this.started) return;

    const answerTs = timeOf(answer.TimeStamp);
    if (this.takenOver && !Number.isNaN(answerTs)) {
      this.takenOver = false;
      this.holdFloor = answerTs;
    }
    if (answerTs < this.lastServiceTime) this.checkDue = true; // the service clock went back: restarted?
    if (!Number.isNaN(answerTs)) this.lastServiceTime = answerTs;
    if (this.state.reused.length && !Number.isNaN(answerTs)) this.reportReused(answerTs);

    for (const sub of subs) {
      if (sub.closed) continue;
      const phase = sub.phase;
      // Held records first: they are older than anything this answer brings for the same request.
      const expireBefore = answerTs - this.pendingMaxAgeMs(sub);
      // Before those: what was dropped of a request whose add came late, fetched by id.
      const lateOut: StatusRecord[] = [];
      for (const [id, history] of late) if (sub.late.has(id)) lateOut.push(...sub.lateRecords(id, history));
      const emitted = sub.release(expireBefore);
      const judge = (r: StatusRecord): Verdict => sub.decide(r, answerTs, expireBefore);
      emitted.push(...sub.tracker.ingest(answer, { markOnly: phase === 'fresh', judge }));
      if (phase === 'replay' && all) {
        // What the service reports as current but its history did not carry (a service without history).
        const inHistory = new Set(answer.OpenMediaRequests.map(keyOf));
        for (const r of all.OpenMediaRequests) {
          if (inHistory.has(keyOf(r)) || sub.tracker.handled(r)) continue;
          sub.tracker.mark(r);
          if (sub.decide(r, answerTs, expireBefore) === VERDICT.Emit) emitted.push(r);
        }
      }
      sub.phase = 'live';
      // A node starting "from now": its first position is written at once (see LoopState.begin).
      if (phase === 'fresh' && emitted.length === 0 && this.state.begin(sub.config.id, sub.state())) sub.saved();
      this.deliver(sub, lateOut, true);
      this.deliver(sub, emitted);
      sub.forgetDropped(answerTs - this.dataExpirationMs);
    }
    if (all) this.correlation.observe(all.OpenMediaRequests);
    this.correlation.observe(answer.OpenMediaRequests);
    this.persist();

    this.pollsSinceCheck++;
    if (this.checkDue || this.pollsSinceCheck >= this.checkEvery) await this.check(client, seqLimit);

    this.correlation.expire(this.lastServiceTime, this.dataExpirationMs);
    this.state.noteServiceTime(this.lastServiceTime, this.dataExpirationMs);
  }

  /**
   * The histories of the requests whose add came after records of theirs were dropped (see "Late adds"), by id;
   * at most LATE_PER_CYCLE (the next cycle comes at once for the rest). A request the service no longer holds
   * (DataExpiration, a restart) gets an empty history: what was dropped of it is gone.
   */
  private async fetchLate(client: EventsClientLike, subs: Subscription[]): Promise<Map<number, StatusRecord[]>> {
    const out = new Map<number, StatusRecord[]>();
    const first = new Map<number, number>();
    for (const s of subs) for (const [id, range] of s.late) first.set(id, Math.min(first.get(id) ?? Infinity, range[0]));
    for (const [id, since] of first) {
      if (out.size >= LATE_PER_CYCLE) {
        this.again = true;
        break;
      }
      try {
        const answer = asAnswer(await client.call('GetOpenMediaRequestHistoryByID',
          { openMediaID: id, retrieveLaterThan: new Date(since - 1) }), 'GetOpenMediaRequestHistoryByID');
        out.set(id, answer.OpenMediaRequests);
      } catch (err) {
        if (codeOf(err) !== 'InvalidOpenMediaIDFault') throw err;
        out.set(id, []);
        this.warnAll(`request #${id} was added after its first changes had been dropped as someone else's, and the `
          + 'service no longer holds it: those changes cannot be sent');
      }
    }
    return out;
  }

  /** The restart check (see the file comment). */
  private async check(client: EventsClientLike, seqLimit: number): Promise<void> {
    const open = this.correlation.openEntries(seqLimit);
    if (open.length === 0) {
      this.checkDue = false;
      this.pollsSinceCheck = 0;
      return;
    }
    this.stats.checks++;
    const windowStart = this.windowStart();
    const lateTerminal = (r: StatusRecord): boolean => isTerminal(r.Status) && !(timeOf(r.TimeStamp) > windowStart);
    let suspicious = false;
    const probe = open[0];
    try {
      const answer = asAnswer(await client.call('GetOpenMediaRequestStatusByID', { openMediaID: probe.id }),
        'GetOpenMediaRequestStatusByID');
      const rec = answer.OpenMediaRequests.find((r) => r && r.ID === probe.id);
      suspicious = !rec || lateTerminal(rec);
    } catch (err) {
      if (codeOf(err) !== 'InvalidOpenMediaIDFault') throw err;
      suspicious = true;
    }
    if (suspicious) {
      this.stats.fullChecks++;
      const all = asAnswer(await client.call('GetAllOpenMediaRequestStatus', {}), 'GetAllOpenMediaRequestStatus');
      if (!this.started) return;
      // Made-up records are stamped in service time only; without any (never seen here), the check waits a cycle.
      let now = timeOf(all.TimeStamp);
      if (Number.isNaN(now)) now = this.lastServiceTime;
      if (Number.isNaN(now)) return;
      const byId = new Map<number, StatusRecord>();
      for (const r of all.OpenMediaRequests) if (r) byId.set(r.ID, r);
      const detected: EventRecord[] = [];
      for (const e of this.correlation.openEntries(seqLimit)) {
        const rec = byId.get(e.id);
        if (!rec) detected.push(detectedFailure(e, now, 'RequestVanished'));
        else if (lateTerminal(rec)) detected.push({ ...rec, DetectedBy: 'om-events', Reason: 'StatusWithoutEvent' });
      }
      // (as in cycle(): confirmed after the answers this conclusion rests on)
      if (detected.length && this.state.shared && !(await this.state.confirm())) throw new LeaseLost();
      this.emitDetected(detected);
    }
    this.checkDue = false;
    this.pollsSinceCheck = 0;
  }

  /** Emits records the node concluded itself, to every subscriber whose filter takes them, and closes the entries. */
  private emitDetected(records: EventRecord[]): void {
    if (records.length === 0) return;
    for (const sub of this.subs) {
      if (sub.closed) continue;
      const take: StatusRecord[] = [];
      for (const r of records) {
        if (r.Reason === 'StatusWithoutEvent') sub.tracker.mark(r);
        if (sub.judge(r) === VERDICT.Emit) take.push(r);
      }
      this.deliver(sub, take);
    }
    for (const r of records) this.correlation.close(r.ID, r.Status, timeOf(r.TimeStamp));
    this.persist();
  }

  /** The state recorded an add (from om-add-request): report a reused id, release what waited for it. */
  private added(id: number): void {
    if (!this.started) return;
    // Records of it dropped as undecided: fetched by the next cycle (also noted on a standby, for when it leads again
    // without having lost its memory).
    let late = false;
    for (const sub of this.subs) if (!sub.closed && sub.lateAdd(id)) late = true;
    // A standby hands nothing to the flow; the lease holder's own loop releases what waited for this add.
    if (!this.state.leading) return;
    if (this.state.shared) {
      // What waited for this add goes out with the next cycle (at once), after the lease was confirmed by a round trip
      // (see cycle()); an id handed out again is reported there too.
      if (this.state.reused.length) this.checkDue = true;
      if (late || this.state.reused.length || this.subscriptions.some((s) => !s.closed && s.holds(id))) this.pollNow();
      return;
    }
    if (late) this.pollNow();
    try {
      if (this.state.reused.length) {
        // The service handed out an id we still held as open: it restarted. Report the old request, look for others.
        this.checkDue = true;
        if (this.started && !Number.isNaN(this.lastServiceTime)) this.reportReused(this.lastServiceTime);
      }
      // Records of this request held back for "only ours" go out now, before any later record of it.
      let released = false;
      for (const sub of this.subs) {
        if (sub.closed) continue;
        const out = sub.release(NaN, id);
        if (out.length) {
          released = true;
          this.deliver(sub, out);
        }
      }
      if (released) this.persist();
    } catch (err) {
      if (err instanceof LeaseLost) {
        // The released records left the held list but were not handed over (see run()).
        this.state.invalidate();
        return;
      }
      this.warnOnce('added', `could not handle an added request: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Reports the open requests whose id was handed out again, stamped `now` (service time). */
  private reportReused(now: number): void {
    if (!this.state.mayEmit()) return;
    const list = this.state.reused;
    this.state.reused = [];
    for (const { entry, request } of list) {
      const record = detectedFailure(entry, now, 'IdReused');
      for (const sub of this.subs) {
        if (sub.closed || sub.judge(record) !== VERDICT.Emit) continue;
        const d: Delivery = request === undefined ? { record: { ...record } } : { record: { ...record }, request: structuredClone(request) };
        try {
          sub.config.deliver([d]);
        } catch (err) {
          sub.config.warn?.(`could not deliver an event: ${(err as Error)?.message ?? String(err)}`);
        }
      }
    }
  }
}
