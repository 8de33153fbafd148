'use strict';
/**
 * The client layer against small HTTP servers of our own, for what the simulator does not do or where the exact
 * bytes matter: canned WCF answers for every operation (normalised shapes), every fault, broken HTTP answers,
 * timeouts, resets, keep-alive, close(), TLS, the server's WSDL with unreachable import locations, credentials.
 */
const assert = require('assert');
const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const path = require('path');
const sax = require('sax');

const { OpenMediaClient, OpenMediaError, buildRequestArgs } = require('../lib/client');
const { toOpenMediaError } = require('../lib/errors');
const { normalizeResult, normalizeStatusRecord } = require('../lib/normalize');
const contract = require('../lib/contract');
const wsdlModule = require('../lib/wsdl');
const ref = require('./support/reference');
const tlsSupport = require('./support/tls');

const DC = contract.NS.dataContracts;
const TEMPURI = contract.NS.tempuri;
const SECRET = 'Pa55-S3cret-xyzzy';
const LOGON = 'omadmin-logon';

const { envelope, result, record, fault, CANNED, EXPECTED, expectError } = require('./support/canned-answers');
const { startServer } = require('./support/answer-server');

const ARGS = {
  AddRequest: { ServiceGroupID: 5, TypeOfSession: 1 },
  CancelRequest: { OpenMediaID: 1001 },
  DivertRequest: { OpenMediaID: 1001, ServiceGroupID: 6 },
  ModifyRequest: { OpenMediaID: 1001, PrivateData: 'x' },
  SetOptions: { MaxNumberOfSessions: 2 },
  GetOpenMediaRequestStatusByID: { openMediaID: 1001 },
  GetOpenMediaRequestHistoryByID: { openMediaID: 1001, retrieveLaterThan: 0 },
  GetOpenMediaRequestsByTime: { retrieveLaterThan: new Date(0) },
  GetAllOpenMediaRequestStatus: {},
  GetServiceGroupStatus: { serviceGroupID: 5 },
  GetAllOpenMediaServiceGroupStatus: { tenantID: -1 },
  GetOMAgentsByGroup: { serviceGroupID: 5 },
};

// ---------------------------------------------------------------------------------------------------------------
// A tiny server (test/support/answer-server.js): `handler({ op, body, headers, url, req, res })` returns { status, body,
// headers } or handles res.

const cannedHandler = ({ op }) => (CANNED[op] ? { body: CANNED[op] } : { status: 400, body: 'unknown op' });

