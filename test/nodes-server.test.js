'use strict';
// om-server and the runtime behaviour every operation node shares: one client per configuration, credentials
// (right, wrong, missing; never leaked), transport failures (refused, timeout, 503 HTML, malformed XML), TLS through
// the core tls-config node, the server's own WSDL, typedInput sources, status throttling, and clean redeploys.
const assert = require('assert');
const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const path = require('path');
const { helper, waitFor, nodeRedPath } = require('./support/nodered');
const { useSimulator, startTestSimulator, freePort } = require('./support/simulator');
const { loadOperation, send, outcome } = require('./support/flows');
const { openSslAvailable, makeSelfSignedCert } = require('./support/tls');

const IVR = [{ Label: 'Subject', Data: 'Hello' }];
const ADD = { ServiceGroupID: 101, IVRInfo: IVR };
const LOGON = 'hostadmin';
const PASSWORD = 'test-password';

function tlsConfigModule() {
    const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] }));
    return require(path.join(nodesDir, 'core', 'network', '05-tls.js'));
}

describe('om-server and shared node behaviour', function () {
    const ctx = useSimulator();

    beforeEach(function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        ctx.sim.clearReceived();
    });
    afterEach(async function () {
        await helper.unload();
    });

    describe('the shared client', function () {
        it('every node of one om-server uses the same client; concurrent first calls build it once', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {}, {
                extra: [{ id: 'op2', z: 'f1', type: 'om-agents-by-group', server: 'srv', wires: [['out2']] }, { id: 'out2', z: 'f1', type: 'helper' }],
            });
            const op2 = helper.getNode('op2');
            const out2 = helper.getNode('out2');
            const second = new Promise((resolve) => out2.once('input', resolve));
            const first = outcome(flow);
            flow.op.receive({ payload: ADD });
            op2.receive({ payload: { ServiceGroupID: 101 } });
            const [a, b] = await Promise.all([first, second]);
            assert.strictEqual(a.output, 0);
            assert.deepStrictEqual(b.payload.AgentList, [1001, 1002]);
            const client = flow.server.getClient();
            assert.strictEqual(client, flow.server.getClient());
            assert.strictEqual(client.buildCount, 1);
            assert.strictEqual(flow.op.server, op2.server);
        });

        it('the client is closed when the flow stops (redeploy), and calls on it then fail with CLIENT_CLOSED', async function () {
            const flow = await loadOperation('om-all-request-status', { url: ctx.sim.url });
            await send(flow, { payload: {} });
            const client = flow.server.getClient();
            assert.strictEqual(client.isClosed, false);
            await helper.unload();
            assert.strictEqual(client.isClosed, true);
            await assert.rejects(client.call('GetAllOpenMediaRequestStatus', {}), (e) => e.code === 'CLIENT_CLOSED');
        });

        it('without an om-server the node reports NO_SERVER and a red status', async function () {
            const flow = await loadOperation('om-all-request-status', { url: ctx.sim.url }, { server: '' });
            const r = await send(flow, { payload: {} });
            assert.strictEqual(r.output, 'error');
            assert.strictEqual(r.msg.error.code, 'NO_SERVER');
            // nothing was sent because the node is not set up: red dot, from the start on
            assert.deepStrictEqual(flow.op.status.args[0][0], { fill: 'red', shape: 'dot', text: 'no server' });
            assert.ok(flow.op.status.args.some((a) => a[0].fill === 'red' && a[0].shape === 'dot' && a[0].text === 'no server'));
            assert.strictEqual(ctx.sim.receivedCount(), 0);
        });

        it('an om-server without a URL reports INVALID_INPUT and sends nothing', async function () {
            const flow = await loadOperation('om-all-request-status', { url: '' });
            const r = await send(flow, { payload: {} });
            assert.strictEqual(r.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(r.msg.openMedia.error.field, 'endpoint');
        });

        it('wsdlSource "server" builds the client from the server\'s ?wsdl', async function () {
            const flow = await loadOperation('om-agents-by-group', { url: ctx.sim.url, wsdlSource: 'server' });
            const r = await send(flow, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
            assert.deepStrictEqual(r.msg.payload.AgentList, [1001, 1002]);
        });
    });

    describe('authentication', function () {
        beforeEach(function () {
            ctx.sim.setAuth(true);
        });

        it('right credentials: accepted; the SOAP headers carry them', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {}, { credentials: { logonId: LOGON, password: PASSWORD } });
            const r = await send(flow, { payload: ADD });
            assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
            assert.match(ctx.sim.lastRequestXml, /LogonID[^>]*>hostadmin</);
        });

        it('wrong password and missing credentials: InvalidUserFault', async function () {
            let flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {}, { credentials: { logonId: LOGON, password: 'nope' } });
            let r = await send(flow, { payload: ADD });
            assert.strictEqual(r.msg.error.code, 'InvalidUserFault');
            await helper.unload();
            flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            r = await send(flow, { payload: ADD });
            assert.strictEqual(r.msg.error.code, 'InvalidUserFault');
            assert.ok(!/LogonID|Password/.test(ctx.sim.lastRequestXml), 'no auth headers without a LogonID');
            // the contact center refused the logon: yellow (it answered), not a transport failure
            await waitFor(() => flow.op.status.args.some((a) => a[0].fill === 'yellow' && a[0].text === 'logon rejected'), 2000, 'yellow status');
        });

        it('credentials appear in no log line, msg, status or error', async function () {
            const secretUser = 'agent-7f3c!user';
            const secretPassword = 'P@ss<w0rd>&"\'secret';
            ctx.sim.setAuth(true, [{ logonId: secretUser, password: 'something-else' }]);
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {}, { credentials: { logonId: secretUser, password: secretPassword } });
            const seen = [];
            const bad = await send(flow, { payload: ADD });
            seen.push(bad.msg);
            assert.strictEqual(bad.msg.error.code, 'InvalidUserFault');
            ctx.sim.setAuth(true, [{ logonId: secretUser, password: secretPassword }]);
            const good = await send(flow, { payload: ADD });
            assert.strictEqual(good.output, 0);
            seen.push(good.msg);
            ctx.sim.injectFault({ kind: 'http', status: 503 });
            seen.push((await send(flow, { payload: ADD })).msg);
            const invalid = await send(flow, { payload: { ...ADD, PrivateData: 'x'.repeat(300) } });
            seen.push(invalid.msg);
            await waitFor(() => flow.op.status.callCount >= 2, 2000, 'statuses');
            seen.push(flow.op.status.args, flow.server.credentials && Object.keys(flow.server.credentials));
            const logs = helper.log().args.map((a) => JSON.stringify(a[0], (k, v) => (v instanceof Error ? `${v.message}\n${v.stack}` : v)));
            const text = JSON.stringify(seen) + logs.join('\n') + JSON.stringify(flow.op.error.args.map((a) => String(a[0]) + (a[0] && a[0].stack)));
            for (const secret of [secretUser, secretPassword, 'P@ss']) {
                assert.ok(!text.includes(secret), `"${secret}" leaked`);
            }
        });
    });

    describe('transport failures', function () {
        function assertTransport(r, code, statusText) {
            assert.strictEqual(r.output, 'error');
            assert.strictEqual(r.msg.error.code, code, r.msg.error.message);
            assert.strictEqual(r.msg.openMedia.error.code, code);
            assert.deepStrictEqual(r.msg.openMedia.request, ADD);
            assert.strictEqual(r.msg.keep, 1, 'the msg passes through to the Catch node');
            // Node-RED got no usable answer: red ring, in words that never read like the contact center's refusal
            return waitFor(() => r.flow.op.status.args.some((a) => a[0].fill === 'red' && a[0].shape === 'ring'
                && a[0].text === statusText), 2000, `status ${statusText}`);
        }

        it('messages lead with the cause, then the node\'s name of the operation and the host (what the debug sidebar shows first)', async function () {
            const port = await freePort();
            let flow = await loadOperation('om-add-request', { url: `http://127.0.0.1:${port}/OpenMediaService` });
            let r = await send(flow, { payload: ADD });
            assert.strictEqual(r.msg.error.message, `Nothing answers at 127.0.0.1:${port} (connection refused) - add request`);
            await helper.unload();
            // A URL without the service path: the 404 names the path tried and what is likely missing.
            const root = ctx.sim.url.replace(/\/OpenMediaService$/, '');
            for (const [url, path] of [[root, '/'], [`${root}/`, '/'], [`${root}/OpenMediaServce`, '/OpenMediaServce']]) {
                flow = await loadOperation('om-cancel-request', { url });
                r = await send(flow, { payload: { OpenMediaID: 1, CancelIfAllocated: true, DoNotReport: true } });
                assert.strictEqual(r.msg.error.code, 'HTTP_404');
                assert.strictEqual(r.msg.error.message,
                    `Nothing found at ${path} (HTTP 404 Not Found); the URL likely misses /OpenMediaService - cancel request on ${new URL(url).host}`);
                await helper.unload();
            }
            flow = await loadOperation('om-cancel-request', { url: ctx.sim.url });
            r = await send(flow, { payload: { OpenMediaID: 424242, CancelIfAllocated: true, DoNotReport: true } });
            assert.strictEqual(r.msg.error.code, 'InvalidOpenMediaIDFault');
            assert.ok(r.msg.error.message.startsWith(`The server does not know this OpenMediaID - cancel request on ${new URL(ctx.sim.url).host}: "`), r.msg.error.message);
        });

        it('server down: ECONNREFUSED', async function () {
            const port = await freePort();
            const flow = await loadOperation('om-add-request', { url: `http://127.0.0.1:${port}/OpenMediaService` });
            const r = await send(flow, { payload: ADD, keep: 1 });
            await assertTransport({ ...r, flow }, 'ECONNREFUSED', 'no connection to server');
        });

        it('no answer within the configured timeout: ETIMEDOUT', async function () {
            ctx.sim.injectFault({ kind: 'delay', delayMs: 3000 });
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url, timeout: 0.2 });
            const started = Date.now();
            const r = await send(flow, { payload: ADD, keep: 1 });
            assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
            await assertTransport({ ...r, flow }, 'ETIMEDOUT', 'server timed out');
        });

        it('503 with an HTML page: HTTP_503', async function () {
            ctx.sim.injectFault({ kind: 'http', status: 503 });
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            const r = await send(flow, { payload: ADD, keep: 1 });
            await assertTransport({ ...r, flow }, 'HTTP_503', 'server error 503');
        });

        it('malformed XML: BAD_RESPONSE', async function () {
            ctx.sim.injectFault({ kind: 'malformed' });
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            const r = await send(flow, { payload: ADD, keep: 1 });
            await assertTransport({ ...r, flow }, 'BAD_RESPONSE', 'unreadable answer');
        });

        it('an answer over "Max answer" (maxAnswerMB): BAD_RESPONSE naming the limit; the default (32 MB) reads it', async function () {
            // About 600 status records: ~180 KB.
            for (let i = 0; i < 600; i++) ctx.sim.model.execute('AddRequest', { request: { ServiceGroupID: 101, IVRInfo: IVR } });
            const small = await loadOperation('om-all-request-status', { url: ctx.sim.url, maxAnswerMB: 0.1 });
            assert.strictEqual(small.server.maxAnswerBytes, 104858);
            const r = await send(small, { payload: {} });
            assert.strictEqual(r.output, 'error');
            assert.strictEqual(r.msg.error.code, 'BAD_RESPONSE');
            assert.match(r.msg.error.message, /larger than the maximum answer size of 104858 bytes \(0\.1 MB\)/);
            await helper.unload();
            // A flow from before the setting (no maxAnswerMB) gets the default, and so does a value out of range.
            for (const server of [{ url: ctx.sim.url }, { url: ctx.sim.url, maxAnswerMB: 'lots' }, { url: ctx.sim.url, maxAnswerMB: 1e6 }]) {
                const flow = await loadOperation('om-all-request-status', server);
                assert.strictEqual(flow.server.maxAnswerBytes, 32 * 1024 * 1024);
                const ok = await send(flow, { payload: {} });
                assert.strictEqual(ok.output, 0, ok.msg.error && ok.msg.error.message);
                assert.ok(ok.msg.payload.OpenMediaRequests.length >= 600);
                await helper.unload();
            }
        });

        it('the node recovers on the next message once the server answers again', async function () {
            ctx.sim.injectFault({ kind: 'http', status: 503 });
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            assert.strictEqual((await send(flow, { payload: ADD })).msg.error.code, 'HTTP_503');
            const ok = await send(flow, { payload: ADD });
            assert.strictEqual(ok.output, 0);
        });
    });

    describe('TLS through the core tls-config node', function () {
        let cert;
        let proxy;
        let proxyUrl;
        let requireClientCert = false;

        before(async function () {
            if (!openSslAvailable()) {
                console.warn('      [skipped] openssl is not installed');
                this.skip();
            }
            cert = makeSelfSignedCert();
            proxy = https.createServer({ key: cert.key, cert: cert.cert, ca: cert.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
                if (requireClientCert && !req.socket.authorized) {
                    res.writeHead(403, { 'Content-Type': 'text/plain' });
                    res.end('client certificate required');
                    return;
                }
                const target = new URL(ctx.sim.url);
                const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent: false },
                    (up) => {
                        res.writeHead(up.statusCode, up.headers);
                        up.pipe(res);
                    });
                upstream.on('error', () => res.destroy());
                req.pipe(upstream);
            });
            await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
            proxyUrl = `https://localhost:${proxy.address().port}/OpenMediaService`;
            fs.writeFileSync(path.join(cert.dir, 'ca.pem'), cert.cert);
        });
        after(async function () {
            if (proxy) {
                proxy.closeAllConnections();
                await new Promise((resolve) => proxy.close(resolve));
            }
            if (cert && cert.cleanup) cert.cleanup();
        });
        afterEach(function () {
            requireClientCert = false;
        });

        const tlsNode = (props) => ({ id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', ...props });
        async function load(props) {
            return loadOperation('om-agents-by-group', { url: proxyUrl, tls: props ? 'tls' : '' }, {}, {
                extra: props ? [tlsNode(props)] : [], modules: [tlsConfigModule()],
            });
        }

        it('verification is on by default: a self-signed server without its CA is refused (TLS_ERROR)', async function () {
            const flow = await load(null);
            const r = await send(flow, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r.msg.error.code, 'TLS_ERROR', r.msg.error.message);
            await helper.unload();
            const flow2 = await load({});
            const r2 = await send(flow2, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r2.msg.error.code, 'TLS_ERROR', r2.msg.error.message);
        });

        it('with the CA from tls-config the call succeeds; verification off also connects', async function () {
            const flow = await load({ ca: path.join(cert.dir, 'ca.pem'), verifyservercert: true });
            const r = await send(flow, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
            assert.deepStrictEqual(r.msg.payload.AgentList, [1001, 1002]);
            await helper.unload();
            const flow2 = await load({ verifyservercert: false });
            const r2 = await send(flow2, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r2.output, 0, r2.msg.error && r2.msg.error.message);
        });

        it('a client certificate from tls-config is presented', async function () {
            requireClientCert = true;
            const caFile = path.join(cert.dir, 'ca.pem');
            const without = await load({ ca: caFile, verifyservercert: true });
            const r = await send(without, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r.msg.error.code, 'HTTP_403', r.msg.error.message);
            await helper.unload();
            const keyFile = path.join(cert.dir, 'client-key.pem');
            const certFile = path.join(cert.dir, 'client-cert.pem');
            fs.writeFileSync(keyFile, cert.key);
            fs.writeFileSync(certFile, cert.cert);
            const withCert = await load({ ca: caFile, cert: certFile, key: keyFile, verifyservercert: true });
            const r2 = await send(withCert, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r2.output, 0, r2.msg.error && r2.msg.error.message);
        });
    });

    describe('typedInput sources', function () {
        it('num / str / json typed into the node win over msg.payload', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {
                ServiceGroupID: '103', ServiceGroupIDType: 'num',
                IVRInfo: '{"Case":"C-1"}', IVRInfoType: 'json',
                PrivateData: 'typed', PrivateDataType: 'str',
            });
            const r = await send(flow, { payload: { ServiceGroupID: 104, IVRInfo: IVR, PrivateData: 'from msg' } });
            assert.strictEqual(r.output, 0);
            assert.deepStrictEqual(r.msg.openMedia.request, { ServiceGroupID: 103, IVRInfo: [{ Label: 'Case', Data: 'C-1' }], PrivateData: 'typed' });
        });

        it('msg paths other than payload, flow and global context, env and jsonata', async function () {
            process.env.OM_TEST_GROUP = '102';
            try {
                const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, {
                    ServiceGroupID: 'OM_TEST_GROUP', ServiceGroupIDType: 'env',
                    IVRInfo: 'ticket.fields', IVRInfoType: 'msg',
                    PrivateData: 'note', PrivateDataType: 'flow',
                    SessionPriority: '$number(ticket.prio) * 2', SessionPriorityType: 'jsonata',
                    TypeOfSession: 'kind', TypeOfSessionType: 'global',
                });
                flow.op.context().flow.set('note', 'from flow context');
                flow.op.context().global.set('kind', 3);
                const r = await send(flow, { payload: 'not an object', ticket: { fields: { Subject: 'S' }, prio: '4' } });
                assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
                assert.deepStrictEqual(r.msg.openMedia.request, {
                    ServiceGroupID: 102, IVRInfo: [{ Label: 'Subject', Data: 'S' }], PrivateData: 'from flow context', TypeOfSession: 3, SessionPriority: 8,
                });
                assert.strictEqual(r.msg.payload.RequestStatus, 'Success');
            } finally {
                delete process.env.OM_TEST_GROUP;
            }
        });

        it('a payload that is not an object means the defaults find nothing: a required member is reported', async function () {
            const flow = await loadOperation('om-request-status', { url: ctx.sim.url });
            const r = await send(flow, { payload: 'hello' });
            assert.strictEqual(r.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(r.msg.openMedia.error.field, 'openMediaID');
            assert.strictEqual(r.msg.openMedia.error.rule, 'required');
            assert.strictEqual(ctx.sim.receivedCount(), 0);
        });

        it('a jsonata expression that fails to evaluate is INVALID_INPUT naming the field; a broken one at deploy too', async function () {
            const flow = await loadOperation('om-service-group-status', { url: ctx.sim.url }, {
                serviceGroupID: '$error("boom")', serviceGroupIDType: 'jsonata',
            });
            const r = await send(flow, { payload: {} });
            assert.strictEqual(r.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(r.msg.openMedia.error.field, 'serviceGroupID');
            assert.strictEqual(r.msg.openMedia.error.rule, 'expression');
            await helper.unload();
            const broken = await loadOperation('om-service-group-status', { url: ctx.sim.url }, {
                serviceGroupID: '(((', serviceGroupIDType: 'jsonata',
            });
            const r2 = await send(broken, { payload: { ServiceGroupID: 101 } });
            assert.strictEqual(r2.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(ctx.sim.receivedCount(), 0);
        });
    });

    describe('status dots', function () {
        it('under load the status changes a few times, not once per message, and the last one shows', async function () {
            const flow = await loadOperation('om-agents-by-group', { url: ctx.sim.url });
            let got = 0;
            const all = new Promise((resolve) => {
                flow.out[0].on('input', () => {
                    got++;
                    if (got === 60) resolve();
                });
            });
            const started = Date.now();
            for (let i = 0; i < 60; i++) flow.op.receive({ payload: { ServiceGroupID: 101 } });
            await all;
            const elapsed = Date.now() - started;
            await waitFor(() => {
                const last = flow.op.status.lastCall && flow.op.status.lastCall.args[0];
                return last && last.fill === 'green' && last.text === 'group 101: 2 agents';
            }, 3000, 'final green status');
            // At most one update per 500 ms window (plus the first and the last), however slow the machine is; the
            // status cleared when the node started does not count.
            const shown = flow.op.status.args.filter((a) => a[0].text);
            const allowed = Math.min(30, Math.ceil(elapsed / 500) + 2);
            assert.ok(shown.length <= allowed, `status updated ${shown.length} times for 60 messages in ${elapsed} ms`);
            for (const call of shown) assert.ok(call[0].text.length <= 30, call[0].text);
        });
    });

    describe('redeploys', function () {
        function handleCount() {
            return process._getActiveHandles().filter((h) => !(h instanceof net.Socket && (h === process.stdout || h === process.stderr || h === process.stdin))).length;
        }
        function processListeners() {
            return process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
        }

        it('loading, calling and stopping a flow 100 times leaves no sockets, timers or listeners behind', async function () {
            this.timeout(60000);
            // A simulator of its own, so no other test's connection is counted.
            const sim = await startTestSimulator();
            try {
                const cycle = async () => {
                    const flow = await loadOperation('om-add-request', { url: sim.url });
                    const r = await send(flow, { payload: ADD });
                    assert.strictEqual(r.output, 0);
                    await helper.unload();
                };
                await cycle();
                await waitFor(() => sim.server.sockets.size === 0, 3000, 'the simulator to see the first connection closed');
                const handles = handleCount();
                const listeners = processListeners();
                for (let i = 0; i < 100; i++) await cycle();
                await waitFor(() => sim.server.sockets.size === 0, 3000, 'every connection closed on the simulator side');
                await waitFor(() => handleCount() <= handles, 3000, `active handles back to ${handles} (now ${handleCount()})`);
                assert.strictEqual(processListeners(), listeners);
                assert.strictEqual(sim.receivedCount('AddRequest'), 101);
            } finally {
                await sim.stop();
            }
        });
    });
});
