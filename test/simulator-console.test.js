'use strict';
/*
 * The simulator console's server side: the control routes it needs (agent manual mode, fail), the live stream
 * (GET /control/stream, server-sent events: contents, coalescing, limits, heartbeat, slow clients, stop()) and its
 * static files (types, Content-Security-Policy, nothing else served). Over real HTTP on 127.0.0.1, manual clock.
 */
const assert = require('assert');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { startTestSimulator, useSimulator, controlPost, controlGet, httpRequest, soapPost, openStream } = require('./support/simulator');
const { waitFor } = require('./support/nodered');

const CONSOLE_DIR = path.join(__dirname, '..', 'simulator', 'console');
const base = (sim) => sim.controlUrl.slice(0, -'/control'.length);

const addXml = (group, subject = 'Printer on fire') => '<AddRequest xmlns="http://tempuri.org/"><request '
    + 'xmlns:a="http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.DataContracts">'
    + `<a:IVRInfo><a:IVRInformation><a:Data>${subject}</a:Data><a:Label>Subject</a:Label></a:IVRInformation></a:IVRInfo>`
    + `<a:ServiceGroupID>${group}</a:ServiceGroupID></request></AddRequest>`;

async function add(sim, group, subject) {
    const res = await soapPost(sim, 'AddRequest', addXml(group, subject));
    assert.strictEqual(res.status, 200, res.body);
    return Number(/<a:OpenMediaID>(\d+)</.exec(res.body)[1]);
}

const listeners = (model) => ({ events: model.listeners.size, changes: model.changeListeners.size });

describe('simulator console: control routes for playing an agent', function () {
    // The test scenario, with agent 1001 answering after 5 s and completing after 20 s by itself.
    const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'simulator', 'scenarios', 'test.json'), 'utf8'));
    Object.assign(scenario.agents.find((a) => a.id === 1001), { answerAfterSeconds: 5, completeAfterSeconds: 20 });
    const ctx = useSimulator({ scenario });
    beforeEach(() => ctx.sim.reset());

    const status = (id) => ctx.sim.model.getRequest(id).Status;
    const agentState = async (id) => (await controlGet(ctx.sim, '/state')).json.agents.find((a) => a.id === id);

    it('manual: the agent\'s own timers stop, also for what it already holds; a person answers; auto: they run again', async function () {
        ctx.sim.setReady(1002, false); // 1001 takes everything of group 101
        const first = await add(ctx.sim, 101);
        assert.strictEqual(status(first), 'AllocatedToAgent');
        assert.deepStrictEqual((await controlPost(ctx.sim, '/agents/1001/manual', {})).json, { ok: true });
        const a = await agentState(1001);
        assert.deepStrictEqual([a.manual, a.answerAfterSeconds, a.completeAfterSeconds], [true, 5, 20]);

        ctx.sim.advance(60000);
        assert.strictEqual(status(first), 'AllocatedToAgent', 'the timer armed before "manual" must not answer');
        assert.strictEqual((await controlPost(ctx.sim, `/requests/${first}/answer`, {})).status, 200);
        ctx.sim.advance(60000);
        assert.strictEqual(status(first), 'AgentProcessing', 'a manual agent does not complete by itself');

        // By logon id, too. Back to automatic: the complete timer runs from now.
        assert.strictEqual((await controlPost(ctx.sim, '/agents/4001/auto', {})).status, 200);
        assert.strictEqual((await agentState(1001)).manual, false);
        ctx.sim.advance(19999);
        assert.strictEqual(status(first), 'AgentProcessing');
        ctx.sim.advance(1);
        assert.strictEqual(status(first), 'Complete');
        const log = ctx.sim.eventLog.filter((e) => e.ID === first).map((e) => e.Status);
        assert.deepStrictEqual(log, ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete']);
    });

    it('refuses "auto" for an agent the scenario gives no times (always manual), and unknown agents', async function () {
        const res = await controlPost(ctx.sim, '/agents/1002/auto', {});
        assert.strictEqual(res.status, 400);
        assert.match(res.json.error, /agent 1002 has no answerAfterSeconds or completeAfterSeconds/);
        assert.strictEqual((await agentState(1002)).manual, true);
        assert.strictEqual((await controlPost(ctx.sim, '/agents/1002/manual', {})).status, 200);
        const unknown = await controlPost(ctx.sim, '/agents/9999/manual', {});
        assert.strictEqual(unknown.status, 400);
        assert.match(unknown.json.error, /unknown agent 9999/);
    });

    it('fail: a request the agent holds ends Failed (no agent on the record), and the agent takes the next one', async function () {
        ctx.sim.setReady(1001, false);
        const first = await add(ctx.sim, 101); // 1002 takes it
        const second = await add(ctx.sim, 101); // waits
        assert.deepStrictEqual([status(first), status(second)], ['AllocatedToAgent', 'Queued']);
        const before = (await controlGet(ctx.sim, '/state')).json.groups.find((g) => g.id === 101).stats.failed;

        assert.deepStrictEqual((await controlPost(ctx.sim, `/requests/${first}/fail`, {})).json, { ok: true });
        const failed = ctx.sim.eventLog.filter((e) => e.ID === first).pop();
        assert.deepStrictEqual([failed.Status, failed.AgentID, failed.LogonID], ['Failed', 0, null]);
        assert.strictEqual(status(second), 'AllocatedToAgent');
        assert.strictEqual(ctx.sim.model.getRequest(second).AgentID, 1002);
        const state = (await controlGet(ctx.sim, '/state')).json;
        assert.strictEqual(state.groups.find((g) => g.id === 101).stats.failed, before + 1);
        assert.strictEqual(state.agents.find((a) => a.id === 1002).stats.offeredNotAnswered, 1);

        ctx.sim.answer(second);
        assert.strictEqual((await controlPost(ctx.sim, `/requests/${second}/fail`, {})).status, 200);
        assert.strictEqual(status(second), 'Failed');
    });

    it('fail: refused for a queued or terminated request and an unknown id, nothing changed', async function () {
        ctx.sim.setReady(1001, false);
        ctx.sim.setReady(1002, false);
        const queued = await add(ctx.sim, 101);
        const events = ctx.sim.eventLog.length;
        const res = await controlPost(ctx.sim, `/requests/${queued}/fail`, {});
        assert.strictEqual(res.status, 400);
        assert.match(res.json.error, /is Queued: only a request an agent holds/);
        assert.strictEqual(status(queued), 'Queued');
        assert.strictEqual(ctx.sim.eventLog.length, events);
        assert.match((await controlPost(ctx.sim, '/requests/777/fail', {})).json.error, /unknown Open Media request 777/);
        assert.match((await controlPost(ctx.sim, '/requests/x/fail', {})).json.error, /'x' is not a numeric id/);
    });

    it('GET /control lists the new routes', async function () {
        const routes = (await controlGet(ctx.sim, '')).json.routes;
        for (const r of ['POST /control/agents/:id/manual|auto', 'POST /control/requests/:id/answer|complete|fail', 'GET /control/stream']) {
            assert.ok(routes.includes(r), `${r} not in ${routes.join('; ')}`);
        }
    });
});

