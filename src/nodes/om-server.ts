/**
 * om-server: the configuration node every Open Media node points at. It holds the endpoint and credentials and owns
 * ONE OpenMediaClient, built lazily and shared by every node that uses this configuration.
 *
 * Node properties (the editor's defaults):
 *   name        ''
 *   url         '' e.g. http://micc-host:12615/OpenMediaService (the port is never assumed)
 *   timeout     10 (seconds, per call, up to the answer's last byte; fractions allowed)
 *   maxAnswerMB 32 (MB, the largest answer accepted; a bigger one fails with BAD_RESPONSE; fractions allowed)
 *   tls         '' or the id of a core `tls-config` node (CA, client certificate, verification: on by default)
 *   wsdlSource  'bundled' (the pack's own WSDL, default) | 'server' (the server's `?wsdl`)
 *   redisUrl    '' (off) or redis://host:6379[/db] | rediss://...: om-events' state shared by a high-availability
 *               pair in Redis, and only the instance holding the lease polls (lib/events/shared.ts, docs/HA.md)
 *   redisPrefix 'openmedia:' (the Redis keys' prefix)
 *   redisTls    '' or the id of a core `tls-config` node, for rediss://
 *   lease       10 (seconds: the lease's time to live; another instance takes over within about this long)
 * Credentials (Node-RED credentials, never exported):  logonId (text), password (password). The SOAP headers are
 * sent only when a logonId is set. redisUser (text), redisPassword (password): Redis AUTH (ACL user, or the password
 * alone).
 *
 * For other nodes of the pack (om-events):
 *   server.getClient(): OpenMediaClient        the shared client (the same object until the next redeploy)
 *   server.eventsState(): LoopState            om-events' state for this server (lib/events/state.ts): the
 *                                              correlation map and each om-events node's position, kept in a
 *                                              journal in <userDir>/openmedia/ (memory only without a user
 *                                              directory). One per server id for the whole process: it outlives
 *                                              this node. Opened at start when an enabled om-events node uses it
 *                                              (so the very first add is recorded), else on first use.
 *   event 'openmedia:added' (OmAddedEvent)      emitted by om-add-request after every accepted AddRequest:
 *     { OpenMediaID: number,                     the id the service gave the request
 *       request: Record<string, unknown>,        what was sent, wire member names, dates as ISO strings
 *       correlation?: unknown,                   the user's correlation value, when the node had one
 *       node: string }                           id of the om-add-request node
 *   This node's own listener records it in the state (written to the journal before the add node passes its
 *   message on). That listener stays when this node closes, so an add whose answer comes in while the flows are
 *   being redeployed is still recorded; every other listener of the event is removed on close. Listeners must not
 *   throw (om-add-request still guards the emit). The types and the event name (ADDED_EVENT) are in lib/red.ts.
 *   On close (redeploy, shutdown) the poll loop stops, calls in flight that change something (an add) get up to
 *   the call timeout (at most DRAIN_MAX_MS) to finish, then the client is closed (reads in flight end with
 *   CLIENT_CLOSED, sockets are freed) and the state is synced to disk. A deleted om-server deletes its journal.
 */
import * as path from 'path';
import { CREDENTIALS_IN_URL, OpenMediaClient, type ClientOptions } from '../lib/client';
import { invalidInput } from '../lib/errors';
import { serviceKey } from '../lib/events/journal';
import { PollLoop } from '../lib/events/poller';
import { DEFAULT_LEASE_MS, DEFAULT_PREFIX, MIN_LEASE_MS, REDIS_CREDENTIALS_IN_URL, redisUrlProblem, redisWhere, type SharedSettings } from '../lib/events/shared';
import { openLoopState, peekLoopState, removeLoopState, resetLoopStates, sweepLoopStates, type FlowsOfEvents } from '../lib/events/state';
import { DEFAULT_MAX_RESPONSE_BYTES, type TlsOptions } from '../lib/http-transport';
import { ADDED_EVENT, type NodeAPI, type OmAddedEvent, type OmServerConfig, type OmServerNode } from '../lib/red';
import { withoutUserInfo } from '../lib/url';

