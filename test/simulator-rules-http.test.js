'use strict';
/*
 * Every simulator rule end to end over real HTTP on 127.0.0.1: requests built by the project's SOAP client
 * (OpenMediaClient, members in schema order) and, for a few, by hand (raw envelopes); answers read back from the
 * wire; the clock, agents, groups, tenants, licence, router and auth driven through the HTTP control API
 * (/control/...). No sleeps: time moves only with /control/clock/advance (manual clock).
 *
 * The in-process rules are unit-tested in simulator-model.test.js; this file proves they survive the SOAP server.
 */
const assert = require('assert');
const http = require('http');
const { OpenMediaClient, OpenMediaError } = require('../lib/client');
const { NS, OPERATIONS, OPERATION_NAMES, REQUEST_STATUS, OPEN_MEDIA_STATUS, LIMITS } = require('../lib/contract');
const { parseXml } = require('./support/xml-tree');
const { loadBuiltinScenario } = require('../simulator/scenario');
const { useSimulator, soapPost, authHeader, controlPost, controlGet } = require('./support/simulator');

const IVR = [{ Label: 'Ticket', Data: 'T-1' }];
const DC = NS.dataContracts;
const s = (n, ch = 'x') => ch.repeat(n);
const iso = (ms) => new Date(ms).toISOString();

/**
 * One simulator (scenario 'test' unless told, manual clock) and one client per describe; every test starts from the
 * scenario's initial state, no faults armed, an empty received log, and a clock 1 s past the previous test's events.
 */
function rulesContext(options = {}) {
    const ctx = useSimulator(options);
    const t = {
        get sim() { return ctx.sim; },
        client: undefined,
        T0: 0,
    };
    before(function () {
        t.client = new OpenMediaClient({ endpoint: ctx.sim.url, timeoutMs: 5000 });
    });
    after(async function () {
        if (t.client) await t.client.close();
    });
    beforeEach(function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        ctx.sim.clearReceived();
        ctx.sim.advance(1000);
        t.T0 = ctx.sim.clock.now();
    });
    t.call = (op, args) => t.client.call(op, args);
    t.add = (args) => t.client.call('AddRequest', { IVRInfo: IVR, ...args });
    t.addId = async (args) => {
        const r = await t.add(args);
        assert.strictEqual(r.RequestStatus, 'Success', JSON.stringify(r));
        return r.OpenMediaID;
    };
    t.status = async (id) => {
        const r = await t.client.call('GetOpenMediaRequestStatusByID', { openMediaID: id });
        assert.strictEqual(r.OpenMediaRequests.length, 1);
        return r.OpenMediaRequests[0];
    };
    t.history = async (id, since) => (await t.client.call('GetOpenMediaRequestHistoryByID',
        since === undefined ? { openMediaID: id } : { openMediaID: id, retrieveLaterThan: since })).OpenMediaRequests;
    t.statuses = async (id) => (await t.history(id)).map((e) => e.Status);
    t.all = async () => (await t.client.call('GetAllOpenMediaRequestStatus', {})).OpenMediaRequests;
    /** A control route that must succeed. */
    t.ctl = async (route, body) => {
        const res = await controlPost(ctx.sim, route, body);
        assert.strictEqual(res.status, 200, `${route}: ${res.body}`);
        assert.strictEqual(res.json.ok, true);
        return res.json;
    };
    t.advance = (ms) => t.ctl('/clock/advance', { ms });
    t.state = async () => {
        const res = await controlGet(ctx.sim, '/state');
        assert.strictEqual(res.status, 200);
        return res.json;
    };
    t.group = async (id) => (await t.state()).groups.find((g) => g.id === id);
    return t;
}

/** The call must reject with an OpenMediaError of that code (a typed fault read from the wire). */
async function fails(promise, code) {
    await assert.rejects(promise, (err) => {
        assert.ok(err instanceof OpenMediaError, `expected an OpenMediaError ${code}, got ${err && err.stack}`);
        assert.strictEqual(err.code, code, err.message);
        return true;
    });
}

const rejected = (status) => ({ EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: status, RequestStatusCode: REQUEST_STATUS[status] });

// Raw envelopes ---------------------------------------------------------------------------------------------------
const wrap = (op, inner = '') => `<${op} xmlns="http://tempuri.org/">${inner}</${op}>`;
const dcRequest = (op, members) => wrap(op, `<request xmlns:a="${DC}">${members}</request>`);
const rawIvr = (items) => `<a:IVRInfo>${items.map(([label, data]) =>
    `<a:IVRInformation><a:Data>${data}</a:Data><a:Label>${label}</a:Label></a:IVRInformation>`).join('')}</a:IVRInfo>`;

/** The children of <op>Result in a 200 answer, by local name -> text. */
function rawResult(res, op) {
    assert.strictEqual(res.status, 200, res.body);
    const response = parseXml(res.body).children[0].children[0];
    assert.strictEqual(response.local, `${op}Response`);
    const result = response.children[0];
    assert.strictEqual(result.local, `${op}Result`);
    if (!result.children.length) return result.text;
    return Object.fromEntries(result.children.map((c) => [c.local, c.text]));
}

/** The detail element's name of a typed fault answer (HTTP 500). */
function rawFault(res) {
    assert.strictEqual(res.status, 500, res.body);
    const fault = parseXml(res.body).children[0].children[0];
    assert.strictEqual(fault.local, 'Fault');
    const detail = fault.children.find((c) => c.local === 'detail');
    assert.ok(detail, `a typed fault has a detail: ${res.body}`);
    return detail.children[0].local;
}

// ---------------------------------------------------------------------------------------------------------------

