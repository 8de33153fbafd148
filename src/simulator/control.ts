/**
 * The simulator's HTTP JSON control API, served under /control on the same port as the SOAP endpoint.
 *
 * Every route answers JSON. Success: 200 with `{ "ok": true, ... }` (or the requested document for GETs).
 * Failure: 400 `{ "error": "message" }` for a bad id, a bad body or a refused action; 404 for an unknown route;
 * 405 for a known route with the wrong method. Bodies are JSON objects (an empty body is `{}`).
 *
 *   POST /control/agents/:id/logon | logoff | ready | notready     agent by record id (or logon id)
 *   POST /control/agents/:id/manual | auto                         a person plays the agent / its scenario times again
 *   POST /control/requests/:id/answer | complete | fail            Open Media request by OpenMediaID (fail: one the
 *                                                                  agent holds ends Failed)
 *   POST /control/groups/:id/open | close                          service group by id
 *   POST /control/tenants/:id/enable | disable                     tenant by id
 *   POST /control/router/disconnect | reconnect
 *   POST /control/restart                                          service restart (its cache is cleared)
 *   POST /control/license        { "present": boolean }
 *   POST /control/auth           { "enabled": boolean, "users"?: [{ "logonId", "password" }] }
 *   POST /control/clock/advance  { "ms": number }                  runs every model timer that falls due
 *   POST /control/faults         FaultInjection ({ kind, operation?, count?, delayMs?, phase?, status?, body?, contentType? })
 *   GET  /control/faults         faults still armed;   DELETE /control/faults   clears them
 *   POST /control/held/release   releases requests held by a 'hold' fault   -> { ok, released }
 *   GET  /control/state          the model's state()
 *   GET  /control/events         the event log (status events not yet expired)
 *   GET  /control/received       { count, counts: { op: n }, last: [...] } what reached the service endpoint
 *   POST /control/reset          { "scenario"?: Scenario object, a shipped scenario's name, or the name of a .json
 *                                file in the --scenario-dir folder } fresh model state
 *                                (the model only: faults, held requests and the received log are kept)
 *   GET  /control/stream         the console's live updates (text/event-stream; see console.ts)
 *   GET  /control                this list of routes, as JSON
 *   GET  /console                the console page (and /console/console.js, /console/console.css)
 *
 * Passwords given to /control/auth are never echoed back.
 *
 * Bodies are checked before anything changes: each route takes the members listed with it and refuses any other,
 * every value's type and range is checked (a clock advance at most a year, a fault's members as injectFault says,
 * users and scenarios as scenario.ts says), and only known members are copied. So no request can leave the
 * simulator in a state that fails later (a clock past what a date holds, a fault whose body is not text, a deeply
 * nested value that the console's stream would have to serialise).
 *
 * Every request under /control and /console first goes through ONE guard (`guard` below), before its body is read,
 * so a route added later is covered too. It refuses, in this order:
 *  - 403 a Host header that is not a name this simulator serves: localhost, 127.0.0.1, [::1], the address it is
 *    bound to (every interface address and the machine's name when bound to 0.0.0.0 / ::) and the names given with
 *    --allow-host, each with the simulator's port (a DNS-rebinding page has its own name in Host);
 *  - 403 an Origin header that is not the simulator's own origin (http://<the Host asked for>): a page of another
 *    site, a sandboxed frame ("null");
 *  - 401 with `WWW-Authenticate: Basic realm="openmedia-simulator"` while the service requires authentication
 *    (--auth, the scenario, POST /control/auth) and the request carries neither `Authorization: Basic` with a
 *    service user's LogonID:Password nor `Authorization: Bearer <token>` (printed by the CLI, `sim.controlToken`);
 *  - 415 a POST whose Content-Type is not application/json (a cross-site form or text/plain POST cannot set it).
 * A JSON POST with nothing to say sends `{}`.
 */
import { timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import type * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { OPERATION_NAMES, OperationName } from '../lib/contract';
import { isConsolePath, serveConsole } from './console';
import { SCENARIO_DIR, ScenarioError, loadBuiltinScenario, loadScenario, shippedScenarios, validateAuthUsers } from './scenario';
import { FAULT_FIELDS, trimTrailingSlashes, type FaultInjection, type ReceivedRequest } from './server';
import type { AuthUser, Scenario } from './types';

/** What the control API drives; the Simulator object returned by startSimulator implements it. */
export interface SimulatorControl {
  /** Agents by record id or by logon id. */
  logon(agentId: number | string): void;
  logoff(agentId: number | string): void;
  setReady(agentId: number | string, ready: boolean): void;
  answer(openMediaId: number): void;
  complete(openMediaId: number): void;
  fail(openMediaId: number): void;
  setManual(agentId: number | string, manual: boolean): void;
  /** Answers GET /control/stream with the console's event stream. */
  openStream(req: http.IncomingMessage, res: http.ServerResponse): void;
  setGroupOpen(groupId: number, open: boolean): void;
  setTenantEnabled(tenantId: number, enabled: boolean): void;
  disconnectRouter(): void;
  reconnectRouter(): void;
  restartService(): void;
  setLicense(present: boolean): void;
  setAuth(enabled: boolean, users?: AuthUser[]): void;
  advance(ms: number): void;
  injectFault(fault: FaultInjection): void;
  clearFaults(): void;
  pendingFaults(): FaultInjection[];
  releaseHeld(): number;
  state(): unknown;
  readonly eventLog: readonly unknown[];
  readonly received: readonly ReceivedRequest[];
  receivedCount(operation?: OperationName | null): number;
  reset(scenario?: Scenario | string): void;
}

/** Who may use the control API, and where scenario files may come from. */
export interface ControlAccess {
  /** The port the simulator listens on (known once it listens). */
  port(): number;
  /** The address or name it is bound to (--host). */
  bound: string;
  /** More host names it answers to (--allow-host), e.g. a DNS name for a simulator bound to 0.0.0.0. */
  allowedHosts?: readonly string[];
  /** `Authorization: Bearer <token>` is accepted while authentication is required. */
  token: string;
  /** Whether the service requires authentication right now (then the control API does too). */
  authRequired(): boolean;
  /** A service user's LogonID and Password. */
  checkUser(logonId: string, password: string): boolean;
  /** The folder whose .json files POST /control/reset may name (--scenario-dir); none: shipped names only. */
  scenarioDir?: string;
}

/** Largest control request body (a whole scenario fits). */
const MAX_CONTROL_BODY = 1024 * 1024;
/** The longest a clock advance may be (a year); the clock itself stops at the year 9999 (clock.ts MAX_TIME). */
export const MAX_ADVANCE_MS = 365 * 24 * 3600 * 1000;
/** The longest scenario name /control/reset takes (a file name). */
const MAX_SCENARIO_NAME = 255;
/** The longest error text the control API answers. */
const MAX_ERROR = 300;

class ControlError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }
}

/** An id in a path: an xs:int, the way the service writes ids. */
function idOf(raw: string): number {
  const n = /^-?\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(Math.abs(n) <= 2147483647)) throw new ControlError(400, `'${raw.slice(0, 40)}' is not a numeric id`);
  return n;
}

function bool(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (typeof v !== 'boolean') throw new ControlError(400, `'${key}' must be true or false`);
  return v;
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const buffer = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': buffer.length });
  res.end(buffer);
}

type Handler = (params: string[], body: Record<string, unknown>) => unknown;
interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  handler: Handler;
  /** The body members the route takes (none when absent); any other member is refused. */
  keys?: readonly string[];
  /** Answers by itself instead of returning JSON (the stream). */
  raw?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

/** An agent is named by its record id or its logon id. */
function agentOf(raw: string): number | string {
  return /^-?\d+$/.test(raw) ? Number(raw) : decodeURIComponent(raw);
}

