'use strict';
/**
 * Our messages against the reference XSDs of a real server (xmllint --schema), and the reference WSDL against our
 * simulator. Everything here needs ../shared/reference/wsdl beside the repository (and xmllint, Debian package
 * libxml2-utils, for the XSD part); without them the suites are skipped with a printed reason.
 *
 *  - hand-built bodies that follow the contract validate; broken ones (member order, enum value, namespace, type)
 *    do not: the validator can fail;
 *  - what the client layer (lib/client.js, built from OUR WSDL) puts on the wire for each of the 12 operations,
 *    captured by a recording HTTP server, validates (member order included);
 *  - what the simulator writes back (responses, typed faults) validates;
 *  - a `soap` client built from the REFERENCE WSDL runs all 12 operations against the simulator.
 */
const assert = require('assert');
const http = require('http');
const soap = require('soap');

const contract = require('../lib/contract');
const ref = require('./support/reference');


/** A built module, or undefined when it has not been built/landed yet (any other load error is a failure). */
function optionalModule(id) {
  try {
    return require(id);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).split('\n')[0].includes(`'${id}'`)) return undefined;
    throw err;
  }
}

const { NS } = contract;
const DC = NS.dataContracts;

/** `<Op xmlns="http://tempuri.org/">children</Op>` with the data-contract prefix `a` and xsi prefix `i`, as WCF writes. */
const wrapper = (name, children = '') =>
  `<${name} xmlns="${NS.tempuri}" xmlns:a="${DC}" xmlns:i="${NS.xsi}">${children}</${name}>`;

const ADD_REQUEST_ALL_MEMBERS = wrapper('AddRequest', '<request>'
  + '<a:ForceToPreferredAgent>false</a:ForceToPreferredAgent>'
  + '<a:IVRInfo>'
  + '<a:IVRInformation><a:Data>42</a:Data><a:Label>Ticket</a:Label></a:IVRInformation>'
  + '<a:IVRInformation><a:Data>Jane</a:Data><a:Label>Customer</a:Label></a:IVRInformation>'
  + '<a:IVRInformation><a:Data i:nil="true"/><a:Label>Empty</a:Label></a:IVRInformation>'
  + '</a:IVRInfo>'
  + '<a:PreferredAgentID>1001</a:PreferredAgentID>'
  + '<a:PreferredAgentLogonID>a1001</a:PreferredAgentLogonID>'
  + '<a:PrivateData>private &amp; data</a:PrivateData>'
  + '<a:QueueStartTime>2026-01-02T03:04:05Z</a:QueueStartTime>'
  + '<a:ServiceGroupID>5</a:ServiceGroupID>'
  + '<a:ServiceGroupName>Support</a:ServiceGroupName>'
  + '<a:SessionPriority>50</a:SessionPriority>'
  + '<a:TenantID>1</a:TenantID>'
  + '<a:TypeOfSession>1</a:TypeOfSession>'
  + '</request>');