describe('simulator rules over HTTP', function () {
    describe('AddRequest outcomes', function () {
        const t = rulesContext();

        it('Success by ServiceGroupID: queued in an agentless group with position, EWT and a Queued record', async function () {
            const r = await t.add({ ServiceGroupID: 106 });
            assert.deepStrictEqual(r, { EWT: 100, OpenMediaID: 1, QueuePosition: 1, RequestStatus: 'Success', RequestStatusCode: 0 });
            assert.deepStrictEqual(await t.status(1), {
                AgentID: 0, ID: 1, LogonID: '', QueuePosition: 1, ServiceGroupID: 106, Status: 'Queued',
                StatusCode: OPEN_MEDIA_STATUS.Queued, TenantID: 0, TimeStamp: iso(t.T0),
            });
            assert.strictEqual(t.sim.receivedCount('AddRequest'), 1);
        });

        it('ServiceGroupID is used over TenantID + ServiceGroupName; the name is used when the id is 0 (case-insensitive)', async function () {
            const byId = await t.addId({ ServiceGroupID: 106, TenantID: 1, ServiceGroupName: 'Email' });
            assert.strictEqual((await t.status(byId)).ServiceGroupID, 106);
            const byName = await t.addId({ ServiceGroupID: 0, TenantID: 1, ServiceGroupName: 'backlog' });
            assert.strictEqual((await t.status(byName)).ServiceGroupID, 106);
            // a name that exists only in another tenant is not found
            assert.deepStrictEqual(await t.add({ TenantID: 1, ServiceGroupName: 'Support' }), rejected('InvalidGroup'));
            // a bad id with a good name: the id decides
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 999, TenantID: 1, ServiceGroupName: 'Backlog' }), rejected('InvalidGroup'));
        });

        it('GroupClosed for a closed group, following /control/groups/:id/close and open', async function () {
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 104 }), rejected('GroupClosed'));
            await t.ctl('/groups/101/close');
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 101 }), rejected('GroupClosed'));
            assert.deepStrictEqual(await t.add({ TenantID: 1, ServiceGroupName: 'Email' }), rejected('GroupClosed'));
            await t.ctl('/groups/104/open');
            assert.strictEqual((await t.add({ ServiceGroupID: 104 })).RequestStatus, 'Success');
        });

        it('InvalidGroup: unknown id, unknown name, not an Open Media group, no group at all; nothing is created', async function () {
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 999 }), rejected('InvalidGroup'));
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 105 }), rejected('InvalidGroup'));
            assert.deepStrictEqual(await t.add({ TenantID: 1, ServiceGroupName: 'Nope' }), rejected('InvalidGroup'));
            assert.deepStrictEqual(await t.add({}), rejected('InvalidGroup'));
            assert.deepStrictEqual(await t.all(), []);
            assert.strictEqual(t.sim.eventLog.length, 0);
            assert.strictEqual(await t.addId({ ServiceGroupID: 106 }), 1, 'no id was used up');
        });

        it('TenantDisabled by id and by name, until /control/tenants/:id/enable', async function () {
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 201 }), rejected('TenantDisabled'));
            assert.deepStrictEqual(await t.add({ TenantID: 2, ServiceGroupName: 'Support' }), rejected('TenantDisabled'));
            await t.ctl('/tenants/2/enable');
            const id = await t.addId({ ServiceGroupID: 201 });
            assert.strictEqual((await t.status(id)).Status, 'AllocatedToAgent', 'agent 2001 takes it');
            await t.ctl('/tenants/1/disable');
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 101 }), rejected('TenantDisabled'));
        });

        it('AgentLoggedOff for a forced preferred agent who is logged off (by id, by logon id) or unknown', async function () {
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 102, PreferredAgentID: 1003, ForceToPreferredAgent: true }), rejected('AgentLoggedOff'));
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 102, PreferredAgentLogonID: '4003', ForceToPreferredAgent: true }), rejected('AgentLoggedOff'));
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 102, PreferredAgentID: 9999, ForceToPreferredAgent: true }), rejected('AgentLoggedOff'));
            await t.ctl('/agents/4002/logoff');
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 101, PreferredAgentID: 1002, ForceToPreferredAgent: true }), rejected('AgentLoggedOff'));
            // not forced: a wish, accepted
            assert.strictEqual((await t.add({ ServiceGroupID: 102, PreferredAgentID: 1003 })).RequestStatus, 'Success');
            await t.ctl('/agents/1003/logon');
            const forced = await t.addId({ ServiceGroupID: 107, PreferredAgentID: 1003, ForceToPreferredAgent: true });
            assert.strictEqual((await t.status(forced)).AgentID, 1003);
        });

        it('Error for a forced preferred agent who is logged on but not in the group', async function () {
            assert.deepStrictEqual(await t.add({ ServiceGroupID: 106, PreferredAgentID: 1001, ForceToPreferredAgent: true }), rejected('Error'));
            assert.strictEqual(t.sim.eventLog.length, 0);
        });

        it('raw envelope as a .NET client writes it: every member, nil strings, 0 for ints not given, false', async function () {
            const body = dcRequest('AddRequest', '<a:ForceToPreferredAgent>false</a:ForceToPreferredAgent>'
                + rawIvr([['Ticket', '7']])
                + '<a:PreferredAgentID>0</a:PreferredAgentID><a:PreferredAgentLogonID i:nil="true"/><a:PrivateData i:nil="true"/>'
                + '<a:QueueStartTime i:nil="true"/><a:ServiceGroupID>0</a:ServiceGroupID><a:ServiceGroupName>Backlog</a:ServiceGroupName>'
                + '<a:SessionPriority>0</a:SessionPriority><a:TenantID>1</a:TenantID><a:TypeOfSession>0</a:TypeOfSession>')
                .replace('<request ', '<request xmlns:i="http://www.w3.org/2001/XMLSchema-instance" ');
            const res = rawResult(await soapPost(t.sim, 'AddRequest', body), 'AddRequest');
            assert.deepStrictEqual(res, { EWT: '100', OpenMediaID: '1', QueuePosition: '1', RequestStatus: 'Success' });
            const d = t.sim.model.getRequest(1);
            assert.deepStrictEqual([d.ServiceGroupID, d.SessionPriority, d.TypeOfSession, d.PreferredAgentID, d.PrivateData, d.QueueTime.getTime()],
                [106, 0, 0, 0, null, t.T0]);
        });

        it('raw envelope: the RequestStatus goes out as its wire name, the ids as 0', async function () {
            const closed = rawResult(await soapPost(t.sim, 'AddRequest',
                dcRequest('AddRequest', `${rawIvr([['Ticket', '1']])}<a:ServiceGroupID>104</a:ServiceGroupID>`)), 'AddRequest');
            assert.deepStrictEqual(closed, { EWT: '0', OpenMediaID: '0', QueuePosition: '0', RequestStatus: 'GroupClosed' });
            const ok = rawResult(await soapPost(t.sim, 'AddRequest',
                dcRequest('AddRequest', `${rawIvr([['Ticket', '1']])}<a:ServiceGroupID>106</a:ServiceGroupID>`)), 'AddRequest');
            assert.deepStrictEqual(ok, { EWT: '100', OpenMediaID: '1', QueuePosition: '1', RequestStatus: 'Success' });
        });
    });

    describe('AddRequest field limits', function () {
        const t = rulesContext();
        const ok = async (args) => assert.strictEqual((await t.add({ ServiceGroupID: 106, ...args })).RequestStatus, 'Success', JSON.stringify(args).slice(0, 80));
        const bad = (args) => fails(t.add({ ServiceGroupID: 106, ...args }), 'InvalidDataException');

        it('ServiceGroupName: 20 characters accepted, 21 -> InvalidDataException', async function () {
            assert.strictEqual('Premium Support Desk'.length, LIMITS.serviceGroupNameMax);
            const id = await t.addId({ ServiceGroupID: 0, TenantID: 1, ServiceGroupName: 'Premium Support Desk' });
            assert.strictEqual((await t.status(id)).ServiceGroupID, 107);
            await bad({ ServiceGroupID: 0, TenantID: 1, ServiceGroupName: 'Premium Support Desk!' });
            // checked even when the id is given and would win
            await bad({ TenantID: 1, ServiceGroupName: s(21) });
        });

        it('IVRInfo: 3 items accepted, 4 -> InvalidDataException', async function () {
            await ok({ IVRInfo: [{ Label: 'a', Data: '1' }, { Label: 'b', Data: '2' }, { Label: 'c', Data: '3' }] });
            await bad({ IVRInfo: [{ Label: 'a' }, { Label: 'b' }, { Label: 'c' }, { Label: 'd' }] });
        });

        it('Label and Data: 100 characters accepted (and kept whole), 101 -> InvalidDataException', async function () {
            const id = await t.addId({ ServiceGroupID: 106, IVRInfo: [{ Label: s(100, 'L'), Data: s(100, 'D') }] });
            assert.deepStrictEqual(t.sim.model.getRequest(id).IVRInfo, [{ Label: s(100, 'L'), Data: s(100, 'D') }]);
            await bad({ IVRInfo: [{ Label: s(101), Data: 'x' }] });
            await bad({ IVRInfo: [{ Label: 'x', Data: s(101) }] });
            await bad({ IVRInfo: [{ Label: 'ok', Data: 'ok' }, { Data: s(101) }] });
        });

        it('PrivateData: 255 characters accepted, 256 -> InvalidDataException', async function () {
            const id = await t.addId({ ServiceGroupID: 106, PrivateData: s(255, 'p') });
            assert.strictEqual(t.sim.model.getRequest(id).PrivateData, s(255, 'p'));
            await bad({ PrivateData: s(256) });
        });

        it('SessionPriority: 1 and 100 accepted, 0 means "not given" (lowest), 101 and -1 -> InvalidDataException', async function () {
            const p50 = await t.addId({ ServiceGroupID: 106, SessionPriority: 50 });
            const zero = await t.add({ ServiceGroupID: 106, SessionPriority: 0 });
            assert.deepStrictEqual([zero.RequestStatus, zero.QueuePosition], ['Success', 2], 'priority 0 queues as an ordinary request');
            const p100 = await t.add({ ServiceGroupID: 106, SessionPriority: 100 });
            assert.strictEqual(p100.QueuePosition, 3);
            const p1 = await t.add({ ServiceGroupID: 106, SessionPriority: 1 });
            assert.strictEqual(p1.QueuePosition, 1);
            assert.strictEqual((await t.status(p50)).QueuePosition, 2);
            await bad({ SessionPriority: 101 });
            await bad({ SessionPriority: -1 });
        });

        it('TypeOfSession: 0 (not given) and 1 accepted, -1 -> InvalidDataException', async function () {
            await ok({ TypeOfSession: 0 });
            const id = await t.addId({ ServiceGroupID: 106, TypeOfSession: 1 });
            assert.strictEqual(t.sim.model.getRequest(id).TypeOfSession, 1);
            await bad({ TypeOfSession: -1 });
        });

        it('at least one Label or Data: none given -> InvalidDataException; a Label alone or a Data alone is enough', async function () {
            await fails(t.call('AddRequest', { ServiceGroupID: 106 }), 'InvalidDataException');
            await bad({ IVRInfo: [] });
            await bad({ IVRInfo: null });
            await bad({ IVRInfo: [{}] });
            await bad({ IVRInfo: [{ Label: null, Data: null }] });
            await bad({ IVRInfo: [{ Label: '', Data: '' }] });
            await ok({ IVRInfo: [{ Label: 'only a label' }] });
            await ok({ IVRInfo: [{ Data: 'only data' }] });
        });

        it('a rejected request leaves no event and uses no id; each reached the service', async function () {
            await bad({ PrivateData: s(256) });
            await bad({ SessionPriority: 101 });
            await bad({ IVRInfo: [] });
            assert.strictEqual(t.sim.receivedCount('AddRequest'), 3, 'the client does not check limits: the service did');
            assert.strictEqual(t.sim.eventLog.length, 0);
            assert.strictEqual(await t.addId({ ServiceGroupID: 106 }), 1);
        });

        it('raw envelope: 4 IVRInfo items -> an InvalidDataException fault detail', async function () {
            const items = rawIvr([['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]);
            const res = await soapPost(t.sim, 'AddRequest', dcRequest('AddRequest', `${items}<a:ServiceGroupID>106</a:ServiceGroupID>`));
            assert.strictEqual(rawFault(res), 'InvalidDataException');
            assert.match(res.body, /IVRInfo has 4 items, at most 3/);
        });
    });

    describe('routing', function () {
        const t = rulesContext();

        it('queue order: SessionPriority (1 first, none = lowest) then queue time; StatusByID gives current positions', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.advance(1000);
            const b = await t.addId({ ServiceGroupID: 106, SessionPriority: 50 });
            await t.advance(1000);
            const c = await t.add({ ServiceGroupID: 106, SessionPriority: 10 });
            assert.strictEqual(c.QueuePosition, 1);
            await t.advance(1000);
            const d = await t.add({ ServiceGroupID: 106, SessionPriority: 10 });
            assert.strictEqual(d.QueuePosition, 2);
            const ids = [a, b, c.OpenMediaID, d.OpenMediaID];
            const positions = async () => Promise.all(ids.map(async (id) => (await t.status(id)).QueuePosition));
            assert.deepStrictEqual(await positions(), [4, 3, 1, 2]);
            assert.deepStrictEqual((await t.group(106)).queue, [c.OpenMediaID, d.OpenMediaID, b, a]);
        });

        it('a valid past QueueStartTime backdates the request and wins over SessionPriority; a future one is ignored', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.advance(10_000);
            const b = await t.add({ ServiceGroupID: 106, QueueStartTime: new Date(t.T0 - 5000) });
            assert.strictEqual(b.QueuePosition, 1, 'backdated before a');
            const c = await t.add({ ServiceGroupID: 106, SessionPriority: 1, QueueStartTime: iso(t.T0 + 5000) });
            assert.strictEqual(c.QueuePosition, 3, 'its priority 1 is ignored: placed by its queue time, after a');
            const d = await t.add({ ServiceGroupID: 106, SessionPriority: 1 });
            assert.strictEqual(d.QueuePosition, 1, 'a plain priority-1 request goes first');
            const e = await t.add({ ServiceGroupID: 106, QueueStartTime: t.T0 + 3_600_000 });
            assert.strictEqual(e.QueuePosition, 5, 'a future QueueStartTime is ignored');
            assert.deepStrictEqual((await t.group(106)).queue, [d.OpenMediaID, b.OpenMediaID, a, c.OpenMediaID, e.OpenMediaID]);
            const queueTimes = (await t.state()).requests.map((r) => r.QueueTime);
            assert.deepStrictEqual(queueTimes, [iso(t.T0), iso(t.T0 - 5000), iso(t.T0 + 5000), iso(t.T0 + 10_000), iso(t.T0 + 10_000)]);
        });

        it('sent to a free agent at once: QueuePosition 0 and EWT 0, Queued then AllocatedToAgent with the agent', async function () {
            const r = await t.add({ ServiceGroupID: 102 });
            assert.deepStrictEqual([r.RequestStatus, r.QueuePosition, r.EWT], ['Success', 0, 0]);
            const h = await t.history(r.OpenMediaID);
            assert.deepStrictEqual(h.map((e) => [e.Status, e.QueuePosition, e.AgentID, e.TenantID, e.LogonID, e.ServiceGroupID]), [
                ['Queued', 1, 0, 0, '', 102],
                ['AllocatedToAgent', 0, 1001, 1, '4001', 102],
            ]);
        });

        it('preferred agent: PreferredAgentID, PreferredAgentLogonID; the record id wins over the logon id', async function () {
            assert.strictEqual((await t.status(await t.addId({ ServiceGroupID: 101, PreferredAgentID: 1002 }))).AgentID, 1002);
            assert.strictEqual((await t.status(await t.addId({ ServiceGroupID: 101, PreferredAgentLogonID: '4001' }))).AgentID, 1001);
            await t.ctl('/reset');
            const both = await t.addId({ ServiceGroupID: 101, PreferredAgentID: 1001, PreferredAgentLogonID: '4002' });
            assert.strictEqual((await t.status(both)).AgentID, 1001);
            await t.ctl('/reset');
            const both2 = await t.addId({ ServiceGroupID: 101, PreferredAgentID: 1002, PreferredAgentLogonID: '4001' });
            assert.strictEqual((await t.status(both2)).AgentID, 1002);
        });

        it('preferred, not forced: another agent takes it when the preferred one is busy', async function () {
            await t.addId({ ServiceGroupID: 101, PreferredAgentID: 1002 });
            const r = await t.addId({ ServiceGroupID: 101, PreferredAgentID: 1002 });
            assert.strictEqual((await t.status(r)).AgentID, 1001);
        });

        it('forced: waits for that agent only and gets it when the agent frees up within the timeout', async function () {
            const first = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002 });
            const forced = await t.add({ ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true });
            assert.deepStrictEqual([forced.RequestStatus, forced.QueuePosition], ['Success', 1]);
            assert.strictEqual((await t.status(forced.OpenMediaID)).Status, 'Queued', 'agent 1001 is free but may not take it');
            await t.advance(9000);
            await t.ctl(`/requests/${first}/answer`);
            await t.ctl(`/requests/${first}/complete`);
            assert.strictEqual((await t.status(forced.OpenMediaID)).AgentID, 1002);
            await t.advance(5000);
            assert.strictEqual((await t.status(forced.OpenMediaID)).Status, 'AllocatedToAgent', 'the timeout no longer applies');
        });

        it('forced: Failed when the agent is not free within the group timeout (Chat: 10 s), clock advanced over HTTP', async function () {
            await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002 });
            const forced = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true });
            await t.advance(9_999);
            assert.strictEqual((await t.status(forced)).Status, 'Queued');
            await t.advance(1);
            const st = await t.status(forced);
            assert.deepStrictEqual([st.Status, st.AgentID, st.QueuePosition, st.TimeStamp], ['Failed', 0, 0, iso(t.T0 + 10_000)]);
            assert.deepStrictEqual(await t.statuses(forced), ['Queued', 'Failed']);
            assert.deepStrictEqual((await t.group(103)).queue, []);
        });

        it('forced: Failed at once when the agent logs off (/control/agents/:id/logoff)', async function () {
            await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002 });
            const forced = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true });
            await t.ctl('/agents/1002/logoff');
            assert.deepStrictEqual(await t.statuses(forced), ['Queued', 'Failed']);
        });

        it('one session per agent by default; MaxNumberOfSessions set over SOAP raises it and hands out the queue', async function () {
            await t.ctl('/agents/1002/logoff');
            const a = await t.addId({ ServiceGroupID: 101 });
            const b = await t.add({ ServiceGroupID: 101 });
            assert.strictEqual(b.QueuePosition, 1);
            assert.strictEqual(await t.call('SetOptions', { MaxNumberOfSessions: 2 }), true);
            assert.strictEqual((await t.status(b.OpenMediaID)).AgentID, 1001, 'raising the limit allocates the queued one');
            const c = await t.add({ ServiceGroupID: 101 });
            assert.strictEqual(c.QueuePosition, 1, 'two sessions is the limit');
            await t.ctl(`/requests/${a}/answer`);
            await t.ctl(`/requests/${a}/complete`);
            assert.strictEqual((await t.status(c.OpenMediaID)).Status, 'AllocatedToAgent', 'a freed session takes the next');
        });

        it('a TypeOfSession with its own MaxNumberOfSessions counts only its own sessions', async function () {
            await t.ctl('/agents/1002/logoff');
            assert.strictEqual(await t.call('SetOptions', { TypeOfSession: 5, MaxNumberOfSessions: 2 }), true);
            const ids = [];
            for (const type of [5, 5, 5, 0]) ids.push(await t.addId({ ServiceGroupID: 101, TypeOfSession: type }));
            const st = await Promise.all(ids.map((id) => t.status(id)));
            assert.deepStrictEqual(st.map((x) => x.Status), ['AllocatedToAgent', 'AllocatedToAgent', 'Queued', 'Queued']);
        });

        it('a request of a type without its own value counts the agent\'s sessions of every type against the default 1', async function () {
            await t.ctl('/agents/1002/logoff');
            await t.call('SetOptions', { TypeOfSession: 5, MaxNumberOfSessions: 3 });
            const first = await t.addId({ ServiceGroupID: 101, TypeOfSession: 5 });
            const plain = await t.addId({ ServiceGroupID: 101 });
            const more = [];
            for (let i = 0; i < 3; i++) more.push(await t.addId({ ServiceGroupID: 101, TypeOfSession: 5 }));
            const st = await Promise.all([first, plain, ...more].map((id) => t.status(id)));
            assert.deepStrictEqual(st.map((x) => x.Status), ['AllocatedToAgent', 'Queued', 'AllocatedToAgent', 'AllocatedToAgent', 'Queued']);
        });

        it('AllowDifferentTypes 1 (set over SOAP) keeps other types away from the agent', async function () {
            await t.ctl('/agents/1002/logoff');
            await t.call('SetOptions', { MaxNumberOfSessions: 5 });
            await t.call('SetOptions', { TypeOfSession: 1, AllowDifferentTypes: 1 });
            await t.call('SetOptions', { TypeOfSession: 2, AllowDifferentTypes: 2 });
            const t2 = await t.addId({ ServiceGroupID: 101, TypeOfSession: 2 });
            const t1 = await t.addId({ ServiceGroupID: 101, TypeOfSession: 1 });
            assert.strictEqual((await t.status(t2)).AgentID, 1001);
            assert.strictEqual((await t.status(t1)).Status, 'Queued', 'type 1 does not join an agent busy with type 2');
            const t2b = await t.addId({ ServiceGroupID: 101, TypeOfSession: 2 });
            assert.strictEqual((await t.status(t2b)).AgentID, 1001, 'type 2 allows different types');
            for (const id of [t2, t2b]) {
                await t.ctl(`/requests/${id}/answer`);
                await t.ctl(`/requests/${id}/complete`);
            }
            assert.strictEqual((await t.status(t1)).AgentID, 1001, 'once the agent is free of type 2, type 1 gets in');
            // and now a second type 1 may join, a type 2 too (type 2 allows), but with AllowDifferentTypes 1 for all
            // types (the type-0 entry) nothing of another type may join
            await t.call('SetOptions', { TypeOfSession: 2, ResetAllOptions: true });
            await t.call('SetOptions', { AllowDifferentTypes: 1 });
            const other = await t.addId({ ServiceGroupID: 101, TypeOfSession: 3 });
            assert.strictEqual((await t.status(other)).Status, 'Queued');
            const same = await t.addId({ ServiceGroupID: 101, TypeOfSession: 1 });
            assert.strictEqual((await t.status(same)).AgentID, 1001);
        });

        it('the least loaded, then longest idle agent is chosen; an agent not ready gets nothing until ready', async function () {
            await t.ctl('/agents/1001/notready');
            await t.advance(1000);
            await t.ctl('/agents/1001/ready'); // 1002 has been idle longer
            const a = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual((await t.status(a)).AgentID, 1002, 'longest idle');
            const b = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual((await t.status(b)).AgentID, 1001);

            await t.ctl('/reset');
            await t.call('SetOptions', { MaxNumberOfSessions: 2 });
            await t.ctl('/agents/1002/notready');
            await t.advance(1000);
            await t.ctl('/agents/1002/ready'); // 1001 has been idle longer
            const a2 = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual((await t.status(a2)).AgentID, 1001, 'longest idle');
            const b2 = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual((await t.status(b2)).AgentID, 1002, 'least loaded wins over longest idle');
            const c2 = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual((await t.status(c2)).AgentID, 1001, 'equal load: longest idle');

            await t.ctl('/reset');
            await t.ctl('/agents/1001/logoff');
            await t.ctl('/agents/1002/logoff');
            const c = await t.addId({ ServiceGroupID: 103 }); // only 1004 left, not ready
            assert.strictEqual((await t.status(c)).Status, 'Queued');
            await t.ctl('/agents/1004/ready');
            assert.strictEqual((await t.status(c)).AgentID, 1004);
        });

        it('a freed agent takes the best-ranked request across its groups; a closed group still serves its queue', async function () {
            const busy = await t.addId({ ServiceGroupID: 102 }); // 1001
            await t.ctl('/agents/1002/logoff');
            const email = await t.addId({ ServiceGroupID: 101 });
            await t.advance(1000);
            const tickets = await t.addId({ ServiceGroupID: 102, SessionPriority: 1 });
            await t.advance(1000);
            const chat = await t.addId({ ServiceGroupID: 103 });
            await t.ctl('/groups/101/close');
            await t.ctl(`/requests/${busy}/answer`);
            await t.ctl(`/requests/${busy}/complete`);
            assert.strictEqual((await t.status(tickets)).AgentID, 1001, 'priority 1 first, whatever its group');
            await t.ctl(`/requests/${tickets}/answer`);
            await t.ctl(`/requests/${tickets}/complete`);
            assert.strictEqual((await t.status(email)).AgentID, 1001, 'then the oldest, from the closed group');
            assert.strictEqual((await t.status(chat)).Status, 'Queued');
        });

        it('logoff puts an allocated (unanswered) request back in its queue with a Queued record; an answered one stays', async function () {
            await t.ctl('/agents/1002/logoff');
            const a = await t.addId({ ServiceGroupID: 101 });
            await t.ctl('/agents/1001/logoff');
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'AllocatedToAgent', 'Queued']);
            assert.strictEqual((await t.status(a)).QueuePosition, 1);
            await t.ctl('/agents/1001/logon');
            await t.ctl(`/requests/${a}/answer`);
            await t.ctl('/agents/1001/logoff');
            assert.strictEqual((await t.status(a)).Status, 'AgentProcessing');
        });

        it('EWT moves with queue length, logged-on agents and the real handling time', async function () {
            const ewts = [];
            for (let i = 0; i < 3; i++) ewts.push((await t.add({ ServiceGroupID: 106 })).EWT);
            assert.deepStrictEqual(ewts, [100, 200, 300], 'Backlog: AHT 100 s, no agent');
            // Email: 2 agents logged on, AHT 120 s
            const x = await t.add({ ServiceGroupID: 101 });
            const y = await t.add({ ServiceGroupID: 101 });
            assert.deepStrictEqual([x.QueuePosition, x.EWT, y.QueuePosition, y.EWT], [0, 0, 0, 0]);
            const z = await t.add({ ServiceGroupID: 101 });
            assert.deepStrictEqual([z.QueuePosition, z.EWT], [1, 60]);
            await t.advance(30_000);
            await t.ctl(`/requests/${x.OpenMediaID}/answer`);
            await t.ctl(`/requests/${x.OpenMediaID}/complete`); // handled in 30 s
            const w = await t.add({ ServiceGroupID: 101 });
            assert.deepStrictEqual([w.QueuePosition, w.EWT], [1, 15], '1 x 30 s / 2 agents');
            await t.ctl('/agents/1002/logoff'); // its unanswered request goes back to the queue
            const v = await t.add({ ServiceGroupID: 101 });
            assert.deepStrictEqual([v.QueuePosition, v.EWT], [3, 90], '3 x 30 s / 1 agent');
        });
    });

    describe('CancelRequest', function () {
        const t = rulesContext();
        const cancel = (args) => t.call('CancelRequest', args);

        it('queued: true and a Cancelled record; DoNotReport spares the statistics only', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            const b = await t.addId({ ServiceGroupID: 106 });
            assert.strictEqual(await cancel({ OpenMediaID: a }), true);
            assert.strictEqual(await cancel({ OpenMediaID: b, DoNotReport: true }), true);
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'Cancelled']);
            assert.deepStrictEqual(await t.statuses(b), ['Queued', 'Cancelled']);
            const st = (await t.group(106)).stats;
            assert.deepStrictEqual([st.abandoned, st.abandonedNotReported], [1, 1]);
            const rec = await t.status(a);
            assert.deepStrictEqual([rec.AgentID, rec.LogonID, rec.QueuePosition, rec.ServiceGroupID], [0, '', 0, 106]);
            assert.deepStrictEqual((await t.group(106)).queue, []);
        });

        it('allocated: false without CancelIfAllocated (nothing changes), true with it; the agent takes the next', async function () {
            await t.ctl('/agents/1002/logoff');
            const a = await t.addId({ ServiceGroupID: 101 });
            const next = await t.addId({ ServiceGroupID: 101 });
            assert.strictEqual(await cancel({ OpenMediaID: a }), false);
            assert.strictEqual(await cancel({ OpenMediaID: a, CancelIfAllocated: false }), false);
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'AllocatedToAgent']);
            assert.strictEqual(await cancel({ OpenMediaID: a, CancelIfAllocated: true }), true);
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'AllocatedToAgent', 'Cancelled']);
            assert.strictEqual((await t.status(next)).AgentID, 1001);
        });

        it('answered: false without CancelIfAllocated, true with CancelIfAllocated + DoNotReport', async function () {
            const a = await t.addId({ ServiceGroupID: 102 });
            await t.ctl(`/requests/${a}/answer`);
            assert.strictEqual(await cancel({ OpenMediaID: a, DoNotReport: true }), false);
            assert.strictEqual((await t.status(a)).Status, 'AgentProcessing');
            assert.strictEqual(await cancel({ OpenMediaID: a, CancelIfAllocated: true, DoNotReport: true }), true);
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Cancelled']);
            assert.deepStrictEqual((await t.state()).agents.find((x) => x.id === 1001).sessions, []);
        });

        it('terminated -> OpenMediaRequestTerminatedFault; unknown -> InvalidOpenMediaIDFault', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await cancel({ OpenMediaID: a });
            await fails(cancel({ OpenMediaID: a }), 'OpenMediaRequestTerminatedFault');
            const b = await t.addId({ ServiceGroupID: 102 });
            await t.ctl(`/requests/${b}/answer`);
            await t.ctl(`/requests/${b}/complete`);
            await fails(cancel({ OpenMediaID: b, CancelIfAllocated: true }), 'OpenMediaRequestTerminatedFault');
            await fails(cancel({ OpenMediaID: 999 }), 'InvalidOpenMediaIDFault');
            await fails(cancel({}), 'InvalidOpenMediaIDFault');
            // raw envelope: the fault detail is on the wire
            const res = await soapPost(t.sim, 'CancelRequest', dcRequest('CancelRequest', `<a:OpenMediaID>${a}</a:OpenMediaID>`));
            assert.strictEqual(rawFault(res), 'OpenMediaRequestTerminatedFault');
        });
    });

    describe('DivertRequest', function () {
        const t = rulesContext();
        const divert = (args) => t.call('DivertRequest', args);
        const answer = (id, status) => ({ OpenMediaID: id, RequestStatus: status, RequestStatusCode: REQUEST_STATUS[status] });

        it('Success: a queued request moves to another group (Queued there, then allocated), the old queue is left', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.advance(1000);
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 102 }), answer(a, 'Success'));
            const h = await t.history(a);
            assert.deepStrictEqual(h.map((e) => [e.Status, e.ServiceGroupID, e.AgentID]), [['Queued', 106, 0], ['Queued', 102, 0], ['AllocatedToAgent', 102, 1001]]);
            assert.strictEqual(h[1].TimeStamp, iso(t.T0 + 1000));
            assert.deepStrictEqual((await t.group(106)).queue, []);
        });

        it('by TenantID + ServiceGroupName; ServiceGroupID wins over the name', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            assert.strictEqual((await divert({ OpenMediaID: a, TenantID: 1, ServiceGroupName: 'after hours' })).RequestStatus, 'GroupClosed');
            assert.strictEqual((await divert({ OpenMediaID: a, TenantID: 1, ServiceGroupName: 'tickets' })).RequestStatus, 'Success');
            assert.strictEqual((await t.status(a)).ServiceGroupID, 102);
            const b = await t.addId({ ServiceGroupID: 106 });
            assert.strictEqual((await divert({ OpenMediaID: b, ServiceGroupID: 107, TenantID: 1, ServiceGroupName: 'Email' })).RequestStatus, 'Success');
            assert.strictEqual((await t.status(b)).ServiceGroupID, 107);
        });

        it('GroupClosed, InvalidGroup (unknown, not Open Media), TenantDisabled: the request stays where it was', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 104 }), answer(a, 'GroupClosed'));
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 999 }), answer(a, 'InvalidGroup'));
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 105 }), answer(a, 'InvalidGroup'));
            assert.deepStrictEqual(await divert({ OpenMediaID: a, TenantID: 1, ServiceGroupName: 'Nope' }), answer(a, 'InvalidGroup'));
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 201 }), answer(a, 'TenantDisabled'));
            assert.deepStrictEqual(await t.statuses(a), ['Queued']);
            assert.strictEqual((await t.status(a)).ServiceGroupID, 106);
        });

        it('InvalidID (echoing the id) for an unknown id; Error for a terminated request', async function () {
            assert.deepStrictEqual(await divert({ OpenMediaID: 4242, ServiceGroupID: 101 }), answer(4242, 'InvalidID'));
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.call('CancelRequest', { OpenMediaID: a });
            assert.deepStrictEqual(await divert({ OpenMediaID: a, ServiceGroupID: 101 }), answer(a, 'Error'));
        });

        it('allocated or answered: removed from the agent, who takes the next request', async function () {
            await t.ctl('/agents/1002/logoff');
            const a = await t.addId({ ServiceGroupID: 101 });
            const next = await t.addId({ ServiceGroupID: 101 });
            await t.ctl(`/requests/${a}/answer`);
            assert.strictEqual((await divert({ OpenMediaID: a, ServiceGroupID: 106 })).RequestStatus, 'Success');
            const st = await t.status(a);
            assert.deepStrictEqual([st.Status, st.ServiceGroupID, st.QueuePosition, st.AgentID], ['Queued', 106, 1, 0]);
            assert.strictEqual((await t.status(next)).AgentID, 1001);
            const b = await t.addId({ ServiceGroupID: 102 }); // 1001 is busy with next: queued
            await t.ctl(`/requests/${next}/answer`);
            await t.ctl(`/requests/${next}/complete`);
            assert.strictEqual((await t.status(b)).AgentID, 1001);
            assert.strictEqual((await divert({ OpenMediaID: b, ServiceGroupID: 106 })).RequestStatus, 'Success', 'allocated, not answered');
            assert.deepStrictEqual((await t.state()).agents.find((x) => x.id === 1001).sessions, []);
        });

        it('the preferred agent is dropped: a forced request diverted is served by any agent of the new group', async function () {
            await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002 }); // 1002 busy
            const forced = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true });
            await t.ctl('/agents/1001/notready');
            assert.strictEqual((await t.call('DivertRequest', { OpenMediaID: forced, ServiceGroupID: 101 })).RequestStatus, 'Success');
            assert.strictEqual((await t.status(forced)).Status, 'Queued');
            await t.ctl('/agents/1001/ready');
            assert.strictEqual((await t.status(forced)).AgentID, 1001, 'no longer waits for 1002');
            await t.advance(60_000);
            assert.strictEqual((await t.status(forced)).Status, 'AllocatedToAgent', 'and no forced timeout any more');

            await t.ctl('/reset');
            const wish = await t.addId({ ServiceGroupID: 106, PreferredAgentID: 1002 });
            await t.ctl('/agents/1002/notready');
            await t.advance(1000);
            await t.ctl('/agents/1002/ready'); // 1001 is the longest idle
            assert.strictEqual((await t.call('DivertRequest', { OpenMediaID: wish, ServiceGroupID: 101 })).RequestStatus, 'Success');
            assert.strictEqual((await t.status(wish)).AgentID, 1001, 'the preferred agent 1002 is forgotten');
        });

        it('diverting to the group it is in requeues it behind the others of its priority', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            const b = await t.addId({ ServiceGroupID: 106 });
            const urgent = await t.addId({ ServiceGroupID: 106, SessionPriority: 1 });
            await t.advance(1000);
            assert.strictEqual((await divert({ OpenMediaID: a, ServiceGroupID: 106 })).RequestStatus, 'Success');
            assert.deepStrictEqual((await t.group(106)).queue, [urgent, b, a]);
            const h = await t.history(a);
            assert.deepStrictEqual(h.map((e) => [e.Status, e.QueuePosition, e.TimeStamp]), [['Queued', 1, iso(t.T0)], ['Queued', 3, iso(t.T0 + 1000)]]);
            assert.strictEqual((await divert({ OpenMediaID: urgent, ServiceGroupID: 106 })).RequestStatus, 'Success');
            assert.deepStrictEqual((await t.group(106)).queue, [urgent, b, a], 'priority 1 stays ahead');
        });

        it('InvalidDataException without a group (none, id 0, tenant only) or with a name over 20', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await fails(divert({ OpenMediaID: a }), 'InvalidDataException');
            await fails(divert({ OpenMediaID: a, ServiceGroupID: 0, TenantID: 1 }), 'InvalidDataException');
            await fails(divert({ OpenMediaID: 4242 }), 'InvalidDataException');
            await fails(divert({ OpenMediaID: a, TenantID: 1, ServiceGroupName: s(21) }), 'InvalidDataException');
            assert.deepStrictEqual(await t.statuses(a), ['Queued']);
        });
    });

    describe('ModifyRequest', function () {
        const t = rulesContext();
        const modify = (args) => t.call('ModifyRequest', args);
        const detail = async (id) => (await t.state()).requests.find((r) => r.OpenMediaID === id);

        it('replaces the Data of an existing label, appends a new label, replaces PrivateData; no status record', async function () {
            const a = await t.addId({ ServiceGroupID: 106, IVRInfo: [{ Label: 'Ticket', Data: 'T-1' }], PrivateData: 'old' });
            const before = t.sim.eventLog.length;
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'Ticket', Data: 'T-2' }, { Label: 'Customer', Data: 'Ann' }], PrivateData: 'new' }), true);
            let d = await detail(a);
            assert.deepStrictEqual(d.IVRInfo, [{ Label: 'Ticket', Data: 'T-2' }, { Label: 'Customer', Data: 'Ann' }]);
            assert.strictEqual(d.PrivateData, 'new');
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'Customer', Data: 'Bob' }] }), true);
            d = await detail(a);
            assert.deepStrictEqual(d.IVRInfo, [{ Label: 'Ticket', Data: 'T-2' }, { Label: 'Customer', Data: 'Bob' }]);
            assert.strictEqual(d.PrivateData, 'new', 'kept when not given');
            assert.strictEqual(t.sim.eventLog.length, before);
            assert.deepStrictEqual(await t.statuses(a), ['Queued']);
        });

        it('the merged IVRInfo may not exceed 3 items: InvalidDataException and nothing changes', async function () {
            const a = await t.addId({ ServiceGroupID: 106, IVRInfo: [{ Label: 'a', Data: '1' }, { Label: 'b', Data: '2' }] });
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'c', Data: '3' }] }), true);
            await fails(modify({ OpenMediaID: a, IVRInfo: [{ Label: 'a', Data: 'changed' }, { Label: 'd', Data: '4' }] }), 'InvalidDataException');
            assert.deepStrictEqual((await detail(a)).IVRInfo, [{ Label: 'a', Data: '1' }, { Label: 'b', Data: '2' }, { Label: 'c', Data: '3' }]);
        });

        it('only while queued: false once allocated, answered or terminated (nothing changes)', async function () {
            const a = await t.addId({ ServiceGroupID: 102, IVRInfo: [{ Label: 'k', Data: 'v' }] });
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'k', Data: 'allocated' }] }), false);
            await t.ctl(`/requests/${a}/answer`);
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'k', Data: 'answered' }] }), false);
            await t.ctl(`/requests/${a}/complete`);
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: 'k', Data: 'done' }] }), false);
            assert.deepStrictEqual((await detail(a)).IVRInfo, [{ Label: 'k', Data: 'v' }]);
        });

        it('unknown id -> InvalidOpenMediaIDFault; limits -> InvalidDataException; at the limits accepted', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await fails(modify({ OpenMediaID: 999, IVRInfo: IVR }), 'InvalidOpenMediaIDFault');
            await fails(modify({ OpenMediaID: a }), 'InvalidDataException');
            await fails(modify({ OpenMediaID: a, IVRInfo: [{ Label: s(101) }] }), 'InvalidDataException');
            await fails(modify({ OpenMediaID: a, IVRInfo: [{ Data: s(101) }] }), 'InvalidDataException');
            await fails(modify({ OpenMediaID: a, IVRInfo: [1, 2, 3, 4].map((i) => ({ Label: `l${i}` })) }), 'InvalidDataException');
            await fails(modify({ OpenMediaID: a, IVRInfo: IVR, PrivateData: s(256) }), 'InvalidDataException');
            assert.strictEqual(await modify({ OpenMediaID: a, IVRInfo: [{ Label: s(100), Data: s(100) }], PrivateData: s(255) }), true);
            assert.strictEqual((await detail(a)).PrivateData, s(255));
        });
    });

    describe('SetOptions', function () {
        const t = rulesContext();
        const opt = (args) => t.call('SetOptions', args);
        const stored = async (type) => {
            const o = (await t.state()).options.find((x) => x.TypeOfSession === type);
            if (!o) return undefined;
            const { TypeOfSession, ...rest } = o;
            return rest;
        };

        it('each option at its limits accepted, one past or negative -> InvalidDataFault (nothing stored)', async function () {
            for (const [key, min, max] of [['AgentActionOptions', 1, 4], ['CloseTabOptions', 1, 4], ['AllowDifferentTypes', 1, 2], ['SessionLinkOptions', 1, 2]]) {
                assert.strictEqual(await opt({ TypeOfSession: 7, [key]: min }), true, `${key} ${min}`);
                assert.strictEqual(await opt({ TypeOfSession: 7, [key]: max }), true, `${key} ${max}`);
                await fails(opt({ TypeOfSession: 7, [key]: max + 1 }), 'InvalidDataFault');
                await fails(opt({ TypeOfSession: 7, [key]: -1 }), 'InvalidDataFault');
            }
            assert.strictEqual(await opt({ TypeOfSession: 8, MaxNumberOfSessions: 1 }), true);
            assert.strictEqual(await opt({ TypeOfSession: 8, MaxNumberOfSessions: LIMITS.intMax }), true);
            await fails(opt({ TypeOfSession: 8, MaxNumberOfSessions: -1 }), 'InvalidDataFault');
            await fails(opt({ TypeOfSession: -1, SessionLinkOptions: 1 }), 'InvalidDataFault');
            assert.deepStrictEqual(await stored(7), { AgentActionOptions: 4, AllowDifferentTypes: 2, CloseTabOptions: 4, SessionLinkOptions: 2 });
            assert.deepStrictEqual(await stored(8), { MaxNumberOfSessions: LIMITS.intMax });
        });

        it('AgentActionOptions 2/4 and CloseTabOptions 4 need a TypeOfSession; 0 means "all types"', async function () {
            await fails(opt({ AgentActionOptions: 2 }), 'InvalidDataFault');
            await fails(opt({ AgentActionOptions: 4, TypeOfSession: 0 }), 'InvalidDataFault');
            await fails(opt({ CloseTabOptions: 4 }), 'InvalidDataFault');
            assert.strictEqual(await stored(0), undefined);
            assert.strictEqual(await opt({ AgentActionOptions: 1, CloseTabOptions: 3 }), true);
            assert.strictEqual(await opt({ AgentActionOptions: 3 }), true);
            assert.deepStrictEqual(await stored(0), { AgentActionOptions: 3, CloseTabOptions: 3 });
            assert.strictEqual(await opt({ TypeOfSession: 2, AgentActionOptions: 2, CloseTabOptions: 4 }), true);
            assert.strictEqual(await opt({ TypeOfSession: 3, AgentActionOptions: 4 }), true);
            assert.deepStrictEqual(await stored(2), { AgentActionOptions: 2, CloseTabOptions: 4 });
        });

        it('ResetAllOptions clears the type entry first, then applies the other given options', async function () {
            await opt({ TypeOfSession: 3, MaxNumberOfSessions: 4, SessionLinkOptions: 2 });
            await opt({ TypeOfSession: 4, MaxNumberOfSessions: 2 });
            assert.strictEqual(await opt({ TypeOfSession: 3, ResetAllOptions: true }), true);
            assert.strictEqual(await stored(3), undefined);
            assert.deepStrictEqual(await stored(4), { MaxNumberOfSessions: 2 }, 'other types untouched');
            await opt({ TypeOfSession: 3, MaxNumberOfSessions: 4, SessionLinkOptions: 2 });
            assert.strictEqual(await opt({ TypeOfSession: 3, ResetAllOptions: true, CloseTabOptions: 2 }), true);
            assert.deepStrictEqual(await stored(3), { CloseTabOptions: 2 });
        });

        it('a reset MaxNumberOfSessions falls back to one session per agent', async function () {
            await t.ctl('/agents/1002/logoff');
            await opt({ MaxNumberOfSessions: 2 });
            await t.addId({ ServiceGroupID: 101 });
            await t.addId({ ServiceGroupID: 101 });
            await opt({ ResetAllOptions: true });
            const c = await t.add({ ServiceGroupID: 101 });
            assert.strictEqual(c.QueuePosition, 1);
        });
    });

    describe('status events and queries', function () {
        const t = rulesContext();

        it('a status record for every state change, the same over SOAP as in the event log and /control/events', async function () {
            const done = await t.addId({ ServiceGroupID: 102 }); // Queued, AllocatedToAgent
            await t.advance(1000);
            await t.ctl(`/requests/${done}/answer`);
            await t.advance(1000);
            await t.ctl(`/requests/${done}/complete`);
            const cancelled = await t.addId({ ServiceGroupID: 106 });
            await t.call('CancelRequest', { OpenMediaID: cancelled });
            const failed = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1001, ForceToPreferredAgent: true });
            await t.ctl(`/requests/${failed}/answer`);
            const forced = await t.addId({ ServiceGroupID: 103, PreferredAgentID: 1001, ForceToPreferredAgent: true });
            await t.ctl('/agents/1001/logoff'); // forced fails; the answered one stays
            const diverted = await t.addId({ ServiceGroupID: 106 });
            await t.call('DivertRequest', { OpenMediaID: diverted, ServiceGroupID: 107 });
            const requeued = await t.addId({ ServiceGroupID: 101 }); // to 1002
            await t.ctl('/agents/1002/logoff');

            const expect = {
                [done]: ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete'],
                [cancelled]: ['Queued', 'Cancelled'],
                [failed]: ['Queued', 'AllocatedToAgent', 'AgentProcessing'],
                [forced]: ['Queued', 'Failed'],
                [diverted]: ['Queued', 'Queued'],
                [requeued]: ['Queued', 'AllocatedToAgent', 'Queued'],
            };
            for (const [id, list] of Object.entries(expect)) assert.deepStrictEqual(await t.statuses(Number(id)), list, `request ${id}`);
            const byTime = (await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests;
            const total = Object.values(expect).reduce((n, l) => n + l.length, 0);
            assert.strictEqual(byTime.length, total);
            const key = (e) => `${e.ID}|${e.Status}|${new Date(e.TimeStamp).toISOString()}|${e.AgentID}|${e.ServiceGroupID}|${e.QueuePosition}`;
            assert.deepStrictEqual(byTime.map(key), t.sim.eventLog.map(key));
            const events = await controlGet(t.sim, '/events');
            assert.deepStrictEqual(events.json.map(key), t.sim.eventLog.map(key));
            const complete = byTime.find((e) => e.ID === done && e.Status === 'Complete');
            assert.deepStrictEqual([complete.AgentID, complete.TenantID, complete.LogonID, complete.TimeStamp], [1001, 1, '4001', iso(t.T0 + 2000)]);
        });

        it('StatusByID: the latest record with the CURRENT queue position; History keeps the position at the time', async function () {
            const a = await t.add({ ServiceGroupID: 106 });
            const b = await t.add({ ServiceGroupID: 106 });
            const c = await t.add({ ServiceGroupID: 106 });
            assert.deepStrictEqual([a, b, c].map((r) => r.QueuePosition), [1, 2, 3]);
            await t.call('CancelRequest', { OpenMediaID: a.OpenMediaID });
            assert.strictEqual((await t.status(c.OpenMediaID)).QueuePosition, 2);
            const urgent = await t.add({ ServiceGroupID: 106, SessionPriority: 1 });
            assert.strictEqual(urgent.QueuePosition, 1);
            assert.strictEqual((await t.status(c.OpenMediaID)).QueuePosition, 3);
            assert.strictEqual((await t.history(c.OpenMediaID))[0].QueuePosition, 3, 'as it was when queued');
            const byTime = (await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests;
            assert.deepStrictEqual(byTime.filter((e) => e.Status === 'Queued').map((e) => [e.ID, e.QueuePosition]),
                [[a.OpenMediaID, 1], [b.OpenMediaID, 2], [c.OpenMediaID, 3], [urgent.OpenMediaID, 1]]);
            const st = await t.status(a.OpenMediaID);
            assert.deepStrictEqual([st.Status, st.QueuePosition], ['Cancelled', 0]);
        });

        it('HistoryByID and ByTime: only records strictly later than retrieveLaterThan; none later -> empty list', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.advance(1000);
            const b = await t.addId({ ServiceGroupID: 106, SessionPriority: 1 });
            await t.advance(1000);
            await t.call('DivertRequest', { OpenMediaID: a, ServiceGroupID: 102 });
            const hist = await t.history(a, new Date(t.T0 - 1));
            assert.deepStrictEqual(hist.map((e) => [e.Status, e.TimeStamp]),
                [['Queued', iso(t.T0)], ['Queued', iso(t.T0 + 2000)], ['AllocatedToAgent', iso(t.T0 + 2000)]]);
            assert.deepStrictEqual((await t.history(a, iso(t.T0))).map((e) => e.TimeStamp), [iso(t.T0 + 2000), iso(t.T0 + 2000)], 'the record AT the time is left out');
            assert.deepStrictEqual(await t.history(a, iso(t.T0 + 2000)), []);
            assert.deepStrictEqual(await t.history(b, iso(t.T0 + 1000)), [], 'known id, nothing later: empty, no fault');
            const byTime = async (since) => (await t.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: since })).OpenMediaRequests;
            assert.deepStrictEqual((await byTime(new Date(t.T0 - 1))).map((e) => [e.ID, e.Status, e.QueuePosition]),
                [[a, 'Queued', 1], [b, 'Queued', 1], [a, 'Queued', 1], [a, 'AllocatedToAgent', 0]]);
            assert.strictEqual((await byTime(iso(t.T0))).length, 3);
            assert.strictEqual((await byTime(iso(t.T0 + 999))).length, 3);
            assert.strictEqual((await byTime(iso(t.T0 + 1000))).length, 2);
            assert.strictEqual((await byTime(iso(t.T0 + 2000))).length, 0);
            const answerTime = (await t.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: iso(t.T0) })).TimeStamp;
            assert.strictEqual(answerTime, iso(t.T0 + 2000), 'the answer carries the service time');
        });

        it('raw envelopes: DateTime.MinValue (no zone) means everything; 100 ns precision keeps "strictly later"', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            const hist = (since) => soapPost(t.sim, 'GetOpenMediaRequestHistoryByID',
                wrap('GetOpenMediaRequestHistoryByID', `<openMediaID>${a}</openMediaID><retrieveLaterThan>${since}</retrieveLaterThan>`));
            const count = (res) => {
                assert.strictEqual(res.status, 200, res.body);
                return (res.body.match(/<a:OpenMediaRequest>/g) || []).length;
            };
            assert.strictEqual(count(await hist('0001-01-01T00:00:00')), 1);
            const at = iso(t.T0).replace('Z', '');
            assert.strictEqual(count(await hist(`${at}0001Z`)), 0, '100 ns after the record: not later');
            assert.strictEqual(count(await hist(`${iso(t.T0 - 1).replace('Z', '')}9999Z`)), 1, '100 ns before: later');
            assert.strictEqual(count(await hist(`${iso(t.T0 + 3_600_000).slice(0, 23)}+01:00`)), 0, 'the same instant with an offset');
            assert.strictEqual(count(await hist(`${iso(t.T0 + 3_600_000 - 1).slice(0, 23)}+01:00`)), 1);
            const byTime = await soapPost(t.sim, 'GetOpenMediaRequestsByTime', wrap('GetOpenMediaRequestsByTime', '<retrieveLaterThan>0001-01-01T00:00:00</retrieveLaterThan>'));
            assert.strictEqual(count(byTime), 1);
        });

        it('GetAllOpenMediaRequestStatus: the latest record of every cached request, in id order, current positions', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            const b = await t.addId({ ServiceGroupID: 106 });
            const c = await t.addId({ ServiceGroupID: 102 });
            await t.call('CancelRequest', { OpenMediaID: a });
            assert.deepStrictEqual((await t.all()).map((e) => [e.ID, e.Status, e.QueuePosition, e.AgentID]),
                [[a, 'Cancelled', 0, 0], [b, 'Queued', 1, 0], [c, 'AllocatedToAgent', 0, 1001]]);
        });

        it('unknown id -> InvalidOpenMediaIDFault for StatusByID and HistoryByID', async function () {
            await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: 5 }), 'InvalidOpenMediaIDFault');
            await fails(t.call('GetOpenMediaRequestHistoryByID', { openMediaID: 5, retrieveLaterThan: new Date(0) }), 'InvalidOpenMediaIDFault');
            await fails(t.call('GetOpenMediaRequestStatusByID', {}), 'InvalidOpenMediaIDFault');
        });

        it('a terminated request expires 30 minutes (default) after terminating; a live one never does', async function () {
            assert.strictEqual((await t.state()).dataExpirationMinutes, 30);
            const done = await t.addId({ ServiceGroupID: 106 });
            const live = await t.addId({ ServiceGroupID: 106 });
            await t.advance(60_000);
            await t.call('CancelRequest', { OpenMediaID: done });
            await t.advance(30 * 60_000 - 1);
            assert.strictEqual((await t.status(done)).Status, 'Cancelled');
            await t.advance(1);
            await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: done }), 'InvalidOpenMediaIDFault');
            await fails(t.call('GetOpenMediaRequestHistoryByID', { openMediaID: done }), 'InvalidOpenMediaIDFault');
            await fails(t.call('CancelRequest', { OpenMediaID: done }), 'InvalidOpenMediaIDFault');
            await fails(t.call('ModifyRequest', { OpenMediaID: done, IVRInfo: IVR }), 'InvalidOpenMediaIDFault');
            assert.strictEqual((await t.call('DivertRequest', { OpenMediaID: done, ServiceGroupID: 101 })).RequestStatus, 'InvalidID');
            assert.deepStrictEqual((await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests.map((e) => e.ID), [live]);
            assert.deepStrictEqual((await t.all()).map((e) => e.ID), [live]);
            await t.advance(24 * 3_600_000);
            assert.strictEqual((await t.status(live)).Status, 'Queued');
        });

        it('a scenario\'s dataExpirationMinutes sets the expiry (5 minutes here)', async function () {
            await t.ctl('/reset', { scenario: { ...loadBuiltinScenario('test'), dataExpirationMinutes: 5 } });
            assert.strictEqual((await t.state()).dataExpirationMinutes, 5);
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.call('CancelRequest', { OpenMediaID: a });
            await t.advance(5 * 60_000 - 1);
            assert.strictEqual((await t.status(a)).Status, 'Cancelled');
            await t.advance(1);
            await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: a }), 'InvalidOpenMediaIDFault');
        });

        it('status queries need neither licence nor router', async function () {
            const a = await t.addId({ ServiceGroupID: 106 });
            await t.ctl('/license', { present: false });
            await t.ctl('/router/disconnect');
            assert.strictEqual((await t.status(a)).Status, 'Failed');
            assert.deepStrictEqual(await t.statuses(a), ['Queued', 'Failed']);
            assert.strictEqual((await t.all()).length, 1);
            assert.strictEqual((await t.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(0) })).OpenMediaRequests.length, 2);
        });
    });

    describe('data expiration configured (2 minutes)', function () {
        const t = rulesContext({ dataExpirationMinutes: 2 });

        it('a completed request is queryable for 2 minutes, then InvalidOpenMediaIDFault; its records leave ByTime', async function () {
            assert.strictEqual((await t.state()).dataExpirationMinutes, 2);
            const a = await t.addId({ ServiceGroupID: 102 });
            await t.ctl(`/requests/${a}/answer`);
            await t.ctl(`/requests/${a}/complete`);
            await t.advance(2 * 60_000 - 1);
            assert.strictEqual((await t.status(a)).Status, 'Complete');
            assert.strictEqual((await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests.length, 4);
            await t.advance(1);
            await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: a }), 'InvalidOpenMediaIDFault');
            assert.deepStrictEqual((await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests, []);
            assert.strictEqual(t.sim.model.cachedRequestCount, 0);
        });
    });

    describe('service group queries', function () {
        const t = rulesContext();

        it('GetServiceGroupStatus: open / closed, following the control API; not an Open Media group -> InvalidDataException', async function () {
            assert.deepStrictEqual(await t.call('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: true, ServiceGroupID: 101 });
            assert.deepStrictEqual(await t.call('GetServiceGroupStatus', { serviceGroupID: 104 }), { Open: false, ServiceGroupID: 104 });
            await t.ctl('/groups/101/close');
            assert.deepStrictEqual(await t.call('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: false, ServiceGroupID: 101 });
            await fails(t.call('GetServiceGroupStatus', { serviceGroupID: 105 }), 'InvalidDataException');
            await fails(t.call('GetServiceGroupStatus', { serviceGroupID: 999 }), 'InvalidDataException');
            await fails(t.call('GetServiceGroupStatus', {}), 'InvalidDataException');
        });

        it('GetAllOpenMediaServiceGroupStatus: the tenant\'s Open Media groups by id; disabled / unknown tenant, -1 on a tenanted system -> InvalidDataException', async function () {
            const r = await t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: 1 });
            assert.deepStrictEqual(r.Status.map((g) => [g.ServiceGroupID, g.Open]), [[101, true], [102, true], [103, true], [104, false], [106, true], [107, true]]);
            await fails(t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: 2 }), 'InvalidDataException');
            await fails(t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: 9 }), 'InvalidDataException');
            await fails(t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: -1 }), 'InvalidDataException');
            await t.ctl('/tenants/2/enable');
            assert.deepStrictEqual(await t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: 2 }), { Status: [{ Open: true, ServiceGroupID: 201 }] });
        });

        it('tenant -1 on a non-tenanted system lists every Open Media group; names resolve without a tenant', async function () {
            await t.ctl('/reset', {
                scenario: {
                    tenants: [],
                    serviceGroups: [{ id: 3, name: 'Web', tenantId: -1, open: false }, { id: 1, name: 'Mail', tenantId: -1 }, { id: 2, name: 'Phone', tenantId: -1, openMedia: false }],
                    agents: [{ id: 10, logonId: 'a', tenantId: -1, groups: [1], loggedOn: true }],
                },
            });
            try {
                assert.deepStrictEqual(await t.call('GetAllOpenMediaServiceGroupStatus', { tenantID: -1 }),
                    { Status: [{ Open: true, ServiceGroupID: 1 }, { Open: false, ServiceGroupID: 3 }] });
                const id = await t.addId({ ServiceGroupName: 'mail' });
                const rec = await t.status(id);
                assert.deepStrictEqual([rec.Status, rec.ServiceGroupID, rec.AgentID, rec.TenantID, rec.LogonID], ['AllocatedToAgent', 1, 10, -1, 'a']);
                assert.strictEqual((await t.add({ TenantID: -1, ServiceGroupName: 'Mail' })).RequestStatus, 'Success');
            } finally {
                t.sim.reset('test');
            }
        });

        it('GetOMAgentsByGroup: every agent of the group, logged on or not, by record id; not Open Media -> InvalidDataException', async function () {
            assert.deepStrictEqual(await t.call('GetOMAgentsByGroup', { serviceGroupID: 101 }), { AgentList: [1001, 1002], ServiceGroupID: 101 });
            assert.deepStrictEqual(await t.call('GetOMAgentsByGroup', { serviceGroupID: 102 }), { AgentList: [1001, 1003], ServiceGroupID: 102 });
            assert.deepStrictEqual(await t.call('GetOMAgentsByGroup', { serviceGroupID: 106 }), { AgentList: [], ServiceGroupID: 106 });
            await fails(t.call('GetOMAgentsByGroup', { serviceGroupID: 999 }), 'InvalidDataException');
            await fails(t.call('GetOMAgentsByGroup', { serviceGroupID: 105 }), 'InvalidDataException');
        });
    });

    describe('licence, router and user faults', function () {
        const t = rulesContext();

        /** Valid arguments for every operation, against ids made by `prepare`. */
        const argsFor = (ids) => ({
            AddRequest: { ServiceGroupID: 106, IVRInfo: IVR },
            CancelRequest: { OpenMediaID: ids.queued },
            DivertRequest: { OpenMediaID: ids.queued, ServiceGroupID: 102 },
            ModifyRequest: { OpenMediaID: ids.queued, IVRInfo: IVR },
            SetOptions: { MaxNumberOfSessions: 2 },
            GetOpenMediaRequestStatusByID: { openMediaID: ids.queued },
            GetOpenMediaRequestHistoryByID: { openMediaID: ids.queued, retrieveLaterThan: new Date(0) },
            GetOpenMediaRequestsByTime: { retrieveLaterThan: new Date(0) },
            GetAllOpenMediaRequestStatus: {},
            GetServiceGroupStatus: { serviceGroupID: 101 },
            GetAllOpenMediaServiceGroupStatus: { tenantID: 1 },
            GetOMAgentsByGroup: { serviceGroupID: 101 },
        });

        it('NoLicenseFault on exactly the operations that declare it; the others still answer', async function () {
            const queued = await t.addId({ ServiceGroupID: 106 });
            const args = argsFor({ queued });
            await t.ctl('/license', { present: false });
            const declaring = OPERATION_NAMES.filter((op) => OPERATIONS[op].faults.includes('NoLicenseFault'));
            assert.deepStrictEqual(declaring.sort(), ['AddRequest', 'CancelRequest', 'DivertRequest', 'ModifyRequest', 'SetOptions']);
            for (const op of OPERATION_NAMES) {
                if (declaring.includes(op)) await fails(t.call(op, args[op]), 'NoLicenseFault');
                else await t.call(op, args[op]);
            }
            assert.deepStrictEqual(await t.statuses(queued), ['Queued'], 'nothing was done');
            await t.ctl('/license', { present: true });
            assert.strictEqual(await t.call('CancelRequest', args.CancelRequest), true);
        });

        it('RouterDisconnectedFault on exactly the operations that declare it; NoLicenseFault is checked first', async function () {
            const args = argsFor({ queued: await t.addId({ ServiceGroupID: 106 }) });
            await t.ctl('/router/disconnect');
            // the request Failed with the disconnect; Cancel/Divert/Modify still fault on the router before the id
            const declaring = OPERATION_NAMES.filter((op) => OPERATIONS[op].faults.includes('RouterDisconnectedFault'));
            assert.strictEqual(declaring.length, 8);
            for (const op of OPERATION_NAMES) {
                if (declaring.includes(op)) await fails(t.call(op, args[op]), 'RouterDisconnectedFault');
                else await t.call(op, args[op]);
            }
            await t.ctl('/license', { present: false });
            await fails(t.call('AddRequest', args.AddRequest), 'NoLicenseFault');
            await fails(t.call('GetOMAgentsByGroup', args.GetOMAgentsByGroup), 'RouterDisconnectedFault');
            await t.ctl('/license', { present: true });
            await t.ctl('/router/reconnect');
            assert.strictEqual((await t.add({ ServiceGroupID: 102 })).RequestStatus, 'Success');
        });

        it('auth on: InvalidUserFault on every operation without or with wrong credentials; right ones work', async function () {
            const queued = await t.addId({ ServiceGroupID: 106 });
            const args = argsFor({ queued });
            await t.ctl('/auth', { enabled: true, users: [{ logonId: 'hostadmin', password: 's3cret-Pw' }] });
            const wrong = new OpenMediaClient({ endpoint: t.sim.url, logonId: 'hostadmin', password: 'not-it', timeoutMs: 5000 });
            const unknown = new OpenMediaClient({ endpoint: t.sim.url, logonId: 'nobody', password: 's3cret-Pw', timeoutMs: 5000 });
            const right = new OpenMediaClient({ endpoint: t.sim.url, logonId: 'HostAdmin', password: 's3cret-Pw', timeoutMs: 5000 });
            try {
                for (const op of OPERATION_NAMES) {
                    await fails(t.client.call(op, args[op]), 'InvalidUserFault');
                    await fails(wrong.call(op, args[op]), 'InvalidUserFault');
                }
                await fails(unknown.call('GetAllOpenMediaRequestStatus', {}), 'InvalidUserFault');
                await assert.rejects(wrong.call('AddRequest', args.AddRequest), (err) => !/s3cret-Pw|not-it/.test(`${err.message} ${err.stack}`));
                assert.deepStrictEqual(await t.statuses(queued).catch((e) => e.code), 'InvalidUserFault');
                assert.deepStrictEqual((await t.sim.model.execute('GetAllOpenMediaRequestStatus', {})).OpenMediaRequests.length, 1, 'nothing was added');
                const added = await right.call('AddRequest', args.AddRequest);
                assert.strictEqual(added.RequestStatus, 'Success');
                assert.strictEqual((await right.call('GetAllOpenMediaRequestStatus', {})).OpenMediaRequests.length, 2);
                // raw envelope with the header
                const body = wrap('GetOMAgentsByGroup', '<serviceGroupID>101</serviceGroupID>');
                assert.strictEqual(rawFault(await soapPost(t.sim, 'GetOMAgentsByGroup', body)), 'InvalidUserFault');
                assert.strictEqual(rawFault(await soapPost(t.sim, 'GetOMAgentsByGroup', body, { header: authHeader('hostadmin', 'x') })), 'InvalidUserFault');
                const okRes = await soapPost(t.sim, 'GetOMAgentsByGroup', body, { header: authHeader('hostadmin', 's3cret-Pw') });
                assert.strictEqual(okRes.status, 200, okRes.body);
                await t.ctl('/auth', { enabled: false });
                assert.strictEqual((await t.all()).length, 2, 'auth off: no credentials needed again');
            } finally {
                await Promise.all([wrong.close(), unknown.close(), right.close()]);
            }
        });
    });

    describe('router disconnect and service restart', function () {
        const t = rulesContext();

        it('router disconnect: every incomplete request Failed (one record each, no agent) and removed; completed ones stay', async function () {
            const queued = await t.addId({ ServiceGroupID: 106 });
            const allocated = await t.addId({ ServiceGroupID: 102 });
            const answered = await t.addId({ ServiceGroupID: 101 });
            await t.ctl(`/requests/${answered}/answer`);
            await t.ctl('/agents/1004/ready');
            const done = await t.addId({ ServiceGroupID: 103 });
            await t.ctl(`/requests/${done}/answer`);
            await t.ctl(`/requests/${done}/complete`);
            await t.advance(500);
            const since = iso(t.T0 + 499);
            await t.ctl('/router/disconnect');
            const failed = (await t.call('GetOpenMediaRequestsByTime', { retrieveLaterThan: since })).OpenMediaRequests;
            assert.deepStrictEqual(failed.map((e) => [e.ID, e.Status, e.AgentID, e.LogonID, e.TimeStamp]).sort((x, y) => x[0] - y[0]),
                [queued, allocated, answered].map((id) => [id, 'Failed', 0, '', iso(t.T0 + 500)]));
            assert.strictEqual((await t.status(done)).Status, 'Complete');
            const st = await t.state();
            assert.strictEqual(st.routerConnected, false);
            assert.ok(st.groups.every((g) => g.queue.length === 0));
            assert.ok(st.agents.every((a) => a.sessions.length === 0));
            await fails(t.call('CancelRequest', { OpenMediaID: queued }), 'RouterDisconnectedFault');
            await t.ctl('/router/reconnect');
            await fails(t.call('CancelRequest', { OpenMediaID: queued }), 'OpenMediaRequestTerminatedFault');
            const again = await t.add({ ServiceGroupID: 102 });
            assert.deepStrictEqual([again.RequestStatus, again.QueuePosition], ['Success', 0], 'the freed agent takes new work');
        });

        it('service restart: history cleared, every request gone (answered ones too), options lost, ids keep increasing', async function () {
            const a = await t.addId({ ServiceGroupID: 101 });
            await t.ctl(`/requests/${a}/answer`);
            const b = await t.addId({ ServiceGroupID: 106 });
            await t.call('SetOptions', { MaxNumberOfSessions: 3 });
            await t.ctl('/restart');
            for (const id of [a, b]) await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: id }), 'InvalidOpenMediaIDFault');
            assert.deepStrictEqual(await t.all(), []);
            assert.deepStrictEqual((await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests, []);
            const st = await t.state();
            assert.deepStrictEqual(st.options, []);
            assert.ok(st.agents.every((x) => x.sessions.length === 0));
            assert.ok(st.groups.every((g) => g.queue.length === 0));
            const c = await t.add({ ServiceGroupID: 101 });
            assert.deepStrictEqual([c.OpenMediaID, c.QueuePosition], [3, 0], 'a fresh id; the agent is free again');
            const d = await t.add({ ServiceGroupID: 101 });
            const e = await t.add({ ServiceGroupID: 101 });
            assert.strictEqual(e.QueuePosition, 1, 'one session per agent again (options lost)');
            assert.strictEqual(d.QueuePosition, 0);
        });
    });

    describe('bounded cache: 5,000 requests over HTTP', function () {
        const SCENARIO = {
            name: 'bulk',
            tenants: [{ id: 1, name: 'Main' }],
            serviceGroups: [{ id: 1, name: 'Bulk', tenantId: 1 }],
            agents: [1, 2, 3, 4].map((i) => ({
                id: i, logonId: `b${i}`, tenantId: 1, groups: [1], loggedOn: true, answerAfterSeconds: 1, completeAfterSeconds: 1,
            })),
        };
        const t = rulesContext({ scenario: SCENARIO, dataExpirationMinutes: 1 });

        it('every request completes and expires: the cache, event log and received log stay bounded', async function () {
            this.timeout(60_000);
            assert.strictEqual(await t.call('SetOptions', { MaxNumberOfSessions: 1000 }), true);
            const TOTAL = 5000;
            const BATCH = 250;
            const PARALLEL = 10;
            // Raw envelopes on keep-alive sockets: a third of the client's cost per call, the same server path.
            const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
            const body = dcRequest('AddRequest', `${rawIvr([['Bulk', 'x']])}<a:ServiceGroupID>1</a:ServiceGroupID>`);
            let peak = 0;
            try {
                for (let done = 0; done < TOTAL; done += BATCH) {
                    let next = 0;
                    const worker = async () => {
                        while (next < BATCH) {
                            next += 1;
                            const res = await soapPost(t.sim, 'AddRequest', body, { agent });
                            assert.strictEqual(res.status, 200, res.body);
                            assert.match(res.body, /<a:QueuePosition>0<\/a:QueuePosition><a:RequestStatus>Success</, 'capacity for the whole batch');
                        }
                    };
                    await Promise.all(Array.from({ length: PARALLEL }, worker));
                    await t.advance(10_000); // answered at +1 s, complete at +2 s
                    peak = Math.max(peak, t.sim.model.cachedRequestCount);
                }
            } finally {
                agent.destroy();
            }
            // 1 minute of expiry at 10 s per batch keeps at most 7 batches (6 + the current one)
            assert.ok(peak >= BATCH && peak <= 7 * BATCH, `cache peaked at ${peak}`);
            assert.strictEqual((await t.group(1)).stats.completed, TOTAL);
            assert.strictEqual(t.sim.receivedCount('AddRequest'), TOTAL);
            assert.ok(t.sim.received.length <= 1000, `received log holds ${t.sim.received.length}`);
            const received = await controlGet(t.sim, '/received');
            assert.strictEqual(received.json.counts.AddRequest, TOTAL);
            assert.ok(received.json.last.length <= 1000);

            await t.advance(61_000);
            assert.strictEqual(t.sim.model.cachedRequestCount, 0);
            assert.strictEqual(t.sim.eventLog.length, 0);
            const st = await t.state();
            assert.deepStrictEqual([st.requests.length, st.eventCount], [0, 0]);
            assert.deepStrictEqual(await t.all(), []);
            assert.deepStrictEqual((await t.call('GetOpenMediaRequestsByTime', {})).OpenMediaRequests, []);
            await fails(t.call('GetOpenMediaRequestStatusByID', { openMediaID: TOTAL }), 'InvalidOpenMediaIDFault');
            assert.strictEqual(await t.addId({ ServiceGroupID: 1 }), TOTAL + 1);
        });
    });
});
