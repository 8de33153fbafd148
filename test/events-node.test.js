'use strict';
/*
 * om-events in a Node-RED runtime against the simulator (manual clock, real HTTP on 127.0.0.1).
 *
 * The reference is the simulator's own event log (sim.eventLog): every status event the service generated. The
 * node's messages must be exactly that log (same records, in order per request), no record lost or repeated,
 * across redeploys, restarts, service faults and clock skew. Polls are triggered by the loop's poll() (which
 * resolves after a whole cycle that started after the call) or by an input message; nothing waits on real time
 * except the shared-loop test, which measures the poll rate over about three seconds.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { helper, waitFor, watch, waitForMessage } = require('./support/nodered');
const { PollLoop } = require('../lib/events/poller');
const { startTestSimulator, freePort } = require('./support/simulator');
const { useEventsRuntime, NODES, buildFlow, assertSameEvents, flush, take, ready, addRequest } = require('./support/events-flow');

/** Adds through the shared client (fast path for many requests); tells om-events as om-add-request would. */
async function addMany(n, group = 101) {
    const srv = helper.getNode('srv');
    const ids = [];
    for (let i = 0; i < n; i += 50) {
        const batch = [];
        for (let j = i; j < Math.min(n, i + 50); j++) {
            const request = { ServiceGroupID: group, IVRInfo: [{ Label: 'n', Data: String(j) }] };
            batch.push(srv.getClient().call('AddRequest', request).then((a) => {
                assert.strictEqual(a.RequestStatus, 'Success');
                srv.emit('openmedia:added', { OpenMediaID: a.OpenMediaID, request, correlation: `C-${j}`, node: 'test' });
                return a.OpenMediaID;
            }));
        }
        ids.push(...(await Promise.all(batch)));
    }
    return ids.sort((a, b) => a - b);
}

