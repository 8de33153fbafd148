'use strict';
/*
 * The simulator's SOAP server over real HTTP on 127.0.0.1: hand-written envelopes in, WCF-shaped XML out.
 */
const assert = require('assert');
const http = require('http');
const net = require('net');
const { OPERATIONS, NS, membersOf } = require('../lib/contract');
const { parseXml } = require('./support/xml-tree');
const {
    useSimulator, startTestSimulator, envelope, authHeader, soapPost, httpRequest, controlPost, controlGet, controlCall,
} = require('./support/simulator');

const DC = NS.dataContracts;
const SCENARIO = {
    name: 'server tests',
    tenants: [{ id: 1, name: 'Acme' }],
    serviceGroups: [
        { id: 101, name: 'Email', tenantId: 1 },
        { id: 102, name: 'Chat', tenantId: 1, open: false },
    ],
    agents: [
        { id: 1001, logonId: '4001', tenantId: 1, groups: [101], loggedOn: true },
        { id: 1002, logonId: '4002', tenantId: 1, groups: [101] },
    ],
    auth: { enabled: false, users: [{ logonId: 'admin', password: 'pw-Secret-42' }] },
};
const UTC_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/;

const dcMembers = (inner) => `<request xmlns:a="${DC}">${inner}</request>`;
const wrap = (op, inner = '') => `<${op} xmlns="http://tempuri.org/">${inner}</${op}>`;
const addBody = (members) => wrap('AddRequest', dcMembers(members));
const IVR = '<a:IVRInfo><a:IVRInformation><a:Data>ticket 42</a:Data><a:Label>Ticket</a:Label></a:IVRInformation></a:IVRInfo>';

/** The result element of a 200 answer, after checking the envelope around it. */
function resultOf(res, op) {
    assert.strictEqual(res.status, 200, res.body);
    assert.strictEqual(res.headers['content-type'], 'text/xml; charset=utf-8');
    const root = parseXml(res.body);
    assert.strictEqual(root.ns, NS.soapEnvelope);
    assert.strictEqual(root.local, 'Envelope');
    assert.strictEqual(root.children.length, 1);
    const body = root.children[0];
    assert.strictEqual(body.local, 'Body');
    const response = body.children[0];
    assert.strictEqual(response.local, `${op}Response`);
    assert.strictEqual(response.ns, NS.tempuri);
    const result = response.children[0];
    assert.strictEqual(result.local, `${op}Result`);
    assert.strictEqual(result.ns, NS.tempuri);
    return result;
}

/** Fault parts of a 500 answer. */
function faultOf(res) {
    assert.strictEqual(res.status, 500, res.body);
    assert.strictEqual(res.headers['content-type'], 'text/xml; charset=utf-8');
    const root = parseXml(res.body);
    const fault = root.children[0].children[0];
    assert.strictEqual(fault.local, 'Fault');
    assert.strictEqual(fault.ns, NS.soapEnvelope);
    const get = (name) => fault.children.find((c) => c.local === name);
    const detail = get('detail');
    return {
        code: get('faultcode').text,
        string: get('faultstring').text,
        lang: get('faultstring').attributes.find((a) => a.local === 'lang')?.value,
        detail: detail ? detail.children[0] : undefined,
        childNames: fault.children.map((c) => c.local),
    };
}

function assertMemberOrder(element, typeName) {
    const expected = membersOf(typeName).map((m) => m.name);
    assert.deepStrictEqual(element.children.map((c) => c.local), expected, `${typeName} members in schema order`);
    for (const c of element.children) assert.strictEqual(c.ns, DC, `${c.local} in the DataContracts namespace`);
}

const child = (el, name) => el.children.find((c) => c.local === name);
const isNil = (el) => el.attributes.some((a) => a.ns === NS.xsi && a.local === 'nil' && a.value === 'true');

