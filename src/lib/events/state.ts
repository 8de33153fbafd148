/**
 * What the poll loop of one om-server keeps across redeploys, restarts and crashes, behind one small interface.
 *
 *   StateStore   where the state is kept (the interface a second implementation, e.g. a shared Redis, implements):
 *                load it once, write changes in order, flush, close. JournalStore (journal.ts) keeps it in a file in
 *                Node-RED's user directory; MemoryStore keeps nothing (no user directory).
 *   LoopState    the state in memory, one per om-server (by its node id and the directory), for the whole process:
 *                it outlives the om-server node, so an add answer that arrives while the flows are being redeployed
 *                is still recorded. It holds the correlation map and the last saved state of each subscriber.
 *
 * What is written, and when:
 *  - an added request (the id -> correlation record): at once, when om-add-request hands it over (added());
 *  - each subscriber's cursor, dedupe window and held records, and the changes of the correlation map (a request
 *    terminated, moved to another group, forgotten): staged after each delivery and written COMMIT_LAG_MS later.
 *    The lag is what makes a crash "at least once" instead of "at most once": a message om-events has sent may still
 *    be on its way through the flow (Node-RED delivers asynchronously, an http request node takes its time), so the
 *    position on disk must not count it yet. After a crash the node resumes from a position up to the lag (plus one
 *    poll) old and sends those changes again. A clean stop writes the current state (handOver): exactly once. A
 *    new node's first position ("from now": nothing sent yet) is written at once too (begin).
 *  - nothing at all while no (enabled) om-events node uses the state: om-server does not open it, and
 *    sweepLoopStates (on Node-RED's 'flows:started') lets go of one no node joined. Its journal stays: enabled
 *    again, a node goes on from its place (as after a restart). Adds made meanwhile are not recorded (nothing
 *    followed them: their statuses could not be told right later). The journal goes with its om-server (deleted,
 *    also while Node-RED was down).
 *
 * Nothing here knows Node-RED.
 */
import { createHash } from 'crypto';
import { EventEmitter } from 'events';
import type { StatusRecord } from '../normalize';
import { CorrelationMap, savedEntry, type AddedInfo, type CorrelationEntry, type EntryStatus, type SavedEntry } from './correlation';
import * as fs from 'fs';
import * as path from 'path';
import { JournalStore, dropJournalFiles, dropOtherJournals, journalFile, serviceKey } from './journal';
import { RedisStore, type SharedSettings } from './shared';
import type { TrackerState } from './tracker';

/** How long a delivered change waits before the position that counts it is written (see the file comment). */
export const COMMIT_LAG_MS = 2000;
/** Most requests the correlation map keeps while no om-events node follows their statuses. */
export const MAX_IDLE_ENTRIES = 50000;

/** Tunables (tests lower them). */
export const stateSettings = {
  /**
   * How often terminated requests past DataExpiration are forgotten when no poll cycle does it (a poll loop that
   * stopped or keeps failing): counted on the service's clock as last seen, moved on by the time since.
   */
  expireEveryMs: 60000,
};

/** What one subscriber (om-events node) needs to resume: its cursor and dedupe window, and records it holds back. */
export interface SubscriberState {
  v: 2;
  tracker: TrackerState;
  /** Records held back for "only ours", with the service time (ms) each counts its age from. */
  pending?: Array<[StatusRecord, number]>;
}

/** Everything a store holds for one om-server. */
export interface SavedState {
  correlations: SavedEntry[];
  subscribers: Array<[string, SubscriberState]>;
}

/** One write: applied in this order (added, updated, forgotten, subscribers); writes are applied in call order. */
export interface StateChanges {
  /** Requests added (whole entries; an id already held is replaced). */
  added?: SavedEntry[];
  /** Status changes of entries held ([id, open, status, group, lastTs, endTs]); an unknown id is ignored. */
  updated?: EntryStatus[];
  /** Ids to forget. */
  forgotten?: number[];
  /** Subscriber states by node id; null: the subscriber is gone (its node was deleted). */
  subscribers?: Array<[string, SubscriberState | null]>;
}

