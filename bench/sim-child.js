'use strict';
/*
 * The simulator in its own process, driven by the benchmark over IPC (see lib.js). Listens on 127.0.0.1 only, on an
 * ephemeral port, with the manual clock (nothing happens by itself) and the 'test' scenario. Also measures the
 * simulator's model in-process (adds/s and query times against the size of its cache).
 */
const path = require('path');
const { serve } = require('./lib');
const { startSimulator } = require(path.join(__dirname, '..', 'simulator'));

let sim;

const wireAdd = (group) => ({
    request: {
        IVRInfo: [{ Data: 'Order #4711 <delayed> & "urgent"', Label: 'Subject' }, { Data: 'customer@example.com', Label: 'From' }],
        PrivateData: 'https://tickets.example.com/4711?view=full&lang=en',
        ServiceGroupID: group,
    },
});

function cpuMicros() {
    const u = process.cpuUsage();
    return u.user + u.system;
}

/**
 * `n` AddRequests straight into the model, the clock moving 1 ms per add: adds per second of wall time and of CPU
 * time (the garbage collector's included: a window must be long enough to hold its share of major collections,
 * hence windows of many thousand adds; run.js collects before a series, not before each window).
 */
function addDirect(n, group) {
    const args = wireAdd(group);
    const c0 = cpuMicros();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
        const r = sim.model.execute('AddRequest', args);
        if (r.RequestStatus !== 'Success') throw new Error(`AddRequest: ${r.RequestStatus}`);
        sim.advance(1);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = cpuMicros() - c0;
    return { n, perSecond: n / (ns / 1e9), cpuPerSecond: n / (cpu / 1e6), cpuMicrosPerAdd: cpu / n };
}

function timeIt(n, fn) {
    const times = [];
    for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        fn(i);
        times.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    times.sort((a, b) => a - b);
    return { n, medianMicros: times[times.length >> 1], maxMicros: times[times.length - 1] };
}

serve({
    // clock 'real' where a poll loop runs (durability, ha): with the manual clock the service's time never moves, so
    // every record keeps the same TimeStamp and each poll would read back every request ever added.
    async start({ clock = 'manual' } = {}) {
        sim = await startSimulator({ port: 0, host: '127.0.0.1', scenario: 'test', clock, receivedLimit: 10 });
        return { url: sim.url, pid: process.pid };
    },
    reset() {
        sim.reset();
        sim.clearReceived();
        return { cached: sim.model.cachedRequestCount };
    },
    cached() {
        return sim.model.cachedRequestCount;
    },
    now() {
        return sim.clock.now();
    },
    cpu() {
        return cpuMicros();
    },
    gc() {
        if (global.gc) global.gc();
        return true;
    },
    memory() {
        return process.memoryUsage();
    },
    fill({ n, group = 106 }) {
        return addDirect(n, group);
    },
    adds({ n, group = 106 }) {
        return addDirect(n, group);
    },
    /** Model-level query times at the current cache size: status of random ids, by-time for the last `recent` ms. */
    queries({ n = 200, recent = 50 }) {
        const count = sim.model.cachedRequestCount;
        const now = sim.clock.now();
        const since = new Date(now - recent);
        let seed = 12345;
        const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
        const status = timeIt(n, () => sim.model.execute('GetOpenMediaRequestStatusByID', { openMediaID: 1 + (rnd() % count) }));
        let records = 0;
        const byTime = timeIt(n, () => {
            records = sim.model.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: since }).OpenMediaRequests.length;
        });
        return { cached: count, status, byTime: { ...byTime, records } };
    },
    async stop() {
        if (sim) await sim.stop();
        sim = undefined;
        setImmediate(() => process.exit(0));
        return true;
    },
});
