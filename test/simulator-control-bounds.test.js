'use strict';
/*
 * No control-API request can crash, hang or poison the simulator (review r1 of issues 9 and 10), over real HTTP on
 * 127.0.0.1, with a console stream open (its timer serialises the state every few milliseconds: a value that
 * cannot be serialised, or a clock past what a date holds, used to throw there and end the process):
 *
 *  - every body member of every route is checked for type and range before anything changes; a member a route
 *    does not take is refused; a refused request changes nothing (no fault armed, the clock where it was, the
 *    model as it was);
 *  - after each refusal the simulator still answers SOAP and GET /control/state, and the stream still sends;
 *  - an error about a file from --scenario-dir names the path in the file and the rule, never a value from it.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startTestSimulator, controlPost, controlGet, controlCall, soapPost, openStream, httpRequest } = require('./support/simulator');

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** JSON text of an array nested `depth` deep (JSON.parse reads it; JSON.stringify of what it gives overflows the stack). */
const DEEP = (depth) => '['.repeat(depth) + ']'.repeat(depth);
/** A body as JSON text: `value` (or JSON text as it is) with each `$DEEP$` string replaced by a 100,000-deep array. */
const withDeep = (value) => (typeof value === 'string' ? value : JSON.stringify(value)).split('"$DEEP$"').join(DEEP(100000));

/** A scenario that is right but for `change`. */
function scenario(change = () => {}) {
    const s = {
        name: 'bounds', tenants: [{ id: 1, name: 'T' }],
        serviceGroups: [{ id: 101, name: 'G', tenantId: 1 }],
        agents: [{ id: 1, logonId: 'a1', tenantId: 1, groups: [101], loggedOn: true }],
    };
    change(s);
    return s;
}

