'use strict';
/*
 * The one place the tests get Node-RED from.
 *
 *   const { helper, nodeRedVersion, waitFor, waitForMessage, collect } = require('./support/nodered');
 *
 * Which Node-RED:
 *   - by default the devDependency (`node-red` 4.1.x, `require.resolve('node-red')`);
 *   - NODE_RED_PATH set: another install, given as its package folder (…/node_modules/node-red), a folder whose
 *     node_modules holds node-red, or a resolvable module path (…/node-red/lib/red.js). scripts/nr5-test.sh uses
 *     it to run the same suite on Node-RED 5 (Node 22).
 *   node-red-node-test-helper looks Node-RED up by itself as soon as it is required (require.resolve('node-red')
 *   from its own folder, which is always the 4.1 devDependency). So that only ONE runtime is ever loaded in the
 *   process, the lookup of 'node-red' is redirected to the chosen runtime while the helper is being required.
 *
 * Exports:
 *   helper          node-red-node-test-helper, initialised on the chosen runtime (helper.load/unload/getNode…)
 *   nodeRedVersion  the runtime's package version, e.g. '4.1.15' or '5.0.7'
 *   nodeRedPath     the file the runtime was loaded from
 *   RED             the loaded runtime module (rarely needed: prefer the helper's API)
 *   coreNode(file)  a core node module OF THE SAME RUNTIME, for helper.load: file relative to @node-red/nodes/core,
 *                   e.g. coreNode('network/05-tls.js') (tls-config), coreNode('common/20-inject.js'). Never require
 *                   core nodes from node_modules directly: under test:nr5 that would mix 4.1 into a 5.x runtime.
 *   waitFor(predicate, timeoutMs = 2000, what?)
 *                   resolves with the predicate's first truthy value; the predicate (may be async) is checked now
 *                   and then every 5 ms; rejects with "timed out after N ms waiting for <what>" otherwise.
 *   waitFor(emitter, eventName, timeoutMs = 2000, filter?)
 *                   resolves with the first event's argument (or an array of them when there are several) for
 *                   which filter(...args) is truthy. Works on any EventEmitter and on Node-RED nodes, e.g.
 *                   waitFor(node, 'call:status', 2000, call => call.args[0].fill === 'red')
 *                   (the helper re-emits node.status/error/warn/log/send calls as 'call:<method>' with a sinon
 *                   call: call.args, call.args[0] …).
 *   waitForStatus(node, filter?, timeoutMs)   next status the node shows ({fill, shape, text}) matching filter.
 *   waitForMessage(node, timeoutMs = 2000, filter?)
 *                   the next message that reaches `node` (usually a `helper` node wired to an output); with a
 *                   filter, queued messages that do not match are dropped on the way.
 *   collect(node, count, timeoutMs = 2000)    the next `count` messages that reach `node`, in order.
 *   watch(node)     start recording messages that reach `node` now (waitForMessage/collect do it implicitly).
 *                   Messages are queued per node from the first watch on, so nothing that arrives between two
 *                   waitForMessage calls is lost. Node-RED delivers messages asynchronously, so calling
 *                   waitForMessage right after node.receive(...) in the same tick is also safe.
 *
 * No helper here sleeps: every wait ends on the awaited thing or on its bounded timeout.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');

function resolveRuntimePath() {
    const given = process.env.NODE_RED_PATH;
    if (!given) return require.resolve('node-red');
    const abs = path.resolve(given);
    const pkgMain = (dir) => {
        const pkgFile = path.join(dir, 'package.json');
        if (!fs.existsSync(pkgFile)) return null;
        const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
        return pkg.name === 'node-red' ? path.join(dir, pkg.main || 'lib/red.js') : null;
    };
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
        const found = pkgMain(abs) || pkgMain(path.join(abs, 'node_modules', 'node-red'));
        if (found) return found;
        throw new Error(`NODE_RED_PATH=${given}: no node-red package in that folder or its node_modules`);
    }
    return require.resolve(abs);
}

const nodeRedPath = resolveRuntimePath();

function requireHelper() {
    const original = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
        if (request === 'node-red') return nodeRedPath;
        return original.call(this, request, ...rest);
    };
    try {
        return require('node-red-node-test-helper');
    } finally {
        Module._resolveFilename = original;
    }
}

const helper = requireHelper();
helper.init(nodeRedPath);
if (!helper._RED || !helper._redNodes) {
    throw new Error(`node-red-node-test-helper could not initialise Node-RED from ${nodeRedPath}`);
}
const RED = helper._RED;
// The package's own version: RED.version() appends "-git" whenever a .git folder sits four levels above
// node-red/lib (which is this repository for the devDependency), so it is not used for reporting.
function packageVersion() {
    let dir = path.dirname(nodeRedPath);
    for (let i = 0; i < 3; i++, dir = path.dirname(dir)) {
        const pkgFile = path.join(dir, 'package.json');
        if (fs.existsSync(pkgFile)) {
            const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
            if (pkg.name === 'node-red') return pkg.version;
        }
    }
    return RED.version().replace(/-git$/, '');
}
const nodeRedVersion = packageVersion();

if (!process.env.NODE_RED_QUIET) {
    const where = path.relative(process.cwd(), nodeRedPath) || nodeRedPath;
    console.log(`[test] Node-RED ${nodeRedVersion} on Node ${process.version} (${where})`);
}

const coreNodesDir = path.join(
    path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] })), 'core');

function coreNode(file) {
    return require(path.join(coreNodesDir, file));
}

const POLL_MS = 5;

function timeoutError(ms, what) {
    return new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function waitForPredicate(predicate, timeoutMs = 2000, what = 'a condition') {
    return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        let timer = null;
        const check = async () => {
            timer = null;
            let value;
            try {
                value = await predicate();
            } catch (err) {
                reject(err);
                return;
            }
            if (value) resolve(value);
            else if (Date.now() >= deadline) reject(timeoutError(timeoutMs, what));
            else timer = setTimeout(check, POLL_MS);
        };
        check();
    });
}

function waitForEvent(emitter, eventName, timeoutMs = 2000, filter) {
    return new Promise((resolve, reject) => {
        const listener = (...args) => {
            let ok;
            try {
                ok = !filter || filter(...args);
            } catch (err) {
                finish();
                reject(err);
                return;
            }
            if (!ok) return;
            finish();
            resolve(args.length > 1 ? args : args[0]);
        };
        const timer = setTimeout(() => {
            finish();
            reject(timeoutError(timeoutMs, `event '${eventName}'${filter ? ' (filtered)' : ''}`));
        }, timeoutMs);
        function finish() {
            clearTimeout(timer);
            emitter.removeListener(eventName, listener);
        }
        emitter.on(eventName, listener);
    });
}

/** waitFor(predicate, timeoutMs?, what?) or waitFor(emitter, eventName, timeoutMs?, filter?) */
function waitFor(target, ...rest) {
    if (typeof target === 'function') return waitForPredicate(target, ...rest);
    if (target && typeof target.on === 'function' && typeof rest[0] === 'string') {
        return waitForEvent(target, ...rest);
    }
    throw new TypeError('waitFor(predicate, timeoutMs) or waitFor(emitter, eventName, timeoutMs, filter)');
}

