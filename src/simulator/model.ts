/**
 * The Open Media Service simulator's model: the contact center (tenants, service groups, agents), routing, the rules
 * of every operation, the status event cache. No I/O: the server layer (server.ts) turns SOAP into `execute()` calls
 * and SimFaults into SOAP faults; control.ts maps the control surface below 1:1 onto `/control/<name>`.
 *
 * ## API (for the server layer)
 *
 *   new OpenMediaModel(scenario, { clock?, dataExpirationMinutes?, autoTimers? })   (or (scenario, clock))
 *
 *   Service (ServiceModel, types.ts):
 *     execute(operation, args)         wire-shaped args in, wire-shaped `<Operation>Result` out, or throws SimFault
 *     authEnabled, checkUser(logonId, password)   the server checks InvalidUserFault with these
 *
 *   Control surface (each throws a plain Error with a readable message when the action is not possible):
 *     advance(ms)                      move the clock (manual or real offset), running every due timer in time order
 *     logon(agentId) / logoff(agentId) / setReady(agentId, ready)      agentId = record id or logon id
 *     answer(openMediaId) / complete(openMediaId)                      agent actions on an allocated / answered request
 *     fail(openMediaId)                the agent gives up a request it holds (Failed)
 *     setManual(agentId, manual)       a person plays the agent: its automatic answer/complete times are suspended
 *     setGroupOpen(groupId, open) / setTenantEnabled(tenantId, enabled)
 *     disconnectRouter() / reconnectRouter() / restartService()
 *     setLicense(present) / setAuth(enabled, users?)
 *     setOptionsFor(typeOfSession)     what SetOptions stored for a type (0 = the "all types" entry), or undefined
 *     getRequest(openMediaId)          a request's full detail (IVRInfo, PrivateData, priority...) or undefined
 *     cachedRequestCount               requests in the cache (live + terminated, not yet expired)
 *     clock                            the Clock in use (read now() from it; move it with advance())
 *     state()                          JSON-safe snapshot: flags, tenants, groups (queues), agents, requests, options
 *     eventLog                         every status event generated since start/restart and not yet expired, in order
 *     onEvent(listener) -> unsubscribe called synchronously for each new status event
 *     onChange(listener) -> unsubscribe  called after anything that may change state() (for a watcher: the console)
 *     overview(queueLimit) / recentEvents(n) / emittedEventCount   bounded views for the console
 *     reset(scenario?)                 back to the scenario's initial state (ids restart at 1, log emptied)
 *     nextDueAt() / runDue()           for a server that schedules timers itself (not needed with autoTimers)
 *     close()                          stops the model's own timer (autoTimers)
 *
 *   Timers (auto answer/complete, forced-preferred-agent timeout) are kept in a heap. With a manual clock nothing
 *   happens until advance(). With autoTimers (default: on for a real clock) the model keeps one unref'd setTimeout
 *   armed for the next due timer; close() clears it.
 *
 * ## Behaviour decisions (where the vendor document is silent or ambiguous)
 *
 * Inputs
 * - .NET clients always send every int, so an int of 0 (or absent) means "not given" for ServiceGroupID,
 *   PreferredAgentID, SessionPriority, TypeOfSession, TenantID (name lookup: 0 / -1 / absent = non-tenanted) and
 *   every SetOptions int. A given value out of range is rejected (SessionPriority not 1..100 and TypeOfSession < 0
 *   on AddRequest -> InvalidDataException; SetOptions -> InvalidDataFault).
 * - "At least one Label or Data" (AddRequest and ModifyRequest): IVRInfo absent, empty, or only items whose Label and
 *   Data are both null/empty -> InvalidDataException. Null items in the array are ignored.
 * - Group names compare case-insensitively within the tenant. ServiceGroupID > 0 wins over TenantID + name.
 * - AddRequest with no group at all -> RequestStatus InvalidGroup (DivertRequest: InvalidDataException, documented).
 * - A group that exists but is not an Open Media group -> InvalidGroup (Add/Divert) and InvalidDataException
 *   (GetServiceGroupStatus, GetOMAgentsByGroup).
 * - AddRequest outcome order: faults (licence, router), data limits, group (InvalidGroup), TenantDisabled,
 *   GroupClosed, forced preferred agent (AgentLoggedOff). RequestStatus Error is returned when the forced preferred
 *   agent is logged on but not a member of the group (it could never be served). OpenMediaID/QueuePosition/EWT are 0
 *   when the request was not accepted.
 * - QueueStartTime in the future (or not a valid date) is ignored, as the document says only a valid past value sets
 *   the queue time.
 *
 * Routing
 * - A group's queue is ordered by (priority, queue time, arrival). Priority = SessionPriority, or 100 (the lowest)
 *   when none is given, so any given priority moves ahead of ordinary requests. When QueueStartTime is valid it
 *   wins: the SessionPriority is ignored (priority 100) and the request is placed by its backdated queue time.
 * - An agent can take a request when logged on, ready, skilled for the group, within MaxNumberOfSessions and
 *   AllowDifferentTypes. Among free agents the least loaded, then the longest idle, is chosen. A preferred agent
 *   (PreferredAgentID, else PreferredAgentLogonID; ForceToPreferredAgent works with either; every group honours
 *   preferred agents, there is no per-group switch) gets the request when able; a forced
 *   request waits for that agent only and Fails after the group's preferredAgentTimeoutSeconds (default 30), or at
 *   once when that agent logs off. A closed group still serves its queue (closing only refuses new requests).
 * - MaxNumberOfSessions for a request of type T: when T has its own value, the agent's sessions of type T are
 *   counted against it; otherwise the agent's sessions of all types are counted against the type-0 value
 *   (default 1). AllowDifferentTypes of the incoming request's type (own value, else type 0, default 2 = allow):
 *   1 = only to an agent whose current sessions are all of the same type.
 * - When an agent frees up it takes, across all its groups, the best-ranked request it can take.
 * - EWT (seconds) = 0 when allocated at once, else ceil(QueuePosition x AHT / max(1, logged-on agents of the
 *   group)), AHT = mean handling time (allocation -> Complete) of the group's last 20 completed requests, or the
 *   group's averageHandlingSeconds (default 120) before any completion.
 * - AddRequest emits Queued (position in the queue) and, when an agent takes it at once, AllocatedToAgent; the
 *   response then has QueuePosition 0 and EWT 0.
 * - logoff(): requests allocated but not answered go back to their queue (a Queued event, original queue time);
 *   answered ones stay with the agent until completed; forced requests waiting for the agent Fail.
 *
 * Operations
 * - CancelRequest: unknown/expired id -> InvalidOpenMediaIDFault; terminated -> OpenMediaRequestTerminatedFault;
 *   queued -> Cancelled; allocated or answered: CancelIfAllocated false -> returns false, true -> Cancelled and
 *   removed from the agent. DoNotReport only affects the group statistics (state().groups[].stats), and only for a
 *   request still queued; a Cancelled event is generated in every case (status events are not statistics).
 * - DivertRequest: no group given -> InvalidDataException; unknown/expired id -> RequestStatus InvalidID (echoing the
 *   id); a terminated request -> RequestStatus Error; target checks as AddRequest (InvalidGroup, TenantDisabled,
 *   GroupClosed). On success the request leaves its queue/agent without any event for the old group, then emits
 *   Queued in the new group (new queue time = now, same priority/type, preferred agent dropped), then possibly
 *   AllocatedToAgent. Diverting to the group it is in requeues it at the back of its priority.
 * - ModifyRequest: unknown/expired id -> InvalidOpenMediaIDFault (the published WSDL declares that fault for this
 *   operation; the document's prose says InvalidDataException). Data limits are checked first (InvalidDataException).
 *   Not queued -> false. An item whose Label matches an existing label (exact match) replaces its Data, others are
 *   appended; if the merged list would exceed 3 items -> InvalidDataException and nothing changes. PrivateData given
 *   (not null) replaces the old value. No status event (not a state change).
 * - SetOptions: TypeOfSession 0/absent = the "all types" entry. Ranges: AgentActionOptions 1..4, CloseTabOptions
 *   1..4, AllowDifferentTypes 1..2, SessionLinkOptions 1..2, MaxNumberOfSessions >= 1, TypeOfSession >= 0; options
 *   2/4 (AgentAction) and 4 (CloseTab) need TypeOfSession > 0. Anything else -> InvalidDataFault. A null request ->
 *   InvalidDataFault. ResetAllOptions clears the type's entry first, then the other given options are applied.
 * - GetOpenMediaRequestStatusByID: the latest record; QueuePosition = current position when queued.
 *   History/ByTime: records with TimeStamp strictly after retrieveLaterThan (absent = every record), QueuePosition as
 *   at the event. A known id with no record after retrieveLaterThan gives an empty list, not a fault. GetAllOpenMediaRequestStatus: latest record of every cached request (id order), current positions.
 * - GetAllOpenMediaServiceGroupStatus: tenantID -1 is for a non-tenanted system (no tenants defined): it lists every
 *   Open Media group (on a tenanted scenario: the groups declared with tenantId -1, InvalidDataException when none);
 *   an unknown or disabled tenant -> InvalidDataException. Groups sorted by id.
 * - GetOMAgentsByGroup: every agent configured in the group (logged on or not), sorted by record id.
 * - Licence absent -> NoLicenseFault for Add/Cancel/Divert/Modify/SetOptions (checked before the router).
 *   Router disconnected -> RouterDisconnectedFault for those and GetServiceGroupStatus,
 *   GetAllOpenMediaServiceGroupStatus, GetOMAgentsByGroup. Status queries work in both cases.
 *
 * Statistics (not on the wire; state().groups[].stats and state().agents[].stats, for tests and the curious)
 * - Cancel while queued: group abandoned (abandonedNotReported with DoNotReport); while allocated: group abandoned and
 *   agent offeredNotAnswered; while answered: group completed and agent completed. Divert: overflowedOut from the
 *   old group, overflowedIn to the new one (agent offeredNotAnswered when it was allocated). Logoff requeue: agent
 *   offeredNotAnswered. Failed (timeout, logoff, router): group failed.
 *
 * Events and cache
 * - Status records carry the agent (AgentID, agent's TenantID, LogonID) for AllocatedToAgent, AgentProcessing and
 *   Complete; otherwise 0 / 0 / null. TimeStamp = model clock, never earlier than the previous event.
 * - A terminated request (Complete, Failed, Cancelled) expires dataExpirationMinutes after terminating: then it is
 *   unknown to every by-id operation (InvalidOpenMediaIDFault / InvalidID) and its events leave the log.
 * - disconnectRouter(): every non-terminated request Fails (one Failed event each, no agent) and leaves its
 *   queue/agent. restartService(): every request and event is dropped (log empty), queues and agents are emptied,
 *   SetOptions values are lost (they live in the service); ids keep increasing so an old id is never reused.
 *   reset() instead rebuilds from the scenario and restarts ids at 1.
 */
