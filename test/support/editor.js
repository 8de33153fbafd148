'use strict';
/*
 * Browser harness for the editor tests (test/editor/*.editor.js, run by `npm run test:editor`).
 *
 * startEditor(options) starts a real Node-RED 4.1 (the devDependency; options.runtime / EDITOR_NODE_RED_PATH and
 * options.nodeBinary / EDITOR_NODE choose another, e.g. the Node-RED 5 of .nr5/) in a child process with a fresh temporary
 * user directory and this repository loaded as a node pack (scripts/node-red-server.js: settings.nodesDir), on
 * 127.0.0.1 with an ephemeral port, then Debian's Chromium (playwright-core, headless) on its editor, and waits
 * until the editor has loaded its palette and flows. It resolves with an `editor` object:
 *
 *   editor.page, editor.browser, editor.url, editor.nodeRed ({ url, port, userDir, output() })
 *   editor.errors                 page errors and console errors seen so far (assert it stays empty)
 *   editor.errorStacks            the stacks of those page errors (for the message of a failed assertion)
 *
 *   options: flows (seed flows), logLevel, viewport, runtime / nodeBinary (above), dashboard (load FlowFuse Dashboard
 *   2.0, the devDependency; default false: only the wallboard test needs it), localStorage (entries set before
 *   the editor's scripts run, e.g. Node-RED 5's { 'view-dark-theme': 'dark' }), userSettings (the editor's user
 *   settings to start with; default: tips off), startTimeoutMs (Node-RED start, default 90 s)
 *   await editor.stop()           closes the browser, stops Node-RED, removes the user directory (always call it)
 *   await editor.reload()         reloads the page and waits until the editor is ready again
 *
 *   Nodes in the workspace
 *   await editor.importFlow(nodes)            RED.view.importNodes(nodes) (ids kept); resolves with the ids
 *   await editor.dropFromPalette(type, {x,y}) drags the palette entry onto the workspace with the mouse;
 *                                             resolves with the new node's id (x, y: offset in the workspace)
 *   await editor.paletteTypes()               every node type shown in the palette
 *   await editor.node(id)                     the editor's view of a node: its own properties (no _ or functions)
 *
 *   Edit dialogs
 *   await editor.openEditDialog(id)           double-clicks the node (falls back to RED.editor.edit); waits for the tray
 *   await editor.openConfigDialog(field, {add})  the dialog of the config node chosen in that select (e.g.
 *                                             'server'), or a new one (add: true, or when none is chosen)
 *   await editor.fill(field, value)           types into #node-input-<field> (or #node-config-input-<field> in a
 *                                             config dialog); a full selector (#..., .x, [..]) is used as is
 *   await editor.select(field, value)         chooses an option of a <select>
 *   await editor.setTypedInput(field, type, value)  sets a typedInput's type and value through its widget API
 *   await editor.readField(field)             the field's current value ({type, value} for a typedInput)
 *   await editor.clickDone() / clickCancel()  closes the top-most dialog (node or config node)
 *
 *   Runtime
 *   await editor.deploy({ confirm })          clicks Deploy and waits until the runtime has started the deployed
 *                                             flows; a confirmation dialog (unconfigured/invalid nodes) is accepted
 *                                             when confirm is true, otherwise it is an error carrying its text
 *   await editor.nodeStatus(id)               the status the editor shows for a node ({fill, shape, text}) or null
 *   await editor.waitForNodeStatus(id, expected, timeoutMs)   until the shown status has every key of `expected`
 *                                             ({fill, shape, text} compared exactly; {textIncludes: 'abc'} matches
 *                                             part of the text); resolves with the status
 *   await editor.inject(id)                   presses an inject node's button (POST /inject/<id>)
 *   await editor.admin(method, path, body)    a call to the Node-RED admin API; resolves with the parsed JSON
 *   await editor.screenshot(name)             test/artifacts/editor/<name>.png; resolves with the path
 *   await editor.openPage(url, viewport?)     another page (tab) in the same browser, e.g. the simulator console or
 *                                             the dashboard, loaded (default viewport 1366x768, a laptop screen);
 *                                             resolves with { page, errors } (its page errors and console errors)
 *   await editor.screenshotOnFailure(test, page, name)   in an afterEach: test/artifacts/editor/<name>-failed.png
 *                                             when the test failed
 *
 * Every wait is bounded (default 20 s, loading the editor 90 s); nothing here sleeps for a fixed time.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { startNodeRed, repoRoot } = require('../../scripts/node-red-server');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test', 'artifacts', 'editor');
const WAIT_MS = 20000;
// Loading the editor is the slowest step (hundreds of files, every node's HTML); generous on a busy 2-core machine.
const LOAD_MS = 90000;

const LAUNCH_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

async function startEditor(options = {}) {
    const {
        flows, logLevel = 'warn', viewport = { width: 1400, height: 900 },
        // another Node-RED and the Node to run it (e.g. .nr5/node_modules/node-red, .nr5/.../bin/node)
        runtime = process.env.EDITOR_NODE_RED_PATH, nodeBinary = process.env.EDITOR_NODE || process.execPath,
        // localStorage entries set before the editor's scripts run (e.g. Node-RED 5: { 'view-dark-theme': 'dark' })
        localStorage: storage = {},
        // The editor's user settings to start with. Default: tips off. Node-RED 5.0's info-sidebar tip timer can
        // fire before its tip box exists on a slow load (a page error "reading 'html'" in red.min.js), and the tips
        // only clutter the screenshots.
        userSettings = { editor: { view: { 'view-show-tips': false } } },
        startTimeoutMs = 90000,
        dashboard = false,
    } = options;
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    }
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-editor-'));
    // where Node-RED keeps the editor settings of the anonymous user ('_')
    if (userSettings) fs.writeFileSync(path.join(userDir, '.config.users.json'), JSON.stringify({ _: userSettings }));
    let flowsFile;
    if (flows) {
        flowsFile = path.join(userDir, 'seed-flows.json');
        fs.writeFileSync(flowsFile, typeof flows === 'string' ? flows : JSON.stringify(flows));
    }
    let nodeRed;
    let browser;
    try {
        nodeRed = await startNodeRed({ userDir, flows: flowsFile, logLevel, runtime, nodeBinary, startTimeoutMs, dashboard });
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
        const context = await browser.newContext({ viewport });
        if (Object.keys(storage).length) {
            await context.addInitScript((entries) => {
                for (const [k, v] of Object.entries(entries)) window.localStorage.setItem(k, v);
            }, storage);
        }
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        const editor = new Editor({ page, browser, nodeRed, userDir });
        await editor.reload();
        return editor;
    } catch (err) {
        if (browser) await browser.close().catch(() => {});
        if (nodeRed) {
            err.message += `\nNode-RED output:\n${nodeRed.output()}`;
            await nodeRed.stop();
        }
        fs.rmSync(userDir, { recursive: true, force: true });
        throw err;
    }
}

class Editor {
    constructor({ page, browser, nodeRed, userDir }) {
        this.page = page;
        this.browser = browser;
        this.nodeRed = nodeRed;
        this.userDir = userDir;
        this.url = nodeRed.url;
        this.errors = [];
        this.errorStacks = [];
        page.on('pageerror', (err) => {
            this.errors.push(`pageerror: ${err.message}`);
            this.errorStacks.push(err.stack || err.message);
        });
        page.on('console', (m) => {
            if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
        });
    }

    async stop() {
        await this.browser.close().catch(() => {});
        await this.nodeRed.stop();
        fs.rmSync(this.userDir, { recursive: true, force: true });
    }

    async reload() {
        await this.page.goto(this.url, { waitUntil: 'domcontentloaded', timeout: LOAD_MS });
        await this.page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.version && RED.nodes.version()
            && document.querySelector('#red-ui-palette .red-ui-palette-node')
            && !(document.querySelector('#red-ui-loading-progress') || {}).offsetParent, null, { timeout: LOAD_MS });
        // Count deploys, so deploy() can wait for the next one, and note the revision of the flows the runtime
        // has started: the deploy request returns before the runtime has started the new flows.
        await this.page.evaluate(() => {
            window.__omDeploys = 0;
            window.__omStartedRev = null;
            RED.events.on('deploy', () => { window.__omDeploys += 1; });
            RED.comms.subscribe('notification/runtime-deploy', (topic, msg) => {
                window.__omStartedRev = msg && msg.revision;
            });
        });
    }

    async screenshot(name, page = this.page) {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        // a double-click that opened a dialog may have selected its text: not what a user sees
        await this.page.evaluate(() => window.getSelection().removeAllRanges()).catch(() => {});
        const file = path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '_')}.png`);
        await page.screenshot({ path: file });
        return file;
    }

    async openPage(url, viewport = { width: 1366, height: 768 }) {
        const page = await this.page.context().newPage();
        page.setDefaultTimeout(WAIT_MS);
        await page.setViewportSize(viewport);
        const errors = [];
        page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
        await page.goto(url, { waitUntil: 'domcontentloaded', timeout: LOAD_MS });
        return { page, errors };
    }

    async screenshotOnFailure(test, page, name) {
        if (test.state === 'failed' && page) await this.screenshot(`${name}-failed`, page).catch(() => {});
    }

    // ---- workspace -------------------------------------------------------------------------------------------

    async importFlow(nodes) {
        return this.page.evaluate((flow) => {
            RED.view.importNodes(flow, { generateIds: false, addFlow: false, notify: false, touchImport: false });
            RED.view.redraw(true);
            return flow.filter((n) => n.type !== 'tab').map((n) => n.id);
        }, nodes);
    }

    async paletteTypes() {
        return this.page.$$eval('#red-ui-palette .red-ui-palette-node[data-palette-type]',
            (els) => els.map((e) => e.getAttribute('data-palette-type')));
    }

    async dropFromPalette(type, { x = 300, y = 200 } = {}) {
        const page = this.page;
        const before = await this._nodeIds();
        const entry = page.locator(`#red-ui-palette .red-ui-palette-node[data-palette-type="${type}"]`).first();
        await entry.waitFor({ state: 'attached' });
        // A collapsed palette category is opened first (a click on its header, as a user would).
        const header = await entry.evaluate((el) => {
            const cat = el.closest('.red-ui-palette-category');
            return cat && cat.classList.contains('red-ui-palette-closed')
                ? cat.querySelector('.red-ui-palette-header').id : null;
        });
        if (header) await page.click(`#${header}`);
        // hover() scrolls the entry into view and waits until it stands still (the category may slide open).
        await entry.hover();
        const from = await entry.boundingBox();
        const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
        await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
        await page.mouse.down();
        await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
        await page.mouse.up();
        const added = await page.waitForFunction((ids) => {
            const now = [];
            RED.nodes.eachNode((n) => { if (!ids.includes(n.id)) now.push(n.id); });
            return now.length ? now : null;
        }, before);
        const ids = await added.jsonValue();
        return ids[0];
    }

    async _nodeIds() {
        return this.page.evaluate(() => {
            const ids = [];
            RED.nodes.eachNode((n) => ids.push(n.id));
            return ids;
        });
    }

    async node(id) {
        return this.page.evaluate((nodeId) => {
            const n = RED.nodes.node(nodeId);
            if (!n) return null;
            const out = {};
            for (const [k, v] of Object.entries(n)) {
                if (k.startsWith('_') || typeof v === 'function' || k === 'w' || k === 'h') continue;
                try { out[k] = JSON.parse(JSON.stringify(v)); } catch (e) { /* not serialisable: skip */ }
            }
            return out;
        }, id);
    }

    // ---- dialogs ---------------------------------------------------------------------------------------------

    // Dialogs are trays in #red-ui-editor-stack. A nested dialog (a config node opened from a node's dialog)
    // detaches its parent tray from the DOM until it closes, so the trays are tracked by marking the ones
    // already seen rather than by counting them.
    _markTrays() {
        return this.page.evaluate(() => {
            document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray').forEach((t) => { t.dataset.omSeen = '1'; });
        });
    }

    _newTrayShown(timeout = WAIT_MS) {
        return this.page.waitForFunction(() => {
            const tray = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].find((t) => !t.dataset.omSeen);
            if (!tray) return false;
            const ok = tray.querySelector('#node-dialog-ok, #node-config-dialog-ok');
            // ready once it has slid in and shows its Done button
            return ok && ok.offsetParent !== null && getComputedStyle(tray).right === '0px';
        }, null, { timeout });
    }

    async openEditDialog(id) {
        const page = this.page;
        await page.evaluate((nodeId) => {
            const n = RED.nodes.node(nodeId);
            if (!n) throw new Error(`no node ${nodeId} in the editor`);
            if (n.z && RED.workspaces.active() !== n.z) RED.workspaces.show(n.z);
            RED.view.reveal(nodeId);
        }, id);
        await this._markTrays();
        // As a user: double-click the node. A node that is not drawn (e.g. a config node) is opened directly.
        const shape = page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node`);
        if (await shape.count()) {
            await shape.first().dblclick();
            if (await this._newTrayShown(5000).then(() => true, () => false)) return;
        }
        await page.evaluate((nodeId) => RED.editor.edit(RED.nodes.node(nodeId)), id);
        await this._newTrayShown();
    }

    async openConfigDialog(field, { add = false } = {}) {
        // Node-RED 4.1 has a pencil (edit the selected one) and a plus (add one) beside a config-node select;
        // older versions one pencil button that does both.
        const button = await this.page.evaluate(({ f, wantAdd }) => {
            const usable = (sel) => {
                const el = document.querySelector(sel);
                return el && el.offsetParent !== null && !el.classList.contains('disabled') ? sel : null;
            };
            const addBtn = usable(`#node-input-btn-${f}-add`);
            const editBtn = usable(`#node-input-btn-${f}-edit`);
            return (wantAdd ? addBtn : editBtn || addBtn) || usable(`#node-input-lookup-${f}`);
        }, { f: field, wantAdd: add });
        if (!button) throw new Error(`no config-node button beside the field '${field}'`);
        await this._markTrays();
        await this.page.click(button);
        await this._newTrayShown();
    }

    _selector(field) {
        if (/^[#.[]/.test(field)) return Promise.resolve(field);
        return this.page.evaluate((f) => {
            const cfg = document.querySelector(`#node-config-input-${f}`);
            const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
            const top = trays[trays.length - 1];
            if (cfg && top && top.contains(cfg)) return `#node-config-input-${f}`;
            return `#node-input-${f}`;
        }, field);
    }

    async fill(field, value) {
        await this.page.fill(await this._selector(field), String(value));
    }

    async select(field, value) {
        await this.page.selectOption(await this._selector(field), String(value));
    }

    async setTypedInput(field, type, value) {
        const sel = await this._selector(field);
        await this.page.evaluate(({ s, t, v }) => {
            const el = $(s);
            if (!el.length) throw new Error(`no field ${s}`);
            el.typedInput('type', t);
            if (v !== undefined) el.typedInput('value', v);
        }, { s: sel, t: type, v: value === undefined ? undefined : String(value) });
    }

    async readField(field) {
        const sel = await this._selector(field);
        return this.page.evaluate((s) => {
            const el = $(s);
            if (!el.length) throw new Error(`no field ${s}`);
            if (el.data('noderedTypedInput')) return { type: el.typedInput('type'), value: el.typedInput('value') };
            return el.is(':checkbox') ? el.prop('checked') : el.val();
        }, sel);
    }

    async _closeTop(which) {
        const button = await this.page.evaluate((w) => {
            const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
            const top = trays[trays.length - 1];
            const btn = top && top.querySelector(w === 'done' ? '#node-dialog-ok, #node-config-dialog-ok'
                : '#node-dialog-cancel, #node-config-dialog-cancel');
            if (!btn) return null;
            window.__omClosing = top;
            return `#${btn.id}`;
        }, which);
        if (!button) throw new Error(`no open dialog to ${which}`);
        await this.page.click(button);
        // closed: the tray is gone, and the dialog under it (if any) is back in place
        await this.page.waitForFunction(() => {
            if (window.__omClosing.isConnected) return false;
            if (RED.editor.getEditStack().length === 0) return true;
            const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
            const top = trays[trays.length - 1];
            return top && getComputedStyle(top).right === '0px';
        });
    }

    clickDone() { return this._closeTop('done'); }

    clickCancel() { return this._closeTop('cancel'); }

    // ---- runtime ---------------------------------------------------------------------------------------------

    async deploy({ confirm = false } = {}) {
        const page = this.page;
        const before = await page.evaluate(() => window.__omDeploys);
        await page.click('#red-ui-header-button-deploy');
        const state = await (await page.waitForFunction((n) => {
            if (window.__omDeploys > n) return 'deployed';
            const dlg = document.querySelector('#red-ui-deploy-dialog-confirm-deploy-deploy');
            if (dlg && dlg.offsetParent !== null) return 'confirm';
            const err = document.querySelector('.red-ui-notification-error');
            if (err && err.offsetParent !== null) return `error: ${err.textContent.trim()}`;
            return null;
        }, before)).jsonValue();
        if (state === 'confirm') {
            const text = await page.locator('.red-ui-editor-dialog, .ui-dialog').last().innerText().catch(() => '');
            if (!confirm) throw new Error(`deploy asked for confirmation: ${text.trim()}`);
            await page.click('#red-ui-deploy-dialog-confirm-deploy-deploy');
            await page.waitForFunction((n) => window.__omDeploys > n, before);
        } else if (state !== 'deployed') {
            throw new Error(`deploy failed: ${state}`);
        }
        await page.waitForFunction(() => window.__omStartedRev === RED.nodes.version()).catch(async () => {
            throw new Error(`the runtime did not start the deployed flows:\n${this.nodeRed.output().slice(-2000)}`);
        });
    }

    nodeStatus(id) {
        return this.page.evaluate((nodeId) => {
            const n = RED.nodes.node(nodeId);
            return n && n.status ? { fill: n.status.fill, shape: n.status.shape, text: n.status.text } : null;
        }, id);
    }

    async waitForNodeStatus(id, expected, timeoutMs = WAIT_MS) {
        try {
            const handle = await this.page.waitForFunction(({ nodeId, exp }) => {
                const n = RED.nodes.node(nodeId);
                const s = n && n.status;
                if (!s) return null;
                for (const [k, v] of Object.entries(exp)) {
                    if (k === 'textIncludes') {
                        if (!String(s.text || '').includes(v)) return null;
                    } else if (s[k] !== v) return null;
                }
                return { fill: s.fill, shape: s.shape, text: s.text };
            }, { nodeId: id, exp: expected }, { timeout: timeoutMs });
            return handle.jsonValue();
        } catch (err) {
            const last = await this.nodeStatus(id);
            throw new Error(`node ${id}: status ${JSON.stringify(expected)} not shown within ${timeoutMs} ms `
                + `(last: ${JSON.stringify(last)})`);
        }
    }

    async admin(method, urlPath, body) {
        const res = await fetch(new URL(urlPath.replace(/^\//, ''), this.url), {
            method,
            headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2' },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${text}`);
        try { return JSON.parse(text); } catch (e) { return text; }
    }

    inject(id) {
        return this.admin('POST', `/inject/${id}`);
    }
}

module.exports = { startEditor, Editor, ARTIFACTS, CHROMIUM, LAUNCH_ARGS };
