'use strict';
/*
 * Building Node-RED test flows for the operation nodes.
 *
 *   const { loadOperation, nodes, TYPES } = require('./support/flows');
 *   const ctx = await loadOperation('om-add-request', { url: sim.url }, { ServiceGroupID: '101', ServiceGroupIDType: 'num' });
 *   ctx.op.receive({ payload: {...} });  await waitForMessage(ctx.out[0]);  ctx.errors (the catch node's helper)
 *
 * loadOperation(type, server?, props?, { credentials, extra }?)
 *     loads: om-server (id 'srv', given props: url, timeout (s), tls, wsdlSource) -> the operation node (id 'op',
 *     props = its typedInputs etc.) -> one helper node per output ('out0', 'out1'), plus a core catch node (the helper
 *     provides it) scoped to the op node -> helper 'caught'. Credentials go to the server node ({ logonId, password }). Resolves
 *     { op, server, out: [helper...], caught, flow }.
 * outcome(ctx, timeoutMs?) / send(ctx, msg, timeoutMs?)
 *     the first output of the op node: { output: 0 | 1 | 'error', msg } ('error' = what the catch node got).
 * NODES  the modules to load (om-server, om-operations).
 */
const path = require('path');
const { helper } = require('./nodered');

const root = path.join(__dirname, '..', '..');
const serverNode = require(path.join(root, 'nodes', 'om-server.js'));
const operationsNode = require(path.join(root, 'nodes', 'om-operations.js'));
const { OPERATION_NODES } = require(path.join(root, 'lib', 'operations.js'));

const NODES = [serverNode, operationsNode];

function outputsOf(type) {
    const row = OPERATION_NODES.find((n) => n.type === type);
    if (!row) throw new Error(`unknown operation node ${type}`);
    return row.outputs;
}

function flowFor(type, server = {}, props = {}, extra = []) {
    const outputs = outputsOf(type);
    const wires = [];
    const helpers = [];
    for (let i = 0; i < outputs; i++) {
        wires.push([`out${i}`]);
        helpers.push({ id: `out${i}`, z: 'f1', type: 'helper' });
    }
    return [
        { id: 'f1', type: 'tab', label: 'test' },
        { id: 'srv', type: 'om-server', name: 'sim', timeout: 5, ...server },
        { id: 'op', z: 'f1', type, name: type, server: 'srv', ...props, wires },
        ...helpers,
        { id: 'catcher', z: 'f1', type: 'catch', scope: ['op'], uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
        ...extra,
    ];
}

async function loadOperation(type, server = {}, props = {}, { credentials, extra = [], modules = [] } = {}) {
    const flow = flowFor(type, server, props, extra);
    const creds = credentials ? { srv: credentials } : {};
    await helper.load([...NODES, ...modules], flow, creds);
    const out = [];
    for (let i = 0; i < outputsOf(type); i++) out.push(helper.getNode(`out${i}`));
    return { op: helper.getNode('op'), server: helper.getNode('srv'), out, caught: helper.getNode('caught'), flow };
}

/**
 * The first thing that comes out of the op node: a message on output i (`{ output: i, msg }`) or an error that
 * reached the catch node (`{ output: 'error', msg }`). Rejects after timeoutMs.
 */
function outcome(ctx, timeoutMs = 4000) {
    return new Promise((resolve, reject) => {
        const taps = [];
        const finish = (value, err) => {
            clearTimeout(timer);
            for (const [node, fn] of taps) node.removeListener('input', fn);
            if (err) reject(err);
            else resolve(value);
        };
        const tap = (node, output) => {
            const fn = (msg) => finish({ output, msg });
            taps.push([node, fn]);
            node.on('input', fn);
        };
        ctx.out.forEach((node, i) => tap(node, i));
        tap(ctx.caught, 'error');
        const timer = setTimeout(() => finish(null, new Error(`no outcome from ${ctx.op.type} within ${timeoutMs} ms`)), timeoutMs);
    });
}

/** Sends msg into the op node and resolves with its outcome. */
function send(ctx, msg, timeoutMs) {
    const p = outcome(ctx, timeoutMs);
    ctx.op.receive(msg);
    return p;
}

module.exports = { NODES, flowFor, loadOperation, outputsOf, outcome, send };
