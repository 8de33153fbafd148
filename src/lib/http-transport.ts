/**
 * The HTTP(S) transport the soap package talks through: Node's own http/https with one keep-alive agent per
 * OpenMediaClient, a deadline on every exchange, TLS options on the agent.
 *
 * soap's default transport goes through axios, which re-creates much per call; this one does the minimum: one
 * request, the body collected into a string, handed back in the `{ status, headers, data }` shape soap reads.
 * It also sorts out answers that cannot be SOAP (an HTML 503 page, an empty body, a 200 with no envelope) before
 * soap tries to parse them, so they fail with a precise transport error instead of a parser complaint.
 *
 * Bounds: the timeout covers the whole exchange, the last byte of the answer included (a server that sends a byte a
 * second still fails with ETIMEDOUT at the deadline); an answer larger than maxResponseBytes is refused as soon as
 * its Content-Length or its bytes say so, without reading the rest; an answer that is not valid UTF-8 is refused.
 * The GETs of one service-description build share a FetchBudget (one deadline, a number of documents, a number of
 * bytes in all), so a server that imports without end or drips its documents cannot keep a build going.
 *
 * The soap package never reads a SOAP answer: a SOAP POST it makes (the client's fallback path) must carry a
 * TAKE_ANSWER function in its options, which receives the answer; soap itself is called back with ANSWER_TAKEN.
 * Only the service description (GET) goes to soap's parser, after the reading layer has checked it.
 */
import * as http from 'http';
import * as https from 'https';
import { isUtf8 } from 'buffer';
import { looksLikeEnvelope } from './read-answer';
import { XmlCursor, XmlReadError } from './xml-reader';

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Verification is on unless this is explicitly false. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface TransportOptions {
  timeoutMs: number;
  tls?: TlsOptions;
  maxSockets?: number;
  /**
   * An idle keep-alive socket is closed after this many ms (default 4000), so a server that drops idle connections
   * (Node's default is 5 s) is rarely raced.
   */
  idleSocketMs?: number;
  /** Largest answer accepted (bytes, default DEFAULT_MAX_RESPONSE_BYTES); a bigger one fails with BAD_RESPONSE. */
  maxResponseBytes?: number;
}

/**
 * What every GET of one service-description build shares (soap hands its `wsdl_options` to each GET of a build, the
 * imports' too; the budget rides in them under FETCH_BUDGET): one deadline for them all, and how many more
 * documents and bytes they may bring. `spent` is set once the build has given up (its deadline passed): every GET
 * after that fails at once.
 */
export interface FetchBudget {
  deadline: number;
  documentsLeft: number;
  bytesLeft: number;
  maxDocuments: number;
  maxBytes: number;
  spent?: boolean;
}
export const FETCH_BUDGET = 'openMediaFetchBudget';

/** The key of the function that takes a SOAP answer soap asked for (see the top of the file). */
export const TAKE_ANSWER = 'openMediaTakeAnswer';
export type TakeAnswer = (error: unknown, res?: TransportResponse) => void;
/** What soap's callback gets instead of the answer, which went to TAKE_ANSWER. */
export const ANSWER_TAKEN = Object.freeze(new Error('the answer went to the client, not to the soap package'));

/**
 * The default answer size cap, 32 MiB. The biggest honest answers are GetAllOpenMediaRequestStatus and
 * GetOpenMediaRequestsByTime over the whole cache: about 330 bytes per status record as a WCF server writes it, so
 * 32 MiB holds about 100,000 records, the 30-minute cache of a center adding 11 requests a second with 5 status
 * changes each. om-server's "Max answer" setting changes it.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** What the transport hands soap: the parts of an axios response soap reads. */
export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: string;
}

