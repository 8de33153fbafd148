'use strict';
/*
 * The client against a hostile peer, beyond the XML corpus (review r1 of issues 9 and 10), over real HTTP on
 * 127.0.0.1:
 *
 *  - the soap fallback path: soap writes the request, but never parses anything the server answers (an answer, a
 *    fault, an HTTP error with an envelope): its parser is not linear on every input (multiRef hrefs, CDATA texts);
 *  - building from the server's service description (wsdlSource 'server') is bounded as a whole: one deadline for
 *    every document, at most WSDL_MAX_DOCUMENTS documents, WSDL_MAX_BYTES in all, WSDL_MAX_IMPORTS import
 *    references; an import that is not an http(s) address is refused and nothing local is opened;
 *  - whatever the peer sends, a failure is BAD_RESPONSE or a transport code, never CLIENT_ERROR: answers that are
 *    not HTTP (Node's parser refuses them), a service description soap cannot use (a chain of types that overflows
 *    its recursion).
 *
 * No timing assertions: how long these take is bench/hostile.js's business.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { WSDL } = require('soap/lib/wsdl');

const { OpenMediaClient, WSDL_MAX_DOCUMENTS, WSDL_MAX_BYTES, WSDL_MAX_IMPORTS } = require('../lib/client');
const contract = require('../lib/contract');
const { buildWsdl } = require('../lib/wsdl');
const { CANNED, EXPECTED, fault, expectError } = require('./support/canned-answers');
const { startServer, startRawServer } = require('./support/answer-server');

/** The bundled WSDL with its binding renamed: the client cannot take its direct path and goes through soap. */
const fallbackWsdl = (endpoint) => buildWsdl(endpoint).split(contract.BINDING_NAME).join('CustomBinding_IOpenMediaService');
/** The WSDL with `extra` right after the definitions' start tag (where wsdl:import goes). */
const withImport = (wsdl, extra) => wsdl.replace('name="OpenMediaService" targetNamespace="http://tempuri.org/">', (m) => m + extra);
/** A wsdl:import (soap keeps one per namespace: each gets its own). */
let imported = 0;
const wsdlImport = (location) => `<wsdl:import namespace="urn:imported${++imported}" location="${location}"/>`;
const emptyDefinitions = (ns) => `<?xml version="1.0"?><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="${ns}"/>`;

