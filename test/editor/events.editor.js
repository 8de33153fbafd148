'use strict';
// om-events in a real Node-RED 4.1 editor (headless Chromium), as a flow builder sees it: a default debug node shows
// the status, the request id, the time and the correlation (the ticket id) of a change without expanding anything;
// the status filter in the dialog speaks a contact-center person's words; "Remember in" lists each store once; the
// node's status says the last change in words. One Node-RED, one browser and one simulator (manual clock).
const assert = require('assert');
const { startEditor } = require('../support/editor');
const { startTestSimulator } = require('../support/simulator');
const A = require('../support/editor-actions');

const TAB = 'ev-tab';

function seedFlow(simUrl) {
    return [
        { id: TAB, type: 'tab', label: 'events' },
        { id: 'ev-srv', type: 'om-server', name: 'simulator', url: simUrl, timeout: 10, wsdlSource: 'bundled' },
        {
            id: 'ev-inject', type: 'inject', z: TAB, name: 'new ticket', props: [{ p: 'payload' }], payload: '', payloadType: 'date',
            repeat: '', once: false, x: 120, y: 80, wires: [['ev-item']],
        },
        {
            id: 'ev-item', type: 'change', z: TAB, name: 'ticket T-4711', x: 300, y: 80, wires: [['ev-add']],
            rules: [
                { t: 'set', p: 'payload', pt: 'msg', to: '{"ServiceGroupID":101,"IVRInfo":[{"Label":"Ticket","Data":"T-4711"}]}', tot: 'json' },
                { t: 'set', p: 'correlation', pt: 'msg', to: 'T-4711', tot: 'str' },
            ],
        },
        { id: 'ev-add', type: 'om-add-request', z: TAB, name: '', server: 'ev-srv', x: 520, y: 80, wires: [[], []] },
        {
            id: 'ev-poll', type: 'inject', z: TAB, name: 'poll now', props: [{ p: 'payload' }], payload: '', payloadType: 'date',
            repeat: '', once: false, x: 120, y: 180, wires: [['ev-events']],
        },
        {
            id: 'ev-events', type: 'om-events', z: TAB, name: '', server: 'ev-srv', start: 'now', statuses: ['Complete'], groups: '',
            onlyOwn: true, outputPerStatus: false, interval: 60, dataExpiration: 30, checkEvery: 12, store: '', outputs: 1,
            x: 320, y: 180, wires: [['ev-debug']],
        },
        // a debug node as the palette gives it: msg.payload, to the sidebar
        { id: 'ev-debug', type: 'debug', z: TAB, name: '', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 560, y: 180, wires: [] },
    ];
}

