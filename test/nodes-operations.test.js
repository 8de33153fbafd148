'use strict';
// The twelve operation nodes in a real Node-RED runtime against the simulator over HTTP: happy path, every
// RequestStatus outcome, every fault each operation declares, and what goes into msg (payload, openMedia,
// openMediaId, passthrough) and into the error a Catch node sees.
const assert = require('assert');
const { helper, waitFor } = require('./support/nodered');
const { useSimulator } = require('./support/simulator');
const { loadOperation, send } = require('./support/flows');
const { OpenMediaClient } = require('../lib/client');
const { writeTypedFault } = require('../simulator/server');
const { OPERATION_NODES } = require('../lib/operations');

const IVR = [{ Label: 'Subject', Data: 'Printer on fire' }];

describe('operation nodes against the simulator', function () {
    const ctx = useSimulator();
    let client;

    beforeEach(function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        client = new OpenMediaClient({ endpoint: ctx.sim.url, timeoutMs: 5000 });
    });
    afterEach(async function () {
        await helper.unload();
        await client.close();
    });

    /** Adds a request straight through the client (not through a node); returns its id. */
    async function addDirect(ServiceGroupID = 106) {
        const r = await client.call('AddRequest', { ServiceGroupID, IVRInfo: IVR });
        assert.strictEqual(r.RequestStatus, 'Success');
        return r.OpenMediaID;
    }

    async function run(type, payload, { props = {}, server = {}, credentials, extra = {} } = {}) {
        const flow = await loadOperation(type, { url: ctx.sim.url, ...server }, props, { credentials });
        const result = await send(flow, { payload, topic: 'keep-me', ...extra });
        return { ...result, flow };
    }

    function assertError(result, code) {
        assert.strictEqual(result.output, 'error', `expected an error, got output ${result.output}: ${JSON.stringify(result.msg.payload)}`);
        assert.strictEqual(result.msg.error.code, code, result.msg.error.message);
        assert.strictEqual(result.msg.openMedia.error.code, code);
        assert.strictEqual(result.msg.error.source.id, 'op');
    }

    it('registers all twelve node types from the table', async function () {
        await loadOperation('om-all-request-status', { url: ctx.sim.url });
        const types = OPERATION_NODES.map((n) => n.type);
        assert.strictEqual(types.length, 12);
        for (const type of types) assert.ok(helper._redNodes.getType(type), `${type} is not registered`);
    });

    describe('om-add-request', function () {
        it('accepted: payload is the normalised answer, openMediaId set, request traced, msg passed through', async function () {
            const r = await run('om-add-request', { ServiceGroupID: 101, IVRInfo: IVR, PrivateData: 'T-1' }, { extra: { custom: { a: 1 } } });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload.RequestStatus, 'Success');
            assert.strictEqual(r.msg.payload.RequestStatusCode, 0);
            assert.ok(r.msg.payload.OpenMediaID >= 1);
            assert.strictEqual(r.msg.openMediaId, r.msg.payload.OpenMediaID);
            assert.deepStrictEqual(r.msg.openMedia, {
                operation: 'AddRequest',
                request: { ServiceGroupID: 101, IVRInfo: IVR, PrivateData: 'T-1' },
            });
            assert.strictEqual(r.msg.topic, 'keep-me');
            assert.deepStrictEqual(r.msg.custom, { a: 1 });
            const stored = ctx.sim.model.getRequest(r.msg.openMediaId);
            assert.deepStrictEqual(stored.IVRInfo, IVR);
            assert.strictEqual(stored.PrivateData, 'T-1');
            // an agent of group 101 was free: it went to the agent at once (no queue position)
            await waitFor(() => r.flow.op.status.args && r.flow.op.status.args.some((a) => a[0].fill === 'green'
                && a[0].shape === 'dot' && a[0].text === `#${r.msg.openMediaId} went to an agent`), 2000, 'green status');
        });

        it('queued: the status says the id, the queue position and the expected wait', async function () {
            await addDirect(106);
            const r = await run('om-add-request', { ServiceGroupID: 106, IVRInfo: IVR });
            assert.strictEqual(r.output, 0);
            const { OpenMediaID, QueuePosition, EWT } = r.msg.payload;
            assert.ok(QueuePosition >= 2 && EWT > 0, JSON.stringify(r.msg.payload));
            const text = `queued #${OpenMediaID}, position ${QueuePosition}, ~${EWT < 90 ? `${EWT} s` : `${Math.round(EWT / 60)} min`}`;
            await waitFor(() => r.flow.op.status.args.some((a) => a[0].fill === 'green' && a[0].text === text), 2000, `status ${text}`);
        });

        // The contact center's refusals, in words, yellow: never the words of a transport failure.
        const rejected = [
            ['GroupClosed', { ServiceGroupID: 104 }, 'group closed'],
            ['InvalidGroup', { ServiceGroupID: 999 }, 'group unknown'],
            ['InvalidGroup', { ServiceGroupID: 105 }, 'group unknown'],
            ['TenantDisabled', { ServiceGroupID: 201 }, 'tenant disabled'],
            ['AgentLoggedOff', { ServiceGroupID: 102, PreferredAgentID: 1003, ForceToPreferredAgent: true }, 'agent logged off'],
            ['Error', { ServiceGroupID: 101, PreferredAgentID: 1004, ForceToPreferredAgent: true }, 'refused: contact center error'],
        ];
        for (const [status, group, words] of rejected) {
            it(`not accepted (${status}, ${JSON.stringify(group)}) goes to output 2 with the reason`, async function () {
                const r = await run('om-add-request', { ...group, IVRInfo: IVR });
                assert.strictEqual(r.output, 1);
                assert.strictEqual(r.msg.payload.RequestStatus, status);
                assert.strictEqual(r.msg.openMediaId, undefined);
                assert.strictEqual(r.msg.openMedia.operation, 'AddRequest');
                await waitFor(() => r.flow.op.status.args.some((a) => a[0].fill === 'yellow' && a[0].shape === 'ring'
                    && a[0].text === words), 2000, 'yellow status');
            });
        }

        it('by tenant + name (typed into the node) rather than from the payload', async function () {
            const r = await run('om-add-request', { ServiceGroupID: 104, IVRInfo: IVR }, {
                props: { ServiceGroupID: '', ServiceGroupIDType: 'num', TenantID: '1', TenantIDType: 'num', ServiceGroupName: 'Tickets', ServiceGroupNameType: 'str' },
            });
            assert.strictEqual(r.output, 0, JSON.stringify(r.msg.payload));
            assert.deepStrictEqual(r.msg.openMedia.request, { TenantID: 1, ServiceGroupName: 'Tickets', IVRInfo: IVR });
            assert.strictEqual(ctx.sim.model.getRequest(r.msg.openMediaId).ServiceGroupID, 102);
        });

        it('emits openmedia:added on its server with the request and the correlation value', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            const added = waitFor(flow.server, 'openmedia:added', 3000);
            const r = await send(flow, { payload: { ServiceGroupID: 101, IVRInfo: IVR }, correlation: { ticket: 'T-42' } });
            const event = await added;
            assert.deepStrictEqual(event, {
                OpenMediaID: r.msg.openMediaId,
                request: { ServiceGroupID: 101, IVRInfo: IVR },
                correlation: { ticket: 'T-42' },
                node: 'op',
            });
        });

        it('a failing openmedia:added listener is a warning; later listeners and the accepted message still get through', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            flow.server.on('openmedia:added', () => {
                throw new Error('listener broke');
            });
            const later = waitFor(flow.server, 'openmedia:added', 3000);
            const r = await send(flow, { payload: { ServiceGroupID: 101, IVRInfo: IVR } });
            assert.strictEqual(r.output, 0);
            assert.strictEqual((await later).OpenMediaID, r.msg.openMediaId, 'a listener after the failing one still gets the event');
            assert.ok(flow.op.warn.args.some((a) => /listener broke/.test(String(a[0]))), 'warned');
        });

        it('emits nothing for a request that was not accepted', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
            let events = 0;
            flow.server.on('openmedia:added', () => events++);
            const r = await send(flow, { payload: { ServiceGroupID: 104, IVRInfo: IVR } });
            assert.strictEqual(r.output, 1);
            const ok = await send(flow, { payload: { ServiceGroupID: 101, IVRInfo: IVR } });
            assert.strictEqual(ok.output, 0);
            assert.strictEqual(events, 1);
        });

        it('a correlation typed into the node (str) is used; none when empty', async function () {
            const flow = await loadOperation('om-add-request', { url: ctx.sim.url }, { correlation: 'fixed', correlationType: 'str' });
            const added = waitFor(flow.server, 'openmedia:added', 3000);
            await send(flow, { payload: { ServiceGroupID: 101, IVRInfo: IVR } });
            assert.strictEqual((await added).correlation, 'fixed');
            await helper.unload();
            const flow2 = await loadOperation('om-add-request', { url: ctx.sim.url }, { correlation: '', correlationType: 'msg' });
            const added2 = waitFor(flow2.server, 'openmedia:added', 3000);
            await send(flow2, { payload: { ServiceGroupID: 101, IVRInfo: IVR }, correlation: 'ignored' });
            assert.ok(!('correlation' in (await added2)));
        });

        it('NoLicenseFault, RouterDisconnectedFault and InvalidUserFault are errors with msg.error.code', async function () {
            ctx.sim.setLicense(false);
            assertError(await run('om-add-request', { ServiceGroupID: 101, IVRInfo: IVR }), 'NoLicenseFault');
            await helper.unload();
            ctx.sim.setLicense(true);
            ctx.sim.disconnectRouter();
            assertError(await run('om-add-request', { ServiceGroupID: 101, IVRInfo: IVR }), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-add-request', { ServiceGroupID: 101, IVRInfo: IVR }), 'InvalidUserFault');
        });

        it('InvalidDataException from the server (validation cannot let one through, so it is injected)', async function () {
            ctx.sim.injectFault({ kind: 'http', operation: 'AddRequest', status: 500, contentType: 'text/xml; charset=utf-8',
                body: writeTypedFault('InvalidDataException', 'too long') });
            const r = await run('om-add-request', { ServiceGroupID: 101, IVRInfo: IVR });
            assertError(r, 'InvalidDataException');
            // a fault the contact center sent: yellow, it answered
            await waitFor(() => r.flow.op.status.args.some((a) => a[0].fill === 'yellow' && a[0].text === 'data rejected'), 2000, 'yellow status');
        });
    });

    describe('om-cancel-request', function () {
        it('cancels a queued request (true)', async function () {
            const id = await addDirect(106);
            const r = await run('om-cancel-request', { OpenMediaID: id, CancelIfAllocated: false, DoNotReport: true });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload, true);
            assert.deepStrictEqual(r.msg.openMedia, { operation: 'CancelRequest', request: { OpenMediaID: id, CancelIfAllocated: false, DoNotReport: true } });
            assert.strictEqual(ctx.sim.model.getRequest(id).Status, 'Cancelled');
        });

        it('an allocated request without CancelIfAllocated answers false (an answer, not an error)', async function () {
            const id = await addDirect(101);
            const r = await run('om-cancel-request', { OpenMediaID: id, CancelIfAllocated: false, DoNotReport: false });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload, false);
        });

        it('unknown id -> InvalidOpenMediaIDFault; terminated -> OpenMediaRequestTerminatedFault', async function () {
            assertError(await run('om-cancel-request', { OpenMediaID: 4242, CancelIfAllocated: true, DoNotReport: false }), 'InvalidOpenMediaIDFault');
            await helper.unload();
            const id = await addDirect(106);
            await client.call('CancelRequest', { OpenMediaID: id, CancelIfAllocated: true, DoNotReport: false });
            assertError(await run('om-cancel-request', { OpenMediaID: id, CancelIfAllocated: true, DoNotReport: false }), 'OpenMediaRequestTerminatedFault');
        });

        it('NoLicenseFault, RouterDisconnectedFault, InvalidUserFault', async function () {
            const id = await addDirect(106);
            const payload = { OpenMediaID: id, CancelIfAllocated: true, DoNotReport: false };
            ctx.sim.setLicense(false);
            assertError(await run('om-cancel-request', payload), 'NoLicenseFault');
            await helper.unload();
            ctx.sim.setLicense(true);
            ctx.sim.setAuth(true);
            assertError(await run('om-cancel-request', payload), 'InvalidUserFault');
            await helper.unload();
            ctx.sim.setAuth(false);
            ctx.sim.disconnectRouter();
            assertError(await run('om-cancel-request', payload), 'RouterDisconnectedFault');
        });
    });

    describe('om-divert-request', function () {
        it('accepted: diverted to another group', async function () {
            const id = await addDirect(106);
            const r = await run('om-divert-request', { OpenMediaID: id, ServiceGroupID: 102 });
            assert.strictEqual(r.output, 0);
            assert.deepStrictEqual(r.msg.payload, { OpenMediaID: id, RequestStatus: 'Success', RequestStatusCode: 0 });
            assert.strictEqual(ctx.sim.model.getRequest(id).ServiceGroupID, 102);
        });

        for (const [status, target] of [['GroupClosed', { ServiceGroupID: 104 }], ['InvalidGroup', { ServiceGroupID: 999 }],
            ['TenantDisabled', { ServiceGroupID: 201 }], ['InvalidGroup', { TenantID: 1, ServiceGroupName: 'Nowhere' }]]) {
            it(`not accepted: ${status} (${JSON.stringify(target)})`, async function () {
                const id = await addDirect(106);
                const r = await run('om-divert-request', { OpenMediaID: id, ...target });
                assert.strictEqual(r.output, 1);
                assert.strictEqual(r.msg.payload.RequestStatus, status);
            });
        }

        it('not accepted: InvalidID for an unknown request', async function () {
            const r = await run('om-divert-request', { OpenMediaID: 777, ServiceGroupID: 102 });
            assert.strictEqual(r.output, 1);
            assert.strictEqual(r.msg.payload.RequestStatus, 'InvalidID');
            assert.strictEqual(r.msg.payload.RequestStatusCode, 5);
        });

        it('NoLicenseFault, RouterDisconnectedFault, InvalidUserFault, InvalidDataException (injected)', async function () {
            const payload = { OpenMediaID: 1, ServiceGroupID: 102 };
            ctx.sim.setLicense(false);
            assertError(await run('om-divert-request', payload), 'NoLicenseFault');
            await helper.unload();
            ctx.sim.setLicense(true);
            ctx.sim.disconnectRouter();
            assertError(await run('om-divert-request', payload), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-divert-request', payload), 'InvalidUserFault');
            await helper.unload();
            ctx.sim.setAuth(false);
            ctx.sim.injectFault({ kind: 'http', operation: 'DivertRequest', status: 500, contentType: 'text/xml; charset=utf-8',
                body: writeTypedFault('InvalidDataException', 'no group') });
            assertError(await run('om-divert-request', payload), 'InvalidDataException');
        });
    });

    describe('om-modify-request', function () {
        it('modifies a queued request: labels replaced or appended, PrivateData replaced', async function () {
            const id = await addDirect(106);
            const r = await run('om-modify-request', { OpenMediaID: id, IVRInfo: { Subject: 'Updated', Ticket: 'T-9' }, PrivateData: 'new' });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload, true);
            const stored = ctx.sim.model.getRequest(id);
            assert.deepStrictEqual(stored.IVRInfo, [{ Label: 'Subject', Data: 'Updated' }, { Label: 'Ticket', Data: 'T-9' }]);
            assert.strictEqual(stored.PrivateData, 'new');
        });

        it('a request no longer queued answers false', async function () {
            const id = await addDirect(101);
            const r = await run('om-modify-request', { OpenMediaID: id, IVRInfo: IVR });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload, false);
        });

        it('InvalidOpenMediaIDFault, NoLicenseFault, RouterDisconnectedFault, InvalidUserFault', async function () {
            assertError(await run('om-modify-request', { OpenMediaID: 555, IVRInfo: IVR }), 'InvalidOpenMediaIDFault');
            await helper.unload();
            ctx.sim.setLicense(false);
            assertError(await run('om-modify-request', { OpenMediaID: 555, IVRInfo: IVR }), 'NoLicenseFault');
            await helper.unload();
            ctx.sim.setLicense(true);
            ctx.sim.disconnectRouter();
            assertError(await run('om-modify-request', { OpenMediaID: 555, IVRInfo: IVR }), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-modify-request', { OpenMediaID: 555, IVRInfo: IVR }), 'InvalidUserFault');
        });
    });

    describe('om-set-options', function () {
        it('sets options for a type of session', async function () {
            const r = await run('om-set-options', { TypeOfSession: 2, MaxNumberOfSessions: '3', AgentActionOptions: 4, AllowDifferentTypes: 1 });
            assert.strictEqual(r.output, 0);
            assert.strictEqual(r.msg.payload, true);
            const o = ctx.sim.model.setOptionsFor(2);
            assert.strictEqual(o.MaxNumberOfSessions, 3);
            assert.strictEqual(o.AgentActionOptions, 4);
            assert.strictEqual(o.AllowDifferentTypes, 1);
        });

        it('ResetAllOptions alone is something to set', async function () {
            await client.call('SetOptions', { TypeOfSession: 2, MaxNumberOfSessions: 3 });
            const r = await run('om-set-options', { TypeOfSession: 2, ResetAllOptions: true });
            assert.strictEqual(r.msg.payload, true);
            const o = ctx.sim.model.setOptionsFor(2);
            assert.ok(!o || !o.MaxNumberOfSessions, JSON.stringify(o));
        });

        it('NoLicenseFault, RouterDisconnectedFault, InvalidUserFault, InvalidDataFault and InvalidDataException (injected)', async function () {
            const payload = { MaxNumberOfSessions: 2 };
            ctx.sim.setLicense(false);
            assertError(await run('om-set-options', payload), 'NoLicenseFault');
            await helper.unload();
            ctx.sim.setLicense(true);
            ctx.sim.disconnectRouter();
            assertError(await run('om-set-options', payload), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-set-options', payload), 'InvalidUserFault');
            await helper.unload();
            ctx.sim.setAuth(false);
            for (const fault of ['InvalidDataFault', 'InvalidDataException']) {
                ctx.sim.injectFault({ kind: 'http', operation: 'SetOptions', status: 500, contentType: 'text/xml; charset=utf-8',
                    body: writeTypedFault(fault, 'out of range') });
                assertError(await run('om-set-options', payload), fault);
                await helper.unload();
            }
        });
    });

    describe('the queries', function () {
        it('om-request-status: the latest record of a request', async function () {
            const id = await addDirect(101);
            const r = await run('om-request-status', { OpenMediaID: id });
            assert.strictEqual(r.output, 0);
            assert.deepStrictEqual(r.msg.openMedia, { operation: 'GetOpenMediaRequestStatusByID', request: { openMediaID: id } });
            const rec = r.msg.payload.OpenMediaRequests;
            assert.strictEqual(rec.length, 1);
            assert.strictEqual(rec[0].ID, id);
            assert.strictEqual(rec[0].Status, 'AllocatedToAgent');
            assert.strictEqual(rec[0].StatusCode, 2);
            assert.strictEqual(typeof r.msg.payload.TimeStamp, 'string');
        });

        it('om-request-history: every event of a request, and only those later than a given time', async function () {
            const id = await addDirect(101);
            const r = await run('om-request-history', { OpenMediaID: id });
            const events = r.msg.payload.OpenMediaRequests;
            assert.deepStrictEqual(events.map((x) => x.Status), ['Queued', 'AllocatedToAgent']);
            await helper.unload();
            const last = events.map((x) => x.TimeStamp).sort().pop();
            ctx.sim.advance(1000);
            ctx.sim.answer(id);
            const later = await run('om-request-history', { OpenMediaID: id, RetrieveLaterThan: last });
            assert.strictEqual(later.msg.openMedia.request.retrieveLaterThan, new Date(last).toISOString());
            assert.deepStrictEqual(later.msg.payload.OpenMediaRequests.map((x) => x.Status), ['AgentProcessing']);
        });

        it('om-request-status / om-request-history: InvalidOpenMediaIDFault and InvalidUserFault', async function () {
            for (const type of ['om-request-status', 'om-request-history']) {
                assertError(await run(type, { OpenMediaID: 31337 }), 'InvalidOpenMediaIDFault');
                await helper.unload();
                ctx.sim.setAuth(true);
                assertError(await run(type, { OpenMediaID: 31337 }), 'InvalidUserFault');
                await helper.unload();
                ctx.sim.setAuth(false);
            }
        });

        it('om-requests-by-time and om-all-request-status', async function () {
            const a = await addDirect(101);
            const b = await addDirect(106);
            const byTime = await run('om-requests-by-time', {});
            assert.deepStrictEqual(byTime.msg.openMedia.request, { retrieveLaterThan: '2000-01-01T00:00:00.000Z' });
            assert.ok(byTime.msg.payload.OpenMediaRequests.length >= 3);
            await helper.unload();
            const all = await run('om-all-request-status', {});
            assert.deepStrictEqual(all.msg.payload.OpenMediaRequests.map((x) => x.ID), [a, b]);
            await helper.unload();
            ctx.sim.setAuth(true);
            assertError(await run('om-requests-by-time', {}), 'InvalidUserFault');
            await helper.unload();
            assertError(await run('om-all-request-status', {}), 'InvalidUserFault');
        });

        it('om-service-group-status: open / closed; InvalidDataException, RouterDisconnectedFault, InvalidUserFault', async function () {
            const open = await run('om-service-group-status', { ServiceGroupID: 101 });
            assert.deepStrictEqual(open.msg.payload, { Open: true, ServiceGroupID: 101 });
            await helper.unload();
            const closed = await run('om-service-group-status', { ServiceGroupID: 104 });
            assert.deepStrictEqual(closed.msg.payload, { Open: false, ServiceGroupID: 104 });
            await helper.unload();
            assertError(await run('om-service-group-status', { ServiceGroupID: 999 }), 'InvalidDataException');
            await helper.unload();
            ctx.sim.disconnectRouter();
            assertError(await run('om-service-group-status', { ServiceGroupID: 101 }), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-service-group-status', { ServiceGroupID: 101 }), 'InvalidUserFault');
        });

        it('om-all-service-group-status: a tenant\'s groups; InvalidDataException, RouterDisconnectedFault, InvalidUserFault', async function () {
            const r = await run('om-all-service-group-status', { TenantID: 1 });
            const ids = r.msg.payload.Status.map((s) => s.ServiceGroupID);
            assert.ok(ids.includes(101) && ids.includes(104) && !ids.includes(201), JSON.stringify(ids));
            assert.strictEqual(r.msg.payload.Status.find((s) => s.ServiceGroupID === 104).Open, false);
            await helper.unload();
            assertError(await run('om-all-service-group-status', { TenantID: 2 }), 'InvalidDataException');
            await helper.unload();
            ctx.sim.disconnectRouter();
            assertError(await run('om-all-service-group-status', { TenantID: 1 }), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-all-service-group-status', { TenantID: 1 }), 'InvalidUserFault');
        });

        it('om-agents-by-group: the group\'s agents; InvalidDataException, RouterDisconnectedFault, InvalidUserFault', async function () {
            const r = await run('om-agents-by-group', { ServiceGroupID: 101 });
            assert.deepStrictEqual(r.msg.payload, { AgentList: [1001, 1002], ServiceGroupID: 101 });
            assert.deepStrictEqual(r.msg.openMedia, { operation: 'GetOMAgentsByGroup', request: { serviceGroupID: 101 } });
            await helper.unload();
            assertError(await run('om-agents-by-group', { ServiceGroupID: 999 }), 'InvalidDataException');
            await helper.unload();
            ctx.sim.disconnectRouter();
            assertError(await run('om-agents-by-group', { ServiceGroupID: 101 }), 'RouterDisconnectedFault');
            await helper.unload();
            ctx.sim.reconnectRouter();
            ctx.sim.setAuth(true);
            assertError(await run('om-agents-by-group', { ServiceGroupID: 101 }), 'InvalidUserFault');
        });
    });
});
