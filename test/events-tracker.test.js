'use strict';
/*
 * om-events' pure logic: the tracker (cursor, overlap, dedupe), the correlation map, the message builder.
 * No network, no Node-RED: answers are built by hand in the normalised shape the client resolves.
 */
const assert = require('assert');
const { EventTracker, CorrelationMap, ingestAndBuild, keyOf, VERDICT } = require('../lib/events');

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const iso = (ms) => new Date(ms).toISOString();

function rec(ID, Status, at, extra = {}) {
    const codes = { Queued: 1, AllocatedToAgent: 2, AgentProcessing: 3, Complete: 4, Failed: 5, Cancelled: 6 };
    return {
        AgentID: 0, ID, LogonID: '', QueuePosition: 0, ServiceGroupID: 101, Status, StatusCode: codes[Status],
        TenantID: 0, TimeStamp: iso(at), ...extra,
    };
}
const answer = (records, at) => ({ OpenMediaRequests: records, TimeStamp: iso(at) });
const ids = (records) => records.map((r) => `${r.ID}:${r.Status}`);

describe('events: tracker', function () {
    it('keeps the cursor in the service time and asks for an overlapping window', function () {
        const t = new EventTracker(5000);
        assert.strictEqual(t.queryStart(), null);
        t.ingest(answer([], T0));
        assert.strictEqual(t.cursor, T0);
        assert.strictEqual(t.queryStart(), T0 - 5000);
    });

    it('emits each record once across overlapping answers', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0 - 1000);
        const b = rec(1, 'AllocatedToAgent', T0);
        assert.deepStrictEqual(ids(t.ingest(answer([a, b], T0))), ['1:Queued', '1:AllocatedToAgent']);
        const c = rec(1, 'AgentProcessing', T0 + 1000);
        // the next window overlaps: a and b come again, only c is new
        assert.deepStrictEqual(ids(t.ingest(answer([a, b, c], T0 + 2000))), ['1:AgentProcessing']);
        assert.deepStrictEqual(t.ingest(answer([a, b, c], T0 + 2000)), []);
    });

    it('does not lose a record stamped on the cursor time that arrived after the answer', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0);
        t.ingest(answer([a], T0));
        const late = rec(2, 'Queued', T0); // same millisecond as the cursor, stored after the answer
        assert.deepStrictEqual(ids(t.ingest(answer([a, late], T0))), ['2:Queued']);
    });

    it('counts a key that appears twice in one answer twice (multiset), and never re-emits them', function () {
        const t = new EventTracker(5000);
        const q1 = rec(7, 'Queued', T0, { ServiceGroupID: 101 });
        const q2 = rec(7, 'Queued', T0, { ServiceGroupID: 102 }); // diverted within the same millisecond
        assert.deepStrictEqual(t.ingest(answer([q1], T0)).length, 1);
        const second = t.ingest(answer([q1, q2], T0));
        assert.deepStrictEqual(second.map((r) => r.ServiceGroupID), [102]);
        assert.deepStrictEqual(t.ingest(answer([q1, q2], T0)), []);
    });

    it('orders an unordered answer by time, keeping the service order for equal times', function () {
        const t = new EventTracker(5000);
        const out = t.ingest(answer([rec(1, 'Complete', T0 + 2), rec(1, 'Queued', T0), rec(1, 'AllocatedToAgent', T0),
            rec(1, 'AgentProcessing', T0 + 1)], T0 + 3));
        assert.deepStrictEqual(ids(out), ['1:Queued', '1:AllocatedToAgent', '1:AgentProcessing', '1:Complete']);
    });

    it('forgets keys that no future window can return (bounded memory)', function () {
        const t = new EventTracker(5000);
        for (let i = 0; i < 100; i++) {
            const at = T0 + i * 1000;
            t.ingest(answer([rec(i + 1, 'Queued', at)], at));
        }
        // window 5 s: at most the records of the last ~5 s (plus the newest timestamp) are remembered
        assert.ok(t.size <= 6, `remembered ${t.size} keys`);
        assert.ok(t.size >= 5);
    });

    it('drops records at or before the floor (a shared query that starts earlier than this cursor)', function () {
        const t = new EventTracker(5000);
        t.ingest(answer([], T0), { markOnly: true });
        const old = rec(1, 'Queued', T0 - 60000);
        const fresh = rec(2, 'Queued', T0 + 1);
        assert.deepStrictEqual(ids(t.ingest(answer([old, fresh], T0 + 10))), ['2:Queued']);
    });

    it('markOnly marks everything and emits nothing', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0);
        assert.deepStrictEqual(t.ingest(answer([a], T0), { markOnly: true }), []);
        assert.deepStrictEqual(t.ingest(answer([a, rec(1, 'Cancelled', T0)], T0)).map((r) => r.Status), ['Cancelled']);
    });

    it('applies the judge: Skip is handled for good, Defer is looked at again', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0);
        const b = rec(2, 'Queued', T0);
        let known = new Set();
        const judge = (r) => (r.ID === 1 ? VERDICT.Skip : known.has(r.ID) ? VERDICT.Emit : VERDICT.Defer);
        assert.deepStrictEqual(t.ingest(answer([a, b], T0), { judge }), []);
        known = new Set([2]);
        assert.deepStrictEqual(ids(t.ingest(answer([a, b], T0 + 1000), { judge })), ['2:Queued']);
        assert.deepStrictEqual(t.ingest(answer([a, b], T0 + 1000), { judge }), []);
    });

    it('survives a save/restore without re-emitting or losing', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0);
        t.ingest(answer([a], T0));
        const json = JSON.parse(JSON.stringify(t.toJSON()));
        const r = EventTracker.restore(json, 5000);
        assert.strictEqual(r.queryStart(), T0 - 5000);
        const b = rec(1, 'AllocatedToAgent', T0 + 1);
        assert.deepStrictEqual(ids(r.ingest(answer([a, b], T0 + 2))), ['1:AllocatedToAgent']);
        assert.strictEqual(EventTracker.restore({ junk: true }).cursor, null);
    });

    it('a service clock that goes back neither repeats nor loses (monotone stamps)', function () {
        const t = new EventTracker(5000);
        const a = rec(1, 'Queued', T0);
        t.ingest(answer([a], T0 + 60000)); // a is now long out of the window
        // the service clock is set back one hour; its next event is stamped no earlier than the previous one
        const back = T0 + 60000 - 3600000;
        const b = rec(1, 'AllocatedToAgent', T0);
        assert.deepStrictEqual(ids(t.ingest(answer([a, b], back))), ['1:AllocatedToAgent']);
        assert.deepStrictEqual(t.ingest(answer([a, b], back + 1000)), []);
    });

    it('counts a change only when a saved copy would differ in more than a cursor that moved on', function () {
        const t = new EventTracker(5000);
        const v0 = t.version;
        t.ingest(answer([], T0));
        const v1 = t.version;
        assert.ok(v1 > v0, 'the first cursor is a change');
        t.ingest(answer([], T0 + 1000));
        assert.strictEqual(t.version, v1, 'an empty answer only moves the cursor');
        const a = rec(1, 'Queued', T0 + 1500);
        t.ingest(answer([a], T0 + 2000));
        const v2 = t.version;
        assert.ok(v2 > v1, 'a record handled');
        t.ingest(answer([a], T0 + 3000));
        assert.strictEqual(t.version, v2, 'the same record again (overlap)');
        t.ingest(answer([a], T0 + 2500));
        assert.ok(t.version > v2, 'the service clock went back');
    });

    it('keyOf is ID + Status + TimeStamp', function () {
        assert.strictEqual(keyOf(rec(5, 'Complete', T0)), `5|Complete|${iso(T0)}`);
    });
});

