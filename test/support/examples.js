'use strict';
/*
 * Loading an example flow (examples/*.json) into the test runtime, as a user would import and deploy it.
 *
 *   const { loadExample } = require('./support/examples');
 *   const ex = await loadExample('02-ticket-webhook.json', { url: sim.url, http: true });
 *   ex.node('queue ticket', type?)  the node with that name (or id) and type: a real runtime node
 *   ex.byName / ex.flow          the loaded flow (after the rewrites)
 *   ex.httpUrl                   with { http: true }: the base URL (http://127.0.0.1:PORT) of the flow's http-in nodes
 *   await ex.unload()            stops the flows and the http server (always call it)
 *
 * What is rewritten: every node id (a suffix per load, references follow); every om-server's url -> options.url; options.edit(flow) may change anything else (e.g. the URL
 * of an http request node). Every node without a tab gets one (an example is imported into the current tab).
 * The core nodes a flow uses are loaded from the SAME runtime as the tests (coreNode), so NODE_RED_PATH (Node-RED 5)
 * keeps working. Dashboard 2.0 nodes (the wallboard example) come from the @flowfuse/node-red-dashboard devDependency.
 *
 * http-in nodes: node-red-node-test-helper hands the nodes an express app (RED.httpNode) that nothing serves; with
 * { http: true } that app is served on 127.0.0.1 with an ephemeral port, so the tests talk real HTTP to the flow.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');
const nodered = require('./nodered');

const { helper } = nodered;
// A core node module of the runtime the tests use (4.1, or Node-RED 5 through NODE_RED_PATH).
const coreNode = nodered.coreNode || ((file) => require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json',
    { paths: [path.dirname(nodered.nodeRedPath)] })), 'core', file)));

const root = path.join(__dirname, '..', '..');
const EXAMPLES = path.join(root, 'examples');

/** Core node type -> module file (relative to @node-red/nodes/core). */
const CORE = {
    inject: 'common/20-inject.js',
    debug: 'common/21-debug.js',
    comment: 'common/90-comment.js',
    catch: 'common/25-catch.js',
    status: 'common/25-status.js',
    complete: 'common/24-complete.js',
    'link in': 'common/60-link.js',
    'link out': 'common/60-link.js',
    junction: 'common/05-junction.js',
    function: 'function/10-function.js',
    switch: 'function/10-switch.js',
    change: 'function/15-change.js',
    delay: 'function/89-delay.js',
    trigger: 'function/89-trigger.js',
    template: 'function/80-template.js',
    'http in': 'network/21-httpin.js',
    'http response': 'network/21-httpin.js',
    'http request': 'network/21-httprequest.js',
    'tls-config': 'network/05-tls.js',
    json: 'parsers/70-JSON.js',
};

/**
 * FlowFuse Dashboard 2.0 node type -> module file, from its package.json (a devDependency: the wallboard example
 * uses it). Empty when it is not installed.
 */
const DASHBOARD = (() => {
    try {
        const pkgFile = require.resolve('@flowfuse/node-red-dashboard/package.json');
        const nodes = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))['node-red'].nodes;
        return Object.fromEntries(Object.entries(nodes).map(([type, file]) => [type, path.join(path.dirname(pkgFile), file)]));
    } catch (err) {
        return {};
    }
})();

/** Our node type -> built module. */
function ownModule(type) {
    if (type === 'om-server') return path.join(root, 'nodes', 'om-server.js');
    if (type === 'om-events') return path.join(root, 'nodes', 'om-events.js');
    if (type.startsWith('om-')) return path.join(root, 'nodes', 'om-operations.js');
    return null;
}

/** Drops every node/flow/global context of the test runtime (memory store). */
function forgetContext() {
    if (helper._context && typeof helper._context.clean === 'function') helper._context.clean({ allNodes: [] });
}

function readExample(file) {
    return JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
}

function modulesFor(flow) {
    const files = new Set();
    const mods = [];
    for (const n of flow) {
        if (n.type === 'tab') continue;
        const own = ownModule(n.type) || DASHBOARD[n.type];
        const file = own || (CORE[n.type] ? `core:${CORE[n.type]}` : null);
        if (!file) throw new Error(`the test does not know where node type "${n.type}" comes from`);
        if (files.has(file)) continue;
        files.add(file);
        mods.push(own ? require(own) : coreNode(CORE[n.type]));
    }
    // Always present in a real runtime and used by every example's server.
    const srv = require(ownModule('om-server'));
    if (!mods.includes(srv)) mods.push(srv);
    return mods;
}

let loads = 0;
const CONFIG_TYPES = new Set(['om-server', 'tls-config', 'ui-base', 'ui-theme', 'ui-page', 'ui-group']);

async function loadExample(file, { url, edit, http: serveHttp = false, credentials } = {}) {
    // Fresh node ids for every load: nothing a node kept in context in an earlier test (om-events saves its cursor
    // when it closes) can reach this one.
    const suffix = `.${++loads}`;
    const original = Array.isArray(file) ? file : readExample(file);
    const known = new Set(original.map((n) => n.id));
    const flow = JSON.parse(JSON.stringify(original), (key, value) =>
        (typeof value === 'string' && known.has(value) ? value + suffix : value));
    const tab = flow.find((n) => n.type === 'tab');
    const tabId = tab ? tab.id : 'examples-test-tab';
    if (!tab) flow.unshift({ id: tabId, type: 'tab', label: file });
    for (const n of flow) {
        if (n.type === 'om-server' && url) n.url = url;
        if (n.type !== 'tab' && !CONFIG_TYPES.has(n.type) && !n.z) n.z = tabId;
    }
    if (edit) edit(flow);

    let httpNode = null;
    const captureHttp = (RED) => { httpNode = RED.httpNode; };
    const creds = {};
    if (credentials) for (const n of flow) if (n.type === 'om-server') creds[n.id] = credentials;
    forgetContext();
    await helper.load([...modulesFor(flow), captureHttp], flow, creds);

    let server = null;
    let httpUrl = null;
    if (serveHttp) {
        server = http.createServer(httpNode);
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', resolve);
        });
        httpUrl = `http://127.0.0.1:${server.address().port}`;
    }
    const byName = (name, type) => {
        const found = flow.filter((n) => (n.name === name || n.id === name) && (!type || n.type === type));
        if (found.length !== 1) throw new Error(`${found.length} nodes named "${name}" in ${file}`);
        return found[0];
    };
    return {
        flow,
        byName,
        httpUrl,
        node: (name, type) => {
            const n = helper.getNode(byName(name, type).id);
            if (!n) throw new Error(`node "${name}" is not running`);
            return n;
        },
        async unload() {
            if (server) {
                server.closeAllConnections();
                await new Promise((resolve) => server.close(() => resolve()));
                server = null;
            }
            await helper.unload();
            // om-events saves its state into node context on close, which helper.unload() runs after it cleared the
            // context: clear again, so that the next test (same node ids) starts fresh instead of resuming.
            forgetContext();
        },
    };
}

module.exports = { loadExample, readExample, CORE, DASHBOARD, EXAMPLES };
