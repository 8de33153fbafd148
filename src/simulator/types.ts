/**
 * The seam between the simulator's two halves:
 *  - the model (model.ts, clock.ts, scenario.ts): the contact center, routing, the rules of every operation, the
 *    event log, driven by a clock that tests control;
 *  - the server (server.ts, control.ts, cli.ts): SOAP over HTTP exactly as a WCF basicHttpBinding server answers,
 *    authentication headers, strict member order, the HTTP JSON control API, fault injection, the CLI.
 *
 * Values cross this seam in "wire shape": plain JS objects whose keys are the contract's member names, numbers for
 * xs:int, booleans for xs:boolean, Date for xs:dateTime, strings for enums (their wire names), arrays for the
 * ArrayOf... types (items directly, no wrapper object). A member that was not on the wire is absent (undefined);
 * an element sent with xsi:nil="true" is null.
 */
import type { FaultName, OpenMediaStatusName, OperationName } from '../lib/contract';

/** Thrown by the model; the server turns it into the typed SOAP fault named `fault` (HTTP 500). */
export class SimFault extends Error {
  constructor(public readonly fault: FaultName, message: string) {
    super(message);
    this.name = 'SimFault';
  }
}

/** One status record, as the service keeps it and as GetOpenMedia... answers carry it. */
export interface StatusEvent {
  ID: number;
  Status: OpenMediaStatusName;
  TimeStamp: Date;
  AgentID: number;
  TenantID: number;
  LogonID: string | null;
  ServiceGroupID: number;
  /** Position in the group's queue when the event happened (0 when not queued). */
  QueuePosition: number;
}

export interface AuthUser {
  logonId: string;
  password: string;
}

export interface ScenarioTenant {
  id: number;
  name?: string;
  enabled?: boolean;
}

export interface ScenarioServiceGroup {
  id: number;
  /** At most 20 characters, as in MiCC. */
  name: string;
  /** -1 on a non-tenanted system. */
  tenantId: number;
  open?: boolean;
  /** false: a voice/e-mail group that exists but is not an Open Media group. */
  openMedia?: boolean;
  /** Seconds a forced preferred agent has to become free before the request fails. */
  preferredAgentTimeoutSeconds?: number;
  /** Average handling time used for the EWT before the group has completed anything. */
  averageHandlingSeconds?: number;
}

export interface ScenarioAgent {
  /** Record ID (PreferredAgentID, AgentID in status records, GetOMAgentsByGroup). */
  id: number;
  /** Logon ID (PreferredAgentLogonID, LogonID in status records). */
  logonId: string;
  tenantId: number;
  groups: number[];
  loggedOn?: boolean;
  /** Ready to take work (false: on a break / busy outside Open Media). */
  ready?: boolean;
  /** When set, the agent answers an allocated request by itself after this many seconds. */
  answerAfterSeconds?: number;
  /** When set, the agent completes an answered request by itself after this many seconds. */
  completeAfterSeconds?: number;
}

/** A contact center described as JSON (see simulator/scenarios/demo.json). */
export interface Scenario {
  name?: string;
  /** Minutes a terminated request stays queryable (the service's DataExpiration). Default 30. */
  dataExpirationMinutes?: number;
  license?: boolean;
  routerConnected?: boolean;
  auth?: { enabled: boolean; users: AuthUser[] };
  tenants: ScenarioTenant[];
  serviceGroups: ScenarioServiceGroup[];
  agents: ScenarioAgent[];
}

/** What the model offers the server layer. */
export interface ServiceModel {
  /**
   * Runs one operation. `args` are the children of the request wrapper in wire shape (e.g. `{ request: {...} }` or
   * `{ openMediaID: 5 }`); the return value is the `<Operation>Result` in wire shape. Throws SimFault for a fault.
   */
  execute(operation: OperationName, args: Record<string, unknown>): unknown;
  /** Whether a LogonID/Password pair is a host administrator, and whether authentication is on at all. */
  readonly authEnabled: boolean;
  checkUser(logonId: string | undefined, password: string | undefined): boolean;
}
