/**
 * RedisStore: om-events' state shared by two (or more) Node-RED instances that run the same flows (a high-availability
 * pair), in Redis, with a lease that decides which instance polls and emits. See docs/HA.md for the whole design; in
 * short:
 *
 *  - Keys (P = <prefix>{<om-server id>:<hash of the service URL>}:, one set per om-server and service):
 *      P lease   the lease: "<fencing token>|<instance>|<nonce>", with a TTL (PX)
 *      P fence   the fencing counter (INCR at every acquisition: tokens only grow)
 *      P meta    present while Redis holds the pair's state (gone after a Redis restart without persistence)
 *      P corr    hash: OpenMediaID -> the added request (SavedEntry JSON), written by whichever instance added it
 *      P st      hash: OpenMediaID -> its status as the lease holder last saw it (EntryStatus JSON)
 *      P subs    hash: om-events node id -> its cursor, dedupe window and held records (SubscriberState JSON)
 *      P log     stream of changes (adds by any instance, the lease holder's status changes), trimmed to ~LOG_MAX:
 *                how the other instances learn of an add within milliseconds (the lease holder must know an add made
 *                on the other instance, for "only requests added here")
 *  - The lease: acquired with SET NX PX by a script that also INCRs the fence (so the token is stored with the
 *    lease), renewed every TTL/4 by a compare-and-extend script, released (compare-and-delete) on a clean stop.
 *    The holder may emit only while mayEmit(): until the local deadline = (when the last successful acquire or renew
 *    was SENT) + TTL - margin, on a monotonic clock. Redis starts the TTL when it receives the command, after it was
 *    sent, so the key outlives the local deadline by at least the margin: the holder stops before any other
 *    instance can acquire. The poll loop checks mayEmit() right before each batch it hands to the nodes, so an
 *    event-loop stall or a GC pause longer than the TTL stops it too.
 *  - Every write of the cursor, dedupe window, held records and status changes goes through a script that first
 *    checks that the lease still holds this instance's value (fencing): a stale holder's writes are refused, and the
 *    refusal makes it a standby at once.
 *  - Adds are written by whichever instance got the add answer (not fenced: any instance may add). Each add is also
 *    written to the local journal first (the write-behind: it survives a crash of Node-RED before Redis has it,
 *    and an add made while Redis is unreachable is pushed once Redis answers again), and marked forgotten there
 *    once Redis confirmed it.
 *  - No offline queue: a command issued while the connection is down fails at once (node-redis
 *    disableOfflineQueue), and commands in flight fail when the connection drops; nothing is replayed behind the
 *    store's back. What must be written again (unconfirmed adds, unconfirmed fenced writes) the store resends
 *    itself, fenced by its current lease value.
 *  - Every command has the store's own timer (node-redis' command timeout only covers the wait before a command is
 *    written, not the wait for its reply), and every reply's shape is checked. A command that times out, or a reply
 *    of the wrong shape, means the connection can no longer be trusted (the next reply could be matched to the
 *    wrong command): the connection is destroyed and a new one made. A watchdog raises a problem when no round trip
 *    succeeded for a lease time, whatever the reason (a black hole, a Redis that answers too slowly).
 *
 * The Redis client (@redis/client, an optional dependency) is required here lazily, only when a store is opened.
 */
import { createHash, randomBytes } from 'crypto';
import * as os from 'os';
import { performance } from 'perf_hooks';
import type { EntryStatus, SavedEntry } from './correlation';
import { peerText } from '../errors';
import { JournalStore, serviceKey } from './journal';
import type { RoleChange, SavedState, StateChanges, StateStore, StoreHooks, StoreProblem, SubscriberState } from './state';

/** What the om-server's shared-state setting gives. */
export interface SharedSettings {
  /** redis://host:port[/db] or rediss://... (without user info: the credentials come separately). */
  url: string;
  username?: string;
  password?: string;
  /** Prepended to every key (default 'openmedia:'). */
  prefix: string;
  /** TLS options (rediss://), from a tls-config node. */
  tls?: {
    ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; passphrase?: string;
    rejectUnauthorized?: boolean; servername?: string;
  };
  /** The lease's time to live, ms. */
  leaseMs: number;
  /** Why the setting cannot be used (a bad URL ...): the store then never connects and this instance stands by. */
  problem?: string;
}

export const REDIS_CREDENTIALS_IN_URL =
  'The Redis URL holds a user name or password: put them in the Redis user and password fields, not in the URL';

export const DEFAULT_PREFIX = 'openmedia:';
export const DEFAULT_LEASE_MS = 10000;
export const MIN_LEASE_MS = 1000;
/** The change log is trimmed to about this many entries (an instance that falls further behind reloads). */
export const LOG_MAX = 10000;
/** Entries read from the log at once. */
const LOG_BATCH = 500;
/** Longest reconnect delay. */
const RECONNECT_MAX_MS = 1000;
/** A Redis failure is raised again (an error a Catch node sees) at most this often while it lasts. */
export const REPORT_EVERY_MS = 60000;

/** The package the store needs (an optional dependency). */
export const REDIS_MODULE = '@redis/client';

// ---------------------------------------------------------------------------------------------------------------
// Scripts. KEYS and ARGV as documented on each; every script is atomic in Redis.

/**
 * Acquire. KEYS: lease, fence, meta. ARGV: instance, nonce, ttl ms, this instance's last value ('' when none).
 * Returns {value, mode, metaExisted}: mode 0 = held by someone else (value = theirs), 1 = it still held our last value
 * (extended), 2 = acquired with a new token.
 */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
local meta = redis.call('EXISTS', KEYS[3])
if cur then
  if ARGV[4] ~= '' and cur == ARGV[4] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    if meta == 0 then redis.call('SET', KEYS[3], '1') end
    return {cur, 1, meta}
  end
  return {cur, 0, meta}
end
local token = redis.call('INCR', KEYS[2])
local value = token .. '|' .. ARGV[1] .. '|' .. ARGV[2]
redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[3])
if meta == 0 then redis.call('SET', KEYS[3], '1') end
return {value, 2, meta}`;

/** Renew (compare and extend). KEYS: lease. ARGV: value, ttl ms. 1 = extended, 0 = not ours any more. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Release (compare and delete). KEYS: lease. ARGV: value. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/**
 * A fenced write. KEYS: lease, corr, st, subs, log. ARGV: value, instance, log max, n updates, then n pairs
 * (id, EntryStatus JSON), m forgotten, then m ids, k subscribers, then k pairs (node id, SubscriberState JSON or ''
 * to delete), then the log entry's JSON ('' for none). 1 = written, 0 = refused (the lease is not ours).
 */
const FENCED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local i = 4
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
  i = i + 1
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[4], ARGV[i]) else redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
if ARGV[i] ~= '' then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'k', 'w', 'i', ARGV[2], 'd', ARGV[i])
end
return 1`;

