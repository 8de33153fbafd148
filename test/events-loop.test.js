'use strict';
/*
 * The shared poll loop (lib/events/poller) with a scripted client: sharing, coalescing, probing while the service is
 * down, the restart check and its three detected reasons, replay, the lagged saving of subscriber states. No network
 * and no Node-RED (the loop keeps its state in memory); every wait is on a loop cycle.
 */
const assert = require('assert');
const { EventEmitter } = require('events');
const { PollLoop, FAR_FUTURE, FAR_PAST, VERDICT, ADDED_EVENT, retryDelayMs, COMMIT_LAG_MS, MAX_PENDING } = require('../lib/events');

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const iso = (ms) => new Date(ms).toISOString();
const CODES = { Queued: 1, AllocatedToAgent: 2, AgentProcessing: 3, Complete: 4, Failed: 5, Cancelled: 6 };
const rec = (ID, Status, at, extra = {}) => ({
    AgentID: 0, ID, LogonID: '', QueuePosition: 0, ServiceGroupID: 101, Status, StatusCode: CODES[Status], TenantID: 0,
    TimeStamp: iso(at), ...extra,
});

/** A fake service: a clock, a history, the current status per id, and a log of the calls it got. */
class FakeService {
    constructor() {
        this.now = T0;
        this.history = [];
        this.calls = [];
        this.fail = null; // { code } -> every call rejects
        this.known = new Map(); // id -> latest record
    }
    event(r) {
        this.history.push(r);
        this.known.set(r.ID, r);
    }
    restart() {
        this.history = [];
        this.known.clear();
    }
    async call(op, args = {}) {
        this.calls.push({ op, args });
        if (this.fail) throw Object.assign(new Error(this.fail.code), { code: this.fail.code });
        const answer = (list) => ({ OpenMediaRequests: list.map((r) => ({ ...r })), TimeStamp: iso(this.now) });
        switch (op) {
            case 'GetOpenMediaRequestsByTime': {
                const after = new Date(args.retrieveLaterThan).getTime();
                return answer(this.history.filter((r) => Date.parse(r.TimeStamp) > after));
            }
            case 'GetAllOpenMediaRequestStatus':
                return answer([...this.known.values()]);
            case 'GetOpenMediaRequestHistoryByID': {
                if (!this.known.has(args.openMediaID)) throw Object.assign(new Error('unknown id'), { code: 'InvalidOpenMediaIDFault' });
                const after = new Date(args.retrieveLaterThan).getTime();
                return answer(this.history.filter((r) => r.ID === args.openMediaID && Date.parse(r.TimeStamp) > after));
            }
            case 'GetOpenMediaRequestStatusByID': {
                const r = this.known.get(args.openMediaID);
                if (!r) throw Object.assign(new Error('unknown id'), { code: 'InvalidOpenMediaIDFault' });
                return answer([r]);
            }
            default:
                throw new Error(`unexpected ${op}`);
        }
    }
    count(op) {
        return this.calls.filter((c) => c.op === op).length;
    }
}

function makeHost(service, extra = {}) {
    const host = new EventEmitter();
    host.getClient = () => service;
    Object.assign(host, extra);
    return host;
}

/** "Only requests added here": what om-events' judge does with onlyOwn. */
const onlyOwn = (r, ours) => (ours ? VERDICT.Emit : VERDICT.Defer);

function subscriber(extra = {}) {
    const got = [];
    const statuses = [];
    const saved = [];
    return {
        got,
        statuses,
        saved,
        config: {
            id: extra.id || 'n1',
            intervalMs: 60000,
            deliver: (events) => got.push(...events),
            status: (s) => statuses.push(s),
            persist: (s) => saved.push(s),
            ...extra,
        },
    };
}