describe('events: correlation map', function () {
    it('remembers what was sent, follows the status, forgets after DataExpiration (service time)', function () {
        const m = new CorrelationMap();
        m.add({ OpenMediaID: 3, request: { PrivateData: 'p', IVRInfo: [{ Label: 'a', Data: 'b' }] }, correlation: 'T-1', node: 'n1' });
        assert.deepStrictEqual(m.requestFor(3), { PrivateData: 'p', IVRInfo: [{ Label: 'a', Data: 'b' }], correlation: 'T-1' });
        const copy = m.requestFor(3);
        copy.IVRInfo[0].Label = 'changed';
        assert.strictEqual(m.requestFor(3).IVRInfo[0].Label, 'a', 'each message gets its own copy');
        m.observe([rec(3, 'Queued', T0)]);
        assert.strictEqual(m.openEntries().length, 1);
        m.observe([rec(3, 'Complete', T0 + 1000)]);
        assert.strictEqual(m.openEntries().length, 0);
        assert.strictEqual(m.expire(T0 + 1000 + 30 * 60000, 30 * 60000), 0);
        assert.strictEqual(m.expire(T0 + 1001 + 30 * 60000, 30 * 60000), 1);
        assert.strictEqual(m.size, 0);
    });

    it('reports an open entry whose id is handed out again', function () {
        const m = new CorrelationMap();
        m.add({ OpenMediaID: 9, request: {} });
        const displaced = m.add({ OpenMediaID: 9, request: { PrivateData: 'new' } });
        assert.ok(displaced && displaced.id === 9);
        assert.strictEqual(m.requestFor(9).PrivateData, 'new');
    });

    it('copies what it is given once: later changes of the add node\'s objects do not reach msg.request', function () {
        const m = new CorrelationMap();
        const request = { PrivateData: 'p', IVRInfo: [{ Label: 'a', Data: 'b' }] };
        const correlation = { ticket: 'T-1', tags: ['x'] };
        m.add({ OpenMediaID: 3, request, correlation });
        request.PrivateData = 'changed';
        request.IVRInfo[0].Data = 'changed';
        correlation.ticket = 'changed';
        correlation.tags.push('y');
        assert.deepStrictEqual(m.requestFor(3),
            { PrivateData: 'p', IVRInfo: [{ Label: 'a', Data: 'b' }], correlation: { ticket: 'T-1', tags: ['x'] } });
    });

    it('a value that cannot be cloned: copied without the parts that cannot, reported, requestFor never throws', function () {
        const m = new CorrelationMap();
        const lossy = [];
        // a function: structuredClone refuses it, the JSON round trip drops it
        m.add({ OpenMediaID: 1, request: { PrivateData: 'a' }, correlation: { ticket: 'T-1', fn() { return 1; } } },
            (part) => lossy.push([1, part]));
        assert.deepStrictEqual(m.requestFor(1), { PrivateData: 'a', correlation: { ticket: 'T-1' } });
        // a function beside a BigInt and a cycle: neither copy works whole, the parts that can be cloned are kept
        const cyclic = { name: 'c', fn: () => 2, n: 10n };
        cyclic.self = cyclic;
        m.add({ OpenMediaID: 2, request: { PrivateData: 'b', extra: cyclic } }, (part) => lossy.push([2, part]));
        const r2 = m.requestFor(2);
        assert.strictEqual(r2.PrivateData, 'b');
        assert.strictEqual(r2.extra.name, 'c');
        assert.strictEqual(r2.extra.n, 10n);
        assert.strictEqual(r2.extra.fn, undefined);
        // a correlation value that is a function itself is left out
        m.add({ OpenMediaID: 3, request: {}, correlation: () => 3 }, (part) => lossy.push([3, part]));
        assert.deepStrictEqual(m.requestFor(3), {});
        assert.deepStrictEqual(lossy, [[1, 'correlation'], [2, 'request'], [3, 'correlation']]);
        // a plain value is not reported
        m.add({ OpenMediaID: 4, request: { PrivateData: 'd' }, correlation: 'T-4' }, (part) => lossy.push([4, part]));
        assert.strictEqual(lossy.length, 3);
        for (const id of [1, 2, 3, 4]) assert.doesNotThrow(() => m.requestFor(id));
    });

    it('counts its changes (nothing new observed: same version)', function () {
        const m = new CorrelationMap();
        const v0 = m.version;
        m.add({ OpenMediaID: 1, request: {} });
        const v1 = m.version;
        assert.ok(v1 > v0);
        m.observe([rec(1, 'Queued', T0)]);
        const v2 = m.version;
        assert.ok(v2 > v1);
        m.observe([rec(1, 'Queued', T0), rec(7, 'Queued', T0)]);
        assert.strictEqual(m.version, v2, 'the same record again, and one not ours: no change');
        assert.strictEqual(m.expire(T0 + 1000, 60000), 0);
        assert.strictEqual(m.version, v2);
    });

    it('saves and merges (live entries win)', function () {
        const m = new CorrelationMap();
        m.add({ OpenMediaID: 1, request: { PrivateData: 'a' }, correlation: { ticket: 42 } });
        m.observe([rec(1, 'Queued', T0)]);
        const saved = JSON.parse(JSON.stringify(m.toJSON()));
        const n = new CorrelationMap();
        n.add({ OpenMediaID: 2, request: {} });
        assert.strictEqual(n.merge(saved), 1);
        assert.deepStrictEqual(n.requestFor(1), { PrivateData: 'a', correlation: { ticket: 42 } });
        assert.strictEqual(n.get(1).status, 'Queued');
        assert.strictEqual(n.merge(saved), 0);
    });
});

