'use strict';
/*
 * An embedded Node-RED for the benchmark children: no editor, no HTTP, logging off, the pack installed (a symlink)
 * in a throw-away user directory, `flow` as its flows file. Resolves once the flow is started, with the runtime,
 * the user directory and stop() (stops the runtime, removes the directory).
 *
 *   const { startEmbeddedNodeRed } = require('./embedded-nodered');
 *   const nr = await startEmbeddedNodeRed({ flow, tmp, prefix: 'om-bench-nr-', waitFor: 'add' });
 *   nr.RED.nodes.getNode('add') ...; await nr.stop();
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');

const root = path.join(__dirname, '..');

async function startEmbeddedNodeRed({ flow, tmp, prefix = 'om-bench-nr-', waitFor }) {
    const userDir = fs.mkdtempSync(path.join(tmp || os.tmpdir(), prefix));
    const modDir = path.join(userDir, 'node_modules', '@micc-flows');
    fs.mkdirSync(modDir, { recursive: true });
    fs.symlinkSync(root, path.join(modDir, 'node-red-openmedia'), 'dir');
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
    const RED = require('node-red');
    RED.init(http.createServer(), {
        userDir,
        flowFile: 'flows.json',
        httpAdminRoot: false,
        httpNodeRoot: false,
        disableEditor: true,
        credentialSecret: false,
        editorTheme: { projects: { enabled: false } },
        logging: { console: { level: 'off', metrics: false, audit: false } },
        externalModules: { autoInstall: false },
        functionExternalModules: false,
    });
    await RED.start();
    const started = Date.now();
    while (waitFor && !RED.nodes.getNode(waitFor)) {
        if (Date.now() - started > 20000) throw new Error('Node-RED did not start the flow (is the pack built?)');
        await new Promise((r) => setTimeout(r, 20));
    }
    return {
        RED,
        userDir,
        async stop() {
            await RED.stop();
            fs.rmSync(userDir, { recursive: true, force: true });
        },
    };
}

module.exports = { startEmbeddedNodeRed };