describe('simulator server: SOAP over HTTP', function () {
    const ctx = useSimulator({ scenario: SCENARIO });
    beforeEach(function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        ctx.sim.clearReceived();
        ctx.sim.strictOrder = true;
    });

    describe('WSDL and HTTP surface', function () {
        it('serves the WSDL at ?wsdl as text/xml with the live endpoint address and every operation', async function () {
            const res = await httpRequest(ctx.sim.wsdlUrl);
            assert.strictEqual(res.status, 200);
            assert.match(res.headers['content-type'], /^text\/xml/);
            assert.match(res.body, /<wsdl:definitions/);
            assert.ok(res.body.includes(`location="${ctx.sim.url}"`), 'soap:address is the simulator URL');
            for (const op of Object.keys(OPERATIONS)) assert.ok(res.body.includes(`name="${op}"`), op);
            assert.strictEqual(ctx.sim.receivedCount(), 0, 'a WSDL GET is not a service request');
            for (const variant of ['?WSDL', '?singleWsdl']) {
                const again = await httpRequest(ctx.sim.url.replace('OpenMediaService', 'openmediaservice') + variant);
                assert.strictEqual(again.status, 200, variant);
                assert.strictEqual(again.body, res.body, variant);
            }
        });

        it('answers GET on the endpoint with a help page, 405 for other methods, 404 elsewhere', async function () {
            const help = await httpRequest(ctx.sim.url);
            assert.strictEqual(help.status, 200);
            assert.match(help.headers['content-type'], /^text\/html/);
            assert.match(help.body, /\?wsdl/);
            const put = await httpRequest(ctx.sim.url, { method: 'PUT', body: 'x' });
            assert.strictEqual(put.status, 405);
            const other = await httpRequest(ctx.sim.url.replace('/OpenMediaService', '/Nope'));
            assert.strictEqual(other.status, 404);
        });
    });

    describe('operations: happy paths and response shape', function () {
        it('AddRequest: WCF envelope, DataContracts members in schema order, enum as a string', async function () {
            const res = await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:PrivateData>p&amp;d</a:PrivateData><a:ServiceGroupID>101</a:ServiceGroupID><a:SessionPriority>5</a:SessionPriority><a:TypeOfSession>1</a:TypeOfSession>`));
            assert.ok(res.body.startsWith('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><AddRequestResponse xmlns="http://tempuri.org/">'
                + `<AddRequestResult xmlns:a="${DC}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:EWT>`), res.body);
            const result = resultOf(res, 'AddRequest');
            assertMemberOrder(result, 'AddOpenMediaResponse');
            assert.strictEqual(child(result, 'RequestStatus').text, 'Success');
            assert.strictEqual(child(result, 'OpenMediaID').text, '1');
            // The model received the decoded request (IVRInfo array, entity-decoded text).
            const detail = ctx.sim.model.getRequest(1);
            assert.deepStrictEqual(detail.IVRInfo, [{ Label: 'Ticket', Data: 'ticket 42' }]);
            assert.strictEqual(detail.PrivateData, 'p&d');
            assert.strictEqual(detail.SessionPriority, 5);
            assert.strictEqual(ctx.sim.receivedCount('AddRequest'), 1);
            assert.ok(ctx.sim.lastRequestXml.includes('<a:PrivateData>p&amp;d</a:PrivateData>'));
        });

        it('AddRequest rejected by status (closed group) is still a 200 with the enum string', async function () {
            const res = await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>102</a:ServiceGroupID>`));
            const result = resultOf(res, 'AddRequest');
            assert.strictEqual(child(result, 'RequestStatus').text, 'GroupClosed');
            assert.strictEqual(child(result, 'OpenMediaID').text, '0');
        });

        it('status queries: OpenMediaRequest items in order, UTC dates, nil LogonID, enum strings', async function () {
            ctx.sim.logoff(1001); // nobody to allocate to: the request stays Queued with no agent
            resultOf(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            for (const [op, inner] of [
                ['GetAllOpenMediaRequestStatus', ''],
                ['GetOpenMediaRequestStatusByID', '<openMediaID>1</openMediaID>'],
                ['GetOpenMediaRequestHistoryByID', '<openMediaID>1</openMediaID><retrieveLaterThan>2000-01-01T00:00:00Z</retrieveLaterThan>'],
                ['GetOpenMediaRequestsByTime', '<retrieveLaterThan>2000-01-01T00:00:00.5+01:00</retrieveLaterThan>'],
            ]) {
                const result = resultOf(await soapPost(ctx.sim, op, wrap(op, inner)), op);
                assertMemberOrder(result, 'GetOpenMediaResponse');
                assert.match(child(result, 'TimeStamp').text, UTC_DATE, `${op} TimeStamp`);
                const items = child(result, 'OpenMediaRequests').children;
                assert.ok(items.length >= 1, `${op} has records`);
                const item = items[0];
                assert.strictEqual(item.local, 'OpenMediaRequest');
                assertMemberOrder(item, 'OpenMediaRequest');
                assert.strictEqual(child(item, 'Status').text, 'Queued');
                assert.strictEqual(child(item, 'ID').text, '1');
                assert.match(child(item, 'TimeStamp').text, UTC_DATE);
                assert.ok(isNil(child(item, 'LogonID')), `${op}: LogonID is i:nil when no agent has it`);
            }
        });

        it('group and agent queries: ServiceGroupStatus, ArrayOfServiceGroupStatus, ArrayOfint in the Arrays namespace', async function () {
            let result = resultOf(await soapPost(ctx.sim, 'GetServiceGroupStatus', wrap('GetServiceGroupStatus', '<serviceGroupID>102</serviceGroupID>')), 'GetServiceGroupStatus');
            assertMemberOrder(result, 'ServiceGroupStatus');
            assert.strictEqual(child(result, 'Open').text, 'false');
            assert.strictEqual(child(result, 'ServiceGroupID').text, '102');

            result = resultOf(await soapPost(ctx.sim, 'GetAllOpenMediaServiceGroupStatus', wrap('GetAllOpenMediaServiceGroupStatus', '<tenantID>1</tenantID>')), 'GetAllOpenMediaServiceGroupStatus');
            assertMemberOrder(result, 'GetAllServiceGroupStatusResponse');
            const groups = child(result, 'Status').children;
            assert.deepStrictEqual(groups.map((g) => g.local), ['ServiceGroupStatus', 'ServiceGroupStatus']);
            groups.forEach((g) => assertMemberOrder(g, 'ServiceGroupStatus'));

            const res = await soapPost(ctx.sim, 'GetOMAgentsByGroup', wrap('GetOMAgentsByGroup', '<serviceGroupID>101</serviceGroupID>'));
            result = resultOf(res, 'GetOMAgentsByGroup');
            assertMemberOrder(result, 'GetOMAgentsByGroupResponse');
            const list = child(result, 'AgentList');
            assert.ok(list.children.length >= 1);
            for (const item of list.children) {
                assert.strictEqual(item.ns, NS.arrays);
                assert.strictEqual(item.local, 'int');
                assert.match(item.text, /^\d+$/);
            }
            assert.match(res.body, /<a:AgentList xmlns:b="http:\/\/schemas\.microsoft\.com\/2003\/10\/Serialization\/Arrays"><b:int>1001<\/b:int>/);
        });

        it('boolean results: CancelRequest, ModifyRequest, SetOptions; DivertRequest result', async function () {
            ctx.sim.logoff(1001);
            resultOf(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            let result = resultOf(await soapPost(ctx.sim, 'ModifyRequest', wrap('ModifyRequest', dcMembers(`${IVR}<a:OpenMediaID>1</a:OpenMediaID><a:PrivateData>changed</a:PrivateData>`))), 'ModifyRequest');
            assert.strictEqual(result.text, 'true');
            assert.strictEqual(result.children.length, 0);
            assert.strictEqual(ctx.sim.model.getRequest(1).PrivateData, 'changed');

            const divert = await soapPost(ctx.sim, 'DivertRequest', wrap('DivertRequest', dcMembers('<a:OpenMediaID>1</a:OpenMediaID><a:ServiceGroupID>101</a:ServiceGroupID>')));
            result = resultOf(divert, 'DivertRequest');
            assertMemberOrder(result, 'DivertOpenMediaResponse');

            const cancelled = await soapPost(ctx.sim, 'CancelRequest', wrap('CancelRequest', dcMembers('<a:OpenMediaID>1</a:OpenMediaID>')));
            result = resultOf(cancelled, 'CancelRequest');
            assert.ok(cancelled.body.includes('<CancelRequestResponse xmlns="http://tempuri.org/"><CancelRequestResult>true</CancelRequestResult></CancelRequestResponse>'), cancelled.body);
            assert.strictEqual(result.text, 'true');
            assert.strictEqual(ctx.sim.model.getRequest(1).Status, 'Cancelled');

            result = resultOf(await soapPost(ctx.sim, 'SetOptions', wrap('SetOptions', dcMembers('<a:AgentActionOptions>1</a:AgentActionOptions><a:MaxNumberOfSessions>3</a:MaxNumberOfSessions><a:TypeOfSession>1</a:TypeOfSession>'))), 'SetOptions');
            assert.strictEqual(result.text, 'true');
        });

        it('a nil request member is read as null, not as absent', async function () {
            const res = await soapPost(ctx.sim, 'AddRequest', wrap('AddRequest', '<request xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/>'));
            const f = faultOf(res);
            assert.strictEqual(f.detail.local, 'InvalidDataException');
        });

        it('accepts the SOAPAction unquoted, and dispatches by the body wrapper when it is absent', async function () {
            const op = 'GetAllOpenMediaRequestStatus';
            resultOf(await soapPost(ctx.sim, op, wrap(op), { action: `http://tempuri.org/IOpenMediaService/${op}` }), op);
            resultOf(await soapPost(ctx.sim, op, wrap(op), { action: null }), op);
            resultOf(await soapPost(ctx.sim, op, wrap(op), { action: '""' }), op);
            assert.strictEqual(ctx.sim.receivedCount(op), 3);
        });

        it('is understood by a soap client built from its own ?wsdl', async function () {
            const soap = require('soap');
            const client = await soap.createClientAsync(ctx.sim.wsdlUrl);
            const [result] = await client.GetServiceGroupStatusAsync({ serviceGroupID: 101 });
            assert.strictEqual(result.GetServiceGroupStatusResult.ServiceGroupID, 101);
            assert.strictEqual(result.GetServiceGroupStatusResult.Open, true);
            assert.strictEqual(ctx.sim.receivedCount('GetServiceGroupStatus'), 1);
        });
    });

    describe('typed faults', function () {
        function assertTyped(res, name, ns) {
            const f = faultOf(res);
            assert.strictEqual(f.code, 's:Client');
            assert.strictEqual(f.lang, 'en-US');
            assert.deepStrictEqual(f.childNames, ['faultcode', 'faultstring', 'detail']);
            assert.strictEqual(f.detail.local, name);
            assert.strictEqual(f.detail.ns, ns);
            assert.ok(f.string.length > 0);
            return f;
        }

        it('NoLicenseFault, RouterDisconnectedFault, InvalidOpenMediaIDFault, OpenMediaRequestTerminatedFault, InvalidDataFault', async function () {
            ctx.sim.setLicense(false);
            assertTyped(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'NoLicenseFault', NS.faults);
            ctx.sim.setLicense(true);
            ctx.sim.disconnectRouter();
            assertTyped(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'RouterDisconnectedFault', NS.faults);
            ctx.sim.reconnectRouter();
            assertTyped(await soapPost(ctx.sim, 'GetOpenMediaRequestStatusByID', wrap('GetOpenMediaRequestStatusByID', '<openMediaID>999</openMediaID>')), 'InvalidOpenMediaIDFault', NS.faults);
            ctx.sim.logoff(1001);
            resultOf(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            const cancel = wrap('CancelRequest', dcMembers('<a:OpenMediaID>1</a:OpenMediaID>'));
            resultOf(await soapPost(ctx.sim, 'CancelRequest', cancel), 'CancelRequest');
            assertTyped(await soapPost(ctx.sim, 'CancelRequest', cancel), 'OpenMediaRequestTerminatedFault', NS.faults);
            assertTyped(await soapPost(ctx.sim, 'SetOptions', wrap('SetOptions', dcMembers('<a:AgentActionOptions>9</a:AgentActionOptions>'))), 'InvalidDataFault', NS.faults);
            assert.deepStrictEqual(ctx.sim.received.slice(-1)[0].fault, 'InvalidDataFault');
        });

        it('InvalidDataException is serialised like a .NET exception in the System.IO namespace', async function () {
            const res = await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupName>${'x'.repeat(21)}</a:ServiceGroupName>`));
            const f = assertTyped(res, 'InvalidDataException', NS.systemIO);
            const names = f.detail.children.map((c) => c.local);
            assert.deepStrictEqual(names.slice(0, 2), ['ClassName', 'Message']);
            for (const c of f.detail.children) assert.strictEqual(c.ns, '', `${c.local} has xmlns=""`);
            assert.strictEqual(child(f.detail, 'ClassName').text, 'System.IO.InvalidDataException');
            assert.strictEqual(child(f.detail, 'Message').text, f.string);
            assert.strictEqual(child(f.detail, 'HResult').text, '-2146233087');
        });
    });

    describe('authentication', function () {
        const op = 'GetAllOpenMediaRequestStatus';
        beforeEach(() => ctx.sim.setAuth(true, [{ logonId: 'admin', password: 'pw-Secret-42' }]));

        it('accepts the right LogonID/Password headers', async function () {
            resultOf(await soapPost(ctx.sim, op, wrap(op), { header: authHeader('admin', 'pw-Secret-42') }), op);
        });

        it('answers InvalidUserFault for a wrong password, a missing header or no header, never echoing the password', async function () {
            for (const header of [authHeader('admin', 'wrong-Pass-1'), '<LogonID xmlns="OpenMediaService">admin</LogonID>', undefined,
                '<LogonID>admin</LogonID><Password>pw-Secret-42</Password>']) {
                const res = await soapPost(ctx.sim, op, wrap(op), { header });
                const f = faultOf(res);
                assert.strictEqual(f.detail.local, 'InvalidUserFault');
                assert.strictEqual(f.detail.ns, NS.faults);
                assert.ok(!res.body.includes('wrong-Pass-1') && !res.body.includes('pw-Secret-42'));
            }
        });

        it('checks nothing when authentication is off', async function () {
            ctx.sim.setAuth(false);
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
        });
    });

    describe('strict member order', function () {
        // ServiceGroupID comes before ServiceGroupName in the schema: sent after it, WCF skips it.
        const body = addBody(`${IVR}<a:ServiceGroupName>Email</a:ServiceGroupName><a:ServiceGroupID>102</a:ServiceGroupID><a:TenantID>1</a:TenantID>`);

        it('ignores a member that arrives out of schema order (as if absent)', async function () {
            const result = resultOf(await soapPost(ctx.sim, 'AddRequest', body), 'AddRequest');
            // 102 (closed) was skipped: the request went to 'Email' (101) by name.
            assert.strictEqual(child(result, 'RequestStatus').text, 'Success');
            assert.strictEqual(ctx.sim.model.getRequest(1).ServiceGroupID, 101);
        });

        it('accepts any order with strictOrder off', async function () {
            ctx.sim.strictOrder = false;
            const result = resultOf(await soapPost(ctx.sim, 'AddRequest', body), 'AddRequest');
            assert.strictEqual(child(result, 'RequestStatus').text, 'GroupClosed');
        });

        it('also applies to operation parameters (retrieveLaterThan sent before openMediaID)', async function () {
            ctx.sim.logoff(1001);
            resultOf(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            const op = 'GetOpenMediaRequestHistoryByID';
            const body = wrap(op, '<retrieveLaterThan>2999-01-01T00:00:00Z</retrieveLaterThan><openMediaID>1</openMediaID>');
            // Strict: retrieveLaterThan is read, then openMediaID (earlier in the schema) is skipped: no id.
            const f = faultOf(await soapPost(ctx.sim, op, body));
            assert.strictEqual(f.detail.local, 'InvalidOpenMediaIDFault');
            // Any order: both are read; the far-future bound filters everything out.
            ctx.sim.strictOrder = false;
            let result = resultOf(await soapPost(ctx.sim, op, body), op);
            assert.strictEqual(child(result, 'OpenMediaRequests').children.length, 0);
            // In order, the whole history comes back.
            ctx.sim.strictOrder = true;
            result = resultOf(await soapPost(ctx.sim, op, wrap(op, '<openMediaID>1</openMediaID><retrieveLaterThan>2000-01-01T00:00:00Z</retrieveLaterThan>')), op);
            assert.strictEqual(child(result, 'OpenMediaRequests').children.length, 1);
        });
    });

    describe('bad input never crashes it', function () {
        async function stillServes() {
            const op = 'GetAllOpenMediaRequestStatus';
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
        }

        it('malformed XML or an empty body -> HTTP 400 without a body, as WCF answers an unreadable message', async function () {
            const op = 'GetAllOpenMediaRequestStatus';
            for (const raw of ['<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><oops></s:Body></s:Envelope>',
                '', '   ', 'not xml at all', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', '<a>&bogus;</a>']) {
                const res = await soapPost(ctx.sim, op, '', { raw });
                assert.strictEqual(res.status, 400, raw);
                assert.strictEqual(res.body, '', raw);
                // The reason, for whoever debugs a client against the simulator: a fixed text, nothing of the body.
                assert.match(res.headers['x-simulator-reason'], /^[a-z'<>"&0-9 ().,-]+$/i, raw);
                assert.strictEqual(ctx.sim.received.slice(-1)[0].status, 400);
            }
            await stillServes();
        });

        it('not an envelope, no Body, SOAP 1.2 -> a client fault (HTTP 500)', async function () {
            const op = 'GetAllOpenMediaRequestStatus';
            for (const raw of ['<root/>', `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>`]) {
                const f = faultOf(await soapPost(ctx.sim, op, '', { raw }));
                assert.strictEqual(f.code, 's:Client', raw);
                assert.strictEqual(f.detail, undefined);
            }
            const f = faultOf(await soapPost(ctx.sim, op, '', { raw: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${wrap(op)}</s:Body></s:Envelope>` }));
            assert.strictEqual(f.code, 's:VersionMismatch');
            await stillServes();
        });

        it('wrong types -> a:DeserializationFailed fault and the model is not called', async function () {
            const before = ctx.sim.eventLog.length;
            for (const [op, inner] of [
                ['GetServiceGroupStatus', '<serviceGroupID>abc</serviceGroupID>'],
                ['GetServiceGroupStatus', '<serviceGroupID>99999999999</serviceGroupID>'],
                ['GetOpenMediaRequestsByTime', '<retrieveLaterThan>yesterday</retrieveLaterThan>'],
                ['AddRequest', dcMembers(`<a:ForceToPreferredAgent>yes</a:ForceToPreferredAgent>${IVR}`)],
                ['AddRequest', dcMembers(`${IVR}<a:ServiceGroupID><a:x/></a:ServiceGroupID>`)],
                ['AddRequest', dcMembers(`${IVR}<a:ServiceGroupID xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/>`)],
            ]) {
                const f = faultOf(await soapPost(ctx.sim, op, wrap(op, inner)));
                assert.strictEqual(f.code, 'a:DeserializationFailed', inner);
            }
            assert.strictEqual(ctx.sim.eventLog.length, before);
            await stillServes();
        });

        it('an unknown SOAPAction or operation -> a:ActionNotSupported (HTTP 500)', async function () {
            let f = faultOf(await soapPost(ctx.sim, 'Nope', wrap('Nope')));
            assert.strictEqual(f.code, 'a:ActionNotSupported');
            f = faultOf(await soapPost(ctx.sim, 'Nope', wrap('Nope'), { action: null }));
            assert.strictEqual(f.code, 'a:ActionNotSupported');
            // Known action, wrong body wrapper: the formatter cannot read it.
            f = faultOf(await soapPost(ctx.sim, 'AddRequest', wrap('GetAllOpenMediaRequestStatus')));
            assert.strictEqual(f.code, 'a:DeserializationFailed');
            assert.strictEqual(ctx.sim.receivedCount(null), 2);
            await stillServes();
        });

        it('a body over maxBodyBytes (default 65536) -> 413, and it keeps serving', async function () {
            const big = addBody(`${IVR}<a:PrivateData>${'x'.repeat(70000)}</a:PrivateData>`);
            const res = await soapPost(ctx.sim, 'AddRequest', big);
            assert.strictEqual(res.status, 413);
            assert.strictEqual(ctx.sim.eventLog.length, 0);
            await stillServes();
        });

        it('a Content-Type other than text/xml -> 415 (as basicHttpBinding), a missing one is accepted', async function () {
            const op = 'GetAllOpenMediaRequestStatus';
            const res = await soapPost(ctx.sim, op, wrap(op), { headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' } });
            assert.strictEqual(res.status, 415);
            assert.strictEqual(res.body, '');
            assert.strictEqual(ctx.sim.received.slice(-1)[0].fault, 'UnsupportedMediaType');
            const bare = await httpRequest(ctx.sim.url, { method: 'POST', headers: { SOAPAction: `"http://tempuri.org/IOpenMediaService/${op}"` }, body: envelope(wrap(op)) });
            resultOf(bare, op);
        });

        it('a bad request line and a client that hangs up mid-body', async function () {
            await new Promise((resolve) => {
                const socket = net.connect(ctx.sim.port, '127.0.0.1', () => socket.end('GARBAGE\r\n\r\n'));
                socket.on('close', resolve);
                socket.on('error', resolve);
                socket.resume();
            });
            await new Promise((resolve) => {
                const socket = net.connect(ctx.sim.port, '127.0.0.1', () => {
                    socket.write(`POST /OpenMediaService HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<s:Env`);
                    socket.destroy();
                    resolve();
                });
            });
            await stillServes();
        });
    });

    describe('fault injection', function () {
        const op = 'GetAllOpenMediaRequestStatus';

        it('delay: the answer comes after delayMs of real time', async function () {
            ctx.sim.injectFault({ kind: 'delay', delayMs: 40 });
            const t0 = Date.now();
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
            assert.ok(Date.now() - t0 >= 35, 'delayed');
            assert.strictEqual(ctx.sim.received.slice(-1)[0].injected, 'delay');
            assert.deepStrictEqual(ctx.sim.pendingFaults(), []);
        });

        it('hold: the request stays pending until released, then is processed', async function () {
            ctx.sim.injectFault({ kind: 'hold', operation: 'AddRequest' });
            const pending = soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`));
            let settled = false;
            pending.then(() => { settled = true; });
            const deadline = Date.now() + 2000;
            while (ctx.sim.heldCount === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
            assert.strictEqual(ctx.sim.heldCount, 1);
            // Other operations are not held.
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
            assert.strictEqual(settled, false);
            assert.strictEqual(ctx.sim.eventLog.length, 0, 'not processed while held');
            assert.strictEqual(ctx.sim.releaseHeld(), 1);
            resultOf(await pending, 'AddRequest');
            assert.ok(ctx.sim.eventLog.length > 0);
        });

        it("hold with phase 'after': the operation has run, only the answer waits; stop-free release", async function () {
            ctx.sim.injectFault({ kind: 'hold', operation: 'AddRequest', phase: 'after' });
            const pending = soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`));
            const deadline = Date.now() + 2000;
            while (ctx.sim.heldCount === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
            assert.strictEqual(ctx.sim.heldCount, 1);
            assert.ok(ctx.sim.eventLog.length > 0, 'processed at arrival');
            assert.strictEqual(ctx.sim.received.slice(-1)[0].status, 0, 'not answered yet');
            ctx.sim.releaseHeld();
            const result = resultOf(await pending, 'AddRequest');
            assert.strictEqual(child(result, 'OpenMediaID').text, '1');
            assert.throws(() => ctx.sim.injectFault({ kind: 'hold', phase: 'during' }), /phase/);
        });

        it('http: 503 with an HTML page for the next K requests, then normal service', async function () {
            ctx.sim.injectFault({ kind: 'http', status: 503, count: 2 });
            for (let i = 0; i < 2; i++) {
                const res = await soapPost(ctx.sim, op, wrap(op));
                assert.strictEqual(res.status, 503);
                assert.match(res.headers['content-type'], /^text\/html/);
                assert.match(res.body, /<html/i);
            }
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
            ctx.sim.injectFault({ kind: 'http', status: 502, body: '{"x":1}', contentType: 'application/json' });
            const res = await soapPost(ctx.sim, op, wrap(op));
            assert.strictEqual(res.status, 502);
            assert.strictEqual(res.headers['content-type'], 'application/json');
            assert.strictEqual(res.body, '{"x":1}');
            ctx.sim.injectFault({ kind: 'http', status: 502 });
            assert.match((await soapPost(ctx.sim, op, wrap(op))).body, /HTTP Error 502\. Bad Gateway/);
        });

        it('malformed, empty and reset answers; faults scoped to an operation; -1 = until cleared', async function () {
            ctx.sim.injectFault({ kind: 'malformed' });
            let res = await soapPost(ctx.sim, op, wrap(op));
            assert.strictEqual(res.status, 200);
            assert.throws(() => parseXml(res.body));
            ctx.sim.injectFault({ kind: 'empty' });
            res = await soapPost(ctx.sim, op, wrap(op));
            assert.strictEqual(res.status, 200);
            assert.strictEqual(res.body, '');
            ctx.sim.injectFault({ kind: 'reset' });
            const err = await soapPost(ctx.sim, op, wrap(op)).then(() => null, (e) => e);
            assert.ok(err && /ECONNRESET|socket hang up/.test(err.code + err.message), String(err));
            ctx.sim.injectFault({ kind: 'http', status: 500, operation: 'AddRequest', count: -1 });
            resultOf(await soapPost(ctx.sim, op, wrap(op)), op);
            for (let i = 0; i < 3; i++) assert.strictEqual((await soapPost(ctx.sim, 'AddRequest', addBody(IVR))).status, 500);
            assert.strictEqual(ctx.sim.pendingFaults().length, 1);
            ctx.sim.clearFaults();
            resultOf(await soapPost(ctx.sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
        });

        it('refuses a malformed fault description', function () {
            assert.throws(() => ctx.sim.injectFault({ kind: 'explode' }), /Unknown fault kind/);
            assert.throws(() => ctx.sim.injectFault({ kind: 'delay' }), /delayMs/);
            assert.throws(() => ctx.sim.injectFault({ kind: 'http', operation: 'Nope' }), /Unknown operation/);
            assert.throws(() => ctx.sim.injectFault({ kind: 'http', count: 0 }), /count/);
        });
    });

    describe('control API', function () {
        it('drives agents, requests, groups, tenants, router, licence, auth, clock and restart', async function () {
            const sim = ctx.sim;
            assert.strictEqual((await controlPost(sim, '/agents/1001/logoff')).status, 200);
            resultOf(await soapPost(sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            assert.deepStrictEqual((await controlPost(sim, '/agents/4001/logon')).json, { ok: true });
            await controlPost(sim, '/agents/1001/ready');
            const allocated = sim.model.getRequest(1).Status;
            assert.ok(['AllocatedToAgent', 'Queued'].includes(allocated));
            if (allocated === 'AllocatedToAgent') {
                assert.strictEqual((await controlPost(sim, '/requests/1/answer')).status, 200);
                assert.strictEqual(sim.model.getRequest(1).Status, 'AgentProcessing');
                assert.strictEqual((await controlPost(sim, '/requests/1/complete')).status, 200);
                assert.strictEqual(sim.model.getRequest(1).Status, 'Complete');
            }
            await controlPost(sim, '/groups/101/close');
            let result = resultOf(await soapPost(sim, 'GetServiceGroupStatus', wrap('GetServiceGroupStatus', '<serviceGroupID>101</serviceGroupID>')), 'GetServiceGroupStatus');
            assert.strictEqual(child(result, 'Open').text, 'false');
            await controlPost(sim, '/groups/101/open');
            await controlPost(sim, '/tenants/1/disable');
            await controlPost(sim, '/tenants/1/enable');
            await controlPost(sim, '/router/disconnect');
            assert.strictEqual(faultOf(await soapPost(sim, 'AddRequest', addBody(IVR))).detail.local, 'RouterDisconnectedFault');
            await controlPost(sim, '/router/reconnect');
            await controlPost(sim, '/license', { present: false });
            assert.strictEqual(faultOf(await soapPost(sim, 'AddRequest', addBody(IVR))).detail.local, 'NoLicenseFault');
            await controlPost(sim, '/license', { present: true });
            const auth = await controlPost(sim, '/auth', { enabled: true, users: [{ logonId: 'ops', password: 'x-Pass-9' }] });
            assert.ok(!auth.body.includes('x-Pass-9'));
            assert.strictEqual(faultOf(await soapPost(sim, 'GetAllOpenMediaRequestStatus', wrap('GetAllOpenMediaRequestStatus'))).detail.local, 'InvalidUserFault');
            resultOf(await soapPost(sim, 'GetAllOpenMediaRequestStatus', wrap('GetAllOpenMediaRequestStatus'), { header: authHeader('ops', 'x-Pass-9') }), 'GetAllOpenMediaRequestStatus');
            await controlPost(sim, '/auth', { enabled: false });
            const t0 = sim.clock.now();
            assert.strictEqual((await controlPost(sim, '/clock/advance', { ms: 60000 })).status, 200);
            assert.strictEqual(sim.clock.now() - t0, 60000);
            const events = await controlGet(sim, '/events');
            assert.ok(Array.isArray(events.json) && events.json.length >= 1);
            assert.match(events.json[0].TimeStamp, /Z$/);
            const state = await controlGet(sim, '/state');
            assert.strictEqual(state.status, 200);
            assert.strictEqual(typeof state.json, 'object');
            assert.strictEqual((await controlPost(sim, '/restart')).status, 200);
            assert.strictEqual(sim.eventLog.length, 0, 'restart clears the cache');
            const received = await controlGet(sim, '/received');
            assert.ok(received.json.count >= 5);
            assert.ok(received.json.counts.AddRequest >= 3);
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: SCENARIO })).status, 200);
        });

        it('injects and clears faults, releases held requests', async function () {
            const sim = ctx.sim;
            const r = await controlPost(sim, '/faults', { kind: 'http', status: 503, count: 1 });
            assert.strictEqual(r.status, 200);
            assert.strictEqual(r.json.faults.length, 1);
            assert.strictEqual((await soapPost(sim, 'GetAllOpenMediaRequestStatus', wrap('GetAllOpenMediaRequestStatus'))).status, 503);
            await controlPost(sim, '/faults', { kind: 'empty', count: -1 });
            assert.strictEqual((await controlGet(sim, '/faults')).json.faults.length, 1);
            assert.strictEqual((await controlCall(sim, 'DELETE', '/faults')).status, 200);
            assert.deepStrictEqual((await controlGet(sim, '/faults')).json.faults, []);
            assert.deepStrictEqual((await controlPost(sim, '/held/release')).json, { ok: true, released: 0 });
        });

        it('answers JSON errors: 400 for bad input, 404 unknown route, 405 wrong method', async function () {
            const sim = ctx.sim;
            let r = await controlPost(sim, '/agents/9999/logon');
            assert.strictEqual(r.status, 400);
            assert.match(r.json.error, /9999/);
            r = await controlPost(sim, '/requests/abc/answer');
            assert.strictEqual(r.status, 400);
            r = await controlPost(sim, '/license', { present: 'yes' });
            assert.strictEqual(r.status, 400);
            r = await controlPost(sim, '/clock/advance', { ms: -5 });
            assert.strictEqual(r.status, 400);
            r = await controlPost(sim, '/faults', { kind: 'nope' });
            assert.strictEqual(r.status, 400);
            r = await controlCall(sim, 'POST', '/license', undefined);
            assert.strictEqual(r.status, 400);
            const raw = await httpRequest(`${sim.controlUrl}/license`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' });
            assert.strictEqual(raw.status, 400);
            assert.match(JSON.parse(raw.body).error, /JSON/);
            assert.strictEqual((await controlGet(sim, '/nothing')).status, 404);
            const index = await controlGet(sim, '');
            assert.strictEqual(index.status, 200);
            assert.ok(index.json.routes.includes('POST /control/agents/:id/logon|logoff|ready|notready'), index.body);
            assert.ok(index.json.routes.includes('GET /control'), index.body);
            assert.strictEqual((await controlGet(sim, '/restart')).status, 405);
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 42 })).status, 400);
        });
    });

    describe('received log', function () {
        it('counts what reached the endpoint and keeps the raw last request', async function () {
            assert.strictEqual(ctx.sim.receivedCount(), 0);
            const body = envelope(wrap('GetAllOpenMediaRequestStatus'));
            await soapPost(ctx.sim, 'GetAllOpenMediaRequestStatus', '', { raw: body });
            assert.strictEqual(ctx.sim.receivedCount('GetAllOpenMediaRequestStatus'), 1);
            assert.strictEqual(ctx.sim.receivedCount('AddRequest'), 0);
            assert.strictEqual(ctx.sim.lastRequestXml, body);
            const entry = ctx.sim.received[0];
            assert.strictEqual(entry.operation, 'GetAllOpenMediaRequestStatus');
            assert.strictEqual(entry.status, 200);
            assert.ok(entry.at instanceof Date);
        });
    });
});

