'use strict';
/*
 * The durability measurements, each in its own process (bench/durability.js drives them over IPC):
 *
 *   node <plain|tracked|memory|shared>   an embedded Node-RED (no editor, no HTTP) with the pack installed in a
 *                          throw-away user directory: om-add-request -> sink; `tracked` adds an om-events node "only
 *                          requests added here" with its default settings (poll every 5 s) on the same server, so
 *                          every add is written to the journal in <userDir>/openmedia/ and followed by the poll loop;
 *                          `memory` is `tracked` with the journal swapped for the store that keeps nothing (what
 *                          the node did before issue 11, the context store aside): tracked / memory is what the
 *                          durability itself costs;
 *                          `shared` is `tracked` with the om-server's shared state on a Redis (setup's redisUrl,
 *                          bench/ha.js): every add also goes to Redis.
 *   journal                no Node-RED and no network: the real poll loop (lib/events) over a scripted service,
 *                          with its state in a journal in a temporary directory. Requests come and go (added as
 *                          om-add-request hands them over, queued, completed, forgotten after DataExpiration);
 *                          reports the journal's size as it goes and at the end.
 *   handover               the hand-over of one add alone (what om-server does when om-add-request's answer comes),
 *                          into a state in memory and into a journal: the journal's own cost per add.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { scriptedService, serve, ADD_ARGS, runPool } = require('./lib');
const { startEmbeddedNodeRed } = require('./embedded-nodered');

const root = path.join(__dirname, '..');
const mode = process.argv[2];
let teardown = async () => {};
let iterate;
let userDir;
let loopOf = () => undefined;

function cpuMicros() {
    const u = process.cpuUsage();
    return u.user + u.system;
}

async function setupNode(url, tmp, tracked, redisUrl) {
    const flow = [
        { id: 'f1', type: 'tab', label: 'bench' },
        { id: 'srv', type: 'om-server', name: 'sim', url, timeout: 10, wsdlSource: 'bundled', ...(redisUrl ? { redisUrl, redisPrefix: 'ombench:' } : {}) },
        { id: 'add', z: 'f1', type: 'om-add-request', name: '', server: 'srv', x: 100, y: 100, wires: [['sink'], ['bad']] },
        { id: 'sink', z: 'f1', type: 'junction', x: 300, y: 100, wires: [] },
        { id: 'bad', z: 'f1', type: 'junction', x: 300, y: 200, wires: [] },
        { id: 'catcher', z: 'f1', type: 'catch', scope: ['add'], uncaught: false, x: 100, y: 200, wires: [['bad']] },
    ];
    if (tracked) {
        flow.push({
            id: 'own', z: 'f1', type: 'om-events', name: '', server: 'srv', start: 'now', statuses: [], groups: '', onlyOwn: true,
            outputPerStatus: false, interval: 5, dataExpiration: 30, checkEvery: 12, store: '', x: 100, y: 300, wires: [['events']],
        }, { id: 'events', z: 'f1', type: 'junction', x: 300, y: 300, wires: [] });
    }
    const nr = await startEmbeddedNodeRed({ flow, tmp, prefix: `om-bench-dur-${tracked ? 'tracked' : 'plain'}-`, waitFor: 'add' });
    const { RED } = nr;
    userDir = nr.userDir;
    const addNode = RED.nodes.getNode('add');
    const waiting = new Map();
    const settle = (msg, err) => {
        const w = waiting.get(msg.bench);
        if (!w) return;
        waiting.delete(msg.bench);
        if (err) w.reject(err);
        else w.resolve();
    };
    RED.nodes.getNode('sink').on('input', (msg, _send, done) => { settle(msg); done(); });
    RED.nodes.getNode('bad').on('input', (msg, _send, done) => {
        settle(msg, new Error(`add failed: ${msg.error ? msg.error.message : JSON.stringify(msg.payload)}`));
        done();
    });
    if (tracked) loopOf = () => require(path.join(root, 'lib', 'events')).PollLoop.peek(RED.nodes.getNode('srv'));
    let seq = 0;
    iterate = () => new Promise((resolve, reject) => {
        const id = ++seq;
        waiting.set(id, { resolve, reject });
        addNode.receive({ bench: id, payload: { ...ADD_ARGS }, correlation: `T-${id}` });
    });
    teardown = () => nr.stop();
}

function journalBytes() {
    const dir = userDir && path.join(userDir, 'openmedia');
    if (!dir || !fs.existsSync(dir)) return 0;
    return fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
}

/**
 * `requests` requests come and go through the real poll loop, `perPoll` added between two polls; each is completed
 * `lifeMs` (service time) after it was added; a poll every `pollMs` of service time; DataExpiration `expirationMs`.
 */
