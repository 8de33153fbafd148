#!/usr/bin/env node
'use strict';
/*
 * `npm run bench` (after `npm run build`): what one call costs through each layer of the pack, what om-events costs
 * per poll, how the simulator holds up with a full cache, and whether the node keeps memory.
 *
 *   node bench/run.js [--quick] [--out <dir>]
 *
 *   --quick   a few seconds, tiny counts, the same code paths (CI runs it so the benchmark cannot rot)
 *   --out     where the JSON goes (default bench/results/<timestamp>.json, git-ignored)
 *   --only    a comma-separated subset of the parts: percall,memory,simulator,durability,events,console,hostile,ha (for working on one)
 *
 * Processes: this one only orchestrates. The simulator runs in a child (bench/sim-child.js), each client variant in
 * a child of its own (bench/worker.js: raw | soap | client | node), each om-events measurement in a child of its own
 * (bench/events-child.js), so every CPU and memory figure is that of the code measured alone. Only 127.0.0.1.
 * Repetitions are interleaved (rep 1 of every variant, then rep 2 ...) and the simulator is reset before each, so
 * a busy moment of the machine or a growing simulator cache does not favour one variant.
 * Every child is stopped at the end, on an error and on SIGINT/SIGTERM.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { fork, execFile } = require('child_process');
const { client, summary } = require('./lib');

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const outArg = argv.indexOf('--out');
const onlyArg = argv.indexOf('--only');
const PARTS = new Set(onlyArg >= 0 ? argv[onlyArg + 1].split(',') : ['percall', 'memory', 'simulator', 'durability', 'events', 'console', 'hostile', 'ha']);
const consolePart = require('./console');
const durability = require('./durability');
const ha = require('./ha');
const root = path.join(__dirname, '..');

const CFG = QUICK
    ? {
        reps: 2, seq: { warm: 5, iterations: 10 }, par: { warm: 16, iterations: 32 },
        memory: { first: 20, total: 100 }, simAdds: 200, simWindows: 1, simFill: 1000, simHttpAdds: 100, queries: 10,
        eventSizes: [100, 200, 400], eventReps: 1,
    }
    : {
        reps: 5, seq: { warm: 200, iterations: 300 }, par: { warm: 400, iterations: 600 },
        // Calls through the nodes: each iteration is 2 (AddRequest + GetOpenMediaRequestStatusByID).
        memory: { first: 500, total: 25000 }, simAdds: 20000, simWindows: 3, simFill: 100000, simHttpAdds: 2000, queries: 200,
        eventSizes: [1000, 10000, 100000], eventReps: 3,
    };

const VARIANTS = ['raw', 'soap', 'client', 'node'];
const LABELS = {
    raw: '(1) raw HTTP POST, keep-alive (floor)',
    soap: '(2) bare soap client, reused',
    client: '(3) pack client layer (OpenMediaClient)',
    node: '(4) om-add-request + om-request-status in Node-RED',
};

const children = new Set();
let tmpDir;
let cleaning = false;

const t0 = Date.now();
function log(line) {
    process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
}

function spawn(script, args, name, execArgv = []) {
    const child = fork(path.join(__dirname, script), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return client(child, name);
}

async function stopChild(handle) {
    if (!handle || handle.child.exitCode !== null || handle.child.signalCode !== null) return;
    const exited = new Promise((resolve) => handle.child.once('exit', resolve));
    const timer = setTimeout(() => handle.child.kill('SIGKILL'), 5000);
    try {
        await handle.call('stop');
    } catch {
        handle.child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
}

function cleanupSync() {
    if (cleaning) return;
    cleaning = true;
    for (const child of children) {
        try { child.kill('SIGKILL'); } catch { /* gone */ }
    }
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
        log(`bench: ${sig}, stopping`);
        cleanupSync();
        process.exit(130);
    });
}
process.on('exit', cleanupSync);

