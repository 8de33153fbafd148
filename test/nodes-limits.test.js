'use strict';
// Every documented limit through the nodes: at the limit the request reaches the service and is not refused as
// invalid input; one past it the node reports INVALID_INPUT (field, rule) to a Catch node and the simulator's
// receivedCount does not move (nothing was sent). Also: text with XML special characters and non-ASCII characters
// reaches the service exactly, and what each node sends validates against the reference XSDs.
const assert = require('assert');
const { helper } = require('./support/nodered');
const { useSimulator } = require('./support/simulator');
const { loadOperation, send } = require('./support/flows');
const { OpenMediaClient } = require('../lib/client');
const { requireXmllint, validateAgainstReference } = require('./support/reference');

const IVR = [{ Label: 'Subject', Data: 'Hello' }];
const add = (extra) => ({ ServiceGroupID: 101, IVRInfo: IVR, ...extra });
const so = (extra) => ({ TypeOfSession: 5, ...extra });
const past = () => new Date(Date.now() - 60000).toISOString();
const future = () => new Date(Date.now() + 3600000).toISOString();
const s = (n, c = 'x') => c.repeat(n);

// [title, node type, payload at the limit (reaches the service), payload past it, field, rule, data fault the service
//  may still answer at the limit because of its state]
const LIMITS = [
    ['ServiceGroupName 20 / 21 (add)', 'om-add-request', { TenantID: 1, ServiceGroupName: 'Premium Support Desk', IVRInfo: IVR },
        { TenantID: 1, ServiceGroupName: 'Premium Support Desk!', IVRInfo: IVR }, 'ServiceGroupName', 'max-length'],
    ['ServiceGroupName 20 / 21 (divert)', 'om-divert-request', { OpenMediaID: 1, TenantID: 1, ServiceGroupName: 'Premium Support Desk' },
        { OpenMediaID: 1, TenantID: 1, ServiceGroupName: 'Premium Support Desk!' }, 'ServiceGroupName', 'max-length'],
    ['group by id or tenant + name (add)', 'om-add-request', { TenantID: 1, ServiceGroupName: 'Email', IVRInfo: IVR },
        { ServiceGroupName: 'Email', IVRInfo: IVR }, 'TenantID', 'group-required'],
    ['group by id or tenant + name (divert)', 'om-divert-request', { OpenMediaID: 1, ServiceGroupID: 102 },
        { OpenMediaID: 1 }, 'ServiceGroupID', 'group-required'],
    ['IVRInfo 3 / 4 items', 'om-add-request', add({ IVRInfo: [{ Label: 'a' }, { Label: 'b' }, { Data: 'c' }] }),
        add({ IVRInfo: [{ Label: 'a' }, { Label: 'b' }, { Label: 'c' }, { Label: 'd' }] }), 'IVRInfo', 'max-items'],
    ['IVRInfo 1 / 0 items', 'om-add-request', add({ IVRInfo: [{ Data: 'only data' }] }), add({ IVRInfo: [] }), 'IVRInfo', 'min-items'],
    ['IVRInfo required (add)', 'om-add-request', add({}), { ServiceGroupID: 101 }, 'IVRInfo', 'required'],
    ['IVRInfo item with neither Label nor Data', 'om-add-request', add({ IVRInfo: [{ Label: 'L', Data: '' }] }),
        add({ IVRInfo: [{ Label: '', Data: '' }] }), 'IVRInfo[0]', 'ivr-empty'],
    ['IVRInfo Label 100 / 101', 'om-add-request', add({ IVRInfo: [{ Label: s(100), Data: 'd' }] }),
        add({ IVRInfo: [{ Label: s(101), Data: 'd' }] }), 'IVRInfo[0].Label', 'max-length'],
    ['IVRInfo Data 100 / 101', 'om-add-request', add({ IVRInfo: { L: s(100) } }), add({ IVRInfo: { L: s(101) } }), 'IVRInfo[0].Data', 'max-length'],
    ['PrivateData 255 / 256 (add)', 'om-add-request', add({ PrivateData: s(255) }), add({ PrivateData: s(256) }), 'PrivateData', 'max-length'],
    ['PrivateData 255 / 256 (modify)', 'om-modify-request', { OpenMediaID: 1, IVRInfo: IVR, PrivateData: s(255) },
        { OpenMediaID: 1, IVRInfo: IVR, PrivateData: s(256) }, 'PrivateData', 'max-length'],
    ['IVRInfo required (modify)', 'om-modify-request', { OpenMediaID: 1, IVRInfo: IVR }, { OpenMediaID: 1, PrivateData: 'p' }, 'IVRInfo', 'required'],
    ['SessionPriority 1 / 0', 'om-add-request', add({ SessionPriority: 1 }), add({ SessionPriority: 0 }), 'SessionPriority', 'min'],
    ['SessionPriority 100 / 101', 'om-add-request', add({ SessionPriority: '100' }), add({ SessionPriority: '101' }), 'SessionPriority', 'max'],
    ['TypeOfSession 1 / 0 (add)', 'om-add-request', add({ TypeOfSession: 1 }), add({ TypeOfSession: 0 }), 'TypeOfSession', 'min'],
    ['QueueStartTime past / future', 'om-add-request', add({ QueueStartTime: past() }), add({ QueueStartTime: future() }), 'QueueStartTime', 'not-in-past'],
    ['QueueStartTime as a date', 'om-add-request', add({ QueueStartTime: Date.now() - 1000 }), add({ QueueStartTime: 'tomorrow' }), 'QueueStartTime', 'datetime'],
    ['PreferredAgentID 1 / 0', 'om-add-request', add({ PreferredAgentID: 1 }), add({ PreferredAgentID: 0 }), 'PreferredAgentID', 'min'],
    ['ForceToPreferredAgent needs an agent', 'om-add-request', add({ ForceToPreferredAgent: true, PreferredAgentLogonID: '4001' }),
        add({ ForceToPreferredAgent: 'true' }), 'ForceToPreferredAgent', 'needs-preferred-agent'],
    ['ForceToPreferredAgent is a boolean', 'om-add-request', add({ ForceToPreferredAgent: 0 }), add({ ForceToPreferredAgent: 'maybe' }),
        'ForceToPreferredAgent', 'boolean'],
    ['CancelIfAllocated required', 'om-cancel-request', { OpenMediaID: 1, CancelIfAllocated: 'true', DoNotReport: 0 },
        { OpenMediaID: 1, DoNotReport: false }, 'CancelIfAllocated', 'required'],
    ['DoNotReport required', 'om-cancel-request', { OpenMediaID: 1, CancelIfAllocated: 1, DoNotReport: 'false' },
        { OpenMediaID: 1, CancelIfAllocated: true }, 'DoNotReport', 'required'],
    ['OpenMediaID required', 'om-cancel-request', { OpenMediaID: '1', CancelIfAllocated: true, DoNotReport: true },
        { CancelIfAllocated: true, DoNotReport: true }, 'OpenMediaID', 'required'],
    ['OpenMediaID within xs:int', 'om-request-status', { OpenMediaID: 2147483647 }, { OpenMediaID: 2147483648 }, 'openMediaID', 'int-range'],
    ['OpenMediaID a whole number', 'om-request-history', { OpenMediaID: '7' }, { OpenMediaID: 'seven' }, 'openMediaID', 'int'],
    ['retrieveLaterThan a time', 'om-requests-by-time', { RetrieveLaterThan: past() }, { RetrieveLaterThan: 'last week' }, 'retrieveLaterThan', 'datetime'],
    ['serviceGroupID required (group status)', 'om-service-group-status', { ServiceGroupID: 101 }, {}, 'serviceGroupID', 'required'],
    ['serviceGroupID a whole number (agents)', 'om-agents-by-group', { ServiceGroupID: '101' }, { ServiceGroupID: 1.5 }, 'serviceGroupID', 'int'],
    // -1 is for a system without tenants; the test scenario has tenants, so the service refuses it there.
    ['tenantID -1 / -2', 'om-all-service-group-status', { TenantID: -1 }, { TenantID: -2 }, 'tenantID', 'min', 'InvalidDataException'],
    ['tenantID required', 'om-all-service-group-status', { TenantID: '1' }, {}, 'tenantID', 'required'],
    ['SetOptions TypeOfSession 0 / -1', 'om-set-options', { TypeOfSession: 0, MaxNumberOfSessions: 1 }, { TypeOfSession: -1, MaxNumberOfSessions: 1 }, 'TypeOfSession', 'min'],
    ['AgentActionOptions 1 / 0', 'om-set-options', so({ AgentActionOptions: 1 }), so({ AgentActionOptions: 0 }), 'AgentActionOptions', 'min'],
    ['AgentActionOptions 4 / 5', 'om-set-options', so({ AgentActionOptions: 4 }), so({ AgentActionOptions: 5 }), 'AgentActionOptions', 'max'],
    ['CloseTabOptions 1 / 0', 'om-set-options', so({ CloseTabOptions: 1 }), so({ CloseTabOptions: 0 }), 'CloseTabOptions', 'min'],
    ['CloseTabOptions 4 / 5', 'om-set-options', so({ CloseTabOptions: 4 }), so({ CloseTabOptions: 5 }), 'CloseTabOptions', 'max'],
    ['AllowDifferentTypes 1 / 0', 'om-set-options', so({ AllowDifferentTypes: 1 }), so({ AllowDifferentTypes: 0 }), 'AllowDifferentTypes', 'min'],
    ['AllowDifferentTypes 2 / 3', 'om-set-options', so({ AllowDifferentTypes: 2 }), so({ AllowDifferentTypes: 3 }), 'AllowDifferentTypes', 'max'],
    ['SessionLinkOptions 1 / 0', 'om-set-options', so({ SessionLinkOptions: 1 }), so({ SessionLinkOptions: 0 }), 'SessionLinkOptions', 'min'],
    ['SessionLinkOptions 2 / 3', 'om-set-options', so({ SessionLinkOptions: 2 }), so({ SessionLinkOptions: 3 }), 'SessionLinkOptions', 'max'],
    ['MaxNumberOfSessions 1 / 0', 'om-set-options', so({ MaxNumberOfSessions: 1 }), so({ MaxNumberOfSessions: 0 }), 'MaxNumberOfSessions', 'min'],
    ['AgentActionOptions 2 needs a TypeOfSession', 'om-set-options', { TypeOfSession: 1, AgentActionOptions: 2 },
        { AgentActionOptions: 2 }, 'AgentActionOptions', 'needs-type-of-session'],
    ['AgentActionOptions 4 needs a TypeOfSession', 'om-set-options', { TypeOfSession: 1, AgentActionOptions: 4 },
        { TypeOfSession: 0, AgentActionOptions: 4 }, 'AgentActionOptions', 'needs-type-of-session'],
    ['CloseTabOptions 4 needs a TypeOfSession', 'om-set-options', { TypeOfSession: 1, CloseTabOptions: 4 },
        { CloseTabOptions: 4 }, 'CloseTabOptions', 'needs-type-of-session'],
    ['SetOptions with nothing to set', 'om-set-options', { TypeOfSession: 3, ResetAllOptions: true },
        { TypeOfSession: 3, ResetAllOptions: false }, 'SetOptions', 'nothing-to-set'],
    // A limit where the service documents none (LIMITS.logonIdMax), and characters XML 1.0 cannot carry: refused in
    // every text parameter and IVR part, each class once; the allowed characters beside them reach the service.
    ['PreferredAgentLogonID 255 / 256', 'om-add-request', add({ PreferredAgentLogonID: s(255) }), add({ PreferredAgentLogonID: s(256) }),
        'PreferredAgentLogonID', 'max-length'],
    ['PreferredAgentLogonID: U+0001', 'om-add-request', add({ PreferredAgentLogonID: '4001' }), add({ PreferredAgentLogonID: '40\u000101' }),
        'PreferredAgentLogonID', 'xml-char'],
    ['PrivateData: tab, LF, CR / U+0000 (add)', 'om-add-request', add({ PrivateData: 'a\tb\nc\rd' }), add({ PrivateData: 'a\u0000b' }), 'PrivateData', 'xml-char'],
    ['PrivateData: U+FFFD / U+FFFE (modify)', 'om-modify-request', { OpenMediaID: 1, IVRInfo: IVR, PrivateData: '\ufffd' },
        { OpenMediaID: 1, IVRInfo: IVR, PrivateData: 'x\ufffe' }, 'PrivateData', 'xml-char'],
    ['PrivateData: a surrogate pair / a lone high surrogate', 'om-add-request', add({ PrivateData: 'ok \ud83d\ude80' }),
        add({ PrivateData: 'cut \ud83d' }), 'PrivateData', 'xml-char'],
    ['ServiceGroupName: U+007F / a lone low surrogate (add)', 'om-add-request', { TenantID: 1, ServiceGroupName: 'Email\u007f', IVRInfo: IVR },
        { TenantID: 1, ServiceGroupName: 'Em\udc00ail', IVRInfo: IVR }, 'ServiceGroupName', 'xml-char'],
    ['ServiceGroupName: U+001F (divert)', 'om-divert-request', { OpenMediaID: 1, TenantID: 1, ServiceGroupName: 'Chat' },
        { OpenMediaID: 1, TenantID: 1, ServiceGroupName: 'Ch\u001fat' }, 'ServiceGroupName', 'xml-char'],
    ['IVRInfo Label: U+000B', 'om-add-request', add({ IVRInfo: [{ Label: 'L\u0085', Data: 'd' }] }), add({ IVRInfo: [{ Label: 'L\u000b', Data: 'd' }] }),
        'IVRInfo[0].Label', 'xml-char'],
    ['IVRInfo Data: U+FFFF (modify)', 'om-modify-request', { OpenMediaID: 1, IVRInfo: { L: '\ud7ff\ue000' } }, { OpenMediaID: 1, IVRInfo: { L: '\uffff' } },
        'IVRInfo[0].Data', 'xml-char'],
];

