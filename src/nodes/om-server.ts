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
import { OpenMediaClient, type ClientOptions } from '../lib/client';
import { DEFAULT_MAX_RESPONSE_BYTES, type TlsOptions } from '../lib/http-transport';
import { ADDED_EVENT, type NodeAPI, type OmServerConfig, type OmServerNode } from '../lib/red';

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
  function OmServer(this: OmServerNode, config: OmServerConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    node.name = config.name;
    node.url = typeof config.url === 'string' ? config.url.trim() : '';
    node.timeoutMs = timeoutMsOf(config.timeout);
    node.maxAnswerBytes = maxAnswerBytesOf(config.maxAnswerMB);
    node.wsdlSource = config.wsdlSource === 'server' ? 'server' : 'bundled';
    // Every om-events node and every add node may listen; more than 10 is normal, not a leak.
    node.setMaxListeners(0);

    let client: OpenMediaClient | undefined;
    let closed = false;

    node.getClient = (): OpenMediaClient => {
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
