/**
 * The simulator console: a page served by the simulator itself (`/console`) that shows the contact center live and
 * drives it through the control API, and the live stream that feeds it (`GET /control/stream`, server-sent events).
 *
 * Both are reached through the control handler (control.ts), so the control API's protection covers them.
 *
 * The page is plain static files shipped beside the built simulator (simulator/console/: index.html, console.css,
 * console.js), served from memory with a strict Content-Security-Policy (no inline script or style, nothing from
 * another origin: the page works offline).
 *
 * The stream. Each message is `event: update` with one JSON object:
 *   { seq, initial?, state: model.overview(), server: { faults, held, received }, events: [StatusEvent...],
 *     skippedEvents }
 * `state` is the whole (bounded) picture, so a client never has to merge; `events` are the status events since the
 * previous update (at most `eventLimit`; `skippedEvents` says how many older ones were left out), or on the first
 * message of a stream the latest `eventLimit` events of the log (`initial: true`).
 * Costs and bounds:
 *  - nobody watching: the hub is not attached to the model at all (the model's listener sets are empty), so a SOAP
 *    call does no work for the console;
 *  - someone watching: the hub listens to the model's change notification only (no listener per status event: an
 *    update takes the events generated since the last one from the log, by the model's event counter); changes are
 *    coalesced, one update per `updateMs` at most, built once and written to every stream;
 *  - at most `maxClients` streams (more: 503); every `heartbeatMs` a full update goes out even when nothing changed
 *    (it keeps proxies from closing the stream, moves the page's clock, and shows armed faults being used up);
 *  - a client that does not read is dropped once more than `maxBufferedBytes` wait for it, never buffered without
 *    bound; close() (the simulator's stop()) ends every stream.
 */
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import type { OpenMediaModel } from './model';
import type { StatusEvent } from './types';

export interface ConsoleOptions {
  /** Streams open at once; default 8. */
  maxClients?: number;
  /** Changes are gathered for this long before an update goes out (ms); default 200. */
  updateMs?: number;
  /** A full update at least this often (ms); default 5000. */
  heartbeatMs?: number;
  /** A stream with more than this many bytes not yet sent is dropped; default 1 MiB. */
  maxBufferedBytes?: number;
  /** Requests shown per group queue; default 50. */
  queueLimit?: number;
  /** Status events per update at most; default 200. */
  eventLimit?: number;
}

const DEFAULTS: Required<ConsoleOptions> = {
  maxClients: 8,
  updateMs: 200,
  heartbeatMs: 5000,
  maxBufferedBytes: 1024 * 1024,
  queueLimit: 50,
  eventLimit: 200,
};

/** What the server layer adds to an update (not part of the model). */
export type ServerFacts = () => Record<string, unknown>;

interface Client {
  res: http.ServerResponse;
}

export class ConsoleHub {
  readonly options: Required<ConsoleOptions>;
  private readonly clients = new Set<Client>();
  private detach: (() => void) | null = null;
  /** The model's event count when the last update was built. */
  private seen = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private seq = 0;
  private closed = false;
  /** Streams dropped because they did not read (for tests and the curious). */
  dropped = 0;

