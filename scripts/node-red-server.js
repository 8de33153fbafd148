#!/usr/bin/env node
'use strict';
/*
 * A Node-RED for the editor tests and the demo: Node-RED embedded in its own process, with its own user directory
 * and THIS repository loaded as a node pack (settings.nodesDir = [repo]: Node-RED reads the pack's package.json
 * "node-red" section, exactly as for an installed package). Nothing is installed anywhere.
 *
 * As a program:  node scripts/node-red-server.js --userDir DIR [--port 0] [--host 127.0.0.1]
 *                  [--flows seed.json] [--log-level info] [--runtime path/to/node-red] [--dashboard yes|no]
 *   Prints one line `NODE_RED_READY {"url":...,"port":...}` on stdout once the runtime has started its flows, and
 *   stops cleanly (flows stopped, server closed) on SIGINT / SIGTERM.
 *   --flows: copied to <userDir>/flows.json only when that file does not exist yet (the user's edits are kept).
 *   --dashboard no: FlowFuse Dashboard 2.0 is not loaded. Node-RED loads every node module it finds in the
 *   node_modules folders above its own, so the devDependency is loaded by default (the demo's wallboard); the editor
 *   tests that do not need it leave it out, so they see the editor as before it was added.
 *
 * As a module:   const { startNodeRed } = require('./scripts/node-red-server');
 *                const nr = await startNodeRed({ userDir, port: 0, flows, logLevel, output: 'inherit'|'capture', dashboard });
 *                nr.url, nr.port, nr.output() (captured log), await nr.stop()
 *   It runs the program above as a child process (one runtime per process: Node-RED cannot be started twice in
 *   one process), waits for the READY line (bounded), and stop() ends it with SIGTERM (SIGKILL after 10 s).
 */
const fs = require('fs');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');

const repoRoot = path.resolve(__dirname, '..');
const READY = 'NODE_RED_READY ';

function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i++) {
        const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
        if (!m) throw new Error(`unexpected argument: ${argv[i]}`);
        out[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
    }
    return out;
}

function settingsFor({ userDir, host, port, logLevel, dashboard = true }) {
    const palette = { allowInstall: false };
    if (!dashboard) Object.assign(palette, { allowList: ['*'], denyList: ['@flowfuse/node-red-dashboard'] });
    return {
        userDir,
        flowFile: 'flows.json',
        uiHost: host,
        uiPort: port,
        httpAdminRoot: '/',
        httpNodeRoot: '/',
        nodesDir: [repoRoot],
        logging: { console: { level: logLevel, metrics: false, audit: false } },
        // A persistent store beside the default memory one, so flows can keep state across restarts
        // (om-events keeps its cursor in node context).
        contextStorage: {
            default: { module: 'memory' },
            file: { module: 'localfilesystem' },
        },
        // Offline and quiet: no update check or consent prompt, no welcome tour, no palette catalogue download.
        telemetry: { enabled: false, updateNotification: false },
        editorTheme: {
            tours: false,
            projects: { enabled: false },
            palette: { catalogues: [] },
        },
        externalModules: { palette, modules: { allowInstall: false } },
        functionExternalModules: false,
    };
}

async function runServer(opts) {
    const runtimePath = opts.runtime ? require.resolve(path.resolve(opts.runtime)) : require.resolve('node-red');
    const RED = require(runtimePath);
    const express = require(require.resolve('express', { paths: [path.dirname(runtimePath)] }));
    const userDir = path.resolve(opts.userDir);
    fs.mkdirSync(userDir, { recursive: true });
    const flowFile = path.join(userDir, 'flows.json');
    if (opts.flows && !fs.existsSync(flowFile)) fs.copyFileSync(path.resolve(opts.flows), flowFile);

    const host = opts.host || '127.0.0.1';
    const app = express();
    const server = http.createServer(app);
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(opts.port || 0), host, resolve);
    });
    const port = server.address().port;
    const settings = settingsFor({ userDir, host, port, logLevel: opts['log-level'] || 'info', dashboard: opts.dashboard !== 'no' });
    RED.init(server, settings);
    // The port listens before the runtime has started (the ephemeral port is known only then). A request in that
    // moment (a browser left open on the editor polls it) would make Node-RED log "Node-RED runtime not started"
    // as an error, once per request: answer it quietly instead, and the browser tries again.
    let started = false;
    app.use((req, res, next) => {
        if (started) return next();
        res.status(503).set('Retry-After', '1').type('text/plain').send('Node-RED is starting\n');
    });
    app.use(settings.httpAdminRoot, RED.httpAdmin);
    app.use(settings.httpNodeRoot, RED.httpNode);

    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        try {
            await RED.stop();
        } catch (err) {
            console.error('node-red-server: stop failed:', err && err.message);
        }
        server.closeAllConnections();
        server.close(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('disconnect', stop);

    await RED.start();
    started = true;
    const url = `http://${host}:${port}/`;
    process.stdout.write(`${READY}${JSON.stringify({ url, port, userDir, version: RED.version().replace(/-git$/, '') })}\n`);
}

function startNodeRed(options = {}) {
    const {
        userDir,
        port = 0,
        host = '127.0.0.1',
        flows,
        logLevel = 'warn',
        runtime,
        output = 'capture',
        startTimeoutMs = 60000,
        nodeBinary = process.execPath,
        dashboard = true,
    } = options;
    if (!userDir) throw new Error('startNodeRed: userDir is required');
    const args = [__filename, '--userDir', userDir, '--port', String(port), '--host', host, '--log-level', logLevel];
    if (flows) args.push('--flows', flows);
    if (runtime) args.push('--runtime', runtime);
    if (!dashboard) args.push('--dashboard', 'no');
    const child = spawn(nodeBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const record = (chunk, stream) => {
        if (output === 'inherit') stream.write(chunk);
        else log += chunk;
    };
    let stdoutBuf = '';
    let exited = null;
    const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
        exited = { code, signal };
        resolve(exited);
    }));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`Node-RED did not start within ${startTimeoutMs} ms:\n${log}`));
        }, startTimeoutMs);
        child.stderr.on('data', (c) => record(c.toString(), process.stderr));
        child.stdout.on('data', (c) => {
            stdoutBuf += c.toString();
            let nl;
            while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
                const line = stdoutBuf.slice(0, nl + 1);
                stdoutBuf = stdoutBuf.slice(nl + 1);
                if (line.startsWith(READY)) {
                    clearTimeout(timer);
                    const info = JSON.parse(line.slice(READY.length));
                    resolve({
                        ...info,
                        process: child,
                        output: () => log,
                        async stop() {
                            if (!exited) {
                                const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
                                child.kill('SIGTERM');
                                await exit;
                                clearTimeout(kill);
                            }
                            return exited;
                        },
                    });
                } else {
                    record(line, process.stdout);
                }
            }
        });
        exit.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`Node-RED exited (code ${code}, signal ${signal}) before it was ready:\n${log}`));
        });
    });
}

module.exports = { startNodeRed, settingsFor, repoRoot };

if (require.main === module) {
    runServer(parseArgs(process.argv.slice(2))).catch((err) => {
        console.error('node-red-server:', err && err.stack ? err.stack : err);
        process.exit(1);
    });
}
