'use strict';
/*
 * The credentials stay out of everything a flow, a log or an export shows, in a real Node-RED runtime against a
 * hostile server (test/support/hostile.js: real HTTP on 127.0.0.1, echoing the LogonID and Password every way it
 * can). For generated credentials and every echo: msg.error, msg.openMedia.error (caught by a Catch node), the
 * Node-RED log of an error no Catch node handles, every status text, warning and log call of every node (operation
 * nodes and om-events), and the flow configuration the runtime serves (GET /flows) show neither the LogonID nor any
 * 4-character window of the password.
 */
const assert = require('assert');
const { helper, waitFor, waitForMessage } = require('./support/nodered');
const { startHostileServer, ECHOES, randomCredentials, rng, secretFindings } = require('./support/hostile');
const { startServer } = require('./support/answer-server');
const { result, record } = require('./support/canned-answers');
const omServer = require('../nodes/om-server.js');
const omOperations = require('../nodes/om-operations.js');
const omEvents = require('../nodes/om-events.js');
const { PollLoop } = require('../lib/events/poller');

const NODES = [omServer, omOperations, omEvents];

function flowFor(url) {
    return [
        { id: 'f1', type: 'tab', label: 'hostile' },
        { id: 'srv', type: 'om-server', name: 'hostile', url, timeout: 5, wsdlSource: 'bundled' },
        { id: 'op', z: 'f1', type: 'om-cancel-request', name: 'cancel', server: 'srv', wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
        { id: 'catcher', z: 'f1', type: 'catch', scope: ['op'], uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
        // No Catch node for this one: its errors go to the Node-RED log.
        { id: 'loose', z: 'f1', type: 'om-request-status', name: 'status', server: 'srv', wires: [[]] },
        { id: 'ev', z: 'f1', type: 'om-events', name: 'events', server: 'srv', start: 'now', statuses: [], groups: '', onlyOwn: false,
            outputPerStatus: false, interval: 60, dataExpiration: 30, checkEvery: 12, store: '', wires: [['evout']] },
        { id: 'evout', z: 'f1', type: 'helper' },
    ];
}

/** Every call of a Node prototype method the helper spies on (status, warn, error, log ...), all nodes. */
const spied = (method) => helper._NodePrototype[method].getCalls().map((c) => c.args);

describe('nodes: credentials in no msg, status, log or served flow, whatever the server echoes', function () {
    this.timeout(120000);
    let server;
    before(async function () {
        server = await startHostileServer();
    });
    after(async function () {
        await server.stop();
    });
    afterEach(async function () {
        await helper.unload();
    });

    const random = rng(20240610);
    // A fixed pair with XML specials, then generated ones. (A password sharing 4 characters in a row with a word of the
    // configuration, e.g. "Winter" with om-events' "interval", would be reported here though nothing leaked.)
    const credentials = [{ logonId: 'omadmin', password: 'Qz7&<#kP"v!9w>Xr' }, randomCredentials(random), randomCredentials(random)];

    for (const creds of credentials) {
        it(`every echo, credentials ${JSON.stringify(creds.logonId)} + a ${Array.from(creds.password).length}-character password`, async function () {
            await helper.load(NODES, flowFor(server.url), { srv: creds });
            const loop = await waitFor(() => PollLoop.peek(helper.getNode('srv')), 5000, 'the om-events loop');
            const seen = [];
            for (const mode of Object.keys(ECHOES)) {
                server.mode = mode;
                server.seen.length = 0;
                const caught = waitForMessage(helper.getNode('caught'), 5000);
                helper.getNode('op').receive({ payload: { OpenMediaID: 7, CancelIfAllocated: true, DoNotReport: false } });
                const msg = await caught;
                assert.ok(msg.error && msg.error.code && msg.openMedia.error, `${mode}: ${JSON.stringify(msg.error)}`);
                assert.notStrictEqual(msg.error.code.toLowerCase(), creds.logonId.toLowerCase());
                seen.push({ mode, error: msg.error, openMedia: msg.openMedia });

                const logged = helper.log().callCount;
                helper.getNode('loose').receive({ payload: { OpenMediaID: 7 } });
                await waitFor(() => helper.log().getCalls().slice(logged).some((c) => c.args[0].level === helper.log().ERROR && c.args[0].id === 'loose'),
                    5000, `${mode}: the uncaught error in the Node-RED log`);
                await loop.poll();
                assert.ok(server.seen.length >= 3 && server.seen.every((s) => s.logonId === creds.logonId && s.password === creds.password),
                    `${mode}: the server was sent the credentials`);
            }
            await waitFor(() => spied('status').some((args) => args[0] && args[0].fill === 'red' && helper.getNode('ev')), 2000, 'red statuses');
            const texts = [
                seen,
                spied('status'), spied('warn'), spied('error'), spied('log'),
                helper.log().getCalls().map((c) => c.args[0]),
                JSON.parse(JSON.stringify(helper._redNodes.getFlows())),
            ];
            const found = secretFindings(texts, creds);
            assert.deepStrictEqual(found.slice(0, 5), [], `${found.length} findings`);
            // The checks saw the errors they were meant to: every echo reached the Catch node, and the log has errors.
            assert.strictEqual(seen.length, Object.keys(ECHOES).length);
            assert.ok(helper.log().getCalls().filter((c) => c.args[0].level === helper.log().ERROR).length >= seen.length);
        });
    }

    describe('a status never shows what the server sent in a value that carries a credential (review r1 S1)', function () {
        const creds = { logonId: 'agentsmith', password: 'Tr0ub4dor&3x' };
        const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        let answers;
        afterEach(async function () {
            if (answers) await answers.stop();
            answers = undefined;
        });

        it('an AddRequest answer whose RequestStatus is the password: BAD_RESPONSE, never shown; a status record naming the LogonID: the agent left out', async function () {
            const bodies = {
                AddRequest: result('AddRequest', `<a:EWT>0</a:EWT><a:OpenMediaID>0</a:OpenMediaID><a:QueuePosition>0</a:QueuePosition><a:RequestStatus>${esc(creds.password)}</a:RequestStatus>`),
                GetOpenMediaRequestStatusByID: result('GetOpenMediaRequestStatusByID',
                    `<a:OpenMediaRequests>${record(16, 'AgentProcessing', creds.logonId, '2024-05-01T08:00:00Z', { agent: 7 })}</a:OpenMediaRequests><a:TimeStamp>2024-05-01T08:00:01Z</a:TimeStamp>`),
            };
            answers = await startServer(({ op }) => ({ body: bodies[op] }));
            const flow = [
                { id: 'f1', type: 'tab', label: 'echoed values' },
                { id: 'srv', type: 'om-server', name: 'echo', url: answers.url, timeout: 5, wsdlSource: 'bundled' },
                { id: 'adder', z: 'f1', type: 'om-add-request', name: 'add', server: 'srv', wires: [['out'], ['out']] },
                { id: 'asker', z: 'f1', type: 'om-request-status', name: 'ask', server: 'srv', wires: [['out']] },
                { id: 'out', z: 'f1', type: 'helper' },
                { id: 'catcher', z: 'f1', type: 'catch', scope: ['adder'], uncaught: false, wires: [['caught']] },
                { id: 'caught', z: 'f1', type: 'helper' },
            ];
            await helper.load(NODES, flow, { srv: creds });
            const caught = waitForMessage(helper.getNode('caught'), 5000);
            helper.getNode('adder').receive({ payload: { ServiceGroupID: 101, IVRInfo: [{ Label: 'l', Data: 'd' }] } });
            const failed = await caught;
            assert.strictEqual(failed.error.code, 'BAD_RESPONSE');
            assert.match(failed.error.message, /RequestStatus is not one of the OpenMediaRequestStatus values the service defines/);
            const out = waitForMessage(helper.getNode('out'), 5000);
            helper.getNode('asker').receive({ payload: { OpenMediaID: 16 } });
            const answered = await out;
            // The payload is the server's data, as it came (the flow asked for it); the status is what the node shows.
            assert.strictEqual(answered.payload.OpenMediaRequests[0].LogonID, creds.logonId);
            // (Statuses are throttled: the last one shows within half a second.)
            await waitFor(() => spied('status').some((args) => args[0] && args[0].text === '#16 with agent'), 2000, 'the status of the record, without the agent');
            await waitFor(() => spied('status').some((args) => args[0] && args[0].fill === 'red' && args[0].text === 'unreadable answer'), 2000, 'the add node\'s red status');
            assert.deepStrictEqual(secretFindings([spied('status'), failed.error, failed.openMedia], creds), []);
        });

        it('om-events: a change whose LogonID is the service user\'s logon id is shown without the agent', async function () {
            const stamp = '<a:TimeStamp>2024-05-01T08:00:01Z</a:TimeStamp>';
            const bodies = {
                GetAllOpenMediaRequestStatus: result('GetAllOpenMediaRequestStatus', `<a:OpenMediaRequests/>${stamp}`),
                GetOpenMediaRequestsByTime: result('GetOpenMediaRequestsByTime',
                    `<a:OpenMediaRequests>${record(16, 'Complete', creds.logonId, '2024-05-01T08:00:00Z', { agent: 7 })}</a:OpenMediaRequests>${stamp}`),
            };
            answers = await startServer(({ op }) => ({ body: bodies[op] }));
            const flow = [
                { id: 'srv', type: 'om-server', name: 'echo', url: answers.url, timeout: 5, wsdlSource: 'bundled' },
                { id: 'ev', type: 'om-events', server: 'srv', start: 'replay', statuses: [], groups: '', onlyOwn: false, interval: 60, wires: [['out']] },
                { id: 'out', type: 'helper' },
            ];
            await helper.load(NODES, flow, { srv: creds });
            const got = await waitForMessage(helper.getNode('out'), 5000);
            assert.strictEqual(got.payload.LogonID, creds.logonId, 'the payload is the server\'s data, as it came');
            await waitFor(() => spied('status').some((args) => args[0] && args[0].text === '#16 complete'), 2000, 'the status of the change, without the agent');
            assert.deepStrictEqual(secretFindings([spied('status')], creds), []);
        });
    });
});