describe('operation nodes: limits checked before the wire', function () {
    const ctx = useSimulator();

    beforeEach(async function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        // Request 1 exists and is queued (group 106 has no agents) for the nodes that need an id.
        const client = new OpenMediaClient({ endpoint: ctx.sim.url });
        try {
            await client.call('AddRequest', { ServiceGroupID: 106, IVRInfo: IVR });
        } finally {
            await client.close();
        }
        ctx.sim.clearReceived();
    });
    afterEach(async function () {
        await helper.unload();
    });

    for (const [title, type, atLimit, past, field, rule, stateFault] of LIMITS) {
        it(`${type}: ${title}`, async function () {
            const flow = await loadOperation(type, { url: ctx.sim.url });
            const ok = await send(flow, { payload: atLimit });
            assert.strictEqual(ctx.sim.receivedCount(), 1, 'the request at the limit reached the service');
            if (ok.output === 'error') {
                // The service may answer a fault about the state (an unknown id), never one about the data.
                if (ok.msg.error.code !== stateFault) {
                    assert.ok(!['INVALID_INPUT', 'InvalidDataException', 'InvalidDataFault'].includes(ok.msg.error.code), ok.msg.error.message);
                }
                assert.strictEqual(ok.msg.openMedia.error.code, ok.msg.error.code);
            }
            const bad = await send(flow, { payload: past, keep: 'me' });
            assert.strictEqual(bad.output, 'error', `expected INVALID_INPUT, got output ${bad.output}`);
            assert.strictEqual(bad.msg.error.code, 'INVALID_INPUT');
            assert.strictEqual(bad.msg.openMedia.error.field, field, bad.msg.error.message);
            assert.strictEqual(bad.msg.openMedia.error.rule, rule, bad.msg.error.message);
            assert.strictEqual(bad.msg.keep, 'me');
            assert.strictEqual(ctx.sim.receivedCount(), 1, 'nothing was sent for the input past the limit');
        });
    }

    it('the error message names the field, the limit and the length', async function () {
        const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
        const bad = await send(flow, { payload: { TenantID: 1, ServiceGroupName: 'Customer Service EMEA', IVRInfo: IVR } });
        assert.match(bad.msg.error.message, /ServiceGroupName is 21 characters; the limit is 20 \("Customer Service EMEA"\)/);
        assert.strictEqual(bad.msg.openMedia.error.value, 'Customer Service EMEA');
        assert.strictEqual(bad.msg.openMedia.error.operation, 'AddRequest');
        assert.strictEqual(ctx.sim.receivedCount(), 0);
    });

    it('a refused character is named with its position, never echoed raw; a huge value is echoed as an excerpt with its length', async function () {
        const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
        let bad = await send(flow, { payload: add({ PrivateData: 'ab\u0000cd' }) });
        assert.strictEqual(bad.msg.error.message, 'PrivateData holds a character XML cannot carry: U+0000 at character 3 ("ab\\u0000cd") - add request');
        bad = await send(flow, { payload: add({ IVRInfo: [{ Label: 'x', Data: 'tail \ud800' }] }) });
        assert.match(bad.msg.error.message, /^IVRInfo\[0\]\.Data holds a character XML cannot carry: half of a surrogate pair \(U\+D800\) at character 6/);
        const huge = 'p'.repeat(1048576);
        bad = await send(flow, { payload: add({ PrivateData: huge, PreferredAgentLogonID: huge }) });
        const e = bad.msg.openMedia.error;
        assert.strictEqual(e.length, 1048576);
        assert.strictEqual(e.value, `${'p'.repeat(40)}\u2026 (1048576 characters)`);
        assert.ok(JSON.stringify(bad.msg.openMedia.error).length < 500, `${JSON.stringify(bad.msg.openMedia.error).length} characters`);
        assert.ok(bad.msg.error.message.length < 200, bad.msg.error.message);
        assert.strictEqual(ctx.sim.receivedCount(), 0);
    });

    it('XML special characters and non-ASCII text in IVRInfo and PrivateData arrive exactly (add, then modify)', async function () {
        const label = '<Subject> & "quotes" \'apos\'';
        const data = 'Grüße, 東京, emoji 🚀, ]]> and &amp; literally';
        const privateData = '<xml attr="1">&lt;not an entity</xml> — ÆØÅ ñ 𝄞';
        const flow = await loadOperation('om-add-request', { url: ctx.sim.url });
        const r = await send(flow, { payload: { ServiceGroupID: 106, IVRInfo: [{ Label: label, Data: data }], PrivateData: privateData } });
        assert.strictEqual(r.output, 0, JSON.stringify(r.msg.payload || r.msg.error));
        const stored = ctx.sim.model.getRequest(r.msg.openMediaId);
        assert.deepStrictEqual(stored.IVRInfo, [{ Label: label, Data: data }]);
        assert.strictEqual(stored.PrivateData, privateData);
        assert.deepStrictEqual(r.msg.openMedia.request.IVRInfo, [{ Label: label, Data: data }]);
        await helper.unload();

        const flow2 = await loadOperation('om-modify-request', { url: ctx.sim.url });
        const m = await send(flow2, { payload: { OpenMediaID: r.msg.openMediaId, IVRInfo: { [label]: `${data}!`, 'Ω≈ç': '<>' }, PrivateData: `${privateData}?` } });
        assert.strictEqual(m.msg.payload, true);
        const after = ctx.sim.model.getRequest(r.msg.openMediaId);
        assert.deepStrictEqual(after.IVRInfo, [{ Label: label, Data: `${data}!` }, { Label: 'Ω≈ç', Data: '<>' }]);
        assert.strictEqual(after.PrivateData, `${privateData}?`);
    });
});

