'use strict';
/**
 * The client layer against the simulator over real HTTP (scenario 'test', manual clock): every operation's happy
 * path and normalised shape, each fault the service raises, authentication, injected transport failures, text that
 * must survive the round trip, schema order on the wire, keep-alive, close(), the server's ?wsdl.
 */
const assert = require('assert');
const { expectError } = require('./support/canned-answers');
const sax = require('sax');

const { OpenMediaClient, OpenMediaError } = require('../lib/client');
const contract = require('../lib/contract');
const { startTestSimulator } = require('./support/simulator');

const DC = contract.NS.dataContracts;
const SECRET = 'test-password';
const LOGON = 'hostadmin';
const TRICKY = `a & b < c > d " e ' f – Zoë – 東京 ✓`;

const RECORD_KEYS = ['AgentID', 'ID', 'LogonID', 'QueuePosition', 'ServiceGroupID', 'Status', 'StatusCode', 'TenantID', 'TimeStamp'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function assertKeys(value, keys, what) {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${what}: not an object`);
  assert.deepStrictEqual(Object.keys(value), keys, `${what}: keys/order`);
}

function assertRecord(r, what) {
  assertKeys(r, RECORD_KEYS, what);
  for (const k of ['AgentID', 'ID', 'QueuePosition', 'ServiceGroupID', 'TenantID', 'StatusCode']) assert.strictEqual(typeof r[k], 'number', `${what}.${k}`);
  assert.strictEqual(typeof r.LogonID, 'string');
  assert.strictEqual(r.StatusCode, contract.OPEN_MEDIA_STATUS[r.Status]);
  assert.match(r.TimeStamp, ISO_UTC);
}

function assertStatusAnswer(answer, what) {
  assertKeys(answer, ['OpenMediaRequests', 'TimeStamp'], what);
  assert.ok(Array.isArray(answer.OpenMediaRequests));
  assert.match(answer.TimeStamp, ISO_UTC);
  answer.OpenMediaRequests.forEach((r, i) => assertRecord(r, `${what}[${i}]`));
}

/** The request element (wrapper's `request` child or the wrapper) of a SOAP envelope, namespaces resolved. */
function requestMembers(xml) {
  const parser = sax.parser(true, { xmlns: true });
  const root = { children: [] };
  const stack = [root];
  parser.onopentag = (n) => {
    const el = { ns: n.uri, local: n.local, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  };
  parser.ontext = (t) => (stack[stack.length - 1].text += t);
  parser.onclosetag = () => stack.pop();
  parser.write(xml).close();
  const body = root.children[0].children.find((c) => c.local === 'Body');
  const wrapper = body.children[0];
  return wrapper.children.length === 1 && wrapper.children[0].local === 'request' ? wrapper.children[0] : wrapper;
}


describe('client layer against the simulator', function () {
  let sim;
  let client;
  const clients = [];
  const newClient = (options = {}) => {
    const c = new OpenMediaClient({ endpoint: sim.url, timeoutMs: 5000, ...options });
    clients.push(c);
    return c;
  };

  beforeEach(async function () {
    sim = await startTestSimulator({ scenario: 'test', clock: 'manual' });
    client = newClient();
  });
  afterEach(async function () {
    for (const c of clients.splice(0)) await c.close();
    if (sim) await sim.stop();
    sim = undefined;
  });

  describe('every operation: happy path and normalised shape', function () {
    it('AddRequest (allocated at once, and queued)', async function () {
      const a = await client.call('AddRequest', { ServiceGroupID: 101, TypeOfSession: 1, IVRInfo: [{ Label: 'Order', Data: '42' }] });
      assertKeys(a, ['EWT', 'OpenMediaID', 'QueuePosition', 'RequestStatus', 'RequestStatusCode'], 'AddRequest');
      assert.strictEqual(a.RequestStatus, 'Success');
      assert.strictEqual(a.RequestStatusCode, 0);
      assert.ok(a.OpenMediaID > 0);
      assert.strictEqual(a.QueuePosition, 0);
      // Group 104 is closed.
      const closed = await client.call('AddRequest', { ServiceGroupID: 104, TypeOfSession: 1, IVRInfo: [{ Label: 'x', Data: 'y' }] });
      assert.deepStrictEqual(closed, { EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: 'GroupClosed', RequestStatusCode: 1 });
      // Group 107: its only agent is logged off, so the request queues.
      const queued = await client.call('AddRequest', { ServiceGroupID: 107, TypeOfSession: 1, IVRInfo: [{ Label: 'q', Data: '1' }] });
      assert.strictEqual(queued.RequestStatus, 'Success');
      assert.strictEqual(queued.QueuePosition, 1);
      assert.ok(queued.EWT > 0);
    });

    it('GetOpenMediaRequestStatusByID, HistoryByID, RequestsByTime, GetAllOpenMediaRequestStatus', async function () {
      const start = new Date(sim.clock.now() - 1000);
      const a = await client.call('AddRequest', { ServiceGroupID: 101, TypeOfSession: 1, IVRInfo: [{ Label: 'Order', Data: '42' }] });
      const id = a.OpenMediaID;

      const one = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: id });
      assertStatusAnswer(one, 'StatusByID');
      assert.strictEqual(one.OpenMediaRequests.length, 1);
      const rec = one.OpenMediaRequests[0];
      assert.strictEqual(rec.ID, id);
      assert.strictEqual(rec.Status, 'AllocatedToAgent');
      assert.strictEqual(rec.StatusCode, 2);
      assert.ok([1001, 1002].includes(rec.AgentID));
      assert.strictEqual(rec.LogonID, rec.AgentID === 1001 ? '4001' : '4002');
      assert.strictEqual(rec.ServiceGroupID, 101);
      assert.strictEqual(rec.TenantID, 1);

      const history = await client.call('GetOpenMediaRequestHistoryByID', { openMediaID: id, retrieveLaterThan: start });
      assertStatusAnswer(history, 'History');
      assert.deepStrictEqual(history.OpenMediaRequests.map((r) => r.Status), ['Queued', 'AllocatedToAgent']);
      // The Queued record has no agent: LogonID nil on the wire -> ''.
      assert.strictEqual(history.OpenMediaRequests[0].LogonID, '');

      const byTime = await client.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: start.getTime() });
      assertStatusAnswer(byTime, 'ByTime');
      assert.ok(byTime.OpenMediaRequests.length >= 2);
      const none = await client.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(sim.clock.now() + 60000).toISOString() });
      assert.deepStrictEqual(none.OpenMediaRequests, []);

      const all = await client.call('GetAllOpenMediaRequestStatus');
      assertStatusAnswer(all, 'GetAll');
      assert.deepStrictEqual(all.OpenMediaRequests.map((r) => r.ID), [id]);
    });

    it('ModifyRequest, DivertRequest, CancelRequest', async function () {
      const q = await client.call('AddRequest', { ServiceGroupID: 107, TypeOfSession: 1, IVRInfo: [{ Label: 'L', Data: 'D' }] });
      assert.strictEqual(await client.call('ModifyRequest', { OpenMediaID: q.OpenMediaID, PrivateData: 'changed', IVRInfo: [{ Label: 'L', Data: 'D2' }] }), true);
      assert.strictEqual(sim.model.getRequest(q.OpenMediaID).PrivateData, 'changed');
      assert.deepStrictEqual(sim.model.getRequest(q.OpenMediaID).IVRInfo, [{ Label: 'L', Data: 'D2' }]);

      const d = await client.call('DivertRequest', { OpenMediaID: q.OpenMediaID, ServiceGroupID: 106 });
      assertKeys(d, ['OpenMediaID', 'RequestStatus', 'RequestStatusCode'], 'DivertRequest');
      assert.deepStrictEqual(d, { OpenMediaID: q.OpenMediaID, RequestStatus: 'Success', RequestStatusCode: 0 });
      assert.strictEqual(sim.model.getRequest(q.OpenMediaID).ServiceGroupID, 106);

      assert.strictEqual(await client.call('CancelRequest', { OpenMediaID: q.OpenMediaID }), true);
      assert.strictEqual(sim.model.getRequest(q.OpenMediaID).Status, 'Cancelled');
    });

    it('SetOptions', async function () {
      assert.strictEqual(await client.call('SetOptions', { MaxNumberOfSessions: 3, TypeOfSession: 2, AllowDifferentTypes: 1 }), true);
      const o = sim.model.setOptionsFor(2);
      assert.ok(o, 'options stored for type 2');
      assert.strictEqual(o.MaxNumberOfSessions, 3);
      assert.strictEqual(o.AllowDifferentTypes, 1);
    });

    it('GetServiceGroupStatus, GetAllOpenMediaServiceGroupStatus, GetOMAgentsByGroup', async function () {
      const open = await client.call('GetServiceGroupStatus', { serviceGroupID: 101 });
      assert.strictEqual(JSON.stringify(open), JSON.stringify({ Open: true, ServiceGroupID: 101 }));
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 104 }), { Open: false, ServiceGroupID: 104 });

      const all = await client.call('GetAllOpenMediaServiceGroupStatus', { tenantID: 1 });
      assertKeys(all, ['Status'], 'GetAllOpenMediaServiceGroupStatus');
      for (const g of all.Status) assertKeys(g, ['Open', 'ServiceGroupID'], 'ServiceGroupStatus');
      assert.deepStrictEqual(all.Status.find((g) => g.ServiceGroupID === 104), { Open: false, ServiceGroupID: 104 });
      assert.ok(!all.Status.some((g) => g.ServiceGroupID === 105), 'the voice group is not an Open Media group');

      const agents = await client.call('GetOMAgentsByGroup', { serviceGroupID: 101 });
      assert.strictEqual(JSON.stringify(agents), JSON.stringify({ AgentList: [1001, 1002], ServiceGroupID: 101 }));
      const single = await client.call('GetOMAgentsByGroup', { serviceGroupID: 201 });
      assert.deepStrictEqual(single, { AgentList: [2001], ServiceGroupID: 201 });
    });
  });

  describe('faults raised by the service', function () {
    it('RouterDisconnectedFault, NoLicenseFault', async function () {
      sim.disconnectRouter();
      let err = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 101 }), 'RouterDisconnectedFault');
      assert.strictEqual(err.operation, 'GetServiceGroupStatus');
      assert.strictEqual(err.statusCode, 500);
      assert.ok(err.faultString, 'faultString kept');
      sim.reconnectRouter();
      sim.setLicense(false);
      err = await expectError(client.call('AddRequest', { ServiceGroupID: 101, TypeOfSession: 1, IVRInfo: [{ Label: 'a', Data: 'b' }] }), 'NoLicenseFault');
      // The cause first, then the node's name of the operation and the host.
      assert.ok(err.message.startsWith(`The server has no Open Media licence - add request on 127.0.0.1:${sim.port}`), err.message);
    });

    it('InvalidOpenMediaIDFault, OpenMediaRequestTerminatedFault', async function () {
      await expectError(client.call('GetOpenMediaRequestStatusByID', { openMediaID: 99999 }), 'InvalidOpenMediaIDFault');
      const q = await client.call('AddRequest', { ServiceGroupID: 107, TypeOfSession: 1, IVRInfo: [{ Label: 'L', Data: 'D' }] });
      assert.strictEqual(await client.call('CancelRequest', { OpenMediaID: q.OpenMediaID }), true);
      await expectError(client.call('CancelRequest', { OpenMediaID: q.OpenMediaID }), 'OpenMediaRequestTerminatedFault');
    });

    it('InvalidDataException, InvalidDataFault', async function () {
      const err = await expectError(client.call('AddRequest', { ServiceGroupID: 101, TypeOfSession: 1, SessionPriority: 500, IVRInfo: [{ Label: 'a', Data: 'b' }] }), 'InvalidDataException');
      assert.strictEqual(err.fault, 'InvalidDataException');
      await expectError(client.call('SetOptions', { AgentActionOptions: 9 }), 'InvalidDataFault');
    });
  });

  describe('authentication', function () {
    beforeEach(function () {
      sim.setAuth(true);
    });

    it('right credentials: answered; headers in namespace OpenMediaService', async function () {
      const c = newClient({ logonId: LOGON, password: SECRET });
      assert.deepStrictEqual(await c.call('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: true, ServiceGroupID: 101 });
      assert.ok(/<h:LogonID xmlns:h="OpenMediaService">hostadmin<\/h:LogonID>/.test(sim.lastRequestXml));
    });

    it('wrong and missing credentials: InvalidUserFault, no credential in the error', async function () {
      const wrong = 'Wr0ng-Pa55-zz9';
      const c = newClient({ logonId: LOGON, password: wrong });
      const err = await expectError(c.call('GetServiceGroupStatus', { serviceGroupID: 101 }), 'InvalidUserFault');
      for (const text of [err.message, err.stack, JSON.stringify(err)]) {
        assert.ok(!text.includes(wrong) && !text.includes(LOGON), text);
      }
      const none = await expectError(client.call('GetServiceGroupStatus', { serviceGroupID: 101 }), 'InvalidUserFault');
      assert.strictEqual(none.operation, 'GetServiceGroupStatus');
      assert.ok(!/LogonID|Password/.test(sim.lastRequestXml), 'no auth headers without a logonId');
    });
  });

  describe('injected transport failures', function () {
    it('timeout (injected delay) -> ETIMEDOUT', async function () {
      const c = newClient({ timeoutMs: 200 });
      await c.ready();
      sim.injectFault({ kind: 'delay', delayMs: 1500 });
      const err = await expectError(c.call('GetServiceGroupStatus', { serviceGroupID: 101 }), 'ETIMEDOUT');
      assert.ok(err.message.startsWith(`No complete answer within 200 ms (timeout) - group status on 127.0.0.1:${sim.port}`), err.message);
    });

    it('hold -> ETIMEDOUT, and the client recovers once released', async function () {
      const c = newClient({ timeoutMs: 200 });
      sim.injectFault({ kind: 'hold', operation: 'GetServiceGroupStatus' });
      await expectError(c.call('GetServiceGroupStatus', { serviceGroupID: 101 }), 'ETIMEDOUT');
      sim.releaseHeld();
      assert.deepStrictEqual(await c.call('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: true, ServiceGroupID: 101 });
    });

    it('503 with HTML -> HTTP_503; empty body -> BAD_RESPONSE; malformed XML -> BAD_RESPONSE; reset -> ECONNRESET', async function () {
      await client.ready();
      sim.injectFault({ kind: 'http', status: 503 });
      const e503 = await expectError(client.call('GetAllOpenMediaRequestStatus'), 'HTTP_503');
      assert.strictEqual(e503.statusCode, 503);
      sim.injectFault({ kind: 'empty' });
      await expectError(client.call('GetAllOpenMediaRequestStatus'), 'BAD_RESPONSE');
      sim.injectFault({ kind: 'malformed' });
      await expectError(client.call('GetAllOpenMediaRequestStatus'), 'BAD_RESPONSE');
      // A call that changes something is never re-sent after a reset.
      sim.injectFault({ kind: 'reset' });
      await expectError(client.call('CancelRequest', { OpenMediaID: 1 }), 'ECONNRESET');
      assert.strictEqual(sim.receivedCount('CancelRequest'), 1);
      // A read that is reset twice (on a re-used socket, then on a fresh one) fails too.
      await client.call('GetAllOpenMediaRequestStatus');
      sim.clearReceived();
      sim.injectFault({ kind: 'reset', count: 2 });
      await expectError(client.call('GetAllOpenMediaRequestStatus'), 'ECONNRESET');
      assert.strictEqual(sim.receivedCount('GetAllOpenMediaRequestStatus'), 2);
      // And it still works.
      assertStatusAnswer(await client.call('GetAllOpenMediaRequestStatus'), 'after failures');
    });

    it('a read reset on a re-used keep-alive socket is sent once more and answered', async function () {
      await client.call('GetAllOpenMediaRequestStatus');
      sim.clearReceived();
      sim.injectFault({ kind: 'reset', operation: 'GetServiceGroupStatus' });
      assert.deepStrictEqual(await client.call('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: true, ServiceGroupID: 101 });
      assert.strictEqual(sim.receivedCount('GetServiceGroupStatus'), 2);
    });

    it('a stopped simulator -> ECONNREFUSED', async function () {
      const url = sim.url;
      await sim.stop();
      sim = undefined;
      const c = new OpenMediaClient({ endpoint: url });
      clients.push(c);
      await expectError(c.call('GetAllOpenMediaRequestStatus'), 'ECONNREFUSED');
    });
  });

  describe('what goes on the wire', function () {
    it('XML special characters and non-ASCII text in IVRInfo and PrivateData round-trip exactly', async function () {
      const a = await client.call('AddRequest', { ServiceGroupID: 107, TypeOfSession: 1, PrivateData: TRICKY, IVRInfo: [{ Label: TRICKY, Data: TRICKY }] });
      assert.strictEqual(a.RequestStatus, 'Success');
      let detail = sim.model.getRequest(a.OpenMediaID);
      assert.strictEqual(detail.PrivateData, TRICKY);
      assert.deepStrictEqual(detail.IVRInfo, [{ Label: TRICKY, Data: TRICKY }]);
      const other = 'second <item> & "more" – ✓';
      assert.strictEqual(await client.call('ModifyRequest', { OpenMediaID: a.OpenMediaID, IVRInfo: [{ Label: other, Data: other }] }), true);
      detail = sim.model.getRequest(a.OpenMediaID);
      assert.deepStrictEqual(detail.IVRInfo, [{ Label: TRICKY, Data: TRICKY }, { Label: other, Data: other }]);
    });

    it('line ends and tabs arrive as sent: a carriage return goes out as &#13; (XML turns a raw one into LF) (review r1 S6)', async function () {
      const text = 'a\r\nb\rc\td\ne\r';
      const a = await client.call('AddRequest', { ServiceGroupID: 107, TypeOfSession: 1, PrivateData: text, IVRInfo: [{ Label: 'L\r1', Data: text }] });
      assert.strictEqual(a.RequestStatus, 'Success');
      assert.ok(!sim.lastRequestXml.includes('\r'), 'no raw carriage return on the wire');
      const detail = sim.model.getRequest(a.OpenMediaID);
      assert.strictEqual(detail.PrivateData, text);
      assert.deepStrictEqual(detail.IVRInfo, [{ Label: 'L\r1', Data: text }]);
      // A password with one: authentication works (it was changed on the way before).
      const creds = { logonId: 'line\radmin', password: 'pass\r\nword' };
      sim.setAuth(true, [creds]);
      const authed = newClient(creds);
      assert.strictEqual((await authed.call('GetServiceGroupStatus', { serviceGroupID: 107 })).ServiceGroupID, 107);
      sim.setAuth(false);
      // And back: what the simulator writes (an agent's logon id with a CR, from a scenario) reaches the client as it is.
      sim.reset({ tenants: [], serviceGroups: [{ id: 1, name: 'G', tenantId: -1 }], agents: [{ id: 1, logonId: 'ag\r\nent\r', tenantId: -1, groups: [1], loggedOn: true }] });
      const b = await client.call('AddRequest', { ServiceGroupID: 1, IVRInfo: [{ Label: 'l', Data: 'd' }] });
      const status = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: b.OpenMediaID });
      assert.strictEqual(status.OpenMediaRequests[0].LogonID, 'ag\r\nent\r');
    });

    it('members in schema order although the arguments come in reverse key order; the strict server took every one', async function () {
      assert.strictEqual(sim.strictOrder, true);
      const args = {
        TypeOfSession: 4,
        TenantID: 1,
        SessionPriority: 7,
        ServiceGroupName: 'Backlog',
        ServiceGroupID: 106,
        PrivateData: 'pd',
        PreferredAgentLogonID: '4003',
        PreferredAgentID: 1003,
        IVRInfo: [{ Label: 'L', Data: 'D' }],
        ForceToPreferredAgent: false,
      };
      const a = await client.call('AddRequest', args);
      assert.strictEqual(a.RequestStatus, 'Success');
      const request = requestMembers(sim.lastRequestXml);
      const expected = contract.membersOf('AddOpenMediaRequest').map((m) => m.name).filter((n) => n in args);
      assert.deepStrictEqual(request.children.map((c) => c.local), expected);
      for (const c of request.children) assert.strictEqual(c.ns, DC);
      const detail = sim.model.getRequest(a.OpenMediaID);
      assert.strictEqual(detail.ServiceGroupID, 106);
      assert.strictEqual(detail.TypeOfSession, 4);
      assert.strictEqual(detail.SessionPriority, 7);
      assert.strictEqual(detail.PrivateData, 'pd');
      assert.strictEqual(detail.PreferredAgentID, 1003);

      await client.call('SetOptions', { TypeOfSession: 3, SessionLinkOptions: 2, MaxNumberOfSessions: 4, CloseTabOptions: 1, AllowDifferentTypes: 2, AgentActionOptions: 1 });
      assert.deepStrictEqual(requestMembers(sim.lastRequestXml).children.map((c) => c.local),
        ['AgentActionOptions', 'AllowDifferentTypes', 'CloseTabOptions', 'MaxNumberOfSessions', 'SessionLinkOptions', 'TypeOfSession']);
      const o = sim.model.setOptionsFor(3);
      assert.strictEqual(o.MaxNumberOfSessions, 4);
      assert.strictEqual(o.SessionLinkOptions, 2);
    });
  });

  describe('connections', function () {
    it('keep-alive: 20 sequential calls use one socket', async function () {
      let connections = 0;
      const onConnection = () => connections++;
      const httpServer = sim.server.httpServer;
      assert.ok(httpServer && typeof httpServer.on === 'function', 'the simulator exposes its http.Server');
      httpServer.on('connection', onConnection);
      try {
        for (let i = 0; i < 20; i++) await client.call('GetServiceGroupStatus', { serviceGroupID: 101 });
      } finally {
        httpServer.off('connection', onConnection);
      }
      assert.strictEqual(sim.receivedCount('GetServiceGroupStatus'), 20);
      assert.strictEqual(connections, 1);
    });

    it('close(): a held call fails with CLIENT_CLOSED; no socket left', async function () {
      await client.ready();
      sim.injectFault({ kind: 'hold' });
      // Settled into a value at once, so the rejection is never "unhandled" while close() runs.
      const pending = client.call('GetAllOpenMediaRequestStatus').then(() => 'resolved', (e) => e);
      const deadline = Date.now() + 5000;
      while (sim.heldCount < 1) {
        if (Date.now() > deadline) throw new Error('the request never reached the simulator');
        await new Promise((r) => setTimeout(r, 5));
      }
      await client.close();
      const err = await pending;
      assert.ok(err instanceof OpenMediaError, String(err));
      assert.strictEqual(err.code, 'CLIENT_CLOSED');
      const agent = client.agent;
      assert.strictEqual(Object.keys(agent.sockets).length + Object.keys(agent.freeSockets).length, 0);
    });

    it('concurrent first calls share one soap client build', async function () {
      const c = newClient();
      const answers = await Promise.all(Array.from({ length: 10 }, () => c.call('GetServiceGroupStatus', { serviceGroupID: 101 })));
      assert.strictEqual(answers.length, 10);
      assert.strictEqual(c.buildCount, 1);
    });
  });

  describe("wsdlSource 'server'", function () {
    it('builds from the simulator\'s ?wsdl and calls every kind of operation', async function () {
      const c = newClient({ wsdlSource: 'server' });
      const a = await c.call('AddRequest', { ServiceGroupID: 101, TypeOfSession: 1, IVRInfo: [{ Label: TRICKY, Data: TRICKY }] });
      assert.strictEqual(a.RequestStatus, 'Success');
      assert.deepStrictEqual(sim.model.getRequest(a.OpenMediaID).IVRInfo, [{ Label: TRICKY, Data: TRICKY }]);
      assertStatusAnswer(await c.call('GetOpenMediaRequestStatusByID', { openMediaID: a.OpenMediaID }), 'StatusByID');
      assert.deepStrictEqual(await c.call('GetOMAgentsByGroup', { serviceGroupID: 101 }), { AgentList: [1001, 1002], ServiceGroupID: 101 });
      assert.strictEqual(await c.call('CancelRequest', { OpenMediaID: a.OpenMediaID, CancelIfAllocated: true }), true);
      assert.strictEqual(c.buildCount, 1);
    });
  });
});
