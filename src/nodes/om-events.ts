/**
 * om-events: one message per status change of Open Media requests.
 *
 * The polling itself is in src/lib/events (one loop per om-server, shared by every om-events node on it), and so is
 * the state (lib/events/state.ts: a journal per om-server in <userDir>/openmedia/, which keeps each node's position,
 * recent keys and held records, and what om-add-request sent for each request). This file is the Node-RED side:
 * configuration, filters, the messages, the status dot, and the optional copy of the node's state in a context store.
 *
 * Node properties (the editor's defaults):
 *   name            ''
 *   server          id of the om-server config node
 *   start           'now' (only what happens from deploy on) | 'replay' (first everything the service still holds)
 *   statuses        [] = every status; else wire names, e.g. ['Complete', 'Failed']
 *   groups          '' = every service group; else ServiceGroupIDs separated by commas, e.g. '101, 102'
 *   onlyOwn         false; true = only requests added by om-add-request in this Node-RED
 *   outputPerStatus false; true = one output per status (the selected ones, in the contract's order)
 *   interval        5 (seconds between polls, at least 1)
 *   dataExpiration  30 (minutes: the service's DataExpiration; terminated requests are forgotten after it)
 *   checkEvery      12 (polls between two restart checks)
 *   store           '' (the journal in the user directory only) or the name of a configured context store, e.g.
 *                   'file': a copy of the node's state is also kept there (for a user directory that does not
 *                   survive, e.g. a container without a volume). On start the newer of the two (by the service's
 *                   time of its position) is used; the journal wins a tie. With '', a state an earlier version left
 *                   in the default context store is still read once (upgrade).
 *   outputs         number of outputs (set by the editor)
 *
 * Input: any message polls at once (the regular polls go on).
 * Output msg: { topic: 'openmedia/<ID>/<Status>', payload: { Status, ID, TimeStamp, correlation?, AgentID, ... },
 *   openMediaId, request? } (see lib/events/index.ts and the help).
 */
import { OPEN_MEDIA_STATUS_NAMES } from '../lib/contract';
import { buildMessage } from '../lib/events';
import {
  DEFAULT_CHECK_EVERY,
  DEFAULT_DATA_EXPIRATION_MS,
  DEFAULT_INTERVAL_MS,
  MIN_INTERVAL_MS,
  PollLoop,
  type Delivery,
  type LoopHost,
  type LoopStatus,
  type SavedSubscriberState,
  type Subscription,
} from '../lib/events/poller';
import type { LoopState, StoreProblem, SubscriberState } from '../lib/events/state';
import { serviceKey } from '../lib/events/journal';
import { timeOf } from '../lib/events/tracker';
import { VERDICT, type EventRecord, type Verdict } from '../lib/events/types';
import type { StatusRecord } from '../lib/normalize';
import { contextStoreKinds, type DoneFn, type NodeAPI, type NodeDef, type NodeMessage, type NodeStatus, type OmServerNode, type RedNode, type SendFn } from '../lib/red';
import { REPORT_EVERY_MS } from '../lib/events/shared';
import { STATUS_MAX, StatusThrottle, fit, marked, recordText, retryText, shortStatus } from '../lib/status';

/** Key of the node's state in a context store. */
export const CONTEXT_KEY = 'omEvents';

interface EventsConfig extends NodeDef {
  server?: string;
  start?: string;
  statuses?: unknown;
  groups?: unknown;
  onlyOwn?: unknown;
  outputPerStatus?: unknown;
  interval?: unknown;
  dataExpiration?: unknown;
  checkEvery?: unknown;
  store?: unknown;
}

interface ContextStore {
  get(key: string, store: string | undefined, cb: (err: Error | null, value?: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error | null) => void): void;
}

interface EventsNode extends RedNode {
  context(): ContextStore;
}

interface SavedNodeState extends SavedSubscriberState {
  /** The server URL the state belongs to: a state saved for another server is not resumed. */
  url?: string;
}

function numberOf(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : fallback;
}

function boolOf(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Selected statuses, in the contract's order; [] = all. */
export function statusesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' && value.trim() !== '' ? value.split(',') : [];
  const wanted = new Set(list.map((s) => String(s).trim()));
  return OPEN_MEDIA_STATUS_NAMES.filter((s) => wanted.has(s));
}

/** Service group ids from '101, 102' (or an array); [] = all. */
export function groupsOf(value: unknown): number[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,;]+/) : [];
  return list.map((g) => String(g).trim()).filter((g) => g !== '').map(Number).filter((g) => Number.isInteger(g));
}