export interface StoreProblem {
  /** A short code for the status dot: ENOSPC, EACCES, EROFS, EIO ... */
  code: string;
  /** What failed, where, and what it means (for the log). */
  message: string;
  /** JOURNAL_LOCKED: the other process that holds the journal's lock. */
  pid?: number;
}

/** A shared store's lease changed hands (see shared.ts). */
export type RoleChange =
  | {
    leader: true;
    /** The shared state as the previous holder left it: it replaces what this instance had in memory. */
    reload?: SavedState;
    /** The shared store was empty: what this instance has in memory becomes the shared state. */
    seed?: boolean;
    /** With seed: subscriber states kept before shared state was switched on (the journal's). */
    seedSubscribers?: Array<[string, SubscriberState]>;
  }
  | { leader: false; reason: 'expired' | 'redis' | 'other' | 'refused' | 'released' | 'closed' };

/** What another instance wrote to a shared store (see shared.ts). */
export interface RemoteChanges {
  /** Requests added through another instance (whole entries). */
  added?: SavedEntry[];
  /** Status changes the lease holder saw. */
  updated?: EntryStatus[];
  /** Requests the lease holder forgot. */
  forgotten?: number[];
  /** Entries read whole after this instance missed part of the log: merged (what it holds wins). */
  merged?: SavedEntry[];
}

/** What a store may tell the state that uses it. */
export interface StoreHooks {
  /** A write failed (problem), or writing works again after a failure (undefined). */
  problem(problem: StoreProblem | undefined): void;
  /** Something worth one log line (a torn last record dropped, an unreadable file set aside ...). */
  warn(text: string): void;
  /** Shared stores: this instance got or lost the lease. */
  role?(change: RoleChange): void;
  /** Shared stores: changes another instance made. */
  remote?(changes: RemoteChanges): void;
  /** Shared stores: Redis said that another instance holds the lease (see StateStore.otherHolds). */
  holder?(): void;
}

/**
 * Where the state of one om-server's poll loop is kept. One instance per om-server and process; calls come from one
 * thread in order. A failure is never thrown at the caller: it is reported through hooks.problem (the state in
 * memory stays right, and the store writes it whole once it can again).
 */
export interface StateStore {
  /** Where the state is, for the log and the status (a path, a host: never a secret). */
  readonly where: string;
  /** Whether the state survives a restart of Node-RED (false: memory only). */
  readonly durable: boolean;
  /** Reads what was saved. Called once, before any write. */
  load(hooks: StoreHooks): SavedState | Promise<SavedState>;
  /**
   * Writes changes. When it returns, they survive a crash of this process as far as the store can tell without
   * waiting (the journal: written to the file); flush() says when they survive a crash of the machine.
   */
  write(changes: StateChanges): void;
  /** Resolves once everything written so far is durable (the journal: fdatasync). Never rejects. */
  flush(): Promise<void>;
  /** Flushes and lets go; `removed`: the om-server was deleted, its state goes with it. Never rejects. */
  close(removed: boolean): Promise<void>;
  /**
   * A store shared by several Node-RED instances (Redis): only the holder of its lease polls and emits. A store
   * without these members is this process's alone, and this process always may.
   */
  readonly shared?: boolean;
  /** The lease: whether this instance holds it now (and its local deadline has not passed). */
  mayEmit?(): boolean;
  /** Shared stores: whether Redis said, within the last lease time, that another instance holds the lease. */
  otherHolds?(): boolean;
  /**
   * The lease confirmed by a round trip to the store sent now: resolves true only if it still holds this instance's
   * value and the deadline has not passed meanwhile (see docs/HA.md, "Confirmed before each batch").
   */
  confirm?(): Promise<boolean>;
  /** Whether this instance wants the lease (a poll loop with om-events nodes runs); false releases it. */
  contend?(on: boolean): void;
  /**
   * This instance's memory is no longer what it delivered (a cycle was cut short after its records were counted):
   * the next time it takes the lease it reads the shared state instead of going on from memory.
   */
  invalidate?(): void;
}

