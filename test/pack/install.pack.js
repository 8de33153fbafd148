'use strict';
// The pack as a user gets it: `npm pack`, the tarball installed into a fresh Node-RED user directory (as the
// palette manager does), the simulator started the way the example's comment node says, a Node-RED (the
// devDependency's red.js) started on that user directory, the example deployed, and the completion of a request
// seen in what the editor's Debug sidebar receives (Node-RED's /comms websocket).
//
// The only thing the test changes is the simulator's port (an ephemeral one instead of 12615, on a shared machine)
// and, to match, the port in the example's server URL. The command and the directory to run it in are read from
// the installed example's comment. `npm run test:pack` (build first); the install prefers npm's cache
// (--prefer-offline) and needs the registry only for what the cache lacks (the pack's dependencies).
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const PACK = require(path.join(root, 'package.json')).name;
const RED_JS = require.resolve('node-red/red.js', { paths: [root] });
const WebSocket = require(require.resolve('ws', { paths: [path.dirname(RED_JS)] }));
const { freePort } = require('../support/simulator');
const EXAMPLE = '00-each-node.json';

/**
 * npm, under `flock /tmp/npm.lock` where flock exists: machines that run several test suites at once share one npm
 * cache, and concurrent installs into it are not safe.
 */
function npm(args, cwd) {
    const useFlock = spawnSync('flock', ['--version']).status === 0;
    const [cmd, argv] = useFlock ? ['flock', ['/tmp/npm.lock', 'npm', ...args]] : ['npm', args];
    const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', timeout: 240000,
        env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** A child process whose output is kept, and a bounded wait for a line matching a pattern. */
function run(cmd, args, options) {
    // Its own process group, so that stop() ends what it started too (npx runs the simulator as a child of its own:
    // a signal to npx alone left the simulator running).
    const child = spawn(cmd, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const waiters = [];
    const feed = (chunk) => {
        out += chunk.toString();
        for (const w of [...waiters]) {
            const m = w.re.exec(out.slice(w.since));
            if (m) {
                waiters.splice(waiters.indexOf(w), 1);
                clearTimeout(w.timer);
                w.resolve(m);
            }
        }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return {
        child,
        output: () => out,
        /** Resolves with the first match of `re` in the output after position `since` (default: all of it). */
        waitFor(re, ms, what, since = 0) {
            const m = re.exec(out.slice(since));
            if (m) return Promise.resolve(m);
            return new Promise((resolve, reject) => {
                const w = { re, resolve, since };
                w.timer = setTimeout(() => {
                    waiters.splice(waiters.indexOf(w), 1);
                    reject(new Error(`${what}: not seen within ${ms} ms; output:\n${out.slice(-3000)}`));
                }, ms);
                waiters.push(w);
            });
        },
        async stop() {
            const group = (signal) => {
                try {
                    process.kill(-child.pid, signal);
                } catch {
                    // the group is gone already
                }
            };
            if (child.exitCode !== null || child.signalCode !== null) {
                group('SIGTERM'); // what it started may outlive it
                return;
            }
            const kill = setTimeout(() => group('SIGKILL'), 10000);
            group('SIGTERM');
            await exited;
            clearTimeout(kill);
        },
    };
}

async function http(method, url, body) {
    const res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
}

describe('the packed pack, installed into a fresh Node-RED user directory', function () {
    this.timeout(300000);
    let tmp;
    let userDir;
    let sim;
    let red;
    let ws;

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'om-pack-'));
        userDir = path.join(tmp, 'node-red');
        fs.mkdirSync(userDir);
    });

    after(async function () {
        if (ws) ws.terminate();
        if (red) await red.stop();
        if (sim) await sim.stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        if (simPort) {
            // the simulator npx started is gone too, not only npx: nothing answers on its port any more
            const refused = await new Promise((resolve) => {
                const socket = require('net').connect(simPort, '127.0.0.1');
                socket.once('connect', () => { socket.destroy(); resolve(false); });
                socket.once('error', () => resolve(true));
            });
            assert.ok(refused, `the simulator still listens on port ${simPort} after the test stopped it`);
        }
    });

    let installed;
    it('packs, and installs from the tarball into a user directory as the palette manager does', function () {
        // built already (`npm run test:pack` builds first): pack what is there, without running prepack again
        const [info] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], root));
        const tarball = path.join(tmp, info.filename);
        assert.ok(fs.existsSync(tarball), tarball);
        fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
        npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], userDir);
        installed = path.join(userDir, 'node_modules', ...PACK.split('/'));
        assert.ok(fs.existsSync(path.join(installed, 'package.json')), 'the pack is in the user directory');
        assert.ok(fs.existsSync(path.join(userDir, 'node_modules', '.bin', 'openmedia-simulator')), 'its simulator command is linked');
        // a user installs no source: nothing here needs TypeScript or the scripts of the repository
        assert.ok(!fs.existsSync(path.join(installed, 'src')) && !fs.existsSync(path.join(installed, 'scripts')));
    });

    let flow;
    let simPort;
    it('starts the simulator exactly as the example\'s comment says (only the port is the test\'s)', async function () {
        assert.ok(installed, 'installed');
        flow = JSON.parse(fs.readFileSync(path.join(installed, 'examples', EXAMPLE), 'utf8'));
        const comment = flow.find((n) => n.type === 'comment').info;
        assert.match(comment, /in your Node-RED user directory/, 'the comment says where to run it');
        const command = /`(npx [^`]+)`/.exec(comment);
        assert.ok(command, `no npx command in the comment:\n${comment}`);
        const words = command[1].split(/\s+/);
        // the pack's scoped name (only its owner can publish it), never a bare command name npx could resolve to a
        // stranger's package on the registry
        assert.deepStrictEqual(words, ['npx', PACK], 'the command as a user types it');
        const server = flow.find((n) => n.type === 'om-server');
        const url = new URL(server.url);
        assert.ok(comment.includes(`${url.origin}${url.pathname}`), 'the comment names the address the server node uses');
        simPort = await freePort();
        // offline: npx must use the simulator the pack installed, never fetch a package
        sim = run(words[0], [...words.slice(1), '--port', String(simPort)], {
            cwd: userDir, env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
        });
        const m = await sim.waitFor(/service: (http:\/\/\S+)/, 60000, 'the simulator\'s address');
        assert.strictEqual(m[1], `http://127.0.0.1:${simPort}${url.pathname}`);
        server.url = m[1];
    });

    let nodeRedUrl;
    it('starts Node-RED on that user directory: the installed node sets load', async function () {
        assert.ok(flow, 'simulator started');
        const port = await freePort();
        red = run(process.execPath, [RED_JS, '--userDir', userDir, '--port', String(port), '-D', 'uiHost=127.0.0.1',
            '-D', 'logging.console.level=info', '--no-telemetry'], { cwd: userDir, env: process.env });
        await red.waitFor(/Server now running at/, 120000, 'Node-RED started');
        // the server listens before the runtime has started its (empty) flows: wait for that too, so the deploy
        // below is not taken for finished by this start's log line
        await red.waitFor(/Started flows/, 60000, 'Node-RED started its flows');
        nodeRedUrl = `http://127.0.0.1:${port}`;
        const sets = (await http('GET', `${nodeRedUrl}/nodes`)).json.filter((s) => s.module === PACK);
        assert.deepStrictEqual(sets.map((s) => s.name).sort(), ['om-events', 'om-operations', 'om-server']);
        for (const s of sets) assert.ok(!s.err, `${s.id}: ${JSON.stringify(s.err)}`);
        assert.ok(sets.every((s) => s.enabled && s.loaded !== false));
    });

    it('deploys the example and, pressing "add request", sees the request completed in the Debug sidebar', async function () {
        assert.ok(nodeRedUrl, 'Node-RED started');
        // Importing puts the flow into the current tab: here, a new one.
        const tab = { id: 'pack-test-tab', type: 'tab', label: 'Flow 1' };
        const nodes = flow.map((n) => (n.type === 'om-server' || n.type === 'tab' ? n : { ...n, z: tab.id }));
        ws = new WebSocket(`${nodeRedUrl.replace('http', 'ws')}/comms`);
        const debug = [];
        const listeners = [];
        ws.on('message', (data) => {
            for (const m of [].concat(JSON.parse(data.toString()))) {
                if (m.topic !== 'debug') continue;
                debug.push(m.data);
                for (const l of [...listeners]) l();
            }
        });
        await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
        ws.send(JSON.stringify({ subscribe: 'debug' }));
        const nextDebug = (test, ms, what) => new Promise((resolve, reject) => {
            const check = () => {
                const hit = debug.find(test);
                if (!hit) return false;
                listeners.splice(listeners.indexOf(check), 1);
                clearTimeout(timer);
                resolve(hit);
                return true;
            };
            const timer = setTimeout(() => {
                listeners.splice(listeners.indexOf(check), 1);
                reject(new Error(`${what}: no such debug message within ${ms} ms; got ${JSON.stringify(debug).slice(0, 2000)}\n`
                    + `Node-RED:\n${red.output().slice(-2000)}`));
            }, ms);
            listeners.push(check);
            check();
        });

        const mark = red.output().length;
        const deployed = await http('POST', `${nodeRedUrl}/flows`, [tab, ...nodes]);
        assert.strictEqual(deployed.status, 204, deployed.text);
        await red.waitFor(/Stopping flows[\s\S]*Started flows/, 30000, 'the deployed flows started', mark);

        const inject = flow.find((n) => n.type === 'inject' && n.name === 'add request');
        const pressed = await http('POST', `${nodeRedUrl}/inject/${inject.id}`);
        assert.strictEqual(pressed.status, 200, `${pressed.text}\n${red.output().slice(-3000)}`);
        const accepted = await nextDebug((d) => d.name === 'add request: accepted', 20000, 'accepted');
        // the debug node shows msg.payload, the answer (its JSON, as the sidebar gets it)
        assert.strictEqual(accepted.property, 'payload', 'the debug node shows msg.payload');
        const answer = JSON.parse(accepted.msg);
        assert.strictEqual(answer.RequestStatus, 'Success', accepted.msg);
        const id = answer.OpenMediaID;

        // The demo's agents answer and complete by themselves within half a minute; the control API makes it now.
        // (A 400 only says the agent had already done that step.)
        const control = (route) => http('POST', `http://127.0.0.1:${simPort}/control/requests/${id}/${route}`, {});
        for (const step of ['answer', 'complete']) {
            const r = await control(step);
            assert.ok(r.status === 200 || r.status === 400, `${step}: ${r.status} ${r.text}`);
        }
        const complete = await nextDebug((d) => d.name === 'status changes' && d.topic === `openmedia/${id}/Complete`,
            45000, `request ${id} complete`);
        // msg.payload of an om-events message: what matters first, in the sidebar's collapsed preview
        assert.strictEqual(complete.property, 'payload');
        assert.deepStrictEqual(Object.keys(JSON.parse(complete.msg)).slice(0, 3), ['Status', 'ID', 'TimeStamp']);
        assert.match(complete.msg, /"Complete"/);
        assert.ok(!/\[error\]/.test(red.output()), `Node-RED logged an error:\n${red.output().slice(-2000)}`);
    });
});