/** Red status text: what failed, in words, and when the next try is (lib/status.ts retryText). */
export function failureText(code: string, retryInMs: number): string {
  return retryText(code, retryInMs);
}

const REASON_WORDS: Record<string, string> = {
  RequestVanished: 'vanished',
  StatusWithoutEvent: 'no event',
  IdReused: 'id reused',
};

/**
 * Green status text for the last change, in the words the operation nodes use for a status record (lib/status.ts),
 * e.g. "#16 complete by 4001", "#17 offered to agent 4002", "#18 queued, position 3"; a change the node detected
 * itself says why, e.g. "#19 failed (vanished)".
 */
export function changeText(r: EventRecord, showsSecret?: (text: string) => boolean): string {
  if (r.DetectedBy && r.Reason) return fit(`#${r.ID} failed (${REASON_WORDS[r.Reason] ?? 'detected'})`, `#${r.ID} failed`);
  return recordText(r as unknown as Record<string, unknown>, showsSecret);
}

/** Red status text when the shared state (Redis) cannot be used: this instance stands by (every text says so). */
export function noRedisText(code: string): string {
  const words: Record<string, string> = {
    REDIS_WRONGPASS: 'Redis: logon refused, standby',
    REDIS_NOAUTH: 'Redis: no password, standby',
    REDIS_NOPERM: 'Redis: not allowed, standby',
    REDIS_CONFIG: 'bad Redis setting, standby',
    REDIS_MODULE: 'no Redis client, standby',
    REDIS_OOM: 'Redis out of memory, standby',
    REDIS_TLS_ERROR: 'Redis: TLS problem, standby',
    REDIS_ETIMEDOUT: 'no Redis answer: standby',
    REDIS_EPROTO: 'Redis: bad reply, standby',
  };
  return words[code] ?? 'no Redis: standby';
}

/** Status texts of a node whose server's state is shared (a high-availability pair on Redis). */
export const STANDBY_TEXT = 'standby (other instance polls)';
/** Standby, and Redis has not (yet) said who holds the lease: until the store's watchdog raises a problem. */
export const WAITING_TEXT = 'standby (asking Redis)';
export const LEADER_TEXT = 'polling (leader)';
/** Follows the last change on the lease holder: always shown whole (a long change text is shortened for it). */
export const LEADER_MARK = ' (leader)';

/** Red status text when another live process holds the journal's lock (same user directory). */
export function lockedText(pid: number | undefined): string {
  return fit(pid === undefined ? 'journal in use elsewhere' : `journal in use by pid ${pid}`, 'journal in use elsewhere');
}

/** Yellow status text when the state cannot be saved. */
export function notSavedText(code: string): string {
  if (code === 'ENOSPC') return 'not saved: disk full';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'not saved: no access';
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOENT') return 'not saved: no folder';
  return `not saved: ${code.slice(0, 9)}`;
}

function isSaved(value: unknown): value is SavedNodeState {
  const v = value as Partial<SavedNodeState> | null;
  return !!v && typeof v === 'object' && v.v === 1 && !!v.tracker && Array.isArray(v.correlation);
}

/** The service time of a saved state's position (-Infinity when it has none). */
function cursorOf(s: { tracker?: { cursor?: unknown } } | undefined): number {
  const t = timeOf(s?.tracker?.cursor as string | undefined);
  return Number.isNaN(t) ? -Infinity : t;
}

