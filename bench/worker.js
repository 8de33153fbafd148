'use strict';
/*
 * One client variant in its own process (so its CPU and heap are its own), driven by run.js over IPC:
 *
 *   raw     a keep-alive HTTP POST of the envelope the soap package writes, answer read as text (the floor)
 *   soap    a bare soap client (soap.createClientAsync from the project's WSDL, default options), reused
 *   client  the pack's client layer alone (OpenMediaClient)
 *   node    om-add-request -> om-request-status in an embedded Node-RED runtime (message in -> node -> sink)
 *
 * One iteration = AddRequest, then GetOpenMediaRequestStatusByID of the id it returned: two calls.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { serve, ADD_ARGS, rawPost, runPool } = require('./lib');
const { startEmbeddedNodeRed } = require('./embedded-nodered');

const root = path.join(__dirname, '..');
const variant = process.argv[2];
let iterate; // (i) => Promise<void>
let teardown = async () => {};
/** raw variant: the keep-alive agent, the endpoint and the AddRequest envelope (for the simulator measurements). */
let raw;

const ENVELOPE = (body) => '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' + body + '</s:Body></s:Envelope>';
const byTimeXml = (since) => ENVELOPE('<GetOpenMediaRequestsByTime xmlns="http://tempuri.org/">' +
    (since ? `<retrieveLaterThan>${since}</retrieveLaterThan>` : '') + '</GetOpenMediaRequestsByTime>');
const statusXml = (id) => ENVELOPE(`<GetOpenMediaRequestStatusByID xmlns="http://tempuri.org/"><openMediaID>${id}</openMediaID></GetOpenMediaRequestStatusByID>`);

function timeSeq(n, fn) {
    return (async () => {
        const times = [];
        let last;
        for (let i = 0; i < n; i++) {
            const t0 = process.hrtime.bigint();
            last = await fn(i);
            times.push(Number(process.hrtime.bigint() - t0) / 1e3);
        }
        times.sort((a, b) => a - b);
        return { n, medianMicros: times[times.length >> 1], maxMicros: times[times.length - 1], last };
    })();
}

function cpuMicros() {
    const u = process.cpuUsage();
    return u.user + u.system;
}

function check(cond, what) {
    if (!cond) throw new Error(`unexpected answer: ${what}`);
}

/** The WSDL file the build writes (tools/write-wsdl.js); the bundled one from the contract when it is missing. */
function projectWsdl(url) {
    const file = path.join(root, 'wsdl', 'OpenMediaService.wsdl');
    if (fs.existsSync(file)) return file;
    return require(path.join(root, 'lib', 'wsdl.js')).buildWsdl(url);
}

/** The soap package's request arguments for the workload (members in schema order, as the schema wants). */
const SOAP_ADD = { request: { IVRInfo: { IVRInformation: ADD_ARGS.IVRInfo }, PrivateData: ADD_ARGS.PrivateData, ServiceGroupID: ADD_ARGS.ServiceGroupID } };

async function setupSoap(url) {
    const soap = require('soap');
    const client = await soap.createClientAsync(projectWsdl(url), {}, url);
    iterate = async () => {
        const [add] = await client.AddRequestAsync(SOAP_ADD);
        const id = Number(add.AddRequestResult.OpenMediaID);
        check(add.AddRequestResult.RequestStatus === 'Success' && id > 0, 'soap AddRequest');
        const [st] = await client.GetOpenMediaRequestStatusByIDAsync({ openMediaID: id });
        check(Number(st.GetOpenMediaRequestStatusByIDResult.OpenMediaRequests.OpenMediaRequest[0]?.ID ?? st.GetOpenMediaRequestStatusByIDResult.OpenMediaRequests.OpenMediaRequest.ID) === id, 'soap status');
    };
    return client;
}

async function setupRaw(url) {
    // The very envelopes the soap package writes for the same calls, captured once.
    const soapClient = await setupSoap(url);
    await soapClient.AddRequestAsync(SOAP_ADD);
    const addXml = soapClient.lastRequest;
    await soapClient.GetOpenMediaRequestStatusByIDAsync({ openMediaID: 987654321 }).catch(() => {});
    const statusXml = soapClient.lastRequest;
    check(addXml.includes('AddRequest') && statusXml.includes('987654321'), 'captured envelopes');
    const [before, after] = statusXml.split('987654321');
    // Idle sockets closed after 4 s, as the pack's transport does (the simulator, like Node, drops them after 5 s).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 4000 });
    raw = { agent, url, addXml };
    const idRe = /<(?:\w+:)?OpenMediaID>(\d+)</;
    iterate = async () => {
        const add = await rawPost(agent, url, 'AddRequest', addXml);
        const m = idRe.exec(add);
        check(m, 'raw AddRequest');
        const st = await rawPost(agent, url, 'GetOpenMediaRequestStatusByID', before + m[1] + after);
        check(st.includes('<'), 'raw status');
    };
    teardown = async () => agent.destroy();
    return { envelopes: { add: addXml.length, status: statusXml.length } };
}

async function setupClient(url) {
    const { OpenMediaClient } = require(path.join(root, 'lib', 'client.js'));
    const client = new OpenMediaClient({ endpoint: url });
    await client.ready();
    iterate = async () => {
        const add = await client.call('AddRequest', ADD_ARGS);
        check(add.RequestStatus === 'Success' && add.OpenMediaID > 0, 'client AddRequest');
        const st = await client.call('GetOpenMediaRequestStatusByID', { openMediaID: add.OpenMediaID });
        check(st.OpenMediaRequests[0].ID === add.OpenMediaID, 'client status');
    };
    teardown = () => client.close();
}

