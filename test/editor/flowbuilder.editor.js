'use strict';
// What a flow builder sees of the pack in a real editor (Node-RED 4.1 by default; EDITOR_NODE_RED_PATH runs it on
// Node-RED 5): help pages that fit the sidebar, enumerated options as dropdowns that store the number, statuses
// that a deploy clears, one icon per node kind, labels that say MiCC, a palette filter that finds the nodes, an
// icon on every dialog label.
const assert = require('assert');
const { startEditor } = require('../support/editor');
const A = require('../support/editor-actions');
const { startTestSimulator } = require('../support/simulator');
const { OPERATION_NODES } = require('../../lib/operations');

const PACK_TYPES = [...OPERATION_NODES.map((d) => d.type), 'om-events'];
const SERVER = { id: 'fb-server-0001', type: 'om-server', name: 'fb server', url: 'http://127.0.0.1:12615/OpenMediaService',
    timeout: 10, tls: '', wsdlSource: 'bundled' };
const id = (type) => `fb-${type}`;

describe('editor (browser): what a flow builder sees', function () {
    this.timeout(180000);
    let editor;

    before(async function () {
        editor = await startEditor();
        const nodes = [SERVER];
        PACK_TYPES.forEach((type, i) => nodes.push({ id: id(type), type, server: SERVER.id, name: '',
            x: 160 + 240 * (i % 4), y: 60 + 60 * Math.floor(i / 4), wires: [] }));
        await A.addNodes(editor, nodes, { withDefaults: true });
    });

    after(async function () {
        if (editor) await editor.stop();
    });

    A.tidyAfterEach(() => editor, 'flowbuilder');

    it('shows every node\'s help in the sidebar without horizontal overflow, and no name cut in two', async function () {
        const page = editor.page;
        const wide = {};
        const split = {};
        for (const type of [...PACK_TYPES, 'om-server']) {
            await page.evaluate((t) => RED.sidebar.help.show(t), type);
            const m = await (await page.waitForFunction((t) => {
                const help = [...document.querySelectorAll('.red-ui-help')].find((e) => e.offsetParent
                    && e.querySelector('h1.red-ui-help-title') && e.textContent.includes(RED.nodes.getType(t).paletteLabel || t));
                if (!help) return null;
                // the content box's right edge (left of a vertical scrollbar)
                const right = help.getBoundingClientRect().left + help.clientLeft + help.clientWidth;
                return {
                    scrollWidth: help.scrollWidth,
                    clientWidth: help.clientWidth,
                    // any element sticking out on the right, whatever its parent's overflow says
                    out: [...help.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > right + 0.5)
                        .map((e) => `${e.tagName.toLowerCase()}: ${e.textContent.trim().slice(0, 50)}`).slice(0, 3),
                    examples: [help.querySelectorAll('pre.om-example-in').length, help.querySelectorAll('pre.om-example-out').length],
                    // words (letters, digits, _) of <pre> and <code> that the browser laid out on two lines or more
                    split: [...help.querySelectorAll('pre, code')].flatMap((el) => {
                        const out = [];
                        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                        for (let t = walker.nextNode(); t; t = walker.nextNode()) {
                            for (const w of t.data.matchAll(/\w+/g)) {
                                const range = document.createRange();
                                range.setStart(t, w.index);
                                range.setEnd(t, w.index + w[0].length);
                                const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
                                if (lines.size > 1) out.push(w[0]);
                            }
                        }
                        return out;
                    }),
                    pres: help.querySelectorAll('pre').length,
                };
            }, type)).jsonValue();
            assert.ok(m.clientWidth > 200 && m.clientWidth < 400, `${type}: a sidebar of ${m.clientWidth} px`);
            assert.ok(m.pres > 0, `${type}: no <pre> to check`);
            if (m.split.length) split[type] = m.split;
            if (m.scrollWidth > m.clientWidth || m.out.length) wide[type] = m;
            if (OPERATION_NODES.some((d) => d.type === type)) assert.deepStrictEqual(m.examples, [1, 1], `${type}: one example in, one out`);
            if (type === 'om-add-request') await editor.screenshot('flowbuilder-help-om-add-request');
        }
        assert.deepStrictEqual(wide, {}, 'help pages wider than the sidebar');
        assert.deepStrictEqual(split, {}, 'names cut in two by a line break in the help');
        assert.deepStrictEqual(editor.errors, []);
    });

    it('offers the enumerated options of set options as dropdowns with words, and saves the number', async function () {
        const page = editor.page;
        const def = OPERATION_NODES.find((d) => d.type === 'om-set-options');
        const enumerated = def.params.filter((p) => p.choices);
        assert.deepStrictEqual(enumerated.map((p) => p.wire),
            ['AgentActionOptions', 'CloseTabOptions', 'AllowDifferentTypes', 'SessionLinkOptions']);
        await editor.openEditDialog(id('om-set-options'));
        const picks = { AgentActionOptions: 3, CloseTabOptions: 2, AllowDifferentTypes: 1, SessionLinkOptions: 2 };
        for (const p of enumerated) {
            // still every source: message, flow, global, env, JSONata; the literal is the dropdown
            const field = (await A.dialogFields(editor)).find((f) => f.id === `node-input-${p.wire}`);
            assert.deepStrictEqual(field.types, ['msg', 'flow', 'global', 'env', 'num', 'jsonata'], p.wire);
            await A.chooseType(editor, p.wire, 'num');
            // the dropdown, as a user opens it: one entry per documented number, in words, and "(not sent)"
            const trigger = await page.evaluate((w) => {
                const c = $(`#node-input-${w}`).next('.red-ui-typedInput-container');
                const b = c.find('button.red-ui-typedInput-option-trigger');
                b.attr('data-om-option-button', w);
                return b.is(':visible') && c.find('.red-ui-typedInput-input-wrap:visible, input.red-ui-typedInput-input:visible').length === 0;
            }, p.wire);
            assert.strictEqual(trigger, true, `${p.wire}: a dropdown, no text box`);
            await page.click(`[data-om-option-button="${p.wire}"]`);
            const menu = await (await page.waitForFunction(() => {
                const open = [...document.querySelectorAll('.red-ui-typedInput-options')].filter((m) => getComputedStyle(m).display !== 'none');
                return open.length === 1 ? [...open[0].querySelectorAll('a')].map((a) => ({ value: a.getAttribute('value'), label: a.textContent.trim() })) : null;
            })).jsonValue();
            assert.deepStrictEqual(menu, [{ value: '', label: '(not sent)' },
                ...p.choices.map((c) => ({ value: String(c.value), label: `${c.value} = ${c.label}` }))], p.wire);
            await page.evaluate((v) => {
                const open = [...document.querySelectorAll('.red-ui-typedInput-options')].find((m) => getComputedStyle(m).display !== 'none');
                open.querySelector(`a[value="${v}"]`).setAttribute('data-om-pick', '1');
            }, String(picks[p.wire]));
            await page.click('[data-om-pick="1"]');
            await page.evaluate(() => document.querySelectorAll('[data-om-pick]').forEach((e) => e.removeAttribute('data-om-pick')));
            assert.deepStrictEqual(await editor.readField(p.wire), { type: 'num', value: String(picks[p.wire]) });
            const shown = await page.evaluate((w) => $(`#node-input-${w}`).next('.red-ui-typedInput-container')
                .find('.red-ui-typedInput-option-label').text().trim(), p.wire);
            assert.strictEqual(shown, `${picks[p.wire]} = ${p.choices.find((c) => c.value === picks[p.wire]).label}`, p.wire);
        }
        await editor.screenshot('flowbuilder-set-options-dropdowns');
        await A.closeDialog(editor, 'done');
        const node = await editor.node(id('om-set-options'));
        for (const [wire, n] of Object.entries(picks)) {
            assert.deepStrictEqual([node[wire], node[`${wire}Type`]], [String(n), 'num'], `${wire} stored as the number`);
        }
        assert.strictEqual(node.valid, true);

        // reopened: the number is shown in words again; a message value is still a choice
        await editor.openEditDialog(id('om-set-options'));
        assert.deepStrictEqual(await editor.readField('CloseTabOptions'), { type: 'num', value: '2' });
        await A.chooseType(editor, 'CloseTabOptions', 'msg');
        await A.typeInto(editor, 'CloseTabOptions', 'payload.close');
        await A.closeDialog(editor, 'done');
        const again = await editor.node(id('om-set-options'));
        assert.deepStrictEqual([again.CloseTabOptions, again.CloseTabOptionsType], ['payload.close', 'msg']);
        assert.deepStrictEqual(editor.errors, []);
    });

    it('gives each node kind its own icon, loaded in the palette and on the canvas', async function () {
        const icons = await editor.page.evaluate((types) => types.map((t) => {
            const entry = document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"] .red-ui-palette-icon`);
            const shape = document.querySelector(`g.red-ui-flow-node-group[id="fb-${t}"] image.red-ui-flow-node-icon`);
            return {
                type: t,
                def: RED.nodes.getType(t).icon,
                palette: entry ? getComputedStyle(entry).backgroundImage : null,
                canvas: shape ? shape.getAttribute('xlink:href') || shape.getAttribute('href') : null,
            };
        }), PACK_TYPES);
        const files = icons.map((i) => i.def);
        assert.strictEqual(new Set(files).size, PACK_TYPES.length, `icons shared between node kinds: ${files}`);
        for (const i of icons) {
            assert.ok(i.palette && i.palette.includes(i.def), `${i.type}: palette icon ${i.palette}`);
            assert.ok(i.canvas && i.canvas.includes(i.def), `${i.type}: canvas icon ${i.canvas}`);
            const res = await fetch(new URL(i.canvas, editor.url));
            assert.strictEqual(res.status, 200, `${i.type}: ${i.canvas}`);
            assert.match(res.headers.get('content-type') || '', /svg/);
        }
        // white icons need a node colour dark enough for them, and the label a colour light enough for it: on every
        // node of the pack, as drawn (WCAG: 3:1 for a graphic, 4.5:1 for text)
        for (const t of PACK_TYPES) {
            const c = await A.nodeColours(editor, `fb-${t}`);
            assert.ok(c.iconContrast >= 3, `${t}: white icon on ${c.body}: ${c.iconContrast.toFixed(2)}:1`);
            assert.ok(c.labelContrast >= 4.5, `${t}: label ${c.label} on ${c.body}: ${c.labelContrast.toFixed(2)}:1`);
        }
        await editor.page.evaluate(() => document.getElementById('red-ui-palette-container').scrollTo(0, 100000));
        await editor.screenshot('flowbuilder-icons');
    });

    it('labels unnamed nodes "MiCC ..." on the canvas, and a name wins', async function () {
        const labels = await editor.page.evaluate((types) => types.map((t) => RED.utils.getNodeLabel(RED.nodes.node(`fb-${t}`))), PACK_TYPES);
        PACK_TYPES.forEach((t, i) => assert.match(labels[i], /^MiCC [a-z]/, `${t}: ${labels[i]}`));
        assert.strictEqual(labels[0], 'MiCC add request');
        assert.strictEqual(new Set(labels).size, labels.length, 'every kind has its own label');
        // the palette keeps the short label under its category
        const cat = await A.paletteCategory(editor, 'MiCC Open Media');
        assert.ok(cat && cat.types.length === PACK_TYPES.length, JSON.stringify(cat));
    });

    it('finds the pack\'s nodes in the palette filter by micc, mitel, open media, queue and email', async function () {
        const page = editor.page;
        const expectations = [
            ['micc', PACK_TYPES, []],
            ['mitel', PACK_TYPES, []],
            ['open media', PACK_TYPES, []],
            ['queue', ['om-add-request', 'om-events', 'om-request-status', 'om-all-request-status'], []],
            ['email', ['om-add-request', 'om-events'], ['om-cancel-request', 'om-set-options', 'om-agents-by-group']],
            ['e-mail', ['om-add-request', 'om-events'], ['om-cancel-request']],
        ];
        const input = page.locator('#red-ui-palette-search input');
        const injectShown = () => page.waitForFunction((shown) => {
            const inject = document.querySelector('.red-ui-palette-node[data-palette-type="inject"]');
            return inject && (inject.getAttribute('data-filter') !== 'true') === shown;
        }, true);
        for (const [term, shown, hidden] of expectations) {
            // from an empty filter (everything shown again) to the term, typed as a user types it
            await input.fill('');
            await injectShown();
            await input.type(term);
            // the filter has run once a core node that does not match is hidden; then read what it left
            const visible = await (await page.waitForFunction(() => {
                const inject = document.querySelector('.red-ui-palette-node[data-palette-type="inject"]');
                if (!inject || inject.getAttribute('data-filter') !== 'true') return null;
                return [...document.querySelectorAll('.red-ui-palette-node[data-palette-type]')]
                    .filter((e) => e.getAttribute('data-filter') !== 'true' && getComputedStyle(e).display !== 'none')
                    .map((e) => e.getAttribute('data-palette-type'));
            })).jsonValue();
            for (const t of shown) assert.ok(visible.includes(t), `"${term}" does not find ${t}: ${visible}`);
            for (const t of hidden) assert.ok(!visible.includes(t), `"${term}" finds ${t}`);
            if (term === 'email') await editor.screenshot('flowbuilder-palette-email');
        }
        // the entries still show their own label, not the search words
        const label = await page.evaluate(() => document.querySelector('.red-ui-palette-node[data-palette-type="om-add-request"] .red-ui-palette-label').textContent.replace(/\s+/g, ' ').trim());
        assert.strictEqual(label, 'add request');
        await input.fill('');
        await injectShown();
    });

    it('puts an icon on every label of every dialog of the pack', async function () {
        const missing = [];
        for (const type of PACK_TYPES) {
            await editor.openEditDialog(id(type));
            const labels = await editor.page.evaluate(() => {
                const top = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop();
                return [...top.querySelectorAll('.form-row > label')].filter((l) => l.offsetParent !== null && l.textContent.trim())
                    .map((l) => ({ text: l.textContent.trim(), icon: !!l.querySelector('i.fa, i[class*="fa-"]') }));
            });
            assert.ok(labels.length >= 2, `${type}: labels ${JSON.stringify(labels)}`);
            for (const l of labels) if (!l.icon) missing.push(`${type}: ${l.text}`);
            if (type === 'om-add-request') await editor.screenshot('flowbuilder-dialog-om-add-request');
            if (type === 'om-add-request') {
                await A.openConfigEditor(editor, 'server');
                const server = await editor.page.evaluate(() => {
                    const top = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop();
                    return [...top.querySelectorAll('.form-row > label')].filter((l) => l.offsetParent !== null && l.textContent.trim())
                        .map((l) => ({ text: l.textContent.trim(), icon: !!l.querySelector('i.fa') }));
                });
                for (const l of server) if (!l.icon) missing.push(`om-server: ${l.text}`);
                await A.closeDialog(editor, 'cancel');
            }
            await A.closeDialog(editor, 'cancel');
        }
        assert.deepStrictEqual(missing, [], 'labels without an icon');
    });

    describe('statuses after a deploy', function () {
        let sim;
        const FLOW = {
            server: { id: 'fb-dep-server', type: 'om-server', name: 'deploy test', timeout: 5, tls: '', wsdlSource: 'bundled' },
            inject: { id: 'fb-dep-inject', type: 'inject', name: 'ask', props: [{ p: 'payload' }], payload: '{"OpenMediaID":"abc"}',
                payloadType: 'json', repeat: '', once: false, x: 160, y: 420, wires: [['fb-dep-status']] },
            status: { id: 'fb-dep-status', type: 'om-request-status', name: '', server: 'fb-dep-server', x: 420, y: 420, wires: [[]] },
        };

        before(async function () {
            sim = await startTestSimulator({ scenario: 'demo' });
        });
        after(async function () {
            if (sim) await sim.stop();
        });

        async function shownStatus(nodeId) {
            return editor.page.evaluate((n) => {
                const node = RED.nodes.node(n);
                return node && node.status && node.status.text ? { fill: node.status.fill, shape: node.status.shape, text: node.status.text } : null;
            }, nodeId);
        }

        it('clears "invalid ..." once the fixed node is deployed (modified nodes only), before any message', async function () {
            await A.addNodes(editor, [{ ...FLOW.server, url: sim.url }, FLOW.inject, FLOW.status], { withDefaults: true });
            // (an import without its notification leaves the workspace clean: say there is something to deploy)
            await editor.page.evaluate(() => { RED.nodes.dirty(true); RED.menu.setSelected('deploymenu-item-full', true); });
            await editor.deploy({ confirm: true });
            await editor.inject(FLOW.inject.id);
            const bad = await editor.waitForNodeStatus(FLOW.status.id, { fill: 'red', shape: 'dot' });
            assert.match(bad.text, /^invalid /);
            await A.statusLabel(editor, FLOW.status.id, { text: bad.text });

            // the fix: the id typed into the node; deployed as "modified nodes"
            await editor.openEditDialog(FLOW.status.id);
            await A.chooseType(editor, 'openMediaID', 'num');
            await A.typeInto(editor, 'openMediaID', '1');
            await A.closeDialog(editor, 'done');
            await editor.page.evaluate(() => RED.menu.setSelected('deploymenu-item-node', true));
            await editor.deploy({ confirm: true });
            await editor.page.waitForFunction((n) => !(RED.nodes.node(n).status || {}).text, FLOW.status.id);
            assert.strictEqual(await shownStatus(FLOW.status.id), null, 'the old status is gone');
            await editor.screenshot('flowbuilder-status-cleared');
            assert.strictEqual(sim.receivedCount('GetOpenMediaRequestStatusByID'), 0, 'no message was needed');
        });

        it('clears "URL not found (404)" on the nodes of a server whose URL was fixed and deployed', async function () {
            // a URL without the service path: the server answers 404
            await editor.page.evaluate(({ serverId, url }) => {
                const s = RED.nodes.node(serverId);
                s.url = url;
                s.changed = true;
                s.dirty = true;
                RED.nodes.dirty(true);
            }, { serverId: FLOW.server.id, url: sim.url.replace(/\/OpenMediaService$/, '/Wrong') });
            await editor.page.evaluate(() => RED.menu.setSelected('deploymenu-item-full', true));
            await editor.deploy({ confirm: true });
            await editor.inject(FLOW.inject.id);
            const failed = await editor.waitForNodeStatus(FLOW.status.id, { fill: 'red', shape: 'ring' });
            assert.strictEqual(failed.text, 'URL not found (404)');

            // fixed in the server's dialog, deployed as "modified nodes": only the config node changed
            await editor.openEditDialog(FLOW.status.id);
            await A.openConfigEditor(editor, 'server');
            await editor.fill('url', sim.url);
            await A.closeDialog(editor, 'done');
            await A.closeDialog(editor, 'done');
            await editor.page.evaluate(() => RED.menu.setSelected('deploymenu-item-node', true));
            await editor.deploy({ confirm: true });
            await editor.page.waitForFunction((n) => !(RED.nodes.node(n).status || {}).text, FLOW.status.id);
            assert.strictEqual(await shownStatus(FLOW.status.id), null);

            // the server is reached now, and the contact center says no in words: there is no request 1 (yellow)
            await editor.inject(FLOW.inject.id);
            await editor.waitForNodeStatus(FLOW.status.id, { fill: 'yellow', shape: 'ring', text: 'request id unknown' });
            await editor.page.evaluate(() => RED.menu.setSelected('deploymenu-item-full', true));
            assert.deepStrictEqual(editor.errors, []);
        });
    });
});