/**
 * A URL with user:password@ (in any spelling a URL parser reads user info from: lib/url.ts) must never be served
 * back: the editor moves them into the credential fields, but a flow
 * deployed through the admin API (or imported and deployed without opening the dialog) can still carry them.
 * Node-RED hands its new active configuration (what GET /flows returns) to 'flows:stopping' listeners in the same
 * tick it takes it on a deploy, and to 'flows:starting' listeners before any node starts (the only event at
 * start-up, where the admin API could serve it for the moment the runtime checks module dependencies); the user
 * info is removed from it there. The node itself still sees it (its own copy) and refuses to use it (getClient).
 * The flows file keeps it until the next deploy from the editor, which sends the cleaned URL.
 * One listener per runtime, however often the module is registered (the test helper registers it per test).
 */
const cleaning = new WeakSet<object>();

function cleanServedUrls(RED: NodeAPI): void {
  const events = RED.events;
  if (!events || typeof events.on !== 'function' || cleaning.has(events)) return;
  cleaning.add(events);
  const clean = (event: unknown): void => {
    const flows = (event as { config?: { flows?: unknown } } | undefined)?.config?.flows;
    if (!Array.isArray(flows)) return;
    for (const n of flows as Array<Record<string, unknown>>) {
      if (!n || n.type !== 'om-server') continue;
      if (typeof n.url === 'string') n.url = withoutUserInfo(n.url).url;
      if (typeof n.redisUrl === 'string') n.redisUrl = withoutUserInfo(n.redisUrl).url;
    }
  };
  events.on('flows:stopping', clean);
  events.on('flows:starting', clean);
}

interface TlsConfigNode {
  addTLSOptions?(opts: Record<string, unknown>): void;
  valid?: boolean;
}

const DEFAULT_TIMEOUT_S = 10;
/** Longest a closing om-server waits for an add in flight (Node-RED gives up on a closing node after 15 s). */
const DRAIN_MAX_MS = 12000;

/**
 * Does an enabled om-events node of the deployed flows use this server? A disabled node (d: true) or one on a disabled
 * flow tab does not run, so it does not count. (If the runtime cannot say: assume so.)
 */
function usedByEvents(RED: NodeAPI, serverId: string): boolean {
  if (typeof RED.nodes.eachNode !== 'function') return true;
  const offTabs = new Set<string>();
  const users: Array<string | undefined> = [];
  try {
    RED.nodes.eachNode((n) => {
      const def = n as { type?: string; id?: string; disabled?: unknown; d?: unknown; z?: string; server?: unknown };
      if (def.type === 'tab' && def.disabled === true && def.id) offTabs.add(def.id);
      else if (def.type === 'om-events' && def.server === serverId && def.d !== true) users.push(def.z);
    });
  } catch {
    return true;
  }
  return users.some((z) => z === undefined || !offTabs.has(z));
}

/**
 * The om-servers of the deployed flows and, per server, its om-events nodes (enabled or not: a disabled node keeps
 * its place for when it is enabled again); undefined when the runtime cannot say.
 */
function flowsOfEvents(RED: NodeAPI): FlowsOfEvents | undefined {
  if (typeof RED.nodes.eachNode !== 'function') return undefined;
  const flows: FlowsOfEvents = { servers: [], events: new Map() };
  try {
    RED.nodes.eachNode((n) => {
      const def = n as { type?: string; id?: string; server?: unknown };
      if (typeof def.id !== 'string') return;
      if (def.type === 'om-server') flows.servers.push(def.id);
      else if (def.type === 'om-events' && typeof def.server === 'string') {
        const ids = flows.events.get(def.server) ?? new Set<string>();
        ids.add(def.id);
        flows.events.set(def.server, ids);
      }
    });
  } catch {
    return undefined;
  }
  return flows;
}

/**
 * Once per runtime: when the flows (re)started, a state no om-events node uses any more is let go, the states of
 * om-events nodes that are gone go, and so do the journals of om-servers that are not in the flows
 * (lib/events/state.ts sweepLoopStates). The runtime and user directory are those of the latest registration (the
 * test helper registers the module per test).
 */