async function journalRun({ requests, perPoll, lifeMs, pollMs, expirationMs, tmp }) {
    const ev = require(path.join(root, 'lib', 'events'));
    const dir = fs.mkdtempSync(path.join(tmp || os.tmpdir(), 'om-bench-journal-'));
    const { rec, svc, client } = scriptedService();
    const store = new ev.JournalStore(dir, 'srv', 'http://bench/OpenMediaService');
    const state = new ev.LoopState('http://bench/OpenMediaService', store);
    const host = { getClient: () => client, on() {}, eventsState: () => state };
    const loop = ev.PollLoop.of(host);
    let delivered = 0;
    loop.subscribe({
        id: 'own', intervalMs: 3600000, dataExpirationMs: expirationMs, checkEvery: 1000,
        judge: (r, ours) => (ours ? ev.VERDICT.Emit : ev.VERDICT.Defer),
        deliver: (d) => { delivered += d.length; },
    });
    await loop.poll();
    const c0 = cpuMicros();
    const t0 = Date.now();
    let peak = 0;
    const completeAt = []; // [id, time]
    let id = 0;
    while (id < requests || completeAt.length) {
        for (let k = 0; k < perPoll && id < requests; k++) {
            id++;
            state.added({ OpenMediaID: id, request: { ServiceGroupID: 101, PrivateData: `https://tickets.example.com/${id}`, IVRInfo: [{ Label: 'Subject', Data: `Order #${id}` }] }, correlation: `T-${id}`, node: 'add' });
            svc.history.push(rec(id, 'Queued', svc.now));
            completeAt.push([id, svc.now + lifeMs]);
        }
        svc.now += pollMs;
        while (completeAt.length && completeAt[0][1] <= svc.now) svc.history.push(rec(completeAt.shift()[0], 'Complete', svc.now - 1));
        // the service forgets what ended more than DataExpiration ago
        const cut = svc.now - expirationMs - pollMs;
        let drop = 0;
        while (drop < svc.history.length && Date.parse(svc.history[drop].TimeStamp) < cut) drop++;
        if (drop) svc.history = svc.history.slice(drop);
        await loop.poll();
        state.commit(true); // what the 2 s lag writes a little later
        peak = Math.max(peak, store.size);
        // between two polls the event loop turns (a compaction's fsync finishes off the loop, as in Node-RED)
        await new Promise((resolve) => setImmediate(resolve));
    }
    // once DataExpiration has passed after the last one, everything is forgotten
    svc.now += expirationMs + 2 * pollMs;
    svc.history = [];
    await loop.poll();
    await loop.poll();
    state.commit(true);
    await state.flush();
    // a compaction the last writes started finishes off the event loop
    while (store.compacting) await new Promise((resolve) => setImmediate(resolve));
    await state.flush();
    const seconds = (Date.now() - t0) / 1000;
    const cpu = cpuMicros() - c0;
    const out = {
        requests, delivered, finalBytes: fs.statSync(store.file).size, peakBytes: peak, liveEntries: state.correlation.size,
        seconds, cpuMicrosPerRequest: cpu / requests,
    };
    loop.dispose();
    await state.close(false);
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
}

