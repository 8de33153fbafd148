'use strict';
/*
 * om-events' state in a Node-RED runtime (in process) against the simulator: an add answer that arrives while the
 * whole flow is being redeployed, the bound on recovery after an outage, a user directory that cannot hold the
 * journal, a deleted om-server, two om-servers with the same URL. The kill/restart tests with a real Node-RED
 * process are in events-crash.test.js.
 */
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { helper, waitFor, watch } = require('./support/nodered');
const { PollLoop } = require('../lib/events/poller');
const { retryDelayMs, journalFile } = require('../lib/events');
const { useEventsRuntime, NODES, buildFlow, assertSameEvents, take, ready, addRequest } = require('./support/events-flow');

/** The last status a node showed. */
function lastStatus(node) {
    const calls = helper._NodePrototype.status.getCalls().filter((c) => c.thisValue === node);
    return calls.length ? calls.at(-1).args[0] : {};
}

describe('events: state across redeploys and failures (in process)', function () {
    this.timeout(60000);
    const rt = useEventsRuntime();
    const { userDir } = rt;

    /** Events still flow with msg.request while the state cannot be saved (it is kept in memory meanwhile). */
    async function stillFlows(loop) {
        const out = helper.getNode('out');
        watch(out);
        await addRequest({ PrivateData: 'x' }, 'X');
        await loop.poll();
        const msgs = await take(out, rt.sim.eventLog.length);
        assert.ok(msgs.every((m) => m.request.correlation === 'X'), 'kept in memory meanwhile');
    }

    const ownFlow = () => buildFlow(rt.sim, {}, [
        { id: 'own', type: 'om-events', server: 'srv', start: 'now', onlyOwn: true, interval: 60, statuses: [], groups: '', wires: [['outOwn']] },
        { id: 'outOwn', type: 'helper' },
    ]);

    it('an add whose answer arrives while the whole flow (om-server included) is redeployed is still recorded: "only own" reports it', async function () {
        const flow = ownFlow();
        await helper.load(NODES, flow);
        let loop = await ready('srv', 2);
        // the service adds the request at once, but its answer is held back
        rt.sim.injectFault({ kind: 'hold', operation: 'AddRequest', phase: 'after' });
        const oldAdd = helper.getNode('add');
        oldAdd.receive({ payload: { ServiceGroupID: 101, PrivateData: 'held', IVRInfo: [{ Label: 'a', Data: 'b' }] }, correlation: 'HELD' });
        await waitFor(() => rt.sim.heldCount === 1, 5000, 'the AddRequest to be held');
        const id = rt.sim.eventLog.at(-1).ID;
        // the answer is let go only once the redeploy is stopping the nodes: it arrives while om-server closes
        let released = 0;
        oldAdd.on('close', (_removed, done) => {
            released = rt.sim.releaseHeld();
            // the new flow's first poll waits too, until this test watches the new output node
            rt.sim.injectFault({ kind: 'hold', operation: 'GetOpenMediaRequestsByTime' });
            done();
        });
        await helper.setFlows(flow, 'full');
        assert.strictEqual(released, 1);
        assert.notStrictEqual(helper.getNode('add'), oldAdd, 'every node was replaced');
        const outOwn = helper.getNode('outOwn');
        watch(outOwn); // before the first poll of the new flow: that one catches up
        await waitFor(() => rt.sim.heldCount === 1, 5000, 'the new flow\'s first poll');
        rt.sim.releaseHeld();
        loop = await ready('srv', 2);
        assert.ok(loop.correlation.has(id), 'the new flow knows the request as added here');
        rt.sim.answer(id);
        rt.sim.advance(1000);
        await loop.poll();
        const expected = rt.sim.eventLog.filter((x) => x.ID === id);
        const msgs = await take(outOwn, expected.length);
        assertSameEvents(msgs, expected, 'only own');
        for (const m of msgs) {
            assert.strictEqual(m.request.correlation, 'HELD');
            assert.strictEqual(m.payload.correlation, 'HELD');
        }
    });

    it('after an outage the first successful poll follows the first probe that works; while down, only probes at a fixed period', async function () {
        await helper.load(NODES, buildFlow(rt.sim, { interval: 1 }));
        const loop = await ready();
        const ev = helper.getNode('ev');
        const out = helper.getNode('out');
        watch(out);
        const a = await addRequest({ PrivateData: 'a' }, 'A');
        await loop.poll();
        const seen = await take(out, rt.sim.eventLog.length);

        rt.sim.injectFault({ kind: 'http', status: 503, count: -1 }); // every call fails
        const red = waitFor(ev, 'call:status', 5000, (call) => call.args[0].fill === 'red');
        const s0 = { ...loop.stats };
        for (let i = 0; i < 4; i++) await loop.poll();
        const status = (await red).args[0];
        assert.strictEqual(status.text, 'server error 503, retry 2s');
        const during = { failures: loop.stats.failures - s0.failures, probes: loop.stats.probes - s0.probes, polls: loop.stats.byTimeCalls - s0.byTimeCalls };
        assert.deepStrictEqual(during, { failures: 4, probes: 3, polls: 1 }, 'one regular poll failed, then only probes');
        assert.strictEqual(retryDelayMs(1000), 1500, 'next probe 1.5 s after each failure: within max(1 s, 2 s)');

        // while it is down the service moves on; then it answers again. The loop's own timer does the rest.
        rt.sim.answer(a);
        rt.sim.complete(a);
        rt.sim.advance(3000);
        const s1 = { ...loop.stats };
        rt.sim.clearFaults();
        await waitFor(() => loop.stats.cycles > s1.cycles, 5000, 'the first successful poll');
        assert.deepStrictEqual({
            probes: loop.stats.probes - s1.probes, polls: loop.stats.byTimeCalls - s1.byTimeCalls, failures: loop.stats.failures - s1.failures,
        }, { probes: 1, polls: 1, failures: 0 }, 'one probe, then the catch-up poll at once');
        const expected = rt.sim.eventLog;
        const rest = await take(out, expected.length - seen.length);
        assertSameEvents([...seen, ...rest], expected);
        await waitFor(() => lastStatus(ev).fill === 'green', 3000, 'the red status to go');
    });

    it('a user directory that cannot hold the journal: a yellow status and an error a Catch node sees; events still flow', async function () {
        fs.writeFileSync(path.join(userDir.dir, 'openmedia'), 'a file where the folder should be');
        // on a tab (a Catch node belongs to one), the om-server as a global config node
        const flow = [{ id: 't1', type: 'tab' }, ...buildFlow(rt.sim, {}, [
            { id: 'c1', type: 'catch', scope: ['ev'], uncaught: false, wires: [['caught']] },
            { id: 'caught', type: 'helper' },
        ]).map((n) => (n.type === 'om-server' ? n : { ...n, z: 't1' }))];
        await helper.load(NODES, flow); // the helper brings the core Catch node itself
        const ev = helper.getNode('ev');
        const caught = helper.getNode('caught');
        watch(caught);
        const loop = await ready();
        const status = await waitFor(() => helper._NodePrototype.status.getCalls()
            .find((c) => c.thisValue === ev && c.args[0].fill === 'yellow'), 5000, 'the yellow status');
        assert.deepStrictEqual(status.args[0], { fill: 'yellow', shape: 'ring', text: 'not saved: no folder' });
        const err = await waitFor(() => watch(caught).queue[0], 5000, 'the error at the Catch node');
        assert.match(err.error.message, /cannot hold the journal folder.*events-srv\.journal.*restart or crash/);
        assert.strictEqual(err.topic, 'openmedia/state');
        assert.match(err.payload.code, /^(EEXIST|ENOTDIR)$/);
        assert.strictEqual(err.payload.where, journalFile(userDir.journalDir, 'srv'));
        await stillFlows(loop);
    });

    it('another live Node-RED process holds the journal (same user directory): red status and an error naming it, its journal untouched, events still flow', async function () {
        const other = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        try {
            const file = journalFile(userDir.journalDir, 'srv');
            fs.mkdirSync(userDir.journalDir, { recursive: true });
            fs.writeFileSync(file, 'the other process\'s journal\n');
            fs.writeFileSync(`${file}.lock`, `${other.pid}\n`);
            const flow = [{ id: 't1', type: 'tab' }, ...buildFlow(rt.sim, {}, [
                { id: 'c1', type: 'catch', scope: ['ev'], uncaught: false, wires: [['caught']] },
                { id: 'caught', type: 'helper' },
            ]).map((n) => (n.type === 'om-server' ? n : { ...n, z: 't1' }))];
            await helper.load(NODES, flow);
            const ev = helper.getNode('ev');
            watch(helper.getNode('caught'));
            const loop = await ready();
            const status = await waitFor(() => helper._NodePrototype.status.getCalls()
                .find((c) => c.thisValue === ev && c.args[0].fill === 'red'), 5000, 'the red status');
            assert.deepStrictEqual(status.args[0], { fill: 'red', shape: 'ring', text: `journal in use by pid ${other.pid}` });
            const err = await waitFor(() => watch(helper.getNode('caught')).queue[0], 5000, 'the error at the Catch node');
            assert.match(err.error.message, new RegExp(`another process \\(pid ${other.pid}\\) holds the lock of`));
            assert.strictEqual(err.payload.code, 'JOURNAL_LOCKED');
            await stillFlows(loop);
            await helper.unload();
            assert.strictEqual(fs.readFileSync(file, 'utf8'), 'the other process\'s journal\n', 'untouched');
        } finally {
            other.kill('SIGKILL');
        }
    });

    it('deleting the om-server (and its om-events) deletes its journal; a stopped one keeps it', async function () {
        const flow = buildFlow(rt.sim);
        await helper.load(NODES, flow);
        await ready();
        await addRequest({ PrivateData: 'secret' }, 'S');
        const file = journalFile(userDir.journalDir, 'srv');
        await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('secret'), 2000, 'the add in the journal');
        await helper.setFlows(flow, 'full');
        assert.ok(fs.existsSync(file), 'a redeploy keeps it');
        await helper.setFlows([{ id: 'other', type: 'helper' }], 'full');
        assert.ok(!fs.existsSync(file), 'the om-server is gone: so is what it kept (PrivateData)');
    });

    it('two om-servers with the same URL: each its own journal, each om-events knows the adds of its own server', async function () {
        const flow = [
            ...ownFlow(),
            { id: 'srv2', type: 'om-server', url: rt.sim.url, timeout: 10, wsdlSource: 'bundled' },
            { id: 'own2', type: 'om-events', server: 'srv2', start: 'now', onlyOwn: true, interval: 60, statuses: [], groups: '', wires: [['outOwn2']] },
            { id: 'outOwn2', type: 'helper' },
        ];
        await helper.load(NODES, flow);
        const loop = await ready('srv', 2);
        const loop2 = await ready('srv2', 1);
        watch(helper.getNode('outOwn'));
        watch(helper.getNode('outOwn2'));
        const id = await addRequest({ PrivateData: 'via srv' }, 'ONE');
        rt.sim.advance(1000);
        await loop.poll();
        await loop2.poll();
        const mine = await take(helper.getNode('outOwn'), rt.sim.eventLog.length);
        assert.ok(mine.every((m) => m.payload.ID === id));
        assert.ok(loop2.subscriptions[0].pending.some((r) => r.ID === id), 'srv2 holds them back: not added through srv2');
        assert.strictEqual(watch(helper.getNode('outOwn2')).queue.length, 0);
        assert.notStrictEqual(journalFile(userDir.journalDir, 'srv'), journalFile(userDir.journalDir, 'srv2'));
        assert.ok(fs.existsSync(journalFile(userDir.journalDir, 'srv2')));
    });
});