describe('simulator server: lifecycle and bounds', function () {
    it('thousands of requests over keep-alive leave the received log bounded', async function () {
        this.timeout(60000);
        const sim = await startTestSimulator({ scenario: SCENARIO, receivedLimit: 50 });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
        try {
            const op = 'GetServiceGroupStatus';
            const body = wrap(op, '<serviceGroupID>101</serviceGroupID>');
            const total = 2000;
            let sent = 0;
            const worker = async () => {
                while (sent < total) {
                    sent++;
                    const res = await soapPost(sim, op, body, { agent });
                    assert.strictEqual(res.status, 200);
                }
            };
            await Promise.all(Array.from({ length: 8 }, worker));
            assert.strictEqual(sim.receivedCount(op), total);
            assert.strictEqual(sim.receivedCount(), total);
            assert.strictEqual(sim.received.length, 50);
            assert.strictEqual(sim.received[49].seq, total);
        } finally {
            agent.destroy();
            await sim.stop();
        }
    });

    it('stop() closes keep-alive connections and the port, leaving no handles behind', async function () {
        const handlesBefore = process._getActiveHandles().length;
        const sim = await startTestSimulator({ scenario: SCENARIO, clock: 'real' });
        const agent = new http.Agent({ keepAlive: true });
        const op = 'GetAllOpenMediaRequestStatus';
        resultOf(await soapPost(sim, op, wrap(op), { agent }), op);
        assert.strictEqual(sim.connectionCount, 1, 'the keep-alive connection stays open');
        sim.injectFault({ kind: 'hold' });
        const held = soapPost(sim, op, wrap(op), { agent }).then(() => 'answered', () => 'closed');
        const deadline = Date.now() + 2000;
        while (sim.heldCount === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        sim.injectFault({ kind: 'delay', delayMs: 60000 });
        const delayed = soapPost(sim, op, wrap(op)).then(() => 'answered', () => 'closed');
        while (sim.received.length < 3 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        const port = sim.port;
        await sim.stop();
        assert.strictEqual(sim.connectionCount, 0);
        assert.strictEqual(await held, 'closed');
        assert.strictEqual(await delayed, 'closed');
        agent.destroy();
        const refused = await new Promise((resolve) => {
            const socket = net.connect(port, '127.0.0.1');
            socket.on('connect', () => { socket.destroy(); resolve(false); });
            socket.on('error', (e) => socket.on('close', () => resolve(e.code === 'ECONNREFUSED')));
        });
        assert.strictEqual(refused, true, 'the port refuses connections');
        // Closed sockets leave the handle list on the next turn of the loop.
        await new Promise((r) => setImmediate(r));
        assert.ok(process._getActiveHandles().length <= handlesBefore, `handles: ${process._getActiveHandles().length} > ${handlesBefore}`);
        await sim.stop(); // idempotent
    });

    it('real clock: agents answer and complete by themselves, and stop() ends their timers', async function () {
        const scenario = JSON.parse(JSON.stringify(SCENARIO));
        scenario.agents[0].answerAfterSeconds = 0.01;
        scenario.agents[0].completeAfterSeconds = 0.01;
        const sim = await startTestSimulator({ scenario, clock: 'real' });
        try {
            const completed = new Promise((resolve, reject) => {
                const timer = setTimeout(() => { off(); reject(new Error('no Complete event within 3 s')); }, 3000);
                const off = sim.model.onEvent((e) => {
                    if (e.Status === 'Complete') { clearTimeout(timer); off(); resolve(); }
                });
            });
            resultOf(await soapPost(sim, 'AddRequest', addBody(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)), 'AddRequest');
            await completed;
            assert.strictEqual(sim.model.getRequest(1).Status, 'Complete');
            assert.deepStrictEqual(sim.eventLog.map((e) => e.Status), ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete']);
        } finally {
            await sim.stop();
        }
    });

    it('fails to start on a port in use, and a bad scenario is refused before listening', async function () {
        const sim = await startTestSimulator({ scenario: SCENARIO });
        try {
            await assert.rejects(startTestSimulator({ scenario: SCENARIO, port: sim.port }), /EADDRINUSE/);
        } finally {
            await sim.stop();
        }
        await assert.rejects(startTestSimulator({ scenario: { tenants: 'x' } }));
    });
});
