/**
 * The twelve operation nodes (om-add-request ... om-agents-by-group), all registered here from the one table in
 * lib/operations.ts: no node is written out by hand.
 *
 * Node properties: `server` (om-server id), `name`, and per table parameter `<wire>` / `<wire>Type` (a typedInput;
 * missing -> type msg, value `payload.<key>`), per table option (`correlation` on om-add-request) `<name>` /
 * `<name>Type` (missing -> the option's defaults). An empty value means "not given" (except for the `date` type).
 *
 * On a message: every parameter is evaluated (jsonata and context asynchronously), coerced and validated
 * (lib/validate.ts); nothing is sent when a rule is broken. The answer goes to msg.payload, what was sent to
 * msg.openMedia = { operation, request } (wire names, dates as ISO strings). om-add-request and om-divert-request
 * have two outputs: accepted (RequestStatus Success) and not accepted (anything else). om-add-request also sets
 * msg.openMediaId and emits 'openmedia:added' on its server (see om-server.ts).
 *
 * Errors (invalid input, SOAP faults, transport) end with done(err): err is an OpenMediaError, so a Catch node sees
 * msg.error.code (Node-RED copies `code`), and msg.openMedia.error carries the whole error (code, field, rule,
 * value, statusCode ...). Never a credential: the request holds only the parameters, errors are scrubbed by the
 * client layer.
 */
import type { OperationName } from '../lib/contract';
import { OpenMediaError, invalidInput, operationLabel, toOpenMediaError } from '../lib/errors';
import { show } from '../lib/coerce';
import { OPERATION_NODES, type NodeOptionDef, type OperationNodeDef, type ParamDef } from '../lib/operations';
import { prepareRequest, requestForMessage, type RequestArgs } from '../lib/validate';
import {
  ADDED_EVENT,
  type DoneFn,
  type JsonataExpression,
  type NodeAPI,
  type NodeDef,
  type NodeMessage,
  type OmAddedEvent,
  type OmServerNode,
  type RedNode,
  type SendFn,
} from '../lib/red';
import { StatusThrottle, answerStatus, failureStatus } from '../lib/status';

interface OperationConfig extends NodeDef {
  server?: string;
  [key: string]: unknown;
}

/** One typedInput of a node, ready to evaluate. */
interface Property {
  field: string;
  type: string;
  value: string;
  jsonata?: JsonataExpression;
  /** Set when the configuration itself is broken (bad expression): every message fails with it. */
  broken?: OpenMediaError;
}

function configProperty(RED: NodeAPI, node: RedNode, config: OperationConfig, field: string, defaultType: string,
  defaultValue: string, operation: OperationName): Property {
  const rawType = config[`${field}Type`];
  const rawValue = config[field];
  const type = typeof rawType === 'string' && rawType !== '' ? rawType : defaultType;
  const value = rawValue === undefined || rawValue === null ? defaultValue : String(rawValue);
  const prop: Property = { field, type, value };
  try {
    if (type === 'jsonata' && value.trim() !== '') prop.jsonata = RED.util.prepareJSONataExpression(value, node);
    if (type === 'msg' && value !== '') RED.util.normalisePropertyExpression(value);
  } catch (e) {
    prop.broken = invalidInput(field, 'expression', value,
      `${field}: the ${type} expression ${show(value)} is not valid (${(e as Error).message})`, operation);
  }
  return prop;
}

/** Evaluates a property against a message; `undefined` means "not given". */
function evaluate(RED: NodeAPI, node: RedNode, prop: Property, msg: NodeMessage, operation: OperationName): Promise<unknown> {
  if (prop.broken) return Promise.reject(prop.broken);
  if (prop.value.trim() === '' && prop.type !== 'date') return Promise.resolve(undefined);
  const invalid = (e: unknown): OpenMediaError =>
    invalidInput(prop.field, 'expression', prop.value,
      `${prop.field} could not be evaluated (${prop.type} ${show(prop.value)}): ${(e as Error)?.message ?? String(e)}`, operation);
  if (prop.type === 'msg') {
    try {
      return Promise.resolve(RED.util.getMessageProperty(msg, prop.value));
    } catch {
      // A parent of the path is missing (msg.payload is not an object): the property is simply not there.
      return Promise.resolve(undefined);
    }
  }
  return new Promise((resolve, reject) => {
    const cb = (err: Error | null, result?: unknown): void => (err ? reject(invalid(err)) : resolve(result));
    try {
      if (prop.jsonata) RED.util.evaluateJSONataExpression(prop.jsonata, msg, cb);
      else RED.util.evaluateNodeProperty(prop.value, prop.type, node, msg, cb);
    } catch (e) {
      reject(invalid(e));
    }
  });
}