/** One valid request body per operation, members in schema order. */
const REQUESTS = {
  AddRequest: ADD_REQUEST_ALL_MEMBERS,
  CancelRequest: wrapper('CancelRequest', '<request><a:CancelIfAllocated>true</a:CancelIfAllocated>'
    + '<a:DoNotReport>false</a:DoNotReport><a:OpenMediaID>7</a:OpenMediaID></request>'),
  GetOpenMediaRequestStatusByID: wrapper('GetOpenMediaRequestStatusByID', '<openMediaID>7</openMediaID>'),
  GetOpenMediaRequestHistoryByID: wrapper('GetOpenMediaRequestHistoryByID',
    '<openMediaID>7</openMediaID><retrieveLaterThan>2026-01-02T03:04:05.123Z</retrieveLaterThan>'),
  GetOpenMediaRequestsByTime: wrapper('GetOpenMediaRequestsByTime', '<retrieveLaterThan>2026-01-02T03:04:05</retrieveLaterThan>'),
  GetAllOpenMediaRequestStatus: wrapper('GetAllOpenMediaRequestStatus'),
  GetServiceGroupStatus: wrapper('GetServiceGroupStatus', '<serviceGroupID>5</serviceGroupID>'),
  GetAllOpenMediaServiceGroupStatus: wrapper('GetAllOpenMediaServiceGroupStatus', '<tenantID>-1</tenantID>'),
  SetOptions: wrapper('SetOptions', '<request><a:AgentActionOptions>2</a:AgentActionOptions>'
    + '<a:AllowDifferentTypes>1</a:AllowDifferentTypes><a:CloseTabOptions>4</a:CloseTabOptions>'
    + '<a:MaxNumberOfSessions>3</a:MaxNumberOfSessions><a:ResetAllOptions>false</a:ResetAllOptions>'
    + '<a:SessionLinkOptions>1</a:SessionLinkOptions><a:TypeOfSession>2</a:TypeOfSession></request>'),
  GetOMAgentsByGroup: wrapper('GetOMAgentsByGroup', '<serviceGroupID>5</serviceGroupID>'),
  DivertRequest: wrapper('DivertRequest', '<request><a:OpenMediaID>7</a:OpenMediaID><a:ServiceGroupID>6</a:ServiceGroupID>'
    + '<a:ServiceGroupName i:nil="true"/><a:TenantID>1</a:TenantID></request>'),
  ModifyRequest: wrapper('ModifyRequest', '<request><a:IVRInfo><a:IVRInformation><a:Data>43</a:Data>'
    + '<a:Label>Ticket</a:Label></a:IVRInformation></a:IVRInfo><a:OpenMediaID>7</a:OpenMediaID>'
    + '<a:PrivateData>x</a:PrivateData></request>'),
};

const STATUS_RECORDS = '<a:OpenMediaRequests><a:OpenMediaRequest><a:AgentID>1001</a:AgentID><a:ID>7</a:ID>'
  + '<a:LogonID>a1001</a:LogonID><a:QueuePosition>0</a:QueuePosition><a:ServiceGroupID>5</a:ServiceGroupID>'
  + '<a:Status>Clerical</a:Status><a:TenantID>1</a:TenantID><a:TimeStamp>2026-01-02T03:04:05.1234567Z</a:TimeStamp>'
  + '</a:OpenMediaRequest></a:OpenMediaRequests><a:TimeStamp>2026-01-02T03:04:06Z</a:TimeStamp>';

