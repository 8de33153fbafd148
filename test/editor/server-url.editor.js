'use strict';
// The om-server URL in a real Node-RED 4.1 editor (headless Chromium): user:password@ typed or pasted into the URL
// moves into the Logon ID and Password fields and is never saved, deployed or shown in a label; a flow imported
// with such a URL is marked invalid with a message saying where the credentials belong; a URL without the service
// path gets a hint (and a real server then answers 404 naming the path, see test/nodes-server.test.js).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startEditor } = require('../support/editor');
const A = require('../support/editor-actions');
// The shared state's Redis credentials (issue 14), not set here: the admin API lists them empty.
const NO_REDIS = { redisUser: '', has_redisPassword: false };

const SERVER_ID = 'url-server-0001';
const NODE_ID = 'url-status-0001';
const IMPORTED_ID = 'url-server-0002';
const IMPORTED_NODE = 'url-status-0002';
// Percent-encoded as a URL carries them: "ops@corp" and "p@ss:w0rd-Zq7".
const LOGON = 'ops@corp';
const PASSWORD = 'p@ss:w0rd-Zq7';
const USER_INFO = `${encodeURIComponent(LOGON)}:${encodeURIComponent(PASSWORD)}@`;
const PLAIN = 'http://127.0.0.1:12615/OpenMediaService';