/** An embedded Node-RED runtime (no editor, no HTTP) with the pack installed in a throw-away user directory. */
async function setupNode(url, tmp) {
    const flow = [
        { id: 'f1', type: 'tab', label: 'bench' },
        { id: 'srv', type: 'om-server', name: 'sim', url, timeout: 10, wsdlSource: 'bundled' },
        { id: 'add', z: 'f1', type: 'om-add-request', name: '', server: 'srv', x: 100, y: 100, wires: [['status'], ['bad']] },
        { id: 'status', z: 'f1', type: 'om-request-status', name: '', server: 'srv', x: 300, y: 100, wires: [['sink']] },
        { id: 'sink', z: 'f1', type: 'junction', x: 500, y: 100, wires: [] },
        { id: 'bad', z: 'f1', type: 'junction', x: 500, y: 200, wires: [] },
        { id: 'catcher', z: 'f1', type: 'catch', scope: ['add', 'status'], uncaught: false, x: 300, y: 200, wires: [['bad']] },
    ];
    const nr = await startEmbeddedNodeRed({ flow, tmp, waitFor: 'add' });
    const { RED } = nr;
    const addNode = RED.nodes.getNode('add');
    const sink = RED.nodes.getNode('sink');
    const bad = RED.nodes.getNode('bad');
    const waiting = new Map();
    sink.on('input', (msg, _send, done) => {
        const w = waiting.get(msg.bench);
        if (w) {
            waiting.delete(msg.bench);
            if (msg.payload && msg.payload.OpenMediaRequests && msg.payload.OpenMediaRequests[0].ID === msg.openMediaId) w.resolve();
            else w.reject(new Error('node: unexpected status answer'));
        }
        done();
    });
    bad.on('input', (msg, _send, done) => {
        const w = waiting.get(msg.bench);
        if (w) {
            waiting.delete(msg.bench);
            w.reject(new Error(`node: ${msg.error ? msg.error.message : 'not accepted: ' + JSON.stringify(msg.payload)}`));
        }
        done();
    });
    let seq = 0;
    iterate = () => new Promise((resolve, reject) => {
        const id = ++seq;
        waiting.set(id, { resolve, reject });
        addNode.receive({ bench: id, payload: { ...ADD_ARGS } });
    });
    teardown = () => nr.stop();
}

serve({
    async setup({ url, tmp }) {
        const setups = { raw: setupRaw, soap: setupSoap, client: setupClient, node: setupNode };
        if (!setups[variant]) throw new Error(`unknown variant ${variant}`);
        const info = await setups[variant](url, tmp);
        return { variant, pid: process.pid, info: info && info.envelopes ? info : undefined };
    },
    async run({ iterations, concurrency }) {
        if (global.gc) global.gc();
        const c0 = cpuMicros();
        const t0 = process.hrtime.bigint();
        await runPool(iterations, concurrency, iterate);
        const ns = Number(process.hrtime.bigint() - t0);
        const cpu = cpuMicros() - c0;
        const calls = iterations * 2;
        return { calls, seconds: ns / 1e9, callsPerSecond: calls / (ns / 1e9), cpuMicrosPerCall: cpu / calls };
    },
    /** raw only: `n` AddRequests over HTTP, `concurrency` in flight (the simulator's adds/s as a client sees it). */
    async adds({ n, concurrency }) {
        const t0 = process.hrtime.bigint();
        await runPool(n, concurrency, async () => {
            const text = await rawPost(raw.agent, raw.url, 'AddRequest', raw.addXml);
            check(text.includes('Success'), 'raw AddRequest');
        });
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        return { n, seconds: s, perSecond: n / s };
    },
    /** raw only: sequential query times over HTTP: status of random ids in 1..cached, by-time since `since`. */
    async queries({ n, cached, since }) {
        let seed = 4711;
        const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
        const status = await timeSeq(n, () => rawPost(raw.agent, raw.url, 'GetOpenMediaRequestStatusByID', statusXml(1 + (rnd() % cached))));
        const byTime = await timeSeq(n, () => rawPost(raw.agent, raw.url, 'GetOpenMediaRequestsByTime', byTimeXml(since)));
        const records = (byTime.last.match(/<(\w+:)?OpenMediaRequest>/g) || []).length;
        delete status.last;
        delete byTime.last;
        return { status, byTime: { ...byTime, records } };
    },
    /** raw only: the GetOpenMediaRequestsByTime answer (every record) written to `file`; returns its size. */
    async dumpByTime({ file }) {
        const text = await rawPost(raw.agent, raw.url, 'GetOpenMediaRequestsByTime', byTimeXml(null));
        fs.writeFileSync(file, text);
        return { bytes: Buffer.byteLength(text), records: (text.match(/<(\w+:)?OpenMediaRequest>/g) || []).length };
    },
    heap() {
        if (!global.gc) throw new Error('run with --expose-gc');
        global.gc();
        global.gc();
        return process.memoryUsage();
    },
    async stop() {
        await teardown();
        setImmediate(() => process.exit(0));
        return true;
    },
});
