'use strict';
/*
 * om-events across a kill -9, a clean restart and a full redeploy of a REAL Node-RED: the `node-red` command in a
 * child process, Node-RED's default settings.js (no context store configured: memory; flushInterval untouched),
 * a temporary user directory, the pack loaded through nodesDir (test/support/nodered-cli.js).
 *
 * The flow: an inject node (pressed by this test at a steady rate through the admin API) -> a work item with a
 * ticket id as its correlation -> om-add-request -> its answer POSTed to this test; om-events "all requests" and
 * om-events "only requests added here", each message POSTed to this test (in the kill test after half a second in a
 * delay node: a flow that takes its time before it acts, so an event sent just before the kill has not reached
 * anything yet). What reached this test is what the flow did, whatever happens to the Node-RED process afterwards.
 * (A clean stop or a redeploy drops what a delay node still holds: Node-RED's own rule, so that test has none.)
 *
 * The simulator runs here (manual clock): agents answer and complete by themselves after 1 s and 2 s of service
 * time, and the test moves the clock (100 ms every 100 ms while Node-RED runs, 10 s at once while it is down), so
 * requests go through queued -> allocated -> processing -> complete, also while Node-RED is down. The test also
 * adds requests of its own (not through Node-RED): "all" must report them, "only own" must not.
 *
 * Counted against the simulator's event log (every status change it generated): after a kill -9, 0 lost on "all",
 * 0 lost on "only own" for every request whose add answer was produced at least 250 ms before the kill, and the
 * duplicates are counted and printed; across a full redeploy (POST /flows) and a clean stop (SIGTERM): 0 lost,
 * 0 duplicated.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { waitFor } = require('./support/nodered');
const { startTestSimulator } = require('./support/simulator');
const { startNodeRedCli } = require('./support/nodered-cli');
const { keyOf } = require('./support/events-flow');
const live = require('./support/live-events');

const SCENARIO = live.scenario('crash test', 8);

/** This test's HTTP server: what the flow POSTs to /added, /ev/all and /ev/own, as it arrives. */
const startSink = () => live.startSink((url) => {
    const kind = { '/added': 'added', '/ev/all': 'all', '/ev/own': 'own' }[url];
    return kind && { kind };
});

/** The flow; `waitMs`: each event waits that long in a delay node before it is POSTed (0: no delay node). */
function crashFlow(simUrl, sinkPort, waitMs) {
    const post = (id, route) => ({
        id, z: 't1', type: 'http request', name: route, method: 'POST', ret: 'txt', paytoqs: 'ignore',
        url: `http://127.0.0.1:${sinkPort}${route}`, tls: '', persist: false, proxy: '', insecureHTTPParser: false,
        authType: '', senderr: false, headers: [], wires: [[]],
    });
    const events = (id, onlyOwn, to) => ({
        id, z: 't1', type: 'om-events', name: id, server: 'srv', start: 'now', statuses: [], groups: '', onlyOwn,
        outputPerStatus: false, interval: 1, dataExpiration: 30, checkEvery: 12, store: '', wires: [[waitMs ? `${to}Wait` : to]],
    });
    // A flow takes its time before it acts on an event (here half a second, as a rate limit would): an event sent
    // shortly before a crash may not have been acted on yet.
    const wait = (to) => ({
        id: `${to}Wait`, z: 't1', type: 'delay', name: 'takes its time', pauseType: 'delay', timeout: String(waitMs),
        timeoutUnits: 'milliseconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1',
        randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [[to]],
    });
    const nodes = [
        { id: 'tick', z: 't1', type: 'inject', name: 'add one', props: [{ p: 'payload' }], repeat: '', once: false, topic: '', payload: '', payloadType: 'date', wires: [['item']] },
        {
            id: 'item', z: 't1', type: 'function', name: 'work item', outputs: 1, wires: [['add']],
            func: "msg.correlation = 'T-' + msg._msgid;\nmsg.payload = { ServiceGroupID: 101, PrivateData: 'ticket ' + msg.correlation, IVRInfo: [{ Label: 'Ticket', Data: msg.correlation }] };\nreturn msg;",
        },
        { id: 'add', z: 't1', type: 'om-add-request', name: 'add', server: 'srv', wires: [['report'], []] },
        { id: 'report', z: 't1', type: 'function', name: 'report', outputs: 1, wires: [['postAdded']], func: 'msg.payload = { id: msg.openMediaId, ticket: msg.correlation };\nreturn msg;' },
        post('postAdded', '/added'),
        events('all', false, 'postAll'),
        post('postAll', '/ev/all'),
        events('own', true, 'postOwn'),
        post('postOwn', '/ev/own'),
        ...(waitMs ? [wait('postAll'), wait('postOwn')] : []),
    ];
    return [
        { id: 't1', type: 'tab', label: 'crash test' },
        { id: 'srv', type: 'om-server', name: 'sim', url: simUrl, timeout: 10, wsdlSource: 'bundled' },
        // x and y make them flow nodes (a node without them is a config node to the runtime)
        ...nodes.map((n, i) => ({ ...n, x: 200, y: 40 + 40 * i })),
    ];
}

