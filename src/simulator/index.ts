/**
 * The simulator's public entry: `startSimulator(options)` starts the Open Media Service simulator (the model behind
 * a WCF-faithful SOAP server plus the /control JSON API on one port) and returns a `Simulator` handle that tests,
 * the benchmark and the CLI drive in-process.
 *
 *   const { startSimulator } = require('.../simulator');
 *   const sim = await startSimulator({ port: 0, scenario: 'test', clock: 'manual' });
 *   // sim.url -> http://127.0.0.1:PORT/OpenMediaService ; sim.wsdlUrl ; sim.controlUrl
 *   sim.logon(1001); sim.advance(5000); sim.receivedCount('AddRequest'); await sim.stop();
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { OperationName, SERVICE_PATH } from '../lib/contract';
import { buildWsdl } from '../lib/wsdl';
import { Clock } from './clock';
import { ConsoleHub, ConsoleOptions } from './console';
import { createControlHandler, SimulatorControl } from './control';
import { OpenMediaModel } from './model';
import { MAX_SECONDS, loadBuiltinScenario, loadScenario, validateScenario } from './scenario';
import { FaultInjection, ReceivedRequest, ServerTimeouts, SoapSimulatorServer } from './server';
import type { AuthUser, Scenario, StatusEvent } from './types';

export { SimFault } from './types';
export { SoapSimulatorServer, formatDateTime, writeResponse, writeTypedFault, XML_CONTENT_TYPE, SERVER_TIMEOUTS } from './server';
export { createControlHandler } from './control';
export type { ControlAccess } from './control';
export type { FaultInjection, InjectedFaultKind, ReceivedRequest, ServerTimeouts } from './server';
export type { Scenario, StatusEvent, AuthUser } from './types';
export type { ConsoleOptions } from './console';

export interface SimulatorOptions {
  /** TCP port; 0 (the default here) picks a free one. The CLI defaults to 12615. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** A scenario object, a builtin scenario name ('demo', 'test') or a path to a scenario JSON file. Default 'test'. */
  scenario?: Scenario | string;
  /** Turn authentication on (users from the scenario) or off; default: as the scenario says. */
  auth?: boolean;
  /** Ignore members sent out of schema order, as WCF does. Default true. */
  strictOrder?: boolean;
  /** 'manual' (default here: time moves only with advance()) or 'real' (wall clock; due timers run by themselves). */
  clock?: 'manual' | 'real';
  /** Minutes terminated requests stay queryable; overrides the scenario. */
  dataExpirationMinutes?: number;
  /** Largest request body accepted (bytes); default 65536 (WCF's default MaxReceivedMessageSize). */
  maxBodyBytes?: number;
  /** Entries kept in `received`; default 1000. */
  receivedLimit?: number;
  /** One log line per request when given (never credentials). */
  log?: (line: string) => void;
  /** Limits and timing of the console's live stream (GET /control/stream); see console.ts. */
  console?: ConsoleOptions;
  /** A folder whose .json scenario files POST /control/reset may load by name; none: shipped scenarios only. */
  scenarioDir?: string;
  /** Host names besides localhost / 127.0.0.1 / [::1] / the bound address that the control API answers to. */
  allowedHosts?: string[];
  /** The control API's bearer token (default: 32 random bytes, hex). */
  controlToken?: string;
  /** HTTP server timeouts in ms (defaults: SERVER_TIMEOUTS). */
  timeouts?: Partial<ServerTimeouts>;
}

export interface Simulator extends SimulatorControl {
  /** http://HOST:PORT/OpenMediaService */
  readonly url: string;
  /** url + '?wsdl' */
  readonly wsdlUrl: string;
  /** http://HOST:PORT/control */
  readonly controlUrl: string;
  /** http://HOST:PORT/console: the console page */
  readonly consoleUrl: string;
  /** The console's live stream (its open streams: `consoleHub.clientCount`). */
  readonly consoleHub: ConsoleHub;
  readonly port: number;
  readonly host: string;
  readonly model: OpenMediaModel;
  readonly clock: Clock;
  readonly server: SoapSimulatorServer;
  /** Every status event the service generated and has not expired (the model's event log). */
  readonly eventLog: readonly StatusEvent[];
  /** Bounded log of the POSTs that reached the service endpoint, oldest first. */
  readonly received: readonly ReceivedRequest[];
  /** How many POSTs reached the endpoint (all, or of one operation; null = those naming no known operation). */
  receivedCount(operation?: OperationName | null): number;
  /** Forgets the received log and counters. */
  clearReceived(): void;
  /** Raw body of the last POST to the endpoint. */
  readonly lastRequestXml: string | undefined;
  /** Requests currently held by a 'hold' fault. */
  readonly heldCount: number;
  /** Open TCP connections to the simulator (keep-alive ones included). */
  readonly connectionCount: number;
  /** Strict member order on/off at run time. */
  strictOrder: boolean;
  /**
   * `Authorization: Bearer <controlToken>` opens the control API while authentication is on (the CLI prints it);
   * a service user's LogonID:Password as HTTP Basic does too.
   */
  readonly controlToken: string;
  stop(): Promise<void>;
}

