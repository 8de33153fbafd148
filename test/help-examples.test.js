'use strict';
// Each operation node's help shows one example: an input to paste into an inject node (<pre class="om-example-in">)
// and what comes out in msg.payload (<pre class="om-example-out">). Here each input goes through its node in a
// Node-RED runtime, against the simulator's demo contact center (the one `npx openmedia-simulator` serves), and
// what comes out must be exactly what the help shows (times aside: the service's TimeStamps are when it ran).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper } = require('./support/nodered');
const { startTestSimulator } = require('./support/simulator');
const { loadOperation, send } = require('./support/flows');
const { OPERATION_NODES } = require('../lib/operations');

const HELP = path.join(__dirname, '..', 'nodes', 'locales', 'en-US', 'om-operations.html');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function decode(html) {
    return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** type -> { inputs: [json text], outputs: [json text] } from the help file. */
function examples() {
    const html = fs.readFileSync(HELP, 'utf8');
    const out = {};
    for (const m of html.matchAll(/<script type="text\/html" data-help-name="([^"]+)">([\s\S]*?)<\/script>/g)) {
        const pick = (cls) => [...m[2].matchAll(new RegExp(`<pre class="${cls}">([\\s\\S]*?)</pre>`, 'g'))].map((x) => decode(x[1]));
        out[m[1]] = { inputs: pick('om-example-in'), outputs: pick('om-example-out') };
    }
    return out;
}

/** The same value with every service time replaced by a marker (after checking it is an ISO time). */
function withoutTimes(value, where = 'payload') {
    if (Array.isArray(value)) return value.map((v, i) => withoutTimes(v, `${where}[${i}]`));
    if (value && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value)) {
            if (k === 'TimeStamp') {
                assert.match(String(v), ISO, `${where}.${k}`);
                out[k] = '<time>';
            } else {
                out[k] = withoutTimes(v, `${where}.${k}`);
            }
        }
        return out;
    }
    return value;
}

// What the contact center must hold before the example runs: the add request example's request (id 1) for the
// nodes that ask about it, still in the queue for modify (its agents logged off first).
const BEFORE = {
    'om-cancel-request': 'add',
    'om-divert-request': 'add',
    'om-modify-request': 'add queued',
    'om-request-status': 'add',
    'om-request-history': 'add',
    'om-requests-by-time': 'add',
    'om-all-request-status': 'add',
};

describe('help pages: the example of each operation node gives the output the help shows', function () {
    const all = examples();
    let sim;
    beforeEach(async function () {
        sim = await startTestSimulator({ scenario: 'demo' });
    });
    afterEach(async function () {
        await helper.unload();
        if (sim) await sim.stop();
        sim = undefined;
    });

    it('every operation node\'s help has exactly one example input and one output, both JSON', function () {
        for (const def of OPERATION_NODES) {
            const ex = all[def.type];
            assert.ok(ex, `${def.type}: no help`);
            assert.strictEqual(ex.inputs.length, 1, `${def.type}: example inputs`);
            assert.strictEqual(ex.outputs.length, 1, `${def.type}: example outputs`);
            assert.doesNotThrow(() => JSON.parse(ex.inputs[0]), `${def.type}: input is JSON`);
            assert.doesNotThrow(() => JSON.parse(ex.outputs[0]), `${def.type}: output is JSON`);
        }
    });

    for (const def of OPERATION_NODES) {
        it(`${def.type}: the help's example, pasted as msg.payload`, async function () {
            const ex = all[def.type];
            const input = JSON.parse(ex.inputs[0]);
            const shown = JSON.parse(ex.outputs[0]);
            const before = BEFORE[def.type];
            if (before) {
                if (before === 'add queued') for (const agent of ['4001', '4002']) sim.logoff(agent);
                const add = await loadOperation('om-add-request', { url: sim.url });
                const added = await send(add, { payload: JSON.parse(all['om-add-request'].inputs[0]) });
                assert.strictEqual(added.msg.payload.OpenMediaID, 1, 'the add request example made request 1');
                await helper.unload();
            }
            const flow = await loadOperation(def.type, { url: sim.url });
            const r = await send(flow, { payload: input });
            assert.strictEqual(r.output, 0, `${def.type}: ${JSON.stringify(r.msg.error || r.msg.payload)}`);
            assert.deepStrictEqual(withoutTimes(r.msg.payload), withoutTimes(shown), def.type);
        });
    }
});
