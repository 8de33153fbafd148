'use strict';
/*
 * The simulator's control API is locked (simulator/control.js `guard`): every refusal over real HTTP on 127.0.0.1,
 * each beside the allowed case, and proof that a refused request changed nothing. Also: /console and routes that do
 * not exist yet go through the same guard, /control/reset reads files only under --scenario-dir and never says what
 * is outside it, and the server cuts a client that stalls.
 */
const assert = require('assert');
const http = require('http');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { startTestSimulator, httpRequest, controlPost, controlGet } = require('./support/simulator');

const USER = { logonId: 'hostadmin', password: 'test-password' }; // the test scenario's service user
const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A raw request to the control API: exactly the headers given (Host included), nothing added. */
function raw(sim, method, route, headers = {}, body) {
    return httpRequest(`${sim.controlUrl}${route}`, { method, headers: { Host: `127.0.0.1:${sim.port}`, ...headers }, body });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const groupOpen = (sim, id) => sim.model.state().groups.find((g) => g.id === id).open;

describe('simulator control API guard', function () {
    let sim;
    afterEach(async function () {
        if (sim) await sim.stop();
        sim = undefined;
    });

    describe('authentication (when the service requires it)', function () {
        it('no credential: 401 with a Basic challenge, and POST /control/auth cannot switch it off', async function () {
            sim = await startTestSimulator({ auth: true });
            let r = await raw(sim, 'POST', '/auth', JSON_TYPE, '{"enabled":false}');
            assert.strictEqual(r.status, 401);
            assert.strictEqual(r.headers['www-authenticate'], 'Basic realm="openmedia-simulator"');
            assert.strictEqual(sim.model.authEnabled, true, 'authentication is still on');
            r = await raw(sim, 'GET', '/state');
            assert.strictEqual(r.status, 401);
            assert.ok(!r.body.includes('hostadmin'), 'the refusal names no user');
        });

        it('wrong Basic credentials, a wrong or malformed token: 401; a user\'s Basic credentials or the token: allowed', async function () {
            sim = await startTestSimulator({ auth: true });
            for (const authorization of [basic(USER.logonId, 'wrong'), basic('nobody', USER.password), `Bearer ${'0'.repeat(64)}`,
                `Bearer ${sim.controlToken.slice(0, -1)}`, 'Basic', 'Bearer', `Digest ${sim.controlToken}`]) {
                const r = await raw(sim, 'GET', '/state', { Authorization: authorization });
                assert.strictEqual(r.status, 401, authorization);
            }
            assert.strictEqual((await raw(sim, 'GET', '/state', { Authorization: basic(USER.logonId, USER.password) })).status, 200);
            assert.strictEqual((await raw(sim, 'GET', '/state', { Authorization: `Bearer ${sim.controlToken}` })).status, 200);
            const off = await raw(sim, 'POST', '/auth', { ...JSON_TYPE, Authorization: `bearer ${sim.controlToken}` }, '{"enabled":false}');
            assert.strictEqual(off.status, 200);
            assert.strictEqual(sim.model.authEnabled, false);
            // Authentication off (like the service): no credential needed.
            assert.strictEqual((await raw(sim, 'GET', '/state')).status, 200);
        });

        it('follows the service: switched on at run time, the control API asks for credentials from then on', async function () {
            sim = await startTestSimulator();
            assert.strictEqual((await raw(sim, 'GET', '/state')).status, 200);
            sim.setAuth(true);
            assert.strictEqual((await raw(sim, 'GET', '/state')).status, 401);
            assert.strictEqual((await controlGet(sim, '/state')).status, 200, 'the in-process token (sim.controlToken) works');
            assert.ok(/^[0-9a-f]{64}$/.test(sim.controlToken), 'a 32-byte random token');
            const other = await startTestSimulator({ auth: true });
            try {
                assert.notStrictEqual(other.controlToken, sim.controlToken, 'each simulator has its own token');
                assert.strictEqual((await raw(other, 'GET', '/state', { Authorization: `Bearer ${sim.controlToken}` })).status, 401);
            } finally {
                await other.stop();
            }
        });
    });

    describe('Origin', function () {
        it('a foreign origin (another site, a sandboxed frame) is refused, and nothing changes; the simulator\'s own origin is allowed', async function () {
            sim = await startTestSimulator();
            for (const origin of ['http://evil.example', `http://evil.example:${sim.port}`, 'null', `https://127.0.0.1:${sim.port}`,
                `http://127.0.0.1:${sim.port + 1}`, `http://localhost:${sim.port}`]) {
                const r = await raw(sim, 'POST', '/groups/101/close', { ...JSON_TYPE, Origin: origin }, '{}');
                assert.strictEqual(r.status, 403, origin);
                assert.strictEqual(groupOpen(sim, 101), true, `${origin} closed the group`);
            }
            const own = await raw(sim, 'POST', '/groups/101/close', { ...JSON_TYPE, Origin: `http://127.0.0.1:${sim.port}` }, '{}');
            assert.strictEqual(own.status, 200);
            assert.strictEqual(groupOpen(sim, 101), false);
            // Same origin under another served name: Origin must match the Host asked for.
            const local = await raw(sim, 'POST', '/groups/101/open', { ...JSON_TYPE, Host: `localhost:${sim.port}`, Origin: `http://localhost:${sim.port}` }, '{}');
            assert.strictEqual(local.status, 200);
            assert.strictEqual(groupOpen(sim, 101), true);
        });
    });

    describe('Host (DNS rebinding)', function () {
        it('a Host that is not a name the simulator serves, or another port, is refused; loopback names with the port are allowed', async function () {
            sim = await startTestSimulator();
            for (const host of ['evil.example', `evil.example:${sim.port}`, `127.0.0.1:${sim.port + 1}`, `10.0.0.1:${sim.port}`,
                `localhost.evil.example:${sim.port}`, '127.0.0.1', `127.0.0.1:${sim.port}@evil.example`]) {
                const r = await raw(sim, 'POST', '/groups/101/close', { ...JSON_TYPE, Host: host }, '{}');
                assert.strictEqual(r.status, 403, host);
                assert.strictEqual(groupOpen(sim, 101), true, `${host} closed the group`);
            }
            for (const host of [`127.0.0.1:${sim.port}`, `localhost:${sim.port}`, `LOCALHOST:${sim.port}`, `[::1]:${sim.port}`]) {
                assert.strictEqual((await raw(sim, 'GET', '/state', { Host: host })).status, 200, host);
            }
        });

        it('names given with allowedHosts (--allow-host) are served too', async function () {
            sim = await startTestSimulator({ allowedHosts: ['sim.test.example'] });
            assert.strictEqual((await raw(sim, 'GET', '/state', { Host: `sim.test.example:${sim.port}` })).status, 200);
            assert.strictEqual((await raw(sim, 'GET', '/state', { Host: `other.test.example:${sim.port}` })).status, 403);
        });
    });

    describe('Content-Type', function () {
        it('a POST that is not application/json (text/plain, a form, none) is refused and changes nothing; application/json is allowed', async function () {
            sim = await startTestSimulator();
            for (const headers of [{ 'Content-Type': 'text/plain' }, { 'Content-Type': 'application/x-www-form-urlencoded' },
                { 'Content-Type': 'multipart/form-data; boundary=x' }, {}, { 'Content-Type': 'application/jsonx' }]) {
                const r = await raw(sim, 'POST', '/groups/101/close', headers, '{}');
                assert.strictEqual(r.status, 415, JSON.stringify(headers));
                assert.strictEqual(groupOpen(sim, 101), true);
            }
            const ok = await raw(sim, 'POST', '/groups/101/close', { 'Content-Type': 'Application/JSON; charset=utf-8' }, '{}');
            assert.strictEqual(ok.status, 200);
            assert.strictEqual(groupOpen(sim, 101), false);
            // GETs carry no body and need no Content-Type.
            assert.strictEqual((await raw(sim, 'GET', '/state')).status, 200);
        });
    });

    describe('one guard for every route', function () {
        it('/console, the stream and control routes that do not exist yet are refused by the guard first', async function () {
            sim = await startTestSimulator({ auth: true });
            // The console page (200 once past the guard) and a file it does not have (404).
            for (const [route, status] of [['/console', 200], ['/console/app.js', 404]]) {
                const url = `${sim.controlUrl.replace(/\/control$/, '')}${route}`;
                const host = { Host: `127.0.0.1:${sim.port}` };
                assert.strictEqual((await httpRequest(url, { headers: { Host: `evil.example:${sim.port}` } })).status, 403, route);
                assert.strictEqual((await httpRequest(url, { headers: { ...host, Origin: 'http://evil.example' } })).status, 403, route);
                assert.strictEqual((await httpRequest(url, { headers: host })).status, 401, route);
                assert.strictEqual((await httpRequest(url, { headers: { ...host, Authorization: `Bearer ${sim.controlToken}` } })).status, status, route);
            }
            for (const route of ['/stream', '/not/yet/there']) {
                assert.strictEqual((await raw(sim, 'GET', route)).status, 401, route);
                assert.strictEqual((await raw(sim, 'POST', route, { Authorization: `Bearer ${sim.controlToken}` }, '{}')).status, 415, route);
            }
            assert.strictEqual((await controlGet(sim, '/not/yet/there')).status, 404);
            // Past the guard, the stream answers (and would go on: closed here).
            const stream = await new Promise((resolve, reject) => {
                const req = http.get(`${sim.controlUrl}/stream`, { headers: { Authorization: `Bearer ${sim.controlToken}` } }, (res) => {
                    resolve({ status: res.statusCode, type: res.headers['content-type'] });
                    req.destroy();
                });
                req.on('error', reject);
            });
            assert.deepStrictEqual(stream, { status: 200, type: 'text/event-stream; charset=utf-8' });
        });

        it('the SOAP endpoint is not behind the guard (a real MiCC client sends none of this)', async function () {
            sim = await startTestSimulator();
            const r = await httpRequest(sim.url, { method: 'GET', headers: { Host: `evil.example:${sim.port}` } });
            assert.strictEqual(r.status, 200);
        });
    });

    describe('POST /control/reset reads only shipped scenarios and files under --scenario-dir', function () {
        let dir;
        let outside;
        const SECRET_TEXT = 'TOP-SECRET-CONTENT-31337';
        beforeEach(function () {
            const base = fs.mkdtempSync(path.join(os.tmpdir(), 'om-scenarios-'));
            dir = path.join(base, 'allowed');
            outside = path.join(base, 'outside');
            fs.mkdirSync(dir);
            fs.mkdirSync(outside);
            const mine = { name: 'from the scenario dir', tenants: [{ id: 1, name: 'T' }], serviceGroups: [{ id: 9, name: 'G', tenantId: 1 }], agents: [] };
            fs.writeFileSync(path.join(dir, 'mine.json'), JSON.stringify(mine));
            fs.mkdirSync(path.join(dir, 'sub'));
            fs.writeFileSync(path.join(dir, 'sub', 'nested.json'), JSON.stringify({ ...mine, name: 'nested' }));
            fs.writeFileSync(path.join(dir, 'broken.json'), `{ "name": "${SECRET_TEXT}", `);
            fs.writeFileSync(path.join(dir, 'badvalue.json'), JSON.stringify({ ...mine, license: SECRET_TEXT }));
            fs.writeFileSync(path.join(outside, 'secret.json'), JSON.stringify({ ...mine, name: SECRET_TEXT }));
            fs.writeFileSync(path.join(outside, 'notjson.json'), SECRET_TEXT);
            fs.symlinkSync(path.join(outside, 'secret.json'), path.join(dir, 'link.json'));
            fs.symlinkSync(outside, path.join(dir, 'linkdir'));
        });
        afterEach(function () {
            fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        });

        it('shipped names and files inside the directory load; a subfolder too', async function () {
            sim = await startTestSimulator({ scenarioDir: dir });
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'mine.json' })).status, 200);
            assert.strictEqual(sim.model.state().name, 'from the scenario dir');
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'sub/nested.json' })).status, 200);
            assert.strictEqual(sim.model.state().name, 'nested');
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'demo' })).status, 200);
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'test' })).status, 200);
            assert.strictEqual((await controlPost(sim, '/reset', {})).status, 200);
        });

        it('outside it (.., absolute, symlinks out), missing, or not .json: one answer, whether or not the file exists, and no content', async function () {
            sim = await startTestSimulator({ scenarioDir: dir });
            const names = ['../outside/secret.json', path.join(outside, 'secret.json'), 'link.json', 'linkdir/secret.json',
                '../outside/missing.json', path.join(outside, 'missing.json'), 'missing.json', '../outside/notjson.json',
                '/etc/passwd', '../../../../../../etc/passwd', 'mine', '.', '..', '', 'sub'];
            const answers = new Set();
            for (const name of names) {
                const r = await controlPost(sim, '/reset', { scenario: name });
                assert.strictEqual(r.status, 400, name);
                assert.ok(!r.body.includes(SECRET_TEXT) && !r.body.includes('root:'), `${name}: ${r.body}`);
                answers.add(r.json.error);
            }
            assert.strictEqual(answers.size, 1, [...answers].join('\n'));
            assert.strictEqual(sim.model.state().name, 'Deterministic test center', 'the model was not reset');
        });

        it('a broken file inside it is refused without quoting what it holds', async function () {
            sim = await startTestSimulator({ scenarioDir: dir });
            for (const name of ['broken.json', 'badvalue.json']) {
                const r = await controlPost(sim, '/reset', { scenario: name });
                assert.strictEqual(r.status, 400, name);
                assert.match(r.json.error, /not a valid scenario/);
                assert.ok(!r.body.includes(SECRET_TEXT), r.body);
            }
            assert.match((await controlPost(sim, '/reset', { scenario: 'badvalue.json' })).json.error, /license/, 'names what is wrong');
        });

        it('without --scenario-dir only shipped names: a path is refused, even to a shipped file', async function () {
            sim = await startTestSimulator();
            const shipped = path.join(__dirname, '..', 'simulator', 'scenarios', 'demo.json');
            for (const name of [shipped, path.join(dir, 'mine.json'), '../scenarios/demo', 'demo.json']) {
                const r = await controlPost(sim, '/reset', { scenario: name });
                assert.strictEqual(r.status, 400, name);
                assert.match(r.json.error, /--scenario-dir/);
            }
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'demo' })).status, 200);
        });
    });

    describe('server timeouts', function () {
        it('defaults: headers 10 s, whole request 30 s, idle keep-alive 5 s (Node: 60 s, 300 s)', async function () {
            sim = await startTestSimulator();
            const s = sim.server.httpServer;
            assert.deepStrictEqual([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout], [10000, 30000, 5000]);
        });

        /** Opens a raw connection, writes `text`, resolves { closedAfterMs, answer } when the server closes it. */
        function stall(sim, text) {
            return new Promise((resolve, reject) => {
                const started = Date.now();
                const socket = net.connect(sim.port, '127.0.0.1', () => socket.write(text));
                let answer = '';
                socket.on('data', (d) => { answer += d; });
                socket.on('error', () => {});
                socket.on('close', () => { clearTimeout(timer); resolve({ closedAfterMs: Date.now() - started, answer }); });
                const timer = setTimeout(() => { socket.destroy(); reject(new Error('the server kept a stalled connection open')); }, 10000);
            });
        }

        it('a body that stalls, or headers that never end, are cut; a held answer is not', async function () {
            sim = await startTestSimulator({ timeouts: { headersTimeout: 300, requestTimeout: 600 } });
            // A SOAP request whose answer the simulator holds: it must outlive the request timeout.
            sim.injectFault({ kind: 'hold' });
            const op = 'GetAllOpenMediaRequestStatus';
            const held = httpRequest(sim.url, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: `"http://tempuri.org/IOpenMediaService/${op}"` },
                body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><${op} xmlns="http://tempuri.org/"/></s:Body></s:Envelope>` });
            const body = await stall(sim, `POST /control/state HTTP/1.1\r\nHost: 127.0.0.1:${sim.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"par`);
            const head = await stall(sim, `GET /control/state HTTP/1.1\r\nHost: 127.0.0.1:${sim.port}\r\n`);
            assert.ok(body.closedAfterMs >= 500 && body.closedAfterMs < 5000, `stalled body cut after ${body.closedAfterMs} ms`);
            assert.ok(head.closedAfterMs >= 250 && head.closedAfterMs < 5000, `stalled headers cut after ${head.closedAfterMs} ms`);
            assert.match(body.answer, /^HTTP\/1\.1 408/);
            // Both cuts came after the request timeout had passed for the held request too; it is still there.
            assert.strictEqual(sim.heldCount, 1);
            sim.releaseHeld();
            assert.strictEqual((await held).status, 200);
        });
    });
});
