'use strict';
/*
 * What om-events' state records, and for how long, depends on the om-events nodes that follow a server (in process,
 * against the simulator): disabled nodes and nodes on a disabled tab follow nothing, so adds made meanwhile are not
 * recorded and cannot turn into made-up "Failed: RequestVanished" events when the nodes are enabled long after; the
 * state is let go with the last om-events node of its server (any deploy type) and its journal kept, so nodes added
 * back go on from their place; the state of a node deleted while Node-RED was down goes once the flows started, the
 * journal of an om-server that is not in the flows too; terminated requests are forgotten without a poll cycle.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { helper, waitFor, watch } = require('./support/nodered');
const { journalFile, peekLoopState, LoopState, JournalStore, stateSettings } = require('../lib/events');
const { useEventsRuntime, NODES, buildFlow, take, ready, addRequest } = require('./support/events-flow');

describe('events: the state follows the om-events nodes that run', function () {
    this.timeout(60000);
    const rt = useEventsRuntime();
    const { userDir } = rt;

    /** om-server, an add node, "all" and "only own" on tab t1 (disabled when `off`), and one on a disabled tab t2. */
    function flow(off) {
        const nodes = buildFlow(rt.sim, { z: 't1', d: off || undefined, interval: 60 }, [
            { id: 'own', type: 'om-events', z: 't1', d: off || undefined, server: 'srv', start: 'now', onlyOwn: true, interval: 60, statuses: [], groups: '', wires: [['outOwn']] },
            { id: 'outOwn', type: 'helper', z: 't1' },
            { id: 'offTab', type: 'om-events', z: 't2', server: 'srv', start: 'now', onlyOwn: false, interval: 60, statuses: [], groups: '', wires: [[]] },
        ]).map((n) => (n.type === 'om-server' || n.z ? n : { ...n, z: 't1' }));
        return [{ id: 't1', type: 'tab', label: 'events' }, { id: 't2', type: 'tab', label: 'off', disabled: true }, ...nodes];
    }

    const file = () => journalFile(userDir.journalDir, 'srv');

    it('adds made while every om-events node is disabled are not recorded; enabled 40 minutes later: no made-up Failed, new adds are "own"', async function () {
        await helper.load(NODES, flow(true));
        const ids = [];
        for (let i = 0; i < 10; i++) ids.push(await addRequest({ PrivateData: `p${i}` }, `C${i}`));
        for (const id of ids) { rt.sim.answer(id); rt.sim.complete(id); }
        assert.strictEqual(peekLoopState(userDir.journalDir, 'srv'), undefined, 'no state while nothing follows');
        assert.ok(!fs.existsSync(file()), 'nothing written (no PrivateData kept for nobody)');
        rt.sim.advance(40 * 60000); // past the service's DataExpiration: it forgets them

        await helper.setFlows(flow(false), 'nodes');
        const loop = await ready('srv', 2);
        const out = helper.getNode('out');
        const outOwn = helper.getNode('outOwn');
        watch(out);
        watch(outOwn);
        await loop.poll(); // the first cycle ran the restart check: a second one too
        assert.strictEqual(loop.stats.fullChecks, 0, 'no request of ours to look for');
        const id = await addRequest({ PrivateData: 'after' }, 'AFTER');
        rt.sim.answer(id);
        rt.sim.complete(id);
        await loop.poll();
        const expected = rt.sim.eventLog.filter((e) => e.ID === id);
        const got = await take(outOwn, expected.length);
        assert.deepStrictEqual(got.map((m) => [m.payload.ID, m.payload.Status, m.request.correlation]), expected.map((e) => [e.ID, e.Status, 'AFTER']));
        const all = await take(out, expected.length);
        assert.ok(all.every((m) => m.payload.ID === id && !m.payload.DetectedBy), JSON.stringify(all.map((m) => m.payload)));
        assert.strictEqual(watch(outOwn).queue.length + watch(out).queue.length, 0, 'no made-up Failed for the 10 requests');
    });

    for (const type of ['nodes', 'flows']) {
        it(`the om-events nodes disabled, then enabled ("${type}" deploys, om-server kept): no add recorded meanwhile, the journal kept; enabled, they go on from their place, "only own" too`, async function () {
            const both = flow(false);
            await helper.load(NODES, both);
            const first = await ready('srv', 2);
            const before = await addRequest({ PrivateData: 'before' }, 'BEFORE');
            await first.poll();
            const mark = rt.sim.eventLog.length; // what came before the disable was sent then
            const server = helper.getNode('srv');
            await helper.setFlows(flow(true), type);
            assert.strictEqual(helper.getNode('srv'), server, 'the om-server was not restarted');
            await waitFor(() => !peekLoopState(userDir.journalDir, 'srv'), 2000, 'the state to be let go');
            assert.ok(fs.readFileSync(file(), 'utf8').includes('BEFORE'), 'its journal stays, with the add from before');
            const meanwhile = await addRequest({ PrivateData: 'secret-meanwhile' }, 'MEANWHILE');
            assert.ok(!fs.readFileSync(file(), 'utf8').includes('secret-meanwhile'), 'nothing recorded for nobody');
            rt.sim.answer(before); // changes while no node follows: they come out once the nodes are enabled again

            await helper.setFlows(both, type);
            // watched before the first poll answers (it sends what happened while they were disabled)
            const outOwn = helper.getNode('outOwn');
            const out = helper.getNode('out');
            watch(outOwn);
            watch(out);
            assert.strictEqual(helper.getNode('srv'), server, 'still the same om-server');
            const loop = await ready('srv', 2);
            assert.notStrictEqual(loop, first, 'a loop on the state open now');
            const after = await addRequest({ PrivateData: 'after' }, 'AFTER');
            rt.sim.complete(before);
            rt.sim.answer(after);
            await loop.poll();
            const own = rt.sim.eventLog.slice(mark).filter((e) => e.ID === before || e.ID === after);
            const got = await take(outOwn, own.length);
            assert.deepStrictEqual(got.map((m) => [m.payload.ID, m.payload.Status, m.request.correlation]).sort(),
                own.map((e) => [e.ID, e.Status, e.ID === before ? 'BEFORE' : 'AFTER']).sort(),
                'the change made while they were away, the later ones, with their correlations');
            await take(out, own.length + rt.sim.eventLog.slice(mark).filter((e) => e.ID === meanwhile).length);
            await loop.state.flush();
            assert.ok(/\["s","own"/.test(fs.readFileSync(file(), 'utf8').split('\n').slice(-20).join('\n')), 'its place is written again');
        });
    }

    it('the last om-events nodes of a server deleted ("nodes" deploy, om-server kept): the state and journal go, later adds are not recorded', async function () {
        const both = flow(false);
        await helper.load(NODES, both);
        const loop = await ready('srv', 2);
        await addRequest({ PrivateData: 'secret-1' }, 'S1');
        await loop.poll();
        await waitFor(() => fs.existsSync(file()) && fs.readFileSync(file(), 'utf8').includes('secret-1'), 2000, 'the add in the journal');
        const server = helper.getNode('srv');
        await helper.setFlows(both.filter((n) => !['own', 'ev', 'offTab'].includes(n.id)), 'nodes');
        assert.strictEqual(helper.getNode('srv'), server, 'the om-server was not restarted');
        await waitFor(() => !fs.existsSync(file()) && !peekLoopState(userDir.journalDir, 'srv'), 2000, 'the state and its journal to go');
        await addRequest({ PrivateData: 'secret-2' }, 'S2');
        assert.ok(!fs.existsSync(file()), 'nothing recorded for nobody');
    });

    it('at start, the journals of om-servers that are not in the flows go (with their lock and set-aside copies); the others stay', async function () {
        fs.mkdirSync(userDir.journalDir, { recursive: true });
        const gone = journalFile(userDir.journalDir, 'gone');
        fs.writeFileSync(gone, 'a journal with PrivateData\n');
        fs.writeFileSync(`${gone}.lock`, '999999999\n');
        fs.writeFileSync(`${gone}.unreadable-${Date.now()}`, 'PrivateData\n');
        await helper.load(NODES, flow(false));
        await ready('srv', 2);
        await waitFor(() => !fs.readdirSync(userDir.journalDir).some((n) => n.startsWith(path.basename(gone))), 2000, 'the other server\'s journal to go');
        assert.ok(fs.existsSync(file()), 'the journal of the flows\' om-server stays');
    });

    it('the state of an om-events node deleted while Node-RED was down goes once the flows started; the others stay', async function () {
        const both = flow(false);
        await helper.load(NODES, both);
        await ready('srv', 2);
        await helper.unload(); // a clean stop: both states written
        const text = fs.readFileSync(file(), 'utf8');
        assert.ok(text.includes('["s","own"') && text.includes('["s","ev"'));
        await helper.load(NODES, both.filter((n) => n.id !== 'own' && n.id !== 'outOwn'));
        await ready('srv', 1);
        const state = peekLoopState(userDir.journalDir, 'srv');
        await waitFor(() => state.subscriber('own') === undefined, 2000, 'the deleted node\'s state to go');
        assert.ok(state.subscriber('ev'), 'the remaining node keeps its state');
        await state.flush();
        assert.ok(fs.readFileSync(file(), 'utf8').includes('["r","own"]'), 'and the journal says so');
    });
});

