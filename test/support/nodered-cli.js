'use strict';
/*
 * A real Node-RED as users run it: the `node-red` command (the package's red.js) of the runtime the tests use, in a
 * child process, with Node-RED's own default settings.js. Only the essentials differ: the user directory (a
 * temporary one), the port, the host (127.0.0.1) and nodesDir (this repository, so the pack loads as an installed
 * package would). No context store is configured (the memory store) and nothing else is changed (flushInterval
 * and all).
 *
 *   const { startNodeRedCli } = require('./support/nodered-cli');
 *   const nr = await startNodeRedCli({ userDir, flows });   // flows: written to <userDir>/flows.json if given
 *                                                            // env: extra environment variables (a flow reads
 *                                                            // them as ${NAME} properties or env.get)
 *   nr.url, nr.port, nr.pid, nr.output()                     // output: what it printed (stdout + stderr)
 *   await nr.admin('GET', '/flows')                          // the admin API: JSON in, JSON (or text) out
 *   await nr.admin('POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' })
 *   await nr.kill('SIGKILL' | 'SIGTERM')                     // resolves with { code, signal } once it exited
 *
 * It is ready once it printed "Started flows". Every process it starts is killed at the end of the run (a failed
 * test cannot leave one behind). The port is one the OS handed out as free just before (Node-RED's command line
 * cannot report a port it chose itself).
 */
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');
const { nodeRedPath } = require('./nodered');

const repoRoot = path.resolve(__dirname, '..', '..');
// nodeRedPath is <package>/lib/red.js; the command is <package>/red.js
const packageDir = path.dirname(path.dirname(nodeRedPath));
const cli = path.join(packageDir, 'red.js');
const running = new Set();

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** settings.js: Node-RED's own default file, and only the essentials on top. */
function writeSettings(userDir) {
    const file = path.join(userDir, 'settings.js');
    const text = `// Node-RED's default settings, as the node-red command writes them, plus what the test needs.
module.exports = Object.assign(require(${JSON.stringify(path.join(packageDir, 'settings.js'))}), {
    uiHost: '127.0.0.1',
    nodesDir: [${JSON.stringify(repoRoot)}],
});
`;
    fs.writeFileSync(file, text);
    return file;
}

function request(port, method, route, body, extraHeaders = {}) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers = { Accept: 'application/json', ...extraHeaders };
        if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': data.length });
        const req = http.request({ host: '127.0.0.1', port, method, path: route, headers }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { text += c; });
            res.on('end', () => {
                if (res.statusCode >= 400) {
                    reject(new Error(`${method} ${route}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
                    return;
                }
                try {
                    resolve(text ? JSON.parse(text) : null);
                } catch {
                    resolve(text); // e.g. POST /inject/<id> answers "OK"
                }
            });
        });
        req.setTimeout(30000, () => req.destroy(new Error(`${method} ${route}: no answer in 30 s`)));
        req.on('error', reject);
        req.end(data);
    });
}

async function startNodeRedCli({ userDir, flows, env, timeoutMs = 90000 } = {}) {
    if (!userDir) throw new Error('startNodeRedCli: userDir is required');
    fs.mkdirSync(userDir, { recursive: true });
    const settings = writeSettings(userDir);
    if (flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
    const port = await freePort();
    const child = spawn(process.execPath, [cli, '--userDir', userDir, '--settings', settings, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...(env || {}) },
    });
    running.add(child);
    let log = '';
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
    }));
    await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`Node-RED did not start within ${timeoutMs} ms:\n${log}`));
        }, timeoutMs);
        const onData = (c) => {
            log += c.toString();
            if (/Started flows/.test(log)) {
                clearTimeout(timer);
                resolve();
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        exited.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`Node-RED exited (code ${code}, signal ${signal}) before it started:\n${log}`));
        });
    });
    return {
        port,
        pid: child.pid,
        url: `http://127.0.0.1:${port}`,
        output: () => log,
        admin: (method, route, body, headers) => request(port, method, route, body, headers),
        async kill(signal) {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
        },
    };
}

// Root hook: whatever a test left running is killed at the end of the run.
if (typeof after === 'function') {
    after(function () {
        for (const child of running) child.kill('SIGKILL');
    });
}

module.exports = { startNodeRedCli, freePort };
