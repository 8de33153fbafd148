'use strict';
// Editor smoke test: a real Node-RED 4.1 with this pack loaded, in headless Chromium. Proves the harness
// (test/support/editor.js) on core nodes: palette, import, edit dialog, Done, deploy, a node's status.
const assert = require('assert');
const fs = require('fs');
const { startEditor } = require('../support/editor');

const PACK = '@micc-flows/node-red-openmedia';

describe('editor (browser): smoke', function () {
    this.timeout(120000);
    let editor;

    before(async function () {
        editor = await startEditor();
    });

    after(async function () {
        if (editor) await editor.stop();
    });

    it('loads the editor with its palette, and the pack\'s node sets load without error', async function () {
        const types = await editor.paletteTypes();
        assert.ok(types.includes('inject') && types.includes('debug'), `palette: ${types.join(', ')}`);
        assert.ok(await editor.page.locator('#red-ui-palette').isVisible());
        const shot = await editor.screenshot('smoke-editor-loaded');
        assert.ok(fs.statSync(shot).size > 10000, 'screenshot is not empty');

        // Every node set the pack declares is loaded (no `err`), and each of its types is registered in the
        // editor; all but config nodes are in the palette.
        const sets = (await editor.admin('GET', '/nodes')).filter((s) => s.module === PACK);
        const declared = Object.keys(require('../../package.json')['node-red'].nodes || {});
        assert.deepStrictEqual(sets.map((s) => s.name).sort(), declared.slice().sort());
        for (const set of sets) {
            assert.ok(!set.err, `${set.id} failed to load: ${JSON.stringify(set.err)}`);
            for (const type of set.types) {
                const category = await editor.page.evaluate((t) => (RED.nodes.getType(t) || {}).category, type);
                assert.ok(category, `${type} is not registered in the editor`);
                if (category !== 'config') assert.ok(types.includes(type), `${type} is not in the palette`);
            }
        }
        assert.deepStrictEqual(editor.errors, []);
    });

    it('imports a flow, edits a node in its dialog, deploys, and shows the runtime\'s status', async function () {
        const tab = await editor.page.evaluate(() => RED.workspaces.active());
        const ids = await editor.importFlow([
            { id: 'smoke-inject', type: 'inject', z: tab, name: '', props: [{ p: 'payload' }], payload: 'hello',
                payloadType: 'str', repeat: '', once: false, x: 150, y: 100, wires: [['smoke-debug']] },
            { id: 'smoke-debug', type: 'debug', z: tab, name: 'out', active: true, tosidebar: true,
                console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'payload',
                statusType: 'auto', x: 400, y: 100, wires: [] },
        ]);
        assert.deepStrictEqual(ids, ['smoke-inject', 'smoke-debug']);

        await editor.openEditDialog('smoke-inject');
        await editor.fill('name', 'say hello');
        assert.strictEqual(await editor.readField('name'), 'say hello');
        await editor.screenshot('smoke-inject-dialog');
        await editor.clickDone();
        assert.strictEqual((await editor.node('smoke-inject')).name, 'say hello');

        await editor.deploy();
        const deployed = await editor.admin('GET', '/flows');
        assert.strictEqual(deployed.flows.find((n) => n.id === 'smoke-inject').name, 'say hello');

        await editor.inject('smoke-inject');
        const status = await editor.waitForNodeStatus('smoke-debug', { text: 'hello' });
        assert.strictEqual(status.text, 'hello');
        await editor.screenshot('smoke-deployed-status');
        assert.deepStrictEqual(editor.errors, []);
    });

    it('drops a node from the palette onto the workspace', async function () {
        const id = await editor.dropFromPalette('comment', { x: 300, y: 250 });
        assert.strictEqual((await editor.node(id)).type, 'comment');
        await editor.openEditDialog(id);
        await editor.fill('name', 'dropped');
        await editor.clickDone();
        assert.strictEqual((await editor.node(id)).name, 'dropped');
        await editor.deploy();
        const deployed = await editor.admin('GET', '/flows');
        assert.ok(deployed.flows.some((n) => n.id === id && n.name === 'dropped'));
    });

    it('adds a config node from a node\'s dialog (nested dialogs) and deploys both', async function () {
        const id = await editor.dropFromPalette('om-add-request', { x: 300, y: 350 });
        await editor.openEditDialog(id);
        await editor.setTypedInput('ServiceGroupID', 'num', '101');
        await editor.openConfigDialog('server', { add: true });
        await editor.fill('url', 'http://127.0.0.1:12615/OpenMediaService');
        await editor.fill('name', 'smoke server');
        await editor.clickDone();
        const serverId = await editor.readField('server');
        await editor.clickDone();
        const node = await editor.node(id);
        assert.strictEqual(node.server, serverId);
        assert.deepStrictEqual([node.ServiceGroupID, node.ServiceGroupIDType], ['101', 'num']);
        await editor.deploy();
        const deployed = (await editor.admin('GET', '/flows')).flows;
        assert.strictEqual(deployed.find((n) => n.id === serverId).name, 'smoke server');
        assert.strictEqual(deployed.find((n) => n.id === id).server, serverId);
        assert.deepStrictEqual(editor.errors, []);
    });
});