function asOpenMediaError(err: unknown, operation: OperationName): OpenMediaError {
  return toOpenMediaError(err, { operation });
}

type OperationNode = RedNode & { server?: OmServerNode };

function setup(RED: NodeAPI, node: OperationNode, config: OperationConfig, def: OperationNodeDef): void {
  const operation = def.operation;
  node.name = config.name;
  const server = config.server ? (RED.nodes.getNode(config.server) as OmServerNode | null) : null;
  node.server = server ?? undefined;
  const params = def.params.map((p: ParamDef) => ({
    param: p,
    prop: configProperty(RED, node, config, p.wire, 'msg', `payload.${p.key}`, operation),
  }));
  const options = (def.options ?? []).map((o: NodeOptionDef) => ({
    option: o,
    prop: configProperty(RED, node, config, o.name, o.defaultType, o.defaultValue, operation),
  }));
  const status = new StatusThrottle(node);
  // At every start (deploy, restart) the status says what is true now: Node-RED keeps a node's last status across
  // a redeploy, so a red "invalid input" from before a fix would otherwise stay until the next message.
  const broken = [...params, ...options].map(({ prop }) => prop.broken).filter((b): b is OpenMediaError => !!b);
  for (const b of broken) node.error(b.message);
  if (!server) node.status(failureStatus({ code: 'NO_SERVER' }));
  else if (broken.length) node.status(failureStatus(broken[0]));
  else node.status({});

  async function handle(msg: NodeMessage, send: SendFn, trace: { request?: RequestArgs }): Promise<void> {
    if (!server) {
      throw new OpenMediaError(`No om-server configuration is selected - ${operationLabel(operation)}`, { code: 'NO_SERVER', operation });
    }
    const raw: RequestArgs = {};
    const values = await Promise.all(params.map(({ prop }) => evaluate(RED, node, prop, msg, operation)));
    params.forEach(({ param }, i) => {
      if (values[i] !== undefined) raw[param.wire] = values[i];
    });
    const extra: Record<string, unknown> = {};
    const optionValues = await Promise.all(options.map(({ prop }) => evaluate(RED, node, prop, msg, operation)));
    options.forEach(({ option }, i) => {
      if (optionValues[i] !== undefined) extra[option.name] = optionValues[i];
    });

    const args = prepareRequest(operation, raw);
    const request = requestForMessage(args);
    trace.request = request;
    msg.openMedia = { operation, request };
    status.set({ fill: 'blue', shape: 'ring', text: 'sending' });

    const client = server.getClient();
    const result = await client.call(operation, args);
    // A status never shows server text that carries a credential (an agent's logon id the server echoed).
    const shows = (text: string): boolean => client.showsSecret(text);
    msg.payload = result;

    if (def.outputs === 2) {
      const answer = (result ?? {}) as { RequestStatus?: string; OpenMediaID?: number };
      const accepted = answer.RequestStatus === 'Success';
      if (accepted && operation === 'AddRequest') {
        msg.openMediaId = answer.OpenMediaID;
        const event: OmAddedEvent = { OpenMediaID: answer.OpenMediaID as number, request, node: node.id };
        if (extra.correlation !== undefined) event.correlation = extra.correlation;
        // Each listener on its own: one that throws neither stops the others nor fails the add, which succeeded.
        // om-events' own listener never throws, but any code holding the server node may listen too.
        for (const listener of server.rawListeners(ADDED_EVENT)) {
          try {
            listener.call(server, event);
          } catch (e) {
            node.warn(`${ADDED_EVENT} listener failed: ${(e as Error)?.message ?? String(e)}`);
          }
        }
      }
      status.set(answerStatus(operation, request, result, shows));
      send(accepted ? [msg, null] : [null, msg]);
      return;
    }
    // CancelRequest, ModifyRequest and SetOptions answer true / false; false is an answer, not a failure.
    status.set(answerStatus(operation, request, result, shows));
    send(msg);
  }

  node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
    const trace: { request?: RequestArgs } = {};
    handle(msg, send, trace).then(
      () => done(),
      (e: unknown) => {
        const err = asOpenMediaError(e, operation);
        msg.openMedia = { operation, ...(trace.request ? { request: trace.request } : {}), error: err.toJSON() };
        status.set(failureStatus(err));
        done(err);
      },
    );
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    status.close();
    done();
  });
}

module.exports = function register(RED: NodeAPI): void {
  for (const def of OPERATION_NODES) {
    const ctor = function OperationNodeCtor(this: OperationNode, config: OperationConfig): void {
      RED.nodes.createNode(this, config);
      setup(RED, this, config, def);
    };
    RED.nodes.registerType(def.type, ctor);
  }
};