/**
 * Adds (not fenced: any instance). KEYS: corr, st, log. ARGV: instance, log max, nx ('1': only ids Redis does not hold,
 * for entries pushed again), n, then n pairs (id, SavedEntry JSON). Returns the number of entries written; those are
 * appended to the log in one entry.
 */
const ADD = `
local written = {}
local i = 5
local n = tonumber(ARGV[4])
for _ = 1, n do
  if ARGV[3] ~= '1' or redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('HDEL', KEYS[2], ARGV[i])
    written[#written + 1] = ARGV[i + 1]
  end
  i = i + 2
end
if #written > 0 then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'k', 'a', 'i', ARGV[1], 'd', '[' .. table.concat(written, ',') .. ']')
end
return #written`;

/** Every script, loaded on each connection. */
const SCRIPTS = [ACQUIRE, RENEW, RELEASE, FENCED, ADD];

// ---------------------------------------------------------------------------------------------------------------
// Reply shapes, checked strictly: any other reply means the connection is out of step with its commands (or the peer
// is not a Redis that runs these scripts), and the connection is made again (see send()).

type Shape = (reply: unknown) => boolean;

const oneOf = (...values: number[]): Shape => (r) => typeof r === 'number' && values.includes(r);
/** A lease value: "<token>|<instance>|<nonce>" (see acquire). */
const LEASE_VALUE = /^[1-9]\d{0,15}\|[^|]{1,80}\|[0-9a-f]{1,32}$/;
const isStrings = (a: unknown[]): boolean => a.every((x) => typeof x === 'string');

const SCRIPT_SHAPES = new Map<string, (args: string[]) => Shape>([
  // [value, 0 | 1 | 2, 0 | 1]
  [ACQUIRE, () => (r) => Array.isArray(r) && r.length === 3 && typeof r[0] === 'string' && LEASE_VALUE.test(r[0])
    && oneOf(0, 1, 2)(r[1]) && oneOf(0, 1)(r[2])],
  [RENEW, () => oneOf(0, 1)],
  [RELEASE, () => oneOf(0, 1)],
  [FENCED, () => oneOf(0, 1)],
  // the number of entries written: 0 ... n (ARGV[4])
  [ADD, (args) => (r) => typeof r === 'number' && Number.isInteger(r) && r >= 0 && r <= Number(args[3])],
]);

/** HGETALL: field/value strings (a flat array in RESP2, a map or an object in RESP3). */
const isHash: Shape = (r) => {
  if (Array.isArray(r)) return r.length % 2 === 0 && isStrings(r);
  if (r instanceof Map) return isStrings([...r.keys()]) && isStrings([...r.values()]);
  return !!r && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype && isStrings(Object.values(r));
};

/** Stream entries (XRANGE, XREVRANGE): [[id, [field, value, ...]], ...]. */
const isEntries: Shape = (r) => Array.isArray(r) && r.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string'
  && Array.isArray(e[1]) && e[1].length % 2 === 0 && isStrings(e[1]));

/** XREAD of one stream: null (nothing new), or that stream's entries ([[name, entries]], a map or an object). */
const isXread: Shape = (r) => {
  if (r === null) return true;
  if (Array.isArray(r)) return r.length === 1 && Array.isArray(r[0]) && r[0].length === 2 && typeof r[0][0] === 'string' && isEntries(r[0][1]);
  if (r instanceof Map) return r.size === 1 && isEntries([...r.values()][0]);
  return !!r && typeof r === 'object' && Object.values(r).length === 1 && isEntries(Object.values(r)[0]);
};

/** A command that got no answer within the store's own time (see send()). */
class CommandTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number) {
    super(`${what}: no answer from Redis in ${ms} ms`);
  }
}

/** A reply of the wrong shape (see the shapes above). */
function protocolError(command: string): Error {
  return Object.assign(new Error(`an unexpected reply to ${command.slice(0, 12)}`), { code: 'EPROTO' });
}

/**
 * The reply, or a CommandTimeout after `ms`. When the timer fires, the I/O of that turn of the event loop is read
 * first (setImmediate): a reply that arrived during a stall of the event loop still counts.
 */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => setImmediate(() => {
      if (settled) return;
      settled = true;
      reject(new CommandTimeout(what, ms));
    }), ms);
    p.then((v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The little of @redis/client the store uses (typed here: the package is optional and its types are not needed).

interface RedisClient {
  connect(): Promise<unknown>;
  destroy(): void;
  duplicate(): RedisClient;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly isReady: boolean;
}

interface RedisModule {
  createClient(options: Record<string, unknown>): RedisClient;
}

/** Loads the Redis client package (lazily: only a store needs it). Tests replace it to count loads. */
export const redisLoader = {
  load(): RedisModule {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(REDIS_MODULE) as RedisModule;
  },
};

/** Where a Redis URL points, for messages: host:port/db, never user info. */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname && u.pathname !== '/' ? u.pathname : '';
    return `${u.protocol === 'rediss:' ? 'rediss' : 'redis'}://${u.hostname}${u.port ? `:${u.port}` : ''}${db}`;
  } catch {
    return 'redis (URL unreadable)';
  }
}

/** The URL checked: redis:// or rediss://, a host, no user info. Returns a reason when it cannot be used. */
export function redisUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'the Redis URL is not a URL (e.g. redis://redis-host:6379)';
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return 'the Redis URL must start with redis:// or rediss://';
  if (!u.hostname) return 'the Redis URL names no host';
  if (u.username || u.password) return REDIS_CREDENTIALS_IN_URL;
  if (u.pathname && u.pathname !== '/' && !/^\/\d{1,2}$/.test(u.pathname)) return 'the Redis URL path must be a database number, e.g. redis://redis-host:6379/0';
  return undefined;
}

/** The SHA1 of each script (EVALSHA). */
const shas = new Map<string, string>();

function shaOf(source: string): string {
  let sha = shas.get(source);
  if (sha === undefined) {
    sha = createHash('sha1').update(source).digest('hex');
    shas.set(source, sha);
  }
  return sha;
}

function tagOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Is this a Redis server's error reply (WRONGPASS, NOPERM, OOM ...) rather than a connection problem? */
function replyCode(err: unknown): string | undefined {
  const name = (err as Error)?.constructor?.name;
  const msg = (err as Error)?.message;
  if ((name === 'ErrorReply' || name === 'SimpleError' || name === 'BlobError') && typeof msg === 'string') {
    const m = /^([A-Z][A-Z_]{1,20})\b/.exec(msg);
    return m ? m[1] : 'ERR';
  }
  return undefined;
}

