'use strict';
/*
 * Hostile XML against both readers of the pack's one XML layer, over real HTTP on 127.0.0.1 (issue 9):
 *
 *  - the client: a local server answers every call with a case of the corpus (test/support/hostile-corpus.js);
 *    every case must end as BAD_RESPONSE, on the direct path and on the soap fallback path, with a short fixed
 *    reason that quotes nothing of the answer; the client keeps working afterwards;
 *  - the simulator: every case as an AddRequest must be answered 400 (unreadable) or with a SOAP fault, never
 *    reach the model, never be an internal error, and the simulator keeps serving;
 *  - the transport's bounds: a server that drips its answer a byte at a time fails with ETIMEDOUT at the
 *    configured timeout (the timeout covers the whole answer); a Content-Length over the cap fails at once.
 *
 * No timing assertions: how long a refusal takes is bench/hostile.js's business.
 */
const assert = require('assert');

const { OpenMediaClient } = require('../lib/client');
const contract = require('../lib/contract');
const { buildWsdl } = require('../lib/wsdl');
const { expectError } = require('./support/canned-answers');
const { startServer } = require('./support/answer-server');
const { answerCases, requestCases, normalAnswer, ANSWER_OPERATION, MIN_BYTES } = require('./support/hostile-corpus');
const { startTestSimulator, soapPost } = require('./support/simulator');

const SIZE = MIN_BYTES;

/** The bundled WSDL with its binding renamed: the client cannot use its direct path and goes through soap. */
const fallbackWsdl = (endpoint) => buildWsdl(endpoint).split(contract.BINDING_NAME).join('CustomBinding_IOpenMediaService');

/** A refusal says what was wrong in a few fixed words: nothing of the answer comes through. */
function assertShortFixedReason(err, caseName) {
    assert.ok(err.message.length < 260, `${caseName}: a long message (${err.message.length}): ${err.message.slice(0, 300)}`);
    for (const leak of ['lol', 'ent;', 'passwd', 'xmlns:p1', 'nnnnnnnn', 'vvvvvvvv', '12345678', '&amp;&amp;', '\u0001', '\uFFFD']) {
        assert.ok(!err.message.includes(leak), `${caseName}: the message quotes the answer (${JSON.stringify(leak)}): ${err.message}`);
    }
}

