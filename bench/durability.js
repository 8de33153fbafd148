'use strict';
/*
 * `npm run bench` part "durability": what om-events' crash safety costs (registered in run.js).
 *
 *  1. adds/s through om-add-request in an embedded Node-RED, 16 in flight, without om-events ("plain") and with an
 *     om-events node "only requests added here" (default settings) on the same server ("tracked": every add is
 *     written to the journal before the add node's message goes on, and the poll loop follows the requests). One
 *     Node-RED process per variant (bench/durability-child.js), repetitions interleaved, the order rotated. Target:
 *     tracked >= 0.9x plain. The hand-over alone (memory vs journal) shows the journal's own share.
 *     The simulator runs on the real clock (with the manual one the service's time stands still and every poll
 *     reads back every request ever added). After each repetition the child waits for the two polls that read its
 *     adds back (the 5 s overlap reads each record twice) and counts their CPU time with the adds (durability-
 *     child.js `drain`): otherwise most of the polls' work falls between repetitions, or into the other variant's.
 *  2. the journal's size after 100,000 requests have come and gone through the real poll loop (scripted service,
 *     no network): it must stay in proportion to the requests still open or recently ended, not to all of them.
 */
const path = require('path');
const { summary } = require('./lib');

/** plain: no om-events; tracked: an "only own" node with its journal; memory: the same node, its state kept in memory. */
const VARIANTS = ['plain', 'tracked', 'memory'];

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function durabilityPart({ spawn, stopChild, log, quick, tmpDir, reps }) {
    const cfg = quick
        ? { adds: 200, warm: 50, journal: { requests: 2000, perPoll: 100 } }
        : { adds: 3000, warm: 3000, journal: { requests: 100000, perPoll: 500 } };
    // One simulator per variant: an om-events node "only own" on the other variant's service would also have to sort
    // out that variant's requests (someone else's), which is not what is measured here.
    const children = {};
    const sims = {};
    for (const v of VARIANTS) {
        sims[v] = spawn('sim-child.js', [], `durability simulator (${v})`, ['--expose-gc']);
        await sims[v].ready;
        const { url } = await sims[v].call('start', { clock: 'real' });
        children[v] = spawn('durability-child.js', [v], `durability ${v}`, ['--expose-gc']);
        await children[v].ready;
        await children[v].call('setup', { url, tmp: tmpDir });
    }
    log('bench: durability, warm-up');
    // --quick: one drain (the last repetition), so that CI runs the code without waiting ~10 s per repetition
    for (const v of VARIANTS) await children[v].call('run', { iterations: cfg.warm, concurrency: 16, drain: !quick && v !== 'plain' });
    const runs = { plain: [], tracked: [], memory: [] };
    for (let rep = 0; rep < reps; rep++) {
        log(`bench: durability, adds: repetition ${rep + 1}/${reps}`);
        // the order rotated, so that no variant always follows the same one
        for (let k = 0; k < VARIANTS.length; k++) {
            const v = VARIANTS[(rep + k) % VARIANTS.length];
            runs[v].push(await children[v].call('run', { iterations: cfg.adds, concurrency: 16, drain: v !== 'plain' && (!quick || rep === reps - 1) }));
        }
    }
    const journalAfterAdds = runs.tracked.at(-1).journalBytes;
    for (const v of VARIANTS) {
        await stopChild(children[v]);
        await stopChild(sims[v]);
    }

    log(`bench: durability, ${cfg.journal.requests} requests through the journal`);
    const j = spawn('durability-child.js', ['journal'], 'durability journal', ['--expose-gc']);
    await j.ready;
    const journal = await j.call('journal', { ...cfg.journal, lifeMs: 20000, pollMs: 1000, expirationMs: 60000, tmp: tmpDir });
    const hand = await j.call('handover', { adds: cfg.journal.requests / 2, batch: 16, tmp: tmpDir });
    await stopChild(j);

    const s = (v, k) => summary(runs[v].map((r) => r[k]));
    const out = {
        addsPerRep: cfg.adds,
        plain: { addsPerSecond: s('plain', 'addsPerSecond'), cpuMicrosPerAdd: s('plain', 'cpuMicrosPerAdd') },
        tracked: {
            addsPerSecond: s('tracked', 'addsPerSecond'), cpuMicrosPerAdd: s('tracked', 'cpuMicrosPerAdd'),
            drainCpuMicrosPerAdd: s('tracked', 'drainCpuMicrosPerAdd'), rawAddsPerSecond: s('tracked', 'rawAddsPerSecond'),
        },
        memory: {
            addsPerSecond: s('memory', 'addsPerSecond'), cpuMicrosPerAdd: s('memory', 'cpuMicrosPerAdd'),
            drainCpuMicrosPerAdd: s('memory', 'drainCpuMicrosPerAdd'), journalBytes: runs.memory.at(-1).journalBytes,
        },
        journalAfterAddsBytes: journalAfterAdds,
        journal,
        handover: hand,
    };
    out.ratio = out.tracked.addsPerSecond.median / out.plain.addsPerSecond.median;
    out.cpuRatio = out.tracked.cpuMicrosPerAdd.median / out.plain.cpuMicrosPerAdd.median;
    out.journalRatio = out.tracked.addsPerSecond.median / out.memory.addsPerSecond.median;
    out.journalCpuRatio = out.tracked.cpuMicrosPerAdd.median / out.memory.cpuMicrosPerAdd.median;
    out.targets = {
        'adds/s with om-events "only own" >= 0.9x without': { value: out.ratio, ok: out.ratio >= 0.9 },
        'adds/s with the journal >= 0.9x the same node kept in memory (the durability alone)': { value: out.journalRatio, ok: out.journalRatio >= 0.9 },
        [`journal after ${journal.requests} requests came and went < 256 KB`]: { value: journal.finalBytes / 1024, ok: journal.finalBytes < 256 * 1024 },
    };
    return out;
}