/** Parses XML into { ns, local, attrs, children, text } with namespaces resolved. */
function parseTree(xml) {
  const parser = sax.parser(true, { xmlns: true });
  const root = { children: [] };
  const stack = [root];
  parser.onopentag = (node) => {
    const el = { ns: node.uri, local: node.local, attrs: node.attributes, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  };
  parser.ontext = (t) => {
    stack[stack.length - 1].text += t;
  };
  parser.onclosetag = () => stack.pop();
  parser.write(xml).close();
  return root.children[0];
}
const child = (el, local) => el.children.find((c) => c.local === local);
function bodyOf(xml) {
  const env = parseTree(xml);
  return child(env, 'Body').children[0];
}

/** Waits (bounded) until `predicate()` is true, polling on the event loop. */
async function until(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}


// ---------------------------------------------------------------------------------------------------------------

describe('client layer (own servers)', function () {
  let server;
  let client;
  afterEach(async function () {
    if (client) await client.close();
    client = undefined;
    if (server) await server.stop();
    server = undefined;
  });

  describe('answers', function () {
    for (const op of contract.OPERATION_NAMES) {
      it(`${op}: normalised answer, members in schema order`, async function () {
        server = await startServer(cannedHandler);
        client = new OpenMediaClient({ endpoint: server.url });
        const answer = await client.call(op, ARGS[op]);
        assert.deepStrictEqual(answer, EXPECTED[op]);
        // deepStrictEqual ignores key order; JSON does not.
        assert.strictEqual(JSON.stringify(answer), JSON.stringify(EXPECTED[op]));
        assert.strictEqual(server.requests.length, 1);
        assert.strictEqual(server.requests[0].headers.soapaction, `"${contract.soapAction(op)}"`);
      });
    }

    it('GetOMAgentsByGroup with one agent and with none: always an array', async function () {
      const answers = [
        result('GetOMAgentsByGroup', '<a:AgentList xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><b:int>7</b:int></a:AgentList><a:ServiceGroupID>5</a:ServiceGroupID>'),
        result('GetOMAgentsByGroup', '<a:AgentList i:nil="true"/><a:ServiceGroupID>5</a:ServiceGroupID>'),
      ];
      server = await startServer(() => ({ body: answers.shift() }));
      client = new OpenMediaClient({ endpoint: server.url });
      assert.deepStrictEqual(await client.call('GetOMAgentsByGroup', { serviceGroupID: 5 }), { AgentList: [7], ServiceGroupID: 5 });
      assert.deepStrictEqual(await client.call('GetOMAgentsByGroup', { serviceGroupID: 5 }), { AgentList: [], ServiceGroupID: 5 });
    });

    it('absent ints default to 0, an absent enum to its 0 member; an unknown enum is refused (as WCF refuses it)', async function () {
      let body = result('AddRequest', '<a:RequestStatus>GroupClosed</a:RequestStatus>');
      server = await startServer(() => ({ body }));
      client = new OpenMediaClient({ endpoint: server.url });
      assert.deepStrictEqual(await client.call('AddRequest', {}), { EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: 'GroupClosed', RequestStatusCode: 1 });
      assert.deepStrictEqual(normalizeResult('DivertRequest', {}), { OpenMediaID: 0, RequestStatus: 'Success', RequestStatusCode: 0 });
      body = result('AddRequest', '<a:RequestStatus>Brandnew</a:RequestStatus>');
      const err = await expectError(client.call('AddRequest', {}), 'BAD_RESPONSE');
      assert.match(err.message, /: RequestStatus is not one of the OpenMediaRequestStatus values the service defines/);
      assert.ok(!err.message.includes('Brandnew'), err.message);
    });
  });

  describe('normalizeResult / normalizeStatusRecord', function () {
    it('take the simulator wire shape (Dates, plain arrays) and already normalised values alike', function () {
      const wire = {
        OpenMediaRequests: [{ TimeStamp: new Date('2024-01-02T03:04:05.678Z'), Status: 'Complete', TenantID: 2, ServiceGroupID: 3, QueuePosition: 0, LogonID: null, ID: 9, AgentID: 4 }],
        TimeStamp: new Date('2024-01-02T03:04:06Z'),
      };
      const once = normalizeResult('GetAllOpenMediaRequestStatus', wire);
      assert.strictEqual(JSON.stringify(once), JSON.stringify({
        OpenMediaRequests: [{ AgentID: 4, ID: 9, LogonID: '', QueuePosition: 0, ServiceGroupID: 3, Status: 'Complete', StatusCode: 4, TenantID: 2, TimeStamp: '2024-01-02T03:04:05.678Z' }],
        TimeStamp: '2024-01-02T03:04:06.000Z',
      }));
      assert.deepStrictEqual(normalizeResult('GetAllOpenMediaRequestStatus', once), once);
      assert.deepStrictEqual(normalizeResult('GetAllOpenMediaRequestStatus', { GetAllOpenMediaRequestStatusResult: wire }), once);
      assert.deepStrictEqual(normalizeStatusRecord(wire.OpenMediaRequests[0]), once.OpenMediaRequests[0]);
      assert.strictEqual(normalizeResult('CancelRequest', { CancelRequestResult: 'true' }), true);
      assert.strictEqual(normalizeResult('CancelRequest', undefined), false);
    });
  });

  describe('requests on the wire', function () {
    it('members in schema order and in the DataContracts namespace, whatever the key order of the arguments', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      const args = {
        TypeOfSession: 3,
        TenantID: 1,
        SessionPriority: 50,
        ServiceGroupName: 'Sales',
        ServiceGroupID: 5,
        QueueStartTime: '2024-05-01T10:00:00+02:00',
        PrivateData: 'pd',
        PreferredAgentLogonID: null,
        PreferredAgentID: 7,
        IVRInfo: [{ Label: 'L1', Data: 'D1' }, { Label: 'L2', Data: null }],
        ForceToPreferredAgent: true,
      };
      await client.call('AddRequest', args);
      const body = bodyOf(server.requests[0].body);
      assert.strictEqual(body.local, 'AddRequest');
      assert.strictEqual(body.ns, TEMPURI);
      const request = child(body, 'request');
      assert.strictEqual(request.ns, TEMPURI);
      const names = contract.membersOf('AddOpenMediaRequest').map((m) => m.name);
      assert.deepStrictEqual(request.children.map((c) => c.local), names);
      for (const c of request.children) assert.strictEqual(c.ns, DC, `${c.local} in ${c.ns}`);
      const ivr = child(request, 'IVRInfo');
      assert.deepStrictEqual(ivr.children.map((c) => [c.ns, c.local]), [[DC, 'IVRInformation'], [DC, 'IVRInformation']]);
      for (const item of ivr.children) {
        assert.deepStrictEqual(item.children.map((c) => [c.ns, c.local]), [[DC, 'Data'], [DC, 'Label']]);
      }
      assert.strictEqual(child(ivr.children[1], 'Data').attrs['xsi:nil'].value, 'true');
      assert.strictEqual(child(request, 'PreferredAgentLogonID').attrs['xsi:nil'].value, 'true');
      assert.strictEqual(child(request, 'QueueStartTime').text, '2024-05-01T08:00:00.000Z');
      assert.strictEqual(child(request, 'ForceToPreferredAgent').text, 'true');
      assert.strictEqual(child(request, 'SessionPriority').text, '50');
    });

    it('every operation\'s request validates against the reference XSDs', async function () {
      ref.requireXmllint(this);
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url, logonId: LOGON, password: SECRET });
      const full = {
        ...ARGS,
        AddRequest: { ForceToPreferredAgent: false, IVRInfo: [{ Data: 'd', Label: 'l' }], PreferredAgentID: 1, PreferredAgentLogonID: 'a', PrivateData: 'p', QueueStartTime: Date.now(), ServiceGroupID: 5, ServiceGroupName: 'S', SessionPriority: 1, TenantID: 1, TypeOfSession: 1 },
        CancelRequest: { OpenMediaID: 1, DoNotReport: true, CancelIfAllocated: false },
        SetOptions: { TypeOfSession: 0, SessionLinkOptions: 1, ResetAllOptions: false, MaxNumberOfSessions: 1, CloseTabOptions: 1, AllowDifferentTypes: 1, AgentActionOptions: 1 },
        DivertRequest: { TenantID: 1, ServiceGroupName: 'x', ServiceGroupID: 2, OpenMediaID: 3 },
        ModifyRequest: { PrivateData: 'p', OpenMediaID: 1, IVRInfo: [{ Label: 'l' }] },
      };
      for (const op of contract.OPERATION_NAMES) await client.call(op, full[op]);
      for (const r of server.requests) ref.assertValidAgainstReference(r.body, r.op);
    });

    it('dates: Date, ISO string and epoch ms all go out as UTC ISO strings', function () {
      const at = Date.UTC(2024, 4, 1, 8, 0, 0);
      for (const v of [new Date(at), new Date(at).toISOString(), '2024-05-01T10:00:00+02:00', at, String(at)]) {
        assert.deepStrictEqual(buildRequestArgs('GetOpenMediaRequestsByTime', { retrieveLaterThan: v }), { retrieveLaterThan: '2024-05-01T08:00:00.000Z' });
      }
    });

    it('the client converts input by the same rules as the nodes: a zone is needed, ints are decimal xs:int', function () {
      for (const [args, field] of [
        [{ QueueStartTime: '2026-01-01T10:00:00' }, 'QueueStartTime'],
        [{ ServiceGroupID: '0x10' }, 'ServiceGroupID'],
        [{ ServiceGroupID: 2 ** 40 }, 'ServiceGroupID'],
        [{ ForceToPreferredAgent: 'yes' }, 'ForceToPreferredAgent'],
      ]) {
        assert.throws(() => buildRequestArgs('AddRequest', args), (e) => e.code === 'INVALID_INPUT' && e.field === field, JSON.stringify(args));
      }
      assert.deepStrictEqual(buildRequestArgs('AddRequest', { ServiceGroupID: '' }), { request: {} }, 'an empty string is "not given"');
    });

    it('input that cannot be put on the wire is INVALID_INPUT before anything is sent', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      let err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 'five' }), 'INVALID_INPUT');
      assert.strictEqual(err.field, 'serviceGroupID');
      err = await expectError(client.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: 'yesterday' }), 'INVALID_INPUT');
      assert.strictEqual(err.field, 'retrieveLaterThan');
      await expectError(client.call('NoSuchOperation', {}), 'INVALID_INPUT');
      assert.strictEqual(server.requests.length, 0);
    });

    it('XML special characters and non-ASCII text are escaped and arrive intact', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      const text = `a & b < c > d " e ' f – Zoë – 東京 ✓`;
      await client.call('ModifyRequest', { OpenMediaID: 1, PrivateData: text, IVRInfo: [{ Label: text, Data: text }] });
      const request = child(bodyOf(server.requests[0].body), 'request');
      assert.strictEqual(child(request, 'PrivateData').text, text);
      const item = child(child(request, 'IVRInfo'), 'IVRInformation');
      assert.strictEqual(child(item, 'Label').text, text);
      assert.strictEqual(child(item, 'Data').text, text);
      assert.strictEqual(Number(server.requests[0].headers['content-length']), Buffer.byteLength(server.requests[0].body, 'utf8'));
    });
  });

  describe('authentication headers', function () {
    it('LogonID and Password in namespace OpenMediaService when a logonId is set', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url, logonId: 'adm<&>', password: 'p"w\'d&' });
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 });
      const header = child(parseTree(server.requests[0].body), 'Header');
      assert.deepStrictEqual(header.children.map((c) => [c.ns, c.local, c.text]), [
        ['OpenMediaService', 'LogonID', 'adm<&>'],
        ['OpenMediaService', 'Password', 'p"w\'d&'],
      ]);
    });

    it('a LogonID or password XML cannot carry, or too long, is refused at construction; the error shows neither', function () {
      const cases = [
        [{ logonId: 'adm\u0001in', password: SECRET }, 'logonId', 'xml-char'],
        [{ logonId: LOGON, password: `${SECRET}\u0000` }, 'password', 'xml-char'],
        [{ logonId: LOGON, password: `${SECRET}\udfff` }, 'password', 'xml-char'],
        [{ logonId: 'l'.repeat(256), password: SECRET }, 'logonId', 'max-length'],
        [{ logonId: LOGON, password: 'p'.repeat(257) }, 'password', 'max-length'],
      ];
      for (const [creds, field, rule] of cases) {
        assert.throws(() => new OpenMediaClient({ endpoint: 'http://127.0.0.1:1/OpenMediaService', ...creds }), (e) => {
          assert.strictEqual(e.code, 'INVALID_INPUT');
          assert.strictEqual(e.field, field);
          assert.strictEqual(e.rule, rule);
          const text = `${JSON.stringify(e)} ${e.stack}`;
          assert.ok(!text.includes(creds.password.slice(0, 8)) && !text.includes(creds.logonId.slice(0, 8)), text);
          return true;
        });
      }
      // At the limits, with every character XML allows: accepted.
      const ok = new OpenMediaClient({ endpoint: 'http://127.0.0.1:1/OpenMediaService', logonId: 'l'.repeat(255), password: `\t${'p'.repeat(250)}\ud83d\ude00` });
      return ok.close();
    });

    it('a direct call with text XML cannot carry is INVALID_INPUT naming the field, before the wire', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      await assert.rejects(client.call('ModifyRequest', { OpenMediaID: 1, PrivateData: 'a\u0000' }),
        (e) => e.code === 'INVALID_INPUT' && e.field === 'PrivateData' && e.rule === 'xml-char' && /U\+0000/.test(e.message));
      await assert.rejects(client.call('AddRequest', { ServiceGroupID: 5, IVRInfo: [{ Label: 'x', Data: '\ud800' }] }),
        (e) => e.code === 'INVALID_INPUT' && e.field === 'IVRInfo[0].Data' && e.rule === 'xml-char');
      assert.strictEqual(server.requests.length, 0, 'nothing was sent');
      await client.call('ModifyRequest', { OpenMediaID: 1, PrivateData: 'tab\there' });
      assert.strictEqual(server.requests.length, 1);
    });

    it('no SOAP header at all without a logonId', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 });
      assert.strictEqual(child(parseTree(server.requests[0].body), 'Header'), undefined);
      assert.ok(!/LogonID|Password/.test(server.requests[0].body));
    });

    it('credentials appear in no message, stack or JSON of an error, even when the server echoes them', async function () {
      server = await startServer(({ body }) => ({
        status: 500,
        body: fault('InvalidUserFault', contract.NS.faults, `bad user in ${body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`),
      }));
      client = new OpenMediaClient({ endpoint: server.url, logonId: LOGON, password: SECRET });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'InvalidUserFault');
      assert.ok(server.requests[0].body.includes(SECRET), 'the test must send the secret');
      for (const text of [err.message, err.stack, JSON.stringify(err), require('util').inspect(err), err.faultString]) {
        assert.ok(!text.includes(SECRET), `secret leaked: ${text}`);
        assert.ok(!text.includes(LOGON), `logon leaked: ${text}`);
      }
      // And for transport errors.
      await server.stop();
      const closedPort = server.port;
      server = undefined;
      const c2 = new OpenMediaClient({ endpoint: `http://127.0.0.1:${closedPort}/OpenMediaService`, logonId: LOGON, password: SECRET });
      const err2 = await expectError(c2.call('AddRequest', { ServiceGroupID: 1 }), 'ECONNREFUSED');
      await c2.close();
      for (const text of [err2.message, err2.stack, JSON.stringify(err2)]) assert.ok(!text.includes(SECRET) && !text.includes(LOGON));
    });
  });

  describe('faults', function () {
    // What a flow builder reads first, for the faults one meets most.
    const CAUSES = { InvalidUserFault: 'Wrong LogonID or password', OpenMediaRequestTerminatedFault: 'The request has already ended',
      InvalidOpenMediaIDFault: 'The server does not know this OpenMediaID' };
    for (const name of contract.FAULT_NAMES) {
      it(`${name} -> code ${name}`, async function () {
        server = await startServer(() => ({ status: 500, body: fault(name, contract.FAULTS[name].ns, `text of ${name}`) }));
        client = new OpenMediaClient({ endpoint: server.url });
        const err = await expectError(client.call('AddRequest', { ServiceGroupID: 5 }), name);
        assert.strictEqual(err.fault, name);
        assert.strictEqual(err.faultString, `text of ${name}`);
        assert.strictEqual(err.operation, 'AddRequest');
        assert.strictEqual(err.statusCode, 500);
        // The cause in plain words first (not the fault's name), then the operation as the node is called, the
        // host, the server's text.
        const m = /^([A-Z][^-]+) - add request on 127\.0\.0\.1:(\d+): "text of (\w+)"$/.exec(err.message);
        assert.ok(m && m[2] === String(server.port) && m[3] === name && !m[1].includes('Fault'), err.message);
        if (CAUSES[name]) assert.strictEqual(m[1], CAUSES[name]);
      });
    }

    it('an answer without its result (absent or nil) is BAD_RESPONSE, not an all-defaults answer', async function () {
      const empty = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        + '<AddRequestResponse xmlns="http://tempuri.org/"/></s:Body></s:Envelope>';
      const nil = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        + '<AddRequestResponse xmlns="http://tempuri.org/"><AddRequestResult i:nil="true" '
        + 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/></AddRequestResponse></s:Body></s:Envelope>';
      const answers = [empty, nil];
      server = await startServer(() => ({ body: answers.shift() }));
      client = new OpenMediaClient({ endpoint: server.url });
      for (let i = 0; i < 2; i++) {
        const err = await expectError(client.call('AddRequest', { ServiceGroupID: 5 }), 'BAD_RESPONSE');
        assert.match(err.message, /AddRequestResult/);
      }
    });

    it('an unknown detail or no detail -> SOAP_FAULT keeping the faultstring', async function () {
      const answers = [fault('SomethingNewFault', contract.NS.faults, 'new thing'), fault(null, null, 'The server was unable to process the request')];
      server = await startServer(() => ({ status: 500, body: answers.shift() }));
      client = new OpenMediaClient({ endpoint: server.url });
      let err = await expectError(client.call('CancelRequest', { OpenMediaID: 1 }), 'SOAP_FAULT');
      assert.strictEqual(err.fault, 'SomethingNewFault');
      assert.strictEqual(err.faultString, 'new thing');
      err = await expectError(client.call('CancelRequest', { OpenMediaID: 1 }), 'SOAP_FAULT');
      assert.strictEqual(err.fault, undefined);
      assert.strictEqual(err.faultString, 'The server was unable to process the request');
    });
  });

  describe('transport failures', function () {
    it('a closed port -> ECONNREFUSED', async function () {
      const s = await startServer(cannedHandler);
      await s.stop();
      client = new OpenMediaClient({ endpoint: s.url });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'ECONNREFUSED');
      assert.ok(err.message.includes(`127.0.0.1:${s.port}`), err.message);
      assert.strictEqual(err.operation, 'GetServiceGroupStatus');
    });

    it('no answer within timeoutMs -> ETIMEDOUT, and the client still works afterwards', async function () {
      let hold = true;
      server = await startServer(({ res }) => (hold ? new Promise((resolve) => res.on('close', () => resolve(null))) : { body: CANNED.GetServiceGroupStatus }));
      client = new OpenMediaClient({ endpoint: server.url, timeoutMs: 300 });
      await client.ready();
      const started = Date.now();
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'ETIMEDOUT');
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
      assert.ok(/300 ms/.test(err.message), err.message);
      hold = false;
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
    });

    it('HTTP 503 with an HTML page -> HTTP_503 with statusCode', async function () {
      server = await startServer(() => ({ status: 503, headers: { 'Content-Type': 'text/html' }, body: '<html><body><h1>Service Unavailable</h1></body></html>' }));
      client = new OpenMediaClient({ endpoint: server.url });
      const err = await expectError(client.call('AddRequest', {}), 'HTTP_503');
      assert.strictEqual(err.statusCode, 503);
      assert.ok(!err.message.includes('<html'), err.message);
    });

    it('HTTP 500 / 404 with an empty body -> HTTP_500 / HTTP_404', async function () {
      const statuses = [500, 404];
      server = await startServer(() => ({ status: statuses.shift(), body: '' }));
      client = new OpenMediaClient({ endpoint: server.url });
      assert.strictEqual((await expectError(client.call('AddRequest', {}), 'HTTP_500')).statusCode, 500);
      assert.strictEqual((await expectError(client.call('AddRequest', {}), 'HTTP_404')).statusCode, 404);
    });

    it('HTTP 200 with an empty body, with JSON, with malformed XML -> BAD_RESPONSE', async function () {
      const bodies = ['', '{"ok":true}', '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><AddRequestResponse xmlns="http://tempuri.org/"><AddRequestResult></s:Body>', '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&bogus;<x</s:Body></s:Envelope>'];
      const n = bodies.length;
      server = await startServer(() => ({ status: 200, body: bodies.shift() }));
      client = new OpenMediaClient({ endpoint: server.url });
      for (let i = 0; i < n; i++) {
        const err = await expectError(client.call('AddRequest', {}), 'BAD_RESPONSE');
        assert.strictEqual(err.operation, 'AddRequest');
      }
    });

    it('an answer bigger than maxResponseBytes -> BAD_RESPONSE, and the client still works', async function () {
      let big = true;
      server = await startServer(({ op }) => ({ body: big ? CANNED[op].replace('<s:Body>', `<s:Body><!--${'x'.repeat(20000)}-->`) : CANNED[op] }));
      client = new OpenMediaClient({ endpoint: server.url, maxResponseBytes: 10000 });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'BAD_RESPONSE');
      assert.ok(/10000 bytes/.test(err.message), err.message);
      big = false;
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
    });

    it('the connection reset mid-call -> ECONNRESET', async function () {
      server = await startServer(({ req }) => {
        req.socket.destroy();
        return null;
      });
      client = new OpenMediaClient({ endpoint: server.url });
      await expectError(client.call('AddRequest', {}), 'ECONNRESET');
    });

    it('a reset on a re-used socket: a read is re-sent once on a fresh socket, a write is not', async function () {
      let n = 0;
      server = await startServer(({ req, op }) => {
        n++;
        if (n === 2 || n === 5) {
          req.socket.destroy();
          return null;
        }
        return cannedHandler({ op });
      });
      client = new OpenMediaClient({ endpoint: server.url });
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }); // 1: opens the socket
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus); // 2 reset, 3 ok
      assert.strictEqual(server.requests.length, 3);
      assert.strictEqual(server.connections, 2);
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }); // 4
      await expectError(client.call('AddRequest', { ServiceGroupID: 5 }), 'ECONNRESET'); // 5 reset, not re-sent
      assert.strictEqual(server.requests.length, 5);
    });

    it('system errors map to stable codes (ENOTFOUND, EAI_AGAIN, EPIPE, TLS)', function () {
      const map = (code, message = code) => toOpenMediaError(Object.assign(new Error(message), { code }), { operation: 'AddRequest', host: 'micc:12615' });
      assert.strictEqual(map('ENOTFOUND').code, 'ENOTFOUND');
      assert.strictEqual(map('EAI_AGAIN').code, 'ENOTFOUND');
      assert.strictEqual(map('EPIPE').code, 'ECONNRESET');
      const tls = map('CERT_HAS_EXPIRED', 'certificate has expired');
      assert.strictEqual(tls.code, 'TLS_ERROR');
      assert.strictEqual(tls.reason, 'CERT_HAS_EXPIRED');
      assert.ok(tls.message.includes('certificate has expired') && tls.message.includes('micc:12615'));
    });
  });

  describe('soap client life cycle', function () {
    it('concurrent first calls share one build of the soap client', async function () {
      server = await startServer(cannedHandler);
      const original = wsdlModule.buildWsdl;
      let builds = 0;
      wsdlModule.buildWsdl = (...a) => {
        builds++;
        return original(...a);
      };
      try {
        client = new OpenMediaClient({ endpoint: server.url });
        const answers = await Promise.all(Array.from({ length: 8 }, () => client.call('GetServiceGroupStatus', { serviceGroupID: 5 })));
        for (const a of answers) assert.deepStrictEqual(a, EXPECTED.GetServiceGroupStatus);
        await client.ready();
        await client.call('AddRequest', {});
      } finally {
        wsdlModule.buildWsdl = original;
      }
      assert.strictEqual(builds, 1);
      assert.strictEqual(client.buildCount, 1);
    });

    it('a failed build is not cached: the next call builds again', async function () {
      const original = wsdlModule.buildWsdl;
      let fail = true;
      wsdlModule.buildWsdl = (...a) => (fail ? '<?xml version="1.0"?><definitions' : original(...a));
      server = await startServer(cannedHandler);
      try {
        client = new OpenMediaClient({ endpoint: server.url });
        const err = await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }).then(() => null, (e) => e);
        assert.ok(err instanceof OpenMediaError, String(err));
        fail = false;
        assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
        assert.strictEqual(client.buildCount, 2);
      } finally {
        wsdlModule.buildWsdl = original;
      }
    });

    it('keep-alive: 20 sequential calls over one connection', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      for (let i = 0; i < 20; i++) await client.call('GetServiceGroupStatus', { serviceGroupID: 5 });
      assert.strictEqual(server.requests.length, 20);
      assert.strictEqual(server.connections, 1);
    });

    it('close(): a pending call fails with CLIENT_CLOSED, the server sees the connection close, no sockets left', async function () {
      let held;
      server = await startServer(({ op, res }) => {
        if (op === 'GetServiceGroupStatus') return { body: CANNED.GetServiceGroupStatus };
        return new Promise((resolve) => {
          held = resolve;
          res.on('close', () => resolve(null));
        });
      });
      client = new OpenMediaClient({ endpoint: server.url });
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 });
      // Settled into values at once, so the rejections are never "unhandled" while close() runs.
      const settle = (p) => p.then(() => Promise.reject(new Error('resolved')), (e) => e);
      const pending = settle(client.call('AddRequest', {}));
      const parallel = settle(client.call('AddRequest', {}));
      await until(() => server.requests.length === 3, 'both held requests reached the server');
      assert.ok(server.openSockets.size >= 1);
      const closed = Promise.all([...server.openSockets].map((s) => new Promise((r) => (s.destroyed ? r() : s.once('close', r)))));
      await client.close();
      const err = await pending;
      assert.ok(err instanceof OpenMediaError, String(err));
      assert.strictEqual(err.code, 'CLIENT_CLOSED');
      assert.ok(err.message.includes('closed'), err.message);
      assert.strictEqual((await parallel).code, 'CLIENT_CLOSED');
      await closed;
      assert.strictEqual(server.openSockets.size, 0);
      const agent = client.agent;
      assert.strictEqual(Object.keys(agent.sockets).length + Object.keys(agent.freeSockets).length, 0);
      await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'CLIENT_CLOSED');
      await expectError(client.ready(), 'CLIENT_CLOSED');
      if (held) held(null);
    });

    it('close() with idle keep-alive sockets closes them', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url });
      await client.call('GetServiceGroupStatus', { serviceGroupID: 5 });
      const sockets = [...server.openSockets];
      assert.strictEqual(sockets.length, 1);
      const closed = new Promise((r) => sockets[0].once('close', r));
      await client.close();
      await closed;
      assert.strictEqual(server.openSockets.size, 0);
    });

    it('rejects a bad endpoint and credentials in the URL', function () {
      assert.throws(() => new OpenMediaClient({ endpoint: 'ftp://x/OpenMediaService' }), (e) => e.code === 'INVALID_INPUT');
      assert.throws(() => new OpenMediaClient({ endpoint: 'not a url' }), (e) => e.code === 'INVALID_INPUT');
      assert.throws(
        () => new OpenMediaClient({ endpoint: `http://u:${SECRET}@127.0.0.1:1/OpenMediaService` }),
        (e) => e.code === 'INVALID_INPUT' && !JSON.stringify(e).includes(SECRET) && !e.message.includes(SECRET),
      );
    });
  });

  describe("wsdlSource 'server'", function () {
    before(function () {
      ref.requireReference(this);
    });

    /** Serves the reference WSDL as a real server does: imports at `?xsd=xsdN` on a host we cannot reach. */
    function referenceServer(hooks = {}) {
      const files = fs.readdirSync(ref.REFERENCE_DIR).filter((f) => /^xsd\d/.test(f));
      const byQuery = {};
      for (const f of files) byQuery[f.match(/^(xsd\d)/)[1]] = f;
      const rewrite = (text) =>
        text.replace(/schemaLocation="(xsd\d)[^"]*"/g, 'schemaLocation="http://localhost:1/OpenMediaService?xsd=$1"');
      return startServer((r) => {
        if (r.method === 'GET') {
          const q = r.url.split('?')[1] || '';
          if (hooks.get) {
            const h = hooks.get(q);
            if (h) return h;
          }
          if (q === 'wsdl') return { body: rewrite(fs.readFileSync(ref.REFERENCE_WSDL, 'utf8')) };
          const m = q.match(/^xsd=(xsd\d)$/);
          if (m && byQuery[m[1]]) return { body: rewrite(fs.readFileSync(path.join(ref.REFERENCE_DIR, byQuery[m[1]]), 'utf8')) };
          return { status: 404, body: '' };
        }
        return cannedHandler(r);
      });
    }

    it('builds from the server\'s ?wsdl, fetching the imports from the endpoint\'s host', async function () {
      server = await referenceServer();
      client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
      for (const op of contract.OPERATION_NAMES) {
        assert.deepStrictEqual(await client.call(op, ARGS[op]), EXPECTED[op], op);
      }
      const gets = server.requests.filter((r) => r.method === 'GET').map((r) => r.url.split('?')[1]);
      assert.ok(gets.includes('wsdl') && gets.includes('xsd=xsd2'), gets.join(','));
    });

    it('sends the same body as the bundled WSDL', async function () {
      server = await referenceServer();
      const args = { TypeOfSession: 1, ServiceGroupID: 5, IVRInfo: [{ Label: 'l', Data: 'd' }], PrivateData: null, QueueStartTime: 0, ForceToPreferredAgent: false };
      const a = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
      const b = new OpenMediaClient({ endpoint: server.url });
      try {
        await a.call('AddRequest', args);
        await b.call('AddRequest', args);
      } finally {
        await a.close();
        await b.close();
      }
      const posts = server.requests.filter((r) => r.method === 'POST');
      const simplify = (el) => ({ ns: el.ns, local: el.local, text: el.children.length ? undefined : el.text, nil: el.attrs['xsi:nil'] ? el.attrs['xsi:nil'].value : undefined, children: el.children.map(simplify) });
      assert.deepStrictEqual(simplify(bodyOf(posts[0].body)), simplify(bodyOf(posts[1].body)));
    });

    it('a ?wsdl that fails (503) is an error, and the next call tries again', async function () {
      let failures = 1;
      server = await referenceServer({ get: (q) => (q === 'wsdl' && failures-- > 0 ? { status: 503, headers: { 'Content-Type': 'text/html' }, body: '<html>down</html>' } : null) });
      client = new OpenMediaClient({ endpoint: server.url, wsdlSource: 'server' });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'HTTP_503');
      assert.strictEqual(err.statusCode, 503);
      assert.strictEqual(err.operation, 'GetServiceGroupStatus');
      assert.ok(err.message.startsWith(`The server failed or is unavailable (HTTP 503 Service Unavailable) - group status on 127.0.0.1:${server.port}`), err.message);
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
      assert.strictEqual(client.buildCount, 2);
    });
  });

  describe('TLS', function () {
    let cert;
    before(function () {
      if (!tlsSupport.openSslAvailable()) {
        console.warn('      [skipped] openssl not installed');
        this.skip();
      }
      cert = tlsSupport.makeSelfSignedCert();
    });
    after(function () {
      if (cert) cert.cleanup();
    });

    it('a self-signed certificate fails verification by default -> TLS_ERROR', async function () {
      server = await startServer(cannedHandler, { secure: true, key: cert.key, cert: cert.cert });
      client = new OpenMediaClient({ endpoint: server.url });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'TLS_ERROR');
      assert.ok(err.reason, 'reason set');
      assert.ok(err.message.includes(`127.0.0.1:${server.port}`), err.message);
      assert.strictEqual(server.requests.length, 0);
    });

    it('succeeds with tls.ca, and keeps the connection alive', async function () {
      server = await startServer(cannedHandler, { secure: true, key: cert.key, cert: cert.cert });
      client = new OpenMediaClient({ endpoint: server.url, tls: { ca: cert.cert } });
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
      }
      assert.strictEqual(server.connections, 1);
    });

    it('https:// to a plain HTTP server -> TLS_ERROR; http:// to a TLS server -> an error with a stable code', async function () {
      server = await startServer(cannedHandler);
      client = new OpenMediaClient({ endpoint: server.url.replace('http:', 'https:'), timeoutMs: 2000 });
      const err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), 'TLS_ERROR');
      assert.ok(err.reason, 'reason set');
      await client.close();
      await server.stop();
      server = await startServer(cannedHandler, { secure: true, key: cert.key, cert: cert.cert });
      client = new OpenMediaClient({ endpoint: server.url.replace('https:', 'http:'), timeoutMs: 2000 });
      const err2 = await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }).then(() => null, (e) => e);
      assert.ok(err2 instanceof OpenMediaError, String(err2));
      // Node's TLS server drops a connection that does not start with a handshake (some servers answer 400).
      assert.ok(['ECONNRESET', 'HTTP_400'].includes(err2.code), `${err2.code}: ${err2.message}`);
    });

    it('rejectUnauthorized: false accepts the certificate without a CA', async function () {
      server = await startServer(cannedHandler, { secure: true, key: cert.key, cert: cert.cert });
      client = new OpenMediaClient({ endpoint: server.url, tls: { rejectUnauthorized: false } });
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 5 }), EXPECTED.GetServiceGroupStatus);
    });
  });
});