function resolveScenario(scenario: Scenario | string | undefined): Scenario {
  if (scenario === undefined) return loadBuiltinScenario('test');
  if (typeof scenario !== 'string') return validateScenario(scenario);
  const looksLikePath = scenario.includes('/') || scenario.includes('\\') || scenario.endsWith('.json');
  const isFile = (): boolean => { try { return fs.statSync(scenario).isFile(); } catch { return false; } };
  if (looksLikePath || isFile()) return loadScenario(path.resolve(scenario));
  return loadBuiltinScenario(scenario);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const clockMode = options.clock ?? 'manual';
  const clock = new Clock({ mode: clockMode });
  const baseScenario = resolveScenario(options.scenario);
  const prepare = (scenario: Scenario): Scenario => {
    const s: Scenario = { ...scenario };
    if (options.auth !== undefined) s.auth = { enabled: options.auth, users: scenario.auth?.users ?? [] };
    return s;
  };
  if (options.dataExpirationMinutes !== undefined && !(typeof options.dataExpirationMinutes === 'number'
    && options.dataExpirationMinutes > 0 && options.dataExpirationMinutes <= MAX_SECONDS / 60)) {
    throw new RangeError(`dataExpirationMinutes must be a number > 0 and at most ${MAX_SECONDS / 60} (a year)`);
  }
  // In real-clock mode the model arms its own (unref'd) timer for the next due action; stop() closes it.
  const model = new OpenMediaModel(prepare(baseScenario), { clock, dataExpirationMinutes: options.dataExpirationMinutes });

  if (options.scenarioDir !== undefined && !(fs.existsSync(options.scenarioDir) && fs.statSync(options.scenarioDir).isDirectory())) {
    throw new RangeError(`scenarioDir ${options.scenarioDir} is not a folder`);
  }
  const controlToken = options.controlToken ?? randomBytes(32).toString('hex');

  // The handle is built first so the control API and the server share it.
  const sim = {} as Simulator;
  // Attached to the model only while a console stream is open.
  const hub = new ConsoleHub(model, () => ({
    faults: server.pendingFaults(), held: server.heldCount, received: server.receivedCount(), strictOrder: server.options.strictOrder,
  }), options.console);
  const server: SoapSimulatorServer = new SoapSimulatorServer(model, {
    host,
    port: options.port ?? 0,
    strictOrder: options.strictOrder ?? true,
    maxBodyBytes: options.maxBodyBytes ?? 65536,
    receivedLimit: options.receivedLimit ?? 1000,
    buildWsdl,
    control: createControlHandler(sim, {
      port: (): number => server.port,
      bound: host,
      allowedHosts: options.allowedHosts,
      token: controlToken,
      authRequired: () => model.authEnabled,
      checkUser: (logonId, password) => model.checkUser(logonId, password),
      scenarioDir: options.scenarioDir,
    }),
    log: options.log,
    timeouts: options.timeouts,
  });

  const methods: Omit<Simulator, 'url' | 'wsdlUrl' | 'controlUrl' | 'consoleUrl' | 'consoleHub' | 'port' | 'host' | 'model' | 'clock'
    | 'server' | 'eventLog' | 'received' | 'lastRequestXml' | 'heldCount' | 'connectionCount' | 'strictOrder' | 'controlToken'> = {
    logon: (id) => model.logon(id),
    logoff: (id) => model.logoff(id),
    setReady: (id, ready) => model.setReady(id, ready),
    answer: (id) => model.answer(id),
    complete: (id) => model.complete(id),
    fail: (id) => model.fail(id),
    setManual: (id, manual) => model.setManual(id, manual),
    openStream: (req, res) => hub.open(req, res),
    setGroupOpen: (id, open) => model.setGroupOpen(id, open),
    setTenantEnabled: (id, enabled) => model.setTenantEnabled(id, enabled),
    disconnectRouter: () => model.disconnectRouter(),
    reconnectRouter: () => model.reconnectRouter(),
    restartService: () => model.restartService(),
    setLicense: (present) => model.setLicense(present),
    setAuth: (enabled: boolean, users?: AuthUser[]) => model.setAuth(enabled, users),
    advance: (ms) => model.advance(ms),
    state: () => model.state(),
    reset: (scenario) => model.reset(scenario === undefined ? prepare(baseScenario) : prepare(resolveScenario(scenario))),
    // Not model changes: the console is told (it shows armed faults and held requests).
    injectFault: (fault: FaultInjection) => { server.injectFault(fault); hub.touch(); },
    clearFaults: () => { server.clearFaults(); hub.touch(); },
    pendingFaults: () => server.pendingFaults(),
    releaseHeld: () => { const n = server.releaseHeld(); hub.touch(); return n; },
    receivedCount: (op) => server.receivedCount(op),
    clearReceived: () => server.clearReceived(),
    stop: async () => {
      hub.close();
      model.close();
      await server.stop();
    },
  };
  Object.assign(sim, methods);
  Object.defineProperties(sim, {
    url: { get: () => server.url, enumerable: true },
    wsdlUrl: { get: () => `${server.url}?wsdl`, enumerable: true },
    controlUrl: { get: () => server.url.slice(0, -SERVICE_PATH.length) + '/control', enumerable: true },
    consoleUrl: { get: () => server.url.slice(0, -SERVICE_PATH.length) + '/console', enumerable: true },
    consoleHub: { value: hub, enumerable: true },
    port: { get: () => server.port, enumerable: true },
    host: { value: host, enumerable: true },
    controlToken: { value: controlToken, enumerable: false },
    model: { value: model, enumerable: true },
    clock: { value: clock, enumerable: true },
    server: { value: server, enumerable: true },
    eventLog: { get: () => model.eventLog, enumerable: true },
    received: { get: () => server.received, enumerable: true },
    lastRequestXml: { get: () => server.lastRequestXml, enumerable: true },
    heldCount: { get: () => server.heldCount, enumerable: true },
    connectionCount: { get: () => server.connectionCount, enumerable: true },
    strictOrder: {
      get: () => server.options.strictOrder,
      set: (v: boolean) => { server.options.strictOrder = !!v; },
      enumerable: true,
    },
  });

  try {
    await server.start();
  } catch (err) {
    model.close();
    throw err;
  }
  return sim;
}

