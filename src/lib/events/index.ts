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

export interface EventMessage {
  topic: string;
  payload: EventRecord;
  openMediaId: number;
  request?: Record<string, unknown>;
}

/** The message om-events sends for one record. */
export function buildMessage(record: EventRecord, request?: Record<string, unknown>): EventMessage {
  const msg: EventMessage = { topic: `openmedia/${record.ID}/${record.Status}`, payload: record, openMediaId: record.ID };
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
