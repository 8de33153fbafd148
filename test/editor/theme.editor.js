'use strict';
// The pack's dialogs follow the editor's theme: their CSS names no colour of its own (only Node-RED's theme
// variables), so they stay readable in a dark theme. Node-RED 4.1 (the devDependency) has no dark theme offline
// (dark themes are a separate package, @node-red-contrib-themes/theme-collection); Node-RED 5 has one built in
// (User settings > View > Appearance, kept in localStorage 'view-dark-theme', class nr-theme-dark on <html>).
// The dark part runs on the Node-RED 5 that `npm run test:nr5` installs into .nr5/ and is skipped, saying so,
// when that is not there. The same checks in the light theme of Node-RED 4.1 are in dialogs.editor.js (one
// Node-RED per file).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startEditor } = require('../support/editor');
const A = require('../support/editor-actions');

const NODES = path.join(__dirname, '..', '..', 'nodes');
const SERVER = { id: 'theme-server-01', type: 'om-server', name: 'theme server', url: 'http://127.0.0.1:12615/OpenMediaService',
    timeout: 10, tls: '', wsdlSource: 'bundled' };
const ADD = { id: 'theme-add-0001', type: 'om-add-request', server: SERVER.id, name: '', x: 300, y: 120, wires: [[], []] };
// a core node beside it: the icon contrast Node-RED's own nodes get in the same theme
const INJECT = { id: 'theme-inject-01', type: 'inject', name: '', x: 300, y: 200, wires: [[]] };

// CSS properties that carry a colour.
const { COLOUR_PROPS } = A;
// A literal colour in CSS text: #rgb/#rrggbb(aa), rgb()/hsl() and friends, or a colour keyword.
const NAMED = 'white|black|red|green|blue|yellow|orange|gray|grey|silver|maroon|purple|fuchsia|lime|olive|navy|teal|aqua|pink|brown|gold|beige|ivory|crimson|coral|salmon|tomato|violet|indigo|khaki|lavender|magenta|cyan|darkgr[ae]y|lightgr[ae]y|whitesmoke|gainsboro';
const LITERAL = new RegExp(`(#[0-9a-f]{3,8}\\b|\\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\\(|\\b(${NAMED})\\b)`, 'i');

/** Literal colours in the pack's node HTML: <style> blocks and style="" attributes of the dialog templates. */
function literalColoursInHtml(file) {
    const html = fs.readFileSync(file, 'utf8');
    const found = [];
    const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1]);
    for (const css of styles) {
        for (const decl of css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([\w-]+)\s*:\s*([^;{}]+)/g)) {
            if (COLOUR_PROPS.test(decl[1]) && LITERAL.test(decl[2].replace(/var\([^)]*\)/g, ''))) found.push(`${decl[1]}: ${decl[2].trim()}`);
        }
    }
    const templates = [...html.matchAll(/<script[^>]+type="text\/html"[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]);
    for (const t of templates) {
        for (const attr of t.matchAll(/style="([^"]*)"/gi)) {
            for (const decl of attr[1].matchAll(/([\w-]+)\s*:\s*([^;]+)/g)) {
                if (COLOUR_PROPS.test(decl[1]) && LITERAL.test(decl[2].replace(/var\([^)]*\)/g, ''))) found.push(`style="${attr[1]}"`);
            }
        }
    }
    return { styles: styles.length, found };
}

