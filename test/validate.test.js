'use strict';
// Input coercion (lib/coerce.js) and the documented rules checked before the wire (lib/validate.js), without a
// runtime: every rule at its limit (accepted) and one past it (INVALID_INPUT naming field, rule and value).
const assert = require('assert');
const { prepareRequest, validateRequest, requestForMessage, paramsOf } = require('../lib/validate');
const { coerceInt, coerceBoolean, coerceDate, coerceIvrInfo, coerceString } = require('../lib/coerce');
const { OpenMediaError } = require('../lib/errors');
const { OPERATION_NAMES } = require('../lib/contract');
const { EARLIEST_RETRIEVE_LATER_THAN } = require('../lib/operations');

const IVR = [{ Label: 'Subject', Data: 'Hello' }];
const NOW = Date.parse('2026-06-01T12:00:00Z');

function invalid(fn, expect) {
    let caught;
    try {
        fn();
    } catch (err) {
        caught = err;
    }
    assert.ok(caught, 'expected an INVALID_INPUT error');
    assert.ok(caught instanceof OpenMediaError, `not an OpenMediaError: ${caught && caught.stack}`);
    assert.strictEqual(caught.code, 'INVALID_INPUT');
    for (const [k, v] of Object.entries(expect)) {
        if (k === 'message') assert.match(caught.message, v);
        else assert.deepStrictEqual(caught[k], v, `${k}: ${caught.message}`);
    }
    return caught;
}

const add = (extra) => prepareRequest('AddRequest', { ServiceGroupID: 101, IVRInfo: IVR, ...extra }, { now: NOW });