describe('events: om-events node in Node-RED, against the simulator', function () {
    this.timeout(60000);
    const rt = useEventsRuntime();
    const userDir = rt.userDir;
    let sim;
    beforeEach(function () {
        sim = rt.sim;
    });

    it('follows the full life of requests: exactly the service event log, in order, with msg.request', async function () {
        await helper.load(NODES, buildFlow(sim));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);

        // Two free agents in group 101: the first two are allocated at once, the rest queue.
        const a = await addRequest({ PrivateData: 'mail 1', IVRInfo: [{ Label: 'Ticket', Data: 'T-1' }] }, 'T-1');
        const b = await addRequest({ PrivateData: 'mail 2' }, { ticket: 'T-2' });
        const c = await addRequest({ PrivateData: 'to cancel' }, 'T-3');
        const d = await addRequest({ PrivateData: 'to divert' }, 'T-4');
        sim.advance(1000);
        await loop.poll();
        sim.answer(a);
        sim.advance(1000);
        sim.complete(a); // agent 1001 frees up and takes c
        const client = helper.getNode('srv').getClient();
        await client.call('CancelRequest', { OpenMediaID: c, CancelIfAllocated: true, DoNotReport: false });
        await client.call('DivertRequest', { OpenMediaID: d, ServiceGroupID: 102 });
        await loop.poll();
        // a forced preferred agent who never becomes free: the request fails after the group's timeout (10 s)
        const e = await addRequest({ ServiceGroupID: 103, PreferredAgentID: 1004, ForceToPreferredAgent: true }, 'T-5');
        sim.advance(11000);
        sim.answer(b);
        sim.complete(b);
        await loop.poll();

        const expected = sim.eventLog;
        const statuses = new Set(expected.map((x) => x.Status));
        for (const s of ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete', 'Cancelled', 'Failed']) {
            assert.ok(statuses.has(s), `the scenario produced ${s}`);
        }
        const msgs = await take(out, expected.length);
        assertSameEvents(msgs, expected);

        const complete = msgs.find((m) => m.payload.ID === a && m.payload.Status === 'Complete');
        assert.strictEqual(complete.topic, `openmedia/${a}/Complete`);
        assert.strictEqual(complete.openMediaId, a);
        assert.strictEqual(complete.payload.StatusCode, 4);
        assert.strictEqual(complete.payload.AgentID > 0, true);
        assert.strictEqual(typeof complete.payload.LogonID, 'string');
        // what a default debug node shows collapsed (its first five keys): status, id, time, correlation, agent;
        // the help's example has the very same keys in the same order
        assert.deepStrictEqual(Object.keys(complete.payload),
            ['Status', 'ID', 'TimeStamp', 'correlation', 'AgentID', 'ServiceGroupID', 'QueuePosition', 'StatusCode', 'LogonID', 'TenantID']);
        const help = fs.readFileSync(path.join(__dirname, '..', 'nodes', 'locales', 'en-US', 'om-events.html'), 'utf8');
        const example = JSON.parse(/<pre class="om-example-out">([\s\S]*?)<\/pre>/.exec(help)[1]);
        assert.deepStrictEqual(Object.keys(example), Object.keys(complete.payload));
        assert.strictEqual(complete.payload.correlation, 'T-1');
        assert.strictEqual(complete.request.correlation, 'T-1');
        assert.strictEqual(complete.request.PrivateData, 'mail 1');
        assert.deepStrictEqual(complete.request.IVRInfo, [{ Label: 'Ticket', Data: 'T-1' }]);
        const bMsg = msgs.find((m) => m.payload.ID === b);
        assert.deepStrictEqual(bMsg.request.correlation, { ticket: 'T-2' });
        assert.deepStrictEqual(bMsg.payload.correlation, { ticket: 'T-2' });
        assert.notStrictEqual(bMsg.payload.correlation, bMsg.request.correlation, 'two copies: changing one leaves the other');
        const failed = msgs.find((m) => m.payload.ID === e && m.payload.Status === 'Failed');
        assert.ok(failed && failed.payload.DetectedBy === undefined, 'a Failed the service sent is not marked');
        // queued record keeps its queue position as at the event
        const queuedC = msgs.find((m) => m.payload.ID === c && m.payload.Status === 'Queued');
        assert.ok(queuedC.payload.QueuePosition >= 1);
    });

    it('1,000 concurrent requests, every kind of life: exactly the event log, in order per request', async function () {
        this.timeout(180000);
        await helper.load(NODES, buildFlow(sim));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const allocated = [];
        const off = sim.model.onEvent((e) => { if (e.Status === 'AllocatedToAgent') allocated.push(e.ID); });
        try {
            const ids = await addMany(1000);
            sim.advance(1000);
            await loop.poll();
            // a tenth cancelled, a tenth diverted to another group, while they wait
            const client = helper.getNode('srv').getClient();
            const cancel = ids.filter((_, i) => i % 10 === 3);
            const divert = ids.filter((_, i) => i % 10 === 5);
            for (let i = 0; i < cancel.length; i += 25) {
                await Promise.all(cancel.slice(i, i + 25).map((id) => client.call('CancelRequest',
                    { OpenMediaID: id, CancelIfAllocated: true, DoNotReport: false })));
                await Promise.all(divert.slice(i, i + 25).map((id) => client.call('DivertRequest', { OpenMediaID: id, ServiceGroupID: 102 })));
            }
            sim.advance(1000);
            await loop.poll();
            // the agents work through 600 of them (each completion allocates the next); a poll every 100
            let done = 0;
            while (allocated.length && done < 600) {
                const id = allocated.shift();
                sim.answer(id);
                sim.advance(5);
                sim.complete(id);
                if (++done % 100 === 0) {
                    sim.advance(1000);
                    await loop.poll();
                }
            }
            // then the router connection drops: the service fails every request still open
            sim.disconnectRouter();
            sim.advance(1000);
            await loop.poll();
            sim.reconnectRouter();
            await loop.poll();
        } finally {
            off();
        }
        const expected = sim.eventLog;
        const statuses = new Set(expected.map((x) => x.Status));
        for (const st of ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete', 'Cancelled', 'Failed']) {
            assert.ok(statuses.has(st), `the run produced ${st}`);
        }
        assert.ok(expected.filter((x) => x.Status === 'Queued' && x.ServiceGroupID === 102).length >= 90, 'diverted ones queued again');
        const msgs = await take(out, expected.length, 30000);
        assertSameEvents(msgs, expected);
        assert.strictEqual(msgs.filter((m) => m.request && /^C-\d+$/.test(m.request.correlation)).length, expected.length);
    });

    it('an input message polls at once; the status shows the last change', async function () {
        await helper.load(NODES, buildFlow(sim));
        await ready();
        const out = helper.getNode('out');
        const ev = helper.getNode('ev');
        const before = sim.receivedCount('GetOpenMediaRequestsByTime');
        const id = await addRequest({ PrivateData: 'x' });
        const got = waitForMessage(out, 5000, (m) => m.payload.ID === id && m.payload.Status === 'Queued');
        ev.receive({ payload: 'poll' });
        await got;
        assert.ok(sim.receivedCount('GetOpenMediaRequestsByTime') > before);
        // the last change in the words the operation nodes use for a status record (lib/status.ts)
        const life = sim.eventLog.filter((x) => x.ID === id);
        assert.deepStrictEqual(life.map((x) => x.Status), ['Queued', 'AllocatedToAgent'], 'a free agent took it at once');
        const agent = life[1].LogonID;
        assert.ok(agent, 'the agent has a logon id');
        const shows = (text) => waitFor(ev, 'call:status', 3000, (call) => call.args[0].text === text)
            .then((call) => assert.deepStrictEqual(call.args[0], { fill: 'green', shape: 'dot', text }));
        await shows(`#${id} offered to agent ${agent}`);
        sim.answer(id);
        ev.receive({ payload: 'poll' });
        await shows(`#${id} with agent ${agent}`);
        sim.complete(id);
        ev.receive({ payload: 'poll' });
        await shows(`#${id} complete by ${agent}`);
    });

    it('filters by status and group, and splits outputs per status', async function () {
        await helper.load(NODES, buildFlow(sim, {
            statuses: ['Queued', 'Complete'], groups: '101', outputPerStatus: true, outputs: 2,
            wires: [['outQueued'], ['outComplete']],
        }, [{ id: 'outQueued', type: 'helper' }, { id: 'outComplete', type: 'helper' }]));
        const loop = await ready();
        const q = helper.getNode('outQueued');
        const c = helper.getNode('outComplete');
        watch(q);
        watch(c);
        const a = await addRequest({ PrivateData: 'a' });
        const other = await addRequest({ ServiceGroupID: 102 });
        sim.answer(a);
        sim.complete(a);
        await loop.poll();
        const queued = await take(q, 1);
        const complete = await take(c, 1);
        assert.strictEqual(queued[0].payload.ID, a);
        assert.strictEqual(complete[0].payload.ID, a);
        assert.ok(sim.eventLog.some((x) => x.ID === other), 'the other group did produce events');
    });

    it('"only requests added here" skips requests added elsewhere', async function () {
        await helper.load(NODES, buildFlow(sim, { onlyOwn: true }));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const foreign = await helper.getNode('srv').getClient().call('AddRequest', { ServiceGroupID: 101, PrivateData: 'elsewhere', IVRInfo: [{ Label: 'a', Data: 'b' }] });
        const own = await addRequest({ PrivateData: 'mine' }, 'T-9');
        await loop.poll();
        const expected = sim.eventLog.filter((x) => x.ID === own);
        const msgs = await take(out, expected.length);
        assertSameEvents(msgs, expected);
        assert.ok(sim.eventLog.some((x) => x.ID === foreign.OpenMediaID));
        assert.strictEqual(msgs[0].request.correlation, 'T-9');
    });

    it('a correlation value that cannot be cloned loses no event; later changes of the add\'s msg do not show', async function () {
        await helper.load(NODES, buildFlow(sim));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const add = helper.getNode('add');
        const addOne = async (data, correlation) => {
            const answered = waitForMessage(helper.getNode('added'), 5000);
            add.receive({ payload: { ServiceGroupID: 101, PrivateData: data, IVRInfo: [{ Label: 'Subject', Data: data }] }, correlation });
            return answered;
        };
        const first = await addOne('one', { ticket: 'T-1', notify() { return 'a function'; } });
        const second = await addOne('two', 'T-2');
        // a downstream function edits what the add node sent out
        first.openMedia.request.PrivateData = 'edited';
        first.openMedia.request.IVRInfo[0].Data = 'edited';
        first.correlation.ticket = 'edited';
        second.openMedia.request.PrivateData = 'edited';
        sim.advance(1000);
        await loop.poll();
        sim.answer(first.payload.OpenMediaID);
        sim.answer(second.payload.OpenMediaID);
        await loop.poll();
        const expected = sim.eventLog;
        const msgs = await take(out, expected.length);
        assertSameEvents(msgs, expected);
        for (const m of msgs) {
            const one = m.payload.ID === first.payload.OpenMediaID;
            assert.strictEqual(m.request.PrivateData, one ? 'one' : 'two');
            assert.deepStrictEqual(m.request.correlation, one ? { ticket: 'T-1' } : 'T-2');
            if (one) assert.deepStrictEqual(m.request.IVRInfo, [{ Label: 'Subject', Data: 'one' }]);
        }
        assert.ok(msgs.some((m) => m.payload.ID === first.payload.OpenMediaID && m.payload.Status === 'AgentProcessing'));
    });

    it('"only own": an AddRequest answer held back past the overlap: its Queued still goes out, with msg.request', async function () {
        await helper.load(NODES, buildFlow(sim, { onlyOwn: true }));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        sim.injectFault({ kind: 'hold', phase: 'after', operation: 'AddRequest' });
        const answered = waitForMessage(helper.getNode('added'), 5000);
        helper.getNode('add').receive({ payload: { ServiceGroupID: 101, PrivateData: 'late', IVRInfo: [{ Label: 'a', Data: 'b' }] }, correlation: 'LATE' });
        await waitFor(() => sim.heldCount === 1, 5000, 'the AddRequest answer to be held');
        const stamped = sim.eventLog.slice();
        assert.ok(stamped.length >= 1 && stamped[0].Status === 'Queued', 'the service stamped Queued before answering');
        // om-events sees those records before the answer, then its window moves past them (overlap 5 s)
        sim.advance(1000);
        await loop.poll();
        sim.advance(20000);
        await loop.poll();
        sim.advance(1000);
        await loop.poll();
        await flush();
        assert.strictEqual(watch(out).queue.length, 0, 'not known as ours yet');
        assert.strictEqual(sim.releaseHeld(), 1);
        const id = (await answered).payload.OpenMediaID;
        const msgs = await take(out, stamped.length);
        assertSameEvents(msgs, stamped);
        assert.ok(msgs.every((m) => m.payload.ID === id && m.request.correlation === 'LATE'));
        // and the rest of its life as usual, nothing twice
        sim.answer(id);
        sim.complete(id);
        await loop.poll();
        const rest = await take(out, sim.eventLog.length - stamped.length);
        assertSameEvents([...msgs, ...rest], sim.eventLog);
    });

    it('"only own": a request added by others is held only until it can no longer be ours, then dropped', async function () {
        await helper.load(NODES, buildFlow(sim, { onlyOwn: true, interval: 1 }));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const foreign = await helper.getNode('srv').getClient().call('AddRequest', { ServiceGroupID: 101, PrivateData: 'elsewhere', IVRInfo: [{ Label: 'a', Data: 'b' }] });
        await loop.poll();
        const [sub] = loop.subscriptions;
        assert.ok(sub.pending.some((r) => r.ID === foreign.OpenMediaID), 'held');
        sim.advance(10000 + 1000 + 5000 + 1); // the server timeout + the interval + the overlap, in service time
        await loop.poll();
        assert.deepStrictEqual(sub.pending, []);
        await flush();
        assert.strictEqual(watch(out).queue.length, 0);
    });

    it('om-events restarted alone ("modified nodes" deploy) while a request is added: it is still ours, nothing lost or twice', async function () {
        const flow = buildFlow(sim, {}, [
            { id: 'ev2', type: 'om-events', name: 'own', server: 'srv', start: 'now', onlyOwn: true, interval: 60, statuses: [], groups: '', wires: [['out2']] },
            { id: 'out2', type: 'helper' },
        ]);
        await helper.load(NODES, flow);
        const srv = helper.getNode('srv');
        let loop = await ready('srv', 2);
        const out = helper.getNode('out');
        const out2 = helper.getNode('out2');
        watch(out);
        watch(out2);
        const a = await addRequest({ PrivateData: 'a' }, 'A');
        sim.advance(1000);
        await loop.poll();
        const seen = await take(out, sim.eventLog.length);
        const seen2 = await take(out2, sim.eventLog.length);

        // only the two om-events nodes change; while they are stopped, om-add-request adds a request
        let gap;
        let gapError;
        helper.getNode('ev').on('close', (_removed, done) => {
            addRequest({ PrivateData: 'gap' }, 'GAP').then((id) => { gap = id; }, (e) => { gapError = e; }).finally(done);
        });
        const changed = flow.map((n) => (n.type === 'om-events' ? { ...n, name: `${n.name} v2` } : n));
        await helper.setFlows(changed, 'nodes');
        assert.ifError(gapError);
        assert.ok(gap, 'the add completed while om-events was stopped');
        assert.strictEqual(helper.getNode('srv'), srv, 'the om-server node was not restarted');
        assert.strictEqual(helper.getNode('out'), out, 'nor the outputs');
        loop = await waitFor(() => { const l = PollLoop.peek(srv); return l && l.subscriberCount === 2 && l; }, 5000, 'both om-events nodes back');
        sim.answer(gap);
        sim.advance(1000);
        await loop.poll();
        const expected = sim.eventLog;
        const rest = await take(out, expected.length - seen.length);
        assertSameEvents([...seen, ...rest], expected);
        const rest2 = await take(out2, expected.length - seen2.length);
        assertSameEvents([...seen2, ...rest2], expected, 'only own');
        for (const m of [...rest, ...rest2]) assert.strictEqual(m.request.correlation, m.payload.ID === a ? 'A' : 'GAP');
        assert.ok(rest2.some((m) => m.payload.ID === gap && m.payload.Status === 'Queued'));
    });

    it('start "replay": emits what the service still holds, then goes on', async function () {
        // events before the node exists
        const { OpenMediaClient } = require('../lib/client');
        const client = new OpenMediaClient({ endpoint: sim.url });
        const first = await client.call('AddRequest', { ServiceGroupID: 101, PrivateData: 'early', IVRInfo: [{ Label: 'a', Data: 'b' }] });
        sim.answer(first.OpenMediaID);
        sim.advance(5000);
        await client.call('AddRequest', { ServiceGroupID: 102, PrivateData: 'early 2', IVRInfo: [{ Label: 'a', Data: 'b' }] });
        await client.close();
        sim.advance(60000);

        await helper.load(NODES, buildFlow(sim, { start: 'replay' }));
        const out = helper.getNode('out');
        watch(out); // before the first poll: that one replays
        const loop = await ready();
        sim.complete(first.OpenMediaID);
        await loop.poll();
        const msgs = await take(out, sim.eventLog.length);
        assertSameEvents(msgs, sim.eventLog);
    });

    it('start "now": nothing from before the deploy, everything after (even on the same millisecond)', async function () {
        const { OpenMediaClient } = require('../lib/client');
        const client = new OpenMediaClient({ endpoint: sim.url });
        await client.call('AddRequest', { ServiceGroupID: 101, PrivateData: 'before', IVRInfo: [{ Label: 'a', Data: 'b' }] });
        await client.close();
        const before = sim.eventLog.length;
        await helper.load(NODES, buildFlow(sim));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        // the manual clock has not moved: these events carry the very time of the cursor
        const id = await addRequest({ PrivateData: 'after' });
        await loop.poll();
        const expected = sim.eventLog.slice(before);
        assert.ok(expected.every((x) => x.ID === id));
        assert.strictEqual(new Date(expected[0].TimeStamp).getTime(), loop.lastServiceTime,
            'the new events are stamped exactly at the cursor time');
        assertSameEvents(await take(out, expected.length), expected);
    });

    it('two om-events nodes on one server share one poll loop: one by-time call per cycle, not two', async function () {
        await helper.load(NODES, buildFlow(sim, {}, [
            { id: 'ev2', type: 'om-events', server: 'srv', start: 'now', interval: 60, statuses: ['Queued'], wires: [['out2']] },
            { id: 'out2', type: 'helper' },
        ]));
        const loop = await ready('srv', 2);
        assert.strictEqual(loop.subscriberCount, 2);
        const out = helper.getNode('out');
        const out2 = helper.getNode('out2');
        watch(out);
        watch(out2);
        const id = await addRequest({ PrivateData: 'both' });
        await loop.poll(); // settles both subscriptions (the second one's start is learned on a cycle)
        // Cycles are driven here (the timer is 60 s away), so the count is exact: one request per cycle serves both.
        const calls0 = sim.receivedCount('GetOpenMediaRequestsByTime');
        const cycles0 = loop.stats.cycles;
        sim.advance(1000);
        for (let i = 0; i < 3; i++) await loop.poll();
        assert.strictEqual(loop.stats.cycles - cycles0, 3);
        assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime') - calls0, 3, 'one by-time call per cycle');
        // and both nodes got their events from those shared polls
        await waitForMessage(out2, 5000, (m) => m.payload.ID === id);
        const all = sim.eventLog.filter((x) => x.ID === id);
        const got1 = watch(out).queue.splice(0);
        assertSameEvents(got1, all);
    });

    it('zero lost, zero duplicated across a redeploy (events while it was down are caught up)', async function () {
        const flow = buildFlow(sim);
        await helper.load(NODES, flow);
        let loop = await ready();
        let out = helper.getNode('out');
        watch(out);
        const a = await addRequest({ PrivateData: 'a' }, 'A');
        const b = await addRequest({ PrivateData: 'b' }, 'B');
        sim.advance(1000);
        await loop.poll();
        const seen = [...(await take(out, sim.eventLog.length))];

        // a full redeploy: every node stops and starts again; meanwhile the service moves on
        const redeploy = helper.setFlows(flow, 'full');
        sim.answer(a);
        sim.advance(2000);
        sim.complete(a);
        await redeploy;
        out = helper.getNode('out');
        watch(out); // before the first poll: that one catches up
        loop = await ready();
        sim.answer(b);
        await loop.poll();
        const expected = sim.eventLog;
        const rest = await take(out, expected.length - seen.length);
        assertSameEvents([...seen, ...rest], expected);
        const completeA = rest.find((m) => m.payload.ID === a && m.payload.Status === 'Complete');
        assert.strictEqual(completeA.request.correlation, 'A', 'the correlation map survived the redeploy');
    });

    /** Stops the flows as a Node-RED shutdown does, then "restarts" (the next helper.load registers the nodes again). */
    async function stopNodeRed() {
        await helper.unload();
    }

    it('zero lost, zero duplicated across a Node-RED restart with the default settings (the journal in the user directory)', async function () {
        // no context store configured: the default memory store, as in a fresh install
        const flow = buildFlow(sim, {}, [
            { id: 'own', type: 'om-events', server: 'srv', start: 'now', onlyOwn: true, interval: 60, statuses: [], groups: '', wires: [['outOwn']] },
            { id: 'outOwn', type: 'helper' },
        ]);
        await helper.load(NODES, flow);
        let loop = await ready('srv', 2);
        let out = helper.getNode('out');
        let outOwn = helper.getNode('outOwn');
        watch(out);
        watch(outOwn);
        const a = await addRequest({ PrivateData: 'a' }, 'A');
        const b = await addRequest({ PrivateData: 'b' }, 'B');
        sim.advance(1000);
        await loop.poll();
        const seen = [...(await take(out, sim.eventLog.length))];
        const seenOwn = [...(await take(outOwn, sim.eventLog.length))];
        // added after the last poll: only the journal knows it is ours when Node-RED comes back
        const c = await addRequest({ PrivateData: 'c' }, 'C');

        await stopNodeRed();
        const file = path.join(userDir.journalDir, 'events-srv.journal');
        assert.ok(fs.existsSync(file), 'the journal is in <userDir>/openmedia/');
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, 'readable by its owner only (it holds PrivateData)');
        assert.strictEqual(fs.statSync(userDir.journalDir).mode & 0o777, 0o700);

        // while Node-RED is down
        sim.answer(a);
        sim.advance(3000);
        sim.complete(a);
        sim.answer(b);
        sim.answer(c);
        sim.advance(60000);

        await helper.load(NODES, flow);
        out = helper.getNode('out');
        outOwn = helper.getNode('outOwn');
        watch(out);
        watch(outOwn);
        loop = await ready('srv', 2);
        sim.complete(b);
        sim.complete(c);
        await loop.poll();
        const expected = sim.eventLog;
        const rest = await take(out, expected.length - seen.length);
        assertSameEvents([...seen, ...rest], expected);
        const restOwn = await take(outOwn, expected.length - seenOwn.length);
        assertSameEvents([...seenOwn, ...restOwn], expected, 'only own');
        for (const m of restOwn) assert.strictEqual(m.request.correlation, { [a]: 'A', [b]: 'B', [c]: 'C' }[m.payload.ID]);
    });

    it('a context store chosen under "Remember in" keeps a copy: a restart that lost the user directory resumes from it', async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-events-ctx-'));
        try {
            helper.settings({
                userDir: userDir.dir,
                contextStorage: {
                    default: { module: 'memory' },
                    file: { module: 'localfilesystem', config: { dir, flushInterval: 3600 } },
                },
            });
            const loadContexts = () => helper._redNodes.loadContextsPlugin();
            const flow = buildFlow(sim, { store: 'file' });
            await helper.load([loadContexts, ...NODES], flow);
            let loop = await ready();
            let out = helper.getNode('out');
            watch(out);
            const a = await addRequest({ PrivateData: 'a' }, 'A');
            const b = await addRequest({ PrivateData: 'b' }, 'B');
            const c = await addRequest({ PrivateData: 'c' }, 'C');
            sim.advance(1000);
            await loop.poll();
            const seen = [...(await take(out, sim.eventLog.length))];

            // stop: flows stop (the node saves), the store flushes to disk and is dropped; the process "restarts"
            await helper.clearFlows();
            await helper._redNodes.closeContextsPlugin();
            helper._context.init(helper._settings);
            await helper.unload();
            assert.ok(fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.json')), 'state in the context store');
            // the user directory does not survive (a container without a volume); the context store does
            fs.rmSync(userDir.journalDir, { recursive: true, force: true });

            // while Node-RED is down
            sim.answer(a);
            sim.advance(3000);
            sim.complete(a);
            sim.answer(b);
            sim.advance(60000);

            await helper.load([loadContexts, ...NODES], flow);
            out = helper.getNode('out');
            watch(out);
            loop = await ready();
            sim.complete(b);
            await loop.poll();
            const expected = sim.eventLog;
            const rest = await take(out, expected.length - seen.length);
            assertSameEvents([...seen, ...rest], expected);
            assert.strictEqual(rest.find((m) => m.payload.ID === a && m.payload.Status === 'Complete').request.correlation, 'A');
            assert.ok(sim.eventLog.some((x) => x.ID === c));
            await helper.clearFlows();
            await helper._redNodes.closeContextsPlugin();
            helper._context.init(helper._settings);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('a service restart: each open request this flow added is reported Failed (DetectedBy om-events), nothing else', async function () {
        await helper.load(NODES, buildFlow(sim, { checkEvery: 2 }));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const done = await addRequest({ PrivateData: 'done' }, 'D');
        sim.answer(done);
        sim.complete(done);
        const open = [await addRequest({ PrivateData: 'open 1' }, 'O1'), await addRequest({ PrivateData: 'open 2' }, 'O2'),
            await addRequest({ PrivateData: 'open 3' }, 'O3')];
        sim.advance(1000);
        await loop.poll();
        const before = sim.eventLog.slice();
        const seen = await take(out, before.length);
        assertSameEvents(seen, before);

        sim.restartService();
        sim.advance(1000);
        await loop.poll();
        await loop.poll(); // the periodic check (every 2 polls) runs here at the latest
        const detected = await take(out, open.length);
        assert.deepStrictEqual(detected.map((m) => m.payload.ID).sort((x, y) => x - y), open);
        for (const m of detected) {
            assert.strictEqual(m.payload.Status, 'Failed');
            assert.strictEqual(m.payload.StatusCode, 5);
            assert.strictEqual(m.payload.DetectedBy, 'om-events');
            assert.strictEqual(m.payload.Reason, 'RequestVanished');
            assert.strictEqual(m.topic, `openmedia/${m.payload.ID}/Failed`);
            assert.ok(/^O\d$/.test(m.request.correlation));
        }
        // the service works again; a resubmitted request is followed as usual, and nothing is reported twice
        const again = await addRequest({ PrivateData: 'resubmitted' }, 'O1-again');
        await loop.poll();
        await loop.poll();
        await loop.poll();
        const after = sim.eventLog;
        assert.ok(after.every((x) => x.ID === again));
        assertSameEvents(await take(out, after.length), after);
    });

    it('a router disconnect: the service Fails the open requests, each reported once; reconnect goes on', async function () {
        await helper.load(NODES, buildFlow(sim, { checkEvery: 1 }));
        const loop = await ready();
        const out = helper.getNode('out');
        watch(out);
        const ids = [await addRequest({ PrivateData: '1' }), await addRequest({ PrivateData: '2' }), await addRequest({ PrivateData: '3' })];
        sim.answer(ids[0]);
        sim.advance(1000);
        await loop.poll();
        sim.disconnectRouter();
        sim.advance(1000);
        await loop.poll();
        await loop.poll();
        sim.reconnectRouter();
        const more = await addRequest({ PrivateData: '4' });
        sim.advance(1000);
        await loop.poll();
        const expected = sim.eventLog;
        assert.strictEqual(expected.filter((x) => x.Status === 'Failed').length, 3);
        const msgs = await take(out, expected.length);
        assertSameEvents(msgs, expected);
        assert.ok(msgs.every((m) => m.payload.DetectedBy === undefined));
        assert.ok(expected.some((x) => x.ID === more));
    });

    for (const outage of [{ kind: 'http', status: 503, text: /^server error 503, retry \d+s$/ },
        { kind: 'reset', text: /^connection lost/ }]) it(`a 60 s outage (${outage.kind === 'http' ? 'HTTP 503' : 'connection reset'}): keeps the cursor, backs off with a red status, catches up exactly`, async function () {
        await helper.load(NODES, buildFlow(sim));
        const loop = await ready();
        const out = helper.getNode('out');
        const ev = helper.getNode('ev');
        watch(out);
        const a = await addRequest({ PrivateData: 'a' });
        sim.advance(1000);
        await loop.poll();
        const seen = await take(out, sim.eventLog.length);

        sim.injectFault({ kind: outage.kind, status: outage.status, operation: 'GetOpenMediaRequestsByTime', count: -1 });
        const red = waitFor(ev, 'call:status', 5000, (call) => call.args[0].fill === 'red');
        await loop.poll();
        const status = (await red).args[0];
        assert.match(status.text, outage.text);
        assert.ok(status.text.length <= 30, status.text);
        const b = await addRequest({ PrivateData: 'b' });
        for (let s = 0; s < 60; s += 10) {
            sim.advance(10000);
            if (s === 20) { sim.answer(a); sim.complete(a); }
            await loop.poll();
        }
        assert.ok(loop.stats.failures >= 6);
        sim.clearFaults();
        sim.answer(b);
        await loop.poll();
        const expected = sim.eventLog;
        const rest = await take(out, expected.length - seen.length);
        assertSameEvents([...seen, ...rest], expected);
        await waitFor(ev, 'call:status', 3000, (call) => call.args[0].fill === 'green');
    });

    it('a refused connection: red status with the short code and the retry delay', async function () {
        const flow = buildFlow(sim);
        // a port the OS just handed out and that was closed again: nothing listens there (port 1 may be open)
        flow[0].url = `http://127.0.0.1:${await freePort()}/OpenMediaService`;
        await helper.load(NODES, flow);
        const ev = helper.getNode('ev');
        const status = await waitFor(ev, 'call:status', 5000, (call) => call.args[0].fill === 'red');
        // Node-RED could not reach the server: words that never read like the contact center's refusal
        assert.match(status.args[0].text, /^no connection, retry \d+s$/);
    });

    for (const skew of [+1, -1]) {
        it(`service clock ${skew > 0 ? 'ahead of' : 'behind'} the client by one hour: nothing lost or repeated`, async function () {
            sim.clock.set(Date.now() + skew * 3600000);
            await helper.load(NODES, buildFlow(sim));
            const loop = await ready();
            const out = helper.getNode('out');
            watch(out);
            const a = await addRequest({ PrivateData: 'a' });
            await loop.poll();
            sim.advance(2000);
            sim.answer(a);
            await loop.poll();
            sim.advance(500);
            sim.complete(a);
            await loop.poll();
            await loop.poll();
            assertSameEvents(await take(out, sim.eventLog.length), sim.eventLog);
            assert.ok(Math.abs(loop.lastServiceTime - (Date.now() + skew * 3600000)) < 600000, 'cursor is in service time');
        });
    }
});

describe('events: examples/06-ticket-update-on-complete.json', function () {
    this.timeout(30000);
    const { loadExample, readExample } = require('./support/examples');
    let sim;
    let ex;

    beforeEach(async function () {
        sim = await startTestSimulator();
    });

    afterEach(async function () {
        if (ex) await ex.unload();
        ex = undefined;
        if (sim) await sim.stop();
        sim = undefined;
    });

    it('has a comment, om-events filtered to Complete for our requests, a function and a debug', function () {
        const flow = readExample('06-ticket-update-on-complete.json');
        const ev = flow.find((n) => n.type === 'om-events');
        assert.deepStrictEqual(ev.statuses, ['Complete']);
        assert.strictEqual(ev.onlyOwn, true);
        assert.ok(flow.some((n) => n.type === 'comment' && n.info.length > 80));
        const fn = flow.find((n) => n.id === ev.wires[0][0]);
        assert.strictEqual(fn.type, 'function');
        assert.ok(fn.wires[0].every((id) => flow.find((n) => n.id === id).type === 'debug'));
    });

    it('turns the completion of a request added with a ticket id into a ticket update', async function () {
        ex = await loadExample('06-ticket-update-on-complete.json', {
            url: sim.url,
            edit(flow) {
                // an add node to queue an item with a ticket id, as the ticket flow would
                const z = flow.find((n) => n.type === 'function').z;
                flow.push({ id: 'adder', type: 'om-add-request', z, server: flow.find((n) => n.type === 'om-server').id,
                    wires: [['addedProbe'], []] });
                flow.push({ id: 'addedProbe', type: 'debug', z, active: false, wires: [] });
            },
        });
        const ev = ex.node('completed items', 'om-events');
        const srv = helper.getNode(ex.flow.find((n) => n.type === 'om-server').id);
        await waitFor(() => PollLoop.peek(srv) && PollLoop.peek(srv).stats.cycles >= 1, 5000, 'first poll');
        const probe = ex.node('ticket update', 'debug');
        watch(probe);
        const added = waitForMessage(helper.getNode('addedProbe'), 5000);
        helper.getNode('adder').receive({ payload: { ServiceGroupID: 101, IVRInfo: [{ Label: 'Ticket', Data: 'T-77' }] }, correlation: 'T-77' });
        const id = (await added).payload.OpenMediaID;
        sim.answer(id);
        sim.advance(30000);
        sim.complete(id);
        const got = waitForMessage(probe, 5000);
        ev.receive({});
        const msg = await got;
        assert.strictEqual(msg.ticketId, 'T-77');
        assert.strictEqual(msg.method, 'PATCH');
        assert.strictEqual(msg.url, 'https://tickets.example.com/api/tickets/T-77');
        assert.strictEqual(msg.payload.status, 'solved');
        assert.strictEqual(msg.payload.openMediaId, id);
        assert.strictEqual(msg.payload.solvedBy, sim.eventLog.find((x) => x.ID === id && x.Status === 'Complete').LogonID);
        await PollLoop.peek(srv).poll();
        await flush();
        assert.strictEqual(watch(probe).queue.length, 0, 'one update per completion');
    });
});
