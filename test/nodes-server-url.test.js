'use strict';
/*
 * An om-server URL that holds user:password@ (typed, imported with a flow, deployed through the admin API, or from an
 * environment variable): the runtime never uses it, never shows it, and never serves it back.
 *  - in node-red-node-test-helper: calls fail with INVALID_INPUT saying the credentials belong in their fields,
 *    nothing is sent, and no msg, status or log shows them;
 *  - in a real Node-RED (scripts/node-red-server.js, its own process and user directory): GET /flows does not carry
 *    them, neither for the flows it started with nor for flows deployed through POST /flows.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { helper, waitFor } = require('./support/nodered');
const { startTestSimulator } = require('./support/simulator');
const { loadOperation, send } = require('./support/flows');
const { startNodeRed } = require('../scripts/node-red-server');
const { secretFindings } = require('./support/hostile');
const { WITH, userInfoFindings } = require('./support/url-spellings');

const CREDS = { logonId: 'url-admin-4711', password: 'Sx3kq!9Zw-Qp7%' };
const withCreds = (url, c = CREDS) => url.replace('http://', `http://${encodeURIComponent(c.logonId)}:${encodeURIComponent(c.password)}@`);

describe('om-server: user:password@ in the URL is never used, shown or served', function () {
    this.timeout(120000);
    let sim;
    before(async function () {
        sim = await startTestSimulator();
    });
    after(async function () {
        await sim.stop();
    });

    describe('in the runtime (test helper)', function () {
        afterEach(async function () {
            await helper.unload();
            delete process.env.OM_TEST_URL;
        });

        it('a call is refused before anything is sent, saying where the credentials belong; nothing shows them', async function () {
            // Through an environment variable: the configuration itself holds only ${OM_TEST_URL}.
            process.env.OM_TEST_URL = withCreds(sim.url);
            const flow = await loadOperation('om-service-group-status', { url: '${OM_TEST_URL}' }, { serviceGroupID: '101', serviceGroupIDType: 'num' });
            assert.strictEqual(flow.server.url, sim.url, 'the node keeps the URL without its user info');
            const before = sim.receivedCount();
            const r = await send(flow, { payload: {} });
            assert.strictEqual(r.output, 'error');
            assert.strictEqual(r.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(r.msg.openMedia.error.field, 'url');
            assert.strictEqual(r.msg.openMedia.error.rule, 'no-credentials');
            assert.strictEqual(r.msg.error.message,
                'The URL holds a user name or password: put them in the LogonID and Password fields, not in the URL - group status');
            assert.strictEqual(sim.receivedCount(), before, 'nothing was sent');
            const texts = [r.msg, flow.op.status.args, flow.op.warn.args, flow.op.error.args, helper.log().args.map((a) => a[0])];
            assert.deepStrictEqual(secretFindings(texts, CREDS), []);
            assert.ok(flow.op.warn.args.some((a) => /LogonID and Password fields/.test(String(a[0]))), 'the server node warned at start');
        });

        it('every spelling a URL parser reads user info from: refused before the wire, the node keeps none of it', async function () {
            for (const w of WITH) {
                // Through an environment variable: the test helper refuses a flow whose configuration changed.
                process.env.OM_TEST_URL = w.url;
                const flow = await loadOperation('om-service-group-status', { url: '${OM_TEST_URL}' }, { serviceGroupID: '101', serviceGroupIDType: 'num' });
                const before = sim.receivedCount();
                const r = await send(flow, { payload: {} });
                assert.strictEqual(r.output, 'error', w.name);
                assert.strictEqual(r.msg.error.code, 'INVALID_INPUT', w.name);
                assert.strictEqual(r.msg.openMedia.error.rule, 'no-credentials', w.name);
                assert.strictEqual(sim.receivedCount(), before, `${w.name}: nothing was sent`);
                const texts = JSON.stringify([flow.server.url, r.msg, flow.op.status.args, flow.op.warn.args, helper.log().args.map((a) => a[0])]);
                assert.ok(!texts.includes(w.user), `${w.name}: the user name shows`);
                if (w.password) assert.ok(!texts.includes(w.password), `${w.name}: the password shows`);
                await helper.unload();
            }
        });

        it('the same URL without user info, credentials in their fields: works', async function () {
            sim.setAuth(true, [CREDS]);
            try {
                const flow = await loadOperation('om-service-group-status', { url: sim.url }, { serviceGroupID: '101', serviceGroupIDType: 'num' },
                    { credentials: CREDS });
                const r = await send(flow, { payload: {} });
                assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
            } finally {
                sim.setAuth(false);
            }
        });
    });

    describe('in a real Node-RED: GET /flows', function () {
        let nr;
        let dir;
        const admin = async (method, urlPath, body) => {
            const res = await fetch(new URL(urlPath.replace(/^\//, ''), nr.url), {
                method,
                headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2' },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            assert.ok(res.ok, `${method} ${urlPath}: HTTP ${res.status}`);
            return res.json();
        };
        // The shared state's Redis URL (issue 14) is handled the same way.
        const REDIS = { logonId: 'redis-ha-user', password: 'Rd7-kq2Z-Wm9x' };
        const redisWith = (c) => `redis://${c.logonId}:${c.password}@127.0.0.1:9`;
        const flowsWith = (url, redisUrl = redisWith(REDIS)) => [
            { id: 't1', type: 'tab', label: 'url test' },
            { id: 'srv1', type: 'om-server', name: '', url, timeout: 10, tls: '', wsdlSource: 'bundled', redisUrl },
            { id: 'op1', z: 't1', type: 'om-service-group-status', server: 'srv1', name: '', serviceGroupID: '101', serviceGroupIDType: 'num', x: 200, y: 100, wires: [[]] },
        ];

        before(async function () {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-url-nr-'));
            const seed = path.join(dir, 'seed.json');
            fs.writeFileSync(seed, JSON.stringify(flowsWith(withCreds(sim.url))));
            nr = await startNodeRed({ userDir: path.join(dir, 'user'), flows: seed, runtime: process.env.NODE_RED_PATH });
        });
        after(async function () {
            if (nr) await nr.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it('a flow file that holds such a URL: served without it, the node warns without showing it', async function () {
            // Once the flows have started (the node's warning is in the log): the runtime starts them after it is ready.
            await waitFor(() => /LogonID and Password fields/.test(nr.output()), 20000, 'the om-server node to start');
            const served = await admin('GET', '/flows');
            const srv = served.flows.find((n) => n.id === 'srv1');
            assert.strictEqual(srv.url, sim.url);
            assert.strictEqual(srv.redisUrl, 'redis://127.0.0.1:9');
            assert.deepStrictEqual(secretFindings([served, nr.output()], CREDS), []);
            assert.deepStrictEqual(secretFindings([served, nr.output()], REDIS), []);
            assert.match(nr.output(), /Redis URL holds a user name or password/);
            assert.match(nr.output(), /LogonID and Password fields/);
        });

        it('a deploy through the admin API with user info in any spelling a URL parser reads: none of it served', async function () {
            const flows = [{ id: 't1', type: 'tab', label: 'url spellings' }];
            WITH.forEach((w, i) => flows.push({ id: `srv${i}`, type: 'om-server', name: '', url: w.url, timeout: 10, tls: '', wsdlSource: 'bundled' }));
            await admin('POST', '/flows', { flows });
            for (const version of ['v1', 'v2']) {
                const res = await fetch(new URL('flows', nr.url), { headers: { Accept: 'application/json', 'Node-RED-API-Version': version } });
                const text = await res.text();
                const served = JSON.parse(text);
                const nodes = Array.isArray(served) ? served : served.flows;
                WITH.forEach((w, i) => {
                    const n = nodes.find((x) => x.id === `srv${i}`);
                    assert.ok(n, `${version} ${w.name}: the node is served`);
                    assert.deepStrictEqual(userInfoFindings(n.url), [], `${version} ${w.name}: ${JSON.stringify(n.url)}`);
                });
                for (const w of WITH) {
                    assert.ok(!text.includes(w.user), `${version} ${w.name}: the user name is served`);
                    if (w.password) assert.ok(!text.includes(w.password), `${version} ${w.name}: the password is served`);
                }
            }
            for (const w of WITH) assert.ok(!nr.output().includes(w.user) && !(w.password && nr.output().includes(w.password)), `${w.name}: in the log`);
        });

        it('a deploy through the admin API with such a URL: served without it (also GET /flows v1)', async function () {
            const other = { logonId: 'deployed-admin-99', password: 'Oth3r-Pq55-Zx' };
            const otherRedis = { logonId: 'deployed-redis-7', password: 'Rz4-Pw8q-Lk2n' };
            await admin('POST', '/flows', { flows: flowsWith(withCreds(sim.url, other), redisWith(otherRedis)) });
            for (const version of ['v1', 'v2']) {
                const res = await fetch(new URL('flows', nr.url), { headers: { Accept: 'application/json', 'Node-RED-API-Version': version } });
                const text = await res.text();
                assert.ok(text.includes(sim.url), `${version}: the URL is there, without user info`);
                assert.deepStrictEqual(secretFindings([text], other), [], version);
                assert.deepStrictEqual(secretFindings([text], otherRedis), [], version);
            }
            assert.deepStrictEqual(secretFindings([nr.output()], other), []);
            assert.deepStrictEqual(secretFindings([nr.output()], otherRedis), []);
        });
    });
});
