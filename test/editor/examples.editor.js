'use strict';
// An example flow in a real Node-RED 4.1 editor (headless Chromium), as a user meets it: Import > Examples lists
// the pack's examples, 00-each-node imports, its om-server is pointed (in its dialog) at a simulator this file
// starts, Deploy, and pressing the inject buttons makes the operation nodes show their status dots in the workspace.
// One Node-RED, one browser and one simulator (manual clock) for the file.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startEditor } = require('../support/editor');
const { startTestSimulator } = require('../support/simulator');
const A = require('../support/editor-actions');

const PACK = require('../../package.json').name;
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const EXAMPLE = '00-each-node';
const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${EXAMPLE}.json`), 'utf8'));
const byType = (type) => flow.find((n) => n.type === type);
// the inject node wired to a node
const injectFor = (id) => flow.find((n) => n.type === 'inject' && (n.wires || []).some((w) => w.includes(id)));

describe('editor (browser): an example flow imported, deployed against the simulator', function () {
    this.timeout(120000);
    let editor;
    let sim;

    before(async function () {
        sim = await startTestSimulator({ clock: 'manual' });
        editor = await startEditor();
    });

    after(async function () {
        if (editor) await editor.stop();
        if (sim) await sim.stop();
    });

    // The steps a user takes, in order; each test first makes sure the steps before its own were taken, so it
    // also runs on its own (--grep).
    let imported = null;
    let deployed = false;
    async function ensureImported() {
        if (!imported) imported = await A.importExampleFromMenu(editor, PACK, EXAMPLE);
        return imported;
    }
    async function pointServerAtSimulator() {
        await ensureImported();
        await editor.openEditDialog(byType('om-add-request').id);
        await A.openConfigEditor(editor, 'server');
        await editor.fill('url', sim.url);
        await A.closeDialog(editor, 'done');
        await A.closeDialog(editor, 'done');
        await editor.deploy();
        deployed = true;
    }
    async function ensureDeployed() {
        if (!deployed) await pointServerAtSimulator();
    }

    A.tidyAfterEach(() => editor, 'examples');

    it(`lists the pack's examples under Import > Examples and imports ${EXAMPLE}`, async function () {
        assert.strictEqual(imported, null, 'imported twice');
        const { ids, listed } = await ensureImported();
        const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
        for (const f of files) assert.ok(listed.includes(f), `Import > Examples does not list ${f}: ${listed}`);
        assert.ok(listed.includes(PACK), `no ${PACK} folder: ${listed}`);
        // every node of the file, with its id, in the editor, and none of an unknown type
        assert.deepStrictEqual(ids.slice().sort(), flow.map((n) => n.id).sort());
        const unknown = await editor.page.evaluate((list) => list.filter((id) => RED.nodes.node(id).type === 'unknown'), ids);
        assert.deepStrictEqual(unknown, [], 'imported as unknown types');
        await editor.screenshot('examples-imported');
    });

    it('points the example\'s om-server at the simulator in its dialog, and deploys', async function () {
        await pointServerAtSimulator();
        const server = byType('om-server').id;
        assert.strictEqual((await editor.node(server)).url, sim.url);
        const deployed = (await editor.admin('GET', '/flows')).flows;
        assert.strictEqual(deployed.find((n) => n.id === server).url, sim.url);
        assert.strictEqual(deployed.filter((n) => flow.some((f) => f.id === n.id)).length, flow.length);
        assert.deepStrictEqual(editor.errors, []);
    });

    it('shows om-add-request\'s status in the workspace after its inject is pressed: a green dot, the new id, where it went', async function () {
        await ensureDeployed();
        const add = byType('om-add-request').id;
        const before = sim.receivedCount('AddRequest');
        await editor.inject(injectFor(add).id);
        const label = await A.statusLabel(editor, add, { text: /^(queued #\d+, position \d+|#\d+ went to an agent)/ });
        assert.match(await A.statusDot(editor, add), /red-ui-flow-node-status-dot-green/);
        // one AddRequest reached the simulator, and the id shown is the one it gave
        assert.strictEqual(sim.receivedCount('AddRequest'), before + 1);
        assert.strictEqual(sim.state().nextOpenMediaID, Number(/#(\d+)/.exec(label)[1]) + 1, `shown: ${label}`);
        await editor.screenshot('examples-add-request-status');
    });

    it('shows om-events polling the simulator (a green status) once deployed', async function () {
        await ensureDeployed();
        const events = byType('om-events').id;
        // "starting" first, then green once a poll has answered (the node polls at once when it starts)
        await A.statusLabel(editor, events, { text: /^(?!starting$).+/, timeout: 30000 });
        await editor.page.waitForFunction((id) => {
            const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
            const dot = g && g.querySelector('.red-ui-flow-node-status');
            return dot && /status-(dot|ring)-green/.test(dot.getAttribute('class'));
        }, events, { timeout: 30000 }).catch(async () => {
            throw new Error(`om-events shows no green status: ${await A.statusDot(editor, events)} `
                + `"${await A.statusLabel(editor, events).catch(() => '')}"`);
        });
    });

    it('shows a status dot on every operation node after its inject is pressed', async function () {
        // The add first (the others use OpenMediaID 1 from the example's inject payloads: the simulator's first id),
        // the cancel last.
        const order = ['om-add-request', 'om-request-status', 'om-request-history', 'om-requests-by-time',
            'om-all-request-status', 'om-service-group-status', 'om-all-service-group-status', 'om-agents-by-group',
            'om-modify-request', 'om-set-options', 'om-divert-request', 'om-cancel-request'];
        await ensureDeployed();
        const shown = {};
        for (const type of order) {
            const node = byType(type);
            assert.ok(node, `${EXAMPLE} has no ${type}`);
            const label = await editor.page.evaluate((id) => {
                const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
                const l = g && g.querySelector('.red-ui-flow-node-status-label');
                return l ? l.textContent : '';
            }, node.id);
            await editor.inject(injectFor(node.id).id);
            // the answer's status: not "sending", and not the text the node showed before this inject
            const notBefore = label ? `(?!${label.replace(/[^\w]/g, '\\$&')}$)` : '';
            const text = await A.statusLabel(editor, node.id, { text: new RegExp(`^(?!sending$)${notBefore}.+`) });
            shown[type] = { text, dot: await A.statusDot(editor, node.id) };
        }
        await editor.screenshot('examples-every-status');
        const wrong = Object.entries(shown).filter(([, s]) => !/status-(dot|ring)-(green|yellow)/.test(s.dot || ''));
        assert.deepStrictEqual(wrong, [], 'nodes without a green or yellow dot');
        // what happened, in words
        assert.match(shown['om-add-request'].text, /^(queued #\d+, position \d+|#\d+ went to an agent)/);
        assert.match(shown['om-service-group-status'].text, /^group \d+ (open|closed)$/);
        assert.match(shown['om-request-status'].text, /^#1 (queued|offered to agent|with agent|complete)/);
        assert.match(shown['om-agents-by-group'].text, /^group \d+: \d+ agents?$/);
        assert.match(shown['om-cancel-request'].text, /cancelled #1|request already ended/);
        for (const [type, s] of Object.entries(shown)) assert.ok(s.text.length <= 30, `${type}: ${s.text}`);
        assert.deepStrictEqual(editor.errors, []);
    });
});
