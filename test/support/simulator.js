'use strict';
/*
 * Starting the Open Media Service simulator in a test, and talking raw SOAP to it.
 *
 *   const { useSimulator, startTestSimulator, soapPost, envelope, httpRequest } = require('./support/simulator');
 *
 *   describe('...', function () {
 *     const ctx = useSimulator({ strictOrder: true });   // before: start, after: stop
 *     beforeEach(() => ctx.sim.reset());                  // optional: fresh state per test
 *     it('...', async function () { const res = await soapPost(ctx.sim, 'GetAllOpenMediaRequestStatus', '<GetAllOpenMediaRequestStatus xmlns="http://tempuri.org/"/>'); });
 *   });
 *
 * useSimulator(options?)      registers before/after hooks in the enclosing describe; returns { sim } (a getter,
 *                             set once `before` ran). Defaults: host 127.0.0.1, port 0, scenario 'test', clock
 *                             'manual'; any startSimulator option overrides them.
 * startTestSimulator(options?) starts one now (same defaults) and resolves with it; stop it yourself. Any left running
 *                             is stopped by a root after hook, so a failing test cannot leave a port open.
 * envelope(bodyXml, headerXml?)  a SOAP 1.1 envelope around the given Body content (and Header content).
 * authHeader(logonId, password)  the LogonID/Password SOAP header content (namespace OpenMediaService).
 * openStream(sim)            a console stream client (GET /control/stream): { messages, next(pred?, timeoutMs?),
 *                             close(), ended, status, headers } (see the function)
 * soapPost(simOrUrl, operation, bodyXml, { headers, header, action, raw, agent }?)
 *                             POSTs envelope(bodyXml, header) (or `raw` as the whole body) with Content-Type text/xml
 *                             and SOAPAction "http://tempuri.org/IOpenMediaService/<operation>" (`action` overrides,
 *                             null omits it); resolves { status, headers, body } (never rejects on an HTTP status).
 * httpRequest(url, { method, headers, body, agent }?)  the same for any request; resolves { status, headers, body }.
 * controlPost(sim, route, json?) / controlGet(sim, route)  the JSON control API; resolve { status, json, body }.
 *                             A POST always carries a JSON body (`{}` when none is given) with Content-Type
 *                             application/json, and every call carries `Authorization: Bearer <sim.controlToken>`
 *                             when `sim` has one, as the control API's guard asks (simulator/control.js).
 * controlCall(sim, method, route, json?, headers?)  the same for any method; `headers` replace the defaults.
 * freePort()                  a TCP port nothing listens on at the moment (127.0.0.1), for a process that must be
 *                             told its port before it starts (a child process, a URL nobody serves).
 */
const http = require('http');
const net = require('net');
const { startSimulator } = require('../../simulator');

const DEFAULTS = { host: '127.0.0.1', port: 0, scenario: 'test', clock: 'manual' };
const running = new Set();

async function startTestSimulator(options = {}) {
    const sim = await startSimulator({ ...DEFAULTS, ...options });
    running.add(sim);
    const stop = sim.stop;
    sim.stop = async () => {
        running.delete(sim);
        await stop();
    };
    return sim;
}

function useSimulator(options = {}) {
    const ctx = { sim: undefined };
    before(async function () {
        ctx.sim = await startTestSimulator(options);
    });
    after(async function () {
        if (ctx.sim) await ctx.sim.stop();
        ctx.sim = undefined;
    });
    return ctx;
}

// Root hook: whatever a test left running is stopped at the end of the run.
if (typeof after === 'function') {
    after(async function () {
        for (const sim of [...running]) await sim.stop();
    });
}

function envelope(bodyXml, headerXml) {
    return '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        + (headerXml === undefined ? '' : `<s:Header>${headerXml}</s:Header>`)
        + `<s:Body>${bodyXml}</s:Body></s:Envelope>`;
}

function authHeader(logonId, password) {
    return `<LogonID xmlns="OpenMediaService">${logonId}</LogonID><Password xmlns="OpenMediaService">${password}</Password>`;
}

function httpRequest(url, { method = 'GET', headers = {}, body, agent } = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, headers, agent: agent === undefined ? false : agent }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
    });
}

function soapPost(simOrUrl, operation, bodyXml, opts = {}) {
    const url = typeof simOrUrl === 'string' ? simOrUrl : simOrUrl.url;
    const headers = { 'Content-Type': 'text/xml; charset=utf-8', ...(opts.headers || {}) };
    const action = opts.action === undefined ? `"http://tempuri.org/IOpenMediaService/${operation}"` : opts.action;
    if (action !== null) headers.SOAPAction = action;
    const body = opts.raw !== undefined ? opts.raw : envelope(bodyXml, opts.header);
    return httpRequest(url, { method: 'POST', headers, body, agent: opts.agent });
}

async function controlCall(sim, method, route, json, headers) {
    const body = json === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(json);
    const defaults = {};
    if (body !== undefined) defaults['Content-Type'] = 'application/json';
    if (sim.controlToken) defaults.Authorization = `Bearer ${sim.controlToken}`;
    const res = await httpRequest(`${sim.controlUrl}${route}`, { method, headers: headers || defaults, body });
    let parsed;
    try { parsed = JSON.parse(res.body); } catch { parsed = undefined; }
    return { status: res.status, json: parsed, body: res.body };
}

const controlPost = (sim, route, json) => controlCall(sim, 'POST', route, json);
const controlGet = (sim, route) => controlCall(sim, 'GET', route);

/**
 * A stream client: `messages` fills with every parsed `update`; `next(pred)` waits (bounded) for the first message
 * after the one it returned last that matches; `comments` counts SSE comment lines; `ended` resolves when the server ends or drops it.
 */
function openStream(sim) {
    // Loaded here: the Node-RED test helper is not needed by the other helpers of this file.
    const { waitFor } = require('./nodered');
    return new Promise((resolve, reject) => {
        const req = http.get(`${sim.controlUrl}/stream`, { agent: false }, (res) => {
            const client = { res, req, status: res.statusCode, headers: res.headers, messages: [], body: '', waiters: [] };
            client.ended = new Promise((done) => res.once('close', done));
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
                client.body += chunk;
                buffer += chunk;
                let end;
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                    const block = buffer.slice(0, end);
                    buffer = buffer.slice(end + 2);
                    const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
                    if (!/^event: update$/m.test(block) || !data) continue;
                    const message = JSON.parse(data);
                    client.messages.push(message);
                    for (const w of client.waiters.splice(0)) w();
                }
            });
            res.on('error', () => {});
            // Messages are consumed in order: next() looks at those after the last one it returned.
            let cursor = 0;
            client.next = async (pred = () => true, timeoutMs = 5000, what = 'an update') => {
                const index = await waitFor(() => {
                    const i = client.messages.findIndex((m, k) => k >= cursor && pred(m));
                    return i >= 0 ? i + 1 : 0;
                }, timeoutMs, what);
                cursor = index;
                return client.messages[index - 1];
            };
            client.close = () => { req.destroy(); return client.ended; };
            resolve(client);
        });
        req.on('error', reject);
    });
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

module.exports = {
    freePort,
    startTestSimulator, useSimulator, envelope, authHeader, soapPost, httpRequest, controlPost, controlGet, controlCall, openStream,
};