describe('events: ingestAndBuild (the benchmark entry)', function () {
    it('builds topic, payload, openMediaId and request', function () {
        const t = new EventTracker();
        const m = new CorrelationMap();
        m.add({ OpenMediaID: 4, request: { PrivateData: 'x' }, correlation: 'T-4' });
        const msgs = ingestAndBuild(t, answer([rec(4, 'Queued', T0), rec(5, 'Queued', T0)], T0), m);
        assert.strictEqual(msgs.length, 2);
        assert.strictEqual(msgs[0].topic, 'openmedia/4/Queued');
        assert.strictEqual(msgs[0].openMediaId, 4);
        assert.deepStrictEqual(msgs[0].request, { PrivateData: 'x', correlation: 'T-4' });
        assert.strictEqual(msgs[1].request, undefined);
        assert.strictEqual(msgs[0].payload.StatusCode, 1);
    });

    it('handles 100k records in one answer: each emitted once, none again (its cost is measured by npm run bench)', function () {
        this.timeout(60000);
        const rec = (ID, at) => ({ AgentID: 0, ID, LogonID: '', QueuePosition: 0, ServiceGroupID: 101,
            Status: 'Queued', StatusCode: 1, TenantID: 0, TimeStamp: new Date(at).toISOString() });
        const n = 100000;
        const records = new Array(n);
        for (let i = 0; i < n; i++) records[i] = rec(i + 1, T0 + Math.floor(i / 10));
        const answer = { OpenMediaRequests: records, TimeStamp: new Date(T0 + n / 10).toISOString() };
        const t = new EventTracker();
        const msgs = ingestAndBuild(t, answer);
        assert.strictEqual(msgs.length, n);
        assert.strictEqual(new Set(msgs.map((m) => m.payload.ID)).size, n);
        assert.strictEqual(ingestAndBuild(t, answer).length, 0, 'the same answer again emits nothing');
    });
});
