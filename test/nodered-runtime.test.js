'use strict';
// Proves test/support/nodered.js: the Node-RED runtime it loads (4.1 by default, 5.x under scripts/nr5-test.sh),
// and its wait helpers, on a tiny inline node and the runtime's own core `catch` node.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, nodeRedVersion, nodeRedPath, coreNode, waitFor, waitForStatus, waitForMessage, collect } = require('./support/nodered');

// A minimal node module: doubles numeric payloads, rejects the rest with done(err) and a red status.
function doublerModule(RED) {
    function Doubler(config) {
        RED.nodes.createNode(this, config);
        this.on('input', (msg, send, done) => {
            if (typeof msg.payload !== 'number') {
                this.status({ fill: 'red', shape: 'ring', text: 'not a number' });
                done(new Error('payload must be a number'));
                return;
            }
            this.status({ fill: 'green', shape: 'dot', text: String(msg.payload * 2) });
            msg.payload *= 2;
            send(msg);
            done();
        });
    }
    RED.nodes.registerType('test-doubler', Doubler);
}

const flow = [
    { id: 'f1', type: 'tab', label: 'runtime test' },
    { id: 'd1', z: 'f1', type: 'test-doubler', name: 'doubler', wires: [['h1']] },
    { id: 'h1', z: 'f1', type: 'helper' },
    { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['h2']] },
    { id: 'h2', z: 'f1', type: 'helper' },
];

describe('Node-RED test runtime', function () {
    afterEach(async function () {
        await helper.unload();
    });

    it('loads the Node-RED that NODE_RED_PATH (or the devDependency) names and reports its version', function () {
        const expectedDir = process.env.NODE_RED_PATH
            ? nodeRedPath.slice(0, nodeRedPath.lastIndexOf(`${path.sep}lib${path.sep}`))
            : path.dirname(require.resolve('node-red/package.json'));
        const expected = JSON.parse(fs.readFileSync(path.join(expectedDir, 'package.json'), 'utf8')).version;
        assert.strictEqual(nodeRedVersion, expected);
        const major = Number(nodeRedVersion.split('.')[0]);
        assert.ok(major >= 4, `Node-RED ${nodeRedVersion} is older than the pack supports`);
        if (process.env.NODE_RED_PATH) assert.ok(major >= 5, 'NODE_RED_PATH runs are meant for Node-RED 5');
        // every module of the runtime comes from the same install (no 4.1/5.x mix in one process)
        const runtimeDir = path.dirname(path.dirname(path.dirname(nodeRedPath))) + path.sep; // …/node_modules/
        const loaded = Object.keys(require.cache).filter((f) => /[\\/]@node-red[\\/]runtime[\\/]/.test(f));
        assert.ok(loaded.length > 0);
        for (const f of loaded) assert.ok(f.startsWith(runtimeDir), `${f} is not from ${runtimeDir}`);
    });

    it('runs a node: messages, status, and collect in order', async function () {
        await helper.load(doublerModule, flow);
        const d1 = helper.getNode('d1');
        const h1 = helper.getNode('h1');
        const status = waitForStatus(d1, (s) => s.fill === 'green');
        d1.receive({ payload: 21 });
        const msg = await waitForMessage(h1, 2000);
        assert.strictEqual(msg.payload, 42);
        assert.deepStrictEqual(await status, { fill: 'green', shape: 'dot', text: '42' });

        [1, 2, 3].forEach((n) => d1.receive({ payload: n }));
        const msgs = await collect(h1, 3, 2000);
        assert.deepStrictEqual(msgs.map((m) => m.payload), [2, 4, 6]);
    });

    it('routes done(err) to the runtime\'s core catch node', async function () {
        await helper.load(doublerModule, flow);
        const d1 = helper.getNode('d1');
        const red = waitForStatus(d1, (s) => s.fill === 'red');
        d1.receive({ payload: 'x', _msgid: 'm1' });
        const caught = await waitForMessage(helper.getNode('h2'), 2000);
        assert.strictEqual(caught.error.message, 'Error: payload must be a number');
        assert.strictEqual(caught.error.source.id, 'd1');
        assert.strictEqual((await red).text, 'not a number');
    });

    it('loads core nodes from the same runtime (coreNode): inject -> doubler', async function () {
        const inject = coreNode('common/20-inject.js');
        await helper.load([inject, doublerModule], [
            ...flow,
            { id: 'i1', z: 'f1', type: 'inject', props: [{ p: 'payload' }], payload: '5', payloadType: 'num',
                repeat: '', once: false, wires: [['d1']] },
        ]);
        const h1 = helper.getNode('h1');
        helper.getNode('i1').receive({});
        assert.strictEqual((await waitForMessage(h1, 2000)).payload, 10);
        const file = require.resolve(path.join(path.dirname(nodeRedPath), '..', '..', '@node-red', 'nodes', 'core', 'common', '20-inject.js'));
        assert.ok(require.cache[file], `inject was not loaded from ${file}`);
    });

    it('bounds every wait: timeouts reject instead of hanging', async function () {
        await helper.load(doublerModule, flow);
        await assert.rejects(waitForMessage(helper.getNode('h1'), 50), /timed out after 50 ms/);
        await assert.rejects(waitFor(() => false, 30, 'never'), /timed out after 30 ms waiting for never/);
        assert.strictEqual(await waitFor(() => 'yes', 30), 'yes');
        await assert.rejects(waitFor(helper.getNode('d1'), 'call:status', 30), /timed out/);
    });

    it('serves the admin HTTP API (helper.startServer) on 127.0.0.1', async function () {
        await helper.startServer();
        try {
            await helper.load(doublerModule, flow);
            assert.match(helper.url(), /^http:\/\/127\.0\.0\.1:\d+$/);
            const res = await helper.request().get('/nothing-here');
            assert.strictEqual(res.status, 404);
        } finally {
            await helper.unload();
            await helper.stopServer();
        }
    });
});