function render(d, lines) {
    lines.push('');
    lines.push(`Durability (om-add-request, 16 in flight, ${d.addsPerRep} adds per repetition, median; "tracked" = with an om-events "only own" node on the same server, the polls that read its adds back included; "memory" = the same node with its state in memory, no journal)`);
    lines.push('');
    lines.push('| variant | adds/s | CPU µs/add |');
    lines.push('|---|---:|---:|');
    for (const v of VARIANTS) {
        lines.push(`| ${v} | ${fmt(d[v].addsPerSecond.median)} ±${fmt(d[v].addsPerSecond.spread * 50)}% | ${fmt(d[v].cpuMicrosPerAdd.median)} |`);
    }
    lines.push(`tracked, the polls after each repetition (CPU counted with the adds): ${fmt(d.tracked.drainCpuMicrosPerAdd.median)} µs per add; adds/s without them ${fmt(d.tracked.rawAddsPerSecond.median)}`);
    lines.push(`tracked / plain: adds/s ${fmt(d.ratio, 2)}x, CPU per add ${fmt(d.cpuRatio, 2)}x; journal after the runs (every request still open): ${fmt(d.journalAfterAddsBytes / 1024)} KB`);
    lines.push(`tracked / memory (the journal alone; memory: polls after each repetition ${fmt(d.memory.drainCpuMicrosPerAdd.median)} µs per add, ${fmt(d.memory.journalBytes / 1024)} KB on disk): adds/s ${fmt(d.journalRatio, 2)}x, CPU per add ${fmt(d.journalCpuRatio, 2)}x`);
    const h = d.handover;
    lines.push(`hand-over of one add alone (${h.adds} adds, ${h.batch} per turn): ${fmt(h.cpuMicrosPerAdd.memory, 1)} µs CPU into memory, ${fmt(h.cpuMicrosPerAdd.journal, 1)} µs into the journal`);
    const j = d.journal;
    lines.push(`journal, ${j.requests} requests come and go (real poll loop, scripted service, DataExpiration 1 min): ${fmt(j.finalBytes / 1024, 1)} KB at the end, ` +
        `peak ${fmt(j.peakBytes / 1024)} KB, ${fmt(j.cpuMicrosPerRequest, 1)} µs CPU per request, ${j.delivered} events delivered, ${j.liveEntries} entries left`);
}

module.exports = { durabilityPart, render, file: path.basename(__filename) };