/** Requests every one of which must be refused: [route, body, what the error must say]. */
const REFUSED = [
    // Review r1 M5 (a): a clock advance that left the model with an invalid time.
    ['/clock/advance', { ms: 1e300 }, /'ms' must be a number of milliseconds from 0 to 31536000000/],
    ['/clock/advance', { ms: YEAR_MS + 1 }, /'ms' must be/],
    ['/clock/advance', { ms: -1 }, /'ms' must be/],
    ['/clock/advance', { ms: '1000' }, /'ms' must be/],
    ['/clock/advance', { ms: null }, /'ms' must be/],
    ['/clock/advance', { ms: 1000, x: 1 }, /'x' is not a member this route takes \(ms\)/],
    // Review r1 M5 (b): a fault armed with a member the stream could not serialise.
    ['/faults', { kind: 'delay', delayMs: 0, count: -1, x: '$DEEP$' }, /'x' is not a member this route takes/],
    ['/faults', { kind: 'http', body: '$DEEP$' }, /body must be text/],
    // A member named __proto__ (JSON.parse makes it an own member): refused like any other, never copied.
    ['/faults', '{"kind":"delay","delayMs":0,"__proto__":{"kind":"x"},"constructor":{"prototype":{"polluted":3}}}', /'__proto__' is not a member this route takes/],
    ['/reset', '{"__proto__":{"scenario":"demo"}}', /'__proto__' is not a member this route takes \(scenario\)/],
    // Review r1 S5: members of the wrong type or out of range.
    ['/faults', { kind: 'http', body: { length: 3e9 } }, /body must be text/],
    ['/faults', { kind: 'http', body: 123 }, /body must be text/],
    ['/faults', { kind: 'http', contentType: 'a\nb' }, /contentType must be a header value/],
    ['/faults', { kind: 'http', contentType: 'x'.repeat(201) }, /contentType must be a header value/],
    ['/faults', { kind: 'http', contentType: 5 }, /contentType must be a header value/],
    ['/faults', { kind: 'delay', delayMs: 1e12 }, /delayMs must be a number of milliseconds from 0 to 2147483647/],
    ['/faults', { kind: 'delay', delayMs: -1 }, /delayMs must be/],
    ['/faults', { kind: 'delay', delayMs: '100' }, /delayMs must be/],
    ['/faults', { kind: 'hold', delayMs: 1e12 }, /delayMs must be/],
    ['/faults', { kind: 'http', status: 101 }, /status must be an HTTP status code from 200 to 599/],
    ['/faults', { kind: 'http', status: 600 }, /status must be/],
    ['/faults', { kind: 'http', status: '503' }, /status must be/],
    ['/faults', { kind: 'http', count: 1e300 }, /count must be a whole number from 1 to 1000000, or -1/],
    ['/faults', { kind: 'http', count: 0 }, /count must be/],
    ['/faults', { kind: 'http', count: 1.5 }, /count must be/],
    ['/faults', { kind: 'http', count: '2' }, /count must be/],
    ['/faults', { kind: 'http', operation: 5 }, /Unknown operation/],
    ['/faults', { kind: 'http', operation: 'Nope' }, /Unknown operation 'Nope'/],
    ['/faults', { kind: 'hold', phase: 'during' }, /phase must be 'before' or 'after'/],
    ['/faults', { kind: ['http'] }, /Unknown fault kind/],
    ['/faults', {}, /Unknown fault kind/],
    // The rest of the API.
    ['/license', { present: 'yes' }, /'present' must be true or false/],
    ['/license', { present: true, reason: 'x' }, /'reason' is not a member/],
    ['/auth', { enabled: 1 }, /'enabled' must be true or false/],
    ['/auth', { enabled: true, users: 'admin' }, /users: must be an array/],
    ['/auth', { enabled: true, users: [{ logonId: 'admin', password: 5 }] }, /users\[0\]\.password: must be a string/],
    ['/auth', { enabled: true, users: [{ logonId: '', password: 'x' }] }, /users\[0\]\.logonId: must be a non-empty string/],
    ['/auth', { enabled: true, users: [{ logonId: 'a\u0000b', password: 'x' }] }, /users\[0\]\.logonId: must be text XML can carry/],
    ['/auth', { enabled: true, users: [{ logonId: 'admin', password: 'p'.repeat(257) }] }, /users\[0\]\.password: at most 256 characters/],
    ['/auth', { enabled: true, users: [{ logonId: 'admin', password: 'pw' }], x: '$DEEP$' }, /'x' is not a member/],
    ['/restart', { now: true }, /This route takes no members \('now' was sent\): send \{\}/],
    ['/router/disconnect', { x: '$DEEP$' }, /This route takes no members/],
    ['/groups/99999999999/close', {}, /not a numeric id/],
    ['/reset', { scenario: 'x'.repeat(256) }, /'scenario' must be/],
    ['/reset', { scenario: [] }, /'scenario' must be/],
    ['/reset', { scenario: 'test', x: 1 }, /'x' is not a member this route takes \(scenario\)/],
    // Scenario objects: every duration at most a year, ids xs:int, texts XML can carry, bounded.
    ['/reset', { scenario: scenario((s) => { s.agents[0].answerAfterSeconds = 1e300; }) }, /agents\[0\]\.answerAfterSeconds: must be a number >= 0 and at most 31536000/],
    ['/reset', { scenario: scenario((s) => { s.agents[0].completeAfterSeconds = 31536001; }) }, /completeAfterSeconds/],
    ['/reset', { scenario: scenario((s) => { s.dataExpirationMinutes = 1e300; }) }, /dataExpirationMinutes: must be a number > 0 and at most 525600/],
    ['/reset', { scenario: scenario((s) => { s.serviceGroups[0].preferredAgentTimeoutSeconds = 1e12; }) }, /preferredAgentTimeoutSeconds/],
    ['/reset', { scenario: scenario((s) => { s.serviceGroups[0].averageHandlingSeconds = 1e12; }) }, /averageHandlingSeconds/],
    ['/reset', { scenario: scenario((s) => { s.agents[0].id = 1e12; }) }, /agents\[0\]\.id: must be from 1 to 2147483647/],
    ['/reset', { scenario: scenario((s) => { s.agents[0].logonId = 'a\u0001'; }) }, /agents\[0\]\.logonId: must be text XML can carry/],
    ['/reset', { scenario: scenario((s) => { s.agents[0].logonId = 'a'.repeat(256); }) }, /agents\[0\]\.logonId: at most 255 characters/],
    ['/reset', { scenario: scenario((s) => { s.name = 'n'.repeat(101); }) }, /scenario\.name: at most 100 characters/],
    ['/reset', { scenario: scenario((s) => { s.name = '$DEEP$'; }) }, /scenario\.name: must be a string/],
    ['/reset', { scenario: scenario((s) => { s.tenants[0].name = 5; }) }, /tenants\[0\]\.name: must be a non-empty string/],
    ['/reset', { scenario: scenario((s) => { s.auth = { enabled: true, users: [{ logonId: 'x', password: null }] }; }) }, /auth\.users\[0\]\.password: must be a string/],
];

