#!/usr/bin/env node
'use strict';
/*
 * Why the pack's XML layer has its own tokenizer: the measurements behind docs/PERFORMANCE.md "Choosing the
 * tokenizer". Not part of `npm run bench`; run it by hand after `npm run build`:
 *
 *   node bench/tokenizers.js [--modules <dir>]
 *
 * It tokenizes (no mapping to the contract) the same inputs with the pack's XmlCursor and with the SAX libraries
 * it could use instead: `sax` (in the production tree through soap; a dev dependency here) and, when they can be
 * loaded from <dir>/node_modules (e.g. `npm install --prefix /tmp/tok saxes saxen`, then --modules /tmp/tok),
 * `saxes` and `saxen`. Each library gets the handlers a contract reader would give it: nothing for honest
 * answers; for hostile ones a refusal (a thrown error) at the first event that shows the bound passed (an element
 * too deep, one attribute too many): what a library only reports at the end of a token it costs in full.
 *
 * Prints CPU milliseconds (least of 5) per input: honest answers of 1 and 10,000 records, then hostile inputs at
 * 1, 2 and 4 MB (a tokenizer that needed more than a second at one size is skipped at the larger ones).
 */
const path = require('path');

const root = path.join(__dirname, '..');
const { XmlCursor, END } = require(path.join(root, 'lib', 'xml-reader.js'));
const { normalAnswer } = require(path.join(root, 'test', 'support', 'hostile-corpus.js'));

const argv = process.argv.slice(2);
const modulesAt = argv.indexOf('--modules') >= 0 ? argv[argv.indexOf('--modules') + 1] : undefined;

function load(name) {
    for (const paths of [modulesAt ? [path.resolve(modulesAt)] : [], [root]]) {
        try {
            return require(require.resolve(name, { paths }));
        } catch {
            // not there
        }
    }
    return undefined;
}

const MAX_DEPTH = 32;
const MAX_ATTRIBUTES = 256;
const refuse = () => { throw new Error('refused'); };

/** tokenizer name -> (xml) => void; each throws (or returns) as soon as it refuses. */
const TOKENIZERS = {
    'XmlCursor (the pack)': (xml) => {
        const r = new XmlCursor(xml);
        while (r.next() !== END);
    },
};
const sax = load('sax');
if (sax) {
    TOKENIZERS['sax (strict)'] = (xml) => saxRun(sax.parser(true, {}), xml);
    TOKENIZERS['sax (strict, xmlns)'] = (xml) => saxRun(sax.parser(true, { xmlns: true }), xml);
}
const saxes = load('saxes');
if (saxes) {
    TOKENIZERS['saxes'] = (xml) => saxesRun(new saxes.SaxesParser({ position: false }), xml);
    TOKENIZERS['saxes (xmlns)'] = (xml) => saxesRun(new saxes.SaxesParser({ position: false, xmlns: true }), xml);
}
const saxen = load('saxen');
if (saxen) {
    TOKENIZERS['saxen'] = (xml) => {
        const p = new saxen.Parser();
        let depth = 0;
        p.on('openTag', (_n, attrs) => { if (++depth > MAX_DEPTH) refuse(); attrs(); });
        p.on('closeTag', () => { depth--; });
        // saxen decodes a text only when asked; a reader asks.
        p.on('text', (text, decode) => decode(text));
        p.on('error', refuse);
        p.parse(xml);
    };
}

function saxRun(p, xml) {
    let depth = 0;
    let attributes = 0;
    p.onopentagstart = () => { attributes = 0; if (++depth > MAX_DEPTH) refuse(); };
    p.onattribute = () => { if (++attributes > MAX_ATTRIBUTES) refuse(); };
    p.onclosetag = () => { depth--; };
    p.ontext = () => {};
    p.onerror = refuse;
    p.write(xml).close();
}

function saxesRun(p, xml) {
    let depth = 0;
    let attributes = 0;
    p.on('opentagstart', () => { attributes = 0; if (++depth > MAX_DEPTH) refuse(); });
    p.on('attribute', () => { if (++attributes > MAX_ATTRIBUTES) refuse(); });
    p.on('closetag', () => { depth--; });
    p.on('text', () => {});
    p.on('error', refuse);
    p.write(xml).close();
}

const times = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length));
const inRoot = (inner) => `<r>${inner}</r>`;
const HOSTILE = {
    'one comment of dashes (-a-a-a...)': (b) => inRoot(`<!--${times('-a', b)}-->`),
    'a text of character references': (b) => inRoot(times('&#49;', b)),
    'a text of entity references': (b) => inRoot(times('&amp;', b)),
    'a text of CR LF line ends': (b) => inRoot(times('abcdef\r\n', b)),
    'one element with attributes without end': (b) => `<r${Array.from({ length: Math.ceil(b / 10) }, (_, i) => ` a${i}="1"`).join('')}/>`,
    'elements nested without end': (b) => { const n = Math.floor(b / 7); return '<a>'.repeat(n) + '</a>'.repeat(n); },
};

function cpuMs(fn, xml) {
    const tries = [];
    for (let i = 0; i < 5; i++) {
        const u0 = process.cpuUsage();
        try { fn(xml); } catch { /* a refusal */ }
        const u = process.cpuUsage(u0);
        tries.push((u.user + u.system) / 1000);
        if (tries[i] > 1000) break;
    }
    return Math.min(...tries);
}

function main() {
    const names = Object.keys(TOKENIZERS);
    const one = normalAnswer(100).toString('utf8');
    const tenK = normalAnswer(10000 * 330).toString('utf8');
    // Warm-up.
    for (const fn of Object.values(TOKENIZERS)) for (let i = 0; i < 200; i++) fn(one);
    const fmt = (x, d = 1) => x.toFixed(d);
    // Printed as they come: a slow tokenizer shows which input it is slow on.
    const lines = { push: (line) => process.stdout.write(`${line}\n`) };
    lines.push(`Node ${process.version}; ${names.length} tokenizers${saxes ? '' : ' (saxes not found: --modules)'}${saxen ? '' : ' (saxen not found)'}`);
    lines.push('');
    lines.push(`| input | ${names.join(' | ')} |`);
    lines.push(`|---|${names.map(() => '---:').join('|')}|`);
    const perCall = (fn) => {
        const u0 = process.cpuUsage();
        for (let i = 0; i < 2000; i++) fn(one);
        const u = process.cpuUsage(u0);
        return (u.user + u.system) / 2000;
    };
    lines.push(`| honest, 1 record (µs) | ${names.map((n) => fmt(perCall(TOKENIZERS[n]))).join(' | ')} |`);
    const honest = {};
    for (const n of names) honest[n] = cpuMs(TOKENIZERS[n], tenK);
    lines.push(`| honest, ${tenK.length >> 20} MB, 10,000 records (ms) | ${names.map((n) => fmt(honest[n])).join(' | ')} |`);
    for (const [what, make] of Object.entries(HOSTILE)) {
        // A tokenizer that took more than a second is not run on the larger sizes (one of them is quadratic there).
        const slow = new Set();
        for (const mb of [1, 2, 4]) {
            const xml = make(mb * 1024 * 1024);
            const cells = names.map((n) => {
                if (slow.has(n)) return 'skipped';
                const ms = cpuMs(TOKENIZERS[n], xml);
                if (ms > 1000) slow.add(n);
                return fmt(ms);
            });
            lines.push(`| ${what}, ${mb} MB (ms) | ${cells.join(' | ')} |`);
        }
    }
}

main();