function waitForStatus(node, filter, timeoutMs = 2000) {
    return waitForEvent(node, 'call:status', timeoutMs, (call) => !filter || filter(call.args[0] || {}))
        .then((call) => call.args[0]);
}

// Per-node message queues: node -> { queue: msg[], waiters: [{ count, got, resolve, reject, timer, filter }] }
const watched = new WeakMap();

function watch(node) {
    if (!node || typeof node.on !== 'function') throw new TypeError('watch(node): not a Node-RED node');
    let state = watched.get(node);
    if (state) return state;
    state = { queue: [], waiters: [] };
    watched.set(node, state);
    node.on('input', (msg) => {
        state.queue.push(msg);
        drain(state);
    });
    return state;
}

function drain(state) {
    while (state.waiters.length && state.queue.length) {
        const w = state.waiters[0];
        const msg = state.queue.shift();
        if (w.filter && !w.filter(msg)) continue;
        w.got.push(msg);
        if (w.got.length === w.count) {
            state.waiters.shift();
            clearTimeout(w.timer);
            w.resolve(w.got);
        }
    }
}

function take(node, count, timeoutMs, filter) {
    const state = watch(node);
    return new Promise((resolve, reject) => {
        const w = { count, got: [], resolve, reject, filter, timer: null };
        w.timer = setTimeout(() => {
            const i = state.waiters.indexOf(w);
            if (i >= 0) state.waiters.splice(i, 1);
            // What this waiter already took goes back to the front, so a later wait still sees it.
            state.queue.unshift(...w.got);
            reject(timeoutError(timeoutMs, `${count} message(s) at node ${node.id} (got ${w.got.length})`));
        }, timeoutMs);
        state.waiters.push(w);
        drain(state);
    });
}

function waitForMessage(node, timeoutMs = 2000, filter) {
    return take(node, 1, timeoutMs, filter).then((msgs) => msgs[0]);
}

function collect(node, count, timeoutMs = 2000) {
    return take(node, count, timeoutMs);
}

module.exports = {
    helper,
    RED,
    nodeRedVersion,
    nodeRedPath,
    coreNode,
    waitFor,
    waitForStatus,
    waitForMessage,
    collect,
    watch,
};
