'use strict';
/*
 * The shared state's cost per poll, in a process of its own (bench/ha.js drives it over IPC): the real poll loop
 * (lib/events) over a scripted service (no network to the service), with its state in a journal (one Node-RED) or in
 * Redis (a high-availability pair, this process holding the lease).
 *
 *   poll { store: 'journal' | 'redis', redisUrl, perPoll, polls, tmp }
 *
 * Each poll: `perPoll` requests are added (om-add-request's hand-over) and their Queued records come in the answer,
 * together with the Complete records of the previous poll's requests; an om-events "only own" subscriber takes them.
 * Measured per poll: the cycle (poll, dedupe, delivery, correlation updates) plus writing the state at once
 * (commit(true), which without measuring happens 2 s later) until the store has it (journal: written and fdatasync'ed;
 * Redis: every command answered). Wall time and this process's CPU time, medians over the polls.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { scriptedService, serve, median } = require('./lib');

const root = path.join(__dirname, '..');

function cpuMicros() {
    const u = process.cpuUsage();
    return u.user + u.system;
}

let runs = 0;

async function pollRun({ store: kind, redisUrl, perPoll, polls, tmp }) {
    const ev = require(path.join(root, 'lib', 'events'));
    const dir = fs.mkdtempSync(path.join(tmp || os.tmpdir(), `om-bench-ha-${kind}-`));
    const url = 'http://bench/OpenMediaService';
    const { rec, svc, client } = scriptedService();
    const store = kind === 'redis'
        ? new ev.RedisStore({ url: redisUrl, prefix: `ombench-${process.pid}-${++runs}:`, leaseMs: 10000 }, 'srv', url, dir)
        : new ev.JournalStore(dir, 'srv', url);
    const state = new ev.LoopState(url, store);
    await state.ready;
    const host = { getClient: () => client, on() {}, eventsState: () => state };
    const loop = ev.PollLoop.of(host);
    let delivered = 0;
    loop.subscribe({
        id: 'own', intervalMs: 3600000, dataExpirationMs: 1800000, checkEvery: 1000,
        judge: (r, ours) => (ours ? ev.VERDICT.Emit : ev.VERDICT.Defer),
        deliver: (d) => { delivered += d.length; },
    });
    if (kind === 'redis') {
        const t = Date.now();
        while (!state.leading) {
            if (Date.now() - t > 10000) throw new Error('the bench store did not get the lease');
            await new Promise((r) => setTimeout(r, 10));
        }
    }
    await loop.poll();
    const wall = [];
    const cpu = [];
    let id = 0;
    let previous = [];
    for (let p = 0; p < polls; p++) {
        svc.now += 1000;
        const added = [];
        for (let k = 0; k < perPoll; k++) {
            id++;
            added.push(id);
            svc.history.push(rec(id, 'Queued', svc.now - 500));
        }
        for (const old of previous) svc.history.push(rec(old, 'Complete', svc.now - 100));
        previous = added;
        // the service keeps a few polls of history here (enough for the overlap)
        if (svc.history.length > 20 * perPoll) svc.history = svc.history.slice(-10 * perPoll);
        const c0 = cpuMicros();
        const t0 = process.hrtime.bigint();
        for (const a of added) state.added({ OpenMediaID: a, request: { ServiceGroupID: 101, PrivateData: `https://tickets.example.com/${a}` }, correlation: `T-${a}`, node: 'add' });
        await loop.poll();
        state.commit(true);
        await state.flush();
        wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpu.push((cpuMicros() - c0) / 1000);
    }
    loop.dispose();
    await state.close(false);
    fs.rmSync(dir, { recursive: true, force: true });
    return { store: kind, perPoll, polls, delivered, wallMs: median(wall), cpuMs: median(cpu) };
}

serve({
    poll: pollRun,
    async stop() {
        setImmediate(() => process.exit(0));
        return true;
    },
});