function runEventsChild(file, mode, reps) {
    return new Promise((resolve, reject) => {
        const child = execFile(process.execPath, ['--expose-gc', path.join(__dirname, 'events-child.js'), file, mode, String(reps)],
            { maxBuffer: 1 << 20, timeout: 120000 }, (err, stdout, stderr) => {
                children.delete(child);
                if (err) reject(new Error(`events-child ${mode}: ${err.message}\n${stderr}`));
                else resolve(JSON.parse(stdout.trim().split('\n').pop()));
            });
        children.add(child);
    });
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const pct = (x) => `±${(x * 50).toFixed(0)}%`; // half the (max - min) / median range

async function main() {
    if (!fs.existsSync(path.join(root, 'lib', 'client.js')) || !fs.existsSync(path.join(root, 'simulator', 'index.js'))) {
        throw new Error('the pack is not built: run `npm run build` first (npm run bench does)');
    }
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-bench-'));
    const started = Date.now();
    const result = {
        date: new Date().toISOString(),
        quick: QUICK,
        machine: {
            cpu: os.cpus()[0] && os.cpus()[0].model, cores: os.cpus().length, memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
            os: `${os.type()} ${os.release()}`, node: process.version, loadavgStart: os.loadavg().map((x) => +x.toFixed(2)),
        },
        versions: {
            soap: require('soap/package.json').version,
            nodeRed: require('node-red/package.json').version,
            pack: require(path.join(root, 'package.json')).version,
        },
        config: CFG,
    };

    const sim = spawn('sim-child.js', [], 'simulator', ['--expose-gc']);
    await sim.ready;
    const { url } = await sim.call('start');
    log(`bench: simulator at ${url}${QUICK ? ' (quick)' : ''}`);

    // ---------------------------------------------------------------------------------------------------------
    // Per call: four variants, sequential and 16 in flight.
    const workers = {};
    const needed = new Set([
        ...(PARTS.has('percall') ? VARIANTS : []),
        ...(PARTS.has('memory') ? ['node'] : []),
        ...(PARTS.has('simulator') || PARTS.has('events') ? ['raw'] : []),
    ]);
    await Promise.all(VARIANTS.filter((x) => needed.has(x)).map(async (v) => {
        workers[v] = spawn('worker.js', [v], `worker ${v}`, ['--expose-gc']);
        await workers[v].ready;
        await workers[v].call('setup', { url, tmp: tmpDir });
    }));
    result.perCall = {};
    for (const [mode, concurrency] of PARTS.has('percall') ? [['sequential', 1], ['16 in flight', 16]] : []) {
        const cfg = concurrency === 1 ? CFG.seq : CFG.par;
        log(`bench: per call, ${mode}: warm-up`);
        for (const v of VARIANTS) {
            await sim.call('reset');
            await workers[v].call('run', { iterations: cfg.warm, concurrency });
        }
        const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
        for (let rep = 0; rep < CFG.reps; rep++) {
            log(`bench: per call, ${mode}: repetition ${rep + 1}/${CFG.reps}`);
            // Rotate the order so no variant always runs first after the reset.
            const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length]);
            for (const v of order) {
                await sim.call('reset');
                runs[v].push(await workers[v].call('run', { iterations: cfg.iterations, concurrency }));
            }
        }
        const out = {};
        for (const v of VARIANTS) {
            out[v] = {
                callsPerSecond: summary(runs[v].map((r) => r.callsPerSecond)),
                cpuMicrosPerCall: summary(runs[v].map((r) => r.cpuMicrosPerCall)),
                callsPerRep: runs[v][0].calls,
            };
        }
        const m = (v, k) => out[v][k].median;
        out.ratios = {
            nodeVsSoapCallsPerSecond: m('node', 'callsPerSecond') / m('soap', 'callsPerSecond'),
            clientVsSoapCallsPerSecond: m('client', 'callsPerSecond') / m('soap', 'callsPerSecond'),
            soapVsRawCallsPerSecond: m('soap', 'callsPerSecond') / m('raw', 'callsPerSecond'),
            nodeVsSoapCpu: m('node', 'cpuMicrosPerCall') / m('soap', 'cpuMicrosPerCall'),
            clientVsSoapCpu: m('client', 'cpuMicrosPerCall') / m('soap', 'cpuMicrosPerCall'),
            soapVsRawCpu: m('soap', 'cpuMicrosPerCall') / m('raw', 'cpuMicrosPerCall'),
            clientVsRawCpu: m('client', 'cpuMicrosPerCall') / m('raw', 'cpuMicrosPerCall'),
        };
        result.perCall[mode] = out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Memory: heap of the Node-RED process after `first` and after `total` iterations through the nodes.
    if (PARTS.has('memory')) await memoryPart();
    async function memoryPart() {
    log(`bench: memory, ${CFG.memory.total * 2} calls through the nodes`);
    await sim.call('reset');
    await workers.node.call('run', { iterations: CFG.memory.first, concurrency: 16 });
    const heapFirst = await workers.node.call('heap');
    await workers.node.call('run', { iterations: CFG.memory.total - CFG.memory.first, concurrency: 16 });
    const heapTotal = await workers.node.call('heap');
    result.memory = {
        callsFirst: CFG.memory.first * 2,
        callsTotal: CFG.memory.total * 2,
        heapUsedFirstMb: heapFirst.heapUsed / 2 ** 20,
        heapUsedTotalMb: heapTotal.heapUsed / 2 ** 20,
        growthMb: (heapTotal.heapUsed - heapFirst.heapUsed) / 2 ** 20,
        rssTotalMb: heapTotal.rss / 2 ** 20,
    };
    }
    for (const v of ['soap', 'client', 'node']) {
        await stopChild(workers[v]);
        delete workers[v];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Simulator: adds/s near empty and with `simFill` requests cached (in the model, and over HTTP as the raw client
    // sees it, with the simulator's own CPU per add); query times at `simFill` cached.
    const raw = workers.raw;
    if (PARTS.has('simulator')) await simulatorPart();
    async function simulatorPart() {
    log('bench: simulator');
    const simResult = {};
    // Model: `simWindows` windows of `simAdds` adds each, near empty, then from `simFill` cached on (median).
    const windows = async (fresh, s = sim) => {
        const out = [];
        for (let i = 0; i < CFG.simWindows; i++) {
            if (fresh) await s.call('reset');
            if (fresh || i === 0) await s.call('gc');
            out.push(await s.call('adds', { n: CFG.simAdds }));
        }
        // Totals over the windows (not a median): a major GC falls in some windows only, and its cost is part of an add's.
        const n = out.reduce((a, w) => a + w.n, 0);
        const wall = out.reduce((a, w) => a + w.n / w.perSecond, 0);
        const cpu = out.reduce((a, w) => a + w.n / w.cpuPerSecond, 0);
        return { n: CFG.simAdds, windows: out.length, perSecond: n / wall, cpuPerSecond: n / cpu, cpuMicrosPerAdd: (cpu * 1e6) / n };
    };
    // HTTP: the raw client adds, 16 in flight; adds/s of wall time and per second of the simulator's CPU.
    const httpAdds = async () => {
        await sim.call('gc');
        const c0 = await sim.call('cpu');
        const r = await raw.call('adds', { n: CFG.simHttpAdds, concurrency: 16 });
        const cpu = (await sim.call('cpu')) - c0;
        return { ...r, simCpuMicrosPerAdd: cpu / r.n, cpuPerSecond: r.n / (cpu / 1e6) };
    };
    await sim.call('reset');
    await sim.call('adds', { n: CFG.simAdds }); // warm-up
    await raw.call('adds', { n: CFG.simHttpAdds, concurrency: 16 });
    simResult.modelAddsEmpty = await windows(true);
    await sim.call('reset');
    simResult.httpAddsEmpty = await httpAdds();
    await sim.call('reset');
    await sim.call('fill', { n: CFG.simFill });
    simResult.cached = await sim.call('cached');
    simResult.modelAddsFull = await windows(false);
    simResult.httpAddsFull = await httpAdds();
    await sim.call('fill', { n: 1000 }); // 1 ms apart: the by-time window below holds ~50 records
    simResult.modelQueries = await sim.call('queries', { n: CFG.queries, recent: 50 });
    const now = await sim.call('now');
    simResult.httpQueries = await raw.call('queries', {
        n: CFG.queries, cached: await sim.call('cached'), since: new Date(now - 50).toISOString(),
    });
    // The same model measurement in a simulator whose V8 young generation is larger (64 MB semi-spaces): shows how
    // much of the slow-down with a full cache is the garbage collector's (every cached request survives).
    const sim2 = spawn('sim-child.js', [], 'simulator (semi-space 64 MB)', ['--expose-gc', '--max-semi-space-size=64']);
    await sim2.ready;
    await sim2.call('start');
    await sim2.call('adds', { n: CFG.simAdds }); // warm-up
    simResult.semiSpace64 = { modelAddsEmpty: await windows(true, sim2) };
    await sim2.call('reset');
    await sim2.call('fill', { n: CFG.simFill });
    simResult.semiSpace64.modelAddsFull = await windows(false, sim2);
    simResult.semiSpace64.ratio = simResult.semiSpace64.modelAddsFull.cpuPerSecond / simResult.semiSpace64.modelAddsEmpty.cpuPerSecond;
    await stopChild(sim2);
    simResult.ratios = {
        modelAddsFullVsEmpty: simResult.modelAddsFull.cpuPerSecond / simResult.modelAddsEmpty.cpuPerSecond,
        modelAddsFullVsEmptyWall: simResult.modelAddsFull.perSecond / simResult.modelAddsEmpty.perSecond,
        httpAddsFullVsEmpty: simResult.httpAddsFull.cpuPerSecond / simResult.httpAddsEmpty.cpuPerSecond,
        httpAddsFullVsEmptyWall: simResult.httpAddsFull.perSecond / simResult.httpAddsEmpty.perSecond,
    };
    simResult.memoryMb = (await sim.call('memory')).heapUsed / 2 ** 20;
    result.simulator = simResult;
    }

    if (PARTS.has('durability')) result.durability = await durability.durabilityPart({ spawn, stopChild, log, quick: QUICK, tmpDir, reps: CFG.reps });
    if (PARTS.has('ha')) result.ha = await ha.haPart({ spawn, stopChild, log, quick: QUICK, tmpDir, reps: CFG.reps });

    // ---------------------------------------------------------------------------------------------------------
    // om-events: one poll answer of N records (GetOpenMediaRequestsByTime from the simulator, every record).
    if (PARTS.has('events')) await eventsPart();
    else {
        if (raw) await stopChild(raw);
        await stopChild(sim);
    }
    async function eventsPart() {
    log('bench: om-events answers');
    await sim.call('reset');
    const files = {};
    let filled = 0;
    for (const n of CFG.eventSizes) {
        await sim.call('fill', { n: n - filled });
        filled = n;
        const file = path.join(tmpDir, `bytime-${n}.xml`);
        const info = await raw.call('dumpByTime', { file });
        if (info.records !== n) throw new Error(`by-time answer holds ${info.records} records, expected ${n}`);
        files[n] = { file, bytes: info.bytes };
    }
    await sim.call('reset');
    await stopChild(raw);
    delete workers.raw;
    await stopChild(sim);
    result.events = { sizes: {} };
    for (const n of CFG.eventSizes) {
        log(`bench: om-events, ${n} records`);
        const parse = await runEventsChild(files[n].file, 'parse', CFG.eventReps);
        const full = await runEventsChild(files[n].file, 'full', CFG.eventReps);
        if (parse.count !== n || full.count !== n) throw new Error(`om-events path emitted ${full.count} of ${n}`);
        result.events.how = parse.how;
        result.events.sizes[n] = {
            bytes: files[n].bytes,
            parseMs: summary(parse.times),
            fullMs: summary(full.times),
            parseCpuMs: summary(parse.cpu),
            fullCpuMs: summary(full.cpu),
            parsePeakRssMb: parse.peakRssMb,
            fullPeakRssMb: full.peakRssMb,
            fullVsParse: summary(full.cpu).median / summary(parse.cpu).median,
        };
    }
    const [small, mid, big] = CFG.eventSizes;
    const ev = result.events.sizes;
    result.events.growth = {
        from: mid, to: big, factor: ev[big].fullCpuMs.median / ev[mid].fullCpuMs.median,
        parseFactor: ev[big].parseCpuMs.median / ev[mid].parseCpuMs.median,
        factorWall: ev[big].fullMs.median / ev[mid].fullMs.median,
    };
    void small;
    }

    if (PARTS.has('console')) result.console = await consolePart.run({ spawn, stopChild, log, quick: QUICK });
    // Hostile answers (bench/hostile.js): the reader's CPU against an honest answer, the event loop while refusing.
    const hostile = PARTS.has('hostile') ? await require('./hostile').run({ quick: QUICK, log }) : undefined;

    // ---------------------------------------------------------------------------------------------------------
    result.targets = consolePart.targets(result.console);
    const target = (name, value, ok) => { result.targets[name] = { value, ok }; };
    if (result.perCall.sequential) {
        const seq = result.perCall.sequential.ratios;
        const par = result.perCall['16 in flight'].ratios;
        target('node >= 0.9x soap calls/s (sequential)', seq.nodeVsSoapCallsPerSecond, seq.nodeVsSoapCallsPerSecond >= 0.9);
        target('node >= 0.9x soap calls/s (16 in flight)', par.nodeVsSoapCallsPerSecond, par.nodeVsSoapCallsPerSecond >= 0.9);
        target('client CPU/call <= 2x raw (sequential)', seq.clientVsRawCpu, seq.clientVsRawCpu <= 2);
        target('client CPU/call <= 2x raw (16 in flight)', par.clientVsRawCpu, par.clientVsRawCpu <= 2);
    }
    if (result.events) {
        const [, mid, big] = CFG.eventSizes;
        const ev = result.events.sizes;
        target(`om-events ${big} records <= 11x ${mid} (CPU time)`, result.events.growth.factor, result.events.growth.factor <= 11);
        target(`om-events ${mid} records <= 500 ms (CPU time)`, ev[mid].fullCpuMs.median, ev[mid].fullCpuMs.median <= 500);
        target(`om-events ${mid} records <= 500 ms (wall time)`, ev[mid].fullMs.median, ev[mid].fullMs.median <= 500);
    }
    if (result.simulator) {
        const r = result.simulator.ratios;
        target('simulator adds/s at full cache >= 0.8x empty (model)', r.modelAddsFullVsEmpty, r.modelAddsFullVsEmpty >= 0.8);
        target('simulator adds/s at full cache >= 0.8x empty (HTTP)', r.httpAddsFullVsEmpty, r.httpAddsFullVsEmpty >= 0.8);
        const x = result.simulator.semiSpace64;
        target('simulator adds/s at full cache >= 0.8x empty (model, --max-semi-space-size=64)', x.ratio, x.ratio >= 0.8);
    }
    if (hostile) {
        result.hostile = hostile.result;
        Object.assign(result.targets, hostile.targets);
        result.hostileLines = hostile.lines;
    }
    if (result.memory) {
        target(`node heap growth ${result.memory.callsFirst} -> ${result.memory.callsTotal} calls < 5 MB`, result.memory.growthMb, result.memory.growthMb < 5);
    }
    Object.assign(result.targets, result.durability ? result.durability.targets : {});
    result.machine.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
    result.seconds = (Date.now() - started) / 1000;

    const outFile = outArg >= 0 ? path.resolve(argv[outArg + 1])
        : path.join(__dirname, 'results', `${result.date.replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(render(result) + `\nresults: ${path.relative(process.cwd(), outFile)}\n`);
}

function render(r) {
    const lines = [];
    lines.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, ${r.machine.os}; Node ${r.machine.node}; ` +
        `soap ${r.versions.soap}, Node-RED ${r.versions.nodeRed}; load average ${r.machine.loadavgStart[0]} -> ${r.machine.loadavgEnd[0]}` +
        `${r.quick ? ' (QUICK: tiny counts, figures meaningless)' : ''}`);
    if (r.perCall.sequential) renderPerCall(r, lines);
    if (r.events) renderEvents(r, lines);
    if (r.simulator) renderSimulator(r, lines);
    if (r.durability) durability.render(r.durability, lines);
    if (r.ha) ha.render(r.ha, lines);
    if (r.hostileLines) lines.push(...r.hostileLines);
    if (r.memory) {
        const mem = r.memory;
        lines.push('');
        lines.push(`Memory (Node-RED process, after gc): ${fmt(mem.heapUsedFirstMb, 1)} MB heap after ${mem.callsFirst} calls, ${fmt(mem.heapUsedTotalMb, 1)} MB after ${mem.callsTotal} (growth ${fmt(mem.growthMb, 2)} MB).`);
    }
    consolePart.render(r.console, lines);
    lines.push('');
    lines.push('Targets:');
    for (const [name, t] of Object.entries(r.targets)) lines.push(`  ${t.ok ? 'met   ' : 'MISSED'} ${name}: ${fmt(t.value, 2)}`);
    lines.push(`(${fmt(r.seconds)} s)`);
    return lines.join('\n');
}

function renderPerCall(r, lines) {
    lines.push('');
    lines.push(`Per call (AddRequest, then GetOpenMediaRequestStatusByID of its id; median of ${r.config.reps} interleaved repetitions, ± half the range)`);
    lines.push('');
    lines.push('| variant | calls/s sequential | CPU µs/call sequential | calls/s 16 in flight | CPU µs/call 16 in flight |');
    lines.push('|---|---:|---:|---:|---:|');
    const s = r.perCall.sequential;
    const p = r.perCall['16 in flight'];
    for (const v of VARIANTS) {
        lines.push(`| ${LABELS[v]} | ${fmt(s[v].callsPerSecond.median)} ${pct(s[v].callsPerSecond.spread)} | ${fmt(s[v].cpuMicrosPerCall.median)} ${pct(s[v].cpuMicrosPerCall.spread)} ` +
            `| ${fmt(p[v].callsPerSecond.median)} ${pct(p[v].callsPerSecond.spread)} | ${fmt(p[v].cpuMicrosPerCall.median)} ${pct(p[v].cpuMicrosPerCall.spread)} |`);
    }
    lines.push('');
    lines.push('| ratio | calls/s seq | CPU seq | calls/s 16 | CPU 16 |');
    lines.push('|---|---:|---:|---:|---:|');
    lines.push(`| 4/2 node / soap | ${fmt(s.ratios.nodeVsSoapCallsPerSecond, 2)} | ${fmt(s.ratios.nodeVsSoapCpu, 2)} | ${fmt(p.ratios.nodeVsSoapCallsPerSecond, 2)} | ${fmt(p.ratios.nodeVsSoapCpu, 2)} |`);
    lines.push(`| 3/2 client / soap | ${fmt(s.ratios.clientVsSoapCallsPerSecond, 2)} | ${fmt(s.ratios.clientVsSoapCpu, 2)} | ${fmt(p.ratios.clientVsSoapCallsPerSecond, 2)} | ${fmt(p.ratios.clientVsSoapCpu, 2)} |`);
    lines.push(`| 2/1 soap / raw | ${fmt(s.ratios.soapVsRawCallsPerSecond, 2)} | ${fmt(s.ratios.soapVsRawCpu, 2)} | ${fmt(p.ratios.soapVsRawCallsPerSecond, 2)} | ${fmt(p.ratios.soapVsRawCpu, 2)} |`);
    lines.push(`| 3/1 client / raw | - | ${fmt(s.ratios.clientVsRawCpu, 2)} | - | ${fmt(p.ratios.clientVsRawCpu, 2)} |`);
}

function renderEvents(r, lines) {
    lines.push('');
    lines.push(`om-events, one poll answer (parse = ${r.events.how}; full = parse + dedupe + messages; median of ${r.config.eventReps})`);
    lines.push('');
    lines.push('| records | XML MB | parse CPU ms | full CPU ms | full wall ms | full / parse (CPU) | peak RSS growth parse / full MB |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    for (const [n, e] of Object.entries(r.events.sizes)) {
        lines.push(`| ${n} | ${fmt(e.bytes / 2 ** 20, 1)} | ${fmt(e.parseCpuMs.median, 1)} | ${fmt(e.fullCpuMs.median, 1)} | ${fmt(e.fullMs.median, 1)} | ${fmt(e.fullVsParse, 2)} | ${fmt(e.parsePeakRssMb)} / ${fmt(e.fullPeakRssMb)} |`);
    }
    lines.push(`growth ${r.events.growth.from} -> ${r.events.growth.to} records (CPU): full ${fmt(r.events.growth.factor, 1)}x, parse alone ${fmt(r.events.growth.parseFactor, 1)}x (wall: ${fmt(r.events.growth.factorWall, 1)}x)`);
}

function renderSimulator(r, lines) {
    lines.push('');
    const sm = r.simulator;
    lines.push(`Simulator (its own process; "full" = ${sm.cached} requests cached before the measured adds; ${sm.modelAddsFull.windows} windows of ${sm.modelAddsFull.n} model adds, totals)`);
    lines.push('');
    lines.push('| | empty | full | full / empty |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| model adds per CPU-second (in-process, GC included) | ${fmt(sm.modelAddsEmpty.cpuPerSecond)} | ${fmt(sm.modelAddsFull.cpuPerSecond)} | ${fmt(sm.ratios.modelAddsFullVsEmpty, 2)} |`);
    lines.push(`| model adds/s (wall) | ${fmt(sm.modelAddsEmpty.perSecond)} | ${fmt(sm.modelAddsFull.perSecond)} | ${fmt(sm.ratios.modelAddsFullVsEmptyWall, 2)} |`);
    if (sm.semiSpace64) {
        const x = sm.semiSpace64;
        lines.push(`| model adds per CPU-second, node --max-semi-space-size=64 | ${fmt(x.modelAddsEmpty.cpuPerSecond)} | ${fmt(x.modelAddsFull.cpuPerSecond)} | ${fmt(x.ratio, 2)} |`);
    }
    lines.push(`| HTTP adds per simulator CPU-second (raw client, 16 in flight) | ${fmt(sm.httpAddsEmpty.cpuPerSecond)} | ${fmt(sm.httpAddsFull.cpuPerSecond)} | ${fmt(sm.ratios.httpAddsFullVsEmpty, 2)} |`);
    lines.push(`| HTTP adds/s (wall) | ${fmt(sm.httpAddsEmpty.perSecond)} | ${fmt(sm.httpAddsFull.perSecond)} | ${fmt(sm.ratios.httpAddsFullVsEmptyWall, 2)} |`);
    lines.push('');
    lines.push(`At ${sm.modelQueries.cached} cached: status by id ${fmt(sm.modelQueries.status.medianMicros, 1)} µs in the model, ${fmt(sm.httpQueries.status.medianMicros)} µs over HTTP; ` +
        `by time (last 50 ms, ${sm.modelQueries.byTime.records} records) ${fmt(sm.modelQueries.byTime.medianMicros, 1)} µs in the model, ${fmt(sm.httpQueries.byTime.medianMicros)} µs over HTTP (medians).`);
}

main().then(
    () => { cleanupSync(); process.exit(0); },
    (err) => {
        log(`bench: FAILED: ${(err && err.stack) || err}`);
        cleanupSync();
        process.exit(1);
    },
);