const sweeping = new WeakMap<object, { RED: NodeAPI; dir: string | undefined }>();

function sweepOnStart(RED: NodeAPI, dir: string | undefined): void {
  const events = RED.events;
  if (!events || typeof events.on !== 'function') return;
  const known = sweeping.get(events);
  if (known) {
    known.dir = dir;
    known.RED = RED;
    return;
  }
  const current = { RED, dir };
  sweeping.set(events, current);
  events.on('flows:started', () => {
    void sweepLoopStates(current.dir, flowsOfEvents(current.RED)).catch(() => {});
  });
}

/** Seconds from the editor -> milliseconds; anything unusable falls back to the default. */
function timeoutMsOf(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : DEFAULT_TIMEOUT_S * 1000;
}

const MB = 1024 * 1024;
/** The editor allows up to this; bigger would approach the longest string V8 can hold. */
const MAX_ANSWER_MB = 256;

/** "Max answer" in MB from the editor -> bytes; anything unusable (or absent, in a flow from before) -> the default. */
function maxAnswerBytesOf(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 && n <= MAX_ANSWER_MB ? Math.max(1, Math.round(n * MB)) : DEFAULT_MAX_RESPONSE_BYTES;
}

/** The shared-state setting (Redis), or undefined when it is off. An unusable one keeps om-events on standby. */
function sharedSettingsOf(RED: NodeAPI, config: OmServerConfig, creds: Record<string, string | undefined>): SharedSettings | undefined {
  const raw = typeof config.redisUrl === 'string' ? config.redisUrl.trim() : '';
  if (raw === '') return undefined;
  const cleaned = withoutUserInfo(raw);
  const prefix = typeof config.redisPrefix === 'string' && config.redisPrefix.trim() !== '' ? config.redisPrefix.trim() : DEFAULT_PREFIX;
  const seconds = typeof config.lease === 'number' ? config.lease : Number(config.lease);
  const settings: SharedSettings = {
    url: cleaned.url,
    prefix,
    leaseMs: Number.isFinite(seconds) && seconds > 0 ? Math.max(MIN_LEASE_MS, Math.round(seconds * 1000)) : DEFAULT_LEASE_MS,
  };
  if (creds.redisUser) settings.username = creds.redisUser;
  if (creds.redisPassword) settings.password = creds.redisPassword;
  // Credentials in the URL are never used (nor kept): the store stays on standby and says why.
  const problem = cleaned.had ? REDIS_CREDENTIALS_IN_URL : redisUrlProblem(cleaned.url);
  if (problem) settings.problem = problem;
  const tls = tlsOptionsOf(RED, config.redisTls);
  if (tls) settings.tls = tls;
  return settings;
}

/** The TLS options of a core tls-config node, in the shape the client takes. */
function tlsOptionsOf(RED: NodeAPI, tlsId: string | undefined): TlsOptions | undefined {
  if (!tlsId) return undefined;
  const tlsNode = RED.nodes.getNode(tlsId) as TlsConfigNode | null;
  if (!tlsNode || typeof tlsNode.addTLSOptions !== 'function') return undefined;
  const opts: Record<string, unknown> = {};
  tlsNode.addTLSOptions(opts);
  const out: TlsOptions = {};
  if (opts.ca !== undefined) out.ca = opts.ca as string | Buffer;
  if (opts.cert !== undefined) out.cert = opts.cert as string | Buffer;
  if (opts.key !== undefined) out.key = opts.key as string | Buffer;
  if (typeof opts.passphrase === 'string' && opts.passphrase !== '') out.passphrase = opts.passphrase;
  // tls-config sets rejectUnauthorized from its "verify server certificate" box (on by default).
  out.rejectUnauthorized = opts.rejectUnauthorized !== false;
  if (typeof opts.servername === 'string' && opts.servername !== '') out.servername = opts.servername;
  return out;
}