describe('the control API: no request crashes, hangs or poisons the simulator (review r1)', function () {
    this.timeout(60000);
    let sim;
    let stream;
    before(async function () {
        // Updates gathered for 20 ms (200 by default): the stream's timer runs often, and the test waits less.
        sim = await startTestSimulator({ console: { updateMs: 20 } });
        stream = await openStream(sim);
        await stream.next((m) => m.initial);
    });
    after(async function () {
        if (stream) await stream.close();
        await sim.stop();
    });

    /** The simulator serves SOAP, GET /control/state (with a valid time) and the stream, and nothing changed. */
    async function stillWell(what, before) {
        const soap = await soapPost(sim, 'GetServiceGroupStatus',
            '<GetServiceGroupStatus xmlns="http://tempuri.org/"><serviceGroupID>101</serviceGroupID></GetServiceGroupStatus>');
        assert.strictEqual(soap.status, 200, `${what}: SOAP ${soap.status}`);
        const state = await controlGet(sim, '/state');
        assert.strictEqual(state.status, 200, `${what}: GET /control/state ${state.body.slice(0, 200)}`);
        assert.ok(!Number.isNaN(Date.parse(state.json.time)), `${what}: the clock shows ${state.json.time}`);
        assert.deepStrictEqual({ time: state.json.time, name: state.json.name, faults: (await controlGet(sim, '/faults')).json.faults }, before, `${what}: something changed`);
        // The stream still sends: a change that is allowed reaches it.
        const group = state.json.groups.find((g) => g.id === 101);
        assert.strictEqual((await controlPost(sim, `/groups/101/${group.open ? 'close' : 'open'}`, {})).status, 200);
        await stream.next((m) => m.state && m.state.groups.some((g) => g.id === 101 && g.open !== group.open), 5000, `${what}: the stream`);
        assert.strictEqual((await controlPost(sim, `/groups/101/${group.open ? 'open' : 'close'}`, {})).status, 200);
    }

    async function snapshot() {
        const state = await controlGet(sim, '/state');
        return { time: state.json.time, name: state.json.name, faults: (await controlGet(sim, '/faults')).json.faults };
    }

    it('every request with a member of the wrong type, out of range or unknown: 400 naming it, nothing changed', async function () {
        // One fault armed beforehand: a refused request must neither add to the list nor change it.
        assert.strictEqual((await controlPost(sim, '/faults', { kind: 'hold', operation: 'AddRequest' })).status, 200);
        for (const [route, body, says] of REFUSED) {
            const what = `POST ${route} ${JSON.stringify(body).slice(0, 80)}`;
            const before = await snapshot();
            const res = await httpRequest(`${sim.controlUrl}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: withDeep(body) });
            const r = { status: res.status, body: res.body, json: JSON.parse(res.body) };
            assert.strictEqual(r.status, 400, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
            assert.match(r.json.error, says, what);
            assert.ok(r.json.error.length <= 301, `${what}: an error of ${r.json.error.length} characters`);
            await stillWell(what, before);
        }
        assert.strictEqual((await controlCall(sim, 'DELETE', '/faults')).status, 200);
    });

    it('the clock stops at the year 9999 (what a .NET DateTime holds): an advance past it is refused, the clock stays', async function () {
        const MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
        sim.clock.set(MAX - 1000);
        try {
            const before = await snapshot();
            const r = await controlPost(sim, '/clock/advance', { ms: 2000 });
            assert.strictEqual(r.status, 400, r.body);
            assert.match(r.json.error, /past the year 9999/);
            await stillWell('an advance past the year 9999', before);
            assert.strictEqual((await controlPost(sim, '/clock/advance', { ms: 1000 })).status, 200, 'up to the last millisecond');
            assert.strictEqual((await controlGet(sim, '/state')).json.time, '9999-12-31T23:59:59.999Z');
        } finally {
            await controlPost(sim, '/reset', {});
            sim.clock.set(Date.now());
        }
    });

    it('at most 100 faults armed at once; each a copy of the known members only', async function () {
        sim.clearFaults();
        try {
            for (let i = 0; i < 100; i++) assert.strictEqual((await controlPost(sim, '/faults', { kind: 'delay', delayMs: 1, operation: 'GetOMAgentsByGroup' })).status, 200);
            const r = await controlPost(sim, '/faults', { kind: 'http' });
            assert.strictEqual(r.status, 400);
            assert.match(r.json.error, /100 faults are armed already/);
            // In-process too: an object with more than the members (a getter, a nested value) arms a plain copy.
            sim.clearFaults();
            const given = { kind: 'http', status: 502, body: 'down', contentType: 'text/plain' };
            sim.injectFault(given);
            given.body = JSON.parse(DEEP(100000));
            assert.deepStrictEqual(sim.pendingFaults(), [{ kind: 'http', status: 502, body: 'down', contentType: 'text/plain', count: 1 }]);
            assert.throws(() => sim.injectFault({ kind: 'http', extra: 1 }), /'extra' is not a member of a fault/);
            assert.strictEqual(sim.pendingFaults().length, 1, 'a refused fault arms nothing');
        } finally {
            sim.clearFaults();
        }
    });

    it('the allowed values still work: an http fault with its text body and Content-Type, a year of clock, users', async function () {
        try {
            assert.strictEqual((await controlPost(sim, '/faults', { kind: 'http', status: 502, body: '{"x":1}', contentType: 'application/json' })).status, 200);
            const r = await soapPost(sim, 'GetServiceGroupStatus', '<GetServiceGroupStatus xmlns="http://tempuri.org/"><serviceGroupID>101</serviceGroupID></GetServiceGroupStatus>');
            assert.strictEqual(r.status, 502);
            assert.strictEqual(r.headers['content-type'], 'application/json');
            assert.strictEqual(r.body, '{"x":1}');
            assert.strictEqual((await controlPost(sim, '/clock/advance', { ms: YEAR_MS })).status, 200);
            assert.strictEqual((await controlPost(sim, '/auth', { enabled: false, users: [{ logonId: 'admin', password: 'p'.repeat(256) }] })).status, 200);
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: scenario((s) => { s.agents[0].answerAfterSeconds = 31536000; }) })).status, 200);
            assert.strictEqual(sim.model.state().name, 'bounds');
        } finally {
            await controlPost(sim, '/reset', {});
            sim.clock.set(Date.now());
        }
    });
});

describe('the control API: an error about a --scenario-dir file quotes nothing from it (review r1 N2)', function () {
    this.timeout(20000);
    let sim;
    let dir;
    const SECRET = 'FILE-CONTENT-SECRET';
    const files = {
        'unknown-group.json': scenario((s) => { s.agents[0].groups = [SECRET]; }),
        'duplicate-name.json': scenario((s) => { s.serviceGroups.push({ id: 102, name: SECRET.toLowerCase().slice(0, 20), tenantId: 1 }); s.serviceGroups[0].name = SECRET.slice(0, 20); }),
        'duplicate-logon.json': scenario((s) => { s.agents[0].logonId = SECRET; s.agents.push({ id: 2, logonId: SECRET.toLowerCase(), tenantId: 1, groups: [] }); }),
        'bad-type.json': scenario((s) => { s.agents[0].id = SECRET; }),
        'bad-tenant.json': scenario((s) => { s.agents[0].tenantId = 424242; }),
        'long-name.json': scenario((s) => { s.serviceGroups[0].name = `${SECRET}-and-more`; }),
        'bad-json.json': `{ "name": "${SECRET}", `,
    };
    const EXPECTED = {
        'unknown-group.json': 'unknown-group.json.agents[0].groups[0]: not one of the service groups',
        'duplicate-name.json': 'duplicate-name.json.serviceGroups[1].name: a name used twice in one tenant (case-insensitive)',
        'duplicate-logon.json': 'duplicate-logon.json.agents[1].logonId: a logon id used twice (case-insensitive)',
        'bad-type.json': 'bad-type.json.agents[0].id: must be an integer',
        'bad-tenant.json': 'bad-tenant.json.agents[0].tenantId: not one of the tenants (use -1 for non-tenanted)',
        'long-name.json': 'long-name.json.serviceGroups[0].name: at most 20 characters',
        'bad-json.json': 'bad-json.json: not valid JSON',
    };
    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-scenario-leak-'));
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
        sim = await startTestSimulator({ scenarioDir: dir });
    });
    after(async function () {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const name of Object.keys(files)) {
        it(`${name}: the path in the file and the rule, no value`, async function () {
            const r = await controlPost(sim, '/reset', { scenario: name });
            assert.strictEqual(r.status, 400, r.body);
            assert.strictEqual(r.json.error, `The scenario file is not a valid scenario: ${EXPECTED[name]}`);
            assert.ok(!r.body.toLowerCase().includes('file-content') && !r.body.includes('424242'), r.body);
        });
    }
});
