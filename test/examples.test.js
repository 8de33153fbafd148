'use strict';
// The example flows (examples/*.json): each is imported and deployed in a real Node-RED runtime with its om-server
// pointed at a test simulator, and does what its comment node says. Time in the simulator only moves when a test
// says so (manual clock); every wait is bounded.
const assert = require('assert');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { helper, waitFor, waitForMessage } = require('./support/nodered');
const { useSimulator, httpRequest, controlGet } = require('./support/simulator');
const { loadExample, readExample, CORE, DASHBOARD, EXAMPLES } = require('./support/examples');
const { OpenMediaClient } = require('../lib/client');

const SIM_URL = 'http://127.0.0.1:12615/OpenMediaService';
const MINE = ['01-email-to-queue.json', '02-ticket-webhook.json', '03-on-completion.json', '04-queue-dashboard.json',
    '05-housekeeping.json', '06-ticket-update-on-complete.json', '07-live-demo.json', '08-wallboard.json'];
const OWN_TYPES = /^om-/;

/** Plain data (objects made in a function node's sandbox have another Object prototype). */
const plain = (v) => JSON.parse(JSON.stringify(v));

function postJson(url, body) {
    return httpRequest(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then((res) => ({ ...res, json: res.body ? JSON.parse(res.body) : undefined }));
}

/** A stand-in ticket system: records every request, answers 200 {ok:true}. */
async function startTicketServer() {
    const calls = [];
    const waiters = [];
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const call = { method: req.method, url: req.url, headers: req.headers, body };
            try { call.json = JSON.parse(body); } catch { call.json = undefined; }
            calls.push(call);
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end('{"ok":true}');
            for (const w of waiters.splice(0)) w();
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        calls,
        url: `http://127.0.0.1:${server.address().port}`,
        stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
}

describe('example flows', function () {
    describe('static checks', function () {
        const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

        it('has every example this suite covers', function () {
            for (const f of MINE) assert.ok(files.includes(f), `examples/${f} is missing`);
        });

        it('names every example NN-kebab-name.json, each number once', function () {
            for (const f of files) assert.match(f, /^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.json$/, f);
            const numbers = files.map((f) => f.slice(0, 2));
            assert.strictEqual(new Set(numbers).size, numbers.length, `a number used twice: ${files}`);
        });

        // An installed pack has no `npm start` (no sources, no scripts): its simulator is the pack's command, run
        // by the pack's full (scoped) name, which only its owner can publish: a bare command name could make npx
        // fetch a stranger's package of that name. test/pack/ runs it the way the comment says.
        for (const file of files) {
            it(`${file}: its comment tells an installed user how to start the simulator, by the pack's scoped name`, function () {
                const info = readExample(file).filter((n) => n.type === 'comment').map((n) => n.info || '').join('\n');
                assert.match(info, /`npx @micc-flows\/node-red-openmedia`/, file);
                for (const m of info.matchAll(/\bnpx\s+(?:-p\s+)?(\S+)/g)) assert.match(m[1], /^@micc-flows\//, `${file}: ${m[0]}`);
                assert.match(info, /Node-RED user directory/, file);
                for (const m of info.matchAll(/npm start/g)) {
                    const around = info.slice(Math.max(0, m.index - 120), m.index + 120);
                    assert.match(around, /clone/, `${file}: npm start without saying it is for a clone of the repository`);
                }
                // the control API takes JSON POSTs only (with the agreed Content-Type)
                for (const m of info.matchAll(/curl (-X POST|--json)[^\n]*?\/control\/\S+/g)) {
                    assert.match(m[0], /-H "Content-Type: application\/json"|--json/, `${file}: ${m[0]}`);
                }
            });
        }

        // Node-RED's Debug sidebar shows the first keys of the property a debug node shows: for msg.payload of an
        // om-events message that is Status, ID, TimeStamp and the correlation; for the whole message, only _msgid,
        // payload ... (collapsed). So a debug node after a pack node shows msg.payload, and so does every other one
        // unless the whole message is what it is about (an e-mail or an HTTP request built for a node to send).
        const WHOLE_MESSAGE = { 'e1a100000000000b': 'the e-mail for the "e-mail" node', '0c0e000000000004': 'the request for an http request node' };
        for (const file of files.filter((f) => readExample(f).some((n) => n.type === 'debug'))) {
            it(`${file}: its debug nodes show msg.payload (the answer, or the status change), unless the whole message is the point`, function () {
                const flow = readExample(file);
                const debugs = flow.filter((n) => n.type === 'debug');
                assert.ok(debugs.length > 0);
                for (const d of debugs) {
                    const fedBy = flow.filter((n) => (n.wires || []).some((out) => out.includes(d.id))).map((n) => n.type);
                    if (WHOLE_MESSAGE[d.id]) {
                        assert.ok(!fedBy.some((t) => /^om-/.test(t)), `${d.id}: fed by a pack node`);
                        continue;
                    }
                    assert.deepStrictEqual([d.complete, d.targetType], ['payload', 'msg'], `${file}: debug "${d.name}" (after ${fedBy})`);
                }
            });

            it(`${file}: its om-server sets every setting the dialog shows (Max answer: the 32 MB default)`, function () {
                const servers = readExample(file).filter((n) => n.type === 'om-server');
                assert.ok(servers.length >= 1);
                for (const s of servers) assert.deepStrictEqual([s.timeout, s.maxAnswerMB, s.wsdlSource], [10, 32, 'bundled'], s.id);
            });
        }

        for (const file of MINE) {
            it(`${file}: a comment, only core nodes and ours, servers on the simulator without credentials`, function () {
                const flow = readExample(file);
                const ids = new Set();
                for (const n of flow) {
                    assert.ok(!ids.has(n.id), `duplicate id ${n.id}`);
                    ids.add(n.id);
                }
                assert.ok(flow.some((n) => n.type === 'comment' && n.name && n.info && n.info.length > 80),
                    'no comment node saying what the flow shows');
                for (const n of flow) {
                    if (n.type === 'tab') continue;
                    assert.ok(OWN_TYPES.test(n.type) || CORE[n.type] || (file === '08-wallboard.json' && DASHBOARD[n.type]),
                        `${file}: node type ${n.type} is neither core nor ours`);
                    if (n.type === 'om-server') {
                        assert.strictEqual(n.url, SIM_URL);
                        assert.strictEqual(n.credentials, undefined);
                    }
                    if (n.server) assert.ok(flow.some((s) => s.id === n.server && s.type === 'om-server'), `${n.id}: server not in the file`);
                    for (const out of n.wires || []) {
                        for (const target of out) assert.ok(ids.has(target) || flow.some((t) => t.id === target), `${n.id} wired to missing ${target}`);
                    }
                }
                assert.ok(!/"(logonId|password)"\s*:/i.test(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')), 'credentials in an example');
            });
        }
    });

    describe('against the simulator', function () {
        const ctx = useSimulator();
        let ex;
        let client;

        beforeEach(function () {
            ctx.sim.reset();
            ctx.sim.clearFaults();
            client = new OpenMediaClient({ endpoint: ctx.sim.url, timeoutMs: 5000 });
        });
        afterEach(async function () {
            if (ex) await ex.unload();
            ex = undefined;
            await client.close();
        });

        describe('01 e-mail to queue', function () {
            it('queues an e-mail to support@ and remembers its OpenMediaID by message id', async function () {
                ex = await loadExample('01-email-to-queue.json', { url: ctx.sim.url });
                const queued = waitForMessage(ex.node('queued'), 5000);
                ex.node('e-mail to support@').receive({});
                const msg = await queued;
                assert.strictEqual(msg.payload.RequestStatus, 'Success');
                const id = msg.payload.OpenMediaID;
                const status = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: id });
                assert.strictEqual(status.OpenMediaRequests[0].ServiceGroupID, 101);
                const known = ex.node('remember OpenMediaID').context().flow.get('emailRequests');
                assert.deepStrictEqual(plain(Object.keys(known)), ['<4711@mail.example.com>']);
                assert.strictEqual(known['<4711@mail.example.com>'].OpenMediaID, id);
                assert.strictEqual(known['<4711@mail.example.com>'].from, 'jane.doe@example.com');
                assert.deepStrictEqual(plain(msg.openMedia.request.IVRInfo), [
                    { Label: 'Subject', Data: 'Printer on fire' }, { Label: 'From', Data: 'jane.doe@example.com' }]);
            });

            it('answers the sender when the group is closed (after-hours address -> group 104)', async function () {
                ex = await loadExample('01-email-to-queue.json', { url: ctx.sim.url });
                const reply = waitForMessage(ex.node('auto-reply (wire "e-mail" out here)'), 5000);
                ex.node('e-mail to afterhours@').receive({});
                const msg = await reply;
                assert.strictEqual(msg.to, 'max.mustermann@example.com');
                assert.strictEqual(msg.topic, 'Re: Invoice question');
                assert.strictEqual(msg.inReplyTo, '<4712@mail.example.com>');
                assert.strictEqual(msg.refused, 'GroupClosed');
                assert.match(msg.payload, /not available/);
                assert.strictEqual(ex.node('remember OpenMediaID').context().flow.get('emailRequests'), undefined);
            });

            it('answers the sender when support closes, and sends other refusals to "needs a person"', async function () {
                ex = await loadExample('01-email-to-queue.json', { url: ctx.sim.url });
                ctx.sim.setGroupOpen(101, false);
                const reply = waitForMessage(ex.node('auto-reply (wire "e-mail" out here)'), 5000);
                ex.node('e-mail to support@').receive({});
                assert.strictEqual((await reply).to, 'jane.doe@example.com');

                ctx.sim.setTenantEnabled(1, false);
                const person = waitForMessage(ex.node('needs a person'), 5000);
                ex.node('e-mail to support@').receive({});
                assert.strictEqual((await person).payload.RequestStatus, 'TenantDisabled');
            });
        });

        describe('02 ticket webhook', function () {
            it('POST /ticket answers 202 with the OpenMediaID, position and EWT; the ticket id is the correlation', async function () {
                ex = await loadExample('02-ticket-webhook.json', { url: ctx.sim.url, http: true });
                const added = waitFor(ex.node('MiCC simulator'), 'openmedia:added', 5000);
                const res = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-1001', subject: 'Printer on fire', priority: 'high' });
                assert.strictEqual(res.status, 202, res.body);
                const ev = await added;
                assert.strictEqual(ev.correlation, 'T-1001');
                assert.deepStrictEqual(res.json, {
                    ticket: 'T-1001', accepted: true, OpenMediaID: ev.OpenMediaID, QueuePosition: 0, EWT: 0,
                });
                assert.strictEqual(ev.request.ServiceGroupID, 102);
                assert.strictEqual(ev.request.SessionPriority, 10);
                const status = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: ev.OpenMediaID });
                assert.strictEqual(status.OpenMediaRequests[0].Status, 'AllocatedToAgent');

                // Group 102's only logged-on agent is busy now: the next one waits, with a position and an EWT.
                const second = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-1002' });
                assert.strictEqual(second.status, 202);
                assert.strictEqual(second.json.QueuePosition, 1);
                assert.ok(second.json.EWT > 0, JSON.stringify(second.json));
            });

            it('answers 503 with Retry-After for a closed group, 409 for another refusal', async function () {
                ex = await loadExample('02-ticket-webhook.json', { url: ctx.sim.url, http: true });
                ctx.sim.setGroupOpen(102, false);
                const closed = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-1' });
                assert.strictEqual(closed.status, 503);
                assert.strictEqual(closed.headers['retry-after'], '600');
                assert.deepStrictEqual(closed.json, { ticket: 'T-1', accepted: false, RequestStatus: 'GroupClosed' });
                await ex.unload();

                ex = await loadExample('02-ticket-webhook.json', {
                    url: ctx.sim.url,
                    http: true,
                    edit: (flow) => {
                        const fn = flow.find((n) => n.name === 'ticket to request');
                        fn.func = fn.func.replace('const GROUP = 102;', 'const GROUP = 999;');
                    },
                });
                const invalid = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-2' });
                assert.strictEqual(invalid.status, 409);
                assert.strictEqual(invalid.json.RequestStatus, 'InvalidGroup');
            });

            it('answers 400 without an id or for input the service would refuse, 502 when the service fails', async function () {
                ex = await loadExample('02-ticket-webhook.json', { url: ctx.sim.url, http: true });
                const before = ctx.sim.receivedCount('AddRequest');
                const noId = await postJson(`${ex.httpUrl}/ticket`, { subject: 'who am I' });
                assert.strictEqual(noId.status, 400);
                assert.strictEqual(noId.json.error, 'a JSON body with an "id" is required');
                const text = await httpRequest(`${ex.httpUrl}/ticket`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'T-9' });
                assert.strictEqual(text.status, 400);
                assert.strictEqual(ctx.sim.receivedCount('AddRequest'), before);

                ctx.sim.setLicense(false);
                const fault = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-5' });
                assert.strictEqual(fault.status, 502);
                assert.strictEqual(fault.json.error, 'NoLicenseFault');
                assert.strictEqual(fault.json.ticket, 'T-5');
            });

            it('answers 400 for INVALID_INPUT caught before the wire (nothing sent)', async function () {
                ex = await loadExample('02-ticket-webhook.json', {
                    url: ctx.sim.url,
                    http: true,
                    edit: (flow) => {
                        // A priority outside 1..100, as a user's mapping mistake would produce.
                        const fn = flow.find((n) => n.name === 'ticket to request');
                        fn.func = fn.func.replace('urgent: 1,', 'urgent: 0,').replace('PRIORITY[t.priority] || PRIORITY.normal',
                            "t.priority in PRIORITY ? PRIORITY[t.priority] : PRIORITY.normal");
                    },
                });
                const before = ctx.sim.receivedCount('AddRequest');
                const res = await postJson(`${ex.httpUrl}/ticket`, { id: 'T-6', priority: 'urgent' });
                assert.strictEqual(res.status, 400, res.body);
                assert.strictEqual(res.json.error, 'INVALID_INPUT');
                assert.strictEqual(ctx.sim.receivedCount('AddRequest'), before);
            });
        });

        describe('03 on completion', function () {
            let tickets;
            beforeEach(async function () { tickets = await startTicketServer(); });
            afterEach(async function () { await tickets.stop(); });

            const load = () => loadExample('03-on-completion.json', {
                url: ctx.sim.url,
                edit: (flow) => {
                    const call = flow.find((n) => n.type === 'http request');
                    assert.ok(call.url.startsWith('http://127.0.0.1:8080/'));
                    call.url = call.url.replace('http://127.0.0.1:8080', tickets.url);
                },
            });

            /** Until om-events has done its first poll (from then on, every new event is reported). */
            const firstPoll = () => {
                const node = ex.node('Complete / Failed');
                return waitFor(() => helper._NodePrototype.status.getCalls()
                    .some((c) => c.thisValue === node && c.args[0] && c.args[0].text === 'no changes yet'), 8000, 'the first poll')
                    .catch((e) => { throw new Error(`${e.message}; statuses: ${JSON.stringify(helper._NodePrototype.status.getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0]))}`); });
            };

            /** Polls om-events now (any input does) until the predicate holds; bounded. */
            const pollUntil = (predicate, what) => waitFor(() => {
                ex.node('Complete / Failed').receive({});
                return predicate();
            }, 8000, what);

            it('Complete: calls the ticket system with the ticket id when the agent completes', async function () {
                ex = await load();
                await firstPoll();
                const queued = waitForMessage(ex.node('queued'), 5000);
                ex.node('new ticket').receive({});
                const id = (await queued).payload.OpenMediaID;
                // Group 102: agent 1001 takes it at once; the simulator's agent answers and completes.
                ctx.sim.answer(id);
                ctx.sim.complete(id);
                const answered = waitForMessage(ex.node('ticket system answered'), 10000);
                await pollUntil(() => tickets.calls.length > 0, 'the ticket system call');
                assert.strictEqual(tickets.calls.length, 1);
                const call = tickets.calls[0];
                assert.strictEqual(call.method, 'POST');
                assert.strictEqual(call.url, '/tickets/T-2001/resolve');
                assert.match(call.headers['content-type'], /application\/json/);
                assert.strictEqual(call.json.status, 'resolved');
                assert.strictEqual(call.json.OpenMediaID, id);
                assert.strictEqual(call.json.agent, '4001');
                assert.ok(!Number.isNaN(Date.parse(call.json.completedAt)));
                assert.strictEqual((await answered).payload, '{"ok":true}');
            });

            it('Failed: queues the same ticket again to the whole group, without the forced agent', async function () {
                ex = await load();
                await firstPoll();
                const added = [];
                ex.node('MiCC simulator').on('openmedia:added', (e) => added.push(e));
                const queued = waitForMessage(ex.node('queued'), 5000);
                ex.node('ticket for agent 4001 only').receive({});
                const first = (await queued).payload.OpenMediaID;
                assert.strictEqual(added[0].request.ForceToPreferredAgent, true);
                // The forced agent logs off: the request fails (nobody else may take it).
                ctx.sim.logoff(1001);
                const status = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: first });
                assert.strictEqual(status.OpenMediaRequests[0].Status, 'Failed');

                await pollUntil(() => added.length === 2, 'the resubmitted AddRequest');
                const again = added[1];
                assert.notStrictEqual(again.OpenMediaID, first);
                assert.strictEqual(again.correlation, 'T-2002');
                assert.strictEqual(again.request.ServiceGroupID, 102);
                assert.strictEqual(again.request.ForceToPreferredAgent, undefined);
                assert.strictEqual(again.request.PreferredAgentLogonID, undefined);
                assert.deepStrictEqual(plain(again.request.IVRInfo), plain(added[0].request.IVRInfo));
                const now = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: again.OpenMediaID });
                assert.strictEqual(now.OpenMediaRequests[0].Status, 'Queued'); // nobody of group 102 is logged on
                assert.strictEqual(tickets.calls.length, 0);
            });

            it('Failed again and again: gives up after three tries', async function () {
                ex = await load();
                await firstPoll();
                const added = [];
                ex.node('MiCC simulator').on('openmedia:added', (e) => added.push(e));
                let gaveUp;
                ex.node('gave up').on('input', (m) => { gaveUp = m; });
                ex.node('new ticket').receive({});
                // Every try fails: the router drops every open request (and is back for the next try).
                for (let i = 1; i <= 4; i++) {
                    await waitFor(() => added.length === i, 8000, `try ${i}`);
                    ctx.sim.disconnectRouter();
                    ctx.sim.reconnectRouter();
                    if (i < 4) await pollUntil(() => added.length === i + 1, `try ${i + 1}`);
                }
                await pollUntil(() => gaveUp, 'giving up');
                assert.strictEqual(added.length, 4, 'the first try and three more');
                assert.strictEqual(gaveUp.payload.ticket, 'T-2001');
                assert.strictEqual(gaveUp.payload.gaveUp, true);
                assert.strictEqual(gaveUp.payload.lastFailed.Status, 'Failed');
                assert.strictEqual(gaveUp.payload.lastFailed.ID, added[3].OpenMediaID);
            });
        });

        describe('demo flow (npm start)', function () {
            const load = () => loadExample('07-live-demo.json', {
                url: ctx.sim.url,
                // Nothing fires by itself in the test: the test presses the inject buttons.
                edit: (flow) => flow.filter((n) => n.type === 'inject').forEach((n) => { n.once = false; n.repeat = ''; }),
            });
            const statusTexts = (node) => helper._NodePrototype.status.getCalls()
                .filter((c) => c.thisValue === node && c.args[0]).map((c) => c.args[0].text);

            it('adds work items, follows each through its life, counts the completed ones', async function () {
                ctx.sim.reset('demo');
                ex = await load();
                const lines = [];
                ex.node('life line').on('input', (m) => lines.push(m.payload));
                const completed = [];
                ex.node('completed', 'debug').on('input', (m) => completed.push(m.payload));
                for (const name of ['every status change', 'completed']) {
                    const node = ex.node(name, 'om-events');
                    await waitFor(() => statusTexts(node).includes('no changes yet'), 8000, `${name}: first poll`);
                }
                const queued = waitForMessage(ex.node('queued'), 5000);
                ex.node('new work item').receive({});
                const first = await queued;
                assert.strictEqual(first.payload.RequestStatus, 'Success');
                assert.strictEqual(first.openMedia.request.ServiceGroupID, 103);
                const id = first.payload.OpenMediaID;

                // The demo contact center's agents answer and complete by themselves as time passes.
                ctx.sim.advance(60000);
                const poll = () => { ex.node('every status change').receive({}); ex.node('completed', 'om-events').receive({}); };
                await waitFor(() => { poll(); return completed.length === 1; }, 8000, 'the completed item');
                assert.strictEqual(completed[0].item, 'C-1001');
                assert.strictEqual(completed[0].OpenMediaID, id);
                assert.strictEqual(completed[0].agent, '4004'); // the first item asks for the quickest agent
                await waitFor(() => { poll(); return lines.some((l) => / Complete /.test(l)); }, 8000, 'the Complete line');
                const mine = lines.filter((l) => l.startsWith(`C-1001 #${id} `));
                assert.deepStrictEqual(mine.map((l) => l.split(' ')[2]), ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete']);
                assert.match(mine[3], /^C-1001 #\d+ Complete \(agent 4004, Chat\) after 11 s$/);
                assert.ok(statusTexts(ex.node('count completed')).includes(`1 completed, last C-1001 by agent ${completed[0].agent}`));
            });

            it('sends one item in seven to the closed group (not accepted) and pauses while too many wait', async function () {
                ctx.sim.reset('demo');
                ex = await load();
                const refused = waitForMessage(ex.node('not accepted'), 5000);
                for (let i = 0; i < 7; i++) ex.node('new work item').receive({});
                const msg = await refused;
                assert.strictEqual(msg.payload.RequestStatus, 'GroupClosed');
                assert.strictEqual(msg.openMedia.request.ServiceGroupID, 104);
                await waitFor(() => ctx.sim.receivedCount('AddRequest') >= 7, 5000, 'seven AddRequests');

                const queues = waitForMessage(ex.node('queues'), 5000);
                ex.node('every 5 s').receive({});
                const q = await queues;
                const groups = plain(q.payload.groups);
                assert.deepStrictEqual(groups.map((g) => g.group), [101, 102, 103, 104]);
                assert.strictEqual(groups.reduce((n, g) => n + g.waiting + g.withAgents, 0), 6);
                assert.strictEqual(ex.node('queue per group').context().flow.get('waiting'), q.payload.waiting);

                ex.node('queue per group').context().flow.set('waiting', 9);
                const before = ctx.sim.receivedCount('AddRequest');
                ex.node('new work item').receive({});
                await waitFor(() => statusTexts(ex.node('next work item')).includes('paused: 9 waiting'), 5000, 'the paused status');
                assert.strictEqual(ctx.sim.receivedCount('AddRequest'), before);
            });
        });

        describe('04 queue dashboard', function () {
            it('counts the requests per group and status of the tenant', async function () {
                const add = async (ServiceGroupID) => (await client.call('AddRequest', { ServiceGroupID, IVRInfo: [{ Label: 'x', Data: 'y' }] })).OpenMediaID;
                // 101: agents 1001 and 1002 take the first two; the third waits. 106 has no agent: queued.
                const a = await add(101);
                await add(101);
                await add(101);
                await add(106);
                const c = await add(106);
                ctx.sim.answer(a);
                await client.call('CancelRequest', { OpenMediaID: c, CancelIfAllocated: true, DoNotReport: false });

                ex = await loadExample('04-queue-dashboard.json', {
                    url: ctx.sim.url,
                    edit: (flow) => { flow.find((n) => n.type === 'inject').once = false; },
                });
                const out = waitForMessage(ex.node('queues'), 5000);
                ex.node('every 10 s').receive({});
                const msg = await out;
                const by = Object.fromEntries(msg.payload.groups.map((g) => [g.ServiceGroupID, g]));
                assert.deepStrictEqual(Object.keys(by).map(Number), [101, 102, 103, 104, 106, 107]);
                assert.deepStrictEqual(plain(by[101]), { ServiceGroupID: 101, Open: true, Queued: 1, AllocatedToAgent: 1, AgentProcessing: 1, Complete: 0, Failed: 0, Cancelled: 0 });
                assert.deepStrictEqual(plain(by[106]), { ServiceGroupID: 106, Open: true, Queued: 1, AllocatedToAgent: 0, AgentProcessing: 0, Complete: 0, Failed: 0, Cancelled: 1 });
                assert.strictEqual(by[104].Open, false);
                assert.strictEqual(msg.payload.waiting, 2);
                assert.strictEqual(msg.payload.withAgents, 2);
                assert.strictEqual(msg.groups, undefined);
            });
        });

        describe('08 wallboard (FlowFuse Dashboard 2.0)', function () {
            const load = () => loadExample('08-wallboard.json', {
                url: ctx.sim.url,
                // The test presses the inject buttons itself.
                edit: (flow) => flow.filter((n) => n.type === 'inject').forEach((n) => { n.once = false; n.repeat = ''; }),
            });
            /** The next message that reaches a node of the flow (a dashboard widget: what it would show). */
            const next = (name) => new Promise((resolve) => ex.node(name).once('input', resolve));

            it('the dashboard nodes are installed (the devDependency) for this test', function () {
                for (const type of ['ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-table', 'ui-text', 'ui-form']) {
                    assert.ok(DASHBOARD[type], `@flowfuse/node-red-dashboard does not provide ${type}`);
                }
            });

            it('deploys; the service group table shows what the simulator reports, agents per group included', async function () {
                ctx.sim.reset('demo');
                ctx.sim.setGroupOpen(103, false);
                ctx.sim.setReady(1002, false);
                const add = (ServiceGroupID) => client.call('AddRequest', { ServiceGroupID, IVRInfo: [{ Label: 'x', Data: 'y' }] });
                for (const g of [101, 101, 101, 102, 102]) await add(g);
                ctx.sim.advance(30000); // the demo's agents answer after a few seconds; some requests wait 30 s
                await add(101);
                ex = await load();

                // the group names: the service gives ids only; the example names the demo's groups in one node
                ex.node('group names (edit here)').receive({});
                const names = () => ex.node('keep the names').context().flow.get('groupNames');
                await waitFor(() => names() !== undefined, 5000, 'the group names kept');
                ex.node('every 30 s').receive({});
                const remembered = () => ex.node('remember agents').context().flow.get('agentsByGroup');
                await waitFor(() => Object.keys(remembered() || {}).length === 4, 5000, 'agents of every group');
                const table = next('service groups');
                const totals = next('totals');
                ex.node('every 5 s').receive({});
                const rows = plain((await table).payload);

                const state = (await controlGet(ctx.sim, '/state')).json;
                const expected = state.groups.filter((g) => g.tenantId === 1 && g.openMedia).map((g) => {
                    const held = state.requests.filter((r) => r.ServiceGroupID === g.id
                        && (r.Status === 'AllocatedToAgent' || r.Status === 'AgentProcessing')).length;
                    return { Group: g.name, ID: g.id, Open: g.open ? 'open' : 'closed', Waiting: g.queue.length, WithAgents: held, Agents: g.agents.length };
                });
                assert.deepStrictEqual(rows.map(({ OldestWait, ...r }) => r), expected);
                // the table's columns, in the order the rows give them: the name beside the id
                assert.deepStrictEqual(readExample('08-wallboard.json').find((n) => n.name === 'service groups').columns.map((c) => c.key),
                    ['Group', 'ID', 'Open', 'Waiting', 'WithAgents', 'OldestWait', 'Agents']);
                assert.ok(expected.some((r) => r.Waiting > 0) && expected.some((r) => r.WithAgents > 0), 'a test that shows nothing');
                // The oldest of group 101's waiting requests was queued 30 s before the last add (server clock).
                assert.strictEqual(rows.find((r) => r.ID === 101).OldestWait, '0:30');
                assert.strictEqual(rows.find((r) => r.ID === 104).OldestWait, '-');
                const waiting = expected.reduce((n, r) => n + r.Waiting, 0);
                const withAgents = expected.reduce((n, r) => n + r.WithAgents, 0);
                assert.match((await totals).payload, new RegExp(`^${waiting} waiting, ${withAgents} with agents \\(server time `));
            });

            it('the form queues a test item with its reference as the correlation; a refusal and a fault are shown', async function () {
                ctx.sim.reset('demo');
                ex = await load();
                const added = waitFor(ex.node('MiCC simulator'), 'openmedia:added', 5000);
                let shown = next('last test item');
                // What ui-form sends on submit: its fields by key.
                ex.node('form to request').receive({ payload: { group: 102, subject: 'Printer <on fire>', reference: 'T-77' } });
                const ev = await added;
                assert.strictEqual(ev.correlation, 'T-77');
                assert.match((await shown).payload, new RegExp(`^#${ev.OpenMediaID} queued`));
                const detail = ctx.sim.model.getRequest(ev.OpenMediaID);
                assert.strictEqual(detail.ServiceGroupID, 102);
                assert.deepStrictEqual(plain(detail.IVRInfo), [{ Label: 'Subject', Data: 'Printer <on fire>' }]);

                shown = next('last test item');
                ex.node('form to request').receive({ payload: { group: 104, subject: 'after hours' } });
                assert.strictEqual((await shown).payload, 'not queued: GroupClosed');

                ctx.sim.setLicense(false);
                shown = next('last test item');
                ex.node('form to request').receive({ payload: { group: 102, subject: 'no licence' } });
                assert.match((await shown).payload, /^failed: .*licen/i);
            });

            it('the latest status changes table lists om-events\' records, newest first, with the correlation', async function () {
                ctx.sim.reset('demo');
                ex = await load();
                // names from the one place the flow keeps them (as the "group names" node does); a group not named
                // there shows its id only
                ex.node('keep the names').receive({ payload: { 103: 'Web chat' } });
                const poller = ex.node('every status change');
                await waitFor(() => helper._NodePrototype.status.getCalls()
                    .some((c) => c.thisValue === poller && c.args[0] && c.args[0].text === 'no changes yet'), 8000, 'the first poll');
                const added = waitFor(ex.node('MiCC simulator'), 'openmedia:added', 5000);
                ex.node('form to request').receive({ payload: { group: 103, subject: 'chat', reference: 'C-5' } });
                const id = (await added).OpenMediaID;
                const latest = () => ex.node('latest changes').context().get('latest') || [];
                await waitFor(() => { poller.receive({}); return latest().length >= 2; }, 8000, 'two status changes');
                const rows = plain(latest()).filter((r) => r.ID === id);
                assert.deepStrictEqual(rows.map((r) => r.Status), ['AllocatedToAgent', 'Queued']);
                assert.ok(rows.every((r) => r.Correlation === 'C-5' && r.Group === 'Web chat (103)'), JSON.stringify(rows));
                ex.node('keep the names').receive({ payload: {} });
                const more = latest().length;
                ex.node('form to request').receive({ payload: { group: 103, subject: 'chat 2' } });
                await waitFor(() => { poller.receive({}); return latest().length > more; }, 8000, 'one more status change');
                assert.strictEqual(latest()[0].Group, 103, 'a group without a name: its id');
                assert.ok(rows[0].Agent, 'the agent of AllocatedToAgent');
            });
        });

        describe('05 housekeeping', function () {
            it('each operation once, on the request "add a request" created', async function () {
                // Nobody free in 101 or 103: the request stays queued, so it can be modified and diverted.
                for (const agent of [1001, 1002, 1004]) ctx.sim.setReady(agent, false);
                ex = await loadExample('05-housekeeping.json', { url: ctx.sim.url });
                const press = async (inject, debugName) => {
                    const out = waitForMessage(ex.node(debugName, 'debug'), 5000);
                    ex.node(inject, 'inject').receive({});
                    return out;
                };
                const added = await press('add a request', 'added');
                const id = added.payload.OpenMediaID;
                assert.strictEqual(ex.node('remember the id').context().flow.get('lastOpenMediaID'), id);

                const mod = await press('modify', 'modify');
                assert.strictEqual(mod.payload, true);
                assert.strictEqual(mod.openMedia.request.OpenMediaID, id);

                const div = await press('divert to 103', 'divert to 103: accepted');
                assert.strictEqual(div.payload.RequestStatus, 'Success');
                assert.strictEqual(div.payload.OpenMediaID, id);

                const his = await press('history', 'history');
                assert.deepStrictEqual(his.payload.OpenMediaRequests.map((r) => [r.ServiceGroupID, r.Status]), [[101, 'Queued'], [103, 'Queued']]);

                const can = await press('cancel', 'cancel');
                assert.strictEqual(can.payload, true);
                const status = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: id });
                assert.strictEqual(status.OpenMediaRequests[0].Status, 'Cancelled');

                const opt = await press('set options', 'set options');
                assert.strictEqual(opt.payload, true);
                assert.deepStrictEqual(plain(opt.openMedia.request), { TypeOfSession: 2, CloseTabOptions: 2, MaxNumberOfSessions: 3, AllowDifferentTypes: 2 });

                const bt = await press('last 10 minutes', 'last 10 minutes');
                assert.ok(typeof bt.openMedia.request.retrieveLaterThan === 'string');
                assert.deepStrictEqual(bt.payload.OpenMediaRequests.map((r) => r.Status), ['Queued', 'Queued', 'Cancelled']);

                const ag = await press('agents of 101', 'agents of 101');
                assert.deepStrictEqual(ag.payload, { AgentList: [1001, 1002], ServiceGroupID: 101 });
            });
        });
    });
});
