'use strict';
/*
 * Shared pieces of the benchmark: IPC between the orchestrator (run.js) and its child processes, statistics, the
 * workload (what every variant sends), raw HTTP with keep-alive.
 *
 * IPC: the parent sends { id, cmd, args }; the child answers { id, ok: true, value } or { id, ok: false, error }.
 */
const http = require('http');

/** Child side: serve commands from the parent with `handlers[cmd](args)` (may be async). */
function serve(handlers) {
    process.on('message', async (m) => {
        if (!m || typeof m.id !== 'number') return;
        try {
            const fn = handlers[m.cmd];
            if (!fn) throw new Error(`unknown command ${m.cmd}`);
            const value = await fn(m.args || {});
            process.send({ id: m.id, ok: true, value });
        } catch (err) {
            process.send({ id: m.id, ok: false, error: (err && err.stack) || String(err) });
        }
    });
    // The parent went away (crash, SIGKILL): do not linger.
    process.on('disconnect', () => process.exit(0));
    process.send({ ready: true });
}

/** Parent side: wraps a forked child; `call(cmd, args)` resolves with the child's answer. */
function client(child, name) {
    let next = 1;
    const waiting = new Map();
    let readyResolve;
    let readyReject;
    const ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
    const fail = (err) => {
        readyReject(err);
        for (const { reject } of waiting.values()) reject(err);
        waiting.clear();
    };
    child.on('message', (m) => {
        if (m && m.ready) { readyResolve(); return; }
        const w = m && waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        if (m.ok) w.resolve(m.value);
        else w.reject(new Error(`${name}: ${m.error}`));
    });
    child.on('exit', (code, signal) => fail(new Error(`${name} exited (${signal || code})`)));
    child.on('error', fail);
    return {
        child,
        ready,
        call(cmd, args) {
            return new Promise((resolve, reject) => {
                const id = next++;
                waiting.set(id, { resolve, reject });
                child.send({ id, cmd, args });
            });
        },
    };
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    if (n === 0) return NaN;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Median and spread ((max - min) / median, as a fraction) of repeated measurements. */
function summary(xs) {
    const med = median(xs);
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    return { median: med, min, max, spread: med ? (max - min) / med : 0, n: xs.length, values: xs };
}

/** What every variant adds: group 106 (open, no agents: each request stays queued), two IVR items, private data. */
const ADD_ARGS = Object.freeze({
    IVRInfo: [
        { Data: 'Order #4711 <delayed> & "urgent"', Label: 'Subject' },
        { Data: 'customer@example.com', Label: 'From' },
    ],
    PrivateData: 'https://tickets.example.com/4711?view=full&lang=en',
    ServiceGroupID: 106,
});

/**
 * A keep-alive POST that resolves with the answer's text (nothing parsed): the floor of every SOAP client. The body
 * goes as a string, so Node writes head and body in one write (the cheapest way to send it).
 */
function rawPost(agent, url, action, body) {
    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            method: 'POST',
            agent,
            headers: {
                'Content-Type': 'text/xml; charset=utf-8',
                'Content-Length': Buffer.byteLength(body, 'utf8'),
                SOAPAction: `"http://tempuri.org/IOpenMediaService/${action}"`,
            },
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
                if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
                else resolve(text);
            });
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body, 'utf8');
    });
}

/** Runs `iterations` of `fn(i)` with `concurrency` in flight; resolves when all are done (rejects on the first error). */
function runPool(iterations, concurrency, fn) {
    return new Promise((resolve, reject) => {
        let started = 0;
        let finished = 0;
        let failed = false;
        const launch = () => {
            if (failed) return;
            if (finished === iterations) { resolve(); return; }
            if (started >= iterations) return;
            const i = started++;
            fn(i).then(() => { finished++; launch(); }, (err) => { if (!failed) { failed = true; reject(err); } });
        };
        if (iterations === 0) { resolve(); return; }
        for (let k = 0; k < Math.min(concurrency, iterations); k++) launch();
    });
}

/**
 * A scripted Open Media Service for the poll loop without a network: its clock (`svc.now`), the status records it
 * holds (`svc.history`, pushed by the caller), and the two calls the loop makes. `rec` makes a status record.
 */
function scriptedService(T0 = Date.UTC(2026, 0, 1)) {
    const iso = (ms) => new Date(ms).toISOString();
    const rec = (ID, Status, at) => ({ AgentID: Status === 'Queued' ? 0 : 1001, ID, LogonID: '', QueuePosition: 0, ServiceGroupID: 101, Status, StatusCode: Status === 'Queued' ? 1 : 4, TenantID: 1, TimeStamp: iso(at) });
    const svc = { now: T0, history: [] };
    const client = {
        async call(op, args) {
            if (op === 'GetOpenMediaRequestsByTime') {
                const after = new Date(args.retrieveLaterThan).getTime();
                return { OpenMediaRequests: svc.history.filter((r) => Date.parse(r.TimeStamp) > after), TimeStamp: iso(svc.now) };
            }
            if (op === 'GetOpenMediaRequestStatusByID') {
                const r = [...svc.history].reverse().find((x) => x.ID === args.openMediaID);
                return { OpenMediaRequests: r ? [r] : [], TimeStamp: iso(svc.now) };
            }
            return { OpenMediaRequests: [], TimeStamp: iso(svc.now) };
        },
    };
    return { T0, iso, rec, svc, client };
}

module.exports = { scriptedService, serve, client, median, summary, ADD_ARGS, rawPost, runPool };