describe('editor (browser): om-server URL', function () {
    this.timeout(120000);
    let editor;

    before(async function () {
        editor = await startEditor();
        await A.addNodes(editor, [
            { id: SERVER_ID, type: 'om-server', name: '', url: PLAIN, timeout: 10, tls: '', wsdlSource: 'bundled' },
            { id: NODE_ID, type: 'om-service-group-status', server: SERVER_ID, name: 'group 101', serviceGroupID: '101',
                serviceGroupIDType: 'num', x: 300, y: 120, wires: [[]] },
        ]);
    });

    after(async function () {
        if (editor) await editor.stop();
    });

    afterEach(async function () {
        if (editor) await A.closeLeftoverDialogs(editor);
    });

    async function openServerDialog(nodeId = NODE_ID) {
        await editor.openEditDialog(nodeId);
        await A.openConfigEditor(editor, 'server');
    }

    async function closeBoth(which) {
        await A.closeDialog(editor, which);
        await A.closeDialog(editor, which);
    }

    const visible = (sel) => editor.page.evaluate((s) => { const el = document.querySelector(s); return !!el && el.offsetParent !== null; }, sel);
    const fields = () => editor.page.evaluate(() => ({
        url: $('#node-config-input-url').val(),
        logonId: $('#node-config-input-logonId').val(),
        password: $('#node-config-input-password').val(),
    }));

    it('user:password@ typed into the URL moves into the credential fields, with a note; deployed without it', async function () {
        await openServerDialog();
        assert.strictEqual(await visible('#om-server-moved'), false);
        await editor.fill('url', PLAIN.replace('http://', `http://${USER_INFO}`));
        assert.deepStrictEqual(await fields(), { url: PLAIN, logonId: LOGON, password: PASSWORD });
        assert.strictEqual(await visible('#om-server-moved'), true);
        assert.match(await editor.page.textContent('#om-server-moved'), /moved from the URL into the Logon ID and Password fields/);
        await editor.screenshot('server-url-credentials-moved');
        await closeBoth('done');
        await editor.deploy();
        const served = await editor.admin('GET', '/flows');
        const server = served.flows.find((n) => n.id === SERVER_ID);
        assert.strictEqual(server.url, PLAIN);
        const text = JSON.stringify(served);
        assert.ok(!text.includes('ops%40corp') && !text.includes(LOGON) && !text.includes('w0rd-Zq7'), 'GET /flows holds a credential');
        assert.deepStrictEqual(await editor.admin('GET', `/credentials/om-server/${SERVER_ID}`), { logonId: LOGON, has_password: true, ...NO_REDIS });
        const flowFile = fs.readFileSync(path.join(editor.userDir, 'flows.json'), 'utf8');
        assert.ok(!flowFile.includes('ops%40corp') && !flowFile.includes('w0rd'), 'flows.json holds a credential');
    });

    it('typed character by character, as a person types: the same', async function () {
        await openServerDialog();
        const url = editor.page.locator('#node-config-input-url');
        await url.click();
        await url.press('Control+A');
        await url.press('Delete');
        await url.pressSequentially(`http://admin:Xy9-secret@127.0.0.1:12615/OpenMediaService`);
        assert.deepStrictEqual(await fields(), { url: PLAIN, logonId: 'admin', password: 'Xy9-secret' });
        await closeBoth('cancel');
    });

    it('other spellings a URL parser reads user info from (review r1 M4): moved the same way in the real editor', async function () {
        await openServerDialog();
        for (const [spelling, user, password] of [
            ['http:usrB:PwNoSlash@127.0.0.1:12615/OpenMediaService', 'usrB', 'PwNoSlash'],
            ['http:/usrC:PwOneSlash@127.0.0.1:12615/OpenMediaService', 'usrC', 'PwOneSlash'],
            ['http:\\\\usrE:PwBacksl@127.0.0.1:12615/OpenMediaService', 'usrE', 'PwBacksl'],
            [' \u0001http://usrI:PwLeadC0@127.0.0.1:12615/OpenMediaService', 'usrI', 'PwLeadC0'],
        ]) {
            await editor.fill('url', spelling);
            assert.deepStrictEqual(await fields(), { url: PLAIN, logonId: user, password }, JSON.stringify(spelling));
        }
        await closeBoth('cancel');
    });

    it('a URL without the service path shows a hint; with the path, none', async function () {
        await openServerDialog();
        for (const [url, hint] of [['http://micc-host:12615', true], ['http://micc-host:12615/', true], ['https://micc-host:12615/?x=1', true],
            ['http://micc-host:12615/OpenMediaService', false], ['http://micc-host:12615/proxy/oms', false]]) {
            await editor.fill('url', url);
            assert.strictEqual(await visible('#om-server-no-path'), hint, url);
        }
        assert.match(await editor.page.textContent('#om-server-no-path'), /\/OpenMediaService/);
        await editor.fill('url', 'http://micc-host:12615');
        await editor.screenshot('server-url-no-path-hint');
        // A hint, not an error: the dialog can be closed with Done.
        assert.strictEqual(await A.fieldError(editor, 'url'), false);
        await closeBoth('cancel');
    });

    it('a flow imported with such a URL: invalid, saying where the credentials belong; no label shows them; opening it moves them', async function () {
        await A.addNodes(editor, [
            { id: IMPORTED_ID, type: 'om-server', name: '', url: PLAIN.replace('http://', 'http://imp-user:Imp-Pw-42@'), timeout: 10, tls: '', wsdlSource: 'bundled' },
            { id: IMPORTED_NODE, type: 'om-service-group-status', server: IMPORTED_ID, name: 'imported', serviceGroupID: '101',
                serviceGroupIDType: 'num', x: 300, y: 220, wires: [[]] },
        ]);
        const state = await editor.page.evaluate((id) => {
            const n = RED.nodes.node(id);
            RED.editor.validateNode(n);
            return { valid: n.valid, errors: n.validationErrors || [], label: RED.utils.getNodeLabel(n) };
        }, IMPORTED_ID);
        assert.strictEqual(state.valid, false);
        assert.ok(state.errors.some((e) => /LogonID and Password fields/.test(e)), JSON.stringify(state.errors));
        assert.strictEqual(state.label, PLAIN);
        assert.ok(!JSON.stringify(state).includes('Imp-Pw-42') && !JSON.stringify(state).includes('imp-user'), JSON.stringify(state));

        await openServerDialog(IMPORTED_NODE);
        // The server select of the node's dialog shows the labels of the configurations
        const options = await editor.page.evaluate(() => $('#node-input-server option').map((i, o) => o.textContent).get());
        assert.ok(!options.join('|').includes('Imp-Pw-42'), options.join('|'));
        assert.deepStrictEqual(await fields(), { url: PLAIN, logonId: 'imp-user', password: 'Imp-Pw-42' });
        await closeBoth('done');
        assert.strictEqual(await editor.page.evaluate((id) => RED.nodes.node(id).valid, IMPORTED_ID), true);
        await editor.deploy();
        const text = JSON.stringify(await editor.admin('GET', '/flows'));
        assert.ok(!text.includes('Imp-Pw-42') && !text.includes('imp-user'), 'GET /flows holds a credential');
        assert.deepStrictEqual(await editor.admin('GET', `/credentials/om-server/${IMPORTED_ID}`), { logonId: 'imp-user', has_password: true, ...NO_REDIS });
        assert.deepStrictEqual(editor.errors, []);
    });
});
