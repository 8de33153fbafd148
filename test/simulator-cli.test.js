'use strict';
/*
 * simulator/cli.js as a child process: URLs printed, requests logged without credentials, clean exit on signals.
 */
const assert = require('assert');
const path = require('path');
const fs = require('fs');
const net = require('net');
const os = require('os');
const { spawn, spawnSync } = require('child_process');
const { soapPost, authHeader, controlGet, controlPost, httpRequest } = require('./support/simulator');

const CLI = path.join(__dirname, '..', 'simulator', 'cli.js');

/** Starts the CLI; resolves { child, output(), url, controlUrl } once it printed its control URL. */
function startCli(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI did not start: ${out}${err}`)); }, 10000);
        child.stdout.on('data', (d) => {
            out += d;
            const service = /service: (\S+)/.exec(out);
            const control = /control: (\S+)/.exec(out);
            const token = /token: +(\S+)/.exec(out);
            if (service && control && token) {
                clearTimeout(timer);
                resolve({ child, output: () => out + err, url: service[1], controlUrl: control[1], controlToken: token[1] });
            }
        });
        child.stderr.on('data', (d) => { err += d; });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`CLI exited with ${code}: ${out}${err}`)); });
    });
}

function exited(child, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        if (child.exitCode !== null) { resolve(child.exitCode); return; }
        const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('CLI did not exit')); }, timeoutMs);
        child.removeAllListeners('exit');
        child.on('exit', (code, signal) => { clearTimeout(timer); resolve(code === null ? signal : code); });
    });
}

describe('simulator CLI', function () {
    this.timeout(20000);

    it('prints its URLs, serves SOAP and control, logs requests without credentials, exits 0 on SIGTERM', async function () {
        const cli = await startCli(['--port', '0', '--scenario', 'test', '--clock', 'manual', '--auth', '--verbose']);
        try {
            assert.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+\/OpenMediaService$/);
            // Auth is on: the control API needs the token the CLI printed (or a user's Basic credentials).
            assert.strictEqual((await controlGet({ controlUrl: cli.controlUrl }, '/state')).status, 401);
            const state = await controlGet({ controlUrl: cli.controlUrl, controlToken: cli.controlToken }, '/state');
            assert.strictEqual(state.status, 200);
            assert.strictEqual(state.json.authEnabled, true);
            assert.strictEqual(state.json.clock, 'manual');
            const op = 'GetAllOpenMediaRequestStatus';
            const res = await soapPost(cli.url, op, `<${op} xmlns="http://tempuri.org/"/>`, { header: authHeader('someone', 'Very-Secret-Pw') });
            assert.strictEqual(res.status, 500);
            assert.match(res.body, /InvalidUserFault/);
        } finally {
            cli.child.kill('SIGTERM');
        }
        assert.strictEqual(await exited(cli.child), 0);
        const output = cli.output();
        assert.match(output, /GetAllOpenMediaRequestStatus -> 500 InvalidUserFault/);
        assert.ok(!output.includes('Very-Secret-Pw'), 'no password in the log');
        assert.ok(!output.includes('someone'), 'no logon id in the log');
        assert.ok(!/WARNING/.test(output), 'no exposure warning on 127.0.0.1');
    });

    it('bound to every interface (--host 0.0.0.0) it warns what is exposed; --scenario-dir and --allow-host are used', async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-cli-scenarios-'));
        fs.copyFileSync(path.join(__dirname, '..', 'simulator', 'scenarios', 'test.json'), path.join(dir, 'mine.json'));
        const cli = await startCli(['--port', '0', '--host', '0.0.0.0', '--scenario', 'test', '--scenario-dir', dir, '--allow-host', 'sim.example']);
        try {
            const port = Number(/:(\d+)\//.exec(cli.url)[1]);
            const sim = { controlUrl: cli.controlUrl, controlToken: cli.controlToken };
            assert.strictEqual((await controlPost(sim, '/reset', { scenario: 'mine.json' })).status, 200);
            const named = await httpRequest(`${cli.controlUrl}/state`, { headers: { Host: `sim.example:${port}` } });
            assert.strictEqual(named.status, 200);
            assert.strictEqual((await httpRequest(`${cli.controlUrl}/state`, { headers: { Host: `other.example:${port}` } })).status, 403);
        } finally {
            cli.child.kill('SIGTERM');
            await exited(cli.child);
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const output = cli.output();
        assert.match(output, /WARNING: listening on 0\.0\.0\.0:\d+, reachable from other machines/);
        assert.match(output, /control API/);
        assert.match(output, /--auth/);
    });

    it('prints the console URL, where the console page is served', async function () {
        const cli = await startCli(['--port', '0', '--scenario', 'test']);
        try {
            const consoleUrl = /console: (\S+)/.exec(cli.output())[1];
            assert.strictEqual(consoleUrl, cli.url.replace(/\/OpenMediaService$/, '/console'));
            const page = await httpRequest(consoleUrl);
            assert.strictEqual(page.status, 200);
            assert.match(page.body, /<title>Open Media simulator console<\/title>/);
        } finally {
            cli.child.kill('SIGTERM');
        }
        assert.strictEqual(await exited(cli.child), 0);
    });

    it('exits 0 on SIGINT', async function () {
        const cli = await startCli(['--port', '0', '--scenario', 'test']);
        cli.child.kill('SIGINT');
        assert.strictEqual(await exited(cli.child), 0);
    });

    it('--help exits 0; a bad option or value exits 2 with a message', function () {
        const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
        assert.strictEqual(help.status, 0);
        assert.match(help.stdout, /--scenario/);
        for (const args of [['--bogus'], ['--port', 'x'], ['--clock', 'fast'], ['--data-expiration', '-1'], ['--port']]) {
            const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
            assert.strictEqual(r.status, 2, args.join(' '));
            assert.match(r.stderr, /openmedia-simulator: /);
        }
        const bad = spawnSync(process.execPath, [CLI, '--port', '0', '--scenario', '/nonexistent/file.json'], { encoding: 'utf8' });
        assert.strictEqual(bad.status, 1);
        assert.match(bad.stderr, /cannot start/);
    });

    it('--help shows the command by the pack\'s scoped name', function () {
        const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
        assert.match(help.stdout, /^Usage: npx @micc-flows\/node-red-openmedia \[options\]/m);
    });

    it('a port in use: exits 1 saying so in plain words, with the option that helps', async function () {
        const busy = net.createServer();
        await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
        const port = busy.address().port;
        try {
            const r = spawnSync(process.execPath, [CLI, '--port', String(port)], { encoding: 'utf8', timeout: 10000 });
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.strictEqual(r.stderr.trim(), `openmedia-simulator: cannot start: port ${port} is in use: is another simulator running? `
                + 'Stop it, or use --port <n> (--port 0 picks a free one)');
        } finally {
            await new Promise((resolve) => busy.close(resolve));
        }
    });

    it('an unknown --scenario name: lists the shipped ones, never a path of the installation', function () {
        const shipped = fs.readdirSync(path.join(__dirname, '..', 'simulator', 'scenarios'))
            .filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
        assert.ok(shipped.length >= 2, String(shipped));
        for (const name of ['nope', 'demo2', 'x'.repeat(300)]) {
            const r = spawnSync(process.execPath, [CLI, '--port', '0', '--scenario', name], { encoding: 'utf8', timeout: 10000 });
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`the shipped ones are ${shipped.join(', ')}; `));
            assert.match(r.stderr, /give the path of a scenario \.json file/);
            assert.ok(!r.stderr.includes(path.join(__dirname, '..')) && !/node_modules|scenarios[\\/]/.test(r.stderr), r.stderr);
            assert.ok(r.stderr.length < 300, `${r.stderr.length} characters`);
        }
    });
});
