'use strict';
/*
 * The shared state of a high-availability pair (lib/events/shared.ts) against a real redis-server (started here on
 * a free port; test/support/redis.js): two (or three) stores in this process play the instances, each with its own
 * journal directory, some through a TCP proxy this test can cut. What is proven:
 *  - the lease: one holder, renewed while it lives, the other stands by; a release hands it over at once, with a
 *    larger fencing token;
 *  - a holder cut from Redis stops (its role changes) before the other instance can take the lease;
 *  - a black-holed holder (a connection that swallows everything, stays open, and is kept busy): a problem within
 *    about the lease time, the other takes over, and after the heal it never leads or seeds while the other holds
 *    the lease (the store's own command timer drops such a connection: no reply is taken for another command's);
 *  - replies of the wrong shape (acquire, renew, add) are refused: the connection is made again, a problem;
 *  - fencing: a holder whose lease was taken over has its writes refused, and becomes a standby;
 *  - an event-loop stall longer than the lease: the poll loop hands nothing to the flow after the deadline;
 *  - an add made on the other instance reaches the holder at once: "only own" releases what it held;
 *  - an add made while Redis is unreachable is kept in the journal and pushed once Redis answers;
 *  - both instances cut: nobody leads; a short loss: the holder stops at once and goes on with its memory; Redis
 *    that lost its data is seeded again from the holder's memory;
 *  - Redis down at start: standby, a clear problem, no poll; once Redis answers, the lease and the polls;
 *  - bad credentials (and a user without the needed commands): a clear error without the password; rediss:// with
 *    and without the certificate authority; a user with exactly the ACL docs/HA.md lists;
 *  - without the setting the Redis client module is never loaded (a child process, its require.cache);
 *  - om-events nodes in Node-RED: credentials in the Redis URL, Redis out of reach, a Redis that never answers, the
 *    client package missing: a red status saying why, one error a Catch node sees, never a poll; standby while
 *    another instance holds the lease, "polling (leader)" once it took over, with the other instance's correlation.
 * No sleeps for state: every wait is on an event or a count, bounded.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');
const ev = require('../lib/events');
const { SecretScrubber } = require('../lib/secrets');
const { startRedis, startProxy } = require('./support/redis');
const { freePort } = require('./support/nodered-cli');
const { makeSelfSignedCert } = require('./support/tls');
const { helper, waitFor } = require('./support/nodered');
const { NODES } = require('./support/events-flow');
const { startTestSimulator } = require('./support/simulator');

const SERVICE = 'http://127.0.0.1:1/OpenMediaService';
const T0 = Date.UTC(2026, 0, 1, 9);
const iso = (ms) => new Date(ms).toISOString();
const rec = (ID, Status, at) => ({ AgentID: 0, ID, LogonID: '', QueuePosition: 1, ServiceGroupID: 101, Status, StatusCode: 1, TenantID: 1, TimeStamp: iso(at) });

describe('events: shared state on Redis (lease, fencing, adds of the other instance)', function () {
    this.timeout(60000);
    let redis;
    let opened = [];
    let proxies = [];

    before(async function () {
        redis = await startRedis({ appendonly: false });
    });
    after(async function () {
        if (redis) await redis.stop();
    });
    afterEach(async function () {
        for (const o of opened) {
            if (o.loop) o.loop.dispose();
            await o.state.close(false);
            fs.rmSync(o.dir, { recursive: true, force: true });
        }
        opened = [];
        for (const p of proxies) await p.close();
        proxies = [];
        await redis.cli('FLUSHALL');
    });

    /** One instance: a LoopState over a RedisStore (its own journal directory), and what it reported. */
    function open(name, { url = redis.url, leaseMs = 1000, password, username, prefix = 't:', dir } = {}) {
        dir = dir || fs.mkdtempSync(path.join(os.tmpdir(), `om-shared-${name}-`));
        const settings = { url, prefix, leaseMs };
        if (password) settings.password = password;
        if (username) settings.username = username;
        const store = new ev.RedisStore(settings, 'srv', SERVICE, dir);
        const logs = [];
        const state = new ev.LoopState(SERVICE, store, (t) => logs.push(t));
        const o = { name, dir, store, state, roles: [], problems: [], added: [], logs };
        state.on('role', (c) => o.roles.push({ ...c, at: Date.now() }));
        state.on('problem', (p) => o.problems.push(p));
        state.on('added', (id) => o.added.push(id));
        opened.push(o);
        return o;
    }

    async function proxy() {
        const p = await startProxy(redis.port);
        proxies.push(p);
        return p;
    }

    const leader = (o) => o.store.role === 'leader';

    /** A (through a proxy this test controls) holds the lease, B (direct) stands by and has heard so. */
    async function holderThroughProxy() {
        const p = await proxy();
        const a = open('A', { url: p.url });
        const b = open('B');
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        b.state.contend(true);
        await waitFor(() => b.store.otherHolds(), 5000, 'B to hear that A holds the lease');
        return { p, a, b };
    }
    const leaseKey = (o) => o.store.keyNames.lease;

    /** A poll loop on an instance's state over a scripted service (its records, its clock). */
    function loopOn(o, service, subscriber = {}) {
        const client = {
            calls: 0,
            async call(op, args) {
                this.calls++;
                if (service.onCall) service.onCall(op, args);
                if (op === 'GetOpenMediaRequestsByTime') {
                    const after = new Date(args.retrieveLaterThan).getTime();
                    return { OpenMediaRequests: service.records.filter((r) => Date.parse(r.TimeStamp) > after), TimeStamp: iso(service.now) };
                }
                if (op === 'GetOpenMediaRequestHistoryByID') {
                    const after = new Date(args.retrieveLaterThan).getTime();
                    return { OpenMediaRequests: service.records.filter((x) => x.ID === args.openMediaID && Date.parse(x.TimeStamp) > after), TimeStamp: iso(service.now) };
                }
                if (op === 'GetOpenMediaRequestStatusByID') {
                    const r = service.records.filter((x) => x.ID === args.openMediaID).at(-1);
                    return { OpenMediaRequests: r ? [r] : [], TimeStamp: iso(service.now) };
                }
                return { OpenMediaRequests: service.records, TimeStamp: iso(service.now) };
            },
        };
        const host = { getClient: () => client, on() {}, eventsState: () => o.state };
        o.loop = ev.PollLoop.of(host);
        o.client = client;
        o.delivered = [];
        o.statuses = [];
        o.sub = o.loop.subscribe({
            id: 'ev1', intervalMs: 3600000, dataExpirationMs: 1800000,
            deliver: (d) => o.delivered.push(...d),
            status: (s) => o.statuses.push(s),
            ...subscriber,
        });
        return o.loop;
    }

    it('the lease: one holder, renewed while it lives, the other stands by; a release hands it over at once with a larger token', async function () {
        const a = open('A');
        const b = open('B');
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        b.state.contend(true);
        // Six renewals of a 1 s lease (one every 250 ms): well past its time to live, still A's.
        await waitFor(() => a.store.stats.renewed >= 6, 10000, 'A to renew');
        assert.ok(leader(a) && !leader(b), 'A holds, B stands by');
        assert.strictEqual(b.store.stats.acquired, 0);
        const value = await redis.cli('GET', leaseKey(a));
        assert.match(value, /^1\|/, 'the first token');
        assert.ok(Number(await redis.cli('PTTL', leaseKey(a))) > 0, 'the lease has a time to live');
        a.state.contend(false);
        await waitFor(() => leader(b), 3000, 'B to take the released lease');
        assert.match(await redis.cli('GET', leaseKey(b)), /^2\|/, 'a larger token');
        assert.deepStrictEqual(a.roles.map((r) => (r.leader ? 'leader' : r.reason)), ['leader', 'released']);
        assert.ok(b.roles[0].leader && b.roles[0].reload, 'B reloads the shared state when it takes over');
    });

    it('a holder cut from Redis stops before the other instance can take the lease; it stands by once Redis is back', async function () {
        const { p, a, b } = await holderThroughProxy();
        const cutAt = Date.now();
        p.cut();
        await waitFor(() => leader(b), 5000, 'B to take over');
        const lost = a.roles.find((r) => !r.leader);
        const took = b.roles.find((r) => r.leader);
        assert.ok(lost, 'A gave up its role');
        assert.ok(lost.at <= took.at, `A stopped (${lost.at - cutAt} ms after the cut) before B started (${took.at - cutAt} ms)`);
        assert.strictEqual(a.state.mayEmit(), false);
        await waitFor(() => a.problems.some((x) => x && x.code.startsWith('REDIS_')), 5000, 'A to report Redis out of reach');
        p.heal();
        await waitFor(() => a.problems.at(-1) === undefined, 5000, 'A to clear the problem');
        assert.ok(leader(b) && !leader(a), 'B keeps the lease, A stands by');
    });

    it('a black-holed holder (its connection swallows everything and stays open) that keeps adding: a problem within about the lease time, the other takes over, and after the heal it never leads or seeds while the other holds the lease; no add lost', async function () {
        const { p, a, b } = await holderThroughProxy();
        // A stays busy (an add every 20 ms, as om-add-request does): an idle timer on its connection never fires.
        let next = 100;
        const add = () => a.state.added({ OpenMediaID: next, request: { ServiceGroupID: 101 }, correlation: `T-${next++}`, node: 'add' });
        const adder = setInterval(add, 20);
        try {
            const seen = a.roles.length;
            const cutAt = Date.now();
            p.blackhole();
            await waitFor(() => a.problems.some((x) => x && x.code === 'REDIS_ETIMEDOUT'), 5000, 'A to report that Redis does not answer');
            const reportedMs = Date.now() - cutAt;
            await waitFor(() => leader(b), 5000, 'B to take over');
            const took = b.roles.find((r) => r.leader);
            const lost = a.roles.slice(seen).find((r) => !r.leader);
            assert.ok(lost && lost.at <= took.at, 'A stopped before B started');
            assert.ok(p.swallowed > 0, 'the black hole swallowed A\'s traffic');
            // Two more lease times in the black hole (B renews every 250 ms), then the path heals.
            const renewed = b.store.stats.renewed;
            await waitFor(() => b.store.stats.renewed >= renewed + 8, 10000, 'B to hold the lease two lease times');
            assert.ok(a.problems.at(-1) && a.problems.at(-1).code === 'REDIS_ETIMEDOUT', 'A still says Redis does not answer');
            assert.strictEqual(a.state.otherHolds(), false, 'A does not claim that another instance polls');
            p.heal();
            await waitFor(() => a.problems.at(-1) === undefined && a.state.otherHolds(), 10000, 'A to hear Redis again: B holds the lease');
            const after = b.store.stats.renewed;
            await waitFor(() => b.store.stats.renewed >= after + 8, 10000, 'two more lease times after the heal');
            clearInterval(adder);
            await a.state.flush();
            await waitFor(async () => Number(await redis.cli('HLEN', a.store.keyNames.corr)) === next - 100, 10000, 'every add of A in Redis');
            console.log(`      black hole: A reported it after ${reportedMs} ms (lease 1000 ms); B took over ${took.at - cutAt} ms after it began`);
            assert.ok(reportedMs < 2000, `A reported the black hole within about the lease time: ${reportedMs} ms`);
            assert.deepStrictEqual(a.roles.slice(seen).filter((r) => r.leader), [], 'A never led (nor seeded) again while B held the lease');
            assert.strictEqual(b.store.stats.lost, 0, 'B kept the lease');
            assert.strictEqual(a.state.mayEmit(), false);
        } finally {
            clearInterval(adder);
        }
    });

    it('replies of the wrong shape are refused: the connection is made again, a problem, and no lease is taken or kept on them', async function () {
        const real = ev.redisLoader.load();
        const originalLoad = ev.redisLoader.load;
        let tamper; // (command) => the reply to give instead, or undefined
        let clients = 0;
        ev.redisLoader.load = () => ({
            createClient(options) {
                clients++;
                const c = real.createClient(options);
                const send = c.sendCommand.bind(c);
                c.sendCommand = (args, opts) => {
                    const r = tamper && tamper(args);
                    return r !== undefined ? Promise.resolve(r.reply) : send(args, opts);
                };
                return c;
            },
        });
        try {
            const b = open('B');
            const isScript = (args, keys, first) => args[0] === 'EVALSHA' && args[2] === String(keys) && args[3].endsWith(first);
            const acquire = (args) => isScript(args, 3, 'lease') && args[4].endsWith('fence');
            const renew = (args) => isScript(args, 1, 'lease') && args.length === 6;
            const addScript = (args) => isScript(args, 3, 'corr');
            await waitFor(() => b.store.connected, 5000, 'B connected');
            const other = '1|otherhost:1:abcdef|0123456789ab';
            for (const reply of ['OK', 1, null, [other, 2], [other, 2, 0], [`7${other.slice(1)}`, 1, 1], ['', 0, 1], ['x|y', 0, 1], [other, 3, 1], [other, '0', 1]]) {
                const n = clients;
                tamper = (args) => (acquire(args) ? { reply } : undefined);
                b.state.contend(true);
                await waitFor(() => clients > n, 5000, `the connection made again after an acquire answered ${JSON.stringify(reply)}`);
                assert.ok(!leader(b), `no lease on ${JSON.stringify(reply)}`);
            }
            assert.ok(b.problems.some((x) => x && x.code === 'REDIS_EPROTO' && /reply of the wrong kind/.test(x.message)), 'a problem that says why');
            assert.deepStrictEqual(b.roles, [], 'B never took a role on a wrong reply');
            tamper = undefined;
            await waitFor(() => leader(b) && b.problems.at(-1) === undefined, 5000, 'B to take the lease once the replies are right');
            let n = clients;
            tamper = (args) => (renew(args) ? { reply: 'OK' } : undefined);
            await waitFor(() => !leader(b) && clients > n, 5000, 'a renewal answered "OK": B stops, the connection made again');
            assert.strictEqual(b.roles.at(-1).reason, 'redis');
            tamper = undefined;
            await waitFor(() => leader(b), 5000, 'B to hold the lease again');
            n = clients;
            tamper = (args) => (addScript(args) ? { reply: 2 } : undefined); // two written, of one sent
            b.state.added({ OpenMediaID: 41, request: { ServiceGroupID: 101 }, correlation: 'T-41', node: 'add' });
            await waitFor(() => clients > n, 5000, 'the connection made again after an add answered 2 for 1');
            tamper = undefined;
            await waitFor(async () => (await redis.cli('HGET', b.store.keyNames.corr, '41')) !== null, 5000, 'the add sent again');
        } finally {
            tamper = undefined;
            ev.redisLoader.load = originalLoad;
        }
    });

    it('both instances cut from Redis: nobody leads; once Redis is back, one takes the lease', async function () {
        const pa = await proxy();
        const pb = await proxy();
        const a = open('A', { url: pa.url });
        const b = open('B', { url: pb.url });
        a.state.contend(true);
        b.state.contend(true);
        await waitFor(() => leader(a) || leader(b), 5000, 'a holder');
        pa.cut();
        pb.cut();
        await waitFor(() => !leader(a) && !leader(b), 5000, 'nobody to lead');
        assert.ok(!a.state.mayEmit() && !b.state.mayEmit());
        pa.heal();
        pb.heal();
        await waitFor(() => leader(a) || leader(b), 10000, 'a holder again');
        assert.ok(!(leader(a) && leader(b)), 'one');
    });

    it('a short loss of Redis: the holder stops at once, then takes its own lease up again and keeps its memory (no reload)', async function () {
        const p = await proxy();
        const a = open('A', { url: p.url, leaseMs: 4000 });
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        a.state.handOver('ev1', { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } });
        await a.state.flush();
        const value = await redis.cli('GET', leaseKey(a));
        p.cut();
        await waitFor(() => !leader(a), 5000, 'A to stand by');
        assert.strictEqual(a.roles.at(-1).reason, 'redis', 'at once, not at the deadline');
        p.heal();
        await waitFor(() => leader(a), 5000, 'A to hold the lease again');
        assert.strictEqual(await redis.cli('GET', leaseKey(a)), value, 'the same lease, extended');
        assert.ok(!a.roles.at(-1).reload && !a.roles.at(-1).seed, 'its memory is the newest state: kept');
        assert.strictEqual(a.store.stats.reloads, 0);
    });

    it('Redis lost its data (a restart without persistence): the next holder writes what it knows back', async function () {
        const a = open('A');
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        a.state.added({ OpenMediaID: 11, request: { ServiceGroupID: 101 }, correlation: 'T-11', node: 'add' });
        a.state.handOver('ev1', { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } });
        await a.state.flush();
        await redis.cli('FLUSHALL');
        await waitFor(() => a.roles.filter((r) => r.leader && r.seed).length === 2, 5000, 'A to take the lease again and seed');
        await a.state.flush();
        assert.ok(await redis.cli('HGET', a.store.keyNames.corr, '11'), 'the correlation is back');
        assert.match(await redis.cli('HGET', a.store.keyNames.subs, 'ev1'), /"cursor":"2026-01-01T09:00:00.000Z"/, 'the position is back');
        assert.strictEqual(await redis.cli('EXISTS', a.store.keyNames.meta), 1);
    });

    it('setting on, off (the journal goes on alone), on again: per node the newer position wins, so the "off" period\'s changes do not come again', async function () {
        const pos = (ms) => ({ v: 2, tracker: { v: 2, cursor: iso(ms), floor: null, newest: null, seen: [] } });
        const a = open('A');
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        for (const [id, at] of [['ev1', T0], ['ev2', T0 + 5000], ['ev3', T0]]) a.state.handOver(id, pos(at));
        await a.state.flush();
        await a.state.close(false); // the setting switched off: a redeploy
        // Off: the journal alone, in the same user directory; ev1 goes on for a minute, ev2 stays behind the pair's
        // position (the other instance moved it on), ev4 is new.
        const off = new ev.LoopState(SERVICE, new ev.JournalStore(a.dir, 'srv', SERVICE));
        for (const [id, at] of [['ev1', T0 + 60000], ['ev2', T0 + 1000], ['ev4', T0 + 30000]]) off.handOver(id, pos(at));
        await off.close(false);
        const again = open('A2', { dir: a.dir }); // on again
        again.state.contend(true);
        await waitFor(() => leader(again) && again.roles.some((r) => r.reload), 5000, 'A to take the lease and read the pair\'s state');
        const cursor = (id) => again.state.subscriber(id)?.tracker.cursor;
        assert.strictEqual(cursor('ev1'), iso(T0 + 60000), 'the journal\'s newer position');
        assert.strictEqual(cursor('ev2'), iso(T0 + 5000), 'the pair\'s newer position');
        assert.strictEqual(cursor('ev3'), iso(T0), 'only in Redis');
        assert.strictEqual(cursor('ev4'), iso(T0 + 30000), 'only in the journal');
        assert.strictEqual(again.logs.filter((t) => /resumes from the position kept in this instance's journal/.test(t)).length, 2, 'said for ev1 and ev4');
        await again.state.flush();
        const journal = fs.readFileSync(ev.journalFile(a.dir, 'srv'), 'utf8');
        for (const id of ['ev1', 'ev2', 'ev4']) assert.ok(journal.includes(`["r","${id}"]`), `the journal lets go of ${id}'s position`);
    });

    it('fencing: the writes of a holder whose lease was taken over are refused, and it becomes a standby', async function () {
        const a = open('A', { leaseMs: 10000 });
        const b = open('B', { leaseMs: 10000 });
        a.state.contend(true);
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        // The lease goes behind A's back (as after a pause longer than its time to live), and B takes it.
        await redis.cli('DEL', leaseKey(a));
        b.state.contend(true);
        await waitFor(() => leader(b), 5000, 'B to take the lease');
        assert.ok(leader(a), 'A still believes it holds the lease (its next renewal is seconds away)');
        const cursor = iso(T0);
        a.state.handOver('ev1', { v: 2, tracker: { v: 2, cursor, floor: null, newest: null, seen: [] } });
        await waitFor(() => a.roles.some((r) => r.reason === 'refused'), 5000, 'A\'s write to be refused');
        assert.strictEqual(a.store.stats.refused, 1);
        assert.strictEqual(await redis.cli('HGET', a.store.keyNames.subs, 'ev1'), null, 'nothing of A\'s write reached Redis');
        b.state.handOver('ev1', { v: 2, tracker: { v: 2, cursor, floor: null, newest: null, seen: [] } });
        await b.state.flush();
        assert.ok(await redis.cli('HGET', b.store.keyNames.subs, 'ev1'), 'the holder\'s write is taken');
    });

    it('a holder that wakes "before its deadline" while another holds the lease (a suspended host): the lease is confirmed after each answer, nothing goes out', async function () {
        const a = open('A', { leaseMs: 10000 });
        const b = open('B', { leaseMs: 10000 });
        const service = { now: T0 + 1000, records: [rec(5, 'Queued', T0 + 100), rec(7, 'Queued', T0 + 200)] };
        const saved = { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } };
        loopOn(a, service, { saved, judge: (r, ours) => (r.ID === 7 && !ours ? ev.VERDICT.Defer : ev.VERDICT.Emit) });
        await waitFor(() => leader(a) && a.delivered.length === 1 && a.sub.pending.length === 1, 5000, 'A to lead, send 5 and hold 7');
        // As after a suspension longer than the lease: the key expired in Redis and B took it; A's monotonic clock
        // stood still, so its own deadline has not passed.
        await redis.cli('DEL', leaseKey(a));
        b.state.contend(true);
        await waitFor(() => leader(b), 5000, 'B to take the lease');
        const renewed = a.store.stats.renewed;
        assert.ok(a.store.mayEmit(), 'A\'s deadline alone says it may emit');
        service.records.push(rec(6, 'Queued', T0 + 1500));
        service.now = T0 + 2000;
        b.state.added({ OpenMediaID: 7, request: { ServiceGroupID: 101 }, correlation: 'T-7', node: 'add' }); // would release 7
        await waitFor(() => a.added.includes(7), 5000, 'A to hear of the add');
        await a.loop.poll();
        await waitFor(() => !leader(a), 5000, 'A to stand by');
        assert.deepStrictEqual(a.delivered.map((d) => d.record.ID), [5], 'neither the new record nor the released one went out');
        assert.strictEqual(a.roles.at(-1).reason, 'other');
        assert.strictEqual(a.store.stats.renewed, renewed, 'no renewal succeeded');
    });

    it('names the service in its keys as the journal does: a trailing slash is the same service, another host is not', function () {
        const keysOf = (url) => new ev.RedisStore({ url: redis.url, prefix: 't:', leaseMs: 1000 }, 'srv', url).keys.lease;
        assert.strictEqual(keysOf('http://127.0.0.1:12615/OpenMediaService/'), keysOf('http://127.0.0.1:12615/OpenMediaService'));
        assert.strictEqual(keysOf('HTTP://127.0.0.1:12615/OpenMediaService'), keysOf('http://127.0.0.1:12615/OpenMediaService'));
        assert.notStrictEqual(keysOf('http://localhost:12615/OpenMediaService'), keysOf('http://127.0.0.1:12615/OpenMediaService'));
        assert.notStrictEqual(keysOf('http://127.0.0.1:12615/OpenMediaService2'), keysOf('http://127.0.0.1:12615/OpenMediaService'));
    });

    it('an event-loop stall longer than the lease: the poll loop hands nothing to the flow after the deadline', async function () {
        const a = open('A');
        const b = open('B');
        const service = { now: T0, records: [rec(5, 'Queued', T0 + 100)] };
        let stall = false;
        service.onCall = (op) => {
            if (op !== 'GetOpenMediaRequestsByTime' || !stall) return;
            stall = false;
            const until = Date.now() + 1600; // blocks the event loop past the 1 s lease: no renewal can run
            while (Date.now() < until) { /* a GC pause, a synchronous job in another node */ }
        };
        const saved = { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } };
        loopOn(a, service, { saved });
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        await waitFor(() => a.delivered.length === 1, 5000, 'the first record');
        b.state.contend(true);
        service.records.push(rec(6, 'Queued', T0 + 200));
        service.now = T0 + 1000;
        stall = true;
        a.loop.pollNow();
        await waitFor(() => a.statuses.some((s) => s.state === 'standby'), 5000, 'A to stand by');
        assert.deepStrictEqual(a.delivered.map((d) => d.record.ID), [5], 'the record of the stalled cycle was not handed over');
        // A contends again at its next tick and may win the free lease first; out of the race, B takes it.
        a.state.contend(false);
        await waitFor(() => leader(b), 5000, 'B to take over');
    });

    it('an add made on the other instance reaches the holder at once: "only own" sends what it held, with its correlation', async function () {
        const a = open('A');
        const b = open('B');
        const service = { now: T0 + 1000, records: [rec(7, 'Queued', T0 + 500)] };
        const saved = { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } };
        loopOn(a, service, { saved, judge: (r, ours) => (ours ? ev.VERDICT.Emit : ev.VERDICT.Defer) });
        await waitFor(() => leader(a), 5000, 'A to take the lease');
        await waitFor(() => a.sub.pending.length === 1, 5000, 'A to hold the record of a request it does not know');
        await b.state.ready;
        b.state.added({ OpenMediaID: 7, request: { ServiceGroupID: 101, PrivateData: 'ticket' }, correlation: 'T-7', node: 'add' });
        await waitFor(() => a.delivered.length === 1, 5000, 'A to send the held record');
        assert.strictEqual(a.delivered[0].record.ID, 7);
        assert.deepStrictEqual(a.delivered[0].request, { ServiceGroupID: 101, PrivateData: 'ticket', correlation: 'T-7' });
        assert.ok(a.added.includes(7));
    });

    it('an add made while Redis is out of reach is kept in the journal and pushed once Redis answers', async function () {
        const p = await proxy();
        const a = open('A');
        const b = open('B', { url: p.url });
        await waitFor(() => b.store.connected && b.store.stats.pushed === 0 && b.problems.length === 0, 5000, 'B connected');
        await a.state.ready;
        p.cut();
        await waitFor(() => !b.store.connected || b.problems.some((x) => x), 5000, 'B to lose Redis');
        b.state.added({ OpenMediaID: 9, request: { ServiceGroupID: 101 }, correlation: 'T-9', node: 'add' });
        await b.state.flush();
        const journal = fs.readFileSync(ev.journalFile(b.dir, 'srv'), 'utf8');
        assert.match(journal, /\["c",9,/, 'in B\'s journal');
        assert.strictEqual(await redis.cli('HGET', a.store.keyNames.corr, '9'), null, 'not in Redis yet');
        p.heal();
        await waitFor(() => a.added.includes(9), 10000, 'A to hear of the add');
        assert.ok(await redis.cli('HGET', a.store.keyNames.corr, '9'), 'in Redis');
        assert.deepStrictEqual(a.state.correlation.requestFor(9), { ServiceGroupID: 101, correlation: 'T-9' });
        await b.state.flush();
        assert.match(fs.readFileSync(ev.journalFile(b.dir, 'srv'), 'utf8'), /\["x",\[9\]\]/, 'then forgotten in B\'s journal');
    });

    it('an add pushed late (the other instance was cut from Redis longer than the hold): the holder fetches what it dropped and sends it, marked late, each once', async function () {
        const p = await proxy();
        const a = open('A');
        const b = open('B', { url: p.url });
        const service = { now: T0 + 1000, records: [rec(9, 'Queued', T0 + 500), rec(9, 'AllocatedToAgent', T0 + 600)] };
        const saved = { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } };
        loopOn(a, service, { saved, intervalMs: 1000, judge: (r, ours) => (ours ? ev.VERDICT.Emit : ev.VERDICT.Defer) });
        await waitFor(() => leader(a) && a.sub.pending.length === 2, 5000, 'A to lead and hold the records of a request it does not know');
        await waitFor(() => b.store.connected, 5000, 'B connected');
        p.cut();
        await waitFor(() => !b.store.connected || b.problems.some((x) => x), 5000, 'B to lose Redis');
        b.state.added({ OpenMediaID: 9, request: { ServiceGroupID: 101 }, correlation: 'T-9', node: 'add' });
        // Past the hold (call timeout 10 s + poll 1 s + overlap 5 s, service time): A drops them as someone else's.
        service.now = T0 + 20000;
        await a.loop.poll();
        assert.deepStrictEqual(a.sub.pending, []);
        service.records.push(rec(9, 'AgentProcessing', T0 + 20500));
        service.now = T0 + 21000;
        await a.loop.poll();
        assert.strictEqual(a.sub.pending.length, 1, 'a later record of it is held again');
        assert.deepStrictEqual(a.delivered, []);
        p.heal(); // B's journal pushes the add; A hears of it through the log
        await waitFor(() => a.delivered.length === 3, 10000, 'A to send the dropped records and the held one');
        assert.deepStrictEqual(a.delivered.map((d) => [d.record.Status, d.request.correlation, d.late === true]),
            [['Queued', 'T-9', true], ['AllocatedToAgent', 'T-9', true], ['AgentProcessing', 'T-9', false]]);
        service.records.push(rec(9, 'Complete', T0 + 22000));
        service.now = T0 + 23000;
        await a.loop.poll();
        await a.loop.poll();
        assert.deepStrictEqual(a.delivered.slice(3).map((d) => [d.record.Status, d.late === true]), [['Complete', false]], 'nothing twice');
    });

    it('Redis down at start: standby with a clear problem and no poll; once Redis answers, the lease and the polls', async function () {
        const port = await freePort();
        const a = open('A', { url: `redis://127.0.0.1:${port}` });
        const service = { now: T0, records: [] };
        loopOn(a, service);
        await waitFor(() => a.problems.some((x) => x && x.code === 'REDIS_ECONNREFUSED'), 5000, 'the problem');
        const problem = a.problems.find((x) => x);
        assert.match(problem.message, /nothing answers there.*redis:\/\/127\.0\.0\.1:\d+.*does not poll/);
        assert.ok(a.statuses.length > 0 && a.statuses.every((s) => s.state === 'standby'), 'standby');
        assert.strictEqual(a.client.calls, 0, 'no poll without the lease');
        const late = await startRedis({ appendonly: false, port });
        try {
            await waitFor(() => leader(a), 10000, 'the lease once Redis answers');
            await waitFor(() => a.client.calls > 0, 5000, 'the first poll');
            await waitFor(() => a.problems.at(-1) === undefined, 5000, 'the problem cleared');
        } finally {
            a.loop.dispose();
            a.loop = undefined;
            await a.state.close(false);
            opened = opened.filter((o) => o !== a);
            fs.rmSync(a.dir, { recursive: true, force: true });
            await late.stop();
        }
    });

    it('bad credentials, and a user without the commands it needs: a clear error, never the password', async function () {
        const right = 'Kq7vZr82-uLm3';
        const wrong = 'Tp4nYw19-hJd6';
        const guarded = await startRedis({ appendonly: false, password: right, users: [`ha on >${right}-ha ~* +@all -script`] });
        try {
            const a = open('A', { url: guarded.url, password: wrong });
            await waitFor(() => a.problems.some((x) => x), 5000, 'a problem');
            const p = a.problems.find((x) => x);
            assert.strictEqual(p.code, 'REDIS_WRONGPASS');
            assert.match(p.message, /Redis refused the user name or password/);
            const c = open('C', { url: guarded.url, username: 'ha', password: `${right}-ha` });
            c.state.contend(true);
            await waitFor(() => c.problems.some((x) => x && x.code === 'REDIS_NOPERM'), 5000, 'NOPERM');
            const q = c.problems.find((x) => x && x.code === 'REDIS_NOPERM');
            assert.match(q.message, /may not run the commands/);
            for (const text of [p.message, q.message, JSON.stringify(a.problems), JSON.stringify(c.problems)]) {
                for (const secret of [right, wrong, `${right}-ha`]) {
                    assert.ok(!new SecretScrubber({ password: secret }).mentions(text), `no trace of a password in ${text}`);
                }
            }
            assert.ok(!leader(a) && !leader(c));
        } finally {
            for (const o of opened.filter((x) => x.name !== 'B')) {
                await o.state.close(false);
                fs.rmSync(o.dir, { recursive: true, force: true });
            }
            opened = [];
            await guarded.stop();
        }
    });
    it('rediss:// with the certificate authority of a tls-config: works; without it: a certificate problem, said clearly', async function () {
        const certs = makeSelfSignedCert();
        const secure = await startRedis({ appendonly: false, tls: certs });
        try {
            const a = open('A', { url: secure.url });
            await waitFor(() => a.problems.some((x) => x), 5000, 'a problem');
            const p = a.problems.find((x) => x);
            assert.strictEqual(p.code, 'REDIS_TLS_ERROR');
            assert.match(p.message, /certificate is not trusted/);
            const settings = { url: secure.url, prefix: 't:', leaseMs: 1000, tls: { ca: certs.cert, rejectUnauthorized: true } };
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-shared-tls-'));
            const store = new ev.RedisStore(settings, 'srv', SERVICE, dir);
            const state = new ev.LoopState(SERVICE, store);
            opened.push({ name: 'T', dir, store, state });
            state.contend(true);
            await waitFor(() => store.role === 'leader', 5000, 'the lease over TLS');
        } finally {
            for (const o of opened) {
                await o.state.close(false);
                fs.rmSync(o.dir, { recursive: true, force: true });
            }
            opened = [];
            await secure.stop();
            certs.cleanup();
        }
    });

    it('a Redis user allowed only the commands docs/HA.md lists, on the prefix\'s keys: lease, adds and fenced writes work', async function () {
        const pw = 'Acl-pw-8812-q';
        // The ACL of docs/HA.md.
        const acl = `omha on >${pw} resetchannels ~t:* +ping +hello +auth +select +evalsha +script|load +get +set +del +incr +exists +pexpire `
            + '+hget +hgetall +hset +hsetnx +hdel +hexists +xadd +xread +xrange +xrevrange';
        const guarded = await startRedis({ appendonly: false, password: 'Admin-pw-7731-z', users: [acl] });
        try {
            const a = open('A', { url: guarded.url, username: 'omha', password: pw });
            const b = open('B', { url: guarded.url, username: 'omha', password: pw });
            a.state.contend(true);
            await waitFor(() => leader(a), 5000, 'A to take the lease');
            b.state.contend(true);
            b.state.added({ OpenMediaID: 3, request: { ServiceGroupID: 101 }, correlation: 'T-3', node: 'add' });
            await waitFor(() => a.added.includes(3), 5000, 'A to hear of B\'s add');
            a.state.handOver('ev1', { v: 2, tracker: { v: 2, cursor: iso(T0), floor: null, newest: null, seen: [] } });
            a.state.contend(false);
            await waitFor(() => leader(b), 5000, 'B to take over');
            assert.strictEqual(b.state.subscriber('ev1').tracker.cursor, iso(T0), 'B resumes from A\'s position');
            assert.deepStrictEqual([...a.problems, ...b.problems].filter((x) => x), []);
        } finally {
            for (const o of opened) {
                await o.state.close(false);
                fs.rmSync(o.dir, { recursive: true, force: true });
            }
            opened = [];
            await guarded.stop();
        }
    });
});