import {
  LIMITS,
  type OpenMediaStatusName,
  type OperationName,
  type RequestStatusName,
} from '../lib/contract';
import { Clock, MAX_TIME } from './clock';
import { IdIndex, SortedQueue, TimerHeap, type Timer } from './model-structures';
import { validateScenario } from './scenario';
import { SimFault, type AuthUser, type Scenario, type ServiceModel, type StatusEvent } from './types';

/** Options SetOptions stores per TypeOfSession (wire names). */
export interface SessionOptions {
  AgentActionOptions?: number;
  AllowDifferentTypes?: number;
  CloseTabOptions?: number;
  MaxNumberOfSessions?: number;
  SessionLinkOptions?: number;
}

export interface ModelOptions {
  clock?: Clock;
  /** Overrides the scenario's dataExpirationMinutes (default 30). */
  dataExpirationMinutes?: number;
  /** Keep a setTimeout armed for the next due timer (default: true with a real clock, false with a manual one). */
  autoTimers?: boolean;
}

export interface IvrItem {
  Label: string | null;
  Data: string | null;
}

/** A request's full detail, as getRequest() returns it. */
export interface RequestDetail {
  OpenMediaID: number;
  Status: OpenMediaStatusName;
  ServiceGroupID: number;
  AgentID: number;
  QueuePosition: number;
  SessionPriority: number;
  TypeOfSession: number;
  QueueTime: Date;
  PreferredAgentID: number;
  ForceToPreferredAgent: boolean;
  IVRInfo: IvrItem[];
  PrivateData: string | null;
  Expires: Date | null;
}

export type EventListener = (event: StatusEvent) => void;

type LiveStatus = 'Queued' | 'AllocatedToAgent' | 'AgentProcessing';
type ReqStatus = LiveStatus | 'Complete' | 'Failed' | 'Cancelled';

interface GroupStats {
  added: number;
  answered: number;
  completed: number;
  abandoned: number;
  abandonedNotReported: number;
  failed: number;
  overflowedIn: number;
  overflowedOut: number;
}

interface Group {
  id: number;
  name: string;
  tenantId: number;
  open: boolean;
  openMedia: boolean;
  timeoutMs: number;
  defaultAht: number;
  handled: number[];
  queue: SortedQueue<Req>;
  agents: Agent[];
  stats: GroupStats;
}

interface Agent {
  id: number;
  logonId: string;
  tenantId: number;
  groups: Group[];
  loggedOn: boolean;
  ready: boolean;
  sessions: Set<Req>;
  idleSince: number;
  /** What the agent's statistics would show: offered (allocated), answered, completed, offered but not answered. */
  stats: { offered: number; answered: number; completed: number; offeredNotAnswered: number };
  answerAfterMs?: number;
  completeAfterMs?: number;
  /** Played by a person (the console, the control API): the scenario's automatic answer/complete is suspended. */
  manual: boolean;
}

interface Req {
  id: number;
  status: ReqStatus;
  group: Group;
  agent: Agent | null;
  priority: number;
  /** Model ms (epoch ms - base), as allocatedAt and expiresAt. */
  queueTime: number;
  seq: number;
  sessionPriority: number;
  typeOfSession: number;
  /**
   * IVRInfo (at most LIMITS.ivrInfoMaxItems = 3 items) held in the request itself rather than in an array of item
   * objects: ivrCount items, item i in ivrL<i> / ivrD<i>. Read and written through ivrItems() / setIvr().
   */
  ivrCount: number;
  ivrL0: string | null;
  ivrD0: string | null;
  ivrL1: string | null;
  ivrD1: string | null;
  ivrL2: string | null;
  ivrD2: string | null;
  privateData: string | null;
  preferred: Agent | null;
  forced: boolean;
  /** The request's latest status record; older ones hang off `prev`. */
  last: EventRec | null;
  /** How many status records the request has (the length of the `prev` chain). */
  eventCount: number;
  /** Bumped on every move; a timer scheduled for an older generation does nothing. */
  gen: number;
  allocatedAt: number;
  expiresAt: number;
  expired: boolean;
}

/**
 * One status record as the model keeps it: a single object per event, with the time as a number. It is at once the
 * request's history (the `prev` chain) and the event log's entry; a wire StatusEvent (with its Date) is only built
 * when a record is answered (toWire). Every field is fixed once the record exists.
 */
class EventRec {
  constructor(
    readonly req: Req,
    readonly status: OpenMediaStatusName,
    /** Model ms: epoch ms - the model's base (see OpenMediaModel.base). */
    readonly t: number,
    /** The agent for AllocatedToAgent / AgentProcessing / Complete, else null (an agent's id, tenant and logon id never change). */
    readonly agent: Agent | null,
    readonly groupId: number,
    readonly queuePosition: number,
    readonly prev: EventRec | null,
  ) {}
}

function toWire(e: EventRec, base: number, queuePosition = e.queuePosition): StatusEvent {
  const a = e.agent;
  return {
    ID: e.req.id, Status: e.status, TimeStamp: new Date(e.t + base), AgentID: a ? a.id : 0,
    TenantID: a ? a.tenantId : 0, LogonID: a ? a.logonId : null, ServiceGroupID: e.groupId, QueuePosition: queuePosition,
  };
}

/** A request's IVRInfo as fresh item objects. */
function ivrItems(req: Req): IvrItem[] {
  const out: IvrItem[] = [];
  if (req.ivrCount > 0) out.push({ Label: req.ivrL0, Data: req.ivrD0 });
  if (req.ivrCount > 1) out.push({ Label: req.ivrL1, Data: req.ivrD1 });
  if (req.ivrCount > 2) out.push({ Label: req.ivrL2, Data: req.ivrD2 });
  return out;
}

/** Stores checked IVRInfo (at most 3 items, checked before) in the request's fields. */
function setIvr(req: Req, items: readonly IvrItem[]): void {
  if (items.length > 3) throw new Error('IVRInfo: more than 3 items'); // the callers check LIMITS.ivrInfoMaxItems first
  req.ivrCount = items.length;
  req.ivrL0 = items.length > 0 ? items[0].Label : null;
  req.ivrD0 = items.length > 0 ? items[0].Data : null;
  req.ivrL1 = items.length > 1 ? items[1].Label : null;
  req.ivrD1 = items.length > 1 ? items[1].Data : null;
  req.ivrL2 = items.length > 2 ? items[2].Label : null;
  req.ivrD2 = items.length > 2 ? items[2].Data : null;
}