/** A transport failure with a stable code; errors.ts turns it into an OpenMediaError. */
export class TransportError extends Error {
  constructor(
    message: string,
    public readonly code: string,
    public readonly statusCode?: number,
    /** For TLS_ERROR: the underlying reason code (e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
    public readonly reason?: string,
    /** For HTTP_<status>: the server's reason phrase, untrusted (errors.ts bounds and scrubs it). */
    public readonly statusMessage?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

type Callback = (error: unknown, res?: TransportResponse, body?: string) => void;

/** "33554432 bytes (32 MB)" for a byte count (om-server's setting is in MB). */
function sizeText(bytes: number): string {
  return `${bytes} bytes (${+(bytes / 1048576).toFixed(2)} MB)`;
}

/**
 * Node's HTTP parser (llhttp) refuses an answer that is not HTTP/1.x (a garbage status line, HTTP/0.9 or HTTP/2
 * bytes, a header line too long or with a forbidden character, Content-Length beside Transfer-Encoding, a bad chunk
 * size ...) with an error whose code starts HPE_: what the peer sent is wrong, so it is BAD_RESPONSE, never a
 * failure of the client. Its code is Node's fixed vocabulary, never text of the answer.
 */
function notHttp(err: NodeJS.ErrnoException): TransportError | undefined {
  const code = typeof err?.code === 'string' ? err.code : '';
  if (!/^HPE_[A-Z0-9_]{1,40}$/.test(code)) return undefined;
  return new TransportError(`the answer is not valid HTTP (${code})`, 'BAD_RESPONSE');
}

export class HttpTransport {
  readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly pending = new Set<http.ClientRequest>();
  private closed = false;
  /** Every socket the agent opened for us that has not closed yet. */
  private readonly sockets = new Set<import('net').Socket>();
  private onAllClosed?: () => void;
  /** Reads re-sent after a reset on a re-used socket (see isRetryable). */
  retries = 0;

  constructor(readonly secure: boolean, options: TransportOptions) {
    this.timeoutMs = options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const maxSockets = options.maxSockets ?? 16;
    const common = {
      keepAlive: true,
      maxSockets,
      // As many idle sockets as busy ones: with fewer, every burst of calls in flight closes the extra sockets when
      // it ends and opens them again for the next (a TCP connect + close per call beyond the limit). Idle ones still
      // close after idleSocketMs.
      maxFreeSockets: maxSockets,
      scheduling: 'lifo' as const,
      // The agent applies this to free sockets (and destroys them when it fires); our own timer bounds every call.
      timeout: options.idleSocketMs ?? 4000,
    };
    if (secure) {
      const tls = options.tls ?? {};
      this.agent = new https.Agent({
        ...common,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        passphrase: tls.passphrase,
        rejectUnauthorized: tls.rejectUnauthorized !== false,
        servername: tls.servername,
      });
    } else {
      this.agent = new http.Agent(common);
    }
  }

  private track(socket: import('net').Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0 && this.onAllClosed) this.onAllClosed();
    });
  }

  /** Sockets open (connected or connecting) right now. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Number of requests in flight (for tests and close()). */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * soap's IHttpClient.request: `data` null means GET (the WSDL and its imports: within the build's FetchBudget when
   * `exoptions` carries one), a string means a SOAP POST, whose answer goes to `exoptions[TAKE_ANSWER]` and never to
   * soap (which is called back with ANSWER_TAKEN). Calls back exactly once.
   */
  request(url: string, data: string | null, callback: Callback, exheaders?: Record<string, string>, exoptions?: Record<string, unknown>): Promise<unknown> {
    if (data != null) {
      const take = exoptions?.[TAKE_ANSWER];
      if (typeof take !== 'function') {
        callback(new TransportError('a SOAP answer is read by the client only', 'CLIENT_ERROR'));
      } else {
        this.send(url, data, (err, res) => {
          (take as TakeAnswer)(err, res);
          callback(ANSWER_TAKEN);
        }, exheaders, Date.now() + this.timeoutMs, true, undefined);
      }
      return Promise.resolve();
    }
    const budget = exoptions?.[FETCH_BUDGET] as FetchBudget | undefined;
    if (budget) {
      if (budget.spent || Date.now() >= budget.deadline) {
        callback(new TransportError(`the service description was not complete within ${this.timeoutMs} ms`, 'ETIMEDOUT'));
        return Promise.resolve();
      }
      if (budget.documentsLeft <= 0) {
        callback(new TransportError(`the service description imports more than ${budget.maxDocuments} documents`, 'BAD_RESPONSE'));
        return Promise.resolve();
      }
      budget.documentsLeft--;
    }
    const deadline = budget ? Math.min(budget.deadline, Date.now() + this.timeoutMs) : Date.now() + this.timeoutMs;
    this.send(url, null, callback, exheaders, deadline, true, budget ?? null);
    return Promise.resolve();
  }

  /**
   * A SOAP POST of `body` with the given SOAPAction (quoted), the way OpenMediaClient calls without soap. Calls back
   * exactly once, like request().
   */
  post(url: string, body: string, soapAction: string, callback: Callback): void {
    this.send(url, body, callback, { SOAPAction: soapAction }, Date.now() + this.timeoutMs, true, undefined);
  }

  /** The endpoint's URL, parsed once (every call of a client goes to the same one). */
  private target(url: string): URL {
    if (url !== this.lastUrl || !this.lastTarget) {
      const parsed = new URL(url);
      this.lastTarget = parsed;
      this.lastUrl = url;
    }
    return this.lastTarget;
  }

  private lastUrl?: string;
  private lastTarget?: URL;

  /**
   * A read (GET, or a SOAP operation named Get...) that fails with a reset on a re-used keep-alive socket before
   * any answer came is sent once more on a fresh socket: the server most likely closed the idle connection just as
   * we wrote. Operations that change something are never re-sent (the server may have acted on the first one).
   */
  private static isRetryable(data: string | null, exheaders?: Record<string, string>): boolean {
    if (data == null) return true;
    const action = exheaders ? exheaders.SOAPAction ?? exheaders.soapaction : undefined;
    return typeof action === 'string' && /\/Get[A-Za-z]*"?$/.test(action);
  }

  private send(
    url: string,
    data: string | null,
    callback: Callback,
    exheaders: Record<string, string> | undefined,
    deadline: number,
    mayRetry: boolean,
    /** For a GET of a service description: its build's budget, or null (no build: only the usual bounds). */
    wsdl: FetchBudget | null | undefined,
  ): void {
    let done = false;
    const finish: Callback = (error, res, body) => {
      if (done) return;
      done = true;
      callback(error, res, body);
    };
    if (this.closed) {
      finish(new TransportError('the client is closed', 'CLIENT_CLOSED'));
      return;
    }
    let target: URL;
    try {
      target = this.target(url);
    } catch {
      finish(new TransportError('invalid URL', 'INVALID_INPUT'));
      return;
    }
    // The body stays a string: Node then writes the head and the body with one write instead of two.
    const body = data == null ? undefined : data;
    const headers: http.OutgoingHttpHeaders = { Accept: 'text/xml, application/xml;q=0.9, */*;q=0.1' };
    if (body !== undefined) {
      headers['Content-Type'] = 'text/xml; charset=utf-8';
      headers['Content-Length'] = Buffer.byteLength(body, 'utf8');
    }
    if (exheaders) {
      for (const name of Object.keys(exheaders)) {
        // soap passes its own Content-Type; ours already says the same thing. Keep the SOAPAction.
        if (name.toLowerCase() === 'content-type' || name.toLowerCase() === 'content-length') continue;
        headers[name] = exheaders[name];
      }
    }
    const send = this.secure ? https.request : http.request;
    const req = send(target, { method: body !== undefined ? 'POST' : 'GET', headers, agent: this.agent });
    this.pending.add(req);
    req.once('socket', (socket) => this.track(socket));
    const cleanup = (): void => {
      clearTimeout(timer);
      this.pending.delete(req);
    };
    // One deadline per call, a re-sent read included, up to the answer's last byte. It fails the call first, so
    // whatever the destroyed request and response report afterwards is ignored.
    const timer = setTimeout(() => {
      cleanup();
      finish(new TransportError(wsdl ? `the service description was not complete within ${this.timeoutMs} ms`
        : `no complete answer within ${this.timeoutMs} ms`, 'ETIMEDOUT'));
      req.destroy();
    }, Math.max(1, deadline - Date.now()));
    // A service description's documents share the build's byte budget.
    const maxBytes = wsdl ? Math.min(this.maxResponseBytes, wsdl.bytesLeft) : this.maxResponseBytes;
    let answered = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      if (
        mayRetry && !answered && !done && !this.closed && req.reusedSocket &&
        (err.code === 'ECONNRESET' || err.code === 'EPIPE') && HttpTransport.isRetryable(data, exheaders)
      ) {
        done = true;
        this.retries++;
        this.send(url, data, callback, exheaders, deadline, false, wsdl);
        return;
      }
      finish(notHttp(err) ?? err);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const tooLarge = (): void => {
        cleanup();
        finish(new TransportError(wsdl && maxBytes < this.maxResponseBytes
          ? `the service description is larger than ${sizeText(wsdl.maxBytes)} in all`
          : `the answer is larger than the maximum answer size of ${sizeText(this.maxResponseBytes)}`, 'BAD_RESPONSE', res.statusCode));
        req.destroy();
      };
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        tooLarge();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > maxBytes) {
          tooLarge();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        cleanup();
        finish(notHttp(err) ?? err);
      });
      res.on('aborted', () => {
        cleanup();
        finish(new TransportError('the connection closed before the answer was complete', 'ECONNRESET'));
      });
      res.on('end', () => {
        cleanup();
        if (done) return;
        const status = res.statusCode ?? 0;
        const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        // Decoded leniently only to tell an envelope from an error page; nothing reads it as XML unless it is UTF-8.
        const text = bytes.toString('utf8');
        // The reason phrase is the server's text: errors.ts bounds and scrubs it.
        const httpError = (): TransportError => new TransportError(`HTTP ${status}`, `HTTP_${status}`, status, undefined, res.statusMessage);
        if (body !== undefined) {
          // A SOAP exchange: a fault comes as an envelope with HTTP 500; anything else non-2xx is the HTTP layer.
          if (!looksLikeEnvelope(text)) {
            if (status < 200 || status >= 300) finish(httpError());
            else finish(new TransportError(text.trim() === '' ? 'empty answer' : 'the answer is not a SOAP envelope', 'BAD_RESPONSE', status));
            return;
          }
        } else if (status !== 200) {
          finish(httpError());
          return;
        }
        if (!isUtf8(bytes)) {
          finish(new TransportError('the answer is not valid UTF-8', 'BAD_RESPONSE', status));
          return;
        }
        if (body === undefined) {
          if (wsdl) wsdl.bytesLeft -= size;
          // What soap is about to parse (a service description): through the reading layer's own limits first
          // (well-formed, no DOCTYPE, bounded depth, names and texts), in time linear in its size.
          try {
            new XmlCursor(text).finish();
          } catch (err) {
            if (!(err instanceof XmlReadError)) throw err;
            finish(new TransportError(`the service description is not usable XML: ${err.message}`, 'BAD_RESPONSE', status));
            return;
          }
        }
        const response: TransportResponse = { status, headers: res.headers, data: text };
        finish(null, response, text);
      });
    });
    if (body === undefined) req.end();
    else req.end(body, 'utf8');
  }

  /**
   * Fails every exchange in flight with CLIENT_CLOSED and destroys the agent's sockets; resolves once every socket
   * this transport opened has emitted 'close' (bounded: never more than a second).
   */
  close(): Promise<void> {
    this.closed = true;
    for (const req of this.pending) {
      req.destroy(new TransportError('the client was closed while the call was in flight', 'CLIENT_CLOSED'));
    }
    this.pending.clear();
    this.agent.destroy();
    for (const socket of this.sockets) socket.destroy();
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      timer.unref();
      this.onAllClosed = () => {
        clearTimeout(timer);
        // The agent forgets a socket in its own 'close' listener; ours may run first.
        setImmediate(resolve);
      };
    });
  }
}