/** CPU per hand-over of an add, memory only vs journal (batches of `batch` adds per turn of the event loop). */
async function handover({ adds, batch, tmp }) {
    const ev = require(path.join(root, 'lib', 'events'));
    const dir = fs.mkdtempSync(path.join(tmp || os.tmpdir(), 'om-bench-handover-'));
    const out = {};
    for (const [name, store] of [['memory', new ev.MemoryStore()], ['journal', new ev.JournalStore(dir, 'srv', 'http://bench')]]) {
        const state = new ev.LoopState('http://bench', store);
        let id = 0;
        const one = () => state.added({ OpenMediaID: ++id, request: { ...ADD_ARGS }, correlation: `T-${id}`, node: 'add' });
        for (let i = 0; i < 1000; i++) one(); // warm-up
        await state.flush();
        if (global.gc) global.gc();
        const c0 = cpuMicros();
        for (let i = 0; i < adds; i += batch) {
            for (let k = 0; k < batch; k++) one();
            await new Promise((resolve) => setImmediate(resolve));
        }
        await state.flush();
        out[name] = (cpuMicros() - c0) / adds;
        await state.close(false);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return { adds, batch, cpuMicrosPerAdd: out };
}

serve({
    handover,
    async setup({ url, tmp, redisUrl }) {
        if (!['plain', 'tracked', 'memory', 'shared'].includes(mode)) throw new Error(`setup: unknown mode ${mode}`);
        if (mode === 'memory') {
            // Before the pack loads (the symlinked pack resolves to these same modules): every state it opens keeps
            // nothing, with the same poll loop, hand-over and messages. Only the bench does this.
            const journal = require(path.join(root, 'lib', 'events', 'journal'));
            const { MemoryStore } = require(path.join(root, 'lib', 'events', 'state'));
            journal.JournalStore = class extends MemoryStore {
                constructor() { super('memory only (bench)'); }
            };
        }
        if (mode === 'shared' && !redisUrl) throw new Error('setup: mode shared needs a redisUrl');
        await setupNode(url, tmp, mode !== 'plain', mode === 'shared' ? redisUrl : undefined);
        return { mode, pid: process.pid };
    },
    /**
     * `iterations` adds, `concurrency` in flight. With `drain` (tracked): then waits for two poll cycles that start
     * after the last add (each record is read by two polls: the 5 s overlap), so that the polls that follow an
     * add are counted with it rather than falling into the next measurement (of the other variant); their CPU time
     * is added to the adds' (`drainCpuMicros`): the main thread would have spent it on adds in a steady stream.
     */
    async run({ iterations, concurrency, drain }) {
        if (global.gc) global.gc();
        const c0 = cpuMicros();
        const t0 = process.hrtime.bigint();
        await runPool(iterations, concurrency, iterate);
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        const c1 = cpuMicros();
        const loop = drain ? loopOf() : undefined;
        let drainCpu = 0;
        if (loop) {
            // The cycle running now may have asked before the last adds: two cycles after it has ended.
            const until = loop.stats.cycles + (loop.running ? 3 : 2);
            const deadline = Date.now() + 3 * 5000 + 5000;
            while (loop.stats.cycles < until && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
            if (loop.stats.cycles < until) throw new Error('drain: the poll loop did not run two cycles in 20 s');
            drainCpu = cpuMicros() - c1;
        }
        const effective = s + drainCpu / 1e6;
        return {
            adds: iterations, seconds: s, addsPerSecond: iterations / effective, cpuMicrosPerAdd: (c1 - c0 + drainCpu) / iterations,
            drainCpuMicrosPerAdd: drainCpu / iterations, rawAddsPerSecond: iterations / s, journalBytes: journalBytes(),
        };
    },
    journal: journalRun,
    async stop() {
        await teardown();
        setImmediate(() => process.exit(0));
        return true;
    },
});