describe('events: shared state off: the Redis client is never loaded', function () {
    this.timeout(60000);

    /** A child process runs a flow through the nodes and says whether @redis/client is in its require.cache. */
    function run(withRedis) {
        const script = `
            const path = require('path');
            const { helper } = require(${JSON.stringify(path.join(__dirname, 'support', 'nodered'))});
            const { NODES, buildFlow, ready, addRequest } = require(${JSON.stringify(path.join(__dirname, 'support', 'events-flow'))});
            const { startTestSimulator } = require(${JSON.stringify(path.join(__dirname, 'support', 'simulator'))});
            (async () => {
                const sim = await startTestSimulator();
                const flow = buildFlow(sim, { interval: 1 });
                if (${withRedis}) flow[0].redisUrl = 'redis://127.0.0.1:9';
                helper.settings({});
                await new Promise((resolve) => helper.startServer(resolve));
                await helper.load(NODES, flow);
                if (!${withRedis}) { await ready(); await addRequest({}); }
                else await new Promise((r) => setTimeout(r, 300));
                const loaded = Object.keys(require.cache).filter((k) => k.includes(path.join('node_modules', '@redis', 'client')));
                await helper.unload();
                await new Promise((resolve) => helper.stopServer(resolve));
                await sim.stop();
                process.stdout.write(JSON.stringify({ loaded: loaded.length }) + '\\n');
                process.exit(0);
            })().catch((e) => { console.error(e); process.exit(1); });`;
        return new Promise((resolve, reject) => {
            execFile(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), timeout: 50000 }, (err, stdout, stderr) => {
                if (err) reject(new Error(`${err.message}\n${stderr}`));
                else resolve(JSON.parse(stdout.trim().split('\n').pop()));
            });
        });
    }

    it('a flow with om-server, om-events and an add, without the setting: @redis/client is not in require.cache (with it: it is)', async function () {
        assert.deepStrictEqual(await run(false), { loaded: 0 });
        const with_ = await run(true);
        assert.ok(with_.loaded > 0, 'the check can tell: with the setting the module is loaded');
    });
});

