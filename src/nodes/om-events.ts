/**
 * om-events: one message per status change of Open Media requests.
 *
 * The polling itself is in src/lib/events (one loop per om-server, shared by every om-events node on it); this file
 * is the Node-RED side: configuration, filters, the messages, the status dot, and saving the node's state (cursor,
 * recent keys, correlation map, records held for "only own") in its context, in the store the user picked. The
 * loop saves after delivering and only when that state changed.
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
 *   store           '' (the default context store) or the name of a configured store, e.g. 'file'
 *   outputs         number of outputs (set by the editor)
 *
 * Input: any message polls at once (the regular polls go on).
 * Output msg: { topic: 'openmedia/<ID>/<Status>', payload: <status record>, openMediaId, request? } (see the help).
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
  stoppedStates,
} from '../lib/events/poller';
import { VERDICT, type Verdict } from '../lib/events/types';
import type { StatusRecord } from '../lib/normalize';
import type { DoneFn, NodeAPI, NodeDef, NodeMessage, NodeStatus, OmServerNode, RedNode, SendFn } from '../lib/red';
import { STATUS_MAX, StatusThrottle, shortStatus } from '../lib/status';

/** Key of the node's state in its context. */
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

/** Red status text: what failed, in words, and when the next try is, in STATUS_MAX characters when it can be. */
export function failureText(code: string, retryInMs: number): string {
  const short = shortStatus(code);
  const secs = Math.max(1, Math.round(retryInMs / 1000));
  for (const text of [`${short}, retry ${secs}s`, `${short} ${secs}s`]) if (text.length <= STATUS_MAX) return text;
  return short;
}

function isSaved(value: unknown): value is SavedNodeState {
  const v = value as Partial<SavedNodeState> | null;
  return !!v && typeof v === 'object' && v.v === 1 && !!v.tracker && Array.isArray(v.correlation);
}

module.exports = function register(RED: NodeAPI): void {
  // Registered once per runtime start: whatever an earlier runtime in this process left is not a redeploy's state.
  stoppedStates.clear();
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
    let closed = false;
    let count = 0;
    let failing = false;
    let saving: Promise<void> = Promise.resolve();

    if (!server || typeof server.getClient !== 'function') {
      node.status({ fill: 'red', shape: 'ring', text: 'no server' });
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done());
      return;
    }
    const url = server.url;

    const judge = (r: StatusRecord, ours: boolean): Verdict => {
      if (statusSet && !statusSet.has(r.Status)) return VERDICT.Skip;
      if (groupSet && !groupSet.has(r.ServiceGroupID)) return VERDICT.Skip;
      // Not known (yet): the AddRequest answer may still be on its way; the next, overlapping, answer decides.
      if (onlyOwn && !ours) return VERDICT.Defer;
      return VERDICT.Emit;
    };

    const okStatus = (): NodeStatus => (count > 0
      ? { fill: 'green', shape: 'dot', text: `${count} event${count === 1 ? '' : 's'}` }
      : { fill: 'green', shape: 'ring', text: 'polling' });

    const deliver = (events: Delivery[]): void => {
      if (closed) return;
      for (const { record, request } of events) {
        // Each message on its own: the records are already counted as handled, one that fails must not take the
        // others with it.
        try {
          const msg = buildMessage(record, request) as unknown as NodeMessage;
          if (perStatus) {
            const i = outputIndex.get(record.Status);
            if (i === undefined) continue;
            const out: Array<NodeMessage | null> = new Array(outputStatuses.length).fill(null);
            out[i] = msg;
            node.send(out);
          } else {
            node.send(msg);
          }
          count++;
        } catch (err) {
          node.warn(`om-events: could not send the event ${record.ID}/${record.Status}: ${(err as Error)?.message ?? String(err)}`);
        }
      }
      if (!failing) status.set(okStatus());
    };

    const showStatus = (s: LoopStatus): void => {
      if (closed) return;
      if (s.state === 'error') {
        failing = true;
        status.set({ fill: 'red', shape: 'ring', text: failureText(s.code ?? 'ERROR', s.retryInMs ?? 0) });
      } else {
        failing = false;
        status.set(okStatus());
      }
    };

    const save = (state: SavedSubscriberState): Promise<void> => {
      const value: SavedNodeState = { ...state, url };
      saving = saving.then(() => new Promise<void>((resolve) => {
        try {
          node.context().set(CONTEXT_KEY, value, store, (err) => {
            if (err) node.warn(`om-events: could not save state: ${err.message}`);
            resolve();
          });
        } catch (err) {
          node.warn(`om-events: could not save state: ${(err as Error).message}`);
          resolve();
        }
      }));
      return saving;
    };

    const begin = (stored: unknown): void => {
      if (closed) return;
      // What this process kept at the last stop is at least as fresh as what the store holds.
      const saved = stoppedStates.get(node.id) ?? stored;
      stoppedStates.delete(node.id);
      const resume = isSaved(saved) && (saved.url === undefined || saved.url === url) ? saved : undefined;
      status.set({ fill: 'grey', shape: 'ring', text: resume ? 'resuming' : 'starting' });
      sub = PollLoop.of(server as unknown as LoopHost).subscribe({
        id: node.id,
        intervalMs,
        start,
        dataExpirationMs,
        checkEvery,
        saved: resume,
        judge,
        deliver,
        status: showStatus,
        persist: (state) => { void save(state); },
        warn: (text) => node.warn(text),
      });
    };

    try {
      node.context().get(CONTEXT_KEY, store, (err, value) => {
        if (err) node.warn(`om-events: could not read saved state: ${err.message}`);
        begin(err ? undefined : value);
      });
    } catch (err) {
      node.warn(`om-events: could not read saved state: ${(err as Error).message}`);
      begin(undefined);
    }

    node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      sub?.pollNow();
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      status.close();
      const s = sub;
      sub = undefined;
      if (!s) {
        saving.then(() => done(), () => done());
        return;
      }
      const state = s.close();
      if (removed) stoppedStates.delete(node.id);
      else stoppedStates.set(node.id, { ...state, url });
      save(state).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('om-events', OmEvents);
};