/** A short code for a Redis failure: the system's (ECONNREFUSED ...), the server's (WRONGPASS ...), or ours. */
export function redisCode(err: unknown): string {
  const reply = replyCode(err);
  if (reply) return reply;
  const code = (err as { code?: unknown } | null)?.code;
  // A certificate or TLS handshake failure (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID ...)
  if (typeof code === 'string' && /CERT|TLS|SSL/.test(code)) return 'TLS_ERROR';
  if (typeof code === 'string' && /^[A-Z0-9_]{2,24}$/.test(code)) return code;
  const name = (err as Error)?.constructor?.name ?? '';
  if (name === 'TimeoutError' || name === 'SocketTimeoutError' || name === 'ConnectionTimeoutError') return 'ETIMEDOUT';
  if (name === 'ClientOfflineError' || name === 'SocketClosedUnexpectedlyError') return 'ECONNRESET';
  if (name === 'ClientClosedError' || name === 'DisconnectsClientError') return 'CLOSED';
  return 'ERROR';
}

const CODE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'nothing answers there (connection refused)',
  ENOTFOUND: 'the host name is unknown',
  EHOSTUNREACH: 'the host cannot be reached',
  ETIMEDOUT: 'no answer in time',
  EPROTO: 'Redis answered something om-events did not ask for (a reply of the wrong kind): the connection is made again',
  ECONNRESET: 'the connection was lost',
  CLOSED: 'the connection is closed',
  WRONGPASS: 'Redis refused the user name or password',
  NOAUTH: 'Redis asks for a password and none is configured',
  NOPERM: 'the Redis user may not run the commands om-events needs (SCRIPT LOAD, EVALSHA, XADD, XREAD, HGETALL, on its keys)',
  OOM: 'Redis is out of memory (maxmemory)',
  READONLY: 'this Redis is a read-only replica',
  LOADING: 'Redis is loading its data after a restart',
  MODULE: `the package ${REDIS_MODULE} is not installed`,
  TLS_ERROR: 'the TLS connection to Redis failed (its certificate is not trusted, or names another host: see Redis TLS)',
};

// ---------------------------------------------------------------------------------------------------------------

type Reply = unknown;

function asArray(reply: Reply): unknown[] {
  return Array.isArray(reply) ? reply : [];
}

/** HGETALL's reply as pairs, whatever shape the client gives (an object, a Map, or a flat array). */
function pairsOf(reply: Reply): Array<[string, string]> {
  if (reply instanceof Map) return [...reply].map(([k, v]) => [String(k), String(v)]);
  if (Array.isArray(reply)) {
    const out: Array<[string, string]> = [];
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])]);
    return out;
  }
  if (reply && typeof reply === 'object') return Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
  return [];
}