module.exports = function register(RED: NodeAPI): void {
  cleanServedUrls(RED);
  // A new runtime in this process (tests load the nodes again): what an earlier one kept is read again from disk.
  void resetLoopStates();
  const userDir = RED.settings?.userDir;
  const stateDir = typeof userDir === 'string' && userDir !== '' ? path.join(userDir, 'openmedia') : undefined;
  sweepOnStart(RED, stateDir);

  function OmServer(this: OmServerNode, config: OmServerConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    node.name = config.name;
    // Never kept: not in node.url (om-events saves it with its state), not used (getClient refuses).
    const configured = withoutUserInfo(typeof config.url === 'string' ? config.url.trim() : '');
    node.url = configured.url;
    if (configured.had) node.warn(CREDENTIALS_IN_URL);
    node.timeoutMs = timeoutMsOf(config.timeout);
    node.maxAnswerBytes = maxAnswerBytesOf(config.maxAnswerMB);
    node.wsdlSource = config.wsdlSource === 'server' ? 'server' : 'bundled';
    // Every om-events node and every add node may listen; more than 10 is normal, not a leak.
    node.setMaxListeners(0);

    let client: OpenMediaClient | undefined;
    let closed = false;

    const shared = sharedSettingsOf(RED, config, node.credentials ?? {});
    if (shared && withoutUserInfo(String(config.redisUrl)).had) node.warn(REDIS_CREDENTIALS_IN_URL);
    node.sharedState = shared ? redisWhere(shared.url) : undefined;
    node.eventsState = () => openLoopState({ dir: stateDir, serverId: node.id, url: node.url, log: (text) => node.warn(text), shared });
    // The hand-over from om-add-request. It looks the state up by server id each time, so it works after this node
    // closed too (the state outlives it); an add for a URL this server no longer has is not recorded.
    const recordAdded = (ev: OmAddedEvent): void => {
      const state = peekLoopState(stateDir, node.id);
      if (state && serviceKey(state.url) === serviceKey(node.url)) state.added(ev);
    };
    node.on(ADDED_EVENT, recordAdded);
    // No enabled om-events node uses this server: the state is not opened, so nothing is recorded (nothing follows
    // those requests: their statuses could not be told right later). A journal from before stays: an om-events node
    // enabled again goes on from its place.
    if (usedByEvents(RED, node.id)) node.eventsState();

    node.getClient = (): OpenMediaClient => {
      if (configured.had) throw invalidInput('url', 'no-credentials', '(hidden)', CREDENTIALS_IN_URL);
      if (client && !client.isClosed) return client;
      const creds = node.credentials ?? {};
      const options: ClientOptions = {
        endpoint: node.url,
        timeoutMs: node.timeoutMs,
        maxResponseBytes: node.maxAnswerBytes,
        wsdlSource: node.wsdlSource,
        tls: tlsOptionsOf(RED, config.tls),
      };
      if (creds.logonId) {
        options.logonId = creds.logonId;
        options.password = creds.password ?? '';
      }
      // The constructor throws an INVALID_INPUT OpenMediaError for a missing or bad URL; the caller reports it.
      const built = new OpenMediaClient(options);
      if (closed) {
        // A late call after close: hand out a closed client, so it fails with CLIENT_CLOSED and keeps no socket.
        void built.close();
        return built;
      }
      client = built;
      return client;
    };

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      const c = client;
      client = undefined;
      // The one place the 'openmedia:added' listeners go (see above), all but our own recorder.
      for (const l of node.listeners(ADDED_EVENT)) {
        if (l !== recordAdded) node.removeListener(ADDED_EVENT, l as (...args: unknown[]) => void);
      }
      PollLoop.peek(node)?.dispose();
      const finish = async (): Promise<void> => {
        if (c) await c.close({ drainMs: Math.min(node.timeoutMs + 1000, DRAIN_MAX_MS) });
        if (removed) await removeLoopState(stateDir, node.id);
        else await peekLoopState(stateDir, node.id)?.flush();
      };
      finish().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('om-server', OmServer, {
    credentials: {
      logonId: { type: 'text' },
      password: { type: 'password' },
      redisUser: { type: 'text' },
      redisPassword: { type: 'password' },
    },
  });
};