/** One valid response body per operation. */
const RESPONSES = {
  AddRequest: wrapper('AddRequestResponse', '<AddRequestResult><a:EWT>30</a:EWT><a:OpenMediaID>7</a:OpenMediaID>'
    + '<a:QueuePosition>1</a:QueuePosition><a:RequestStatus>Error</a:RequestStatus></AddRequestResult>'),
  CancelRequest: wrapper('CancelRequestResponse', '<CancelRequestResult>true</CancelRequestResult>'),
  GetOpenMediaRequestStatusByID: wrapper('GetOpenMediaRequestStatusByIDResponse',
    `<GetOpenMediaRequestStatusByIDResult>${STATUS_RECORDS}</GetOpenMediaRequestStatusByIDResult>`),
  GetOpenMediaRequestHistoryByID: wrapper('GetOpenMediaRequestHistoryByIDResponse',
    `<GetOpenMediaRequestHistoryByIDResult>${STATUS_RECORDS}</GetOpenMediaRequestHistoryByIDResult>`),
  GetOpenMediaRequestsByTime: wrapper('GetOpenMediaRequestsByTimeResponse',
    '<GetOpenMediaRequestsByTimeResult><a:OpenMediaRequests/><a:TimeStamp>2026-01-02T03:04:06Z</a:TimeStamp></GetOpenMediaRequestsByTimeResult>'),
  GetAllOpenMediaRequestStatus: wrapper('GetAllOpenMediaRequestStatusResponse',
    '<GetAllOpenMediaRequestStatusResult i:nil="true"/>'),
  GetServiceGroupStatus: wrapper('GetServiceGroupStatusResponse',
    '<GetServiceGroupStatusResult><a:Open>true</a:Open><a:ServiceGroupID>5</a:ServiceGroupID></GetServiceGroupStatusResult>'),
  GetAllOpenMediaServiceGroupStatus: wrapper('GetAllOpenMediaServiceGroupStatusResponse',
    '<GetAllOpenMediaServiceGroupStatusResult><a:Status><a:ServiceGroupStatus><a:Open>false</a:Open>'
    + '<a:ServiceGroupID>5</a:ServiceGroupID></a:ServiceGroupStatus></a:Status></GetAllOpenMediaServiceGroupStatusResult>'),
  SetOptions: wrapper('SetOptionsResponse', '<SetOptionsResult>true</SetOptionsResult>'),
  GetOMAgentsByGroup: wrapper('GetOMAgentsByGroupResponse',
    `<GetOMAgentsByGroupResult><a:AgentList xmlns:b="${NS.arrays}"><b:int>1001</b:int><b:int>1002</b:int></a:AgentList>`
    + '<a:ServiceGroupID>5</a:ServiceGroupID></GetOMAgentsByGroupResult>'),
  DivertRequest: wrapper('DivertRequestResponse',
    '<DivertRequestResult><a:OpenMediaID>7</a:OpenMediaID><a:RequestStatus>GroupClosed</a:RequestStatus></DivertRequestResult>'),
  ModifyRequest: wrapper('ModifyRequestResponse', '<ModifyRequestResult>false</ModifyRequestResult>'),
};

