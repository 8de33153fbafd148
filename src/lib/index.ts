/**
 * The package's public JavaScript entry (`require('@micc-flows/node-red-openmedia')`): the client layer, its error
 * type, the wire contract, the node table, input validation and the simulator, for flows (function nodes), scripts
 * and other packages.
 */
export { OpenMediaClient, OpenMediaError, normalizeResult, normalizeStatusRecord, buildRequestArgs } from './client';
export type { ClientOptions } from './client';
export { isOpenMediaError, toOpenMediaError } from './errors';
export * as contract from './contract';
export { OPERATION_NODES, operationNode } from './operations';
export { prepareRequest, validateRequest, requestForMessage } from './validate';
export { coerce } from './coerce';
import type { Simulator, SimulatorOptions } from '../simulator';
export type { Simulator, SimulatorOptions };

/** Starts the Open Media Service simulator in this process (loaded on first use: flows that only call do not pay for it). */
export function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sim = require('../simulator') as typeof import('../simulator');
  return sim.startSimulator(options);
}
