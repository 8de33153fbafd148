'use strict';
/*
 * What the tests of om-events in real Node-RED processes share (events-crash.test.js: one instance killed and
 * restarted; events-ha.test.js: a pair on Redis): the contact center, the HTTP sink the flows POST to, and the end of
 * a run (every request finished, late duplicates given their chance), all counted against the simulator's log.
 *
 *   const live = require('./support/live-events');
 *   live.scenario(name, agents)      one tenant, group 101 (open), `agents` agents answering after 1 s and
 *                                    completing after 2 s of service time
 *   const sink = await live.startSink(route)   route(url) -> { kind, inst } or undefined; sink.got[kind] = [{ at,
 *                                    inst, body }], sink.port, sink.close(); kinds: 'added', 'all', 'own'
 *   live.finishRequests(sim)         moves the clock (1 s steps) until every request the service knows has ended
 *   await live.lastRequestThrough(sim, sink, addForeign)   one more request goes through; resolves once its last
 *                                    change reached sink.got.all (whatever earlier polls sent has arrived too)
 *   live.countByKey(messages)        Map key -> how often (keyOf of each message's body)
 *   live.TERMINAL
 */
const http = require('http');
const { waitFor } = require('./nodered');
const { keyOf } = require('./events-flow');

const TERMINAL = new Set(['Complete', 'Failed', 'Cancelled']);

function scenario(name, agents) {
    return {
        name,
        dataExpirationMinutes: 30,
        license: true,
        routerConnected: true,
        tenants: [{ id: 1, name: 'Main', enabled: true }],
        serviceGroups: [{ id: 101, name: 'Email', tenantId: 1, open: true, averageHandlingSeconds: 2 }],
        agents: Array.from({ length: agents }, (_, i) => ({
            id: 1001 + i, logonId: String(4001 + i), tenantId: 1, groups: [101], loggedOn: true, ready: true,
            answerAfterSeconds: 1, completeAfterSeconds: 2,
        })),
    };
}

function startSink(route) {
    const got = { added: [], all: [], own: [] };
    const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
            const r = route(req.url);
            if (r) (got[r.kind] = got[r.kind] || []).push({ at: Date.now(), inst: r.inst, body: JSON.parse(body) });
            res.end('ok');
        });
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
        got,
        port: server.address().port,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    })));
}

function finishRequests(sim) {
    for (let i = 0; i < 600; i++) {
        const last = new Map();
        for (const e of sim.eventLog) last.set(e.ID, e.Status);
        if ([...last.values()].every((s) => TERMINAL.has(s))) return;
        sim.advance(1000);
    }
}

async function lastRequestThrough(sim, sink, addForeign) {
    const sentinel = addForeign();
    for (let i = 0; i < 5; i++) sim.advance(1000);
    const done = keyOf(sim.eventLog.filter((e) => e.ID === sentinel).at(-1));
    await waitFor(() => sink.got.all.some((m) => keyOf(m.body) === done), 30000, 'a last request to go through');
}

function countByKey(messages) {
    const n = new Map();
    for (const m of messages) n.set(keyOf(m.body), (n.get(keyOf(m.body)) || 0) + 1);
    return n;
}

module.exports = { TERMINAL, scenario, startSink, finishRequests, lastRequestThrough, countByKey };