describe('events: a real Node-RED (default settings) killed, stopped and redeployed while adds flow', function () {
    this.timeout(240000);
    let sim;
    let sink;
    let dir;
    let nr;
    let timers = [];
    const queuedAt = new Map(); // id -> wall time the service added it (its AddRequest answer is sent right after)
    const foreign = new Set(); // ids this test added itself
    let offEvents;

    beforeEach(async function () {
        sim = await startTestSimulator({ scenario: SCENARIO });
        sink = await startSink();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-crash-'));
        queuedAt.clear();
        foreign.clear();
        offEvents = sim.model.onEvent((e) => { if (e.Status === 'Queued' && !queuedAt.has(e.ID)) queuedAt.set(e.ID, Date.now()); });
    });

    afterEach(async function () {
        stopDriving();
        if (nr) await nr.kill('SIGKILL');
        nr = undefined;
        if (offEvents) offEvents();
        await sink.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function start(waitMs = 0) {
        const first = !fs.existsSync(path.join(dir, 'flows.json'));
        nr = await startNodeRedCli({ userDir: dir, flows: first ? crashFlow(sim.url, sink.port, waitMs) : undefined });
        // both om-events nodes have polled once (they share one loop: a bootstrap and a window)
        const calls = sim.receivedCount('GetOpenMediaRequestsByTime');
        await waitFor(() => sim.receivedCount('GetOpenMediaRequestsByTime') >= calls + 2, 20000, 'the first poll')
            .catch((e) => { throw new Error(`${e.message}\n${nr.output()}`); });
    }

    /** Presses the inject node every 100 ms and moves the service clock with real time. */
    function drive() {
        stopDriving();
        timers.push(setInterval(() => {
            if (nr) nr.admin('POST', '/inject/tick').catch(() => {}); // fails while Node-RED is down: fine
        }, 100));
        timers.push(setInterval(() => sim.advance(100), 100));
    }

    function stopDriving() {
        for (const t of timers) clearInterval(t);
        timers = [];
    }

    /** A request added by someone else (straight into the simulator's model, not through Node-RED). */
    function addForeign() {
        const a = sim.model.execute('AddRequest', { request: { ServiceGroupID: 101, PrivateData: 'not through Node-RED', IVRInfo: [{ Label: 'x', Data: 'y' }] } });
        foreign.add(a.OpenMediaID);
        return a.OpenMediaID;
    }

    /** While Node-RED is down: requests move on (allocated, processing, complete), and someone else adds two. */
    function whileDown() {
        for (let i = 0; i < 10; i++) sim.advance(1000);
        addForeign();
        addForeign();
    }

    /** Stops adding and lets every request finish, then waits until the flow has reported all of it. */
    async function finish(expectedOwnIds) {
        stopDriving();
        live.finishRequests(sim);
        const log = sim.eventLog;
        const all = new Set(log.map(keyOf));
        const own = new Set(log.filter((e) => expectedOwnIds.has(e.ID)).map(keyOf));
        const has = (kind, keys) => {
            const seen = new Set(sink.got[kind].map((m) => keyOf(m.body)));
            for (const k of keys) if (!seen.has(k)) return false;
            return true;
        };
        await waitFor(() => has('all', all) && has('own', own), 60000, 'every event to reach the test').catch((e) => {
            throw new Error(`${e.message}: ${JSON.stringify(count(expectedOwnIds))}`);
        });
        // Late duplicates, if any, would come with the next polls: one more request (someone else's) goes through,
        // and once its last change reached the test, whatever those polls sent before it has too.
        await live.lastRequestThrough(sim, sink, addForeign);
        return count(expectedOwnIds, log.length);
    }

    function count(expectedOwnIds, upTo = Infinity) {
        const log = sim.eventLog.slice(0, upTo);
        const allGot = live.countByKey(sink.got.all);
        const ownGot = live.countByKey(sink.got.own);
        const tickets = new Map(sink.got.added.map((m) => [m.body.id, m.body.ticket]));
        const wrongCorrelation = sink.got.own.filter((m) => tickets.has(m.body.ID) && m.body.correlation !== tickets.get(m.body.ID)).length;
        return {
            requests: new Set(log.map((e) => e.ID)).size,
            events: log.length,
            lostAll: log.filter((e) => !allGot.has(keyOf(e))).length,
            lostOwn: log.filter((e) => expectedOwnIds.has(e.ID) && !ownGot.has(keyOf(e))).length,
            foreignOnOwn: sink.got.own.filter((m) => foreign.has(m.body.ID)).length,
            duplicatesAll: [...allGot.values()].reduce((a, n) => a + n - 1, 0),
            duplicatesOwn: [...ownGot.values()].reduce((a, n) => a + n - 1, 0),
            wrongCorrelation,
            ownWithTicket: sink.got.own.filter((m) => typeof m.body.correlation === 'string' && m.body.correlation.startsWith('T-')).length,
        };
    }

    /** Ids added through Node-RED (all but the test's own), optionally only those the service added before `until`. */
    function addedHere(until = Infinity) {
        return new Set([...queuedAt].filter(([id, at]) => !foreign.has(id) && at <= until).map(([id]) => id));
    }

    it('kill -9 while adds flow: 0 lost on "all", 0 lost on "only own" (answers 250 ms before the kill), duplicates counted', async function () {
        await start(500);
        drive();
        await waitFor(() => sink.got.added.length >= 30 && sink.got.own.length >= 30, 60000, 'adds and events flowing');
        addForeign();
        await waitFor(() => sink.got.added.length >= 40, 30000, 'more adds');
        // The kill lands 100 ms after a poll reached the service: that poll's events are sent, but still wait in the
        // delay node. They must come again after the restart (a position written at once would count them as done).
        const polls = sim.receivedCount('GetOpenMediaRequestsByTime');
        await waitFor(() => sim.receivedCount('GetOpenMediaRequestsByTime') > polls, 5000, 'a poll');
        await new Promise((resolve) => setTimeout(resolve, 100)); // the moment of the kill, not a wait for a state
        const killedAt = Date.now();
        const exit = await nr.kill('SIGKILL');
        assert.strictEqual(exit.signal, 'SIGKILL');
        nr = undefined;
        stopDriving();
        const mustKeep = addedHere(killedAt - 250);
        const lastMoment = [...queuedAt].filter(([id, at]) => !foreign.has(id) && at > killedAt - 250).map(([id]) => id);
        whileDown();

        await start();
        drive();
        const after = sink.got.added.length;
        await waitFor(() => sink.got.added.length >= after + 15, 60000, 'adds after the restart');
        const expectedOwn = new Set([...mustKeep, ...[...addedHere()].filter((id) => queuedAt.get(id) > killedAt)]);
        const c = await finish(expectedOwn);
        const lastOnOwn = new Set(sink.got.own.map((m) => m.body.ID).filter((id) => lastMoment.includes(id)));
        console.log(`      kill -9: ${c.requests} requests (${mustKeep.size} added here >= 250 ms before the kill, ${lastMoment.length} in its last 250 ms, of which ${lastOnOwn.size} still reported by "only own"), ${c.events} events; lost: all ${c.lostAll}, own ${c.lostOwn}; duplicates: all ${c.duplicatesAll}, own ${c.duplicatesOwn}`);
        assert.strictEqual(c.lostAll, 0, 'lost on "all"');
        assert.strictEqual(c.lostOwn, 0, 'lost on "only own"');
        assert.strictEqual(c.foreignOnOwn, 0, 'requests added elsewhere are not "own"');
        assert.strictEqual(c.wrongCorrelation, 0, 'each "own" event carries its own ticket');
        assert.ok(mustKeep.size >= 30 && c.ownWithTicket > 0);
        assert.ok(sim.eventLog.some((e) => e.Status === 'Complete' && queuedAt.get(e.ID) < killedAt), 'requests completed while it was down');
    });

    it('kill -9 right after a NEW om-events node\'s first poll (before its first staged write): 0 lost on "all" and "only own"', async function () {
        // A new node starts "from now"; its first position must be on disk at once, not COMMIT_LAG_MS (2 s) later:
        // else the restarted node starts "from now" again and skips every change made until then.
        await start();
        const firstPollAt = Date.now();
        drive();
        await waitFor(() => sink.got.added.length >= 3, 20000, 'three adds');
        stopDriving();
        addForeign();
        await new Promise((resolve) => setTimeout(resolve, 300)); // the moment of the kill (>= 250 ms after those adds)
        const killedAt = Date.now();
        const exit = await nr.kill('SIGKILL');
        assert.strictEqual(exit.signal, 'SIGKILL');
        nr = undefined;
        // Not a timing assertion on the product: the case needs the kill inside the commit lag to mean anything.
        assert.ok(killedAt - firstPollAt < 2000, `the kill came ${killedAt - firstPollAt} ms after the first poll: too late for this case`);
        const mustKeep = addedHere(killedAt - 250);
        assert.ok(mustKeep.size >= 3, `${mustKeep.size} adds answered before the kill`);
        whileDown();

        await start();
        drive();
        const after = sink.got.added.length;
        await waitFor(() => sink.got.added.length >= after + 5, 60000, 'adds after the restart');
        const expectedOwn = new Set([...mustKeep, ...[...addedHere()].filter((id) => queuedAt.get(id) > killedAt)]);
        const c = await finish(expectedOwn);
        console.log(`      kill -9 ${killedAt - firstPollAt} ms after the first poll: ${c.requests} requests, ${c.events} events; lost: all ${c.lostAll}, own ${c.lostOwn}; duplicates: all ${c.duplicatesAll}, own ${c.duplicatesOwn}`);
        assert.deepStrictEqual(
            { lostAll: c.lostAll, lostOwn: c.lostOwn, foreignOnOwn: c.foreignOnOwn, wrongCorrelation: c.wrongCorrelation },
            { lostAll: 0, lostOwn: 0, foreignOnOwn: 0, wrongCorrelation: 0 });
        assert.ok(sim.eventLog.some((e) => e.Status === 'Complete' && mustKeep.has(e.ID)), 'requests added before the kill completed while it was down');
    });

    it('a full redeploy (POST /flows) and a clean stop (SIGTERM) while adds flow: 0 lost, 0 duplicated', async function () {
        await start();
        drive();
        await waitFor(() => sink.got.added.length >= 20 && sink.got.own.length >= 20, 60000, 'adds and events flowing');
        addForeign();
        // a full redeploy, adds still coming
        const flows = await nr.admin('GET', '/flows');
        await nr.admin('POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' });
        let n = sink.got.added.length;
        await waitFor(() => sink.got.added.length >= n + 15, 60000, 'adds after the redeploy');
        // a clean stop
        const exit = await nr.kill('SIGTERM');
        assert.strictEqual(exit.code, 0, nr ? nr.output().slice(-2000) : '');
        nr = undefined;
        stopDriving();
        whileDown();
        await start();
        drive();
        n = sink.got.added.length;
        await waitFor(() => sink.got.added.length >= n + 15, 60000, 'adds after the restart');
        const c = await finish(addedHere());
        console.log(`      redeploy + SIGTERM: ${c.requests} requests, ${c.events} events; lost: all ${c.lostAll}, own ${c.lostOwn}; duplicates: all ${c.duplicatesAll}, own ${c.duplicatesOwn}`);
        assert.deepStrictEqual(
            { lostAll: c.lostAll, lostOwn: c.lostOwn, duplicatesAll: c.duplicatesAll, duplicatesOwn: c.duplicatesOwn, foreignOnOwn: c.foreignOnOwn, wrongCorrelation: c.wrongCorrelation },
            { lostAll: 0, lostOwn: 0, duplicatesAll: 0, duplicatesOwn: 0, foreignOnOwn: 0, wrongCorrelation: 0 });
    });
});
