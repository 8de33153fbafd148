/**
 * The simulator's HTTP JSON control API, served under /control on the same port as the SOAP endpoint.
 *
 * Every route answers JSON. Success: 200 with `{ "ok": true, ... }` (or the requested document for GETs).
 * Failure: 400 `{ "error": "message" }` for a bad id, a bad body or a refused action; 404 for an unknown route;
 * 405 for a known route with the wrong method. Bodies are JSON objects (an empty body is `{}`).
 *
 *   POST /control/agents/:id/logon | logoff | ready | notready     agent by record id (or logon id)
 *   POST /control/requests/:id/answer | complete                   Open Media request by OpenMediaID
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
 *   POST /control/reset          { "scenario"?: Scenario object or builtin name/file path } fresh model state
 *                                (the model only: faults, held requests and the received log are kept)
 *   GET  /control                this list of routes, as JSON
 *
 * Passwords given to /control/auth are never echoed back.
 */
import type * as http from 'http';
import { OPERATION_NAMES, OperationName } from '../lib/contract';
import { trimTrailingSlashes, type FaultInjection, type ReceivedRequest } from './server';
import type { AuthUser, Scenario } from './types';

/** What the control API drives; the Simulator object returned by startSimulator implements it. */
export interface SimulatorControl {
  /** Agents by record id or by logon id. */
  logon(agentId: number | string): void;
  logoff(agentId: number | string): void;
  setReady(agentId: number | string, ready: boolean): void;
  answer(openMediaId: number): void;
  complete(openMediaId: number): void;
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

class ControlError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }
}

function idOf(raw: string): number {
  if (!/^-?\d+$/.test(raw)) throw new ControlError(400, `'${raw}' is not a numeric id`);
  return Number(raw);
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
}

export function createControlHandler(sim: SimulatorControl): (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void {
  const ok = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ok: true, ...extra });
  const routes: Route[] = [
    { method: 'POST', pattern: /^\/agents\/([^/]+)\/(logon|logoff|ready|notready)$/, handler: ([id, action]) => {
      // An agent is named by its record id or its logon id.
      const agentId = /^-?\d+$/.test(id) ? Number(id) : decodeURIComponent(id);
      if (action === 'logon') sim.logon(agentId);
      else if (action === 'logoff') sim.logoff(agentId);
      else sim.setReady(agentId, action === 'ready');
      return ok();
    } },
    { method: 'POST', pattern: /^\/requests\/([^/]+)\/(answer|complete)$/, handler: ([id, action]) => {
      if (action === 'answer') sim.answer(idOf(id)); else sim.complete(idOf(id));
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
    { method: 'POST', pattern: /^\/license$/, handler: (_p, body) => { sim.setLicense(bool(body, 'present')); return ok(); } },
    { method: 'POST', pattern: /^\/auth$/, handler: (_p, body) => {
      const enabled = bool(body, 'enabled');
      let users: AuthUser[] | undefined;
      if (body.users !== undefined) {
        if (!Array.isArray(body.users)) throw new ControlError(400, "'users' must be an array of { logonId, password }");
        users = body.users.map((u: unknown, i: number) => {
          const rec = u as Record<string, unknown> | null;
          if (!rec || typeof rec.logonId !== 'string' || typeof rec.password !== 'string') {
            throw new ControlError(400, `users[${i}] must have a string logonId and password`);
          }
          return { logonId: rec.logonId, password: rec.password };
        });
      }
      sim.setAuth(enabled, users);
      return ok({ enabled, users: users?.length });
    } },
    { method: 'POST', pattern: /^\/clock\/advance$/, handler: (_p, body) => {
      const ms = body.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ControlError(400, "'ms' must be a number >= 0");
      sim.advance(ms);
      return ok();
    } },
    { method: 'POST', pattern: /^\/faults$/, handler: (_p, body) => {
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
    { method: 'POST', pattern: /^\/reset$/, handler: (_p, body) => {
      const scenario = body.scenario;
      if (scenario !== undefined && typeof scenario !== 'string' && (typeof scenario !== 'object' || scenario === null)) {
        throw new ControlError(400, "'scenario' must be a scenario object, a builtin name or a file path");
      }
      sim.reset(scenario as Scenario | string | undefined);
      return ok();
    } },
  ];

  return (req, res, rawBody) => {
    const pathname = trimTrailingSlashes(new URL(req.url ?? '/', 'http://localhost').pathname);
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
      const params = (route.pattern.exec(sub) ?? []).slice(1);
      json(res, 200, route.handler(params, body));
    } catch (err) {
      const status = err instanceof ControlError ? err.status : 400;
      json(res, status, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}