describe('events: om-events nodes with shared state, in Node-RED', function () {
    this.timeout(30000);
    let sim;
    let redis;
    let other;
    const { buildFlow, addRequest } = require('./support/events-flow');
    before(async function () {
        redis = await startRedis({ appendonly: false });
    });
    after(async function () {
        if (redis) await redis.stop();
    });
    beforeEach(async function () {
        sim = await startTestSimulator();
        helper.settings({});
    });
    afterEach(async function () {
        await helper.unload();
        if (other) {
            await other.state.close(false);
            fs.rmSync(other.dir, { recursive: true, force: true });
            other = undefined;
        }
        await sim.stop();
        delete process.env.OM_TEST_REDIS_URL;
        ev.redisLoader.load = originalLoad;
        await redis.cli('FLUSHALL');
    });
    const originalLoad = ev.redisLoader.load;

    /** The flow with the shared state on; the om-events node's statuses and errors as they come. */
    async function load(redisUrl, events = {}) {
        const flow = buildFlow(sim, { interval: 1, ...events });
        flow[0].redisUrl = redisUrl;
        await helper.load(NODES, flow);
        const node = helper.getNode('ev');
        const seen = { statuses: [], errors: [] };
        node.on('call:status', (c) => seen.statuses.push(c.args[0]));
        node.on('call:error', (c) => seen.errors.push({ text: String(c.args[0]), msg: c.args[1] }));
        return { node, seen, srv: helper.getNode('srv') };
    }

    it('credentials in the Redis URL: never used, om-events stands by and never polls, the status and an error say why, no secret shown', async function () {
        const secret = 'TopSecret-Redis-991';
        // Through an environment variable: the configuration itself holds only ${OM_TEST_REDIS_URL}.
        process.env.OM_TEST_REDIS_URL = `redis://admin:${secret}@127.0.0.1:9`;
        const { seen, srv } = await load('${OM_TEST_REDIS_URL}');
        await waitFor(() => seen.statuses.some((s) => s.text === 'bad Redis setting, standby') && seen.errors.length > 0, 5000, 'the status and the error');
        assert.strictEqual(seen.statuses.find((s) => s.text === 'bad Redis setting, standby').fill, 'red');
        assert.strictEqual(seen.errors.length, 1);
        assert.strictEqual(seen.errors[0].msg.topic, 'openmedia/state');
        assert.strictEqual(seen.errors[0].msg.payload.code, 'REDIS_CONFIG');
        assert.match(seen.errors[0].text, /Redis URL holds a user name or password/);
        assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0, 'never polls');
        const warned = srv.warn.getCalls().map((c) => String(c.args[0]));
        assert.ok(warned.some((w) => /Redis URL holds a user name or password/.test(w)), 'a warning');
        assert.ok(!JSON.stringify([warned, seen]).includes(secret));
        assert.strictEqual(srv.sharedState, 'redis://127.0.0.1:9');
    });

    it('Redis out of reach: red "no Redis: standby", one error a Catch node sees, never polls', async function () {
        const port = await freePort();
        const { seen } = await load(`redis://127.0.0.1:${port}`);
        await waitFor(() => seen.statuses.some((s) => s.text === 'no Redis: standby') && seen.errors.length > 0, 5000, 'the status and the error');
        assert.deepStrictEqual(seen.statuses.find((s) => s.text === 'no Redis: standby'), { fill: 'red', shape: 'ring', text: 'no Redis: standby' });
        assert.strictEqual(seen.errors[0].msg.payload.code, 'REDIS_ECONNREFUSED');
        assert.match(seen.errors[0].text, /nothing answers there/);
        // more reconnect attempts fail meanwhile: still one error
        await waitFor(() => seen.statuses.length >= 2, 5000, 'statuses');
        assert.strictEqual(seen.errors.length, 1);
        assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0, 'never polls');
    });

    it('a Redis that never answers (a black hole from the start): red "no Redis answer: standby", one error, never "standby (other instance polls)", never polls', async function () {
        const p = await startProxy(redis.port);
        try {
            p.blackhole();
            const flow = buildFlow(sim, { interval: 1 });
            flow[0].redisUrl = p.url;
            flow[0].lease = 1;
            await helper.load(NODES, flow);
            const node = helper.getNode('ev');
            const seen = { statuses: [], errors: [] };
            node.on('call:status', (c) => seen.statuses.push(c.args[0]));
            node.on('call:error', (c) => seen.errors.push({ text: String(c.args[0]), msg: c.args[1] }));
            await waitFor(() => seen.statuses.some((s) => s.text === 'no Redis answer: standby') && seen.errors.length > 0, 10000, 'the status and the error');
            assert.deepStrictEqual(seen.statuses.find((s) => s.text === 'no Redis answer: standby'), { fill: 'red', shape: 'ring', text: 'no Redis answer: standby' });
            assert.strictEqual(seen.errors[0].msg.payload.code, 'REDIS_ETIMEDOUT');
            assert.match(seen.errors[0].text, /no round trip to Redis succeeded for \d+ s: no answer in time/);
            assert.ok(!seen.statuses.some((s) => s.text === 'standby (other instance polls)'), 'never claims that another instance polls');
            assert.strictEqual(seen.errors.length, 1, 'one error while it lasts');
            assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0, 'never polls');
        } finally {
            await helper.unload();
            await p.close();
        }
    });

    it('a Redis that asks for a password when none is set: red "Redis: no password, standby" (every red Redis status says standby), never polls', async function () {
        const locked = await startRedis({ appendonly: false, password: 'pw-9131' });
        try {
            const { seen } = await load(locked.url);
            await waitFor(() => seen.statuses.some((s) => s.fill === 'red') && seen.errors.length > 0, 5000, 'the status and the error');
            assert.deepStrictEqual(seen.statuses.find((s) => s.fill === 'red'), { fill: 'red', shape: 'ring', text: 'Redis: no password, standby' });
            assert.strictEqual(seen.errors[0].msg.payload.code, 'REDIS_NOAUTH');
            assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0);
        } finally {
            await helper.unload();
            await locked.stop();
        }
    });

    it('the Redis client package missing: "no Redis client, standby", never polls', async function () {
        ev.redisLoader.load = () => { throw Object.assign(new Error("Cannot find module '@redis/client'"), { code: 'MODULE_NOT_FOUND' }); };
        const { seen } = await load(redis.url);
        await waitFor(() => seen.statuses.some((s) => s.text === 'no Redis client, standby') && seen.errors.length > 0, 5000, 'the status');
        assert.match(seen.errors[0].text, /npm install @redis\/client/);
        assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0);
    });

    it('"standby (other instance polls)" while another instance holds the lease, nothing sent; "polling (leader)" once it has taken over', async function () {
        // The other instance: the same om-server id and service URL, the default prefix, holding the lease first.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-shared-other-'));
        const store = new ev.RedisStore({ url: redis.url, prefix: 'openmedia:', leaseMs: 10000 }, 'srv', sim.url, dir);
        other = { dir, store, state: new ev.LoopState(sim.url, store) };
        other.state.contend(true);
        await waitFor(() => store.role === 'leader', 5000, 'the other instance to hold the lease');
        const { seen, node } = await load(redis.url);
        await waitFor(() => seen.statuses.some((s) => s.text === 'standby (other instance polls)'), 5000, 'standby');
        assert.deepStrictEqual(seen.statuses.at(-1), { fill: 'grey', shape: 'ring', text: 'standby (other instance polls)' });
        const out = helper.getNode('out');
        const got = [];
        out.on('input', (m) => got.push(m));
        const id = await addRequest({}, 'T-1');
        assert.ok(other.state.correlation.has(id) || await waitFor(() => other.state.correlation.has(id), 5000, 'the add to reach the other instance'));
        node.receive({}); // a message asks for a poll: a standby does not poll
        assert.strictEqual(sim.receivedCount('GetOpenMediaRequestsByTime'), 0, 'no poll while standing by');
        other.state.contend(false); // the other instance stops cleanly
        await waitFor(() => seen.statuses.some((s) => s.text === 'polling (leader)'), 10000, 'leader');
        await waitFor(() => sim.receivedCount('GetOpenMediaRequestsByTime') > 0, 5000, 'a poll');
        sim.answer(id);
        node.receive({});
        await waitFor(() => got.length > 0, 5000, 'an event');
        assert.strictEqual(got[0].payload.correlation, 'T-1');
        await waitFor(() => /\(leader\)$/.test(seen.statuses.at(-1).text), 5000, 'the last change, as leader');
    });
});