describe('coercion', function () {
    it('int: numbers and numeric strings within xs:int; anything else is INVALID_INPUT', function () {
        assert.strictEqual(coerceInt('X', 5), 5);
        assert.strictEqual(coerceInt('X', ' 42 '), 42);
        assert.strictEqual(coerceInt('X', '-7'), -7);
        assert.strictEqual(coerceInt('X', '3.0'), 3);
        assert.strictEqual(coerceInt('X', 2147483647), 2147483647);
        assert.strictEqual(coerceInt('X', -2147483648), -2147483648);
        assert.strictEqual(coerceInt('X', undefined), undefined);
        assert.strictEqual(coerceInt('X', null), undefined);
        assert.strictEqual(coerceInt('X', ''), undefined);
        invalid(() => coerceInt('X', 2147483648), { field: 'X', rule: 'int-range', value: 2147483648 });
        invalid(() => coerceInt('X', -2147483649), { field: 'X', rule: 'int-range' });
        invalid(() => coerceInt('X', 1.5), { field: 'X', rule: 'int' });
        invalid(() => coerceInt('X', 'abc'), { field: 'X', rule: 'int', value: 'abc' });
        invalid(() => coerceInt('X', '12abc'), { rule: 'int' });
        invalid(() => coerceInt('X', true), { rule: 'int' });
        invalid(() => coerceInt('X', NaN), { rule: 'int' });
        invalid(() => coerceInt('X', {}), { rule: 'int' });
    });

    it('boolean: true/false, 1/0, "true"/"false"', function () {
        for (const v of [true, 1, 'true', 'TRUE', '1']) assert.strictEqual(coerceBoolean('B', v), true, String(v));
        for (const v of [false, 0, 'false', 'False', '0']) assert.strictEqual(coerceBoolean('B', v), false, String(v));
        assert.strictEqual(coerceBoolean('B', undefined), undefined);
        invalid(() => coerceBoolean('B', 'yes'), { field: 'B', rule: 'boolean', value: 'yes' });
        invalid(() => coerceBoolean('B', 2), { rule: 'boolean' });
    });

    it('datetime: Date, ISO with Z or offset, epoch ms (number or digits) -> Date', function () {
        const d = new Date('2026-01-02T03:04:05.678Z');
        assert.strictEqual(coerceDate('T', d).toISOString(), d.toISOString());
        assert.notStrictEqual(coerceDate('T', d), d, 'a copy, not the caller\'s Date');
        assert.strictEqual(coerceDate('T', '2026-01-02T03:04:05.678Z').toISOString(), d.toISOString());
        assert.strictEqual(coerceDate('T', '2026-01-02T05:04:05.678+02:00').toISOString(), d.toISOString());
        assert.strictEqual(coerceDate('T', d.getTime()).toISOString(), d.toISOString());
        assert.strictEqual(coerceDate('T', String(d.getTime())).toISOString(), d.toISOString());
        invalid(() => coerceDate('T', '2026-01-02T03:04:05'), { field: 'T', rule: 'datetime' });
        invalid(() => coerceDate('T', 'yesterday'), { rule: 'datetime' });
        invalid(() => coerceDate('T', new Date('x')), { rule: 'datetime' });
        invalid(() => coerceDate('T', true), { rule: 'datetime' });
    });

    it('ivrinfo: [{Label, Data}], [{label, data}], {label: data}, JSON text', function () {
        assert.deepStrictEqual(coerceIvrInfo('I', [{ Label: 'a', Data: 'b' }]), [{ Label: 'a', Data: 'b' }]);
        assert.deepStrictEqual(coerceIvrInfo('I', [{ label: 'a', data: 'b' }]), [{ Label: 'a', Data: 'b' }]);
        assert.deepStrictEqual(coerceIvrInfo('I', [{ Label: 'only' }]), [{ Label: 'only' }]);
        assert.deepStrictEqual(coerceIvrInfo('I', { Subject: 'Hi', Ticket: 42 }),
            [{ Label: 'Subject', Data: 'Hi' }, { Label: 'Ticket', Data: '42' }]);
        assert.deepStrictEqual(coerceIvrInfo('I', '{"a":"b"}'), [{ Label: 'a', Data: 'b' }]);
        invalid(() => coerceIvrInfo('I', 'not json'), { field: 'I', rule: 'ivrinfo' });
        invalid(() => coerceIvrInfo('I', [5]), { field: 'I[0]', rule: 'ivrinfo' });
        invalid(() => coerceIvrInfo('I', [{ Label: { x: 1 } }]), { field: 'I.Label', rule: 'string' });
        invalid(() => coerceIvrInfo('I', 7), { rule: 'ivrinfo' });
    });

    it('string: text, numbers and booleans as text; objects are refused', function () {
        assert.strictEqual(coerceString('S', 'a'), 'a');
        assert.strictEqual(coerceString('S', ''), '');
        assert.strictEqual(coerceString('S', 12), '12');
        invalid(() => coerceString('S', { a: 1 }), { field: 'S', rule: 'string' });
    });
});