/** A store that keeps nothing: the state lives in memory only (for as long as the process). */
export class MemoryStore implements StateStore {
  readonly durable = false;
  constructor(readonly where = 'memory only') {}
  load(): SavedState {
    return { correlations: [], subscribers: [] };
  }
  write(): void {
    // nothing is kept
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Staged {
  at: number;
  updated: EntryStatus[];
  forgotten: number[];
  subs: Map<string, SubscriberState>;
}

/**
 * The state of one om-server's poll loop in memory, over its store. Events:
 *   'added' (id)                      a request was recorded (after it was written), here or on another instance
 *   'committed' (Array<[id, state]>)  subscriber states were written (for a copy in a context store)
 *   'problem' (StoreProblem | undefined)
 *   'role' (RoleChange)               a shared store's lease: this instance got it (the subscriber states may have
 *                                     been reloaded: `reload`) or lost it
 *   'holder' ()                       a shared store heard that another instance holds the lease (otherHolds())
 */
export class LoopState extends EventEmitter {
  readonly correlation = new CorrelationMap();
  /** The last written state of each subscriber (resumed from when a node starts again). */
  private readonly saved = new Map<string, SubscriberState>();
  private staged: Staged[] = [];
  private timer: NodeJS.Timeout | undefined;
  private warned = new Set<string>();
  /** The store's current problem, if any. */
  problem: StoreProblem | undefined;
  /** Resolves once the saved state is loaded (at once for the journal). */
  readonly ready: Promise<void>;
  closed = false;
  /** Poll loops following the statuses of the requests (none: the map is bounded by trimming). */
  following = 0;
  /** Open requests whose id om-add-request got again, not reported yet (a poll loop reports them). */
  reused: Array<{ entry: CorrelationEntry; request?: Record<string, unknown> }> = [];
  /** The om-events nodes (ids) of the deployed flows that use this state (see sweepLoopStates). */
  readonly members = new Set<string>();
  /** The service's time of the last poll answer and the wall time it came, and the DataExpiration then in use. */
  private clock: { service: number; wall: number; expirationMs: number } | undefined;
  private expireTimer: NodeJS.Timeout | undefined;

  constructor(readonly url: string, readonly store: StateStore, private readonly log: (text: string) => void = () => {}) {
    super();
    this.setMaxListeners(0);
    const hooks: StoreHooks = {
      problem: (p) => {
        this.problem = p;
        this.emit('problem', p);
      },
      warn: (text) => this.say(text),
      role: (change) => this.roleChanged(change),
      remote: (changes) => this.remoteChanged(changes),
      holder: () => { if (!this.closed) this.emit('holder'); },
    };
    let loaded: SavedState | Promise<SavedState>;
    try {
      loaded = store.load(hooks);
    } catch (err) {
      hooks.problem({ code: codeOf(err), message: `could not read the saved state (${store.where}): ${messageOf(err)}` });
      loaded = { correlations: [], subscribers: [] };
    }
    if (loaded instanceof Promise) {
      this.ready = loaded.then((s) => this.apply(s), (err: unknown) => {
        hooks.problem({ code: codeOf(err), message: `could not read the saved state (${store.where}): ${messageOf(err)}` });
      });
    } else {
      this.apply(loaded);
      this.ready = Promise.resolve();
    }
    this.expireTimer = setInterval(() => this.expireIdle(), stateSettings.expireEveryMs);
    this.expireTimer.unref?.();
  }

  /** A poll cycle got an answer stamped `service` (ms) and forgets what is older than expirationMs itself. */
  noteServiceTime(service: number, expirationMs: number): void {
    if (!Number.isNaN(service)) this.clock = { service, wall: Date.now(), expirationMs };
  }

  /**
   * Without a poll cycle for a while (no loop, or one that keeps failing): terminated requests past DataExpiration
   * are forgotten here, on the service's clock as last seen plus the time since (a shared state's lease holder does
   * it for the pair).
   */
  expireIdle(): number {
    const c = this.clock;
    if (this.closed || !c || this.shared) return 0;
    const since = Date.now() - c.wall;
    if (since < stateSettings.expireEveryMs) return 0; // a cycle ran meanwhile: it expires itself
    const n = this.correlation.expire(c.service + since, c.expirationMs);
    if (n > 0 && this.following === 0) this.store.write(this.correlation.takeChanges());
    // (with a loop, its next persist() stages the forgotten ids with its own changes)
    return n;
  }

  /**
   * After the flows started: the subscriber states of om-events nodes that no longer use this state (deleted, also
   * while Node-RED was down, moved to another om-server) go; `keep`: the ids that still do (the running nodes, which
   * joined before the flows started, and the disabled ones: see sweepLoopStates).
   */
  keepMembers(keep: Set<string> = this.members): void {
    for (const id of [...this.saved.keys()]) if (!keep.has(id)) this.drop(id);
  }

  /** Where the state is kept (for the log, the status, the help). */
  get where(): string {
    return this.store.where;
  }

  /** Whether the state is shared with other Node-RED instances (only the lease holder polls). */
  get shared(): boolean {
    return this.store.shared === true;
  }

  /** Whether this instance may poll: always, unless the store is shared and another instance holds its lease. */
  get leading(): boolean {
    return !this.shared || (this.store.mayEmit?.() ?? false);
  }

  /** Shared state: whether another instance holds the lease, as Redis said within the last lease time. */
  otherHolds(): boolean {
    return this.store.otherHolds?.() ?? false;
  }

  /** May this instance hand events to the flow right now? (Checked before every batch: see shared.ts.) */
  mayEmit(): boolean {
    return this.store.mayEmit ? this.store.mayEmit() : true;
  }

  /** See StateStore.confirm (true at once for a store that is this process's alone). */
  confirm(): Promise<boolean> {
    return this.store.confirm ? this.store.confirm() : Promise.resolve(true);
  }

  /** A poll loop starts (true) or stops (false): a shared store contends for its lease, or releases it. */
  contend(on: boolean): void {
    if (!this.shared || this.closed) return;
    // What was delivered is written before the lease goes, so the next holder resumes exactly there.
    if (!on) this.commit(true);
    this.store.contend?.(on);
  }

  /** See StateStore.invalidate. */
  invalidate(): void {
    this.store.invalidate?.();
  }

  private roleChanged(change: RoleChange): void {
    if (this.closed) return;
    if (change.leader && change.reload) {
      // Another instance held the lease since: its state is the newest.
      this.correlation.replaceAll(change.reload.correlations);
      this.saved.clear();
      for (const [id, st] of change.reload.subscribers) this.saved.set(id, st);
      this.staged = [];
    } else if (change.leader && change.seed) {
      for (const [id, st] of change.seedSubscribers ?? []) if (!this.saved.has(id)) this.saved.set(id, st);
      this.store.write({ added: this.correlation.toJSON(), subscribers: [...this.saved] });
    }
    this.emit('role', change);
    if (change.leader) this.commit();
  }

  private remoteChanged(changes: RemoteChanges): void {
    if (this.closed) return;
    const ids: number[] = [];
    for (const saved of changes.added ?? []) {
      const { entry, displaced } = this.correlation.put(saved);
      if (!entry) continue;
      if (displaced) this.reused.push({ entry: displaced });
      ids.push(entry.id);
    }
    for (const s of changes.updated ?? []) this.correlation.applyStatus(s);
    for (const id of changes.forgotten ?? []) this.correlation.remove(id);
    if (changes.merged?.length) {
      const into: SavedEntry[] = [];
      this.correlation.merge(changes.merged, into);
      for (const e of into) ids.push(e[0]);
    }
    for (const id of ids) this.emit('added', id);
  }

  private apply(saved: SavedState): void {
    // Adds recorded while an asynchronous load ran are newer than what it read: they win.
    this.correlation.merge(saved.correlations);
    for (const [id, state] of saved.subscribers) if (!this.saved.has(id)) this.saved.set(id, state);
  }

  private say(text: string): void {
    try {
      this.log(text);
    } catch {
      // nothing else to tell
    }
  }

  /** One log line per topic for the life of this state. */
  warnOnce(topic: string, text: string): void {
    if (this.warned.has(topic)) return;
    this.warned.add(topic);
    this.say(text);
  }

  /**
   * om-add-request's hand-over: remembers what was sent for the request and writes it at once. Never throws: it runs
   * inside the add node's message handling.
   */
  added(info: AddedInfo): void {
    try {
      this.record(info);
    } catch (err) {
      this.warnOnce('added', `could not record an added request: ${messageOf(err)}`);
    }
  }

  private record(info: AddedInfo): void {
    if (this.closed || !info || typeof info !== 'object') return;
    const id = Number(info.OpenMediaID);
    if (!Number.isInteger(id) || id <= 0) return;
    const previous = this.correlation.get(id);
    const displaced = previous && previous.open ? { ...previous } : undefined;
    const request = displaced ? this.correlation.requestFor(id) : undefined;
    this.correlation.add(info, (part) => this.warnOnce('lossy', `what add request #${id} was given (its ${part}) `
      + 'holds something that cannot be copied (a function, a BigInt, a cycle ...): its events carry msg.request '
      + 'without those parts. Not reported again for other requests.'));
    const entry = this.correlation.get(id);
    if (!entry) return;
    // Staged changes of an earlier request with this id must not land on the new one (an id the service handed
    // out again: rare, so the common add does not look through what is staged).
    if (previous) {
      for (const s of this.staged) {
        s.updated = s.updated.filter((u) => u[0] !== id);
        s.forgotten = s.forgotten.filter((x) => x !== id);
      }
    }
    this.store.write({ added: [savedEntry(entry)] });
    if (this.following === 0 && this.correlation.size > MAX_IDLE_ENTRIES) {
      this.correlation.trim(MAX_IDLE_ENTRIES);
      this.store.write(this.correlation.takeChanges());
      this.warnOnce('idle-trim', `no om-events node has run for ${MAX_IDLE_ENTRIES} adds: the oldest are forgotten`);
    }
    if (displaced) this.reused.push(request === undefined ? { entry: displaced } : { entry: displaced, request });
    this.emit('added', id);
  }

  /** Adds saved entries the map does not hold (from an older store, e.g. a context store), and writes them. */
  mergeCorrelations(saved: unknown): number {
    const into: SavedEntry[] = [];
    const n = this.correlation.merge(saved, into);
    if (into.length && !this.closed) this.store.write({ added: into });
    return n;
  }

  /** The last written state of a subscriber. */
  subscriber(id: string): SubscriberState | undefined {
    return this.saved.get(id);
  }

  /**
   * After a delivery: the correlation map's changes and the given subscriber states, written COMMIT_LAG_MS from now
   * (see the file comment).
   */
  stage(subs: Array<[string, SubscriberState]>): void {
    if (this.closed) return;
    const { updated, forgotten } = this.correlation.takeChanges();
    if (subs.length === 0 && updated.length === 0 && forgotten.length === 0) return;
    this.staged.push({ at: Date.now(), updated, forgotten, subs: new Map(subs) });
    this.arm();
  }

  private arm(): void {
    if (this.timer || this.staged.length === 0 || this.closed) return;
    const wait = Math.max(0, this.staged[0].at + COMMIT_LAG_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commit();
    }, wait);
    this.timer.unref?.();
  }

  /** Writes what is due (all of it with `all`). */
  commit(all = false): void {
    // A shared state is written by the lease holder only; what is staged waits (and goes if another instance takes
    // over: it then reloads).
    if (this.shared && !this.store.mayEmit?.()) return;
    const limit = Date.now() - COMMIT_LAG_MS;
    while (this.staged.length > 0 && (all || this.staged[0].at <= limit)) {
      const s = this.staged.shift() as Staged;
      const subs = [...s.subs];
      for (const [id, state] of subs) this.saved.set(id, state);
      this.store.write({ updated: s.updated, forgotten: s.forgotten, subscribers: subs });
      if (subs.length) this.emit('committed', subs);
    }
    if (this.timer && this.staged.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.arm();
  }

  /** A subscriber stops cleanly: its current state is written now (whatever was staged for it is superseded). */
  handOver(id: string, state: SubscriberState): void {
    if (this.closed) return;
    this.unstage(id);
    this.saved.set(id, state);
    this.store.write({ subscribers: [[id, state]] });
  }

  /**
   * A new subscriber's first position (it starts "from now": its first cycle only marked what the service holds and
   * delivered nothing), written at once instead of after the lag: there is nothing it could send twice, and without
   * it a crash in the first COMMIT_LAG_MS would leave no position, so the node would start "from now" again and skip
   * every change made until the restart. False: not written (closed, or a shared state's lease is elsewhere).
   */
  begin(id: string, state: SubscriberState): boolean {
    if (this.closed || (this.shared && !this.store.mayEmit?.())) return false;
    this.handOver(id, state);
    this.emit('committed', [[id, state]]);
    return true;
  }

  /** A subscriber's node was deleted: its state goes. */
  drop(id: string): void {
    if (this.closed) return;
    this.unstage(id);
    if (this.saved.delete(id)) this.store.write({ subscribers: [[id, null]] });
  }

  private unstage(id: string): void {
    for (const s of this.staged) s.subs.delete(id);
  }

  /** Writes everything staged and waits until the store has it on disk. */
  async flush(): Promise<void> {
    if (!this.closed) this.commit(true);
    await this.store.flush();
  }

  /** Writes what is staged (unless the state goes) and lets the store go. */
  async close(removed: boolean): Promise<void> {
    if (this.closed) return;
    if (!removed) this.commit(true);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.expireTimer = undefined;
    this.staged = [];
    this.removeAllListeners('added');
    await this.store.close(removed);
  }
}

export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERROR';
}

export function messageOf(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// One LoopState per om-server (node id) and state directory, for the whole process.

export interface OpenOptions {
  /** Directory for the store (om-server: <userDir>/openmedia); undefined: memory only. */
  dir?: string;
  /** The om-server node's id. */
  serverId: string;
  /** The service URL: a state kept for another URL is not used. */
  url: string;
  /** Where the state's log lines go (om-server: its node log). */
  log?(text: string): void;
  /**
   * Shared state (om-server's Redis setting): the state lives in Redis and only the lease holder polls; the journal
   * in `dir` is kept as the write-behind of this instance's adds. Undefined: the journal alone (nothing of Redis is
   * loaded).
   */
  shared?: SharedSettings;
}

const registry = new Map<string, LoopState>();
/** What each open state was opened with besides the URL (a change of the shared setting opens it anew). */
const signatures = new Map<string, string>();

function keyOf(dir: string | undefined, serverId: string): string {
  return `${dir ?? ''}\u0000${serverId}`;
}

function signatureOf(shared: SharedSettings | undefined): string {
  // A hash: the signature holds the Redis password too, and is kept for the life of the state.
  return shared ? createHash('sha256').update(JSON.stringify(shared)).digest('hex') : '';
}

/** The state of an om-server, opened (and loaded) on first use. A state kept for another URL is replaced. */
export function openLoopState(options: OpenOptions): LoopState {
  const key = keyOf(options.dir, options.serverId);
  let state = registry.get(key);
  const signature = signatureOf(options.shared);
  if (state && (serviceKey(state.url) !== serviceKey(options.url) || signatures.get(key) !== signature)) {
    // The om-server now points at another service: the ids of the old one mean nothing there. The store itself
    // sees the other URL in what it saved and starts over.
    registry.delete(key);
    void state.close(false);
    state = undefined;
  }
  if (!state) {
    const log = options.log ?? (() => {});
    let store: StateStore;
    if (options.shared) store = new RedisStore(options.shared, options.serverId, options.url, options.dir);
    else if (options.dir === undefined) store = new MemoryStore('memory only (Node-RED gave no user directory)');
    else store = new JournalStore(options.dir, options.serverId, options.url);
    state = new LoopState(options.url, store, log);
    registry.set(key, state);
    signatures.set(key, signature);
  }
  return state;
}

/** The state of an om-server if it is open; never opens one. */
export function peekLoopState(dir: string | undefined, serverId: string): LoopState | undefined {
  return registry.get(keyOf(dir, serverId));
}

/**
 * The om-server was deleted: its state goes, on disk too (also when it is not open: a journal left from before, and
 * what was set aside from it).
 */
export async function removeLoopState(dir: string | undefined, serverId: string): Promise<void> {
  const key = keyOf(dir, serverId);
  const state = registry.get(key);
  registry.delete(key);
  signatures.delete(key);
  if (state) await state.close(true);
  if (dir !== undefined) dropJournalFiles(dir, path.basename(journalFile(dir, serverId)));
}

/** No om-events node uses this state any more: written and let go; its journal stays (see the top of the file). */
async function letGo(key: string, state: LoopState): Promise<void> {
  registry.delete(key);
  signatures.delete(key);
  await state.close(false);
}

/** What the deployed flows hold (om-server.ts): the om-servers, and per om-server its om-events nodes (also disabled). */
export interface FlowsOfEvents {
  servers: string[];
  events: Map<string, Set<string>>;
}

/**
 * The flows (re)started (Node-RED's 'flows:started'). Every running om-events node has joined the state it uses
 * (LoopState.members). The subscriber states of om-events nodes that are gone from the flows go (a disabled node
 * keeps its own: enabled again, it goes on from its place). A state no running node uses is let go, its journal
 * kept, while a (disabled) om-events node of the flows still names its om-server; when none does, it goes, journal
 * included, as do the journals of om-servers that are not in the flows or have no om-events node (deleted while
 * Node-RED was down ...): nothing will follow those requests, and they hold PrivateData. Without `flows` (a runtime
 * that cannot say) only the running nodes count.
 */
export async function sweepLoopStates(dir: string | undefined, flows?: FlowsOfEvents): Promise<void> {
  const done: Array<Promise<void>> = [];
  const open = new Set<string>();
  for (const [key, state] of [...registry]) {
    if (!key.startsWith(`${dir ?? ''}\u0000`)) continue;
    const serverId = key.slice(key.indexOf('\u0000') + 1);
    const named = flows ? flows.events.get(serverId) ?? new Set<string>() : undefined;
    state.keepMembers(named ? new Set([...named, ...state.members]) : state.members);
    if (state.members.size > 0) open.add(serverId);
    else if (named && named.size === 0) done.push(removeLoopState(dir, serverId));
    else {
      open.add(serverId);
      done.push(letGo(key, state));
    }
  }
  await Promise.all(done);
  if (dir !== undefined && flows !== undefined) {
    const keep = new Set(flows.servers.filter((id) => (flows.events.get(id)?.size ?? 0) > 0 || open.has(id)));
    dropOtherJournals(dir, new Set([...keep].map((id) => path.basename(journalFile(dir, id)))));
  }
}

/**
 * A new runtime in this process (the node types are registered again): every state is written and let go, so what
 * the new runtime sees is what is on disk, as after a restart.
 */
export function resetLoopStates(): Promise<void> {
  const all = [...registry.values()];
  registry.clear();
  signatures.clear();
  return Promise.all(all.map((s) => s.close(false))).then(() => undefined);
}
