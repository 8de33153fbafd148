'use strict';
/*
 * Bench part "console" (node bench/run.js --only console): what an open simulator console costs the simulator's
 * SOAP throughput.
 *
 * A simulator (bench/sim-child.js: test scenario, manual clock) and the raw HTTP client (bench/worker.js raw) in
 * processes of their own. Measured, in interleaved repetitions (the simulator reset before each):
 *  - HTTP adds (raw client, 16 in flight) per second of the simulator's CPU and per second of wall time, with no
 *    console stream open and with one open (GET /control/stream, read by this process as a browser would);
 *  - model adds per CPU-second in the simulator process (no HTTP: what the hub's change listener costs per add;
 *    no update is sent while the loop holds the event loop).
 * Target: HTTP adds per simulator CPU-second with one stream >= 0.9 x without (CPU, as the simulator part's targets:
 * on a shared 2-core machine the wall time mostly measures the neighbours; the wall ratio is reported beside it).
 */
const http = require('http');
const { summary } = require('./lib');

const CFG = {
    quick: { reps: 2, httpAdds: 200, modelAdds: 500 },
    full: { reps: 5, httpAdds: 5000, modelAdds: 100000 },
};

/** Opens the console stream and reads it; resolves once the first update arrived. */
function openStream(url) {
    return new Promise((resolve, reject) => {
        const stats = { bytes: 0, updates: 0 };
        const req = http.get(url, { agent: false }, (res) => {
            if (res.statusCode !== 200) {
                reject(new Error(`console stream: HTTP ${res.statusCode}`));
                res.resume();
                return;
            }
            res.setEncoding('utf8');
            let first = true;
            res.on('data', (chunk) => {
                stats.bytes += Buffer.byteLength(chunk);
                stats.updates += (chunk.match(/^event: update$/gm) || []).length;
                if (first && stats.updates > 0) {
                    first = false;
                    resolve({ stats, close: () => req.destroy() });
                }
            });
            res.on('error', () => {});
        });
        req.on('error', reject);
    });
}

/**
 * spawn(script, args, name, execArgv) and stopChild(handle) are run.js's: children it tracks and stops on exit.
 * Resolves with the part's result (JSON).
 */
async function run({ spawn, stopChild, log, quick }) {
    const cfg = quick ? CFG.quick : CFG.full;
    const sim = spawn('sim-child.js', [], 'simulator (console part)', ['--expose-gc']);
    const raw = spawn('worker.js', ['raw'], 'worker raw (console part)', ['--expose-gc']);
    try {
        await Promise.all([sim.ready, raw.ready]);
        const { url } = await sim.call('start');
        await raw.call('setup', { url });
        const streamUrl = url.replace(/\/OpenMediaService$/, '/control/stream');
        log(`bench: console, ${cfg.reps} repetitions of ${cfg.httpAdds} HTTP adds and ${cfg.modelAdds} model adds, without and with a stream`);

        const httpAdds = async () => {
            await sim.call('gc');
            const c0 = await sim.call('cpu');
            const r = await raw.call('adds', { n: cfg.httpAdds, concurrency: 16 });
            const cpu = (await sim.call('cpu')) - c0;
            return { perSecond: r.perSecond, simCpuMicrosPerAdd: cpu / r.n, cpuPerSecond: r.n / (cpu / 1e6) };
        };
        const modelAdds = async () => {
            await sim.call('gc');
            return sim.call('adds', { n: cfg.modelAdds });
        };
        // Warm-up, both ways.
        await sim.call('reset');
        await httpAdds();
        await modelAdds();

        const runs = { without: [], with: [] };
        let streamed = { bytes: 0, updates: 0 };
        for (let rep = 0; rep < cfg.reps; rep++) {
            log(`bench: console, repetition ${rep + 1}/${cfg.reps}`);
            // Alternate which goes first, so neither always follows a reset.
            for (const mode of rep % 2 ? ['with', 'without'] : ['without', 'with']) {
                await sim.call('reset');
                const stream = mode === 'with' ? await openStream(streamUrl) : null;
                const h = await httpAdds();
                const m = await modelAdds();
                if (stream) {
                    stream.close();
                    streamed = { bytes: streamed.bytes + stream.stats.bytes, updates: streamed.updates + stream.stats.updates };
                }
                runs[mode].push({ httpPerSecond: h.perSecond, httpCpuPerSecond: h.cpuPerSecond, simCpuMicrosPerAdd: h.simCpuMicrosPerAdd,
                    modelCpuPerSecond: m.cpuPerSecond });
            }
        }
        const pick = (mode, key) => summary(runs[mode].map((r) => r[key]));
        const out = {};
        for (const mode of ['without', 'with']) {
            out[mode] = {
                httpAddsPerSecond: pick(mode, 'httpPerSecond'),
                httpAddsPerCpuSecond: pick(mode, 'httpCpuPerSecond'),
                simCpuMicrosPerAdd: pick(mode, 'simCpuMicrosPerAdd'),
                modelAddsPerCpuSecond: pick(mode, 'modelCpuPerSecond'),
            };
        }
        out.streamed = { ...streamed, updatesPerRep: streamed.updates / cfg.reps };
        out.ratios = {
            httpAddsWithVsWithout: out.with.httpAddsPerSecond.median / out.without.httpAddsPerSecond.median,
            httpAddsCpuWithVsWithout: out.with.httpAddsPerCpuSecond.median / out.without.httpAddsPerCpuSecond.median,
            simCpuPerAddWithVsWithout: out.with.simCpuMicrosPerAdd.median / out.without.simCpuMicrosPerAdd.median,
            modelAddsWithVsWithout: out.with.modelAddsPerCpuSecond.median / out.without.modelAddsPerCpuSecond.median,
        };
        out.config = cfg;
        return out;
    } finally {
        await stopChild(raw);
        await stopChild(sim);
    }
}

/** The part's targets: name -> { value, ok }. */
function targets(r) {
    if (!r) return {};
    const v = r.ratios.httpAddsCpuWithVsWithout;
    return { 'simulator HTTP adds per CPU-second with a console stream open >= 0.9x without': { value: v, ok: v >= 0.9 } };
}

/** Lines for run.js's report. */
function render(r, lines) {
    if (!r) return;
    const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    const pct = (x) => `±${(x * 50).toFixed(0)}%`;
    lines.push('');
    lines.push(`Simulator console (median of ${r.config.reps} interleaved repetitions; ${r.config.httpAdds} HTTP adds, 16 in flight; ${r.config.modelAdds} model adds)`);
    lines.push('');
    lines.push('| | no console stream | one stream open | with / without |');
    lines.push('|---|---:|---:|---:|');
    const row = (label, key, d, ratio) => lines.push(`| ${label} | ${fmt(r.without[key].median, d)} ${pct(r.without[key].spread)} `
        + `| ${fmt(r.with[key].median, d)} ${pct(r.with[key].spread)} | ${fmt(ratio, 2)} |`);
    row('HTTP adds per simulator CPU-second', 'httpAddsPerCpuSecond', 0, r.ratios.httpAddsCpuWithVsWithout);
    row('HTTP adds/s (wall)', 'httpAddsPerSecond', 0, r.ratios.httpAddsWithVsWithout);
    row('model adds per CPU-second (in-process)', 'modelAddsPerCpuSecond', 0, r.ratios.modelAddsWithVsWithout);
    lines.push(`The open stream received ${fmt(r.streamed.updatesPerRep, 1)} updates per repetition (${fmt(r.streamed.bytes / 1024 / r.config.reps)} KiB).`);
}

module.exports = { run, targets, render };