describe('validation rules', function () {
    it('every operation of the contract has its parameters in the table', function () {
        for (const op of OPERATION_NAMES) assert.ok(Array.isArray(paramsOf(op)), op);
    });

    it('AddRequest: group by id, or tenant + name; a missing half is named', function () {
        assert.strictEqual(add().ServiceGroupID, 101);
        const byName = prepareRequest('AddRequest', { TenantID: '1', ServiceGroupName: 'Email', IVRInfo: IVR }, { now: NOW });
        assert.deepStrictEqual([byName.TenantID, byName.ServiceGroupName], [1, 'Email']);
        invalid(() => prepareRequest('AddRequest', { IVRInfo: IVR }), { field: 'ServiceGroupID', rule: 'group-required' });
        invalid(() => prepareRequest('AddRequest', { ServiceGroupName: 'Email', IVRInfo: IVR }), { field: 'TenantID', rule: 'group-required' });
        invalid(() => prepareRequest('AddRequest', { TenantID: 1, IVRInfo: IVR }), { field: 'ServiceGroupName', rule: 'group-required' });
        invalid(() => prepareRequest('AddRequest', { ServiceGroupID: 0, IVRInfo: IVR }), { rule: 'group-required' });
    });

    it('ServiceGroupName: 20 characters pass, 21 fail with the length and the value in the message', function () {
        add({ ServiceGroupName: 'x'.repeat(20) });
        const err = invalid(() => prepareRequest('AddRequest', { TenantID: 1, ServiceGroupName: 'Customer Service EMEA', IVRInfo: IVR }),
            { field: 'ServiceGroupName', rule: 'max-length', value: 'Customer Service EMEA', length: 21 });
        assert.match(err.message, /ServiceGroupName is 21 characters; the limit is 20 \("Customer Service EMEA"\)/);
        invalid(() => prepareRequest('DivertRequest', { OpenMediaID: 1, TenantID: 1, ServiceGroupName: 'y'.repeat(21) }),
            { field: 'ServiceGroupName', rule: 'max-length', length: 21 });
    });

    it('IVRInfo: required with 1..3 items, each with a Label or Data of at most 100 characters', function () {
        add({ IVRInfo: [{ Label: 'a'.repeat(100), Data: 'b'.repeat(100) }, { Label: 'c' }, { Data: 'd' }] });
        invalid(() => prepareRequest('AddRequest', { ServiceGroupID: 101 }), { field: 'IVRInfo', rule: 'required' });
        invalid(() => add({ IVRInfo: [] }), { field: 'IVRInfo', rule: 'min-items' });
        invalid(() => add({ IVRInfo: [{ Label: 'a' }, { Label: 'b' }, { Label: 'c' }, { Label: 'd' }] }),
            { field: 'IVRInfo', rule: 'max-items', length: 4 });
        invalid(() => add({ IVRInfo: [{ Label: '', Data: '' }] }), { field: 'IVRInfo[0]', rule: 'ivr-empty' });
        invalid(() => add({ IVRInfo: [{ Label: 'a'.repeat(101) }] }), { field: 'IVRInfo[0].Label', rule: 'max-length', length: 101 });
        invalid(() => add({ IVRInfo: [{ Label: 'x' }, { Data: 'b'.repeat(101) }] }), { field: 'IVRInfo[1].Data', rule: 'max-length' });
        invalid(() => prepareRequest('ModifyRequest', { OpenMediaID: 1 }), { field: 'IVRInfo', rule: 'required' });
        prepareRequest('ModifyRequest', { OpenMediaID: 1, IVRInfo: { a: 'b' } });
    });

    it('PrivateData: 255 characters pass, 256 fail', function () {
        add({ PrivateData: 'p'.repeat(255) });
        invalid(() => add({ PrivateData: 'p'.repeat(256) }), { field: 'PrivateData', rule: 'max-length', length: 256 });
        invalid(() => prepareRequest('ModifyRequest', { OpenMediaID: 1, IVRInfo: IVR, PrivateData: 'p'.repeat(256) }),
            { field: 'PrivateData', rule: 'max-length' });
    });

    it('SessionPriority 1..100, TypeOfSession >= 1, PreferredAgentID >= 1', function () {
        add({ SessionPriority: 1 });
        add({ SessionPriority: '100' });
        invalid(() => add({ SessionPriority: 0 }), { field: 'SessionPriority', rule: 'min', value: 0 });
        invalid(() => add({ SessionPriority: 101 }), { field: 'SessionPriority', rule: 'max', value: 101 });
        add({ TypeOfSession: 1 });
        invalid(() => add({ TypeOfSession: 0 }), { field: 'TypeOfSession', rule: 'min' });
        add({ PreferredAgentID: 1 });
        const e = invalid(() => add({ PreferredAgentID: 0 }), { field: 'PreferredAgentID', rule: 'min', value: 0 });
        assert.strictEqual(e.message, 'PreferredAgentID is 0; it must be at least 1 - add request');
        const p = invalid(() => add({ SessionPriority: 101 }), { field: 'SessionPriority', rule: 'max' });
        assert.strictEqual(p.message, 'SessionPriority is 101; it must be 1 to 100 - add request');
    });

    it('QueueStartTime must lie in the past', function () {
        add({ QueueStartTime: new Date(NOW - 1) });
        invalid(() => add({ QueueStartTime: new Date(NOW) }), { field: 'QueueStartTime', rule: 'not-in-past' });
        invalid(() => add({ QueueStartTime: NOW + 60000 }), { field: 'QueueStartTime', rule: 'not-in-past' });
    });

    it('ForceToPreferredAgent needs a preferred agent (id or logon id)', function () {
        add({ ForceToPreferredAgent: true, PreferredAgentID: 1001 });
        add({ ForceToPreferredAgent: 'true', PreferredAgentLogonID: '4001' });
        add({ ForceToPreferredAgent: false });
        invalid(() => add({ ForceToPreferredAgent: 1 }), { field: 'ForceToPreferredAgent', rule: 'needs-preferred-agent' });
    });

    it('CancelRequest: OpenMediaID, CancelIfAllocated and DoNotReport are required', function () {
        const ok = prepareRequest('CancelRequest', { OpenMediaID: '7', CancelIfAllocated: 'false', DoNotReport: 0 });
        assert.deepStrictEqual(ok, { OpenMediaID: 7, CancelIfAllocated: false, DoNotReport: false });
        invalid(() => prepareRequest('CancelRequest', { CancelIfAllocated: true, DoNotReport: true }), { field: 'OpenMediaID', rule: 'required' });
        invalid(() => prepareRequest('CancelRequest', { OpenMediaID: 1, DoNotReport: true }), { field: 'CancelIfAllocated', rule: 'required' });
        invalid(() => prepareRequest('CancelRequest', { OpenMediaID: 1, CancelIfAllocated: true }), { field: 'DoNotReport', rule: 'required' });
    });

    it('DivertRequest: OpenMediaID and a group are required', function () {
        prepareRequest('DivertRequest', { OpenMediaID: 1, ServiceGroupID: 102 });
        invalid(() => prepareRequest('DivertRequest', { OpenMediaID: 1 }), { rule: 'group-required' });
        invalid(() => prepareRequest('DivertRequest', { ServiceGroupID: 102 }), { field: 'OpenMediaID', rule: 'required' });
    });

    it('SetOptions: ranges, the options that need a TypeOfSession, and nothing to set', function () {
        const so = (args) => prepareRequest('SetOptions', args);
        for (const [f, min, max] of [['AgentActionOptions', 1, 4], ['CloseTabOptions', 1, 4], ['AllowDifferentTypes', 1, 2], ['SessionLinkOptions', 1, 2]]) {
            so({ TypeOfSession: 1, [f]: min });
            so({ TypeOfSession: 1, [f]: max });
            invalid(() => so({ TypeOfSession: 1, [f]: min - 1 }), { field: f, rule: 'min' });
            invalid(() => so({ TypeOfSession: 1, [f]: max + 1 }), { field: f, rule: 'max' });
        }
        so({ MaxNumberOfSessions: 1 });
        invalid(() => so({ MaxNumberOfSessions: 0 }), { field: 'MaxNumberOfSessions', rule: 'min' });
        so({ TypeOfSession: 0, MaxNumberOfSessions: 2 });
        invalid(() => so({ TypeOfSession: -1, MaxNumberOfSessions: 2 }), { field: 'TypeOfSession', rule: 'min' });
        for (const v of [2, 4]) {
            invalid(() => so({ AgentActionOptions: v }), { field: 'AgentActionOptions', rule: 'needs-type-of-session', value: v });
            invalid(() => so({ TypeOfSession: 0, AgentActionOptions: v }), { rule: 'needs-type-of-session' });
            so({ TypeOfSession: 3, AgentActionOptions: v });
        }
        so({ AgentActionOptions: 1 });
        so({ AgentActionOptions: 3 });
        invalid(() => so({ CloseTabOptions: 4 }), { field: 'CloseTabOptions', rule: 'needs-type-of-session' });
        so({ CloseTabOptions: 3 });
        invalid(() => so({}), { rule: 'nothing-to-set' });
        invalid(() => so({ TypeOfSession: 2 }), { rule: 'nothing-to-set' });
        invalid(() => so({ TypeOfSession: 2, ResetAllOptions: false }), { rule: 'nothing-to-set' });
        so({ TypeOfSession: 2, ResetAllOptions: true });
    });

    it('queries: ids required, tenantID -1 allowed and below refused', function () {
        for (const op of ['GetOpenMediaRequestStatusByID', 'GetOpenMediaRequestHistoryByID']) {
            invalid(() => prepareRequest(op, {}), { field: 'openMediaID', rule: 'required' });
            prepareRequest(op, { openMediaID: '3' });
        }
        for (const op of ['GetServiceGroupStatus', 'GetOMAgentsByGroup']) {
            invalid(() => prepareRequest(op, {}), { field: 'serviceGroupID', rule: 'required' });
            invalid(() => prepareRequest(op, { serviceGroupID: 'x' }), { field: 'serviceGroupID', rule: 'int' });
        }
        prepareRequest('GetAllOpenMediaServiceGroupStatus', { tenantID: -1 });
        invalid(() => prepareRequest('GetAllOpenMediaServiceGroupStatus', { tenantID: -2 }), { field: 'tenantID', rule: 'min' });
        invalid(() => prepareRequest('GetAllOpenMediaServiceGroupStatus', {}), { field: 'tenantID', rule: 'required' });
        assert.deepStrictEqual(prepareRequest('GetAllOpenMediaRequestStatus', {}), {});
        // retrieveLaterThan is required by the service: the nodes send an early time when none is given.
        const early = new Date(EARLIEST_RETRIEVE_LATER_THAN);
        assert.strictEqual(early.toISOString(), '2000-01-01T00:00:00.000Z');
        assert.deepStrictEqual(prepareRequest('GetOpenMediaRequestsByTime', {}), { retrieveLaterThan: early });
        assert.deepStrictEqual(prepareRequest('GetOpenMediaRequestsByTime', { retrieveLaterThan: '' }), { retrieveLaterThan: early });
        assert.deepStrictEqual(prepareRequest('GetOpenMediaRequestHistoryByID', { openMediaID: 3 }), { openMediaID: 3, retrieveLaterThan: early });
        const t = prepareRequest('GetOpenMediaRequestsByTime', { retrieveLaterThan: '2026-01-01T00:00:00Z' }).retrieveLaterThan;
        assert.ok(t instanceof Date);
    });

    it('validateRequest works on arguments built by hand; unknown keys are ignored by prepareRequest', function () {
        validateRequest('GetServiceGroupStatus', { serviceGroupID: 5 });
        invalid(() => validateRequest('GetServiceGroupStatus', {}), { rule: 'required' });
        assert.deepStrictEqual(prepareRequest('GetServiceGroupStatus', { serviceGroupID: 5, junk: 1 }), { serviceGroupID: 5 });
    });

    it('requestForMessage: dates as ISO strings, arrays copied', function () {
        const args = add({ QueueStartTime: '2026-05-01T00:00:00+02:00' });
        const shown = requestForMessage(args);
        assert.strictEqual(shown.QueueStartTime, '2026-04-30T22:00:00.000Z');
        assert.notStrictEqual(shown.IVRInfo, args.IVRInfo);
        assert.deepStrictEqual(shown.IVRInfo, IVR);
    });
});

describe('the package entry (lib/index.js)', function () {
    it('exports the client, its error, the contract, validation and the simulator', async function () {
        const pkg = require('..');
        assert.strictEqual(pkg.OpenMediaClient, require('../lib/client').OpenMediaClient);
        assert.strictEqual(pkg.OpenMediaError, OpenMediaError);
        assert.strictEqual(pkg.contract.LIMITS.serviceGroupNameMax, 20);
        assert.strictEqual(pkg.OPERATION_NODES.length, 12);
        assert.strictEqual(pkg.prepareRequest, prepareRequest);
        const sim = await pkg.startSimulator({ port: 0, host: '127.0.0.1' });
        const client = new pkg.OpenMediaClient({ endpoint: sim.url });
        try {
            const r = await client.call('GetServiceGroupStatus', pkg.prepareRequest('GetServiceGroupStatus', { serviceGroupID: '101' }));
            assert.deepStrictEqual(r, { Open: true, ServiceGroupID: 101 });
        } finally {
            await client.close();
            await sim.stop();
        }
    });
});
