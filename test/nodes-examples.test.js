'use strict';
// The "each node" example flow, as users import it first: every operation node, with the configuration the example
// gives it, fed the payload of the inject node wired to it, in the example's order, against the demo scenario.
// Each one must pass validation and reach the service (the example's payloads follow the documented rules).
const assert = require('assert');
const path = require('path');
const { helper } = require('./support/nodered');
const { useSimulator } = require('./support/simulator');
const { loadOperation, send } = require('./support/flows');
const { operationNode } = require('../lib/operations');

const EXAMPLE = path.join(__dirname, '..', 'examples', '00-each-node.json');

describe('example flow 00-each-node through the runtime', function () {
    const ctx = useSimulator({ scenario: 'demo' });
    afterEach(async function () {
        await helper.unload();
    });

    it('every operation node of the example accepts its inject payload and reaches the service', async function () {
        const flow = require(EXAMPLE);
        const injects = flow.filter((n) => n.type === 'inject');
        const seen = new Set();
        for (const inject of injects) {
            const target = flow.find((n) => n.id === (inject.wires[0] || [])[0]);
            if (!target || !operationNode(target.type)) continue;
            seen.add(target.type);
            const props = { ...target };
            for (const k of ['id', 'type', 'server', 'wires', 'x', 'y', 'z', 'g']) delete props[k];
            const payload = inject.payloadType === 'json' ? JSON.parse(inject.payload) : inject.payload;
            const before = ctx.sim.receivedCount(operationNode(target.type).operation);
            const loaded = await loadOperation(target.type, { url: ctx.sim.url }, props);
            const r = await send(loaded, { payload, topic: inject.topic });
            await helper.unload();
            if (r.output === 'error') {
                assert.notStrictEqual(r.msg.error.code, 'INVALID_INPUT', `${target.type}: ${r.msg.error.message}`);
            }
            assert.strictEqual(ctx.sim.receivedCount(operationNode(target.type).operation), before + 1, `${target.type} sent nothing`);
        }
        assert.strictEqual(seen.size, 12, `the example covers ${[...seen].join(', ')}`);
    });
});
