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
 * Credentials (Node-RED credentials, never exported):  logonId (text), password (password). The SOAP headers are
 * sent only when a logonId is set.
 *
 * For other nodes of the pack (om-events):
 *   server.getClient(): OpenMediaClient        the shared client (the same object until the next redeploy)
 *   event 'openmedia:added' (OmAddedEvent)      emitted by om-add-request after every accepted AddRequest:
 *     { OpenMediaID: number,                     the id the service gave the request
 *       request: Record<string, unknown>,        what was sent, wire member names, dates as ISO strings
 *       correlation?: unknown,                   the user's correlation value, when the node had one
 *       node: string }                           id of the om-add-request node
 *   The listener is om-events' poll loop of this server (lib/events/poller.ts): added when the first om-events
 *   node subscribes and kept while this node lives, so adds made while om-events nodes restart are still known.
 *   This node removes every listener of the event when it closes: that is the one place they are removed.
 *   Listeners must not throw (om-add-request still guards the emit). The types and the event name (ADDED_EVENT)
 *   are in lib/red.ts.
 *   On close (redeploy, shutdown) the client is closed: calls in flight end with CLIENT_CLOSED, sockets are freed.
 */
import { CREDENTIALS_IN_URL, OpenMediaClient, type ClientOptions } from '../lib/client';
import { invalidInput } from '../lib/errors';
import { DEFAULT_MAX_RESPONSE_BYTES, type TlsOptions } from '../lib/http-transport';
import { ADDED_EVENT, type NodeAPI, type OmServerConfig, type OmServerNode } from '../lib/red';

/**
 * The user info (`user:password@`) of a URL, removed. Written on the text, not through URL (which would also
 * normalise the rest); the authority ends at the first / ? or #, and its user info at its last @.
 */
function withoutUserInfo(url: string): { url: string; had: boolean } {
  const m = /^(\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/.exec(url);
  return m ? { url: m[1] + url.slice(m[0].length), had: true } : { url, had: false };
}

/**
 * A URL with user:password@ must never be served back: the editor moves them into the credential fields, but a flow
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
      if (n && n.type === 'om-server' && typeof n.url === 'string') n.url = withoutUserInfo(n.url).url;
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

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const c = client;
      client = undefined;
      // The one place the 'openmedia:added' listeners go (see above): the poll loop keeps its own for our lifetime.
      node.removeAllListeners(ADDED_EVENT);
      if (!c) {
        done();
        return;
      }
      c.close().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('om-server', OmServer, {
    credentials: {
      logonId: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