describe('operation nodes: what they send validates against the reference XSDs', function () {
    const ctx = useSimulator();
    before(function () {
        requireXmllint(this);
    });
    beforeEach(async function () {
        ctx.sim.reset();
        const client = new OpenMediaClient({ endpoint: ctx.sim.url });
        try {
            await client.call('AddRequest', { ServiceGroupID: 106, IVRInfo: IVR });
        } finally {
            await client.close();
        }
    });
    afterEach(async function () {
        await helper.unload();
    });

    const SAMPLES = [
        ['om-add-request', { ServiceGroupID: 101, TenantID: 1, ServiceGroupName: 'Email', IVRInfo: [{ Label: 'a & b', Data: 'ü' }, { Label: 'x' }],
            PrivateData: 'p', PreferredAgentID: 1001, PreferredAgentLogonID: '4001', ForceToPreferredAgent: false, TypeOfSession: 2,
            SessionPriority: 5, QueueStartTime: past() }],
        ['om-cancel-request', { OpenMediaID: 1, CancelIfAllocated: true, DoNotReport: false }],
        ['om-divert-request', { OpenMediaID: 1, ServiceGroupID: 102 }],
        ['om-modify-request', { OpenMediaID: 1, IVRInfo: { a: 'b' }, PrivateData: 'q' }],
        ['om-set-options', { TypeOfSession: 2, AgentActionOptions: 2, CloseTabOptions: 4, MaxNumberOfSessions: 2, AllowDifferentTypes: 1,
            SessionLinkOptions: 2, ResetAllOptions: true }],
        ['om-request-status', { OpenMediaID: 1 }],
        ['om-request-history', { OpenMediaID: 1, RetrieveLaterThan: past() }],
        ['om-requests-by-time', { RetrieveLaterThan: past() }],
        ['om-all-request-status', {}],
        ['om-service-group-status', { ServiceGroupID: 101 }],
        ['om-all-service-group-status', { TenantID: 1 }],
        ['om-agents-by-group', { ServiceGroupID: 101 }],
    ];
    for (const [type, payload] of SAMPLES) {
        it(`${type}`, async function () {
            const flow = await loadOperation(type, { url: ctx.sim.url });
            const r = await send(flow, { payload });
            assert.notStrictEqual(r.output, 'error', r.msg.error && r.msg.error.message);
            const { valid, errors } = validateAgainstReference(ctx.sim.lastRequestXml);
            assert.ok(valid, `${errors.join('\n')}\n${ctx.sim.lastRequestXml}`);
        });
    }
});