describe('events: terminated requests are forgotten without a poll cycle', function () {
    let dir;
    let state;
    const saved = stateSettings.expireEveryMs;

    afterEach(async function () {
        stateSettings.expireEveryMs = saved;
        if (state) await state.close(false);
        state = undefined;
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('after DataExpiration on the service clock last seen (plus the time since), with no loop running', async function () {
        stateSettings.expireEveryMs = 30;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-expire-'));
        state = new LoopState('http://x/', new JournalStore(dir, 'srv', 'http://x/'));
        const t = Date.UTC(2025, 0, 1);
        state.added({ OpenMediaID: 7, request: { PrivateData: 'p' } });
        state.added({ OpenMediaID: 8, request: { PrivateData: 'q' } });
        state.correlation.observe([{ ID: 7, Status: 'Complete', TimeStamp: new Date(t).toISOString(), ServiceGroupID: 101 }]);
        state.correlation.takeChanges();
        // the last poll saw the service at t + 60 s with a DataExpiration of 60 s; then no cycle ran
        state.noteServiceTime(t + 60000, 60000);
        await waitFor(() => !state.correlation.has(7), 2000, 'the terminated request to be forgotten');
        assert.ok(state.correlation.has(8), 'an open one stays');
        await state.flush();
        const store = new JournalStore(dir, 'srv', 'http://x/');
        const reread = store.load({ problem() {}, warn() {} });
        await store.close(false);
        assert.deepStrictEqual(reread.correlations.map((e) => e[0]), [8], 'the journal forgot it too');
    });
});
