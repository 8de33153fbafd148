'use strict';
/*
 * The simulator's wire against the reference a real server publishes (shared/reference/wsdl):
 *  - every kind of response and fault it writes validates against the reference XSDs (element order included);
 *  - a soap client built from the REFERENCE WSDL (pointed at the simulator) is understood by it.
 * Skipped (with the reason) when the reference or xmllint is missing.
 */
const assert = require('assert');
const ref = require('./support/reference');
const { useSimulator, soapPost, authHeader } = require('./support/simulator');

const DC = 'http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.DataContracts';
const SCENARIO = {
    name: 'reference tests',
    tenants: [{ id: 1, name: 'Acme' }],
    serviceGroups: [{ id: 101, name: 'Email', tenantId: 1 }, { id: 102, name: 'Chat', tenantId: 1 }],
    agents: [
        { id: 1001, logonId: '4001', tenantId: 1, groups: [101, 102], loggedOn: true },
        { id: 1002, logonId: '4002', tenantId: 1, groups: [101] },
    ],
    auth: { enabled: false, users: [{ logonId: 'admin', password: 'pw-Secret-42' }] },
};
const wrap = (op, inner = '') => `<${op} xmlns="http://tempuri.org/">${inner}</${op}>`;
const req = (inner) => `<request xmlns:a="${DC}">${inner}</request>`;
const IVR = '<a:IVRInfo><a:IVRInformation><a:Data>d</a:Data><a:Label>l</a:Label></a:IVRInformation></a:IVRInfo>';

describe('simulator wire vs the reference XSDs', function () {
    this.timeout(30000);
    const ctx = useSimulator({ scenario: SCENARIO });
    before(function () { ref.requireXmllint(this); });
    beforeEach(() => ctx.sim.reset());

    async function valid(op, body, { status = 200, header, extraFaults = false } = {}) {
        const res = await soapPost(ctx.sim, op, body, { header });
        assert.strictEqual(res.status, status, res.body);
        ref.assertValidAgainstReference(res.body, `${op} answer`, { extraFaults });
        return res;
    }

    it('every operation\'s response validates', async function () {
        await valid('AddRequest', wrap('AddRequest', req(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)));
        ctx.sim.logoff(1001);
        await valid('AddRequest', wrap('AddRequest', req(`${IVR}<a:ServiceGroupID>101</a:ServiceGroupID>`)));
        await valid('GetAllOpenMediaRequestStatus', wrap('GetAllOpenMediaRequestStatus'));
        await valid('GetOpenMediaRequestStatusByID', wrap('GetOpenMediaRequestStatusByID', '<openMediaID>2</openMediaID>'));
        await valid('GetOpenMediaRequestHistoryByID', wrap('GetOpenMediaRequestHistoryByID', '<openMediaID>1</openMediaID><retrieveLaterThan>2000-01-01T00:00:00Z</retrieveLaterThan>'));
        await valid('GetOpenMediaRequestsByTime', wrap('GetOpenMediaRequestsByTime', '<retrieveLaterThan>2000-01-01T00:00:00Z</retrieveLaterThan>'));
        await valid('GetServiceGroupStatus', wrap('GetServiceGroupStatus', '<serviceGroupID>101</serviceGroupID>'));
        await valid('GetAllOpenMediaServiceGroupStatus', wrap('GetAllOpenMediaServiceGroupStatus', '<tenantID>1</tenantID>'));
        await valid('GetOMAgentsByGroup', wrap('GetOMAgentsByGroup', '<serviceGroupID>101</serviceGroupID>'));
        await valid('ModifyRequest', wrap('ModifyRequest', req(`${IVR}<a:OpenMediaID>2</a:OpenMediaID>`)));
        await valid('DivertRequest', wrap('DivertRequest', req('<a:OpenMediaID>2</a:OpenMediaID><a:ServiceGroupID>102</a:ServiceGroupID>')));
        await valid('CancelRequest', wrap('CancelRequest', req('<a:CancelIfAllocated>true</a:CancelIfAllocated><a:OpenMediaID>2</a:OpenMediaID>')));
        await valid('SetOptions', wrap('SetOptions', req('<a:AgentActionOptions>1</a:AgentActionOptions><a:TypeOfSession>1</a:TypeOfSession>')));
    });

    it('every typed fault validates (declared ones strictly, the two document-only ones with extraFaults)', async function () {
        await valid('GetOpenMediaRequestStatusByID', wrap('GetOpenMediaRequestStatusByID', '<openMediaID>77</openMediaID>'), { status: 500 });
        await valid('AddRequest', wrap('AddRequest', req(`${IVR}<a:ServiceGroupName>${'n'.repeat(25)}</a:ServiceGroupName>`)), { status: 500 });
        ctx.sim.setLicense(false);
        await valid('AddRequest', wrap('AddRequest', req(IVR)), { status: 500 });
        ctx.sim.setLicense(true);
        ctx.sim.disconnectRouter();
        await valid('AddRequest', wrap('AddRequest', req(IVR)), { status: 500 });
        ctx.sim.reconnectRouter();
        ctx.sim.setAuth(true);
        await valid('GetAllOpenMediaRequestStatus', wrap('GetAllOpenMediaRequestStatus'), { status: 500, header: authHeader('x', 'y') });
        ctx.sim.setAuth(false);
        await valid('SetOptions', wrap('SetOptions', req('<a:AgentActionOptions>9</a:AgentActionOptions>')), { status: 500, extraFaults: true });
    });

    it('a soap client built from the reference WSDL is understood (members in order, IVRInfo, dates)', async function () {
        ref.requireReference(this);
        const soap = require('soap');
        const client = await soap.createClientAsync(ref.REFERENCE_WSDL, { endpoint: ctx.sim.url });
        const [added] = await client.AddRequestAsync({ request: {
            IVRInfo: { IVRInformation: [{ Data: 'ticket 9', Label: 'Ticket' }] },
            PrivateData: 'pd',
            QueueStartTime: new Date(Date.now() - 60000).toISOString(),
            ServiceGroupID: 101,
            SessionPriority: 3,
            TenantID: 1,
            TypeOfSession: 1,
        } });
        assert.strictEqual(added.AddRequestResult.RequestStatus, 'Success');
        const detail = ctx.sim.model.getRequest(added.AddRequestResult.OpenMediaID);
        assert.deepStrictEqual(detail.IVRInfo, [{ Label: 'Ticket', Data: 'ticket 9' }]);
        assert.strictEqual(detail.PrivateData, 'pd');
        assert.strictEqual(detail.ServiceGroupID, 101);
        ref.assertValidAgainstReference(ctx.sim.lastRequestXml, 'reference client request');
        const [groups] = await client.GetAllOpenMediaServiceGroupStatusAsync({ tenantID: 1 });
        assert.strictEqual(groups.GetAllOpenMediaServiceGroupStatusResult.Status.ServiceGroupStatus.length, 2);
    });
});