describe('operation nodes: retrieveLaterThan, required by the service, always goes out', function () {
    const ctx = useSimulator();
    const { EARLIEST_RETRIEVE_LATER_THAN } = require('../lib/operations');
    const EARLY = new Date(EARLIEST_RETRIEVE_LATER_THAN).toISOString();
    let id;

    beforeEach(async function () {
        ctx.sim.reset();
        ctx.sim.clearFaults();
        const client = new OpenMediaClient({ endpoint: ctx.sim.url });
        try {
            id = (await client.call('AddRequest', { ServiceGroupID: 106, IVRInfo: IVR })).OpenMediaID;
        } finally {
            await client.close();
        }
        ctx.sim.clearReceived();
    });
    afterEach(async function () {
        await helper.unload();
    });

    /** The retrieveLaterThan element of the last request the simulator received, or null when there was none. */
    const sentLaterThan = () => {
        const m = /<(?:\w+:)?retrieveLaterThan>([^<]*)<\/(?:\w+:)?retrieveLaterThan>/.exec(ctx.sim.lastRequestXml || '');
        return m ? m[1] : null;
    };

    for (const [type, what, payload] of [
        ['om-request-history', 'no RetrieveLaterThan', () => ({ OpenMediaID: id })],
        ['om-requests-by-time', 'no RetrieveLaterThan', () => ({})],
        ['om-requests-by-time', 'an empty RetrieveLaterThan', () => ({ RetrieveLaterThan: '' })],
    ]) {
        it(`${type}, ${what}: sends ${EARLIEST_RETRIEVE_LATER_THAN}`, async function () {
            const flow = await loadOperation(type, { url: ctx.sim.url });
            const r = await send(flow, { payload: payload() });
            assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
            assert.strictEqual(ctx.sim.receivedCount(), 1);
            const sent = sentLaterThan();
            assert.ok(sent, `no retrieveLaterThan in what the service received:\n${ctx.sim.lastRequestXml}`);
            assert.strictEqual(new Date(sent).toISOString(), EARLY, sent);
            assert.strictEqual(r.msg.openMedia.request.retrieveLaterThan, EARLY);
            // Earlier than anything the service holds: the request added above is in the answer.
            assert.ok(r.msg.payload.OpenMediaRequests.some((x) => x.ID === id), JSON.stringify(r.msg.payload));
        });
    }

    it('om-requests-by-time: a time that is given is sent as it is', async function () {
        const flow = await loadOperation('om-requests-by-time', { url: ctx.sim.url });
        const t = new Date(Date.now() - 60000).toISOString();
        const r = await send(flow, { payload: { RetrieveLaterThan: t } });
        assert.strictEqual(r.output, 0, r.msg.error && r.msg.error.message);
        assert.strictEqual(new Date(sentLaterThan()).toISOString(), t);
    });
});
