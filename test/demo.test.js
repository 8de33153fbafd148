'use strict';
// The live demo's script (scripts/demo.js) and its Node-RED launcher (scripts/node-red-server.js): clean --help
// texts, what the demo says about the flows it runs, and a quiet start when the editor is polled early.
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { spawnSync, spawn } = require('child_process');
const { seedFlows } = require('../scripts/demo');
const { freePort } = require('./support/simulator');

const root = path.resolve(__dirname, '..');

function get(url) {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            let body = '';
            res.on('data', (c) => { body += c; });
            res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', () => resolve(null));
    });
}

describe('the demo script and the simulator CLI', function () {
    this.timeout(60000);

    for (const [what, args] of [['npm start -- --help', ['scripts/demo.js', '--help']],
        ['openmedia-simulator --help', ['simulator/cli.js', '--help']]]) {
        it(`${what} prints a help text, not source code`, function () {
            const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /^Usage: /m);
            assert.match(r.stdout, /--port/);
            assert.ok(!/^\s*\*( |$)|\/\*|\*\//m.test(r.stdout), `a source comment in the help:\n${r.stdout}`);
            assert.ok(!/require\(|'use strict'/.test(r.stdout));
        });
    }

    it('npm start with the simulator\'s port in use: says so in plain words and starts nothing', async function () {
        const busy = require('net').createServer();
        await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
        const port = busy.address().port;
        try {
            const r = spawnSync(process.execPath, ['scripts/demo.js', '--port', String(port), '--nr-port', '0'],
                { cwd: root, encoding: 'utf8', timeout: 30000 });
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`^demo: the simulator cannot start: port ${port} is in use: is another simulator running\\? `
                + 'Stop it, or use --port <n>'));
            assert.ok(!/Node-RED/.test(r.stdout), r.stdout);
        } finally {
            await new Promise((resolve) => busy.close(resolve));
        }
    });

    describe('what the demo says about the flows Node-RED will run', function () {
        let dir;
        beforeEach(function () { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-demo-')); });
        afterEach(function () { fs.rmSync(dir, { recursive: true, force: true }); });
        const flows = () => JSON.parse(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'));
        const serverUrl = (f) => f.find((n) => n.type === 'om-server').url;

        it('first run: seeds the demo flow; a second run without a deploy still says so (not "kept")', function () {
            assert.match(seedFlows('127.0.0.1', 12615, dir), /^the demo flow/);
            assert.strictEqual(serverUrl(flows()), 'http://127.0.0.1:12615/OpenMediaService');
            const again = seedFlows('127.0.0.1', 12615, dir);
            assert.match(again, /^the demo flow/);
            assert.ok(!/kept|deployed/.test(again), again);
        });

        it('another --port: the untouched demo flow follows the simulator\'s address', function () {
            seedFlows('127.0.0.1', 12615, dir);
            assert.match(seedFlows('127.0.0.1', 13000, dir), /^the demo flow/);
            assert.strictEqual(serverUrl(flows()), 'http://127.0.0.1:13000/OpenMediaService');
        });

        it('flows deployed since: kept as they are, and said so', function () {
            seedFlows('127.0.0.1', 12615, dir);
            const changed = flows();
            changed.find((n) => n.type === 'inject').name = 'my own inject';
            fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(changed));
            assert.match(seedFlows('127.0.0.1', 13000, dir), /flows you deployed in an earlier run/);
            assert.deepStrictEqual(flows(), changed, 'left as they were');
        });
    });

    it('the Node-RED launcher answers an early poll of the editor quietly (no "runtime not started" errors)', async function () {
        const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-nr-'));
        const port = await freePort();
        const child = spawn(process.execPath, [path.join(root, 'scripts', 'node-red-server.js'), '--userDir', userDir,
            '--port', String(port), '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let log = '';
        child.stdout.on('data', (c) => { log += c; });
        child.stderr.on('data', (c) => { log += c; });
        const answers = [];
        let ready = false;
        const readyAt = new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`Node-RED did not start:\n${log}`)), 50000);
            child.stdout.on('data', () => {
                if (/NODE_RED_READY/.test(log)) { clearTimeout(timer); ready = true; resolve(); }
            });
        });
        try {
            // poll the editor as a browser left open would, from the moment the process starts until it is ready
            while (!ready) {
                const r = await get(`http://127.0.0.1:${port}/settings`);
                if (r) answers.push(r);
                await new Promise((resolve) => setImmediate(resolve));
            }
            await readyAt;
            const after = await get(`http://127.0.0.1:${port}/`);
            assert.strictEqual(after.status, 200, 'the editor once started');
            assert.ok(answers.some((a) => a.status === 503 && /starting/.test(a.body)),
                `no poll reached the starting server (${answers.length} answers): the test proves nothing`);
            assert.ok(answers.every((a) => a.status === 503 || a.status === 200), JSON.stringify(answers.map((a) => a.status)));
            assert.ok(!/runtime not started/i.test(log), log);
        } finally {
            child.kill('SIGTERM');
            await new Promise((resolve) => child.once('exit', resolve));
            fs.rmSync(userDir, { recursive: true, force: true });
        }
    });
});