const envelope = (body, header = '') =>
  `<s:Envelope xmlns:s="${NS.soapEnvelope}">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;

function expectInvalid(xml, pattern) {
  const { valid, errors } = ref.validateAgainstReference(xml);
  assert.strictEqual(valid, false, `expected the reference XSDs to reject:\n${xml}`);
  assert.ok(errors.some((e) => pattern.test(e)), `no error matching ${pattern}:\n  ${errors.join('\n  ')}`);
}

describe('reference XSDs: our messages validate against the real server\'s schemas', function () {
  before(function () { ref.requireXmllint(this); });

  describe('hand-built bodies that follow the contract', function () {
    for (const name of contract.OPERATION_NAMES) {
      it(`${name}: request and response wrappers`, function () {
        ref.assertValidAgainstReference(REQUESTS[name], `${name} request`);
        ref.assertValidAgainstReference(RESPONSES[name], `${name} response`);
      });
    }

    it('a whole request envelope with the LogonID/Password headers', function () {
      const headers = `<h:LogonID xmlns:h="${NS.authHeaders}">admin</h:LogonID><h:Password xmlns:h="${NS.authHeaders}">pw</h:Password>`;
      ref.assertValidAgainstReference(envelope(REQUESTS.AddRequest, headers), 'envelope');
    });

    it('typed fault details, InvalidDataException, and the two extras only when asked for', function () {
      for (const fault of ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidOpenMediaIDFault']) {
        ref.assertValidAgainstReference(envelope(`<s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">x</faultstring>`
          + `<detail><${fault} xmlns="${NS.faults}" xmlns:i="${NS.xsi}"/></detail></s:Fault>`), fault);
      }
      ref.assertValidAgainstReference(`<InvalidDataException xmlns="${NS.systemIO}" xmlns:i="${NS.xsi}" xmlns:x="${NS.xs}">`
        + '<ClassName i:type="x:string" xmlns="">System.IO.InvalidDataException</ClassName>'
        + '<Message i:type="x:string" xmlns="">bad</Message><Data i:nil="true" xmlns=""/></InvalidDataException>', 'InvalidDataException');
      for (const fault of ['InvalidDataFault', 'OpenMediaRequestTerminatedFault']) {
        const detail = `<${fault} xmlns="${NS.faults}" xmlns:i="${NS.xsi}"/>`;
        expectInvalid(detail, /No matching global (element )?declaration/);
        ref.assertValidAgainstReference(detail, fault, { extraFaults: true });
      }
    });
  });

  describe('the validator catches what a WCF server would not accept', function () {
    it('members out of schema order', function () {
      const swapped = REQUESTS.AddRequest.replace(
        '<a:PrivateData>private &amp; data</a:PrivateData><a:QueueStartTime>2026-01-02T03:04:05Z</a:QueueStartTime>',
        '<a:QueueStartTime>2026-01-02T03:04:05Z</a:QueueStartTime><a:PrivateData>private &amp; data</a:PrivateData>');
      assert.notStrictEqual(swapped, REQUESTS.AddRequest);
      expectInvalid(swapped, /PrivateData.*not expected/);
      expectInvalid(REQUESTS.GetOpenMediaRequestHistoryByID.replace(
        '<openMediaID>7</openMediaID><retrieveLaterThan>2026-01-02T03:04:05.123Z</retrieveLaterThan>',
        '<retrieveLaterThan>2026-01-02T03:04:05.123Z</retrieveLaterThan><openMediaID>7</openMediaID>'), /openMediaID.*not expected/);
    });

    it('an enum value the contract does not have (and the number instead of the name)', function () {
      expectInvalid(RESPONSES.AddRequest.replace('>Error<', '>Failure<'), /RequestStatus.*Failure/);
      expectInvalid(RESPONSES.AddRequest.replace('>Error<', '>100<'), /RequestStatus/);
      expectInvalid(RESPONSES.GetOpenMediaRequestStatusByID.replace('>Clerical<', '>Closed<'), /Status.*Closed/);
    });

    it('a member in the wrong namespace, a wrong type, an unknown member, an unknown operation', function () {
      expectInvalid(REQUESTS.CancelRequest.replace('<a:OpenMediaID>7</a:OpenMediaID>', '<OpenMediaID>7</OpenMediaID>'), /OpenMediaID/);
      expectInvalid(REQUESTS.GetServiceGroupStatus.replace('>5<', '>five<'), /serviceGroupID.*five/);
      expectInvalid(REQUESTS.ModifyRequest.replace('<a:PrivateData>', '<a:Extra>1</a:Extra><a:PrivateData>'), /Extra/);
      expectInvalid(envelope(wrapper('RemoveRequest')), /RemoveRequest/);
      expectInvalid('<AddRequest xmlns="http://tempuri.org/"', /./);
    });
  });

  describe('what the client layer sends (lib/client.js, our WSDL), captured on the wire', function () {
    let server;
    let url;
    const bodies = [];
    before(async function () {
      server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          bodies.push({ action: req.headers.soapaction, body });
          // A typed fault is a complete, valid answer: the call ends at once and nothing else is needed.
          const xml = envelope(`<s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">recorded</faultstring>`
            + `<detail><InvalidUserFault xmlns="${NS.faults}" xmlns:i="${NS.xsi}"/></detail></s:Fault>`);
          res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' });
          res.end(xml);
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${server.address().port}/OpenMediaService`;
    });
    after(async function () {
      if (server) await new Promise((resolve) => server.close(resolve));
    });

    // Flat client arguments (docs/ARCHITECTURE.md), keys deliberately NOT in schema order.
    const ARGS = {
      AddRequest: {
        TypeOfSession: 1, TenantID: 1, SessionPriority: 50, ServiceGroupName: 'Support', ServiceGroupID: 5,
        QueueStartTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), PrivateData: 'p', PreferredAgentLogonID: 'a1001',
        PreferredAgentID: 1001, IVRInfo: [{ Label: 'Ticket', Data: '42' }, { Data: 'Jane', Label: 'Customer' }],
        ForceToPreferredAgent: false,
      },
      CancelRequest: { OpenMediaID: 7, DoNotReport: false, CancelIfAllocated: true },
      GetOpenMediaRequestStatusByID: { openMediaID: 7 },
      GetOpenMediaRequestHistoryByID: { retrieveLaterThan: '2026-01-02T03:04:05Z', openMediaID: 7 },
      GetOpenMediaRequestsByTime: { retrieveLaterThan: Date.UTC(2026, 0, 2) },
      GetAllOpenMediaRequestStatus: {},
      GetServiceGroupStatus: { serviceGroupID: 5 },
      GetAllOpenMediaServiceGroupStatus: { tenantID: -1 },
      SetOptions: {
        TypeOfSession: 2, SessionLinkOptions: 1, ResetAllOptions: false, MaxNumberOfSessions: 3, CloseTabOptions: 4,
        AllowDifferentTypes: 1, AgentActionOptions: 2,
      },
      GetOMAgentsByGroup: { serviceGroupID: 5 },
      DivertRequest: { TenantID: 1, ServiceGroupID: 6, OpenMediaID: 7 },
      ModifyRequest: { PrivateData: 'x', OpenMediaID: 7, IVRInfo: [{ Label: 'Ticket', Data: '43' }] },
    };

    for (const name of contract.OPERATION_NAMES) {
      it(`${name}: the envelope on the wire validates (member order included)`, async function () {
        const clientModule = optionalModule('../lib/client');
        if (!clientModule) {
          console.warn('      [skipped] lib/client.js not built');
          this.skip();
        }
        const client = new clientModule.OpenMediaClient({ endpoint: url, logonId: 'admin', password: 'secret' });
        const before = bodies.length;
        try {
          await assert.rejects(client.call(name, ARGS[name]), (err) => err.code === 'InvalidUserFault');
        } finally {
          await client.close();
        }
        assert.strictEqual(bodies.length, before + 1, 'exactly one POST');
        const { action, body } = bodies[bodies.length - 1];
        assert.strictEqual(action.replace(/"/g, ''), contract.soapAction(name));
        ref.assertValidAgainstReference(body, `${name} request sent by the client`);
        // Every given member reached the wire (an absent one would also validate: all are minOccurs=0).
        const def = contract.OPERATIONS[name];
        const members = def.input.length === 1 && def.input[0].name === 'request'
          ? contract.membersOf(def.input[0].type).map((mm) => mm.name) : def.input.map((mm) => mm.name);
        for (const member of Object.keys(ARGS[name])) {
          assert.ok(members.includes(member), `${member} is not a member of ${name}`);
          assert.ok(new RegExp(`<(\\w+:)?${member}[ >/]`).test(body), `${member} missing from the ${name} request:\n${body}`);
        }
      });
    }
  });

  describe('what the simulator writes back (simulator/server.js)', function () {
    let server;
    before(function () {
      server = optionalModule('../simulator/server');
      if (!server) {
        console.warn('      [skipped] simulator/server.js not built');
        this.skip();
      }
    });

    const RESULTS = {
      AddRequest: { EWT: 30, OpenMediaID: 7, QueuePosition: 1, RequestStatus: 'Error' },
      CancelRequest: true,
      GetOpenMediaRequestStatusByID: {
        OpenMediaRequests: [{ AgentID: 1001, ID: 7, LogonID: 'a1001', QueuePosition: 0, ServiceGroupID: 5,
          Status: 'AgentProcessing', TenantID: 1, TimeStamp: new Date(Date.UTC(2026, 0, 2)) },
        { AgentID: 0, ID: 8, LogonID: null, QueuePosition: 2, ServiceGroupID: 5, Status: 'Queued', TenantID: 1,
          TimeStamp: new Date(Date.UTC(2026, 0, 2)) }],
        TimeStamp: new Date(Date.UTC(2026, 0, 3)),
      },
      GetOpenMediaRequestHistoryByID: { OpenMediaRequests: [], TimeStamp: new Date(Date.UTC(2026, 0, 3)) },
      GetOpenMediaRequestsByTime: { OpenMediaRequests: [], TimeStamp: new Date(Date.UTC(2026, 0, 3)) },
      GetAllOpenMediaRequestStatus: null,
      GetServiceGroupStatus: { Open: true, ServiceGroupID: 5 },
      GetAllOpenMediaServiceGroupStatus: { Status: [{ Open: true, ServiceGroupID: 5 }, { Open: false, ServiceGroupID: 6 }] },
      SetOptions: false,
      GetOMAgentsByGroup: { AgentList: [1001, 1002], ServiceGroupID: 5 },
      DivertRequest: { OpenMediaID: 7, RequestStatus: 'InvalidGroup' },
      ModifyRequest: true,
    };

    for (const name of contract.OPERATION_NAMES) {
      it(`${name}: the response envelope validates`, function () {
        ref.assertValidAgainstReference(server.writeResponse(name, RESULTS[name]), `${name} response from the simulator`);
      });
    }

    it('every typed fault validates (the two 9.8 extras against the project\'s declarations)', function () {
      for (const fault of contract.FAULT_NAMES) {
        const extra = !contract.FAULTS[fault].declaredByServer;
        ref.assertValidAgainstReference(server.writeTypedFault(fault, 'message'), `${fault} from the simulator`, { extraFaults: extra });
      }
    });
  });
});

describe('reference WSDL: a soap client built from it runs every operation against the simulator', function () {
  let sim;
  let client;
  before(async function () {
    ref.requireReference(this);
    const simulator = optionalModule('../simulator');
    if (!simulator) {
      console.warn('      [skipped] simulator/index.js not built (startSimulator)');
      this.skip();
    }
    const { startSimulator } = simulator;
    sim = await startSimulator({
      port: 0,
      clock: 'manual',
      scenario: {
        name: 'reference-wsdl',
        license: true,
        routerConnected: true,
        tenants: [{ id: 1 }],
        serviceGroups: [{ id: 5, name: 'Support', tenantId: 1, open: true }, { id: 6, name: 'Sales', tenantId: 1, open: true }],
        // Logged on but not ready: requests stay queued, so modify, divert and cancel all apply.
        agents: [{ id: 1001, logonId: 'a1001', tenantId: 1, groups: [5, 6], loggedOn: true, ready: false }],
      },
    });
    // The reference WSDL's own address is 127.0.0.1:12615; point the client at the simulator instead.
    client = await soap.createClientAsync(ref.REFERENCE_WSDL, {}, sim.url);
  });
  after(async function () {
    if (sim) await sim.stop();
  });

  it('describes the 12 operations', function () {
    const ops = Object.keys(client.describe().OpenMediaService.BasicHttpBinding_IOpenMediaService);
    assert.deepStrictEqual(ops, contract.OPERATION_NAMES);
  });

  it('AddRequest, the queries, SetOptions, ModifyRequest, DivertRequest, CancelRequest, and a typed fault', async function () {
    const call = async (op, args) => (await client[`${op}Async`](args))[0];
    // soap 1.13 writes a Date object as an empty element: dates go as ISO strings.
    const since = new Date(Date.UTC(2000, 0, 1)).toISOString();

    const add = (await call('AddRequest', { request: {
      IVRInfo: { IVRInformation: [{ Data: '42', Label: 'Ticket' }] }, PrivateData: 'p', ServiceGroupID: 5,
      SessionPriority: 50, TenantID: 1, TypeOfSession: 1,
    } })).AddRequestResult;
    assert.strictEqual(add.RequestStatus, 'Success');
    assert.ok(Number.isInteger(add.OpenMediaID) && add.OpenMediaID > 0, JSON.stringify(add));
    const id = add.OpenMediaID;
    const records = (r) => [].concat((r && r.OpenMediaRequests && r.OpenMediaRequests.OpenMediaRequest) || []);

    const byId = (await call('GetOpenMediaRequestStatusByID', { openMediaID: id })).GetOpenMediaRequestStatusByIDResult;
    assert.ok(records(byId).some((e) => e.ID === id && e.Status === 'Queued'), JSON.stringify(byId));
    const history = (await call('GetOpenMediaRequestHistoryByID', { openMediaID: id, retrieveLaterThan: since }))
      .GetOpenMediaRequestHistoryByIDResult;
    assert.ok(records(history).some((e) => e.ID === id), JSON.stringify(history));
    const byTime = (await call('GetOpenMediaRequestsByTime', { retrieveLaterThan: since })).GetOpenMediaRequestsByTimeResult;
    assert.ok(records(byTime).some((e) => e.ID === id), JSON.stringify(byTime));
    const all = (await call('GetAllOpenMediaRequestStatus', {})).GetAllOpenMediaRequestStatusResult;
    assert.ok(records(all).some((e) => e.ID === id), JSON.stringify(all));

    const group = (await call('GetServiceGroupStatus', { serviceGroupID: 5 })).GetServiceGroupStatusResult;
    assert.deepStrictEqual(group, { Open: true, ServiceGroupID: 5 });
    const groups = (await call('GetAllOpenMediaServiceGroupStatus', { tenantID: 1 })).GetAllOpenMediaServiceGroupStatusResult;
    assert.deepStrictEqual([].concat(groups.Status.ServiceGroupStatus).map((g) => g.ServiceGroupID).sort(), [5, 6]);

    const options = await call('SetOptions', { request: {
      AgentActionOptions: 1, AllowDifferentTypes: 1, CloseTabOptions: 1, MaxNumberOfSessions: 2, ResetAllOptions: false,
      SessionLinkOptions: 1, TypeOfSession: 0,
    } });
    assert.strictEqual(options.SetOptionsResult, true);
    const agents = (await call('GetOMAgentsByGroup', { serviceGroupID: 5 })).GetOMAgentsByGroupResult;
    assert.strictEqual(agents.ServiceGroupID, 5);
    assert.deepStrictEqual([].concat(agents.AgentList.int), [1001]);

    const modify = await call('ModifyRequest', { request: {
      IVRInfo: { IVRInformation: [{ Data: '43', Label: 'Ticket' }] }, OpenMediaID: id, PrivateData: 'q',
    } });
    assert.strictEqual(modify.ModifyRequestResult, true);
    const divert = (await call('DivertRequest', { request: { OpenMediaID: id, ServiceGroupID: 6, TenantID: 1 } })).DivertRequestResult;
    assert.deepStrictEqual(divert, { OpenMediaID: id, RequestStatus: 'Success' });
    const cancel = await call('CancelRequest', { request: { CancelIfAllocated: true, OpenMediaID: id } });
    assert.strictEqual(cancel.CancelRequestResult, true);

    // A typed fault comes back with its detail element, as the reference WSDL declares it.
    await assert.rejects(call('GetOpenMediaRequestStatusByID', { openMediaID: 987654 }), (err) => {
      const detail = err.root && err.root.Envelope.Body.Fault.detail;
      assert.ok(detail && Object.prototype.hasOwnProperty.call(detail, 'InvalidOpenMediaIDFault'), JSON.stringify(err.root));
      return true;
    });

    for (const op of contract.OPERATION_NAMES) assert.ok(sim.receivedCount(op) >= 1, `${op} did not reach the simulator`);
  });

  it('what this client sent validates against the reference XSDs too', async function () {
    ref.requireXmllint(this);
    await client.GetServiceGroupStatusAsync({ serviceGroupID: 5 });
    ref.assertValidAgainstReference(sim.lastRequestXml, 'request from the reference-WSDL client');
  });
});