describe('editor (browser): om-events as a flow builder sees it', function () {
    this.timeout(120000);
    let editor;
    let sim;

    before(async function () {
        sim = await startTestSimulator({ clock: 'manual' });
        editor = await startEditor({ flows: seedFlow(sim.url) });
    });

    after(async function () {
        if (editor) await editor.stop();
        if (sim) await sim.stop();
    });

    afterEach(async function () {
        if (!editor) return;
        if (this.currentTest.state === 'failed') {
            await editor.screenshot(`events-failed-${this.currentTest.title.slice(0, 40)}`).catch(() => {});
        }
        await A.closeLeftoverDialogs(editor);
    });

    it('a default debug node shows status, id, time and the ticket id of a completion without expanding anything', async function () {
        await editor.waitForNodeStatus('ev-events', { textIncludes: 'no changes yet' }, 30000);
        await editor.page.evaluate(() => RED.sidebar.show('debug'));
        const before = sim.eventLog.length;
        await editor.inject('ev-inject');
        await A.statusLabel(editor, 'ev-add', { text: /#\d+/ });
        const id = sim.eventLog[before].ID;
        sim.answer(id);
        sim.advance(2000);
        sim.complete(id);
        const done = sim.eventLog.find((e) => e.ID === id && e.Status === 'Complete');
        await editor.inject('ev-poll');
        const preview = await editor.page.waitForFunction(() => {
            const msgs = document.querySelectorAll('#red-ui-sidebar-content .red-ui-debug-msg');
            const last = msgs[msgs.length - 1];
            const head = last && last.querySelector('.red-ui-debug-msg-object-header');
            return head ? head.textContent : false;
        }, null, { timeout: 20000 }).then((h) => h.jsonValue());
        // collapsed, as the sidebar shows it: { Status: "Complete", ID: 1, TimeStamp: "2026-…", correlation: "T-4711", AgentID: 1001 … }
        assert.match(preview, /Status: "Complete"/, preview);
        assert.match(preview, new RegExp(`ID: ${id}\\b`), preview);
        assert.ok(preview.includes(`TimeStamp: "${new Date(done.TimeStamp).toISOString()}"`), preview);
        assert.match(preview, /correlation: "T-4711"/, preview);
        const expanded = await editor.page.evaluate(() => {
            const msgs = document.querySelectorAll('#red-ui-sidebar-content .red-ui-debug-msg');
            return !!msgs[msgs.length - 1].querySelector('.red-ui-debug-msg-element:not(.collapsed) .red-ui-debug-msg-object-entry');
        });
        assert.strictEqual(expanded, false, 'nothing was expanded');
        // and the node's status says what happened last, in words
        const status = await A.statusLabel(editor, 'ev-events', { text: /complete/ });
        assert.strictEqual(status, `#${id} complete by ${done.LogonID}`);
        await editor.screenshot('events-debug-preview');
        assert.deepStrictEqual(editor.errors, []);
    });

    it('the dialog\'s status filter speaks in words, with the name the messages carry; "Remember in" lists each store once', async function () {
        await editor.openEditDialog('ev-events');
        const labels = await editor.page.$$eval('#om-events-statuses label', (els) => els.map((l) => ({
            value: l.querySelector('input').value,
            checked: l.querySelector('input').checked,
            words: l.querySelector('span:not(.om-wire)').textContent,
            wire: l.querySelector('.om-wire').textContent,
            title: l.getAttribute('title'),
        })));
        const byWire = Object.fromEntries(labels.map((l) => [l.value, l]));
        assert.deepStrictEqual(labels.map((l) => l.value), ['Unknown', 'Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete', 'Failed', 'Cancelled', 'Clerical']);
        assert.strictEqual(byWire.AllocatedToAgent.words, 'Allocated to an agent');
        assert.strictEqual(byWire.AgentProcessing.words, 'Agent working on it');
        assert.match(byWire.Clerical.words, /After-work/);
        assert.match(byWire.Clerical.title, /not described/);
        for (const l of labels) assert.strictEqual(l.wire, l.value);
        assert.strictEqual(byWire.Complete.checked, true);
        // the stores: the journal, then each configured store that keeps something across a restart, once (the test
        // Node-RED has "default" = memory and "file" = localfilesystem): a memory store is not offered
        const storeOptions = () => editor.page.$$eval('#node-input-store option', (els) => els.map((o) => [o.value, o.textContent]));
        const options = await storeOptions();
        const values = options.map(([v]) => v);
        assert.strictEqual(values[0], '');
        assert.match(options[0][1], /user directory only/);
        assert.strictEqual(new Set(values).size, values.length, `a store listed twice: ${JSON.stringify(options)}`);
        const { stores, kinds } = await editor.page.evaluate(() => ({ stores: RED.settings.context.stores, kinds: RED.settings.omEventsContextStores }));
        assert.deepStrictEqual(kinds, { default: 'memory', file: 'file' }, 'what the runtime says of each store');
        assert.deepStrictEqual(values.slice(1).sort(), [...new Set(stores)].filter((st) => kinds[st] !== 'memory').sort());
        assert.deepStrictEqual(values, ['', 'file']);
        for (const [v, text] of options.slice(1)) assert.ok(text.includes(`"${v}"`), text);
        // (the editor prefixes a dialog's data-i18n keys with the node set's namespace)
        assert.match(await editor.page.textContent('[data-i18n$="om-events.hint.store"]'), /kept only in memory are not offered/);
        await editor.screenshot('events-dialog');
        await A.closeDialog(editor, 'cancel');

        // a node (from an earlier version) that names the memory store keeps it, and the dialog says what it is worth
        await A.addNodes(editor, [{ id: 'ev-events-memory', type: 'om-events', server: 'ev-srv', name: 'memory copy', store: 'default',
            x: 320, y: 260, wires: [[]] }], { withDefaults: true });
        await editor.openEditDialog('ev-events-memory');
        assert.deepStrictEqual(await storeOptions(), [
            ['', 'the user directory only (recommended)'],
            ['file', 'the user directory, and a copy in context store "file"'],
            ['default', 'the user directory, and a copy in context store "default" (memory: survives nothing)'],
        ]);
        assert.strictEqual(await editor.page.inputValue('#node-input-store'), 'default');
        await A.closeDialog(editor, 'cancel');
        await editor.page.evaluate(() => {
            RED.nodes.remove('ev-events-memory');
            RED.view.redraw(true);
        });
        assert.deepStrictEqual(editor.errors, []);
    });
});