const DEFAULT_PRIORITY = 100;
const DEFAULT_AHT_SECONDS = 120;
const DEFAULT_PREFERRED_TIMEOUT_SECONDS = 30;
const AHT_WINDOW = 20;
const AGENT_STATUSES: ReadonlySet<ReqStatus> = new Set<ReqStatus>(['AllocatedToAgent', 'AgentProcessing', 'Complete']);

// ---------------------------------------------------------------------------------------------------------------
// Wire value helpers: tolerant of numbers sent as strings, strict about what is clearly wrong.

function asObj(v: unknown): Record<string, unknown> | null | undefined {
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) return v as Record<string, unknown>;
  return undefined;
}

function asInt(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : NaN;
}

function asBool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function asStr(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  return typeof v === 'string' ? v : String(v);
}

function asTime(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const t = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v));
  return Number.isFinite(t) ? t : NaN;
}

function invalidData(message: string): never {
  throw new SimFault('InvalidDataException', message);
}

function invalidOptions(message: string): never {
  throw new SimFault('InvalidDataFault', message);
}

/** AddRequest's answer when the request was not accepted. */
function rejected(status: RequestStatusName): Record<string, unknown> {
  return { EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: status };
}

function isTerminal(s: ReqStatus): boolean {
  return s === 'Complete' || s === 'Failed' || s === 'Cancelled';
}

export class OpenMediaModel implements ServiceModel {
  readonly clock: Clock;
  private scenario!: Scenario;
  private readonly expirationOverride?: number;
  private expirationMs = LIMITS.dataExpirationMinutesDefault * 60_000;
  private readonly autoTimers: boolean;

  private license = true;
  private routerConnected = true;
  private auth = { enabled: false, users: [] as AuthUser[] };
  private tenants = new Map<number, { id: number; name?: string; enabled: boolean }>();
  private groups = new Map<number, Group>();
  private agents = new Map<number, Agent>();
  private agentsByLogon = new Map<string, Agent>();
  private options = new Map<number, SessionOptions>();

  private requests = new IdIndex<Req>();
  private nextId = 1;
  private seq = 0;
  private log: EventRec[] = [];
  private logHead = 0;
  private deadEntries = 0;
  private lastEventTime = -Infinity;
  /**
   * Times kept per request (queue time, allocation, expiry, event records) are "model ms": epoch ms minus this base,
   * the clock's time when the model was built. Near the base they are small integers, which V8 stores inside the
   * object; epoch ms (~1.7e12) would need a separate heap number each, one more object per time per cached request.
   * Converted back (+ base) wherever a time leaves the model. Integers, so the conversion is exact both ways.
   */
  private readonly base: number;
  private expiry: Req[] = [];
  private expiryHead = 0;
  private timers = new TimerHeap();
  private listeners = new Set<EventListener>();
  private changeListeners = new Set<() => void>();
  /** Status events generated since the model was built (never reset): a watcher's cursor into the log. */
  private emitted = 0;
  private eventLogCache: StatusEvent[] | null = null;
  private armed: { at: number; handle: NodeJS.Timeout } | null = null;
  private closed = false;