module.exports = function register(RED: NodeAPI): void {
  function OmEvents(this: EventsNode, config: EventsConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const server = config.server ? (RED.nodes.getNode(config.server) as OmServerNode | null) : null;
    const status = new StatusThrottle(node);

    const statuses = statusesOf(config.statuses);
    const statusSet = statuses.length ? new Set(statuses) : null;
    const groups = groupsOf(config.groups);
    const groupSet = groups.length ? new Set(groups) : null;
    const onlyOwn = boolOf(config.onlyOwn);
    const perStatus = boolOf(config.outputPerStatus);
    const outputStatuses = statuses.length ? statuses : [...OPEN_MEDIA_STATUS_NAMES];
    const outputIndex = new Map(outputStatuses.map((s, i) => [s, i]));
    const intervalMs = Math.max(MIN_INTERVAL_MS, Math.round(numberOf(config.interval, DEFAULT_INTERVAL_MS / 1000) * 1000));
    const dataExpirationMs = Math.max(60000, Math.round(numberOf(config.dataExpiration, DEFAULT_DATA_EXPIRATION_MS / 60000) * 60000));
    const checkEvery = Math.max(1, Math.round(numberOf(config.checkEvery, DEFAULT_CHECK_EVERY)));
    const start = config.start === 'replay' ? 'replay' : 'now';
    const store = typeof config.store === 'string' && config.store.trim() !== '' ? config.store.trim() : undefined;

    let sub: Subscription | undefined;
    let state: LoopState | undefined;
    let closed = false;
    let last: NodeStatus | undefined;
    let failing: LoopStatus | undefined;
    let problem: StoreProblem | undefined;
    /** Shared state: another instance holds the lease (or Redis is out of reach); leader: this one does. */
    let standby = false;
    let leader = false;
    let saving: Promise<void> = Promise.resolve();

    if (!server || typeof server.getClient !== 'function' || typeof server.eventsState !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: 'no server' });
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done());
      return;
    }
    const url = server.url;
    const shows = (text: string): boolean => {
      try {
        return server.getClient().showsSecret(text);
      } catch {
        return false; // no client (a URL it refuses): nothing polls, nothing to show
      }
    };

    const judge = (r: StatusRecord, ours: boolean): Verdict => {
      if (statusSet && !statusSet.has(r.Status)) return VERDICT.Skip;
      if (groupSet && !groupSet.has(r.ServiceGroupID)) return VERDICT.Skip;
      // Not known (yet): the AddRequest answer may still be on its way; the next, overlapping, answer decides.
      if (onlyOwn && !ours) return VERDICT.Defer;
      return VERDICT.Emit;
    };

    // One status at a time, most urgent first: polls failing, Redis out of reach, state not saved, standby, the
    // last change (with a shared state: and that this instance is the one polling).
    const show = (): void => {
      if (closed) return;
      if (failing) status.set({ fill: 'red', shape: 'ring', text: failureText(failing.code ?? 'ERROR', failing.retryInMs ?? 0) });
      else if (problem && problem.code.startsWith('REDIS_')) status.set({ fill: 'red', shape: 'ring', text: noRedisText(problem.code) });
      else if (problem && problem.code === 'JOURNAL_LOCKED') status.set({ fill: 'red', shape: 'ring', text: lockedText(problem.pid) });
      else if (problem) status.set({ fill: 'yellow', shape: 'ring', text: notSavedText(problem.code) });
      // "other instance polls" only when Redis said so within the last lease time (else nobody may be polling).
      else if (standby) status.set({ fill: 'grey', shape: 'ring', text: state?.otherHolds() ? STANDBY_TEXT : WAITING_TEXT });
      else if (leader) status.set(last ? { ...last, text: marked(String(last.text ?? ''), LEADER_MARK) } : { fill: 'green', shape: 'ring', text: LEADER_TEXT });
      else status.set(last ?? { fill: 'green', shape: 'ring', text: 'no changes yet' });
    };

    const deliver = (events: Delivery[]): void => {
      if (closed) return;
      let newest: EventRecord | undefined;
      for (const { record, request, late } of events) {
        // Each message on its own: the records are already counted as handled, one that fails must not take the
        // others with it.
        try {
          const msg = buildMessage(record, request) as unknown as NodeMessage & { late?: boolean };
          // Sent after later changes of other requests: its add came after it had been dropped as someone else's.
          if (late) msg.late = true;
          if (perStatus) {
            const i = outputIndex.get(record.Status);
            if (i === undefined) continue;
            const out: Array<NodeMessage | null> = new Array(outputStatuses.length).fill(null);
            out[i] = msg;
            node.send(out);
          } else {
            node.send(msg);
          }
          newest = record;
        } catch (err) {
          node.warn(`om-events: could not send the event ${record.ID}/${record.Status}: ${(err as Error)?.message ?? String(err)}`);
        }
      }
      if (newest) {
        // A status never shows server text that carries a credential (an agent's logon id the server echoed).
        last = { fill: 'green', shape: 'dot', text: changeText(newest, shows) };
        show();
      }
    };

    const showLoop = (s: LoopStatus): void => {
      failing = s.state === 'error' ? s : undefined;
      standby = s.state === 'standby';
      leader = s.state === 'ok' && s.leader === true;
      polled = true;
      reportProblem();
      show();
    };

    /**
     * An error a Catch node sees (so a flow can raise an alarm), with the problem in msg.payload; once per problem.
     * Not before the first poll has ended: a problem found while the flows start would reach no Catch node yet.
     */
    let reported: string | undefined;
    let polled = false;
    /** When each problem code was last raised: a problem that comes and goes is raised at most once a minute. */
    const raisedAt = new Map<string, number>();
    const reportProblem = (): void => {
      if (!problem || !polled || reported === problem.code) return;
      reported = problem.code;
      const at = raisedAt.get(problem.code);
      if (at !== undefined && Date.now() - at < REPORT_EVERY_MS) return;
      raisedAt.set(problem.code, Date.now());
      node.error(`om-events: ${problem.message}`, { topic: 'openmedia/state', payload: { code: problem.code, where: state?.where ?? '' } });
    };

    const onProblem = (p: StoreProblem | undefined): void => {
      if (closed) return;
      problem = p;
      if (p) reportProblem();
      else if (reported) {
        reported = undefined;
        node.log(state?.shared ? `om-events: Redis answers again (${state.where})` : `om-events: the state is saved again (${state?.where ?? ''})`);
      }
      show();
    };

    /** The copy in the chosen context store (only when one is chosen). */
    const saveCopy = (st: SubscriberState): Promise<void> => {
      if (!store || !state) return saving;
      const value: SavedNodeState = { v: 1, tracker: st.tracker, correlation: state.correlation.toJSON(), url };
      if (st.pending) value.pending = st.pending;
      saving = saving.then(() => new Promise<void>((resolve) => {
        try {
          node.context().set(CONTEXT_KEY, value, store, (err) => {
            if (err) node.warn(`om-events: could not save state in context store "${store}": ${err.message}`);
            resolve();
          });
        } catch (err) {
          node.warn(`om-events: could not save state in context store "${store}": ${(err as Error).message}`);
          resolve();
        }
      }));
      return saving;
    };

    const begin = (stored: unknown): void => {
      if (closed || !state) return;
      const st = state;
      // The journal's state, or the context store's when that one is newer (a user directory that did not survive).
      let saved: SubscriberState | SavedNodeState | undefined = st.subscriber(node.id);
      // With a shared state the position comes from Redis when this instance takes the lease; a copy in this
      // instance's context store is not read (it would be this instance's view, not the pair's).
      const copy = !st.shared && isSaved(stored) && (stored.url === undefined || serviceKey(stored.url) === serviceKey(url)) ? stored : undefined;
      if (copy && cursorOf(copy) > cursorOf(saved)) {
        saved = copy;
        st.mergeCorrelations(copy.correlation);
      }
      problem = st.problem;
      st.on('problem', onProblem);
      st.on('holder', show);
      status.set({ fill: 'grey', shape: 'ring', text: st.shared ? 'starting (shared state)' : saved ? 'resuming' : 'starting' });
      sub = PollLoop.of(server as unknown as LoopHost).subscribe({
        id: node.id,
        intervalMs,
        start,
        dataExpirationMs,
        checkEvery,
        saved,
        judge,
        deliver,
        status: showLoop,
        persist: (s) => { void saveCopy(s); },
        warn: (text) => node.warn(text),
      });
    };

    try {
      state = server.eventsState();
      // A member of the state while deployed: a state no om-events node uses goes when the flows start (om-server).
      state.members.add(node.id);
    } catch (err) {
      node.error(`om-events: could not open the saved state: ${(err as Error)?.message ?? String(err)}`);
      node.status({ fill: 'red', shape: 'ring', text: 'no state' });
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done());
      return;
    }
    const ready = state.ready;
    try {
      node.context().get(CONTEXT_KEY, store, (err, value) => {
        if (err) node.warn(`om-events: could not read saved state: ${err.message}`);
        void ready.then(() => begin(err ? undefined : value));
      });
    } catch (err) {
      node.warn(`om-events: could not read saved state: ${(err as Error).message}`);
      void ready.then(() => begin(undefined));
    }

    node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      sub?.pollNow();
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      status.close();
      state?.off('problem', onProblem);
      state?.off('holder', show);
      state?.members.delete(node.id);
      const s = sub;
      sub = undefined;
      if (!s) {
        saving.then(() => done(), () => done());
        return;
      }
      // A stop writes the current state at once (exact across a redeploy or a clean restart). So does a deletion or
      // a disable (both come as `removed`): once the flows started, the sweep (state.ts sweepLoopStates) drops the
      // state of a node gone from the flows and keeps a disabled node's, which goes on from there when enabled.
      const final = s.close(false);
      (removed ? saving : saveCopy(final)).then(() => done(), () => done());
    });
  }

  // The dialog's "Remember in" offers only stores that keep something across a restart (not memory ones).
  RED.nodes.registerType('om-events', OmEvents, {
    settings: { omEventsContextStores: { value: contextStoreKinds(RED.settings), exportable: true } },
  });
};
