/**
 * Shapes shared by the om-events logic (tracker, correlation map, poll loop). No Node-RED here.
 */
import type { StatusRecord } from '../normalize';

/**
 * One status record as om-events emits it in `msg.payload`: the normalised OpenMediaRequest record, plus, when the
 * node itself concluded that a request failed (the service never sent that record), who concluded it and why.
 */
export interface EventRecord extends StatusRecord {
  /** Only on records the node made up: always 'om-events'. */
  DetectedBy?: 'om-events';
  /** Only with DetectedBy: a stable reason code (see REASONS). */
  Reason?: DetectedReason;
}

/**
 * Why the node emitted a record the service did not send.
 *  - RequestVanished: the service no longer knows a request this Node-RED added and saw open (it restarted and
 *    cleared its cache, or the record aged out while nobody was polling).
 *  - StatusWithoutEvent: the service reports the request terminated but its by-time history never carried that
 *    status change inside the polled window.
 *  - IdReused: om-add-request was given an id this node still held as an open request of ours: the service must have
 *    restarted and started over.
 */
export type DetectedReason = 'RequestVanished' | 'StatusWithoutEvent' | 'IdReused';

/** A GetOpenMedia... answer in normalised form (what the client resolves). */
export interface StatusAnswer {
  OpenMediaRequests: StatusRecord[];
  TimeStamp: string | null;
}

/** What a subscriber's filter says about one record. */
export const VERDICT = {
  /** Emit it. */
  Emit: 0,
  /** Not for this subscriber: counted as handled, never looked at again. */
  Skip: 1,
  /**
   * Not decidable yet (e.g. "only ours" and the id is not known yet). The tracker leaves such a record unhandled (a
   * later answer holding it asks again); the poll loop instead holds it in the subscriber's pending list until the
   * id becomes known or the record is too old (see poller.ts).
   */
  Defer: 2,
} as const;
export type Verdict = (typeof VERDICT)[keyof typeof VERDICT];