describe('events: shared poll loop', function () {
    const loops = [];
    afterEach(function () {
        for (const { loop, subs } of loops.splice(0)) for (const s of subs) s.close();
    });

    function start(service, ...subs) {
        const host = service.host || makeHost(service);
        const loop = PollLoop.of(host);
        const handles = subs.map((s) => loop.subscribe(s.config));
        loops.push({ loop, subs: handles });
        return { host, loop, handles };
    }

    it('one loop per host; "from now" learns the service time with an empty far-future query', async function () {
        const svc = new FakeService();
        svc.event(rec(1, 'Queued', T0 - 1000)); // before the start: not emitted
        const a = subscriber({ id: 'a' });
        const b = subscriber({ id: 'b', judge: (r) => (r.Status === 'Queued' ? VERDICT.Emit : VERDICT.Skip) });
        const { host, loop } = start(svc, a, b);
        assert.strictEqual(PollLoop.of(host), loop);
        await loop.poll();
        assert.strictEqual(new Date(svc.calls[0].args.retrieveLaterThan).getTime(), FAR_FUTURE);
        assert.strictEqual(svc.count('GetOpenMediaRequestsByTime'), 2, 'one bootstrap, one window, for both');
        assert.deepStrictEqual(a.got, []);
        svc.event(rec(2, 'Queued', T0));
        svc.event(rec(2, 'AllocatedToAgent', T0));
        svc.now += 1000;
        await loop.poll();
        assert.strictEqual(svc.count('GetOpenMediaRequestsByTime'), 3);
        assert.deepStrictEqual(a.got.map((d) => d.record.Status), ['Queued', 'AllocatedToAgent']);
        assert.deepStrictEqual(b.got.map((d) => d.record.Status), ['Queued']);
        assert.notStrictEqual(a.got[0].record, b.got[0].record, 'each subscriber gets its own payload object');
        loop.state.commit(true); // what the lag would write 2 s later
        assert.strictEqual(a.saved.at(-1).tracker.cursor, iso(svc.now));
        assert.deepStrictEqual(loop.state.subscriber('a'), a.saved.at(-1));
    });

    it('coalesces poll requests made while a poll runs into one more poll', async function () {
        const svc = new FakeService();
        const a = subscriber();
        const { loop } = start(svc, a);
        await loop.poll();
        const before = svc.count('GetOpenMediaRequestsByTime');
        const p1 = loop.poll();
        loop.pollNow();
        loop.pollNow();
        const p2 = loop.poll();
        await Promise.all([p1, p2]);
        assert.ok(svc.count('GetOpenMediaRequestsByTime') - before <= 2);
    });

    it('while the service is down it only probes (an empty far-future question) at a fixed period; the first probe that works is followed at once by the catch-up poll', async function () {
        const svc = new FakeService();
        const a = subscriber({ intervalMs: 5000 });
        const { loop, handles } = start(svc, a);
        await loop.poll();
        const cursor = handles[0].tracker.cursor;
        svc.fail = { code: 'ECONNREFUSED' };
        const delays = [];
        const before = svc.calls.length;
        for (let i = 0; i < 6; i++) {
            await loop.poll();
            delays.push(a.statuses.at(-1).retryInMs);
            assert.strictEqual(a.statuses.at(-1).code, 'ECONNREFUSED');
            assert.strictEqual(a.statuses.at(-1).failures, i + 1);
        }
        // no growth with the outage's length: 3/4 of max(interval, 2 s), so the next try is within that bound
        assert.deepStrictEqual(delays, Array(6).fill(3750));
        const during = svc.calls.slice(before);
        assert.strictEqual(during.length, 6, 'one call per attempt');
        assert.notStrictEqual(new Date(during[0].args.retrieveLaterThan).getTime(), FAR_FUTURE, 'the first was the regular poll');
        for (const c of during.slice(1)) {
            assert.strictEqual(c.op, 'GetOpenMediaRequestsByTime');
            assert.strictEqual(new Date(c.args.retrieveLaterThan).getTime(), FAR_FUTURE, 'then only probes, no catch-up poll');
        }
        assert.strictEqual(loop.stats.probes, 5);
        assert.strictEqual(handles[0].tracker.cursor, cursor, 'cursor kept');
        svc.fail = null;
        svc.event(rec(3, 'Queued', T0 + 10));
        svc.now += 60000;
        const n0 = svc.calls.length;
        await loop.poll();
        const kinds = svc.calls.slice(n0).map((c) => (new Date(c.args.retrieveLaterThan).getTime() === FAR_FUTURE ? 'probe' : 'poll'));
        assert.deepStrictEqual(kinds, ['probe', 'poll'], 'the catch-up poll in the same run as the probe that worked');
        assert.strictEqual(a.statuses.at(-1).state, 'ok');
        assert.deepStrictEqual(a.got.map((d) => d.record.ID), [3]);
        await loop.poll();
        assert.strictEqual(loop.stats.probes, 6, 'no probe once the service answers');
    });

    it('the probe period keeps the first successful poll within max(interval, 2 s) of the service answering again', function () {
        for (const interval of [1000, 2000, 5000, 60000, 3600000]) {
            const period = retryDelayMs(interval);
            const bound = Math.max(interval, 2000);
            assert.ok(period <= bound * 0.75, `${interval}: ${period}`);
            // a quarter of the bound is left for the probe and the poll themselves
            assert.ok(period >= Math.min(interval, bound) * 0.75, `${interval}: not more often than needed`);
        }
    });

    it('restart check: a probe by id; a vanished request of ours gets a Failed with DetectedBy, only once', async function () {
        const svc = new FakeService();
        const a = subscriber({ checkEvery: 3 });
        const { host, loop } = start(svc, a);
        await loop.poll();
        for (const id of [10, 11]) {
            svc.event(rec(id, 'Queued', T0));
            host.emit('openmedia:added', { OpenMediaID: id, request: { PrivateData: `p${id}` }, correlation: `C${id}`, node: 'x' });
        }
        await loop.poll();
        await loop.poll();
        await loop.poll(); // third poll: the probe
        assert.strictEqual(svc.count('GetOpenMediaRequestStatusByID'), 1);
        assert.strictEqual(svc.count('GetAllOpenMediaRequestStatus'), 0, 'the probe found it: no full check');
        svc.restart();
        for (let i = 0; i < 3; i++) await loop.poll();
        assert.strictEqual(svc.count('GetAllOpenMediaRequestStatus'), 1);
        const detected = a.got.filter((d) => d.record.DetectedBy === 'om-events');
        assert.deepStrictEqual(detected.map((d) => [d.record.ID, d.record.Status, d.record.Reason, d.request.correlation]),
            [[10, 'Failed', 'RequestVanished', 'C10'], [11, 'Failed', 'RequestVanished', 'C11']]);
        assert.strictEqual(detected[0].record.TimeStamp, iso(svc.now), 'stamped in service time');
        const probes = svc.count('GetOpenMediaRequestStatusByID');
        for (let i = 0; i < 6; i++) await loop.poll();
        assert.strictEqual(a.got.filter((d) => d.record.DetectedBy).length, 2, 'reported once');
        assert.strictEqual(svc.count('GetOpenMediaRequestStatusByID'), probes, 'nothing open any more: no probe');
    });

    it('restart check: a terminated status the history never carried is reported as StatusWithoutEvent', async function () {
        const svc = new FakeService();
        const a = subscriber({ checkEvery: 1 });
        const { host, loop } = start(svc, a);
        await loop.poll();
        svc.event(rec(20, 'Queued', T0));
        host.emit('openmedia:added', { OpenMediaID: 20, request: {} });
        await loop.poll();
        // the service marks it Failed in place, stamped long ago, without a history record
        svc.known.set(20, rec(20, 'Failed', T0 - 60000));
        svc.now += 10000;
        await loop.poll();
        const d = a.got.filter((x) => x.record.DetectedBy);
        assert.deepStrictEqual(d.map((x) => [x.record.ID, x.record.Status, x.record.Reason]), [[20, 'Failed', 'StatusWithoutEvent']]);
    });

    it('an id handed out again by om-add-request reports the old request (IdReused) and re-checks', async function () {
        const svc = new FakeService();
        const a = subscriber();
        const { host, loop } = start(svc, a);
        await loop.poll();
        svc.event(rec(5, 'Queued', T0));
        host.emit('openmedia:added', { OpenMediaID: 5, request: { PrivateData: 'old' }, correlation: 'OLD' });
        await loop.poll();
        host.emit('openmedia:added', { OpenMediaID: 5, request: { PrivateData: 'new' }, correlation: 'NEW' });
        const d = a.got.filter((x) => x.record.DetectedBy);
        assert.deepStrictEqual(d.map((x) => [x.record.ID, x.record.Reason, x.request.correlation]), [[5, 'IdReused', 'OLD']]);
        assert.strictEqual(loop.correlation.requestFor(5).correlation, 'NEW');
    });

    it('replay: GetAllOpenMediaRequestStatus first, then the whole history, each record once', async function () {
        const svc = new FakeService();
        svc.event(rec(1, 'Queued', T0 - 5000));
        svc.event(rec(1, 'Complete', T0 - 4000));
        svc.known.set(2, rec(2, 'Queued', T0 - 3000)); // current, but not in the history
        const a = subscriber({ start: 'replay' });
        const { loop } = start(svc, a);
        await loop.poll();
        assert.strictEqual(svc.calls[0].op, 'GetAllOpenMediaRequestStatus');
        assert.strictEqual(new Date(svc.calls[1].args.retrieveLaterThan).getTime(), FAR_PAST);
        assert.deepStrictEqual(a.got.map((d) => `${d.record.ID}:${d.record.Status}`), ['1:Queued', '1:Complete', '2:Queued']);
        await loop.poll();
        assert.strictEqual(a.got.length, 3);
    });

    it('resumes from saved state: what happened meanwhile, nothing twice', async function () {
        const svc = new FakeService();
        const a = subscriber();
        const first = start(svc, a);
        svc.event(rec(1, 'Queued', T0));
        await first.loop.poll();
        svc.event(rec(2, 'Queued', T0));
        svc.now += 100;
        await first.loop.poll();
        const state = JSON.parse(JSON.stringify(first.handles[0].close()));
        loops.pop();
        assert.strictEqual(first.loop.isRunning, false, 'the last subscriber left: the loop stopped');
        svc.event(rec(3, 'Queued', T0 + 50));
        svc.now += 100000;
        const b = subscriber({ saved: state });
        const second = start(svc, b);
        await second.loop.poll();
        assert.deepStrictEqual(b.got.map((d) => d.record.ID), [3]);
    });
    it('an unclonable correlation value on one request loses no event of it or of the others', async function () {
        const svc = new FakeService();
        const a = subscriber();
        const { host, loop } = start(svc, a);
        await loop.poll();
        const bad = { ticket: 'T-1', callback() { return 'x'; } };
        host.emit(ADDED_EVENT, { OpenMediaID: 1, request: { PrivateData: 'one' }, correlation: bad });
        host.emit(ADDED_EVENT, { OpenMediaID: 2, request: { PrivateData: 'two' }, correlation: 'T-2' });
        svc.event(rec(1, 'Queued', T0));
        svc.event(rec(2, 'Queued', T0));
        svc.event(rec(1, 'AllocatedToAgent', T0 + 1));
        svc.now += 1000;
        await loop.poll();
        assert.strictEqual(a.statuses.at(-1).state, 'ok', 'the cycle did not fail');
        assert.deepStrictEqual(a.got.map((d) => [d.record.ID, d.record.Status, d.request && d.request.correlation]),
            [[1, 'Queued', { ticket: 'T-1' }], [2, 'Queued', 'T-2'], [1, 'AllocatedToAgent', { ticket: 'T-1' }]]);
        assert.strictEqual(a.got[0].request.PrivateData, 'one');
        // the add's own objects changed afterwards: the events still report what was sent
        bad.ticket = 'changed';
        svc.event(rec(1, 'Complete', T0 + 2000));
        svc.now += 1000;
        await loop.poll();
        assert.deepStrictEqual(a.got.at(-1).request.correlation, { ticket: 'T-1' });
    });

    it('the unclonable value is reported once, to the host\'s log', async function () {
        const svc = new FakeService();
        const warnings = [];
        svc.host = makeHost(svc, { warn: (t) => warnings.push(t) });
        const a = subscriber();
        const { host, loop } = start(svc, a);
        await loop.poll();
        host.emit(ADDED_EVENT, { OpenMediaID: 1, request: {}, correlation: () => 1 });
        host.emit(ADDED_EVENT, { OpenMediaID: 2, request: {}, correlation: () => 2 });
        assert.strictEqual(warnings.length, 1);
        assert.match(warnings[0], /#1 .*correlation/);
    });

    it('a subscriber whose delivery throws loses nothing for the others, and the loop goes on', async function () {
        const svc = new FakeService();
        const warnings = [];
        const a = subscriber({ id: 'a', deliver: () => { throw new Error('boom'); }, warn: (t) => warnings.push(t) });
        const b = subscriber({ id: 'b' });
        const { loop } = start(svc, a, b);
        await loop.poll();
        svc.event(rec(1, 'Queued', T0));
        svc.event(rec(2, 'Queued', T0));
        svc.now += 1000;
        await loop.poll();
        assert.deepStrictEqual(b.got.map((d) => d.record.ID), [1, 2]);
        assert.strictEqual(b.statuses.at(-1).state, 'ok');
        assert.match(warnings[0], /could not deliver 2 event\(s\): boom/);
        svc.event(rec(3, 'Queued', T0 + 1000));
        svc.now += 1000;
        await loop.poll();
        assert.deepStrictEqual(b.got.map((d) => d.record.ID), [1, 2, 3]);
    });

    it('keeps recording adds while no subscriber runs; a subscriber coming back knows them as its own', async function () {
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn });
        const first = start(svc, a);
        await first.loop.poll();
        const state = first.handles[0].close();
        loops.pop();
        assert.strictEqual(first.loop.isRunning, false, 'polling stopped with the last subscriber');
        const polls = svc.calls.length;
        // the gap: om-add-request adds, the service moves on
        first.host.emit(ADDED_EVENT, { OpenMediaID: 7, request: { PrivateData: 'gap' }, correlation: 'GAP' });
        svc.event(rec(7, 'Queued', T0 + 10));
        svc.now += 1000;
        assert.strictEqual(svc.calls.length, polls, 'nothing polled while nobody listens');
        assert.strictEqual(PollLoop.peek(first.host), first.loop, 'the same loop, with its map');
        const b = subscriber({ judge: onlyOwn, saved: JSON.parse(JSON.stringify(state)) });
        svc.host = first.host; // the om-server node lives on
        const second = start(svc, b);
        assert.strictEqual(second.loop, first.loop);
        await second.loop.poll();
        assert.deepStrictEqual(b.got.map((d) => [d.record.ID, d.record.Status, d.request.correlation]), [[7, 'Queued', 'GAP']]);
    });

    it('an old saved subscriber state does not bring back a request the loop has forgotten', async function () {
        const svc = new FakeService();
        const a = subscriber({ dataExpirationMs: 60000, checkEvery: 1 });
        const first = start(svc, a);
        await first.loop.poll();
        first.host.emit(ADDED_EVENT, { OpenMediaID: 8, request: {} });
        svc.event(rec(8, 'Queued', T0));
        await first.loop.poll();
        const old = JSON.parse(JSON.stringify(first.handles[0].state())); // 8 open
        svc.event(rec(8, 'Complete', T0 + 1000));
        svc.now += 2000;
        await first.loop.poll();
        svc.now += 120000; // past DataExpiration: 8 is forgotten (the service forgets it too)
        await first.loop.poll();
        assert.strictEqual(first.loop.correlation.has(8), false);
        first.handles[0].close();
        loops.pop();
        svc.known.delete(8);
        const b = subscriber({ saved: old, checkEvery: 1 });
        svc.host = first.host;
        const second = start(svc, b);
        assert.strictEqual(second.loop, first.loop);
        await second.loop.poll();
        await second.loop.poll();
        assert.strictEqual(second.loop.correlation.has(8), false, 'not brought back');
        assert.deepStrictEqual(b.got.filter((d) => d.record.DetectedBy), [], 'no false RequestVanished');
    });

    it('stages a subscriber state only when something changed, and writes it COMMIT_LAG_MS later (a new node\'s first position at once)', async function () {
        const svc = new FakeService();
        const a = subscriber({ id: 'a' });
        const b = subscriber({ id: 'b' });
        const { host, loop } = start(svc, a, b);
        await loop.poll();
        // "from now": the first cycle delivered nothing, so its position is written without the lag (a crash right
        // after it must not leave the node without a position)
        assert.strictEqual(a.saved.length, 1, 'the first cycle sets the cursor, written at once');
        assert.strictEqual(b.saved.length, 1);
        assert.strictEqual(loop.state.subscriber('a').tracker.cursor, a.saved[0].tracker.cursor);
        loop.state.commit(true);
        assert.strictEqual(a.saved.length, 1, 'and not staged again');
        for (let i = 0; i < 3; i++) {
            svc.now += 1000;
            await loop.poll();
        }
        loop.state.commit(true);
        assert.strictEqual(a.saved.length + b.saved.length, 2, 'quiet polls: nothing staged');
        host.emit(ADDED_EVENT, { OpenMediaID: 4, request: {} });
        svc.event(rec(4, 'Queued', svc.now));
        svc.now += 1000;
        await loop.poll();
        assert.strictEqual(a.got.length, 1);
        assert.strictEqual(a.saved.length, 1, 'delivered, but the position that counts it is not written yet');
        loop.state.commit(); // nothing is COMMIT_LAG_MS old yet
        assert.strictEqual(a.saved.length, 1);
        assert.ok(COMMIT_LAG_MS >= 1000, 'the lag leaves the flow time to pass the message on');
        loop.state.commit(true);
        assert.strictEqual(a.saved.length, 2);
        assert.strictEqual(b.saved.length, 2);
        assert.strictEqual(a.saved[1].tracker.cursor, iso(svc.now));
        svc.now += 1000;
        await loop.poll();
        loop.state.commit(true);
        assert.strictEqual(a.saved.length, 2, 'the same record again in the overlap: nothing staged');
    });

    it('"only ours": an event whose add answer comes later than the overlap is held, then sent with msg.request', async function () {
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn, intervalMs: 1000 });
        svc.host = makeHost(svc, { timeoutMs: 30000 });
        const { host, loop, handles } = start(svc, a);
        await loop.poll();
        svc.event(rec(5, 'Queued', T0)); // stamped while its AddRequest answer is still on the way
        svc.event(rec(6, 'Queued', T0)); // added by someone else: never ours
        svc.now += 1000;
        await loop.poll();
        svc.now += 20000; // far past the 5 s overlap
        await loop.poll();
        assert.deepStrictEqual(a.got, []);
        assert.deepStrictEqual(handles[0].pending.map((r) => r.ID), [5, 6]);
        loop.state.commit(true);
        assert.deepStrictEqual(a.saved.at(-1).pending.map(([r]) => r.ID), [5, 6], 'held records are saved');
        host.emit(ADDED_EVENT, { OpenMediaID: 5, request: { PrivateData: 'late' }, correlation: 'L' });
        assert.deepStrictEqual(a.got.map((d) => [d.record.ID, d.record.Status, d.request.correlation]), [[5, 'Queued', 'L']],
            'sent at once');
        svc.event(rec(5, 'AllocatedToAgent', svc.now));
        svc.now += 1000;
        await loop.poll();
        assert.deepStrictEqual(a.got.map((d) => `${d.record.ID}:${d.record.Status}`), ['5:Queued', '5:AllocatedToAgent']);
        // 6 never becomes ours: dropped once older than timeout + interval + overlap (30 + 1 + 5 s, service time)
        svc.now = T0 + 36000;
        await loop.poll();
        assert.deepStrictEqual(handles[0].pending.map((r) => r.ID), [6]);
        svc.now = T0 + 36001;
        await loop.poll();
        assert.deepStrictEqual(handles[0].pending, []);
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 0, 'nothing fetched for a request nobody added');
    });

    it('"only ours": an add that comes after its records were dropped: they are fetched by id and sent first, marked late, then the rest, each once', async function () {
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn, intervalMs: 1000 });
        const b = subscriber({ id: 'n2', judge: (r, ours) => (r.Status === 'Queued' ? VERDICT.Skip : onlyOwn(r, ours)), intervalMs: 1000 });
        svc.host = makeHost(svc, { timeoutMs: 30000 });
        const { host, loop, handles } = start(svc, a, b);
        await loop.poll();
        svc.event(rec(5, 'Queued', T0 + 10));
        svc.event(rec(5, 'AllocatedToAgent', T0 + 20));
        svc.event(rec(6, 'Queued', T0 + 30)); // someone else's: dropped too, never added
        svc.now += 1000;
        await loop.poll();
        svc.now = T0 + 40000; // past timeout + interval + overlap (36 s): dropped undecided
        await loop.poll();
        assert.deepStrictEqual(handles[0].pending, []);
        svc.event(rec(5, 'AgentProcessing', T0 + 40500)); // held again: still not known as ours
        svc.event(rec(9, 'Queued', T0 + 40600)); // ours, added in time: must not be held up by the late one
        host.emit(ADDED_EVENT, { OpenMediaID: 9, request: {}, correlation: 'NINE' });
        svc.now = T0 + 41000;
        await loop.poll();
        assert.deepStrictEqual(handles[0].pending.map((r) => `${r.ID}:${r.Status}`), ['5:AgentProcessing']);
        assert.deepStrictEqual(a.got.map((d) => `${d.record.ID}:${d.record.Status}`), ['9:Queued']);
        // The add answer of 5 arrives now (e.g. pushed from the other instance's journal after its Redis came back).
        host.emit(ADDED_EVENT, { OpenMediaID: 5, request: { PrivateData: 'p5' }, correlation: 'FIVE' });
        await loop.poll();
        const line = (d) => `${d.record.ID}:${d.record.Status}:${d.request?.correlation}:${d.late === true}`;
        assert.deepStrictEqual(a.got.map(line), ['9:Queued:NINE:false', '5:Queued:FIVE:true', '5:AllocatedToAgent:FIVE:true',
            '5:AgentProcessing:FIVE:false'], 'in order: the dropped ones (late), then the held one');
        assert.deepStrictEqual(b.got.map(line), ['5:AllocatedToAgent:FIVE:true', '5:AgentProcessing:FIVE:false'],
            'each subscriber\'s own filter decides');
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 1, 'one history call for the request, shared by the subscribers');
        const h = svc.calls.find((c) => c.op === 'GetOpenMediaRequestHistoryByID').args;
        assert.deepStrictEqual([h.openMediaID, new Date(h.retrieveLaterThan).getTime()], [5, T0 + 9], 'from just before its first dropped record');
        svc.event(rec(5, 'Complete', T0 + 42000));
        svc.now = T0 + 43000;
        await loop.poll();
        await loop.poll();
        assert.deepStrictEqual(a.got.map(line).slice(4), ['5:Complete:FIVE:false'], 'later changes come with the polls, nothing twice');
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 1);
        // A late add whose request the service no longer holds: nothing to send, said once, the loop goes on.
        svc.known.delete(6);
        const warned = [];
        host.warn = (t) => warned.push(t);
        host.emit(ADDED_EVENT, { OpenMediaID: 6, request: {} });
        await loop.poll();
        assert.strictEqual(a.got.length, 5);
        assert.match(warned.join('\n'), /#6 was added after its first changes had been dropped/);
        assert.strictEqual(loop.failureCount, 0);
    });

    it('"only ours": the memory of dropped requests is bounded (MAX_DROPPED ids, DataExpiration)', async function () {
        const { MAX_DROPPED } = require('../lib/events');
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn, intervalMs: 1000, dataExpirationMs: 60000 });
        svc.host = makeHost(svc, { timeoutMs: 1000 });
        const { host, loop } = start(svc, a);
        await loop.poll();
        for (let i = 0; i < MAX_DROPPED; i++) svc.event(rec(200000 + i, 'Queued', T0 + 1)); // with 3: one too many
        svc.event(rec(3, 'Queued', T0 + 2));
        svc.now = T0 + 30000; // dropped at once: older than 1 + 1 + 5 s
        await loop.poll();
        host.emit(ADDED_EVENT, { OpenMediaID: 200000, request: {} }); // the oldest: pushed out by MAX_DROPPED newer ones
        await loop.poll();
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 0);
        host.emit(ADDED_EVENT, { OpenMediaID: 200001, request: {} }); // still remembered
        await loop.poll();
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 1);
        assert.deepStrictEqual(a.got.map((d) => [d.record.ID, d.late]), [[200001, true]]);
        svc.now = T0 + 2 + 60000 + 1000; // past DataExpiration
        await loop.poll();
        host.emit(ADDED_EVENT, { OpenMediaID: 3, request: {} });
        await loop.poll();
        assert.strictEqual(svc.count('GetOpenMediaRequestHistoryByID'), 1, 'forgotten after DataExpiration');
    });

    it('"only ours": an add releases its own held records among thousands of others\' and after the oldest overflowed', async function () {
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn, intervalMs: 1000 });
        const { host, loop, handles } = start(svc, a);
        await loop.poll();
        svc.event(rec(7, 'Queued', T0));
        svc.event(rec(8, 'Queued', T0 + 1));
        for (let i = 0; i < MAX_PENDING - 2; i++) svc.event(rec(100000 + i, 'Queued', T0 + 2)); // someone else's
        svc.now += 1000;
        await loop.poll();
        assert.strictEqual(handles[0].pending.length, MAX_PENDING);
        svc.event(rec(7, 'AllocatedToAgent', svc.now));
        svc.now += 1000;
        await loop.poll();
        // one too many: the oldest (7 Queued) goes; 7 still has a record held
        assert.strictEqual(handles[0].pending.length, MAX_PENDING);
        assert.deepStrictEqual(handles[0].pending.filter((r) => r.ID < 100000).map((r) => `${r.ID}:${r.Status}`), ['8:Queued', '7:AllocatedToAgent']);
        host.emit(ADDED_EVENT, { OpenMediaID: 100000 + MAX_PENDING, request: {} }); // ours, nothing held for it
        assert.deepStrictEqual(a.got, []);
        host.emit(ADDED_EVENT, { OpenMediaID: 7, request: {} });
        assert.deepStrictEqual(a.got, [], 'its overflowed record first: fetched by the next cycle');
        await loop.poll();
        assert.deepStrictEqual(a.got.map((d) => `${d.record.ID}:${d.record.Status}:${d.late === true}`), ['7:Queued:true', '7:AllocatedToAgent:false']);
        host.emit(ADDED_EVENT, { OpenMediaID: 8, request: {} });
        host.emit(ADDED_EVENT, { OpenMediaID: 100005, request: {} });
        assert.deepStrictEqual(a.got.map((d) => `${d.record.ID}:${d.record.Status}`), ['7:Queued', '7:AllocatedToAgent', '8:Queued', '100005:Queued']);
        assert.strictEqual(handles[0].pending.length, MAX_PENDING - 3);
        assert.ok(!handles[0].pending.some((r) => r.ID === 7 || r.ID === 8 || r.ID === 100005), 'released records leave the list');
    });

    it('"only ours": a record already too old to wait for its add answer (replay, catch-up) is not held', async function () {
        const svc = new FakeService();
        svc.event(rec(1, 'Queued', T0 - 120000)); // long before: someone else's
        svc.event(rec(2, 'Queued', T0 - 1000)); // recent: its add answer may still come
        const a = subscriber({ judge: onlyOwn, start: 'replay' });
        const { loop, handles } = start(svc, a);
        await loop.poll();
        assert.deepStrictEqual(handles[0].pending.map((r) => r.ID), [2]);
        assert.deepStrictEqual(a.got, []);
    });

    it('held records survive a restart of the subscriber and go out once their add is known', async function () {
        const svc = new FakeService();
        const a = subscriber({ judge: onlyOwn });
        const first = start(svc, a);
        await first.loop.poll();
        svc.event(rec(9, 'Queued', T0));
        svc.now += 1000;
        await first.loop.poll();
        const state = JSON.parse(JSON.stringify(first.handles[0].close()));
        loops.pop();
        first.host.emit(ADDED_EVENT, { OpenMediaID: 9, request: {}, correlation: 'NINE' }); // while it is down
        svc.now += 20000;
        const b = subscriber({ judge: onlyOwn, saved: state });
        svc.host = first.host;
        const second = start(svc, b);
        await second.loop.poll();
        assert.deepStrictEqual(b.got.map((d) => [d.record.ID, d.record.Status, d.request.correlation]), [[9, 'Queued', 'NINE']]);
        await second.loop.poll();
        assert.strictEqual(b.got.length, 1);
    });

    it('an id handed out again before the loop knows the service time is reported with the next answer\'s time', async function () {
        const svc = new FakeService();
        const a = subscriber({ saved: undefined });
        const host = makeHost(svc);
        const loop = PollLoop.of(host);
        // a saved map from an earlier run holds 5 as open; the loop has had no answer yet
        loop.correlation.merge([[5, { PrivateData: 'old' }, 'OLD', null, true, 'Queued', 101, T0 - 5000, null]]);
        host.emit(ADDED_EVENT, { OpenMediaID: 5, request: { PrivateData: 'new' }, correlation: 'NEW' });
        svc.event(rec(5, 'Queued', T0)); // the new request
        svc.host = host;
        const { loop: same } = start(svc, a);
        assert.strictEqual(same, loop);
        await loop.poll();
        const d = a.got.filter((x) => x.record.DetectedBy);
        assert.deepStrictEqual(d.map((x) => [x.record.ID, x.record.Reason, x.request.correlation, x.record.TimeStamp]),
            [[5, 'IdReused', 'OLD', iso(svc.now)]]);
    });

    it('peek() looks without creating a loop', function () {
        const host = makeHost(new FakeService());
        assert.strictEqual(PollLoop.peek(host), undefined);
        assert.strictEqual(host.listenerCount(ADDED_EVENT), 0);
        const loop = PollLoop.of(host);
        assert.strictEqual(PollLoop.peek(host), loop);
        assert.strictEqual(host.listenerCount(ADDED_EVENT), 1, 'the loop listens from its creation on');
        assert.strictEqual(ADDED_EVENT, require('../lib/red').ADDED_EVENT);
    });
});