  constructor(scenario: Scenario, opts: ModelOptions | Clock = {}) {
    const options: ModelOptions = opts instanceof Clock ? { clock: opts } : opts;
    this.clock = options.clock ?? new Clock();
    this.expirationOverride = options.dataExpirationMinutes;
    if (this.expirationOverride !== undefined && !(this.expirationOverride > 0)) {
      throw new RangeError('dataExpirationMinutes must be > 0');
    }
    this.autoTimers = options.autoTimers ?? this.clock.mode === 'real';
    const start = this.clock.now();
    this.base = Number.isFinite(start) ? Math.trunc(start) : 0;
    this.load(scenario);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Set-up

  private load(input: Scenario): void {
    const scenario = validateScenario(input);
    this.scenario = scenario;
    this.expirationMs = (this.expirationOverride ?? scenario.dataExpirationMinutes ?? LIMITS.dataExpirationMinutesDefault) * 60_000;
    this.license = scenario.license ?? true;
    this.routerConnected = scenario.routerConnected ?? true;
    this.auth = { enabled: scenario.auth?.enabled ?? false, users: (scenario.auth?.users ?? []).map((u) => ({ ...u })) };
    this.tenants = new Map(scenario.tenants.map((t) => [t.id, { id: t.id, name: t.name, enabled: t.enabled ?? true }]));
    this.groups = new Map();
    for (const g of scenario.serviceGroups) {
      this.groups.set(g.id, {
        id: g.id, name: g.name, tenantId: g.tenantId, open: g.open ?? true, openMedia: g.openMedia ?? true,
        timeoutMs: (g.preferredAgentTimeoutSeconds ?? DEFAULT_PREFERRED_TIMEOUT_SECONDS) * 1000,
        defaultAht: g.averageHandlingSeconds ?? DEFAULT_AHT_SECONDS, handled: [], queue: new SortedQueue<Req>(), agents: [],
        stats: emptyStats(),
      });
    }
    this.agents = new Map();
    this.agentsByLogon = new Map();
    const now = this.clock.now();
    for (const a of scenario.agents) {
      const agent: Agent = {
        id: a.id, logonId: a.logonId, tenantId: a.tenantId, groups: a.groups.map((id) => this.groups.get(id) as Group),
        loggedOn: a.loggedOn ?? false, ready: a.ready ?? true, sessions: new Set(), idleSince: now,
        stats: { offered: 0, answered: 0, completed: 0, offeredNotAnswered: 0 },
        answerAfterMs: a.answerAfterSeconds === undefined ? undefined : a.answerAfterSeconds * 1000,
        completeAfterMs: a.completeAfterSeconds === undefined ? undefined : a.completeAfterSeconds * 1000,
        manual: false,
      };
      this.agents.set(agent.id, agent);
      this.agentsByLogon.set(agent.logonId.toLowerCase(), agent);
      for (const g of agent.groups) g.agents.push(agent);
    }
    this.options = new Map();
    this.nextId = 1;
    this.clearRequests();
  }

  private clearRequests(): void {
    this.requests = new IdIndex<Req>(this.nextId);
    this.log = [];
    this.logHead = 0;
    this.deadEntries = 0;
    this.expiry = [];
    this.expiryHead = 0;
    this.timers.clear();
    this.eventLogCache = null;
    for (const g of this.groups.values()) g.queue.clear();
    const now = this.clock.now();
    for (const a of this.agents.values()) {
      a.sessions.clear();
      a.idleSince = now;
    }
    this.rearm();
  }

  /** Back to the scenario's initial state (or a new scenario): ids restart at 1, the log is emptied. */
  reset(scenario?: Scenario): void {
    this.load(scenario ?? this.scenario);
    this.after();
  }

  close(): void {
    this.closed = true;
    if (this.armed) clearTimeout(this.armed.handle);
    this.armed = null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // ServiceModel

  get authEnabled(): boolean {
    return this.auth.enabled;
  }

  checkUser(logonId: string | undefined, password: string | undefined): boolean {
    if (!this.auth.enabled) return true;
    if (logonId === undefined || password === undefined) return false;
    return this.auth.users.some((u) => u.logonId.toLowerCase() === logonId.toLowerCase() && u.password === password);
  }

  execute(operation: OperationName, args: Record<string, unknown>): unknown {
    this.purgeExpired();
    const a = args ?? {};
    let result: unknown;
    switch (operation) {
      case 'AddRequest': result = this.addRequest(asObj(a.request)); break;
      case 'CancelRequest': result = this.cancelRequest(asObj(a.request)); break;
      case 'DivertRequest': result = this.divertRequest(asObj(a.request)); break;
      case 'ModifyRequest': result = this.modifyRequest(asObj(a.request)); break;
      case 'SetOptions': result = this.setOptions(asObj(a.request)); break;
      case 'GetOpenMediaRequestStatusByID': result = this.statusById(a.openMediaID); break;
      case 'GetOpenMediaRequestHistoryByID': result = this.historyById(a.openMediaID, a.retrieveLaterThan); break;
      case 'GetOpenMediaRequestsByTime': result = this.requestsByTime(a.retrieveLaterThan); break;
      case 'GetAllOpenMediaRequestStatus': result = this.allRequestStatus(); break;
      case 'GetServiceGroupStatus': result = this.serviceGroupStatus(a.serviceGroupID); break;
      case 'GetAllOpenMediaServiceGroupStatus': result = this.allServiceGroupStatus(a.tenantID); break;
      case 'GetOMAgentsByGroup': result = this.agentsByGroup(a.serviceGroupID); break;
      default: throw new Error(`unknown operation ${String(operation)}`);
    }
    this.rearm();
    // The five operations that change something (queries change nothing: om-events polls must not wake a watcher).
    if (this.changeListeners.size > 0 && !operation.startsWith('Get')) this.changed();
    return result;
  }

  private requireLicenseAndRouter(): void {
    if (!this.license) throw new SimFault('NoLicenseFault', 'The Open Media site licence could not be acquired');
    this.requireRouter();
  }

  private requireRouter(): void {
    if (!this.routerConnected) throw new SimFault('RouterDisconnectedFault', 'The Open Media Service is not connected to the router');
  }

  // -------------------------------------------------------------------------------------------------------------
  // AddRequest

  private addRequest(r: Record<string, unknown> | null | undefined): Record<string, unknown> {
    this.requireLicenseAndRouter();
    if (!r) invalidData('AddRequest: the request is empty; at least one IVRInfo Label or Data is required');
    const name = asStr(r.ServiceGroupName);
    if (name && name.length > LIMITS.serviceGroupNameMax) {
      invalidData(`ServiceGroupName is ${name.length} characters, at most ${LIMITS.serviceGroupNameMax}`);
    }
    const ivr = this.checkIvr(r.IVRInfo, true);
    const privateData = asStr(r.PrivateData);
    this.checkPrivateData(privateData);
    const prio = asInt(r.SessionPriority);
    if (prio !== undefined && prio !== 0 && !(prio >= LIMITS.sessionPriorityMin && prio <= LIMITS.sessionPriorityMax)) {
      invalidData(`SessionPriority ${prio} is outside ${LIMITS.sessionPriorityMin}..${LIMITS.sessionPriorityMax}`);
    }
    const type = asInt(r.TypeOfSession);
    if (type !== undefined && !(type >= 0)) invalidData(`TypeOfSession ${type} must be ${LIMITS.typeOfSessionMin} or more`);
    const queueStart = asTime(r.QueueStartTime);

    const found = this.resolveGroup(r.ServiceGroupID, r.TenantID, name);
    if (typeof found === 'string') return rejected(found);
    const group = found;

    // Preferred agent: the record id wins over the logon id.
    const prefId = asInt(r.PreferredAgentID);
    const prefLogon = asStr(r.PreferredAgentLogonID);
    let preferred: Agent | null = null;
    let preferredGiven = false;
    if (prefId !== undefined && prefId !== 0) {
      preferredGiven = true;
      preferred = this.agents.get(prefId) ?? null;
    } else if (prefLogon) {
      preferredGiven = true;
      preferred = this.agentsByLogon.get(prefLogon.toLowerCase()) ?? null;
    }
    const forced = asBool(r.ForceToPreferredAgent) && preferredGiven;
    if (forced) {
      if (!preferred || !preferred.loggedOn) return rejected('AgentLoggedOff');
      if (!preferred.groups.includes(group)) return rejected('Error');
    }

    const now = this.clock.now();
    const backdated = queueStart !== undefined && Number.isFinite(queueStart) && queueStart < now;
    const req: Req = {
      id: this.nextId++, status: 'Queued', group, agent: null,
      priority: backdated ? DEFAULT_PRIORITY : prio || DEFAULT_PRIORITY,
      queueTime: (backdated ? (queueStart as number) : now) - this.base, seq: this.seq++,
      sessionPriority: prio || 0, typeOfSession: type || 0,
      ivrCount: 0, ivrL0: null, ivrD0: null, ivrL1: null, ivrD1: null, ivrL2: null, ivrD2: null, privateData: privateData ?? null,
      preferred, forced, last: null, eventCount: 0, gen: 0, allocatedAt: 0, expiresAt: 0, expired: false,
    };
    setIvr(req, ivr);
    this.requests.set(req.id, req);
    group.stats.added += 1;
    const position = group.queue.insert(req);
    this.emit(req, 'Queued', position);
    if (forced) this.armForcedTimeout(req);
    this.dispatchGroup(group);
    if (req.status !== 'Queued') {
      return { EWT: 0, OpenMediaID: req.id, QueuePosition: 0, RequestStatus: 'Success' };
    }
    const pos = group.queue.position(req);
    return { EWT: this.ewt(group, pos), OpenMediaID: req.id, QueuePosition: pos, RequestStatus: 'Success' };
  }

  /** Resolves a group the way AddRequest/DivertRequest do; a string is the RequestStatus of a failure. */
  private resolveGroup(idArg: unknown, tenantArg: unknown, name: string | null | undefined): Group | RequestStatusName {
    const id = asInt(idArg);
    let group: Group | undefined;
    if (id !== undefined && id !== 0) {
      group = this.groups.get(id);
    } else if (name) {
      const tenant = asInt(tenantArg);
      const tenantId = tenant === undefined || tenant === 0 ? -1 : tenant;
      const lower = name.toLowerCase();
      for (const g of this.groups.values()) {
        if (g.tenantId === tenantId && g.name.toLowerCase() === lower) {
          group = g;
          break;
        }
      }
    }
    if (!group || !group.openMedia) return 'InvalidGroup';
    const tenant = this.tenants.get(group.tenantId);
    if (tenant && !tenant.enabled) return 'TenantDisabled';
    if (!group.open) return 'GroupClosed';
    return group;
  }

  private checkIvr(v: unknown, required: boolean): IvrItem[] {
    if (v !== undefined && v !== null && !Array.isArray(v)) invalidData('IVRInfo must be an array of IVRInformation');
    const list = (v as unknown[] | null | undefined) ?? [];
    // Null entries are ignored; indexes in messages count the others (plain loops: this runs on every add).
    let given = 0;
    for (let k = 0; k < list.length; k++) if (list[k] !== null && list[k] !== undefined) given += 1;
    if (given > LIMITS.ivrInfoMaxItems) {
      invalidData(`IVRInfo has ${given} items, at most ${LIMITS.ivrInfoMaxItems}`);
    }
    const out: IvrItem[] = [];
    let i = -1;
    for (let k = 0; k < list.length; k++) {
      const raw = list[k];
      if (raw === null || raw === undefined) continue;
      i += 1;
      const o = asObj(raw) ?? {};
      const Label = asStr(o.Label) ?? null;
      const Data = asStr(o.Data) ?? null;
      if (Label !== null && Label.length > LIMITS.ivrLabelMax) {
        invalidData(`IVRInfo[${i}].Label is ${Label.length} characters, at most ${LIMITS.ivrLabelMax}`);
      }
      if (Data !== null && Data.length > LIMITS.ivrDataMax) {
        invalidData(`IVRInfo[${i}].Data is ${Data.length} characters, at most ${LIMITS.ivrDataMax}`);
      }
      if (Label || Data) out.push({ Label, Data });
    }
    if (required && out.length === 0) invalidData('IVRInfo: at least one Label or Data must be given');
    return out;
  }

  private checkPrivateData(v: string | null | undefined): void {
    if (v && v.length > LIMITS.privateDataMax) {
      invalidData(`PrivateData is ${v.length} characters, at most ${LIMITS.privateDataMax}`);
    }
  }

  private ewt(group: Group, position: number): number {
    if (position <= 0) return 0;
    const aht = group.handled.length > 0
      ? group.handled.reduce((s, x) => s + x, 0) / group.handled.length / 1000
      : group.defaultAht;
    let agents = 0;
    for (const a of group.agents) if (a.loggedOn) agents += 1;
    return Math.ceil((position * aht) / Math.max(1, agents));
  }

  // -------------------------------------------------------------------------------------------------------------
  // CancelRequest / DivertRequest / ModifyRequest

  /** The cached request with that id; InvalidOpenMediaIDFault when there is none (never added, or expired). */
  private cached(idArg: unknown): Req {
    const id = asInt(idArg);
    const req = id === undefined || Number.isNaN(id) ? undefined : this.requests.get(id);
    if (!req) throw new SimFault('InvalidOpenMediaIDFault', `Open Media request ${id ?? '(none)'} is unknown or has expired`);
    return req;
  }

  private cancelRequest(r: Record<string, unknown> | null | undefined): boolean {
    this.requireLicenseAndRouter();
    const req = this.cached(r?.OpenMediaID);
    if (isTerminal(req.status)) {
      throw new SimFault('OpenMediaRequestTerminatedFault', `Open Media request ${req.id} has already terminated (${req.status})`);
    }
    const g = req.group;
    if (req.status === 'Queued') {
      if (asBool(r?.DoNotReport)) g.stats.abandonedNotReported += 1;
      else g.stats.abandoned += 1;
      this.terminate(req, 'Cancelled');
      this.dispatchGroup(g);
      return true;
    }
    if (!asBool(r?.CancelIfAllocated)) return false;
    const agent = req.agent;
    if (req.status === 'AgentProcessing') {
      g.stats.completed += 1;
      if (agent) agent.stats.completed += 1;
    } else {
      g.stats.abandoned += 1;
      if (agent) agent.stats.offeredNotAnswered += 1;
    }
    this.terminate(req, 'Cancelled');
    if (agent) this.dispatchAgent(agent);
    return true;
  }

  private divertRequest(r: Record<string, unknown> | null | undefined): Record<string, unknown> {
    this.requireLicenseAndRouter();
    const idArg = asInt(r?.ServiceGroupID);
    const name = asStr(r?.ServiceGroupName);
    if ((idArg === undefined || idArg === 0) && !name) {
      invalidData('DivertRequest: give ServiceGroupID, or TenantID and ServiceGroupName');
    }
    if (name && name.length > LIMITS.serviceGroupNameMax) {
      invalidData(`ServiceGroupName is ${name.length} characters, at most ${LIMITS.serviceGroupNameMax}`);
    }
    const id = asInt(r?.OpenMediaID) ?? 0;
    const req = Number.isNaN(id) ? undefined : this.requests.get(id);
    const answer = (status: RequestStatusName) => ({ OpenMediaID: Number.isNaN(id) ? 0 : id, RequestStatus: status });
    if (!req) return answer('InvalidID');
    if (isTerminal(req.status)) return answer('Error');
    const found = this.resolveGroup(r?.ServiceGroupID, r?.TenantID, name);
    if (typeof found === 'string') return answer(found);
    const from = req.group;
    const agent = req.agent;
    if (agent && req.status === 'AllocatedToAgent') agent.stats.offeredNotAnswered += 1;
    this.detach(req);
    from.stats.overflowedOut += 1;
    found.stats.overflowedIn += 1;
    req.group = found;
    req.queueTime = this.clock.now() - this.base;
    req.seq = this.seq++;
    req.preferred = null;
    req.forced = false;
    req.status = 'Queued';
    const position = found.queue.insert(req);
    this.emit(req, 'Queued', position);
    this.dispatchGroup(found);
    if (from !== found) this.dispatchGroup(from);
    if (agent) this.dispatchAgent(agent);
    return answer('Success');
  }

  private modifyRequest(r: Record<string, unknown> | null | undefined): boolean {
    this.requireLicenseAndRouter();
    const ivr = this.checkIvr(r?.IVRInfo, true);
    const privateData = asStr(r?.PrivateData);
    this.checkPrivateData(privateData);
    // The published WSDL declares InvalidOpenMediaIDFault for ModifyRequest (the document's prose says
    // InvalidDataException); a client built from the WSDL can only catch the declared fault, so that is what we throw.
    const req = this.cached(r?.OpenMediaID);
    if (req.status !== 'Queued') return false;
    const merged = ivrItems(req);
    for (const item of ivr) {
      const existing = item.Label ? merged.find((x) => x.Label === item.Label) : undefined;
      if (existing) existing.Data = item.Data;
      else merged.push({ ...item });
    }
    if (merged.length > LIMITS.ivrInfoMaxItems) {
      invalidData(`ModifyRequest would leave ${merged.length} IVRInfo items on request ${req.id}, at most ${LIMITS.ivrInfoMaxItems}`);
    }
    setIvr(req, merged);
    if (privateData !== undefined && privateData !== null) req.privateData = privateData;
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // SetOptions

  private setOptions(r: Record<string, unknown> | null | undefined): boolean {
    this.requireLicenseAndRouter();
    if (!r) invalidOptions('SetOptions: the request is empty');
    const num = (key: string): number | undefined => {
      const v = asInt(r[key]);
      if (Number.isNaN(v)) invalidOptions(`${key} must be an integer`);
      return v === 0 ? undefined : v;
    };
    const type = num('TypeOfSession') ?? 0;
    if (type < LIMITS.setOptionsTypeOfSessionMin) invalidOptions(`TypeOfSession ${type} must be 0 or more`);
    const range = (key: string, min: number, max: number): number | undefined => {
      const v = num(key);
      if (v !== undefined && (v < min || v > max)) invalidOptions(`${key} ${v} is outside ${min}..${max}`);
      return v;
    };
    const agentAction = range('AgentActionOptions', LIMITS.agentActionOptions.min, LIMITS.agentActionOptions.max);
    const closeTab = range('CloseTabOptions', LIMITS.closeTabOptions.min, LIMITS.closeTabOptions.max);
    const allowDiff = range('AllowDifferentTypes', LIMITS.allowDifferentTypes.min, LIMITS.allowDifferentTypes.max);
    const link = range('SessionLinkOptions', LIMITS.sessionLinkOptions.min, LIMITS.sessionLinkOptions.max);
    const maxSessions = range('MaxNumberOfSessions', LIMITS.maxNumberOfSessionsMin, LIMITS.intMax);
    if (agentAction !== undefined && (LIMITS.agentActionOptions.needTypeOfSession as readonly number[]).includes(agentAction) && type === 0) {
      invalidOptions(`AgentActionOptions ${agentAction} needs a TypeOfSession`);
    }
    if (closeTab !== undefined && (LIMITS.closeTabOptions.needTypeOfSession as readonly number[]).includes(closeTab) && type === 0) {
      invalidOptions(`CloseTabOptions ${closeTab} needs a TypeOfSession`);
    }
    const entry: SessionOptions = asBool(r.ResetAllOptions) ? {} : { ...(this.options.get(type) ?? {}) };
    if (agentAction !== undefined) entry.AgentActionOptions = agentAction;
    if (allowDiff !== undefined) entry.AllowDifferentTypes = allowDiff;
    if (closeTab !== undefined) entry.CloseTabOptions = closeTab;
    if (maxSessions !== undefined) entry.MaxNumberOfSessions = maxSessions;
    if (link !== undefined) entry.SessionLinkOptions = link;
    if (Object.keys(entry).length === 0) this.options.delete(type);
    else this.options.set(type, entry);
    // Capacity may have grown: let every group hand out what it can.
    for (const g of this.groups.values()) this.dispatchGroup(g);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Status queries

  private response(events: StatusEvent[]): { OpenMediaRequests: StatusEvent[]; TimeStamp: Date } {
    return { OpenMediaRequests: events, TimeStamp: new Date(this.clock.now()) };
  }

  private currentRecord(req: Req): StatusEvent {
    return toWire(req.last as EventRec, this.base, req.status === 'Queued' ? req.group.queue.position(req) : 0);
  }

  private statusById(idArg: unknown): unknown {
    return this.response([this.currentRecord(this.cached(idArg))]);
  }

  private historyById(idArg: unknown, laterThan: unknown): unknown {
    const req = this.cached(idArg);
    const t = asTime(laterThan);
    const since = t === undefined || Number.isNaN(t) ? -Infinity : t - this.base;
    const out: StatusEvent[] = [];
    for (let e = req.last; e && e.t > since; e = e.prev) out.push(toWire(e, this.base));
    return this.response(out.reverse());
  }

  private requestsByTime(laterThan: unknown): unknown {
    const t = asTime(laterThan);
    const since = t === undefined || Number.isNaN(t) ? -Infinity : t - this.base;
    const log = this.log;
    let lo = this.logHead;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid].t <= since) lo = mid + 1;
      else hi = mid;
    }
    const out: StatusEvent[] = [];
    for (let i = lo; i < log.length; i++) if (!log[i].req.expired) out.push(toWire(log[i], this.base));
    return this.response(out);
  }

  private allRequestStatus(): unknown {
    const out: StatusEvent[] = [];
    for (const req of this.requests.values()) out.push(this.currentRecord(req));
    return this.response(out);
  }

  private serviceGroupStatus(idArg: unknown): unknown {
    this.requireRouter();
    const id = asInt(idArg);
    const g = id === undefined ? undefined : this.groups.get(id);
    if (!g || !g.openMedia) invalidData(`${id ?? '(none)'} is not an Open Media service group`);
    return { Open: g.open, ServiceGroupID: g.id };
  }

  private isNonTenanted(): boolean {
    return this.tenants.size === 0;
  }

  private allServiceGroupStatus(tenantArg: unknown): unknown {
    this.requireRouter();
    const tenantId = asInt(tenantArg);
    let list: Group[];
    if (tenantId === LIMITS.nonTenantedTenantID) {
      list = this.isNonTenanted() ? [...this.groups.values()] : [...this.groups.values()].filter((g) => g.tenantId === -1);
      if (list.length === 0) invalidData('tenant -1 is only valid on a non-tenanted system');
    } else {
      const tenant = tenantId === undefined ? undefined : this.tenants.get(tenantId);
      if (!tenant) invalidData(`${tenantId ?? '(none)'} is not a valid tenant`);
      if (!tenant.enabled) invalidData(`tenant ${tenant.id} is disabled`);
      list = [...this.groups.values()].filter((g) => g.tenantId === tenant.id);
    }
    return {
      Status: list.filter((g) => g.openMedia).sort((a, b) => a.id - b.id).map((g) => ({ Open: g.open, ServiceGroupID: g.id })),
    };
  }

  private agentsByGroup(idArg: unknown): unknown {
    this.requireRouter();
    const id = asInt(idArg);
    const g = id === undefined ? undefined : this.groups.get(id);
    if (!g || !g.openMedia) invalidData(`${id ?? '(none)'} is not an Open Media service group`);
    return { AgentList: g.agents.map((a) => a.id).sort((a, b) => a - b), ServiceGroupID: g.id };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Routing

  private optionFor(type: number, key: keyof SessionOptions): number | undefined {
    return (type > 0 ? this.options.get(type)?.[key] : undefined) ?? this.options.get(0)?.[key];
  }

  private canTake(agent: Agent, req: Req): boolean {
    if (!agent.loggedOn || !agent.ready || !agent.groups.includes(req.group)) return false;
    if (req.forced && req.preferred !== agent) return false;
    const type = req.typeOfSession;
    const own = type > 0 ? this.options.get(type)?.MaxNumberOfSessions : undefined;
    if (own !== undefined) {
      let n = 0;
      for (const s of agent.sessions) if (s.typeOfSession === type) n += 1;
      if (n >= own) return false;
    } else if (agent.sessions.size >= (this.options.get(0)?.MaxNumberOfSessions ?? 1)) {
      return false;
    }
    if (this.optionFor(type, 'AllowDifferentTypes') === 1) {
      for (const s of agent.sessions) if (s.typeOfSession !== type) return false;
    }
    return true;
  }

  /** The most sessions any agent could hold under the current options (an agent at it can take nothing). */
  private maxCapacity(): number {
    let max = 1;
    for (const o of this.options.values()) if (o.MaxNumberOfSessions !== undefined && o.MaxNumberOfSessions > max) max = o.MaxNumberOfSessions;
    return max;
  }

  /** Hands the group's queued requests to its free agents, in queue order. */
  private dispatchGroup(group: Group): void {
    if (!this.routerConnected || group.queue.length === 0) return;
    const cap = this.maxCapacity();
    const candidates = group.agents.filter((a) => a.loggedOn && a.ready && a.sessions.size < cap);
    if (candidates.length === 0) return;
    const taken: Req[] = [];
    for (const req of group.queue) {
      let chosen: Agent | undefined;
      if (req.preferred && candidates.includes(req.preferred) && this.canTake(req.preferred, req)) {
        chosen = req.preferred;
      } else if (!req.forced) {
        for (const a of candidates) {
          if (!this.canTake(a, req)) continue;
          if (!chosen || a.sessions.size < chosen.sessions.size ||
            (a.sessions.size === chosen.sessions.size && a.idleSince < chosen.idleSince)) chosen = a;
        }
      }
      if (!chosen) continue;
      taken.push(req);
      this.allocate(req, chosen, false);
      if (chosen.sessions.size >= cap) candidates.splice(candidates.indexOf(chosen), 1);
      if (candidates.length === 0) break;
    }
    group.queue.removeAll(new Set(taken));
  }

  /** A freed agent takes, across its groups, the best-ranked request it can take, as long as it can. */
  private dispatchAgent(agent: Agent): void {
    if (!this.routerConnected) return;
    for (;;) {
      if (!agent.loggedOn || !agent.ready || agent.sessions.size >= this.maxCapacity()) return;
      let best: Req | undefined;
      for (const g of agent.groups) {
        for (const req of g.queue) {
          if (best && (req.priority > best.priority || (req.priority === best.priority && req.queueTime > best.queueTime))) break;
          if (this.canTake(agent, req)) {
            if (!best || req.priority < best.priority || (req.priority === best.priority &&
              (req.queueTime < best.queueTime || (req.queueTime === best.queueTime && req.seq < best.seq)))) best = req;
            break;
          }
        }
      }
      if (!best) return;
      this.allocate(best, agent, true);
    }
  }

  private allocate(req: Req, agent: Agent, removeFromQueue: boolean): void {
    if (removeFromQueue) req.group.queue.remove(req);
    req.status = 'AllocatedToAgent';
    req.agent = agent;
    req.gen += 1;
    req.allocatedAt = this.clock.now() - this.base;
    agent.sessions.add(req);
    agent.stats.offered += 1;
    this.emit(req, 'AllocatedToAgent', 0);
    this.armAgentTimer(req, agent);
  }

  /**
   * The agent's automatic next step for a request it holds: answer an allocated one after answerAfterMs, complete an
   * answered one after completeAfterMs. Nothing for a manual agent or when the scenario gives no time.
   */
  private armAgentTimer(req: Req, agent: Agent): void {
    if (agent.manual) return;
    const answering = req.status === 'AllocatedToAgent';
    const after = answering ? agent.answerAfterMs : agent.completeAfterMs;
    if (after === undefined) return;
    const gen = req.gen;
    const status = req.status;
    this.timers.add(this.clock.now() + after, () => {
      if (req.gen !== gen || req.status !== status || req.agent !== agent) return;
      if (answering) this.doAnswer(req);
      else this.doComplete(req);
    });
  }

  private armForcedTimeout(req: Req): void {
    const gen = req.gen;
    this.timers.add(this.clock.now() + req.group.timeoutMs, () => {
      if (req.gen === gen && req.status === 'Queued' && req.forced) {
        req.group.stats.failed += 1;
        const g = req.group;
        this.terminate(req, 'Failed');
        this.dispatchGroup(g);
      }
    });
  }

  /** Takes a live request out of its queue or off its agent (no event). */
  private detach(req: Req): void {
    if (req.status === 'Queued') req.group.queue.remove(req);
    if (req.agent) {
      req.agent.sessions.delete(req);
      if (req.agent.sessions.size === 0) req.agent.idleSince = this.clock.now();
    }
    req.agent = null;
    req.gen += 1;
  }

  private terminate(req: Req, status: 'Complete' | 'Failed' | 'Cancelled'): void {
    const agent = req.agent;
    this.detach(req);
    if (status === 'Complete') req.agent = agent;
    req.status = status;
    this.emit(req, status, 0);
    req.agent = null;
    req.expiresAt = this.lastEventTime + this.expirationMs - this.base;
    this.expiry.push(req);
  }

  private doAnswer(req: Req): void {
    req.status = 'AgentProcessing';
    req.gen += 1;
    req.group.stats.answered += 1;
    const agent = req.agent as Agent;
    agent.stats.answered += 1;
    this.emit(req, 'AgentProcessing', 0);
    this.armAgentTimer(req, agent);
  }

  private doComplete(req: Req): void {
    const agent = req.agent as Agent;
    const g = req.group;
    g.handled.push(this.clock.now() - this.base - req.allocatedAt);
    if (g.handled.length > AHT_WINDOW) g.handled.shift();
    g.stats.completed += 1;
    agent.stats.completed += 1;
    this.terminate(req, 'Complete');
    this.dispatchAgent(agent);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Events, cache, expiry

  private emit(req: Req, status: OpenMediaStatusName, queuePosition: number): void {
    let t = Math.max(this.clock.now(), this.lastEventTime);
    // A real service stamps events with 100 ns resolution, so one request never has two records with the same
    // Status and TimeStamp; with a millisecond clock (a divert or requeue in the same ms) it could. Keep the key
    // ID + Status + TimeStamp unique, as clients (om-events) rely on it.
    // A request's records are in time order and none is later than lastEventTime <= t: only the newest ones can
    // share this time.
    for (let e = req.last; e !== null && e.t === t - this.base; e = e.prev) {
      if (e.status === status) {
        t += 1;
        break;
      }
    }
    this.lastEventTime = t;
    const agent = AGENT_STATUSES.has(status as ReqStatus) ? req.agent : null;
    const rec = new EventRec(req, status, t - this.base, agent, req.group.id, queuePosition, req.last);
    req.last = rec;
    req.eventCount += 1;
    this.log.push(rec);
    this.emitted += 1;
    // The wire form is built only when someone holds the log or listens (it carries a Date: kept per cached event,
    // it would cost the garbage collector on every add).
    if (!this.eventLogCache && this.listeners.size === 0) return;
    const ev = toWire(rec, this.base);
    // Appending keeps `eventLog` O(1) for callers that read it after every event; expiry/restart rebuild it.
    if (this.eventLogCache) this.eventLogCache.push(ev);
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // A listener's failure must not break the model.
      }
    }
  }

  private purgeExpired(): void {
    const now = this.clock.now() - this.base;
    let purged = false;
    while (this.expiryHead < this.expiry.length && this.expiry[this.expiryHead].expiresAt <= now) {
      const req = this.expiry[this.expiryHead];
      this.expiryHead += 1;
      if (this.requests.get(req.id) !== req) continue;
      this.requests.delete(req.id);
      req.expired = true;
      this.deadEntries += req.eventCount;
      purged = true;
    }
    if (!purged) return;
    this.eventLogCache = null;
    if (this.expiryHead > 1024 && this.expiryHead * 2 > this.expiry.length) {
      this.expiry = this.expiry.slice(this.expiryHead);
      this.expiryHead = 0;
    }
    while (this.logHead < this.log.length && this.log[this.logHead].req.expired) {
      this.logHead += 1;
      this.deadEntries -= 1;
    }
    const live = this.log.length - this.logHead;
    if (this.logHead > 1024 && this.logHead * 2 > this.log.length) {
      this.log = this.log.slice(this.logHead);
      this.logHead = 0;
    }
    if (this.deadEntries > 1024 && this.deadEntries * 2 > live) {
      this.log = this.log.slice(this.logHead).filter((e) => !e.req.expired);
      this.logHead = 0;
      this.deadEntries = 0;
    }
  }

  /**
   * Every status event generated since start/restart and not yet expired, oldest first. Do not mutate. The array may
   * grow in place as new events happen (it is replaced when events expire or the service restarts): copy it
   * (`slice()`) to keep a snapshot.
   */
  get eventLog(): readonly StatusEvent[] {
    this.purgeExpired();
    if (!this.eventLogCache) {
      const out: StatusEvent[] = [];
      for (let i = this.logHead; i < this.log.length; i++) if (!this.log[i].req.expired) out.push(toWire(this.log[i], this.base));
      this.eventLogCache = out;
    }
    return this.eventLogCache;
  }

  /** Calls `listener` for every new status event; returns a function that unsubscribes it. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` (no arguments, synchronously) after anything that may have changed what state() shows: an
   * operation that changes something, a control action, the clock moved. Many changes in a row call it many times:
   * a watcher coalesces. With no listener attached this costs one Set size check (the console's stream attaches
   * one only while a page is open).
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) {
      try {
        l();
      } catch {
        // A watcher's failure must not break the model.
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Timers and the clock

  /** When the next timer falls due (epoch ms), or undefined. */
  nextDueAt(): number | undefined {
    return this.timers.peek()?.at;
  }

  /** Runs every timer due at the clock's current time. */
  runDue(): void {
    const now = this.clock.now();
    let ran = false;
    for (let t = this.timers.peek(); t && t.at <= now; t = this.timers.peek()) {
      this.timers.pop();
      t.run();
      ran = true;
    }
    this.purgeExpired();
    this.rearm();
    // An agent acting by itself (real clock) is a change a watcher wants to see.
    if (ran && this.changeListeners.size > 0) this.changed();
  }

  /** Moves the clock forward by `ms`, running each timer at its own time, in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`advance needs a duration >= 0 ms, got ${ms}`);
    const target = this.clock.now() + ms;
    // Checked before anything runs: a clock past what a Date holds would make every date the model writes invalid.
    if (target > MAX_TIME) throw new RangeError(`advance would move the clock past the year 9999 (${MAX_TIME} ms), the latest time the service can write`);
    for (let t: Timer | undefined = this.timers.peek(); t && t.at <= target; t = this.timers.peek()) {
      this.timers.pop();
      if (t.at > this.clock.now()) this.clock.set(t.at);
      this.purgeExpired();
      t.run();
    }
    this.clock.set(Math.max(target, this.clock.now()));
    this.purgeExpired();
    this.after();
  }

  private rearm(): void {
    if (!this.autoTimers || this.closed) return;
    const at = this.nextDueAt();
    if (this.armed && this.armed.at === at) return;
    if (this.armed) clearTimeout(this.armed.handle);
    this.armed = null;
    if (at === undefined) return;
    const handle = setTimeout(() => {
      this.armed = null;
      this.runDue();
    }, Math.max(0, Math.min(at - this.clock.now(), 2_147_000_000)));
    handle.unref?.();
    this.armed = { at, handle };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Control surface

  private agent(idOrLogon: number | string): Agent {
    const byId = typeof idOrLogon === 'number' ? this.agents.get(idOrLogon) : undefined;
    const a = byId ?? this.agentsByLogon.get(String(idOrLogon).toLowerCase()) ??
      (typeof idOrLogon === 'string' && /^\d+$/.test(idOrLogon) ? this.agents.get(Number(idOrLogon)) : undefined);
    if (!a) throw new Error(`unknown agent ${String(idOrLogon)}`);
    return a;
  }

  private group(id: number): Group {
    const g = this.groups.get(Number(id));
    if (!g) throw new Error(`unknown service group ${id}`);
    return g;
  }

  private live(openMediaId: number): Req {
    this.purgeExpired();
    const req = this.requests.get(Number(openMediaId));
    if (!req) throw new Error(`unknown Open Media request ${openMediaId}`);
    return req;
  }

  /** After every control action: re-arm the timer, tell the watchers. */
  private after(): void {
    this.rearm();
    if (this.changeListeners.size > 0) this.changed();
  }

  logon(agentId: number | string): void {
    const a = this.agent(agentId);
    if (!a.loggedOn) {
      a.loggedOn = true;
      a.idleSince = this.clock.now();
      this.dispatchAgent(a);
    }
    this.after();
  }

  logoff(agentId: number | string): void {
    const a = this.agent(agentId);
    if (a.loggedOn) {
      a.loggedOn = false;
      for (const req of [...a.sessions]) {
        if (req.status !== 'AllocatedToAgent') continue;
        a.stats.offeredNotAnswered += 1;
        this.detach(req);
        req.status = 'Queued';
        this.emit(req, 'Queued', req.group.queue.insert(req));
      }
      for (const g of a.groups) {
        const failed = [...g.queue].filter((r) => r.forced && r.preferred === a);
        for (const req of failed) {
          g.stats.failed += 1;
          this.terminate(req, 'Failed');
        }
        this.dispatchGroup(g);
      }
    }
    this.after();
  }

  setReady(agentId: number | string, ready: boolean): void {
    const a = this.agent(agentId);
    const was = a.ready;
    a.ready = !!ready;
    if (a.ready && !was) {
      if (a.sessions.size === 0) a.idleSince = this.clock.now();
      this.dispatchAgent(a);
    }
    this.after();
  }

  /** The agent takes the allocated request (AgentProcessing). */
  answer(openMediaId: number): void {
    const req = this.live(openMediaId);
    if (req.status !== 'AllocatedToAgent') throw new Error(`request ${req.id} is ${req.status}, not AllocatedToAgent`);
    this.doAnswer(req);
    this.after();
  }

  /** The agent finishes the answered request (Complete). */
  complete(openMediaId: number): void {
    const req = this.live(openMediaId);
    if (req.status !== 'AgentProcessing') throw new Error(`request ${req.id} is ${req.status}, not AgentProcessing`);
    this.doComplete(req);
    this.after();
  }

  /**
   * The agent gives up a request it holds (allocated or answered): Failed, as when it could not be handled, so a
   * flow's "Failed" path can be tried. Not a documented agent action: a simulator switch, like disconnectRouter()
   * for one request. The agent is free for its next request.
   */
  fail(openMediaId: number): void {
    const req = this.live(openMediaId);
    const agent = req.agent;
    if (!agent || (req.status !== 'AllocatedToAgent' && req.status !== 'AgentProcessing')) {
      throw new Error(`request ${req.id} is ${req.status}: only a request an agent holds (AllocatedToAgent or AgentProcessing) can be failed`);
    }
    if (req.status === 'AllocatedToAgent') agent.stats.offeredNotAnswered += 1;
    req.group.stats.failed += 1;
    this.terminate(req, 'Failed');
    this.dispatchAgent(agent);
    this.after();
  }

  /**
   * Manual: a person plays the agent (answer, complete, fail by hand); the scenario's answerAfterSeconds /
   * completeAfterSeconds are suspended, including for what the agent holds now. Back to automatic: those times run
   * again, counted from now for what it holds. An agent the scenario gives neither time is always manual.
   */
  setManual(agentId: number | string, manual: boolean): void {
    const a = this.agent(agentId);
    if (!manual && a.answerAfterMs === undefined && a.completeAfterMs === undefined) {
      throw new Error(`agent ${a.id} has no answerAfterSeconds or completeAfterSeconds in the scenario: it is always manual`);
    }
    if (a.manual !== !!manual) {
      a.manual = !!manual;
      for (const req of a.sessions) {
        req.gen += 1; // cancels the timers armed for the other mode
        this.armAgentTimer(req, a);
      }
    }
    this.after();
  }

  setGroupOpen(groupId: number, open: boolean): void {
    this.group(groupId).open = !!open;
    this.after();
  }

  setTenantEnabled(tenantId: number, enabled: boolean): void {
    const t = this.tenants.get(Number(tenantId));
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    t.enabled = !!enabled;
    this.after();
  }

  /** Every incomplete request Fails and leaves its queue/agent; faults until reconnectRouter(). */
  disconnectRouter(): void {
    this.purgeExpired();
    this.routerConnected = false;
    for (const req of [...this.requests.values()]) {
      if (isTerminal(req.status)) continue;
      req.group.stats.failed += 1;
      this.terminate(req, 'Failed');
    }
    this.after();
  }

  reconnectRouter(): void {
    this.routerConnected = true;
    this.after();
  }

  /** Drops every request and event, empties queues and agents, forgets SetOptions; ids keep increasing. */
  restartService(): void {
    this.options = new Map();
    this.clearRequests();
    this.after();
  }

  setLicense(present: boolean): void {
    this.license = !!present;
    this.after();
  }

  setAuth(enabled: boolean, users?: AuthUser[]): void {
    this.auth = { enabled: !!enabled, users: users ? users.map((u) => ({ logonId: u.logonId, password: u.password })) : this.auth.users };
    this.after();
  }

  /** What SetOptions stored for a TypeOfSession (0 = all types), or undefined. */
  setOptionsFor(typeOfSession: number): SessionOptions | undefined {
    const o = this.options.get(Number(typeOfSession) || 0);
    return o ? { ...o } : undefined;
  }

  getRequest(openMediaId: number): RequestDetail | undefined {
    this.purgeExpired();
    const req = this.requests.get(Number(openMediaId));
    return req ? this.detail(req) : undefined;
  }

  private detail(req: Req): RequestDetail {
    return {
      OpenMediaID: req.id, Status: req.status, ServiceGroupID: req.group.id, AgentID: req.agent?.id ?? 0,
      QueuePosition: req.status === 'Queued' ? req.group.queue.position(req) : 0,
      SessionPriority: req.sessionPriority, TypeOfSession: req.typeOfSession, QueueTime: new Date(req.queueTime + this.base),
      PreferredAgentID: req.preferred?.id ?? 0, ForceToPreferredAgent: req.forced,
      IVRInfo: ivrItems(req), PrivateData: req.privateData,
      Expires: isTerminal(req.status) ? new Date(req.expiresAt + this.base) : null,
    };
  }

  /** Number of requests in the cache (live + terminated not yet expired). */
  get cachedRequestCount(): number {
    this.purgeExpired();
    return this.requests.size;
  }

  /** JSON-safe snapshot of everything (no passwords). */
  state(): Record<string, unknown> {
    this.purgeExpired();
    return {
      ...this.flags(),
      authUsers: this.auth.users.map((u) => u.logonId),
      dataExpirationMinutes: this.expirationMs / 60_000,
      nextOpenMediaID: this.nextId,
      tenants: [...this.tenants.values()].map((t) => ({ ...t })),
      groups: [...this.groups.values()].map((g) => ({
        id: g.id, name: g.name, tenantId: g.tenantId, open: g.open, openMedia: g.openMedia,
        preferredAgentTimeoutSeconds: g.timeoutMs / 1000,
        averageHandlingSeconds: g.handled.length ? g.handled.reduce((s, x) => s + x, 0) / g.handled.length / 1000 : g.defaultAht,
        queue: g.queue.toArray().map((r) => r.id), agents: g.agents.map((a) => a.id), stats: { ...g.stats },
      })),
      agents: [...this.agents.values()].map((a) => ({
        id: a.id, logonId: a.logonId, tenantId: a.tenantId, groups: a.groups.map((g) => g.id), loggedOn: a.loggedOn,
        ready: a.ready, ...agentMode(a), stats: { ...a.stats },
        sessions: [...a.sessions].map((r) => ({ id: r.id, status: r.status, typeOfSession: r.typeOfSession })),
      })),
      options: [...this.options.entries()].map(([type, o]) => ({ TypeOfSession: type, ...o })),
      requests: [...this.requests.values()].map((r) => this.detailJson(r)),
      eventCount: this.eventLog.length,
    };
  }

  /** What state() and overview() both start with. */
  private flags(): Record<string, unknown> {
    return {
      name: this.scenario.name ?? null,
      time: new Date(this.clock.now()).toISOString(),
      clock: this.clock.mode,
      license: this.license,
      routerConnected: this.routerConnected,
      authEnabled: this.auth.enabled,
    };
  }

  private detailJson(req: Req): Record<string, unknown> {
    const d = this.detail(req);
    return { ...d, QueueTime: d.QueueTime.toISOString(), Expires: d.Expires ? d.Expires.toISOString() : null };
  }

  /**
   * What the console shows, bounded whatever the cache holds: the flags, every group with its counts (waiting, with
   * agents, oldest queue time) and the first `queueLimit` requests of its queue in detail, every agent with the
   * requests it holds in detail. JSON-safe (dates as ISO strings). Work is linear in the queued and held requests,
   * not in the cache; only a watcher calls it.
   */
  overview(queueLimit = 50): Record<string, unknown> {
    this.purgeExpired();
    const withAgents = new Map<Group, number>();
    for (const a of this.agents.values()) for (const r of a.sessions) withAgents.set(r.group, (withAgents.get(r.group) ?? 0) + 1);
    return {
      ...this.flags(),
      nextOpenMediaID: this.nextId,
      cachedRequests: this.requests.size,
      tenants: [...this.tenants.values()].map((t) => ({ ...t })),
      groups: [...this.groups.values()].map((g) => {
        let oldest = Infinity;
        const queue: Record<string, unknown>[] = [];
        for (const r of g.queue) {
          if (r.queueTime < oldest) oldest = r.queueTime;
          if (queue.length < queueLimit) queue.push(this.detailJson(r));
        }
        return {
          id: g.id, name: g.name, tenantId: g.tenantId, open: g.open, openMedia: g.openMedia,
          waiting: g.queue.length, withAgents: withAgents.get(g) ?? 0,
          oldestQueueTime: g.queue.length ? new Date(oldest + this.base).toISOString() : null,
          agents: g.agents.map((a) => a.id),
          queue,
        };
      }),
      agents: [...this.agents.values()].map((a) => ({
        id: a.id, logonId: a.logonId, tenantId: a.tenantId, groups: a.groups.map((g) => g.id), loggedOn: a.loggedOn,
        ready: a.ready, ...agentMode(a), sessions: [...a.sessions].map((r) => this.detailJson(r)),
      })),
    };
  }

  /**
   * How many status events the model has generated since it was built (restart and reset included). The events
   * generated since a watcher last looked are the newest `emittedEventCount - seen` of recentEvents() (fewer if
   * the log was emptied meanwhile): the watcher needs no listener per event.
   */
  get emittedEventCount(): number {
    return this.emitted;
  }

  /** The last `n` status events not yet expired, oldest first (wire shape). */
  recentEvents(n: number): StatusEvent[] {
    this.purgeExpired();
    const out: StatusEvent[] = [];
    for (let i = this.log.length - 1; i >= this.logHead && out.length < n; i--) {
      if (!this.log[i].req.expired) out.push(toWire(this.log[i], this.base));
    }
    return out.reverse();
  }
}

/** How an agent acts: by itself after the scenario's times, or by hand (manual). */
function agentMode(a: Agent): Record<string, unknown> {
  const auto = a.answerAfterMs !== undefined || a.completeAfterMs !== undefined;
  return {
    manual: a.manual || !auto,
    answerAfterSeconds: a.answerAfterMs === undefined ? null : a.answerAfterMs / 1000,
    completeAfterSeconds: a.completeAfterMs === undefined ? null : a.completeAfterMs / 1000,
  };
}

function emptyStats(): GroupStats {
  return { added: 0, answered: 0, completed: 0, abandoned: 0, abandonedNotReported: 0, failed: 0, overflowedIn: 0, overflowedOut: 0 };
}

export { Clock } from './clock';
export { SimFault } from './types';
