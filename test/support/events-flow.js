'use strict';
/*
 * What the om-events tests in a Node-RED runtime share: the flow, the reference comparison against the simulator's
 * event log, and waits on the shared poll loop (never on time).
 *
 *   const ev = require('./support/events-flow');
 *   ev.NODES                      the pack's node modules for helper.load
 *   ev.buildFlow(sim, events?, extra?)   om-server "srv", om-events "ev" -> helper "out", om-add-request "add" ->
 *                                 helper "added" / "rejected"; `events` overrides ev's properties
 *   ev.assertSameEvents(msgs, expected, what?)   same records, same order per request
 *   ev.take(node, count, timeoutMs?)  the next `count` messages, then proof that no further one is queued
 *   ev.flush()                    lets Node-RED deliver what was sent (a few turns of the event loop)
 *   ev.ready(srvId?, subscribers?)   the server's poll loop once it has run its first cycle
 *   ev.addRequest(payload, correlation?)   through om-add-request "add"; resolves with the new id
 *   ev.useEventsRuntime()         in a describe: per test a simulator (rt.sim, manual clock) and a temporary user
 *                                 directory (rt.userDir, see userdir.js); afterwards the flows are unloaded and the
 *                                 simulator stopped
 */
const assert = require('assert');
const { helper, waitFor, collect, watch, waitForMessage } = require('./nodered');
const omServer = require('../../nodes/om-server.js');
const omEvents = require('../../nodes/om-events.js');
const omOperations = require('../../nodes/om-operations.js');
const { PollLoop } = require('../../lib/events/poller');
const { startTestSimulator } = require('./simulator');
const { useTempUserDir } = require('./userdir');

const NODES = [omServer, omEvents, omOperations];

function buildFlow(sim, events = {}, extra = []) {
    return [
        { id: 'srv', type: 'om-server', name: 'sim', url: sim.url, timeout: 10, wsdlSource: 'bundled' },
        {
            id: 'ev', type: 'om-events', name: 'events', server: 'srv', start: 'now', statuses: [], groups: '',
            onlyOwn: false, outputPerStatus: false, interval: 60, dataExpiration: 30, checkEvery: 12, store: '',
            wires: [['out']], ...events,
        },
        { id: 'out', type: 'helper' },
        { id: 'add', type: 'om-add-request', server: 'srv', wires: [['added'], ['rejected']] },
        { id: 'added', type: 'helper' },
        { id: 'rejected', type: 'helper' },
        ...extra,
    ];
}

const keyOf = (r) => `${r.ID}|${r.Status}|${new Date(r.TimeStamp).toISOString()}`;

/** { id: [key, key ...] } in order: equal maps = same records, same order per request. */
function perRequest(records) {
    const out = {};
    for (const r of records) (out[r.ID] = out[r.ID] || []).push(keyOf(r));
    return out;
}

function assertSameEvents(msgs, expected, what = 'events') {
    const got = msgs.map((m) => m.payload);
    assert.strictEqual(got.length, expected.length, `${what}: ${got.length} messages for ${expected.length} events`);
    assert.deepStrictEqual(perRequest(got), perRequest(expected), what);
}

/** Lets Node-RED deliver what was sent (its delivery is asynchronous), without waiting on time. */
async function flush() {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The next `count` messages at `node`, then proof that no further one is queued. */
async function take(node, count, timeoutMs = 5000) {
    const msgs = count > 0 ? await collect(node, count, timeoutMs) : [];
    await flush();
    const extra = watch(node).queue;
    assert.strictEqual(extra.length, 0, `unexpected extra message(s): ${extra.map((m) => m.topic).join(', ')}`);
    return msgs;
}

async function ready(srvId = 'srv', subscribers = 1) {
    const srv = helper.getNode(srvId);
    return waitFor(() => {
        // peek: looking must not create a loop (nor its listener) on the server
        const loop = PollLoop.peek(srv);
        return loop && loop.subscriberCount >= subscribers && loop.stats.cycles + loop.stats.failures >= 1 && loop;
    }, 5000, 'the om-events loop to run its first cycle');
}

async function addRequest(payload, correlation) {
    const add = helper.getNode('add');
    const msg = { payload: { ServiceGroupID: 101, IVRInfo: [{ Label: 'Subject', Data: 'test' }], ...payload } };
    if (correlation !== undefined) msg.correlation = correlation;
    const answer = waitForMessage(helper.getNode('added'), 5000);
    add.receive(msg);
    const out = await answer;
    return out.payload.OpenMediaID;
}

function useEventsRuntime() {
    const rt = { sim: undefined, userDir: undefined };
    beforeEach(async function () {
        rt.sim = await startTestSimulator();
    });
    afterEach(async function () {
        await helper.unload();
        helper.settings({});
        if (rt.sim) await rt.sim.stop();
        rt.sim = undefined;
    });
    rt.userDir = useTempUserDir(helper);
    return rt;
}

module.exports = { useEventsRuntime, NODES, buildFlow, keyOf, perRequest, assertSameEvents, flush, take, ready, addRequest };
