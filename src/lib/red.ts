/**
 * Types shared by the runtime side of the nodes (the project has no @types for Node-RED) and the interface between
 * om-server and the nodes that use it (om-operations, om-events). Type-only except ADDED_EVENT.
 *
 * (Node-RED node modules replace `module.exports` with their register function, so anything the nodes share must
 * live in a module like this one, not in the node files.)
 */
import type { EventEmitter } from 'events';
import type { OpenMediaClient } from './client';
import type { LoopState } from './events/state';

// The little of Node-RED's runtime API the pack uses.

export type NodeMessage = Record<string, unknown> & { _msgid?: string };
export type SendFn = (msg: NodeMessage | Array<NodeMessage | null> | null) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface RedNode extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: Record<string, string | undefined>;
  status(status: NodeStatus | Record<string, never>): void;
  send(msg: NodeMessage | Array<NodeMessage | null> | null): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(text: unknown): void;
  log(text: unknown): void;
  debug(text: unknown): void;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): this;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): this;
  on(event: string, listener: (...args: any[]) => void): this; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  [key: string]: unknown;
}

export interface JsonataExpression {
  evaluate?: unknown;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, config: NodeDef): void;
    registerType(type: string, ctor: Function, options?: { // eslint-disable-line @typescript-eslint/ban-types
      credentials?: Record<string, { type: string }>;
      /** Settings of the node type; `exportable` ones reach the editor as RED.settings.<name>. */
      settings?: Record<string, { value: unknown; exportable?: boolean }>;
    }): void;
    getNode(id: string): unknown;
    /** Every node of the deployed flows, as configured (om-server: is there an om-events node using me?). */
    eachNode?(callback: (config: NodeDef) => void): void;
  };
  /** settings.js as the runtime sees it (only what the pack reads). */
  settings?: { userDir?: string; contextStorage?: unknown };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: object, msg: NodeMessage | undefined,
      callback: (err: Error | null, result?: unknown) => void): void;
    prepareJSONataExpression(value: string, node: object): JsonataExpression;
    evaluateJSONataExpression(expr: JsonataExpression, msg: NodeMessage, callback: (err: Error | null, result?: unknown) => void): void;
    getMessageProperty(msg: NodeMessage, expr: string): unknown;
    normalisePropertyExpression(expr: string): unknown;
  };
  log: { warn(text: string): void; error(text: string): void; info(text: string): void };
  /** The runtime's event bus ('flows:starting' ...). */
  events?: EventEmitter;
}

// ---------------------------------------------------------------------------------------------------------------

export interface OmAddedEvent {
  OpenMediaID: number;
  request: Record<string, unknown>;
  correlation?: unknown;
  node: string;
}

/** The event om-add-request emits on its om-server after an accepted AddRequest (defined here only). */
export const ADDED_EVENT = 'openmedia:added';

export interface OmServerConfig extends NodeDef {
  url?: string;
  timeout?: number | string;
  tls?: string;
  wsdlSource?: string;
  /** Largest answer accepted, in MB (1 MB = 1,048,576 bytes). */
  maxAnswerMB?: number | string;
  /** Shared state for a high-availability pair: redis:// or rediss:// URL ('' = off). */
  redisUrl?: string;
  /** Prefix of the Redis keys (default 'openmedia:'). */
  redisPrefix?: string;
  /** The id of a tls-config node for rediss://. */
  redisTls?: string;
  /** The lease's time to live, seconds (default 10). */
  lease?: number | string;
}

export interface OmServerNode extends RedNode {
  url: string;
  timeoutMs: number;
  maxAnswerBytes: number;
  wsdlSource: 'bundled' | 'server';
  /** The shared client, built on first use. Throws an OpenMediaError when the configuration is unusable. */
  getClient(): OpenMediaClient;
  /** om-events' state for this server (correlations, cursors), opened on first use; see lib/events/state.ts. */
  eventsState(): LoopState;
  /** Where om-events' shared state is (redis://host:port, never credentials); undefined when the setting is off. */
  sharedState?: string;
}

/** How a context store keeps its values: only in memory (lost at every restart), in files, or by a module of its own. */
export type ContextStoreKind = 'memory' | 'file' | 'other';

/**
 * The kind of each context store settings.js configures (`contextStorage`), by the name the editor lists it under.
 * No configuration: Node-RED's one store, "memory". A string entry (`default: "file"`) only names another store.
 */
export function contextStoreKinds(settings: NodeAPI['settings']): Record<string, ContextStoreKind> {
  const config = settings?.contextStorage;
  const kinds: Record<string, ContextStoreKind> = {};
  if (config && typeof config === 'object') {
    for (const [name, store] of Object.entries(config as Record<string, unknown>)) {
      if (!store || typeof store !== 'object') continue;
      const module = (store as { module?: unknown }).module;
      kinds[name] = module === 'memory' ? 'memory' : module === 'localfilesystem' ? 'file' : 'other';
    }
  }
  return Object.keys(kinds).length ? kinds : { memory: 'memory' };
}