describe('the client against a hostile peer (review r1)', function () {
    this.timeout(60000);
    let server;
    let client;
    afterEach(async function () {
        await Promise.all([client && client.close(), server && server.stop()]);
        client = server = undefined;
    });

    describe('the soap fallback path: soap never parses what the server sends', function () {
        let parsed;
        let original;
        beforeEach(function () {
            // Every parse of a SOAP answer by the soap package goes through WSDL#xmlToObject (its faults and HTTP
            // errors too): counted here.
            original = WSDL.prototype.xmlToObject;
            parsed = 0;
            WSDL.prototype.xmlToObject = function (...args) {
                parsed++;
                return original.apply(this, args);
            };
        });
        afterEach(function () {
            WSDL.prototype.xmlToObject = original;
        });

        it('answers, faults, HTTP errors with an envelope and broken answers are read by the client alone', async function () {
            const answers = [
                { status: 200, body: CANNED.CancelRequest },
                { status: 500, body: fault('OpenMediaRequestTerminatedFault', contract.FAULTS.OpenMediaRequestTerminatedFault.ns, 'ended') },
                { status: 503, body: CANNED.CancelRequest },
                { status: 200, body: `${CANNED.CancelRequest.slice(0, -20)}` },
                // The shapes that made soap's parser quadratic, at a size the tests can afford.
                { status: 200, body: CANNED.CancelRequest.replace('</CancelRequestResponse>', `<t id="x">${'<c/>'.repeat(100)}</t>${'<u href="#x"/>'.repeat(100)}</CancelRequestResponse>`) },
                { status: 200, body: CANNED.CancelRequest.replace('</CancelRequestResponse>', `<t>${`<r><![CDATA[${'<?xml'.repeat(100)}]]></r>`.repeat(10)}</t></CancelRequestResponse>`) },
            ];
            let next = 0;
            server = await startServer(({ method }) => (method === 'GET' ? { body: fallbackWsdl(server.url) } : { ...answers[next++], headers: { 'Content-Type': 'text/xml; charset=utf-8' } }));
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            const call = () => client.call('CancelRequest', { OpenMediaID: 7 });
            assert.strictEqual(await call(), EXPECTED.CancelRequest);
            assert.strictEqual((await expectError(call(), 'OpenMediaRequestTerminatedFault')).faultString, 'ended');
            await expectError(call(), 'HTTP_503');
            await expectError(call(), 'BAD_RESPONSE');
            await expectError(call(), 'BAD_RESPONSE');
            assert.strictEqual(await call(), EXPECTED.CancelRequest, 'unknown content beside the result is skipped, as on the direct path');
            // It was the fallback path: soap wrote the requests (its envelope carries its own prefix and namespaces).
            const posts = server.requests.filter((r) => r.method === 'POST');
            assert.strictEqual(posts.length, answers.length);
            assert.match(posts[0].body, /^<\?xml version="1.0" encoding="utf-8"\?><soap:Envelope /);
            assert.strictEqual(parsed, 0, 'the soap package parsed a SOAP answer');
        });
    });

    describe("wsdlSource 'server': the build is bounded as a whole", function () {
        it(`an endless chain of imports ends after ${WSDL_MAX_DOCUMENTS} documents with BAD_RESPONSE`, async function () {
            server = await startServer(({ method, url }) => {
                if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                const n = Number(new URL(url, 'http://x').searchParams.get('n') || 0);
                const next = wsdlImport(`/OpenMediaService?wsdl&amp;n=${n + 1}`);
                if (n === 0) return { body: withImport(buildWsdl(server.url), next) };
                return { body: emptyDefinitions(`urn:x${n}`).replace('/>', `>${next}</wsdl:definitions>`) };
            });
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server', timeoutMs: 20000 });
            const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'BAD_RESPONSE');
            assert.match(err.message, new RegExp(`imports more than ${WSDL_MAX_DOCUMENTS} documents`));
            assert.strictEqual(server.requests.filter((r) => r.method === 'GET').length, WSDL_MAX_DOCUMENTS);
            assert.strictEqual(server.requests.filter((r) => r.method === 'POST').length, 0);
        });

        it('a chain of documents each sent slowly ends with ETIMEDOUT: one deadline covers the whole build', async function () {
            const timers = new Set();
            server = await startServer(({ method, url, res }) => {
                if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                const n = Number(new URL(url, 'http://x').searchParams.get('n') || 0);
                const next = wsdlImport(`/OpenMediaService?wsdl&amp;n=${n + 1}`);
                const body = n === 0 ? withImport(buildWsdl(server.url), next) : emptyDefinitions(`urn:x${n}`).replace('/>', `>${next}</wsdl:definitions>`);
                // Each document well within the timeout, so only a deadline on the whole build ends it.
                const t = setTimeout(() => {
                    timers.delete(t);
                    if (!res.destroyed) res.writeHead(200, { 'Content-Type': 'text/xml' }).end(body);
                }, 150);
                timers.add(t);
                return null;
            });
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server', timeoutMs: 500 });
            try {
                const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'ETIMEDOUT');
                assert.match(err.message, /service description was not complete within 500 ms/);
                assert.ok(server.requests.length < WSDL_MAX_DOCUMENTS, `${server.requests.length} documents asked for`);
            } finally {
                for (const t of timers) clearTimeout(t);
            }
        });

        it(`documents of more than ${WSDL_MAX_BYTES} bytes in all end with BAD_RESPONSE`, async function () {
            // Each document well under the answer cap; together over the service description's.
            const filler = `<wsdl:documentation>${'x'.repeat(60000)}</wsdl:documentation>`.repeat(5);
            server = await startServer(({ method, url }) => {
                if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                const n = Number(new URL(url, 'http://x').searchParams.get('n') || 0);
                if (n === 0) return { body: withImport(buildWsdl(server.url), [1, 2, 3, 4, 5].map((i) => wsdlImport(`/OpenMediaService?wsdl&amp;n=${i}`)).join('')) };
                return { body: emptyDefinitions(`urn:x${n}`).replace('/>', `>${filler}</wsdl:definitions>`) };
            });
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'BAD_RESPONSE');
            assert.match(err.message, /service description is larger than 1048576 bytes \(1 MB\) in all/);
        });

        it(`more than ${WSDL_MAX_IMPORTS} import references (to one cached document) end with BAD_RESPONSE`, async function () {
            const refs = Array.from({ length: WSDL_MAX_IMPORTS + 1 }, () => wsdlImport('/OpenMediaService?wsdl&amp;n=1')).join('');
            server = await startServer(({ method, url }) => {
                if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                const n = Number(new URL(url, 'http://x').searchParams.get('n') || 0);
                return { body: n === 0 ? withImport(buildWsdl(server.url), refs) : emptyDefinitions('urn:x1') };
            });
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'BAD_RESPONSE');
            assert.match(err.message, new RegExp(`more than ${WSDL_MAX_IMPORTS} imports`));
        });

        it('the bounds leave room for an honest description: imports fetched from the endpoint, the calls work', async function () {
            server = await startServer(({ method, url }) => {
                if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                const n = Number(new URL(url, 'http://x').searchParams.get('n') || 0);
                // Imports named on a host this machine cannot reach: fetched from the endpoint's host instead.
                if (n === 0) return { body: withImport(buildWsdl(server.url), [1, 2, 3].map((i) => wsdlImport(`http://micc-internal:1/OpenMediaService?wsdl&amp;n=${i}`)).join('')) };
                return { body: emptyDefinitions(`urn:x${n}`) };
            });
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
            assert.deepStrictEqual(server.requests.filter((r) => r.method === 'GET').map((r) => r.url),
                ['/OpenMediaService?wsdl', '/OpenMediaService?wsdl&n=1', '/OpenMediaService?wsdl&n=2', '/OpenMediaService?wsdl&n=3']);
        });
    });

    describe("wsdlSource 'server': an import is never a local file", function () {
        let dir;
        let readFile;
        let opened;
        beforeEach(function () {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-wsdl-local-'));
            // Anything soap opens from the disk goes through fs.readFile: recorded here.
            readFile = fs.readFile;
            opened = [];
            fs.readFile = function (file, ...rest) {
                opened.push(String(file));
                return readFile.call(this, file, ...rest);
            };
        });
        afterEach(function () {
            fs.readFile = readFile;
            fs.rmSync(dir, { recursive: true, force: true });
        });

        for (const [name, location] of [
            ['a file: URL', (file) => `file://${file}`],
            ['a Windows drive path', () => 'c:/local.xml'],
            ['a UNC path', () => '\\\\fileserver\\share\\local.xml'],
            ['inline XML in place of an address', () => '&lt;?xml version=&quot;1.0&quot;?&gt;&lt;definitions/&gt;'],
        ]) {
            it(`${name}: refused (BAD_RESPONSE), nothing opened, nothing but the endpoint fetched`, async function () {
                // A local file that would make the server hear of it, had it been read.
                const file = path.join(dir, 'local.xml');
                server = await startServer(({ method, url }) => {
                    if (method !== 'GET') return { body: CANNED.GetServiceGroupStatus };
                    if (url.includes('PROOF')) return { body: emptyDefinitions('urn:proof') };
                    return { body: withImport(buildWsdl(server.url), wsdlImport(location(file))) };
                });
                fs.writeFileSync(file, emptyDefinitions('urn:local').replace('/>', `>${wsdlImport(`${server.url}?wsdl&amp;PROOF`)}</wsdl:definitions>`));
                client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
                const outcome = await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }).then(() => 'answered', (err) => err);
                assert.deepStrictEqual(opened, [], 'a local file was opened');
                assert.ok(!server.requests.some((r) => r.url.includes('PROOF')), 'the local file was read');
                // Whatever happens to it: an address that is not http(s) is refused; a relative one (what the UNC
                // and inline forms are to a URL parser) is fetched from the endpoint's origin.
                for (const r of server.requests) assert.ok(r.url.startsWith('/'), r.url);
                if (outcome !== 'answered') {
                    assert.strictEqual(outcome.code, outcome.code === 'HTTP_404' ? 'HTTP_404' : 'BAD_RESPONSE', outcome.message);
                    if (outcome.code === 'BAD_RESPONSE') assert.match(outcome.message, /imports a document that is not at an http\(s\) address|could not be used/);
                }
                if (/^(file|c):/.test(location(file))) {
                    assert.strictEqual(outcome.code, 'BAD_RESPONSE');
                    assert.match(outcome.message, /imports a document that is not at an http\(s\) address/);
                }
            });
        }
    });

    describe('whatever the peer sends: BAD_RESPONSE or a transport code, never CLIENT_ERROR', function () {
        const GOOD = CANNED.CancelRequest;
        const cases = {
            'a garbage status line': (s) => s.end('HELLO WORLD\r\n\r\n'),
            'HTTP/0.9 (a body without a status line)': (s) => s.end(GOOD),
            'the HTTP/2 preface': (s) => s.end('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
            '304 with a body': (s) => s.end(`HTTP/1.1 304 Not Modified\r\nContent-Length: ${GOOD.length}\r\n\r\n${GOOD}`),
            'a header line over 16 KB': (s) => s.end(`HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(20000)}\r\n\r\n`),
            'a control character in a header': (s) => s.end('HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nContent-Length: 0\r\n\r\n'),
            'Content-Length beside Transfer-Encoding': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
            'a bad chunk size': (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'),
        };
        for (const [name, answer] of Object.entries(cases)) {
            it(`${name}: BAD_RESPONSE, "the answer is not valid HTTP"`, async function () {
                server = await startRawServer(answer);
                client = new OpenMediaClient({ endpoint: server.url, timeoutMs: 5000 });
                const err = await expectError(client.call('CancelRequest', { OpenMediaID: 1 }), 'BAD_RESPONSE');
                assert.match(err.message, /^The answer is not a valid Open Media answer - cancel request on 127\.0\.0\.1:\d+: the answer is not valid HTTP \(HPE_[A-Z_]+\)$/);
            });
        }

        it('a service description soap cannot use (a chain of 3000 types overflows its recursion): BAD_RESPONSE', async function () {
            let types = '';
            for (let i = 0; i < 3000; i++) {
                types += `<xs:complexType name="T${i}"><xs:sequence><xs:element name="e" type="${i + 1 < 3000 ? `deep:T${i + 1}` : 'xs:string'}"/></xs:sequence></xs:complexType>`;
            }
            const schema = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:deep="urn:deep" targetNamespace="urn:deep" elementFormDefault="qualified">${types}</xs:schema>`;
            server = await startServer(({ method }) => (method === 'GET'
                ? { body: buildWsdl(server.url).replace('<wsdl:types>', `<wsdl:types>${schema}`).replace('type="dc:AddOpenMediaRequest"', 'type="deep:T0" xmlns:deep="urn:deep"') }
                : { body: GOOD }));
            client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
            const err = await expectError(client.call('CancelRequest', { OpenMediaID: 1 }), 'BAD_RESPONSE');
            assert.match(err.message, /: the service description could not be used$/);
            assert.ok(!/stack|Maximum/i.test(JSON.stringify(err.toJSON())), err.message);
        });
    });
});
