/**
 * om-events' pure logic, for the node, the tests and the benchmark.
 *
 *   const ev = require('<pkg>/lib/events');
 *   const tracker = new ev.EventTracker();            // cursor + dedupe of one subscriber
 *   const msgs = ev.ingestAndBuild(tracker, answer);  // a parsed GetOpenMediaRequestsByTime answer -> msgs to send
 */
import { CorrelationMap } from './correlation';
import { EventTracker, type IngestOptions } from './tracker';
import type { EventRecord, StatusAnswer } from './types';

export * from './types';
export * from './tracker';
export * from './correlation';
export * from './poller';
export * from './state';
export * from './journal';
export * from './shared';

/**
 * msg.payload of an om-events message: the status record, with the user's correlation value (when the request was
 * added here with one) beside it. Key order is chosen for Node-RED's debug sidebar, whose collapsed view shows the
 * first five keys: Status, ID, TimeStamp, correlation, AgentID, then the rest of the record (StatusCode included).
 */
export type EventPayload = EventRecord & { correlation?: unknown };

export interface EventMessage {
  topic: string;
  payload: EventPayload;
  openMediaId: number;
  request?: Record<string, unknown>;
}

/** The payload for one record (see EventPayload). `correlation` is a value of the message's own (a copy). */
export function eventPayload(record: EventRecord, correlation?: unknown): EventPayload {
  const p = { Status: record.Status, ID: record.ID, TimeStamp: record.TimeStamp } as EventPayload;
  if (correlation !== undefined) p.correlation = correlation;
  p.AgentID = record.AgentID;
  p.ServiceGroupID = record.ServiceGroupID;
  p.QueuePosition = record.QueuePosition;
  p.StatusCode = record.StatusCode;
  p.LogonID = record.LogonID;
  p.TenantID = record.TenantID;
  // Whatever else the record holds (DetectedBy, Reason ...), after the rest.
  for (const key of Object.keys(record) as Array<keyof EventRecord>) if (!(key in p)) (p as unknown as Record<string, unknown>)[key] = record[key];
  return p;
}

/** The message om-events sends for one record. */
export function buildMessage(record: EventRecord, request?: Record<string, unknown>): EventMessage {
  let correlation: unknown;
  if (request !== undefined && request.correlation !== undefined) {
    // msg.request.correlation and msg.payload.correlation must not be one object (a flow may change either).
    const c = request.correlation;
    correlation = typeof c === 'object' && c !== null ? structuredClone(c) : c;
  }
  const msg: EventMessage = {
    topic: `openmedia/${record.ID}/${record.Status}`,
    payload: eventPayload(record, correlation),
    openMediaId: record.ID,
  };
  if (request !== undefined) msg.request = request;
  return msg;
}

/**
 * One answer through the whole pure path (what the benchmark measures): dedupe against the tracker, attach what
 * om-add-request sent (when a correlation map is given), build the messages. O(n) in the answer's records.
 */
export function ingestAndBuild(tracker: EventTracker, answer: StatusAnswer, correlation?: CorrelationMap,
  options?: IngestOptions): EventMessage[] {
  const records = tracker.ingest(answer, options);
  const out: EventMessage[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    // The records are the answer's own objects (one answer, one consumer here): no copy.
    const record = records[i] as EventRecord;
    out[i] = buildMessage(record, correlation && correlation.size ? correlation.requestFor(record.ID) : undefined);
  }
  if (correlation) correlation.observe(records);
  return out;
}