describe('hostile XML (issue 9)', function () {
    this.timeout(60000);

    describe('the client refuses every hostile answer as BAD_RESPONSE', function () {
        const cases = answerCases(SIZE);
        let server;
        const state = { body: null };
        let direct;
        let fallback;
        before(async function () {
            // GET ?wsdl: a WSDL the direct path does not take, so `fallback` goes through soap.
            server = await startServer(({ method }) => ({ body: method === 'GET' ? fallbackWsdl(server.url) : state.body }));
            direct = new OpenMediaClient({ endpoint: server.url });
            fallback = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            await fallback.ready();
        });
        after(async function () {
            await direct.close();
            await fallback.close();
            await server.stop();
        });

        it('the baseline: an honest answer of the same size is read on both paths', async function () {
            state.body = normalAnswer(SIZE);
            const a = await direct.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) });
            const b = await fallback.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) });
            assert.ok(a.OpenMediaRequests.length > 100);
            assert.deepStrictEqual(b, a);
        });

        for (const c of cases) {
            it(`${c.name} (${c.what})`, async function () {
                state.body = c.body;
                for (const [path, client] of [['direct', direct], ['soap fallback', fallback]]) {
                    const err = await expectError(client.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) }), 'BAD_RESPONSE')
                        .catch((e) => assert.fail(`${path}: ${e.message}`));
                    assertShortFixedReason(err, `${c.name} (${path})`);
                }
                // And the next honest answer is read as usual.
                state.body = normalAnswer(4096);
                assert.ok((await direct.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) })).OpenMediaRequests.length > 0);
            });
        }

        it('a refusal never quotes what the server echoed (a password in names, entities, values)', async function () {
            const secret = 'S3cr3t-Pa55';
            const base = normalAnswer(2048).toString('utf8');
            for (const body of [
                base.replace('<a:AgentID>', `<a:AgentID>&${secret};`),
                base.replace('<a:AgentID>', `<a:AgentID><${secret}/>`),
                base.replace('<a:AgentID>', `<${secret}:AgentID>`),
                base.replace('</a:AgentID>', `</a:${secret}>`),
                base.replace('<a:OpenMediaRequest>', `<a:OpenMediaRequest x="${secret}" x="${secret}">`),
                `<!DOCTYPE ${secret}>${base}`,
                base.replace('<a:LogonID>', `<a:LogonID>${secret}\u0002`),
            ]) {
                state.body = body;
                const err = await expectError(direct.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) }), 'BAD_RESPONSE');
                assert.ok(!JSON.stringify(err).includes(secret), err.message);
                assert.ok(!err.message.includes('S3cr'), err.message);
            }
        });
    });

    describe('the simulator answers every hostile request with 400 or a fault, and keeps serving', function () {
        let sim;
        before(async function () {
            // Bodies bigger than the default 64 KiB would be refused (413) before any XML is read.
            sim = await startTestSimulator({ maxBodyBytes: 4 * SIZE });
        });
        after(async function () {
            await sim.stop();
        });

        for (const c of requestCases(SIZE)) {
            it(`${c.name} (${c.what})`, async function () {
                const events = sim.eventLog.length;
                const res = await soapPost(sim, 'AddRequest', '', { raw: c.body });
                if (res.status === 400) {
                    assert.strictEqual(res.body, '');
                    assert.ok(res.headers['x-simulator-reason'].length < 120, res.headers['x-simulator-reason']);
                } else {
                    assert.strictEqual(res.status, 500, res.body.slice(0, 300));
                    assert.match(res.body, /<faultcode[^>]*>(s:Client|a:DeserializationFailed)<\/faultcode>/, res.body.slice(0, 500));
                    assert.ok(res.body.length < 2000, `a fault of ${res.body.length} characters`);
                }
                assert.strictEqual(sim.eventLog.length, events, 'the model was reached');
                assert.strictEqual(sim.received.slice(-1)[0].status, res.status);
                // It still serves.
                const ok = await soapPost(sim, 'GetServiceGroupStatus',
                    '<GetServiceGroupStatus xmlns="http://tempuri.org/"><serviceGroupID>101</serviceGroupID></GetServiceGroupStatus>');
                assert.strictEqual(ok.status, 200, ok.body);
            });
        }
    });

    describe('the transport bounds the whole answer', function () {
        let server;
        let client;
        afterEach(async function () {
            if (client) await client.close();
            if (server) await server.stop();
            client = undefined;
            server = undefined;
        });

        it('an answer dripped a byte at a time fails with ETIMEDOUT at the configured timeout', async function () {
            const body = normalAnswer(4096);
            let drips = 0;
            const timers = new Set();
            server = await startServer(({ res }) => {
                // Headers and the first byte at once, then a byte every 50 ms: the answer never stops coming within
                // the timeout, so only a deadline on the whole answer ends the call.
                res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length });
                let i = 0;
                const drip = () => {
                    if (res.destroyed || i >= body.length) return;
                    res.write(body.subarray(i, i + 1));
                    i++;
                    drips++;
                    const t = setTimeout(() => { timers.delete(t); drip(); }, 50);
                    timers.add(t);
                };
                drip();
                return null;
            });
            client = new OpenMediaClient({ endpoint: server.url, timeoutMs: 600 });
            try {
                const err = await expectError(client.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) }), 'ETIMEDOUT');
                assert.match(err.message, /600 ms/);
                assert.ok(drips > 1, 'the server was still sending when the call failed');
                // The client hung up: the server's socket closes.
                await new Promise((resolve) => (server.openSockets.size === 0 ? resolve() : [...server.openSockets][0].once('close', resolve)));
            } finally {
                for (const t of timers) clearTimeout(t);
            }
        });

        it('a Content-Length over the cap fails with BAD_RESPONSE at once, without waiting for the body', async function () {
            server = await startServer(({ res }) => {
                // Declares 100 MB and sends a few bytes: reading it would end only at the timeout.
                res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': 100 * 1024 * 1024 });
                res.write('<s:Envelope');
                return null;
            });
            // A timeout longer than this test's own: only the refusal at the header can end it in time.
            client = new OpenMediaClient({ endpoint: server.url, timeoutMs: 120000, maxResponseBytes: 1024 * 1024 });
            const err = await expectError(client.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) }), 'BAD_RESPONSE');
            assert.match(err.message, /larger than the maximum answer size of 1048576 bytes \(1 MB\)/);
        });

        it('an answer past the cap without a Content-Length fails with BAD_RESPONSE, and the client still works', async function () {
            let big = true;
            server = await startServer(({ res }) => {
                if (!big) return { body: normalAnswer(2048) };
                res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }); // chunked
                const chunk = Buffer.alloc(64 * 1024, 0x20);
                for (let i = 0; i < 40; i++) res.write(chunk);
                return null;
            });
            client = new OpenMediaClient({ endpoint: server.url, timeoutMs: 120000, maxResponseBytes: 1024 * 1024 });
            await expectError(client.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) }), 'BAD_RESPONSE');
            big = false;
            assert.ok((await client.call(ANSWER_OPERATION, { retrieveLaterThan: new Date(0) })).OpenMediaRequests.length > 0);
        });

        it('maxResponseBytes must be a positive whole number', function () {
            for (const bad of [0, -1, 1.5, NaN, '10']) {
                assert.throws(() => new OpenMediaClient({ endpoint: 'http://127.0.0.1:9/OpenMediaService', maxResponseBytes: bad }),
                    (err) => err.code === 'INVALID_INPUT' && err.field === 'maxResponseBytes');
            }
        });
    });
});