/** Stream entries [id, fields] of an XREAD / XRANGE / XREVRANGE reply (for one stream). */
function entriesOf(reply: Reply): Array<[string, Map<string, string>]> {
  let list: unknown = reply;
  if (reply instanceof Map) list = [...reply.values()][0];
  else if (Array.isArray(reply) && reply.length > 0 && Array.isArray(reply[0]) && typeof reply[0][0] === 'string' && Array.isArray(reply[0][1]) && Array.isArray(reply[0][1][0])) {
    list = reply[0][1]; // XREAD in RESP2: [[stream, entries]]
  } else if (reply && typeof reply === 'object' && !Array.isArray(reply)) list = Object.values(reply as Record<string, unknown>)[0];
  const out: Array<[string, Map<string, string>]> = [];
  for (const e of asArray(list)) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    const fields = new Map<string, string>();
    const f = e[1];
    if (Array.isArray(f)) for (let i = 0; i + 1 < f.length; i += 2) fields.set(String(f[i]), String(f[i + 1]));
    else if (f && typeof f === 'object') for (const [k, v] of Object.entries(f as Record<string, unknown>)) fields.set(k, String(v));
    out.push([e[0], fields]);
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isSavedEntry(v: unknown): v is SavedEntry {
  return Array.isArray(v) && v.length >= 9 && Number.isInteger(v[0]) && typeof v[4] === 'boolean';
}

function isEntryStatus(v: unknown): v is EntryStatus {
  return Array.isArray(v) && v.length >= 6 && Number.isInteger(v[0]) && typeof v[1] === 'boolean';
}

function withStatus(e: SavedEntry, s: EntryStatus | undefined): SavedEntry {
  if (!s) return e;
  const out = [...e] as SavedEntry;
  [, out[4], out[5], out[6], out[7], out[8]] = s;
  return out;
}

/** The entries of the corr and st hashes (HGETALL replies), each with the status the lease holder last saw. */
function entriesFrom(corr: Reply, st: Reply): SavedEntry[] {
  const status = new Map<number, EntryStatus>();
  for (const [, v] of pairsOf(st)) {
    const s = parseJson(v);
    if (isEntryStatus(s)) status.set(s[0], s);
  }
  const out: SavedEntry[] = [];
  for (const [, v] of pairsOf(corr)) {
    const e = parseJson(v);
    if (isSavedEntry(e)) out.push(withStatus(e, status.get(e[0])));
  }
  return out;
}

/** The service time (ms) of a subscriber state's position; -Infinity without one. */
function cursorTime(s: SubscriberState | undefined): number {
  const t = typeof s?.tracker?.cursor === 'string' ? Date.parse(s.tracker.cursor) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

function tokenOf(value: string | undefined): number {
  const n = value ? Number(value.split('|')[0]) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

function instanceOf(value: string | undefined): string {
  return value ? value.split('|')[1] ?? '' : '';
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  t.unref?.();
});

/** Unique per store: which instance wrote what (host and process, for whoever reads the lease in Redis). */
function newInstanceId(): string {
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40) || 'host';
  return `${host}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Fenced writes not confirmed yet, the latest per key (a later write of a subscriber's state or of a request's status
 * replaces an earlier one, so what is sent again is never older than what was written since). `seq`: the write that
 * last carried each.
 */
class PendingFenced {
  readonly subs = new Map<string, { state: SubscriberState | null; seq: number }>();
  readonly updated = new Map<number, { status: EntryStatus; seq: number }>();
  readonly forgotten = new Map<number, number>();

  add(changes: StateChanges, seq: number): void {
    for (const u of changes.updated ?? []) {
      this.updated.set(u[0], { status: u, seq });
      this.forgotten.delete(u[0]);
    }
    for (const id of changes.forgotten ?? []) {
      this.forgotten.set(id, seq);
      this.updated.delete(id);
    }
    for (const [id, state] of changes.subscribers ?? []) this.subs.set(id, { state, seq });
  }

  /** Write `seq` was taken: what it carried last is confirmed. */
  confirm(seq: number): void {
    for (const [k, v] of this.subs) if (v.seq === seq) this.subs.delete(k);
    for (const [k, v] of this.updated) if (v.seq === seq) this.updated.delete(k);
    for (const [k, v] of this.forgotten) if (v === seq) this.forgotten.delete(k);
  }

  get empty(): boolean {
    return this.subs.size === 0 && this.updated.size === 0 && this.forgotten.size === 0;
  }

  /** Everything pending, as one write. */
  changes(): StateChanges {
    return {
      updated: [...this.updated.values()].map((u) => u.status),
      forgotten: [...this.forgotten.keys()],
      subscribers: [...this.subs].map(([id, v]) => [id, v.state]),
    };
  }

  clear(): void {
    this.subs.clear();
    this.updated.clear();
    this.forgotten.clear();
  }
}


export class RedisStore implements StateStore {
  readonly durable = true;
  readonly shared = true;
  readonly instance = newInstanceId();
  private hooks: StoreHooks = { problem: () => {}, warn: () => {} };
  private readonly keys: { lease: string; fence: string; meta: string; corr: string; st: string; subs: string; log: string };
  private readonly ttl: number;
  private readonly margin: number;
  private readonly tick: number;
  private main: RedisClient | undefined;
  private reader: RedisClient | undefined;
  private readonly journal: JournalStore | undefined;
  private closed = false;
  private wanted = false;
  private leader = false;
  /** The lease value we hold or held last ('' never). */
  private value = '';
  /** performance.now() until which we may emit. */
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private busy = false;
  private stepAgain = false;
  /** Adds of the current turn of the event loop, sent together at its end. */
  private turnAdds: SavedEntry[] = [];
  private turnEnd: NodeJS.Immediate | undefined;
  /** Adds sent to Redis and not answered yet. */
  private readonly sending = new Set<SavedEntry>();
  /** Adds not yet confirmed by Redis, by id (the same entries are in the journal). */
  private readonly unconfirmed = new Map<number, SavedEntry>();
  /** Subscriber states read from the journal (the state before shared state was on): seeds for an empty Redis. */
  private seedSubs: Array<[string, SubscriberState]> = [];
  /** Fenced writes sent and not confirmed (resent after this instance gets the lease back without a gap). */
  private readonly fenced = new PendingFenced();
  private fencedSeq = 0;
  private fencedFailed = false;
  private inFlight = new Set<Promise<unknown>>();
  private lastId = '0-0';
  /** This instance's memory holds the shared state as of its last lease (false until a snapshot was applied). */
  private synced = false;
  private readerRunning = false;
  /** Whether the last attempt reached Redis. */
  connected = false;
  /** Who holds the lease, as Redis last said ('' = nobody / unknown). */
  holder = '';
  /** performance.now() when the acquire that read `holder` was sent. */
  private holderAt = -Infinity;
  /** performance.now() of the last reply on the main connection, or of the start: see watch(). */
  private answeredAt = 0;
  /** performance.now() of the last watch() (see there). */
  private watchedAt = 0;
  /** How long one command may wait for its reply (see send()). */
  private readonly commandMs: number;
  private mod: RedisModule | undefined;
  /** Connections dropped by the store, with why: their commands in flight fail with that cause. */
  private readonly dropped = new WeakMap<RedisClient, unknown>();
  private redisProblem: StoreProblem | undefined;
  /** Why the last SCRIPT LOAD failed (an error reply such as NOPERM), until one succeeds. */
  private loadFailure: unknown;
  private journalProblem: StoreProblem | undefined;
  private shown: StoreProblem | undefined;
  /** For tests: counts of what happened. */
  readonly stats = { acquired: 0, renewed: 0, lost: 0, refused: 0, released: 0, reloads: 0, remote: 0, pushed: 0 };

  constructor(private readonly settings: SharedSettings, readonly serverId: string, readonly serviceUrl: string,
    journalDir?: string) {
    // The service as the journal names it (serviceKey: a trailing slash is the same service).
    const p = `${settings.prefix}{${serverId}:${tagOf(serviceKey(serviceUrl))}}:`;
    this.keys = { lease: `${p}lease`, fence: `${p}fence`, meta: `${p}meta`, corr: `${p}corr`, st: `${p}st`, subs: `${p}subs`, log: `${p}log` };
    this.ttl = Math.max(MIN_LEASE_MS, Math.round(settings.leaseMs || DEFAULT_LEASE_MS));
    // The margin covers a difference in clock rates and the time between the check and the send (see the top).
    this.margin = Math.max(100, Math.round(this.ttl / 5));
    this.tick = Math.max(100, Math.round(this.ttl / 4));
    // A renewal answered later than this is of little use (the deadline is 0.8 TTL after the previous one was sent,
    // a quarter of the lease before it), and a lease time without a reply is what a takeover takes.
    this.commandMs = Math.max(500, Math.round(this.ttl / 2));
    this.journal = journalDir === undefined ? undefined : new JournalStore(journalDir, serverId, serviceUrl);
  }

  get where(): string {
    return `${redisWhere(this.settings.url)} (keys ${this.keys.lease.slice(0, -'lease'.length)}*)`;
  }

  /** The key names (for tests and docs). */
  get keyNames(): Readonly<RedisStore['keys']> {
    return this.keys;
  }

  get leaseMs(): number {
    return this.ttl;
  }

  /** Whether this instance holds the lease (as far as it knows; mayEmit() also checks the deadline). */
  get role(): 'leader' | 'standby' {
    return this.leader ? 'leader' : 'standby';
  }

  /**
   * Whether Redis said, within the last lease time, that another instance holds the lease: what "standby (other
   * instance polls)" may claim. False while this instance holds it, and when Redis has not answered for that long.
   */
  otherHolds(): boolean {
    return !this.leader && this.holder !== '' && instanceOf(this.holder) !== this.instance
      && performance.now() - this.holderAt <= this.ttl;
  }

  /** May this instance emit now? Only while it holds the lease and its local deadline has not passed. */
  mayEmit(): boolean {
    if (!this.leader) return false;
    if (performance.now() < this.deadline) return true;
    this.lose('expired');
    return false;
  }

  /**
   * The lease confirmed by a round trip sent now, after what is about to be handed out arrived: the compare-and-extend
   * renewal (it also moves the deadline on). The deadline alone cannot tell a holder whose host was suspended or
   * whose VM was paused: the monotonic clock does not advance then, so it wakes "before its deadline" while another
   * instance may hold the lease. False: not ours any more (it stands by), no answer, or the deadline passed meanwhile.
   */
  async confirm(): Promise<boolean> {
    if (!this.mayEmit()) return false;
    try {
      await this.renew();
    } catch {
      return false;
    }
    return this.mayEmit();
  }

  load(hooks: StoreHooks): Promise<SavedState> {
    this.outer = hooks;
    this.hooks = {
      problem: (p) => {
        this.journalProblem = p;
        this.showProblem();
      },
      warn: hooks.warn,
      role: hooks.role,
      remote: hooks.remote,
      holder: hooks.holder,
    };
    const outer = hooks;
    let local: SavedState = { correlations: [], subscribers: [] };
    if (this.journal) {
      local = this.journal.load({ problem: (p) => this.hooks.problem(p), warn: (t) => outer.warn(t) });
      for (const e of local.correlations) this.unconfirmed.set(e[0], e);
      this.seedSubs = local.subscribers;
    }
    if (this.settings.problem) {
      this.redisProblem = {
        code: 'REDIS_CONFIG',
        message: `the shared-state setting cannot be used: ${this.settings.problem}. om-events stays on standby: it does not poll`,
      };
      this.showProblem(outer);
      return Promise.resolve(local);
    }
    let mod: RedisModule;
    try {
      mod = redisLoader.load();
    } catch (err) {
      this.redisProblem = {
        code: 'REDIS_MODULE',
        message: `shared state is set on this server, but ${CODE_WORDS.MODULE} (${(err as Error)?.message?.split('\n')[0] ?? ''}): `
          + `run "npm install ${REDIS_MODULE}" in the Node-RED user directory. om-events stays on standby: it does not poll`,
      };
      this.showProblem(outer);
      return Promise.resolve(local);
    }
    this.start(mod);
    // Resolves at once with what this instance knows (the journal): the shared state comes with the lease.
    return Promise.resolve(local);
  }

  private outer: StoreHooks | undefined;

  private clientOptions(): Record<string, unknown> {
    const s = this.settings;
    const socket: Record<string, unknown> = {
      connectTimeout: Math.min(5000, this.ttl),
      // Reconnect soon, never more than a second apart: the lease is short.
      reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), RECONNECT_MAX_MS),
      // A connection that carries nothing for this long is dead (renewals and the log reader keep it busy).
      socketTimeout: Math.max(2 * this.ttl, 3000),
    };
    if (s.url.startsWith('rediss:')) {
      socket.tls = true;
      const t = s.tls ?? {};
      if (t.ca !== undefined) socket.ca = t.ca;
      if (t.cert !== undefined) socket.cert = t.cert;
      if (t.key !== undefined) socket.key = t.key;
      if (t.passphrase) socket.passphrase = t.passphrase;
      socket.rejectUnauthorized = t.rejectUnauthorized !== false;
      if (t.servername) socket.servername = t.servername;
    }
    const options: Record<string, unknown> = {
      url: s.url,
      socket,
      // Fail at once while disconnected instead of queueing and replaying later (see the top of the file).
      disableOfflineQueue: true,
      // No commandOptions.timeout: node-redis applies it only until a command is written; send() times the reply.
      pingInterval: this.tick,
      // No CLIENT SETINFO at connect: one command less for a Redis ACL to allow (docs/HA.md).
      disableClientInfo: true,
    };
    if (s.username) options.username = s.username;
    if (s.password) options.password = s.password;
    return options;
  }

  private start(mod: RedisModule): void {
    this.mod = mod;
    this.answeredAt = performance.now();
    this.watchedAt = this.answeredAt;
    if (!this.connectMain() || !this.connectReader()) return;
    this.timer = setInterval(() => {
      this.watch();
      void this.step();
    }, this.tick);
    this.timer.unref?.();
    void this.readLoop();
  }

  private newClient(): RedisClient | undefined {
    try {
      return this.mod?.createClient(this.clientOptions());
    } catch (err) {
      this.fail(err, 'could not set up the Redis client');
      return undefined;
    }
  }

  /** The connection for the lease, the scripts and the hashes (a new one after drop()). */
  private connectMain(): boolean {
    const main = this.newClient();
    if (!main) return false;
    this.main = main;
    main.on('error', (err: unknown) => {
      if (this.main !== main) return;
      // The connection dropped (not an error reply): nothing this instance sends gets through now.
      if (replyCode(err) === undefined) this.lose('redis');
      this.fail(err);
    });
    main.on('ready', () => {
      if (this.main !== main) return;
      // Before anything else is sent on this connection (see script()).
      this.loadScripts();
      this.connected = true;
      void this.step();
    });
    main.on('end', () => {
      if (this.main === main) this.connected = false;
    });
    main.connect().catch((err: unknown) => {
      if (this.main === main) this.fail(err);
    });
    return true;
  }

  /** The connection that reads the log (XREAD BLOCK holds it). */
  private connectReader(): boolean {
    const reader = this.newClient();
    if (!reader) return false;
    this.reader = reader;
    reader.on('error', () => { /* the main connection reports; the reader retries by itself */ });
    reader.connect().catch(() => {});
    return true;
  }

  /**
   * A connection that can no longer be trusted (a command got no reply in time, or a reply of the wrong shape: the
   * next reply could be taken for another command's): destroyed, its commands in flight fail with `cause`, and a
   * new one is made. Nothing is replayed on it (see "No offline queue" at the top).
   */
  private drop(which: 'main' | 'reader', cause: unknown): void {
    const client = this[which];
    if (!client || this.closed) return;
    this.dropped.set(client, cause);
    if (which === 'main') {
      this.connected = false;
      this.lose('redis');
      this.connectMain();
    } else {
      this.connectReader();
    }
    try {
      client.destroy();
    } catch {
      // already gone
    }
  }

  /**
   * Every tick, also while a lease step hangs: no reply on the main connection for a lease time (a black hole, a
   * connection stuck in its handshake, a Redis that answers too slowly; the lease step sends a command every tick)
   * is a problem (an error a Catch node sees;
   * a standby does not claim that another instance polls: otherHolds()), and the connection is made again. A
   * failure already known (refused, a wrong password ...) says why itself; the client reconnects by itself then.
   */
  private watch(): void {
    if (this.closed || !this.main) return;
    const now = performance.now();
    // A stall of this process's event loop (a GC pause, a burst of messages) is not silence of Redis: the count
    // starts again (the deadline and the command timers deal with the stall itself).
    if (now - this.watchedAt > 2 * this.tick) this.answeredAt = now;
    this.watchedAt = now;
    const silent = now - this.answeredAt;
    if (silent <= this.ttl) return;
    this.answeredAt = now; // once per lease time
    const known = this.redisProblem;
    if (known && known.code !== 'REDIS_ETIMEDOUT') return;
    const err = new CommandTimeout('the lease', Math.round(silent));
    this.fail(err, `no round trip to Redis succeeded for ${Math.round(silent / 1000)} s`);
    this.drop('main', err);
  }

  /** One Redis failure: shown (status, a rate-limited error), never thrown. */
  private fail(err: unknown, what = 'Redis failed'): void {
    if (this.closed) return;
    const code = redisCode(err);
    if (replyCode(err) === undefined) this.connected = this.main?.isReady === true && code !== 'ECONNRESET';
    const words = CODE_WORDS[code] ?? 'Redis failed';
    // What Redis itself said (an error reply such as NOPERM's names the command), bounded and without the
    // credentials (errors.ts); a connection error's own text adds nothing to the code.
    const reply = replyCode(err) !== undefined && code !== 'WRONGPASS' && code !== 'NOAUTH'
      ? peerText((err as Error).message, { logonId: this.settings.username, password: this.settings.password }, 160) : '';
    this.redisProblem = {
      code: `REDIS_${code}`,
      message: `${what === 'Redis failed' ? '' : `${what}: `}${words}${reply ? ` ("${reply}")` : ''} (shared state at `
        + `${redisWhere(this.settings.url)}, code ${code}): this instance does not poll until Redis answers again`,
    };
    this.showProblem();
  }

  private clearRedisProblem(): void {
    if (!this.redisProblem) return;
    this.redisProblem = undefined;
    this.showProblem();
  }

  private showProblem(outer: StoreHooks | undefined = this.outer): void {
    const p = this.redisProblem ?? this.journalProblem;
    if (p?.code === this.shown?.code && p?.message === this.shown?.message) return;
    this.shown = p;
    outer?.problem(p);
  }

  /** Sends a command on the main connection (see call()), tracked for flush(). */
  private send(args: string[], shape?: Shape): Promise<unknown> {
    const client = this.main;
    if (!client) return Promise.reject(Object.assign(new Error('no Redis client'), { code: 'CLOSED' }));
    const p = this.call(client, 'main', args, this.commandMs, shape);
    this.inFlight.add(p);
    const done = (): void => { this.inFlight.delete(p); };
    p.then(done, done);
    return p;
  }

  /**
   * One command with the store's own timer (node-redis' timeout ends when the command is written, so a command a
   * black hole swallowed would wait for ever) and its reply's shape checked. Either failing drops the connection
   * (drop()): with one reply missing, every later reply would be taken for the command before it.
   */
  private call(client: RedisClient, which: 'main' | 'reader', args: string[], ms: number, shape?: Shape): Promise<unknown> {
    let sent: Promise<unknown>;
    try {
      sent = client.sendCommand(args);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return within(sent, ms, args[0]).then((reply) => {
      if (shape && !shape(reply)) {
        const err = protocolError(args[0]);
        if (this[which] === client) this.drop(which, err);
        throw err;
      }
      // Redis answers (a long lease step made of several answered commands is not silence: see watch()).
      if (which === 'main' && this.main === client) this.answeredAt = performance.now();
      return reply;
    }, (err: unknown) => {
      if (err instanceof CommandTimeout && this[which] === client) this.drop(which, err);
      throw this.dropped.get(client) ?? err;
    });
  }

  /**
   * Runs a script by its SHA1 (EVALSHA: only the hash travels). The scripts are loaded (SCRIPT LOAD) first thing on
   * every connection, so they are there before any EVALSHA on it. A NOSCRIPT all the same (someone flushed the
   * script cache) fails this call (its caller sends it again later, in order) and loads them again: a retry by
   * EVAL here would overtake writes sent after this one.
   */
  private async script(source: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.send(['EVALSHA', shaOf(source), String(keys.length), ...keys, ...args], SCRIPT_SHAPES.get(source)?.(args));
    } catch (err) {
      if (!/^NOSCRIPT/.test(String((err as Error)?.message))) throw err;
      // Not loaded because this user may not load them (NOPERM): that is the problem to show, not NOSCRIPT.
      const cause = this.loadFailure;
      this.loadScripts();
      throw cause ?? err;
    }
  }

  private loadScripts(): void {
    for (const source of SCRIPTS) {
      this.send(['SCRIPT', 'LOAD', source], (r) => r === shaOf(source)).then(() => { this.loadFailure = undefined; }, (err: unknown) => {
        // A dropped connection: the next ready loads them. An error reply: shown (and again at each NOSCRIPT).
        if (replyCode(err) !== undefined) {
          this.loadFailure = err;
          this.fail(err, 'could not load the om-events scripts');
        }
      });
    }
  }

  /** The lease tick: renew, try to acquire, release, push unconfirmed adds. One at a time. */
  private async step(): Promise<void> {
    if (this.closed || !this.main) return;
    if (this.busy) {
      // A release asked for meanwhile must not wait for the next tick (a clean stop is about to end the process).
      this.stepAgain = true;
      return;
    }
    this.busy = true;
    this.stepAgain = false;
    try {
      if (this.leader && !this.mayEmit()) {
        // lost on the deadline (mayEmit did it)
      }
      if (!this.main.isReady) return;
      if (this.unconfirmed.size) await this.pushUnconfirmed();
      if (this.wanted && this.leader) await this.renew();
      else if (this.wanted && !this.leader) await this.acquire();
      else if (!this.wanted && this.leader) await this.release();
      else await this.send(['PING'], (r) => r === 'PONG');
      this.connected = true;
      this.answeredAt = performance.now();
      this.clearRedisProblem();
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
      if (this.stepAgain) void this.step();
    }
  }

  private async acquire(): Promise<void> {
    const sentAt = performance.now();
    const client = this.main;
    const reply = asArray(await this.script(ACQUIRE, [this.keys.lease, this.keys.fence, this.keys.meta],
      [this.instance, randomBytes(6).toString('hex'), String(this.ttl), this.value]));
    const value = String(reply[0]);
    const mode = Number(reply[1]);
    const metaExisted = Number(reply[2]) === 1;
    // Extended is only ever our own last value, a new lease only ever names this instance.
    if ((mode === 1 && (this.value === '' || value !== this.value)) || (mode === 2 && instanceOf(value) !== this.instance)) {
      const err = protocolError('EVALSHA');
      if (this.main === client) this.drop('main', err);
      throw err;
    }
    if (this.closed || !this.wanted) {
      if (mode !== 0) await this.script(RELEASE, [this.keys.lease], [value]).catch(() => {});
      return;
    }
    if (mode === 0) {
      if (instanceOf(value) !== this.instance) {
        // Another instance holds it: what this one failed to write is the past now, and its memory is not the
        // pair's state any more.
        this.fenced.clear();
        this.fencedFailed = false;
        this.synced = false;
      }
      const known = this.otherHolds();
      this.holder = value;
      this.holderAt = sentAt;
      if (!known && this.otherHolds()) this.hooks.holder?.();
      return;
    }
    const previous = this.value;
    // Nobody else held it since our last lease: this instance's memory is the newest state (see docs/HA.md).
    const continuity = this.synced
      && (mode === 1 || (previous !== '' && instanceOf(previous) === this.instance && tokenOf(value) === tokenOf(previous) + 1));
    this.value = value;
    this.holder = value;
    this.deadline = sentAt + this.ttl - this.margin;
    this.armDeadline();
    this.stats.acquired++;
    if (!metaExisted) {
      // Redis holds nothing of the pair (first start, or a restart without persistence): what this instance knows
      // becomes the shared state.
      this.hooks.warn(`om-events: the shared state at ${redisWhere(this.settings.url)} was empty (first start, or Redis `
        + 'restarted without persistence): it is seeded from what this instance knows');
      this.fenced.clear();
      this.leader = true;
      this.synced = true;
      this.hooks.role?.({ leader: true, seed: true, seedSubscribers: this.takeSeedSubs() });
      return;
    }
    if (continuity) {
      this.leader = true;
      // Fenced writes that were not confirmed: again (the latest of each), now under the current value.
      this.resendFenced();
      this.hooks.role?.({ leader: true });
      return;
    }
    this.fenced.clear();
    this.fencedFailed = false;
    this.synced = false;
    const reload = await this.snapshot();
    // The snapshot took too long (or the store closed): the next tick tries again, with a snapshot again.
    if (this.closed || this.value !== value || performance.now() >= this.deadline) return;
    this.stats.reloads++;
    this.keepNewerPositions(reload);
    this.leader = true;
    this.synced = true;
    this.hooks.role?.({ leader: true, reload });
  }

  /**
   * After a reload, the positions this instance kept in its journal while the setting was off (seeds) against the
   * pair's in Redis: per om-events node the newer one wins. Redis may hold positions from an earlier time the setting
   * was on; the journal's newer one counts what this instance sent since, which would otherwise all come again. A
   * journal position older than the pair's is the past (the pair went on meanwhile) and is dropped.
   */
  private keepNewerPositions(reload: SavedState): void {
    for (const [id, seed] of this.takeSeedSubs()) {
      const i = reload.subscribers.findIndex(([k]) => k === id);
      const pair = i < 0 ? -Infinity : cursorTime(reload.subscribers[i][1]);
      const mine = cursorTime(seed);
      if (!(mine > pair)) continue;
      if (i < 0) reload.subscribers.push([id, seed]);
      else reload.subscribers[i] = [id, seed];
      this.hooks.warn(`om-events: node ${id} resumes from the position kept in this instance's journal while the `
        + `shared state was off (${new Date(mine).toISOString()}), newer than the shared one in Redis `
        + `(${pair === -Infinity ? 'none' : new Date(pair).toISOString()}): what it sent since does not come again`);
    }
  }

  private takeSeedSubs(): Array<[string, SubscriberState]> {
    const subs = this.seedSubs;
    this.seedSubs = [];
    if (this.journal && subs.length) this.journal.write({ subscribers: subs.map(([id]) => [id, null]) });
    return subs;
  }

  /** Everything the pair keeps, read at once (after the lease was taken: the previous holder's last writes are in). */
  private async snapshot(): Promise<SavedState> {
    // The log reader goes on from where it is: an add it has not delivered yet comes again (applying it is
    // idempotent), and every add it delivered before is in the hashes.
    const [corr, st, subs] = await Promise.all([
      this.send(['HGETALL', this.keys.corr], isHash),
      this.send(['HGETALL', this.keys.st], isHash),
      this.send(['HGETALL', this.keys.subs], isHash),
    ]);
    const correlations = entriesFrom(corr, st);
    for (const e of this.unconfirmed.values()) correlations.push(e);
    const subscribers: Array<[string, SubscriberState]> = [];
    for (const [id, v] of pairsOf(subs)) {
      const s = parseJson(v) as SubscriberState | undefined;
      if (s && typeof s === 'object' && s.v === 2) subscribers.push([id, s]);
    }
    return { correlations, subscribers };
  }

  private async renew(): Promise<void> {
    const value = this.value;
    const sentAt = performance.now();
    let ok: number;
    try {
      ok = Number(await this.script(RENEW, [this.keys.lease], [value, String(this.ttl)]));
    } catch (err) {
      // Not known whether the lease is still ours: stop emitting now rather than at the deadline (fewer changes
      // to send again after a takeover). If nobody took it meanwhile, the next tick takes it up again as it was.
      this.lose('redis');
      throw err;
    }
    if (!this.leader || this.value !== value) return;
    if (ok === 1) {
      this.stats.renewed++;
      this.deadline = sentAt + this.ttl - this.margin;
      this.armDeadline();
      if (this.fencedFailed) this.resendFenced();
    } else {
      this.lose('other');
    }
  }

  private async release(): Promise<void> {
    const value = this.value;
    this.lose('released');
    await this.script(RELEASE, [this.keys.lease], [value]);
    this.stats.released++;
  }

  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.mayEmit();
    }, Math.max(0, this.deadline - performance.now()) + 1);
    this.deadlineTimer.unref?.();
  }

  /** No longer the holder (the reason is for the status and the log). */
  private lose(reason: 'expired' | 'redis' | 'other' | 'refused' | 'released' | 'closed'): void {
    if (!this.leader) return;
    this.leader = false;
    this.deadline = 0;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (reason !== 'released' && reason !== 'closed') this.stats.lost++;
    if (reason === 'refused') this.stats.refused++;
    this.hooks.role?.({ leader: false, reason });
  }

  /** See StateStore.invalidate: the next acquisition reads the shared state, whoever held the lease meanwhile. */
  invalidate(): void {
    this.synced = false;
  }

  /** Whether this instance wants the lease (its poll loop has om-events nodes); false releases it. */
  contend(on: boolean): void {
    if (this.closed || this.wanted === on) return;
    this.wanted = on;
    void this.step();
  }

  write(changes: StateChanges): void {
    if (this.closed) return;
    try {
      if (changes.added?.length) this.writeAdds(changes.added);
      const fencedPart: StateChanges = {};
      if (changes.updated?.length) fencedPart.updated = changes.updated;
      if (changes.forgotten?.length) fencedPart.forgotten = changes.forgotten;
      if (changes.subscribers?.length) fencedPart.subscribers = changes.subscribers;
      if (fencedPart.updated || fencedPart.forgotten || fencedPart.subscribers) this.writeFenced(fencedPart);
    } catch (err) {
      this.fail(err, 'could not write the shared state');
    }
  }

  /**
   * Adds: the journal first (write-behind), then Redis, the adds of one turn of the event loop in one script call
   * (as the journal writes them in one write); confirmed ones leave the journal.
   */
  private writeAdds(added: SavedEntry[]): void {
    this.journal?.write({ added });
    for (const e of added) {
      this.unconfirmed.set(e[0], e);
      this.turnAdds.push(e);
    }
    if (!this.turnEnd) this.turnEnd = setImmediate(() => this.sendTurn());
  }

  /** Sends the adds of this turn (not connected: they are pushed once Redis answers, in step()). */
  private sendTurn(): void {
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    const batch = this.turnAdds;
    this.turnAdds = [];
    if (!this.closed && batch.length && this.main?.isReady) void this.sendAdds(batch, false);
  }

  private sendAdds(entries: SavedEntry[], nx: boolean): Promise<void> {
    const args = [this.instance, String(LOG_MAX), nx ? '1' : '0', String(entries.length)];
    for (const e of entries) {
      args.push(String(e[0]), JSON.stringify(e));
      this.sending.add(e);
    }
    const settled = (): void => {
      for (const e of entries) this.sending.delete(e);
    };
    return this.script(ADD, [this.keys.corr, this.keys.st, this.keys.log], args).then(() => {
      settled();
      const done: number[] = [];
      for (const e of entries) {
        if (this.unconfirmed.get(e[0]) === e) {
          this.unconfirmed.delete(e[0]);
          done.push(e[0]);
        }
      }
      this.stats.pushed += done.length;
      if (done.length && this.journal && !this.closed) this.journal.write({ forgotten: done });
    }, (err: unknown) => {
      settled();
      this.fail(err, 'could not write an added request to the shared state (kept in the journal, sent again later)');
    });
  }

  /** Adds Redis has not confirmed and that are not on their way: again, where Redis does not hold the id. */
  private async pushUnconfirmed(): Promise<void> {
    const entries = [...this.unconfirmed.values()].filter((e) => !this.sending.has(e));
    if (entries.length) await this.sendAdds(entries, true);
  }

  private resendFenced(): void {
    this.fencedFailed = false;
    if (!this.fenced.empty) this.writeFenced(this.fenced.changes());
  }

  private writeFenced(changes: StateChanges): void {
    // Only the lease holder writes these; a standby's view of them does not count (the holder's does).
    if (!this.leader) return;
    const value = this.value;
    const seq = ++this.fencedSeq;
    this.fenced.add(changes, seq);
    if (!this.main?.isReady) {
      this.fencedFailed = true;
      return;
    }
    const args = [value, this.instance, String(LOG_MAX)];
    const updated = changes.updated ?? [];
    args.push(String(updated.length));
    for (const u of updated) args.push(String(u[0]), JSON.stringify(u));
    const forgotten = changes.forgotten ?? [];
    args.push(String(forgotten.length));
    for (const id of forgotten) args.push(String(id));
    const subs = changes.subscribers ?? [];
    args.push(String(subs.length));
    for (const [id, st] of subs) args.push(id, st === null ? '' : JSON.stringify(st));
    args.push(updated.length || forgotten.length ? JSON.stringify({ u: updated, x: forgotten }) : '');
    this.script(FENCED, [this.keys.lease, this.keys.corr, this.keys.st, this.keys.subs, this.keys.log], args).then((r) => {
      if (Number(r) === 1) {
        this.fenced.confirm(seq);
      } else if (this.value === value) {
        this.hooks.warn('om-events: a write of the shared state was refused: another instance holds the lease now');
        this.fenced.clear();
        this.lose('refused');
      }
    }, (err: unknown) => {
      this.fencedFailed = true;
      this.fail(err, 'could not write the shared state');
    });
  }

  /** Reads the change log: adds made by the other instances (and the holder's status changes) reach this one. */
  private async readLoop(): Promise<void> {
    if (this.readerRunning) return;
    this.readerRunning = true;
    let failures = 0;
    let resync = true;
    let waiting = performance.now();
    while (!this.closed && this.reader) {
      const reader = this.reader;
      try {
        if (!reader.isReady) {
          // Not ready for two lease times (a connection stuck in its handshake): made again.
          if (performance.now() - waiting > 2 * this.ttl) {
            waiting = performance.now();
            this.drop('reader', new CommandTimeout('the log reader', 2 * this.ttl));
          }
          await delay(100);
          continue;
        }
        waiting = performance.now();
        if (resync) {
          resync = false;
          await this.resync(reader);
        }
        const block = Math.max(100, Math.min(1000, this.tick));
        const reply = await this.call(reader, 'reader',
          ['XREAD', 'COUNT', String(LOG_BATCH), 'BLOCK', String(block), 'STREAMS', this.keys.log, this.lastId], block + this.commandMs, isXread);
        failures = 0;
        for (const [id, fields] of entriesOf(reply)) {
          this.lastId = id;
          if (fields.get('i') === this.instance) continue;
          this.applyRemote(fields.get('k'), fields.get('d'));
        }
      } catch {
        if (this.closed) break;
        failures++;
        resync = true;
        await delay(Math.min(100 * failures, RECONNECT_MAX_MS));
      }
    }
    this.readerRunning = false;
  }

  /**
   * After a reconnect of the reader: if the log was trimmed past where it stopped, what it missed is read from the
   * hashes (adds it does not know are merged in).
   */
  private async resync(r: RedisClient): Promise<void> {
    const read = (args: string[], shape: Shape): Promise<unknown> => this.call(r, 'reader', args, this.commandMs, shape);
    if (this.lastId !== '0-0') {
      const here = entriesOf(await read(['XRANGE', this.keys.log, this.lastId, this.lastId], isEntries));
      if (here.length > 0) return; // nothing missed: the log still holds where the reader stopped
    }
    // First read (the newest entry first: an add written meanwhile is in the hashes or comes after it), or a gap.
    const last = this.lastId === '0-0' ? entriesOf(await read(['XREVRANGE', this.keys.log, '+', '-', 'COUNT', '1'], isEntries))[0] : undefined;
    const [corr, st] = await Promise.all([read(['HGETALL', this.keys.corr], isHash), read(['HGETALL', this.keys.st], isHash)]);
    this.mergeRemote(corr, st);
    if (last) this.lastId = last[0];
  }

  private mergeRemote(corr: Reply, st: Reply): void {
    const merged = entriesFrom(corr, st);
    if (merged.length) this.hooks.remote?.({ merged });
  }

  private applyRemote(kind: string | undefined, data: string | undefined): void {
    const d = data === undefined ? undefined : parseJson(data);
    if (kind === 'a' && Array.isArray(d)) {
      const added = d.filter(isSavedEntry);
      if (added.length) {
        this.stats.remote += added.length;
        this.hooks.remote?.({ added });
      }
    } else if (kind === 'w' && d && typeof d === 'object' && !this.leader) {
      const w = d as { u?: unknown; x?: unknown };
      const updated = Array.isArray(w.u) ? w.u.filter(isEntryStatus) : [];
      const forgotten = Array.isArray(w.x) ? w.x.filter((x): x is number => Number.isInteger(x)) : [];
      if (updated.length || forgotten.length) this.hooks.remote?.({ updated, forgotten });
    }
  }

  async flush(): Promise<void> {
    // Every command sent so far answered (or failed), and the journal on disk.
    this.sendTurn();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.journal?.flush();
  }

  async close(removed: boolean): Promise<void> {
    if (this.closed) return;
    const value = this.value;
    const held = this.leader;
    if (held) this.lose('closed');
    this.sendTurn();
    await Promise.allSettled([...this.inFlight]);
    if (held && this.main?.isReady) {
      await this.script(RELEASE, [this.keys.lease], [value]).then(() => { this.stats.released++; }, () => {});
    }
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.timer = undefined;
    for (const c of [this.main, this.reader]) {
      try {
        c?.destroy();
      } catch {
        // already gone
      }
    }
    this.main = undefined;
    this.reader = undefined;
    // The om-server was deleted: its journal goes; the shared keys stay (the other instance may still use them).
    await this.journal?.close(removed);
  }
}
