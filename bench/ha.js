'use strict';
/*
 * `npm run bench` part "ha": what om-events' shared state on Redis (a high-availability pair, docs/HA.md) costs
 * against the journal of one Node-RED (registered in run.js). A redis-server of its own (the Debian package, on a
 * free port, append-only file with fsync every second: a usual production setting), 127.0.0.1 only.
 *
 *  1. adds/s through om-add-request in an embedded Node-RED, 16 in flight, with an om-events "only own" node on the
 *     same server: the journal alone ("tracked", as in the durability part) vs the shared state ("shared": every
 *     add also goes to Redis, and the poll loop holds the lease). One Node-RED process and one simulator per
 *     variant (bench/durability-child.js), repetitions interleaved, the order rotated.
 *  2. one poll of om-events with its state written (bench/ha-child.js): the real poll loop over a scripted service,
 *     N adds and 2N status records per poll, state in the journal vs in Redis; wall and CPU time per poll.
 * Reported as ratios (shared / journal) taken in the same run.
 */
const path = require('path');
const { summary } = require('./lib');
const { startRedis } = require('../test/support/redis');

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function haPart({ spawn, stopChild, log, quick, tmpDir, reps }) {
    const cfg = quick
        ? { adds: 200, warm: 50, perPoll: [10, 100], polls: 10 }
        : { adds: 3000, warm: 500, perPoll: [10, 100, 1000], polls: 40 };
    const redis = await startRedis({ appendonly: true, fsync: 'everysec' });
    // An interrupted run (run.js exits on SIGINT) must not leave the server behind.
    const onExit = () => { redis.kill(); };
    process.once('exit', onExit);
    const children = {};
    const sims = {};
    try {
        for (const v of ['tracked', 'shared']) {
            sims[v] = spawn('sim-child.js', [], `ha simulator (${v})`, ['--expose-gc']);
            await sims[v].ready;
            const { url } = await sims[v].call('start', { clock: 'real' });
            children[v] = spawn('durability-child.js', [v], `ha ${v}`, ['--expose-gc']);
            await children[v].ready;
            await children[v].call('setup', { url, tmp: tmpDir, redisUrl: redis.url });
        }
        log('bench: ha, warm-up');
        for (const v of ['tracked', 'shared']) await children[v].call('run', { iterations: cfg.warm, concurrency: 16 });
        const runs = { tracked: [], shared: [] };
        for (let rep = 0; rep < reps; rep++) {
            log(`bench: ha, adds: repetition ${rep + 1}/${reps}`);
            for (const v of rep % 2 ? ['shared', 'tracked'] : ['tracked', 'shared']) {
                runs[v].push(await children[v].call('run', { iterations: cfg.adds, concurrency: 16 }));
            }
        }
        for (const v of ['tracked', 'shared']) {
            await stopChild(children[v]);
            await stopChild(sims[v]);
        }

        const polls = {};
        const child = spawn('ha-child.js', [], 'ha poll', ['--expose-gc']);
        await child.ready;
        for (const n of cfg.perPoll) {
            log(`bench: ha, one poll with ${n} adds, journal vs Redis`);
            const r = { journal: [], redis: [] };
            for (let rep = 0; rep < reps; rep++) {
                for (const store of rep % 2 ? ['redis', 'journal'] : ['journal', 'redis']) {
                    r[store].push(await child.call('poll', { store, redisUrl: redis.url, perPoll: n, polls: cfg.polls, tmp: tmpDir }));
                }
            }
            const m = (store, k) => summary(r[store].map((x) => x[k]));
            polls[n] = {
                journal: { wallMs: m('journal', 'wallMs'), cpuMs: m('journal', 'cpuMs') },
                redis: { wallMs: m('redis', 'wallMs'), cpuMs: m('redis', 'cpuMs') },
                delivered: r.redis[0].delivered,
            };
            polls[n].wallRatio = polls[n].redis.wallMs.median / polls[n].journal.wallMs.median;
            polls[n].cpuRatio = polls[n].redis.cpuMs.median / polls[n].journal.cpuMs.median;
        }
        await stopChild(child);

        const s = (v, k) => summary(runs[v].map((x) => x[k]));
        const out = {
            addsPerRep: cfg.adds,
            redis: `redis-server ${await redis.cli('INFO', 'server').then((t) => (/redis_version:(\S+)/.exec(t) || [])[1], () => '?')}, appendonly yes, appendfsync everysec`,
            tracked: { addsPerSecond: s('tracked', 'addsPerSecond'), cpuMicrosPerAdd: s('tracked', 'cpuMicrosPerAdd') },
            shared: { addsPerSecond: s('shared', 'addsPerSecond'), cpuMicrosPerAdd: s('shared', 'cpuMicrosPerAdd') },
            polls,
            pollsPerRep: cfg.polls,
        };
        out.ratio = out.shared.addsPerSecond.median / out.tracked.addsPerSecond.median;
        out.cpuRatio = out.shared.cpuMicrosPerAdd.median / out.tracked.cpuMicrosPerAdd.median;
        return out;
    } finally {
        for (const h of [...Object.values(children), ...Object.values(sims)]) await stopChild(h).catch(() => {});
        await redis.stop();
        process.removeListener('exit', onExit);
    }
}

function render(d, lines) {
    lines.push('');
    lines.push(`Shared state on Redis (${d.redis}; om-add-request, 16 in flight, ${d.addsPerRep} adds per repetition, median; both with an om-events "only own" node: "tracked" = the journal of one Node-RED, "shared" = a high-availability pair's state in Redis, this instance holding the lease)`);
    lines.push('');
    lines.push('| variant | adds/s | CPU µs/add (Node-RED process) |');
    lines.push('|---|---:|---:|');
    for (const v of ['tracked', 'shared']) {
        lines.push(`| ${v} | ${fmt(d[v].addsPerSecond.median)} ±${fmt(d[v].addsPerSecond.spread * 50)}% | ${fmt(d[v].cpuMicrosPerAdd.median)} |`);
    }
    lines.push(`shared / tracked: adds/s ${fmt(d.ratio, 2)}x, CPU per add ${fmt(d.cpuRatio, 2)}x`);
    lines.push('');
    lines.push(`One om-events poll with its state written (real poll loop, scripted service; N adds and 2N records per poll; median of ${d.pollsPerRep} polls, median of the repetitions)`);
    lines.push('');
    lines.push('| adds per poll | journal wall ms | Redis wall ms | wall ratio | journal CPU ms | Redis CPU ms | CPU ratio |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    for (const [n, p] of Object.entries(d.polls)) {
        lines.push(`| ${n} | ${fmt(p.journal.wallMs.median, 2)} | ${fmt(p.redis.wallMs.median, 2)} | ${fmt(p.wallRatio, 2)} | ${fmt(p.journal.cpuMs.median, 2)} | ${fmt(p.redis.cpuMs.median, 2)} | ${fmt(p.cpuRatio, 2)} |`);
    }
}

module.exports = { haPart, render, file: path.basename(__filename) };