// ---------------------------------------------------------------------------------------------------------------
// The guard.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `name` as it appears in a Host header: IPv6 literals in brackets, lower case. */
function hostForm(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
}

/** The names (without port) this simulator serves. */
function servedNames(access: ControlAccess): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const bound = access.bound.trim().toLowerCase();
  if (bound === '0.0.0.0' || bound === '::' || bound === '') {
    // Every address of this machine, and its name: what another machine on the network uses to reach it.
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(hostForm(a.address.split('%')[0]));
    names.add(hostForm(os.hostname()));
  } else {
    names.add(hostForm(bound));
  }
  for (const h of access.allowedHosts ?? []) names.add(hostForm(h));
  return names;
}

/** Is the Host header one of the served names with our port (no port: only when that port is 80)? */
function hostAllowed(host: string | undefined, access: ControlAccess): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return false;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  return port === access.port() && servedNames(access).has(hostForm(m[1]));
}

function equalSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A service user's Basic credentials or the control token. */
function authorized(header: string | undefined, access: ControlAccess): boolean {
  const m = /^\s*(Basic|Bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  if (m[1].toLowerCase() === 'bearer') return access.token !== '' && equalSecret(m[2], access.token);
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && access.checkUser(decoded.slice(0, colon), decoded.slice(colon + 1));
}

interface Refusal {
  status: number;
  error: string;
  headers?: Record<string, string>;
}

/** The one check every /control and /console request passes first (see the top of the file). */
export function guard(req: http.IncomingMessage, access: ControlAccess): Refusal | undefined {
  const host = req.headers.host;
  if (!hostAllowed(host, access)) {
    return { status: 403, error: 'This Host is not a name the simulator serves: use 127.0.0.1 or localhost with its port, or start it with --allow-host NAME' };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${(host as string).toLowerCase()}`) {
    return { status: 403, error: 'Requests from another origin (web page) are refused' };
  }
  if (access.authRequired() && !authorized(req.headers.authorization, access)) {
    return {
      status: 401,
      error: "Authentication is on: send a service user's LogonID:Password as HTTP Basic, or Authorization: Bearer <control token>",
      headers: { 'WWW-Authenticate': 'Basic realm="openmedia-simulator"' },
    };
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST' && mediaType !== 'application/json') {
    return { status: 415, error: 'A POST must have Content-Type: application/json (send {} when there is nothing to say)' };
  }
  return undefined;
}

/** The body, up to `limit` bytes; undefined when it is larger (the rest is drained, not kept). */
function readJsonBody(req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario names for /control/reset.

/**
 * The scenario a /control/reset names: a shipped one by name, or a .json file inside the --scenario-dir folder
 * (its real path: symlinks and `..` resolved). Every other name gets the same answer, whether or not such a file
 * exists anywhere, and no error quotes what a file holds.
 */
function scenarioNamed(name: string, scenarioDir: string | undefined): Scenario {
  if (shippedScenarios().includes(name)) return loadBuiltinScenario(name);
  const refused = new ControlError(400, scenarioDir
    ? `'scenario' names neither a shipped scenario (${shippedScenarios().join(', ')}) nor a .json file in the scenario directory`
    : `'scenario' names no shipped scenario (${shippedScenarios().join(', ')}); to load files, start the simulator with --scenario-dir`);
  if (!scenarioDir) throw refused;
  let file: string;
  try {
    const root = fs.realpathSync(scenarioDir);
    file = fs.realpathSync(path.resolve(root, name));
    if (!file.startsWith(root + path.sep) || !file.endsWith('.json') || !fs.statSync(file).isFile()) throw refused;
  } catch {
    throw refused;
  }
  try {
    return loadScenario(file);
  } catch (err) {
    // Where in the file and which rule, never a value from it (the JSON parser quotes the file, a check its values).
    const what = err instanceof ScenarioError ? err.safeMessage : 'it cannot be read';
    throw new ControlError(400, `The scenario file is not a valid scenario: ${what}`);
  }
}

export function createControlHandler(sim: SimulatorControl, access: ControlAccess): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const ok = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ok: true, ...extra });
  const routes: Route[] = [
    { method: 'POST', pattern: /^\/agents\/([^/]+)\/(logon|logoff|ready|notready)$/, handler: ([id, action]) => {
      const agentId = agentOf(id);
      if (action === 'logon') sim.logon(agentId);
      else if (action === 'logoff') sim.logoff(agentId);
      else sim.setReady(agentId, action === 'ready');
      return ok();
    } },
    { method: 'POST', pattern: /^\/agents\/([^/]+)\/(manual|auto)$/, handler: ([id, action]) => {
      sim.setManual(agentOf(id), action === 'manual');
      return ok();
    } },
    { method: 'POST', pattern: /^\/requests\/([^/]+)\/(answer|complete|fail)$/, handler: ([id, action]) => {
      if (action === 'answer') sim.answer(idOf(id));
      else if (action === 'complete') sim.complete(idOf(id));
      else sim.fail(idOf(id));
      return ok();
    } },
    { method: 'POST', pattern: /^\/groups\/([^/]+)\/(open|close)$/, handler: ([id, action]) => {
      sim.setGroupOpen(idOf(id), action === 'open');
      return ok();
    } },
    { method: 'POST', pattern: /^\/tenants\/([^/]+)\/(enable|disable)$/, handler: ([id, action]) => {
      sim.setTenantEnabled(idOf(id), action === 'enable');
      return ok();
    } },
    { method: 'POST', pattern: /^\/router\/(disconnect|reconnect)$/, handler: ([action]) => {
      if (action === 'disconnect') sim.disconnectRouter(); else sim.reconnectRouter();
      return ok();
    } },
    { method: 'POST', pattern: /^\/restart$/, handler: () => { sim.restartService(); return ok(); } },
    { method: 'POST', pattern: /^\/license$/, keys: ['present'], handler: (_p, body) => { sim.setLicense(bool(body, 'present')); return ok(); } },
    { method: 'POST', pattern: /^\/auth$/, keys: ['enabled', 'users'], handler: (_p, body) => {
      const enabled = bool(body, 'enabled');
      let users: AuthUser[] | undefined;
      if (body.users !== undefined) {
        try {
          users = validateAuthUsers(body.users);
        } catch (err) {
          // Never the values: a password may be among them.
          throw new ControlError(400, err instanceof ScenarioError ? err.safeMessage : "'users' must be an array of { logonId, password }");
        }
      }
      sim.setAuth(enabled, users);
      return ok({ enabled, users: users?.length });
    } },
    { method: 'POST', pattern: /^\/clock\/advance$/, keys: ['ms'], handler: (_p, body) => {
      const ms = body.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_ADVANCE_MS) {
        throw new ControlError(400, `'ms' must be a number of milliseconds from 0 to ${MAX_ADVANCE_MS} (a year)`);
      }
      sim.advance(ms);
      return ok();
    } },
    { method: 'POST', pattern: /^\/faults$/, keys: FAULT_FIELDS, handler: (_p, body) => {
      try {
        sim.injectFault(body as unknown as FaultInjection);
      } catch (err) {
        throw new ControlError(400, err instanceof Error ? err.message : String(err));
      }
      return ok({ faults: sim.pendingFaults() });
    } },
    { method: 'GET', pattern: /^\/faults$/, handler: () => ({ faults: sim.pendingFaults() }) },
    { method: 'DELETE', pattern: /^\/faults$/, handler: () => { sim.clearFaults(); return ok(); } },
    { method: 'POST', pattern: /^\/held\/release$/, handler: () => ok({ released: sim.releaseHeld() }) },
    { method: 'GET', pattern: /^\/state$/, handler: () => sim.state() },
    { method: 'GET', pattern: /^\/events$/, handler: () => sim.eventLog },
    { method: 'GET', pattern: /^\/stream$/, handler: () => undefined, raw: (req, res) => sim.openStream(req, res) },
    { method: 'GET', pattern: /^\/received$/, handler: () => {
      const counts: Record<string, number> = {};
      for (const op of OPERATION_NAMES) counts[op] = sim.receivedCount(op);
      counts.unknown = sim.receivedCount(null);
      return { count: sim.receivedCount(), counts, last: sim.received };
    } },
    { method: 'GET', pattern: /^\/$/, handler: () => ({
      routes: routes.map((r) => `${r.method} /control${r.pattern.source.slice(1, -1).replace(/\\\//g, '/')
        .replace(/\(\[\^\/\]\+\)/g, ':id').replace(/\((\w+(?:\|\w+)*)\)/g, '$1')}`.replace(/\/$/, '')),
    }) },
    { method: 'POST', pattern: /^\/reset$/, keys: ['scenario'], handler: (_p, body) => {
      const scenario = body.scenario;
      if (scenario !== undefined && !(typeof scenario === 'string' && scenario.length <= MAX_SCENARIO_NAME)
        && (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario))) {
        throw new ControlError(400, "'scenario' must be a scenario object, a shipped scenario's name or a file in the scenario directory");
      }
      // A scenario object is checked (and copied, known members only) by the model's reset: validateScenario.
      sim.reset(typeof scenario === 'string' ? scenarioNamed(scenario, access.scenarioDir) : scenario as Scenario | undefined);
      return ok();
    } },
  ];

  return async (req, res) => {
    const refusal = guard(req, access);
    if (refusal) {
      req.resume();
      for (const [name, value] of Object.entries(refusal.headers ?? {})) res.setHeader(name, value);
      res.setHeader('Connection', 'close');
      json(res, refusal.status, { error: refusal.error });
      return;
    }
    const pathname = trimTrailingSlashes(new URL(req.url ?? '/', 'http://localhost').pathname);
    // The console page is served here, behind the guard, so that what protects the control API protects it too.
    if (isConsolePath(pathname)) {
      req.resume();
      serveConsole(req, res, pathname);
      return;
    }
    const rawBody = await readJsonBody(req, MAX_CONTROL_BODY);
    if (rawBody === undefined) {
      json(res, 413, { error: 'Body too large' });
      return;
    }
    const sub = pathname.slice('/control'.length) || '/';
    try {
      let body: Record<string, unknown> = {};
      if (rawBody.trim()) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          throw new ControlError(400, 'The body is not valid JSON');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ControlError(400, 'The body must be a JSON object');
        body = parsed as Record<string, unknown>;
      }
      const matching = routes.filter((r) => r.pattern.test(sub));
      if (!matching.length) throw new ControlError(404, `No control route ${sub}`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('Allow', matching.map((r) => r.method).join(', '));
        throw new ControlError(405, `${req.method ?? ''} is not allowed on /control${sub}`);
      }
      if (route.raw) {
        route.raw(req, res);
        return;
      }
      for (const key of Object.keys(body)) {
        if (!route.keys?.includes(key)) {
          throw new ControlError(400, route.keys?.length
            ? `'${key.slice(0, 40)}' is not a member this route takes (${route.keys.join(', ')})`
            : `This route takes no members ('${key.slice(0, 40)}' was sent): send {}`);
        }
      }
      const params = (route.pattern.exec(sub) ?? []).slice(1);
      json(res, 200, route.handler(params, body));
    } catch (err) {
      const status = err instanceof ControlError ? err.status : 400;
      const message = err instanceof Error ? err.message : String(err);
      json(res, status, { error: message.length > MAX_ERROR ? `${message.slice(0, MAX_ERROR)}…` : message });
    }
  };
}