  constructor(private readonly model: OpenMediaModel, private readonly facts: ServerFacts, options: ConsoleOptions = {}) {
    this.options = { ...DEFAULTS };
    for (const [key, value] of Object.entries(options) as [keyof ConsoleOptions, number | undefined][]) {
      if (value === undefined) continue;
      if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`console option ${key} must be a positive integer, got ${String(value)}`);
      this.options[key] = value;
    }
  }

  /** Streams open now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** GET /control/stream: answers with an event stream that lasts until the client leaves or close(). */
  open(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closed || this.clients.size >= this.options.maxClients) {
      const body = JSON.stringify({
        // The page shows this as it is: the person has to close a console somewhere (another browser, a curl).
        error: this.closed ? 'The simulator is stopping' : `too many console windows open (${this.options.maxClients}): close one`,
      });
      res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Retry-After': '5' });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      // nginx and similar proxies buffer responses by default; a stream must not be.
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // The others get what is pending first: the newcomer's first message holds the log's latest events, pending
    // ones included, and must not see them twice.
    if (this.clients.size > 0 && this.model.emittedEventCount > this.seen) this.flush();
    const client: Client = { res };
    this.clients.add(client);
    // The response's 'close': the client went away, or the stream was ended or destroyed here.
    res.once('close', () => this.remove(client));
    if (!this.detach) this.attach();
    // How long the browser waits before it reconnects a dropped stream.
    this.write(client, 'retry: 2000\n\n');
    this.write(client, this.message({ initial: true, events: this.model.recentEvents(this.options.eventLimit), skippedEvents: 0 }));
  }

  /** Something outside the model changed (armed faults): an update soon, when anyone watches. */
  touch(): void {
    if (this.clients.size > 0) this.schedule();
  }

  private schedule(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.updateMs);
      this.timer.unref();
    }
  }

  /** Sends the pending changes now (the timer does it otherwise). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.clients.size === 0) return;
    const count = this.model.emittedEventCount;
    const since = count - this.seen;
    this.seen = count;
    const events = since > 0 ? this.model.recentEvents(Math.min(since, this.options.eventLimit)) : [];
    const chunk = this.message({ events, skippedEvents: Math.max(0, since - this.options.eventLimit) });
    for (const client of [...this.clients]) this.write(client, chunk);
  }

  /** Ends every stream and stops listening to the model; later streams are refused. */
  close(): void {
    this.closed = true;
    for (const client of [...this.clients]) {
      this.remove(client);
      client.res.end();
    }
  }

  private message(extra: { initial?: boolean; events: StatusEvent[]; skippedEvents: number }): string {
    const payload = { seq: ++this.seq, ...extra, state: this.model.overview(this.options.queueLimit), server: this.facts() };
    // JSON escapes every line break inside strings, so the whole object is one data line.
    return `event: update\ndata: ${JSON.stringify(payload)}\n\n`;
  }

  private write(client: Client, chunk: string): void {
    const res = client.res;
    if (res.destroyed || res.writableEnded) {
      this.remove(client);
      return;
    }
    res.write(chunk);
    // What the kernel did not take waits in the stream's buffer: a client that does not read is dropped here, not
    // buffered without bound.
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.dropped += 1;
      this.remove(client);
      res.destroy();
    }
  }

  private attach(): void {
    this.seen = this.model.emittedEventCount;
    this.detach = this.model.onChange(() => this.schedule());
    this.heartbeat = setInterval(() => this.flush(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client) || this.clients.size > 0) return;
    // The last one left: nothing of the console runs any more.
    this.detach?.();
    this.detach = null;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The page's static files

/** Folder of the page's files (simulator/console, beside the built simulator files; shipped in the package). */
export const CONSOLE_DIR = path.join(__dirname, 'console');

const FILES: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/**
 * Only this origin's own files and connections; no inline script or style, no plugins, no framing, no forms posting
 * anywhere, no base-URL tricks. The icon is a data: URL (no request for /favicon.ico).
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
  + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const cache = new Map<string, Buffer>();

function send(res: http.ServerResponse, status: number, type: string, body: Buffer | string, head: boolean, extra: http.OutgoingHttpHeaders = {}): void {
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': buffer.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(head ? undefined : buffer);
}

/** Whether a path (trailing slashes trimmed) belongs to the console page. */
export function isConsolePath(pathname: string): boolean {
  return pathname === '/console' || pathname.startsWith('/console/');
}

/** Serves /console (the page) and its two files; anything else under /console is 404. */
export function serveConsole(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', false, { Allow: 'GET, HEAD' });
    return;
  }
  const entry = Object.prototype.hasOwnProperty.call(FILES, pathname) ? FILES[pathname] : undefined;
  if (!entry) {
    send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n', head);
    return;
  }
  let body = cache.get(entry.file);
  if (!body) {
    try {
      body = fs.readFileSync(path.join(CONSOLE_DIR, entry.file));
    } catch {
      send(res, 500, 'text/plain; charset=utf-8', `The console file ${entry.file} is missing from this installation\n`, head);
      return;
    }
    cache.set(entry.file, body);
  }
  send(res, 200, entry.type, body, head, {
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Frame-Options': 'DENY',
  });
}