describe('editor (browser): the pack\'s dialogs follow the editor theme', function () {
    this.timeout(180000);

    it('names no literal colour in the dialogs\' CSS (the node HTML files)', function () {
        const files = fs.readdirSync(NODES).filter((f) => f.endsWith('.html'));
        for (const need of ['om-server.html', 'om-operations.html']) assert.ok(files.includes(need), `no nodes/${need}`);
        let styles = 0;
        for (const f of files) {
            const r = literalColoursInHtml(path.join(NODES, f));
            styles += r.styles;
            assert.deepStrictEqual(r.found, [], `nodes/${f}: literal colours`);
        }
        assert.ok(styles >= 2, 'the pack\'s <style> blocks were not found');
        // the check itself finds what it looks for
        assert.ok(LITERAL.test('#fff') && LITERAL.test('rgb(0,0,0)') && LITERAL.test('white') && !LITERAL.test(' '));
    });

    describe('Node-RED 5 dark theme', function () {
        let editor;
        const runtime = A.nr5();
        before(async function () {
            if (!runtime) {
                console.log('      (skipped: Node-RED 5 is not installed in .nr5/; `npm run test:nr5` installs it)');
                this.skip();
            }
            // (startEditor turns the editor's tips off: Node-RED 5.0's tip timer can fail on a slow load)
            editor = await startEditor({ runtime: runtime.runtime, nodeBinary: runtime.nodeBinary,
                localStorage: { 'view-dark-theme': 'dark' } });
            await A.addNodes(editor, [SERVER, ADD, INJECT], { withDefaults: true });
        });
        after(async function () {
            if (editor) await editor.stop();
        });

        it(`shows the om-add-request and om-server dialogs readable in the dark theme (Node-RED ${runtime ? runtime.version : '5'})`, async function () {
            const version = await editor.page.evaluate(() => RED.settings.version);
            assert.match(version, /^5\./);
            assert.ok(await editor.page.evaluate(() => document.documentElement.classList.contains('nr-theme-dark')),
                'the editor is not in its dark theme');

            await editor.openEditDialog(ADD.id);
            const dark = await A.dialogColours(editor);
            assert.strictEqual(dark.dark, true);
            assert.ok(dark.backgroundLuminance < 0.2, `the dialog background is not dark: ${dark.background}`);
            assert.strictEqual(dark.hint, dark.themeSecondary, 'the hint takes the dark theme\'s secondary text colour');
            assert.ok(dark.hintContrast >= 3, `hint contrast ${dark.hintContrast.toFixed(2)} on ${dark.background}`);
            assert.ok(dark.labelContrast >= 4.5, `label contrast ${dark.labelContrast.toFixed(2)} on ${dark.background}`);
            await editor.screenshot('theme-dark-om-add-request');

            // the same dialog without the dark class: the hint colour changes with the theme
            await editor.page.evaluate(() => document.documentElement.classList.remove('nr-theme-dark'));
            const light = await A.dialogColours(editor);
            await editor.page.evaluate(() => document.documentElement.classList.add('nr-theme-dark'));
            assert.notStrictEqual(light.hint, dark.hint, 'the hint colour does not follow the theme');
            assert.ok(light.backgroundLuminance > dark.backgroundLuminance);

            await A.openConfigEditor(editor, 'server');
            const server = await A.dialogColours(editor);
            assert.ok(server.hintContrast >= 3 && server.labelContrast >= 4.5,
                `om-server dialog contrast: hint ${server.hintContrast.toFixed(2)}, label ${server.labelContrast.toFixed(2)}`);
            await editor.screenshot('theme-dark-om-server');
            await A.closeDialog(editor, 'cancel');
            await A.closeDialog(editor, 'cancel');
            assert.deepStrictEqual(editor.errors, [], editor.errorStacks.join('\n'));
        });

        it('draws the nodes with a readable label and white icons at least as clear as Node-RED\'s own, in the dark theme', async function () {
            const ours = await A.nodeColours(editor, ADD.id);
            const core = await A.nodeColours(editor, INJECT.id);
            // the dark theme lightens the icon area: white icons get less contrast there than in the light theme
            assert.ok(ours.iconContrast >= core.iconContrast && ours.iconContrast >= 2.5,
                `white icon ${ours.iconContrast.toFixed(2)}:1 on ${ours.body} (inject: ${core.iconContrast.toFixed(2)}:1)`);
            assert.ok(ours.labelContrast >= 4.5, `label ${ours.label} on ${ours.body}: ${ours.labelContrast.toFixed(2)}:1`);
        });
    });
});
