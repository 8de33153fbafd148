'use strict';
// The pack in a real Node-RED 4.1 editor (headless Chromium): the palette, every node's edit dialog with its fields
// and typedInputs, the documented limits flagged in the dialog and on the node, and what Done saves.
// One Node-RED and one browser for the whole file (test/support/editor.js); the tests share the workspace but each
// works on nodes of its own.
const assert = require('assert');
const { startEditor } = require('../support/editor');
const A = require('../support/editor-actions');
const { OPERATION_NODES } = require('../../lib/operations');

const CATEGORY = 'MiCC Open Media';
const SERVER_ID = 'dlg-server-0001';
const opId = (type) => `dlg-${type}`;
const EVENTS_ID = 'dlg-om-events';
const ADD = { name: 'dlg-add-name', priority: 'dlg-add-priority', save: 'dlg-add-save', other: 'dlg-add-other' };

describe('editor (browser): palette and edit dialogs', function () {
    this.timeout(120000);
    let editor;

    /** Message-catalogue keys shown as text in the open dialog (a label or hint whose translation is missing). */
    function untranslated() {
        return editor.page.evaluate(() => {
            const top = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop();
            const out = [];
            for (const el of top.querySelectorAll('[data-i18n]')) {
                const text = (el.textContent || el.getAttribute('placeholder') || '').trim();
                if (/^(om-[\w-]+|node-red:[\w.]+)\.[\w.]+$/.test(text) || (el.offsetParent && text === '' && !el.matches('input'))) {
                    out.push(`${el.getAttribute('data-i18n')}: "${text}"`);
                }
            }
            return out;
        });
    }

    before(async function () {
        editor = await startEditor();
        const tab = await editor.page.evaluate(() => RED.workspaces.active());
        const nodes = [{ id: SERVER_ID, type: 'om-server', name: 'dialog test server',
            url: 'http://127.0.0.1:12615/OpenMediaService', timeout: 10, tls: '', wsdlSource: 'bundled' }];
        OPERATION_NODES.forEach((def, i) => {
            nodes.push({ id: opId(def.type), type: def.type, z: tab, server: SERVER_ID, name: '',
                x: 200 + 260 * (i % 3), y: 80 + 60 * Math.floor(i / 3), wires: Array.from({ length: def.outputs }, () => []) });
        });
        nodes.push({ id: EVENTS_ID, type: 'om-events', z: tab, server: SERVER_ID, name: '', x: 200, y: 400, wires: [[]] });
        // one om-add-request per test that changes one, so no test depends on what another left behind
        Object.values(ADD).forEach((id, i) => nodes.push({ id, type: 'om-add-request', z: tab, server: SERVER_ID,
            name: '', x: 460 + 260 * i, y: 400, wires: [[], []] }));
        await A.addNodes(editor, nodes, { withDefaults: true });
    });

    after(async function () {
        if (editor) await editor.stop();
    });

    A.tidyAfterEach(() => editor, 'dialogs');

    it('shows the category "MiCC Open Media" with the 12 operation nodes and om-events, in the palette', async function () {
        const cat = await A.paletteCategory(editor, CATEGORY);
        assert.ok(cat, `no palette category "${CATEGORY}"`);
        const expected = OPERATION_NODES.map((d) => d.type);
        for (const type of expected) assert.ok(cat.types.includes(type), `${type} is not in "${CATEGORY}": ${cat.types}`);
        assert.ok(cat.types.includes('om-events'), `om-events is not in "${CATEGORY}": ${cat.types}`);
        assert.strictEqual(cat.types.length, 13, `unexpected entries: ${cat.types}`);
        // each entry shows the table's palette label
        const labels = await editor.page.evaluate((id) => Object.fromEntries([...document.querySelectorAll(
            `#${id} .red-ui-palette-node[data-palette-type]`)].map((e) => [e.getAttribute('data-palette-type'),
            e.querySelector('.red-ui-palette-label').textContent.replace(/\s+/g, ' ').trim()])), cat.id);
        for (const def of OPERATION_NODES) assert.strictEqual(labels[def.type], def.paletteLabel, def.type);
        // om-server is a configuration node: registered, never in the palette
        assert.strictEqual(await editor.page.evaluate(() => RED.nodes.getType('om-server').category), 'config');
        assert.ok(!(await editor.paletteTypes()).includes('om-server'));
        await editor.page.evaluate((id) => document.getElementById(id).scrollIntoView(), cat.id);
        await editor.screenshot('dialogs-palette');
        assert.deepStrictEqual(editor.errors, []);
    });

    it('lists om-server in the Configuration nodes sidebar', async function () {
        const sidebar = await A.configSidebar(editor);
        const entry = sidebar.find((s) => s.type === 'om-server');
        assert.ok(entry, `no om-server section in the config sidebar: ${JSON.stringify(sidebar)}`);
        assert.deepStrictEqual(entry.labels, ['dialog test server']);
        await editor.screenshot('dialogs-config-sidebar');
        await editor.page.evaluate(() => RED.sidebar.show('info'));
    });

    it('opens each operation node\'s dialog with the server select and one typedInput per parameter', async function () {
        for (const def of OPERATION_NODES) {
            await editor.openEditDialog(opId(def.type));
            const fields = await A.dialogFields(editor);
            const byId = Object.fromEntries(fields.map((f) => [f.id, f]));
            const where = `${def.type} dialog`;
            assert.ok(byId['node-input-server'] && byId['node-input-server'].tag === 'select', `${where}: server select`);
            assert.strictEqual(byId['node-input-server'].value, SERVER_ID, `${where}: server`);
            assert.ok(byId['node-input-name'] && byId['node-input-name'].visible, `${where}: name`);
            const wanted = [...def.params.map((p) => ({ name: p.wire, types: require('../../lib/operations')
                .TYPED_INPUT_TYPES[p.kind], type: 'msg', value: `payload.${p.key}` })),
            ...(def.options || []).map((o) => ({ name: o.name, types: o.types, type: o.defaultType, value: o.defaultValue }))];
            for (const w of wanted) {
                const f = byId[`node-input-${w.name}`];
                assert.ok(f, `${where}: no field ${w.name}`);
                assert.ok(f.typed, `${where}: ${w.name} is not a typedInput`);
                assert.ok(f.visible, `${where}: ${w.name} is not shown`);
                assert.deepStrictEqual(f.types, [...w.types], `${where}: types of ${w.name}`);
                assert.strictEqual(f.type, w.type, `${where}: default type of ${w.name}`);
                assert.strictEqual(f.value, w.value, `${where}: default value of ${w.name}`);
            }
            const typed = fields.filter((f) => f.typed).map((f) => f.id.replace('node-input-', ''));
            assert.deepStrictEqual(typed, wanted.map((w) => w.name), `${where}: typedInputs`);
            // a hint under each parameter, its label beside it, nothing flagged on a fresh node
            const ui = await editor.page.evaluate(() => {
                const top = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop();
                return {
                    hints: [...top.querySelectorAll('.om-param .om-hint')].filter((h) => h.offsetParent && h.textContent.trim()).length,
                    labels: [...top.querySelectorAll('.om-param > label')].map((l) => l.textContent.replace('*', '').trim()),
                    errors: [...top.querySelectorAll('.input-error')].map((e) => e.id || e.className),
                    noParams: (top.querySelector('.om-form > .om-hint[data-i18n]') || {}).textContent || '',
                };
            });
            assert.strictEqual(ui.hints, def.params.length + (def.options || []).length, `${where}: hints`);
            assert.deepStrictEqual(ui.labels, [...def.params.map((p) => p.label), ...(def.options || []).map((o) => o.label)]);
            assert.deepStrictEqual(ui.errors, [], `${where}: fields flagged on a fresh node`);
            assert.deepStrictEqual(await untranslated(), [], `${where}: catalogue keys shown instead of text`);
            // the catalogue's text, not its key
            if (!def.params.length) assert.ok(/\s/.test(ui.noParams.trim()) && !ui.noParams.includes('om-operations.'), `${where}: no-parameters text: ${ui.noParams}`);
            if (def.type === 'om-add-request') await editor.screenshot('dialogs-om-add-request');
            await A.closeDialog(editor, 'cancel');
        }
        assert.deepStrictEqual(editor.errors, []);
    });

    it('opens the om-events dialog with its server select and fields', async function () {
        assert.ok(await editor.page.evaluate(() => !!RED.nodes.getType('om-events')), 'om-events is not registered in the editor');
        await editor.openEditDialog(EVENTS_ID);
        const fields = await A.dialogFields(editor);
        const server = fields.find((f) => f.id === 'node-input-server');
        assert.ok(server && server.tag === 'select' && server.value === SERVER_ID, `server select: ${JSON.stringify(server)}`);
        assert.ok(fields.some((f) => f.id === 'node-input-name'), 'name field');
        for (const f of fields.filter((x) => x.typed)) assert.ok(f.visible && f.types.length > 0, `${f.id} is not shown`);
        assert.deepStrictEqual(await untranslated(), [], 'om-events dialog: catalogue keys shown instead of text');
        // the status filter: one checkbox per request status; a wrong poll interval is flagged
        const boxes = await editor.page.$$eval('#om-events-statuses input[type=checkbox]', (els) => els.map((e) => e.value));
        assert.ok(boxes.includes('Complete') && boxes.includes('Queued'), `status boxes: ${boxes}`);
        await editor.fill('interval', '0');
        await editor.page.locator('#node-input-interval').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'interval'), true, 'interval 0 is flagged');
        await editor.fill('interval', '5');
        await editor.page.locator('#node-input-interval').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'interval'), false, 'interval 5 is allowed');
        await editor.page.check('#om-events-status-Complete');
        await editor.screenshot('dialogs-om-events');
        await A.closeDialog(editor, 'done');
        const node = await editor.node(EVENTS_ID);
        assert.deepStrictEqual(node.statuses, ['Complete']);
        assert.strictEqual(String(node.interval), '5');
        assert.deepStrictEqual(editor.errors, []);
    });

    it('opens the om-server dialog from an operation node: URL, TLS, logon id, hidden password, timeout, max answer, WSDL', async function () {
        await editor.openEditDialog(opId('om-request-status'));
        await A.openConfigEditor(editor, 'server');
        const fields = Object.fromEntries((await A.dialogFields(editor)).map((f) => [f.id.replace('node-config-input-', ''), f]));
        assert.deepStrictEqual(Object.keys(fields).sort(), ['lease', 'logonId', 'maxAnswerMB', 'name', 'password', 'redisPassword', 'redisPrefix',
            'redisTls', 'redisUrl', 'redisUser', 'timeout', 'tls', 'url', 'wsdlSource']);
        assert.strictEqual(fields.url.value, 'http://127.0.0.1:12615/OpenMediaService');
        assert.strictEqual(fields.password.inputType, 'password');
        assert.strictEqual(fields.logonId.inputType, 'text');
        assert.strictEqual(fields.wsdlSource.value, 'bundled');
        assert.strictEqual(fields.name.value, 'dialog test server');
        assert.deepStrictEqual(await untranslated(), [], 'om-server dialog: catalogue keys shown instead of text');
        // the TLS row only for https
        assert.strictEqual(await editor.page.isVisible('#om-server-tls-row'), false);
        await editor.fill('url', 'https://micc.example.test/OpenMediaService');
        await editor.page.waitForSelector('#om-server-tls-row', { state: 'visible' });
        await editor.screenshot('dialogs-om-server');
        await A.closeDialog(editor, 'cancel');
        await A.closeDialog(editor, 'cancel');
        assert.strictEqual((await editor.node(SERVER_ID)).url, 'http://127.0.0.1:12615/OpenMediaService', 'Cancel kept the URL');
    });

    it('om-server shared state: its rows only with a Redis URL, TLS only for rediss://, credentials moved out of the URL, a bad URL flagged', async function () {
        await editor.openEditDialog(opId('om-request-status'));
        await A.openConfigEditor(editor, 'server');
        assert.strictEqual(await editor.readField('redisUrl'), '', 'off by default');
        assert.strictEqual(await editor.readField('redisPrefix'), 'openmedia:');
        assert.strictEqual(String(await editor.readField('lease')), '10');
        for (const row of ['redisUser', 'redisPassword', 'redisPrefix', 'lease', 'redisTls']) {
            assert.strictEqual(await editor.page.isVisible(`#node-config-input-${row}`), false, `${row} hidden while off`);
        }
        await editor.fill('redisUrl', 'redis://ha-user:Pw-4711-x@redis.example.test:6379/0');
        await editor.page.locator('#node-config-input-redisUrl').press('Tab');
        assert.strictEqual(await editor.readField('redisUrl'), 'redis://redis.example.test:6379/0', 'credentials moved out of the URL');
        assert.strictEqual(await editor.readField('redisUser'), 'ha-user');
        assert.strictEqual(await editor.readField('redisPassword'), 'Pw-4711-x');
        assert.strictEqual(await editor.page.isVisible('#om-server-redis-moved'), true, 'says so');
        for (const row of ['redisUser', 'redisPassword', 'redisPrefix', 'lease']) {
            assert.strictEqual(await editor.page.isVisible(`#node-config-input-${row}`), true, `${row} shown`);
        }
        assert.strictEqual(await editor.page.isVisible('#om-server-redis-tls-row'), false, 'no TLS for redis://');
        assert.strictEqual(await A.fieldError(editor, 'redisUrl'), false);
        await editor.fill('redisUrl', 'rediss://redis.example.test:6380');
        await editor.page.waitForSelector('#om-server-redis-tls-row', { state: 'visible' });
        await editor.screenshot('dialogs-om-server-shared');
        await editor.fill('redisUrl', 'http://redis.example.test:6379');
        await editor.page.locator('#node-config-input-redisUrl').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'redisUrl'), true, 'an http URL is flagged');
        await editor.fill('lease', '0');
        await editor.page.locator('#node-config-input-lease').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'lease'), true, 'a lease of 0 s is flagged');
        await A.closeDialog(editor, 'cancel');
        await A.closeDialog(editor, 'cancel');
        assert.strictEqual((await editor.node(SERVER_ID)).redisUrl || '', '', 'Cancel kept it off');
    });

    it('shows Max answer\'s default (32 MB) in the om-server dialog of a server that does not set it (a flow from before)', async function () {
        const bare = 'dlg-server-bare';
        await A.addNodes(editor, [{ id: bare, type: 'om-server', name: 'no max answer', url: 'http://127.0.0.1:12615/OpenMediaService',
            timeout: 10, tls: '', wsdlSource: 'bundled' }], { withDefaults: false });
        assert.strictEqual((await editor.node(bare)).maxAnswerMB, undefined);
        await editor.openEditDialog(bare);
        const field = await editor.page.evaluate(() => {
            const el = document.getElementById('node-config-input-maxAnswerMB');
            const unit = el.closest('.form-row').querySelector('[data-i18n$="om-server.label.mb"]');
            return { value: el.value, placeholder: el.placeholder, unit: unit && unit.textContent, visible: !!el.offsetParent };
        });
        assert.ok(field.visible, 'the field is shown');
        // empty, and what applies is shown in it: the default
        assert.deepStrictEqual(field, { value: '', placeholder: '32', unit: 'MB', visible: true });
        assert.match(await editor.page.textContent('[data-i18n$="om-server.hint.maxAnswer"]'), /Empty: 32 MB \(the default\)/);
        await A.closeDialog(editor, 'cancel');
        // gone again: other tests list the servers
        await editor.page.evaluate((id) => {
            RED.nodes.remove(id);
            RED.view.redraw(true);
        }, bare);
        assert.strictEqual(await editor.page.evaluate((id) => !!RED.nodes.node(id), bare), false);
        assert.deepStrictEqual(editor.errors, []);
    });

    it('styles its dialogs with Node-RED theme variables only, and their hints and labels are readable', async function () {
        // (the dark theme of Node-RED 5: theme.editor.js)
        const rules = await A.packStyleRules(editor);
        const selectors = rules.map((r) => r.selector).join(' ');
        assert.ok(/\.om-form/.test(selectors) && /\.om-server-form/.test(selectors), `pack rules: ${selectors}`);
        const decls = await A.packColourDeclarations(editor);
        assert.ok(decls.length > 0, 'no colour declarations found in the pack\'s rules');
        const literal = decls.filter((d) => !/^var\(--red-ui-[\w-]+\)$/.test(d.value)
            && !/^(inherit|currentcolor|transparent|initial|unset|none)$/i.test(d.value));
        assert.deepStrictEqual(literal, [], 'colours that are not Node-RED theme variables');

        for (const [id, config] of [[opId('om-add-request'), false], [opId('om-set-options'), true]]) {
            await editor.openEditDialog(id);
            if (config) await A.openConfigEditor(editor, 'server');
            const c = await A.dialogColours(editor);
            assert.strictEqual(c.dark, false);
            assert.strictEqual(c.hint, c.themeSecondary, 'the hint takes the theme\'s secondary text colour');
            assert.ok(c.hintContrast >= 3, `hint contrast ${c.hintContrast.toFixed(2)} on ${c.background}`);
            assert.ok(c.labelContrast >= 4.5, `label contrast ${c.labelContrast.toFixed(2)} on ${c.background}`);
            if (config) await A.closeDialog(editor, 'cancel');
            await A.closeDialog(editor, 'cancel');
        }
    });

    it('flags a 21-character group name typed as a string in om-add-request, and marks the node invalid after Done', async function () {
        const id = ADD.name;
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'ServiceGroupName', 'str');
        await A.typeInto(editor, 'ServiceGroupName', 'G'.repeat(20));
        assert.strictEqual(await A.fieldError(editor, 'ServiceGroupName'), false, '20 characters are allowed');
        await A.typeInto(editor, 'ServiceGroupName', 'G'.repeat(21));
        assert.strictEqual(await A.fieldError(editor, 'ServiceGroupName'), true, '21 characters are flagged');
        await editor.screenshot('dialogs-group-name-21');
        await A.closeDialog(editor, 'done');
        const n = await editor.page.evaluate((nodeId) => {
            const node = RED.nodes.node(nodeId);
            return { valid: node.valid, errors: node.validationErrors, value: node.ServiceGroupName, type: node.ServiceGroupNameType };
        }, id);
        assert.deepStrictEqual({ value: n.value, type: n.type }, { value: 'G'.repeat(21), type: 'str' });
        assert.strictEqual(n.valid, false);
        assert.ok((n.errors || []).some((e) => /Group name/.test(e) && /20/.test(e)), JSON.stringify(n.errors));
        assert.strictEqual(await A.nodeInvalidMark(editor, id), true, 'the workspace shows the invalid mark');

        // the same name from msg is not a literal: not checked in the editor, the node is valid again
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'ServiceGroupName', 'msg');
        await A.typeInto(editor, 'ServiceGroupName', 'payload.ServiceGroupName');
        assert.strictEqual(await A.fieldError(editor, 'ServiceGroupName'), false);
        await A.closeDialog(editor, 'done');
        assert.strictEqual(await editor.page.evaluate((nodeId) => RED.nodes.node(nodeId).valid, id), true);
        assert.strictEqual(await A.nodeInvalidMark(editor, id), false);
    });

    it('flags SessionPriority 101 (1 to 100) in om-add-request, and accepts 100', async function () {
        const id = ADD.priority;
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'SessionPriority', 'num');
        await A.typeInto(editor, 'SessionPriority', '101');
        assert.strictEqual(await A.fieldError(editor, 'SessionPriority'), true, '101 is flagged');
        await A.typeInto(editor, 'SessionPriority', '0');
        assert.strictEqual(await A.fieldError(editor, 'SessionPriority'), true, '0 is flagged');
        await A.typeInto(editor, 'SessionPriority', '100');
        assert.strictEqual(await A.fieldError(editor, 'SessionPriority'), false, '100 is allowed');
        await A.typeInto(editor, 'SessionPriority', '101');
        await A.closeDialog(editor, 'done');
        const n = await editor.page.evaluate((nodeId) => {
            const node = RED.nodes.node(nodeId);
            return { valid: node.valid, errors: node.validationErrors, value: node.SessionPriority };
        }, id);
        assert.strictEqual(n.value, '101');
        assert.strictEqual(n.valid, false);
        assert.ok((n.errors || []).some((e) => /Priority/.test(e) && /1 to 100/.test(e)), JSON.stringify(n.errors));
        // put right, the node is valid again
        await editor.openEditDialog(id);
        await A.typeInto(editor, 'SessionPriority', '100');
        await A.closeDialog(editor, 'done');
        assert.strictEqual(await editor.page.evaluate((nodeId) => RED.nodes.node(nodeId).valid, id), true);
    });

    it('flags the other literal rules in om-add-request: IVR info JSON (1-3 items) and a queue start time in the future', async function () {
        const id = ADD.other;
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'IVRInfo', 'json');
        const four = JSON.stringify([1, 2, 3, 4].map((i) => ({ Label: `L${i}`, Data: `D${i}` })));
        await editor.setTypedInput('IVRInfo', 'json', four);
        await editor.page.locator('#node-input-IVRInfo').dispatchEvent('change');
        assert.strictEqual(await A.fieldError(editor, 'IVRInfo'), true, '4 IVR items are flagged');
        await editor.setTypedInput('IVRInfo', 'json', '{"Ticket":"T-1","Customer":"Jane"}');
        await editor.page.locator('#node-input-IVRInfo').dispatchEvent('change');
        assert.strictEqual(await A.fieldError(editor, 'IVRInfo'), false, 'an object {label: data} is allowed');
        await A.chooseType(editor, 'QueueStartTime', 'str');
        await A.typeInto(editor, 'QueueStartTime', new Date(Date.now() + 86400000).toISOString());
        assert.strictEqual(await A.fieldError(editor, 'QueueStartTime'), true, 'a time in the future is flagged');
        await A.typeInto(editor, 'QueueStartTime', 'yesterday-ish');
        assert.strictEqual(await A.fieldError(editor, 'QueueStartTime'), true, 'not a date is flagged');
        await A.typeInto(editor, 'QueueStartTime', '2026-01-31T09:30:00Z');
        assert.strictEqual(await A.fieldError(editor, 'QueueStartTime'), false, 'a past ISO time is allowed');
        await A.closeDialog(editor, 'done');
        assert.strictEqual(await editor.page.evaluate((nodeId) => RED.nodes.node(nodeId).valid, id), true);
    });

    it('flags om-set-options ranges (max sessions 1 or more, type of session 0 or more) and accepts the limits', async function () {
        // (the four enumerated options are dropdowns: flowbuilder.editor.js)
        const id = opId('om-set-options');
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'MaxNumberOfSessions', 'num');
        await A.typeInto(editor, 'MaxNumberOfSessions', '0');
        assert.strictEqual(await A.fieldError(editor, 'MaxNumberOfSessions'), true, 'MaxNumberOfSessions 0 is flagged');
        await A.typeInto(editor, 'MaxNumberOfSessions', '1');
        assert.strictEqual(await A.fieldError(editor, 'MaxNumberOfSessions'), false, 'MaxNumberOfSessions 1 is allowed');
        await A.chooseType(editor, 'TypeOfSession', 'num');
        await A.typeInto(editor, 'TypeOfSession', '-1');
        assert.strictEqual(await A.fieldError(editor, 'TypeOfSession'), true, 'TypeOfSession -1 is flagged');
        await A.typeInto(editor, 'TypeOfSession', '1.5');
        assert.strictEqual(await A.fieldError(editor, 'TypeOfSession'), true, 'a fraction is flagged');
        await editor.screenshot('dialogs-set-options-range');
        await A.closeDialog(editor, 'done');
        const n = await editor.page.evaluate((nodeId) => {
            const node = RED.nodes.node(nodeId);
            return { valid: node.valid, errors: node.validationErrors };
        }, id);
        assert.strictEqual(n.valid, false);
        assert.strictEqual((n.errors || []).length, 1, JSON.stringify(n.errors));
        assert.match(n.errors[0], /Type of session/);
        assert.strictEqual(await A.nodeInvalidMark(editor, id), true);
    });

    it('flags an enumerated option out of its range that came in with a flow (AllowDifferentTypes 3)', async function () {
        const tab = await editor.page.evaluate(() => RED.workspaces.active());
        await A.addNodes(editor, [{ id: 'dlg-set-options-3', type: 'om-set-options', z: tab, server: SERVER_ID, name: '',
            AllowDifferentTypes: '3', AllowDifferentTypesType: 'num', x: 720, y: 460, wires: [[]] }], { withDefaults: true });
        const n = await editor.page.evaluate(() => {
            const node = RED.nodes.node('dlg-set-options-3');
            RED.editor.validateNode(node);
            return { valid: node.valid, errors: node.validationErrors };
        });
        assert.strictEqual(n.valid, false);
        assert.ok((n.errors || []).some((e) => /Different types/.test(e) && /1 to 2/.test(e)), JSON.stringify(n.errors));
    });

    it('flags a wrong om-server URL, timeout and max answer in its dialog', async function () {
        await editor.openEditDialog(opId('om-agents-by-group'));
        await A.openConfigEditor(editor, 'server');
        await editor.fill('url', 'ftp://micc.example.test/OpenMediaService');
        await editor.page.locator('#node-config-input-url').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'url'), true, 'an ftp URL is flagged');
        // Credentials in the URL are not left there to flag: they move into their fields (server-url.editor.js).
        await editor.fill('url', 'http://user:pw@micc.example.test/OpenMediaService');
        await editor.page.locator('#node-config-input-url').press('Tab');
        assert.strictEqual(await editor.readField('url'), 'http://micc.example.test/OpenMediaService', 'credentials moved out of the URL');
        assert.strictEqual(await editor.readField('logonId'), 'user');
        assert.strictEqual(await A.fieldError(editor, 'url'), false);
        await editor.fill('url', 'http://127.0.0.1:12615/OpenMediaService');
        await editor.page.locator('#node-config-input-url').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'url'), false);
        await editor.fill('timeout', '0');
        await editor.page.locator('#node-config-input-timeout').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'timeout'), true, 'timeout 0 is flagged');
        await editor.fill('maxAnswerMB', '300');
        await editor.page.locator('#node-config-input-maxAnswerMB').press('Tab');
        assert.strictEqual(await A.fieldError(editor, 'maxAnswerMB'), true, 'max answer 300 MB is flagged');
        await A.closeDialog(editor, 'cancel');
        await A.closeDialog(editor, 'cancel');
    });

    it('saves what the dialog holds: Done puts every value and type in the node, Deploy sends them to the runtime', async function () {
        const id = ADD.save;
        await editor.openEditDialog(id);
        await A.chooseType(editor, 'ServiceGroupID', 'num');
        await A.typeInto(editor, 'ServiceGroupID', '101');
        await A.chooseType(editor, 'IVRInfo', 'json');
        await editor.setTypedInput('IVRInfo', 'json', '[{"Label":"Ticket","Data":"T-1001"}]');
        await A.chooseType(editor, 'PrivateData', 'str');
        await A.typeInto(editor, 'PrivateData', 'https://tickets.example.test/T-1001');
        await A.chooseType(editor, 'SessionPriority', 'num');
        await A.typeInto(editor, 'SessionPriority', '100');
        await A.chooseType(editor, 'ForceToPreferredAgent', 'bool');
        await editor.setTypedInput('ForceToPreferredAgent', 'bool', 'true');
        await A.chooseType(editor, 'TypeOfSession', 'flow');
        await A.typeInto(editor, 'TypeOfSession', 'sessionType');
        await A.chooseType(editor, 'correlation', 'str');
        await A.typeInto(editor, 'correlation', 'T-1001');
        await editor.fill('name', 'queue ticket');
        for (const f of ['ServiceGroupID', 'SessionPriority', 'IVRInfo', 'PrivateData', 'ForceToPreferredAgent', 'TypeOfSession', 'correlation']) {
            assert.strictEqual(await A.fieldError(editor, f), false, `${f} is flagged`);
        }
        await A.closeDialog(editor, 'done');
        const expected = {
            name: 'queue ticket',
            ServiceGroupID: '101', ServiceGroupIDType: 'num',
            IVRInfo: '[{"Label":"Ticket","Data":"T-1001"}]', IVRInfoType: 'json',
            PrivateData: 'https://tickets.example.test/T-1001', PrivateDataType: 'str',
            ForceToPreferredAgent: 'true', ForceToPreferredAgentType: 'bool',
            TypeOfSession: 'sessionType', TypeOfSessionType: 'flow',
            SessionPriority: '100', SessionPriorityType: 'num',
            correlation: 'T-1001', correlationType: 'str',
            // untouched fields keep their defaults
            TenantID: 'payload.TenantID', TenantIDType: 'msg',
            QueueStartTime: 'payload.QueueStartTime', QueueStartTimeType: 'msg',
            server: SERVER_ID,
        };
        const node = await editor.node(id);
        for (const [k, v] of Object.entries(expected)) assert.strictEqual(node[k], v, `editor: ${k}`);
        assert.strictEqual(node.valid, true);
        assert.strictEqual(await editor.page.evaluate((nodeId) => RED.utils.getNodeLabel(RED.nodes.node(nodeId)), id), 'queue ticket');

        // the reopened dialog shows what was saved
        await editor.openEditDialog(id);
        assert.deepStrictEqual(await editor.readField('IVRInfo'), { type: 'json', value: '[{"Label":"Ticket","Data":"T-1001"}]' });
        assert.deepStrictEqual(await editor.readField('TypeOfSession'), { type: 'flow', value: 'sessionType' });
        await A.closeDialog(editor, 'cancel');

        // confirm: other tests of this file may have left nodes invalid
        await editor.deploy({ confirm: true });
        const deployed = (await editor.admin('GET', '/flows')).flows.find((n) => n.id === id);
        for (const [k, v] of Object.entries(expected)) assert.strictEqual(deployed[k], v, `runtime: ${k}`);
    });

    it('drops om-add-request from the palette and creates a new om-server from its dialog', async function () {
        const id = await editor.dropFromPalette('om-add-request', { x: 700, y: 420 });
        const dropped = await editor.node(id);
        assert.strictEqual(dropped.type, 'om-add-request');
        // the defaults of a new node: every parameter from msg.payload, the correlation from msg.correlation
        const def = OPERATION_NODES.find((d) => d.type === 'om-add-request');
        for (const p of def.params) {
            assert.strictEqual(dropped[p.wire], `payload.${p.key}`, p.wire);
            assert.strictEqual(dropped[`${p.wire}Type`], 'msg', `${p.wire}Type`);
        }
        assert.deepStrictEqual([dropped.correlation, dropped.correlationType], ['correlation', 'msg']);
        await editor.openEditDialog(id);
        // a new node picks the only om-server there is; add another one with the + button
        await editor.page.click('#node-input-btn-server-add');
        await editor.page.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
        await editor.page.waitForFunction(() => RED.editor.getEditStack().length === 2
            && getComputedStyle([...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop()).right === '0px');
        assert.strictEqual(await editor.readField('url'), '');
        assert.strictEqual(await editor.readField('timeout'), '10');
        await editor.fill('url', 'http://127.0.0.1:12616/OpenMediaService');
        await editor.fill('name', 'second server');
        await A.closeDialog(editor, 'done');
        const serverId = await editor.readField('server');
        assert.notStrictEqual(serverId, SERVER_ID);
        await A.closeDialog(editor, 'done');
        const server = await editor.node(serverId);
        assert.strictEqual(server.type, 'om-server');
        assert.strictEqual(server.url, 'http://127.0.0.1:12616/OpenMediaService');
        assert.strictEqual(server.name, 'second server');
        assert.strictEqual((await editor.node(id)).server, serverId);
        const sidebar = await A.configSidebar(editor);
        assert.deepStrictEqual(sidebar.find((s) => s.type === 'om-server').labels.sort(), ['dialog test server', 'second server']);
        await editor.page.evaluate(() => RED.sidebar.show('info'));
    });
});
