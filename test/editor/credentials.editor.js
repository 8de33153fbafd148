'use strict';
// The om-server credentials in a real Node-RED 4.1 editor (headless Chromium): the password is typed into a hidden
// field, never comes back to the browser after a deploy, and is in none of GET /flows, the export dialog,
// RED.nodes.createExportableNodeSet, or the flows file on disk; the logon id is a credential too.
// One Node-RED and one browser for the file.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startEditor } = require('../support/editor');
const A = require('../support/editor-actions');
// The shared state's Redis credentials (issue 14), not set here: the admin API lists them empty.
const NO_REDIS = { redisUser: '', has_redisPassword: false };

const SERVER_ID = 'cred-server-0001';
const NODE_ID = 'cred-status-0001';
// Distinctive strings, so a search for them cannot match anything else.
const PASSWORD = 'pw-Qx7!zK2#secret-9041';
const LOGON = 'logon-hostadmin-7731';

describe('editor (browser): om-server credentials stay hidden', function () {
    this.timeout(120000);
    let editor;

    before(async function () {
        editor = await startEditor();
        await A.addNodes(editor, [
            { id: SERVER_ID, type: 'om-server', name: 'credential test', url: 'http://127.0.0.1:12615/OpenMediaService',
                timeout: 10, tls: '', wsdlSource: 'bundled' },
            { id: NODE_ID, type: 'om-service-group-status', server: SERVER_ID, name: 'group 101', serviceGroupID: '101',
                serviceGroupIDType: 'num', x: 300, y: 120, wires: [[]] },
        ]);
    });

    after(async function () {
        if (editor) await editor.stop();
    });

    afterEach(async function () {
        if (!editor) return;
        await A.closeLeftoverDialogs(editor);
    });

    async function openServerDialog() {
        await editor.openEditDialog(NODE_ID);
        await A.openConfigEditor(editor, 'server');
    }

    async function closeBoth(which) {
        await A.closeDialog(editor, which);
        await A.closeDialog(editor, which);
    }

    /** The state the first test leaves (credentials typed and deployed), for a test run on its own. */
    async function ensureDeployedCredentials() {
        const creds = await editor.admin('GET', `/credentials/om-server/${SERVER_ID}`);
        if (creds.logonId === LOGON && creds.has_password) return;
        await openServerDialog();
        await editor.fill('logonId', LOGON);
        await editor.fill('password', PASSWORD);
        await closeBoth('done');
        await editor.deploy();
    }

    it('takes the password in an input of type password and keeps it out of the deployed flows', async function () {
        await openServerDialog();
        assert.strictEqual(await editor.page.getAttribute('#node-config-input-password', 'type'), 'password');
        await editor.fill('logonId', LOGON);
        // typed as a user types; the field does not show the characters
        const pw = editor.page.locator('#node-config-input-password');
        await pw.click();
        await pw.pressSequentially(PASSWORD);
        assert.strictEqual(await pw.inputValue(), PASSWORD);
        const shown = await editor.page.evaluate(() => document.querySelector('#node-config-input-password').type);
        assert.strictEqual(shown, 'password');
        await editor.screenshot('credentials-dialog-typed');
        await closeBoth('done');

        await editor.deploy();
        const flowsText = JSON.stringify(await editor.admin('GET', '/flows'));
        assert.ok(flowsText.includes(SERVER_ID), 'GET /flows has the om-server');
        assert.ok(!flowsText.includes(PASSWORD), 'GET /flows holds the password');
        assert.ok(!flowsText.includes(LOGON), 'GET /flows holds the logon id');
        const server = (await editor.admin('GET', '/flows')).flows.find((n) => n.id === SERVER_ID);
        assert.strictEqual(server.credentials, undefined);

        // what the runtime tells the editor about the credentials: the logon id, and only that a password is set
        const creds = await editor.admin('GET', `/credentials/om-server/${SERVER_ID}`);
        assert.deepStrictEqual(creds, { logonId: LOGON, has_password: true, ...NO_REDIS });

        // on disk: the flows file has neither, the credentials file is encrypted
        const files = fs.readdirSync(editor.userDir);
        const flowFile = fs.readFileSync(path.join(editor.userDir, 'flows.json'), 'utf8');
        assert.ok(!flowFile.includes(PASSWORD) && !flowFile.includes(LOGON), 'flows.json holds a credential');
        assert.ok(files.includes('flows_cred.json'), `no flows_cred.json in ${files}`);
        const credFile = fs.readFileSync(path.join(editor.userDir, 'flows_cred.json'), 'utf8');
        assert.ok(!credFile.includes(PASSWORD) && !credFile.includes(LOGON), 'flows_cred.json is not encrypted');
    });

    it('after a reload and reopening, shows a placeholder, not the password', async function () {
        await ensureDeployedCredentials();
        await editor.reload();
        // the editor itself holds no password for the node, only the flag
        const inEditor = await editor.page.evaluate((id) => JSON.stringify(RED.nodes.node(id).credentials || null), SERVER_ID);
        assert.ok(!inEditor.includes(PASSWORD), `editor node credentials: ${inEditor}`);

        await openServerDialog();
        const state = await editor.page.evaluate(() => ({
            type: $('#node-config-input-password').attr('type'),
            value: $('#node-config-input-password').val(),
            logon: $('#node-config-input-logonId').val(),
        }));
        assert.strictEqual(state.type, 'password');
        assert.notStrictEqual(state.value, PASSWORD);
        assert.ok(!state.value.includes(PASSWORD.slice(0, 8)), 'part of the password is in the field');
        assert.strictEqual(state.value, '__PWRD__', 'Node-RED\'s placeholder for a password that is set');
        assert.strictEqual(state.logon, LOGON);
        const html = await editor.page.evaluate(() => document.documentElement.outerHTML);
        assert.ok(!html.includes(PASSWORD), 'the page holds the password');
        await editor.screenshot('credentials-dialog-reopened');

        // Done without touching the password keeps it (the placeholder is not saved as the password)
        await editor.fill('name', 'credential test (renamed)');
        await closeBoth('done');
        await editor.deploy();
        assert.deepStrictEqual(await editor.admin('GET', `/credentials/om-server/${SERVER_ID}`), { logonId: LOGON, has_password: true, ...NO_REDIS });
        const server = (await editor.admin('GET', '/flows')).flows.find((n) => n.id === SERVER_ID);
        assert.strictEqual(server.name, 'credential test (renamed)');
    });

    it('exports no credentials: the export dialog and RED.nodes.createExportableNodeSet', async function () {
        await ensureDeployedCredentials();
        // fresh credentials typed in this session (before a deploy the editor does hold them)
        await openServerDialog();
        await editor.fill('password', `${PASSWORD}-new`);
        await closeBoth('done');
        const inEditor = await editor.page.evaluate((id) => JSON.stringify(RED.nodes.node(id).credentials || {}), SERVER_ID);
        assert.ok(inEditor.includes(`${PASSWORD}-new`), 'the edited password is held by the editor until deploy');

        const exported = await A.exportableAll(editor);
        const viaMenu = await A.exportAllFromMenu(editor);
        for (const [what, text] of [['createExportableNodeSet', exported], ['Export dialog', viaMenu]]) {
            const nodes = JSON.parse(text);
            const server = nodes.find((n) => n.id === SERVER_ID);
            assert.ok(server, `${what}: no om-server`);
            assert.strictEqual(server.credentials, undefined, `${what}: credentials exported`);
            assert.ok(!text.includes(PASSWORD), `${what}: holds the password`);
            assert.ok(!text.includes(LOGON), `${what}: holds the logon id`);
            assert.ok(!text.includes('has_password'), `${what}: holds the has_password flag`);
        }
        await editor.deploy();
        assert.deepStrictEqual(await editor.admin('GET', `/credentials/om-server/${SERVER_ID}`), { logonId: LOGON, has_password: true, ...NO_REDIS });
        assert.deepStrictEqual(editor.errors, []);
    });
});