describe('simulator console: the live stream (GET /control/stream)', function () {
    let sim;
    afterEach(async function () {
        if (sim) await sim.stop();
        sim = undefined;
    });

    it('attaches nothing to the model until a stream opens, and detaches when the last one leaves', async function () {
        sim = await startTestSimulator();
        assert.deepStrictEqual(listeners(sim.model), { events: 0, changes: 0 });
        await add(sim, 106);
        const a = await openStream(sim);
        const b = await openStream(sim);
        // One change listener, no listener per status event.
        assert.deepStrictEqual(listeners(sim.model), { events: 0, changes: 1 });
        assert.strictEqual(sim.consoleHub.clientCount, 2);
        await a.close();
        await waitFor(() => sim.consoleHub.clientCount === 1, 2000, 'one stream left');
        assert.deepStrictEqual(listeners(sim.model), { events: 0, changes: 1 });
        await b.close();
        await waitFor(() => sim.consoleHub.clientCount === 0, 2000, 'no stream left');
        assert.deepStrictEqual(listeners(sim.model), { events: 0, changes: 0 });
    });

    it('first message: the whole picture and the latest events; then an add shows up in the next update', async function () {
        sim = await startTestSimulator();
        sim.setReady(1001, false);
        sim.setReady(1002, false);
        const old = await add(sim, 101, 'Old one');
        const s = await openStream(sim);
        assert.strictEqual(s.status, 200);
        assert.match(s.headers['content-type'], /^text\/event-stream/);
        assert.match(s.headers['cache-control'], /no-cache/);
        const first = await s.next((m) => m.initial, 2000, 'the first message');
        assert.deepStrictEqual(first.events.map((e) => [e.ID, e.Status]), [[old, 'Queued']]);
        assert.strictEqual(first.state.name, 'Deterministic test center');
        assert.strictEqual(first.state.clock, 'manual');
        assert.deepStrictEqual(first.server.faults, []);
        const g101 = first.state.groups.find((g) => g.id === 101);
        assert.deepStrictEqual([g101.open, g101.waiting, g101.withAgents], [true, 1, 0]);
        assert.strictEqual(g101.oldestQueueTime, new Date(sim.clock.now()).toISOString());
        assert.deepStrictEqual(g101.queue[0].IVRInfo, [{ Label: 'Subject', Data: 'Old one' }]);
        const agent = first.state.agents.find((a) => a.id === 1001);
        assert.deepStrictEqual([agent.loggedOn, agent.ready, agent.manual, agent.sessions], [true, false, true, []]);

        const id = await add(sim, 101, 'a &lt;b&gt; subject');
        const update = await s.next((m) => m.state.nextOpenMediaID > id, 2000, 'the update with the add');
        assert.deepStrictEqual(update.events.map((e) => [e.ID, e.Status, e.QueuePosition]), [[id, 'Queued', 2]]);
        const queued = update.state.groups.find((g) => g.id === 101).queue.map((r) => [r.OpenMediaID, r.IVRInfo[0].Data]);
        assert.deepStrictEqual(queued, [[old, 'Old one'], [id, 'a <b> subject']]);
        await s.close();
    });

    it('coalesces a burst into few updates, every event delivered once, and reports what it left out', async function () {
        sim = await startTestSimulator({ console: { updateMs: 50, eventLimit: 40 } });
        const s = await openStream(sim);
        await s.next((m) => m.initial);
        for (let i = 0; i < 30; i++) sim.model.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: [{ Label: 'n', Data: String(i) }] } });
        const all = await s.next((m) => m.state.groups.find((g) => g.id === 106).waiting === 30, 2000, 'the burst');
        const updates = s.messages.filter((m) => !m.initial);
        assert.ok(updates.length <= 2, `${updates.length} updates for one burst`);
        const ids = updates.flatMap((m) => m.events.map((e) => e.ID));
        assert.deepStrictEqual(ids, Array.from({ length: 30 }, (_, i) => i + 1));
        assert.strictEqual(all.state.groups.find((g) => g.id === 106).queue.length, 30);

        // More events than eventLimit between two updates: the latest are sent, the rest counted.
        for (let i = 0; i < 100; i++) sim.model.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: [{ Label: 'n', Data: 'x' }] } });
        const burst = await s.next((m) => m.state.nextOpenMediaID === 131, 2000, 'the second burst');
        assert.strictEqual(burst.events.length, 40);
        assert.strictEqual(burst.skippedEvents, 60);
        assert.strictEqual(burst.events[39].ID, 130);
        // The queue shown is bounded (queueLimit, default 50); the count is not.
        assert.strictEqual(burst.state.groups.find((g) => g.id === 106).queue.length, 50);
        assert.strictEqual(burst.state.groups.find((g) => g.id === 106).waiting, 130);
        await s.close();
    });

    it('sends an update for changes that are not status events (a group closed, the clock moved, a fault armed)', async function () {
        sim = await startTestSimulator();
        const s = await openStream(sim);
        await s.next((m) => m.initial);
        await controlPost(sim, '/groups/102/close', {});
        await s.next((m) => m.state.groups.find((g) => g.id === 102).open === false, 2000, 'group 102 closed');
        const t = sim.clock.now();
        sim.advance(90000);
        await s.next((m) => Date.parse(m.state.time) === t + 90000, 2000, 'the clock moved');
        await controlPost(sim, '/faults', { kind: 'http', status: 503, count: 2 });
        const armed = await s.next((m) => m.server.faults.length === 1, 2000, 'the armed fault');
        assert.deepStrictEqual(armed.server.faults, [{ kind: 'http', status: 503, count: 2 }]);
        await s.close();
    });

    it('real clock: an agent acting by itself (a model timer) sends an update with its event', async function () {
        const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'simulator', 'scenarios', 'test.json'), 'utf8'));
        Object.assign(scenario.agents.find((a) => a.id === 1001), { answerAfterSeconds: 0.5 }); // after the add's own update
        sim = await startTestSimulator({ scenario, clock: 'real', console: { heartbeatMs: 60000, updateMs: 50 } });
        sim.setReady(1002, false);
        const s = await openStream(sim);
        await s.next((m) => m.initial);
        const id = await add(sim, 101);
        const answered = await s.next((m) => m.events.some((e) => e.ID === id && e.Status === 'AgentProcessing'), 3000, 'the agent answering');
        assert.deepStrictEqual(answered.state.agents.find((a) => a.id === 1001).sessions.map((r) => [r.OpenMediaID, r.Status]),
            [[id, 'AgentProcessing']]);
        await s.close();
    });

    it('queries (om-events polls) do not wake a watcher', async function () {
        sim = await startTestSimulator({ console: { updateMs: 20 } });
        const s = await openStream(sim);
        await s.next((m) => m.initial);
        let changes = 0;
        const off = sim.model.onChange(() => { changes += 1; });
        await soapPost(sim, 'GetAllOpenMediaRequestStatus', '<GetAllOpenMediaRequestStatus xmlns="http://tempuri.org/"/>');
        await soapPost(sim, 'GetOpenMediaRequestsByTime', '<GetOpenMediaRequestsByTime xmlns="http://tempuri.org/"/>');
        assert.strictEqual(changes, 0);
        await add(sim, 106);
        assert.strictEqual(changes, 1);
        off();
        await s.close();
    });

    it('refuses more than maxClients streams (503, Retry-After) and takes a new one when one leaves', async function () {
        sim = await startTestSimulator({ console: { maxClients: 2 } });
        const a = await openStream(sim);
        const b = await openStream(sim);
        const third = await httpRequest(`${sim.controlUrl}/stream`);
        assert.strictEqual(third.status, 503);
        assert.strictEqual(third.headers['retry-after'], '5');
        assert.strictEqual(JSON.parse(third.body).error, 'too many console windows open (2): close one');
        assert.strictEqual(sim.consoleHub.clientCount, 2);
        await a.close();
        await waitFor(() => sim.consoleHub.clientCount === 1, 2000, 'a stream left');
        const c = await openStream(sim);
        assert.strictEqual(c.status, 200);
        await Promise.all([b.close(), c.close()]);
    });

    it('sends a full update every heartbeatMs even when nothing changes', async function () {
        sim = await startTestSimulator({ console: { heartbeatMs: 50 } });
        const s = await openStream(sim);
        await s.next((m) => m.initial);
        const beats = await waitFor(() => (s.messages.length >= 4 ? s.messages : null), 3000, 'three heartbeats');
        assert.ok(beats.slice(1).every((m) => !m.initial && m.events.length === 0 && m.state.groups.length === 8));
        await s.close();
    });

    it('outlives the server\'s request and header timeouts (they are for receiving a request, not for answers)', async function () {
        sim = await startTestSimulator({ timeouts: { headersTimeout: 200, requestTimeout: 300 }, console: { heartbeatMs: 100 } });
        const s = await openStream(sim);
        let closed = false;
        s.ended.then(() => { closed = true; });
        // Ten heartbeats: past both timeouts three times over.
        await waitFor(() => s.messages.length >= 11, 5000, 'ten heartbeats');
        assert.strictEqual(closed, false);
        assert.strictEqual(sim.consoleHub.clientCount, 1);
        await s.close();
    });

    it('stop() ends every open stream and resolves', async function () {
        sim = await startTestSimulator();
        const streams = [await openStream(sim), await openStream(sim)];
        await Promise.all(streams.map((s) => s.next((m) => m.initial)));
        const hub = sim.consoleHub;
        await sim.stop();
        sim = undefined;
        await Promise.all(streams.map((s) => s.ended));
        assert.strictEqual(hub.clientCount, 0);
        assert.ok(streams.every((s) => s.res.complete || s.res.destroyed));
    });

    it('drops a client that does not read once maxBufferedBytes wait for it, instead of buffering without bound', async function () {
        sim = await startTestSimulator({ console: { maxBufferedBytes: 64 * 1024, updateMs: 60000 } });
        const url = new URL(sim.controlUrl);
        // A client that sends its request and then never reads a byte.
        const socket = net.connect(Number(url.port), url.hostname);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.pause();
        socket.write(`GET /control/stream HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
        await waitFor(() => sim.consoleHub.clientCount === 1, 2000, 'the stream open');
        const closed = new Promise((resolve) => socket.once('close', resolve));
        const big = 'x'.repeat(100);
        let flushes = 0;
        // Each flush writes the whole (bounded) picture; the kernel's socket buffers fill first, then ours.
        while (sim.consoleHub.dropped === 0 && flushes < 5000) {
            for (let i = 0; i < 5; i++) {
                sim.model.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: [{ Label: big, Data: big }, { Label: 'b', Data: big }], PrivateData: big } });
            }
            sim.consoleHub.flush();
            flushes += 1;
            if (flushes % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        assert.strictEqual(sim.consoleHub.dropped, 1, `not dropped after ${flushes} updates`);
        assert.strictEqual(sim.consoleHub.clientCount, 0);
        assert.deepStrictEqual(listeners(sim.model), { events: 0, changes: 0 });
        socket.resume();
        await closed;
        // It still serves the others.
        const s = await openStream(sim);
        assert.strictEqual(s.status, 200);
        await s.close();
    });

    it('refuses bad console options', async function () {
        await assert.rejects(startTestSimulator({ console: { maxClients: 0 } }), /console option maxClients must be a positive integer/);
    });
});

describe('simulator console: the page\'s files', function () {
    const ctx = useSimulator();
    const get = (p, opts) => httpRequest(`${base(ctx.sim)}${p}`, opts);

    it('serves the page at /console (and /console/) as HTML with a strict Content-Security-Policy', async function () {
        for (const p of ['/console', '/console/']) {
            const res = await get(p);
            assert.strictEqual(res.status, 200, p);
            assert.strictEqual(res.headers['content-type'], 'text/html; charset=utf-8');
            assert.strictEqual(res.body, fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8'));
            const csp = res.headers['content-security-policy'];
            assert.match(csp, /default-src 'none'/);
            assert.match(csp, /script-src 'self'(;|$)/);
            assert.match(csp, /style-src 'self'(;|$)/);
            assert.match(csp, /connect-src 'self'(;|$)/);
            assert.match(csp, /frame-ancestors 'none'/);
            assert.doesNotMatch(csp, /unsafe|\*|http:|https:/);
            assert.strictEqual(res.headers['x-content-type-options'], 'nosniff');
            assert.strictEqual(res.headers['x-frame-options'], 'DENY');
        }
    });

    it('serves the script and the style sheet with their types; HEAD has no body', async function () {
        const js = await get('/console/console.js');
        assert.strictEqual(js.status, 200);
        assert.strictEqual(js.headers['content-type'], 'text/javascript; charset=utf-8');
        assert.strictEqual(js.body, fs.readFileSync(path.join(CONSOLE_DIR, 'console.js'), 'utf8'));
        const css = await get('/console/console.css');
        assert.strictEqual(css.status, 200);
        assert.strictEqual(css.headers['content-type'], 'text/css; charset=utf-8');
        const head = await get('/console/console.js', { method: 'HEAD' });
        assert.strictEqual(head.status, 200);
        assert.strictEqual(head.body, '');
        assert.strictEqual(Number(head.headers['content-length']), Buffer.byteLength(js.body));
    });

    it('serves nothing else under /console, whatever the path says; only GET and HEAD', async function () {
        for (const p of ['/console/index.html', '/console/nope.js', '/console/%2e%2e/package.json', '/console/..%2fcontrol.js',
            '/console/console.js/x', '/consoles']) {
            const res = await get(p);
            assert.ok(res.status === 404, `${p}: ${res.status}`);
            assert.doesNotMatch(res.body, /"name"|require\(/, p);
        }
        const post = await get('/console', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
        assert.strictEqual(post.status, 405);
        assert.strictEqual(post.headers.allow, 'GET, HEAD');
    });

    it('the page has no inline script or style and no event-handler attributes; the script never writes HTML', function () {
        const html = fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8');
        const scripts = html.match(/<script\b[^>]*>/gi);
        assert.deepStrictEqual(scripts, ['<script src="/console/console.js" defer>']);
        assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/i);
        assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
        const js = fs.readFileSync(path.join(CONSOLE_DIR, 'console.js'), 'utf8');
        assert.doesNotMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
        // One place talks to the control API, and it always sends JSON with its Content-Type; the only other fetch
        // is a GET of the stream, to learn why the simulator refused it (EventSource does not say).
        const fetches = [...js.matchAll(/\bfetch\(([^,]+),\s*\{([^}]*)\}/g)].map((m) => [m[1].trim(), m[2]]);
        assert.strictEqual(js.match(/\bfetch\(/g).length, 2);
        assert.deepStrictEqual(fetches.map(([url]) => url), ["'/control' + path", "'/control/stream'"]);
        assert.match(js, /headers: \{ 'Content-Type': 'application\/json'/);
        assert.doesNotMatch(fetches[1][1], /method|body/, 'the stream probe is a plain GET');
    });
});
