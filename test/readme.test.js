'use strict';
// The README is the page a newcomer reads on the npm page, in the flow library and on GitHub: short, and every
// link in it works from the packed package. npm renders relative links against the repository, the flow library
// not at all, so files are linked by absolute GitHub URLs; each must name a file that is in the pack (so it exists
// for the version a user installed), and each anchor must exist. The Markdown files the pack ships (docs/) are held
// to the same rules for their own links.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const pkg = require('../package.json');
const REPO = 'https://github.com/micc-flows/node-red-openmedia';
const RAW = 'https://raw.githubusercontent.com/micc-flows/node-red-openmedia/main/';
const MAX_README = 12 * 1024;
// Hosts a README may link to besides the repository: the local addresses the quick start opens, Node-RED's site.
const OTHER_HOSTS = new Set(['127.0.0.1', 'localhost', 'nodered.org', 'flows.nodered.org']);

/** The files `npm pack` puts into the tarball (without running prepack: the build is done already). */
function packedFiles() {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    return new Set(JSON.parse(r.stdout)[0].files.map((f) => f.path));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
    return heading.trim().toLowerCase().replace(/[`*_[\]()]/g, '').replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

function anchorsOf(markdown) {
    const seen = new Map();
    const out = new Set();
    for (const m of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
        const base = slug(m[1]);
        const n = seen.get(base) || 0;
        seen.set(base, n + 1);
        out.add(n ? `${base}-${n}` : base);
    }
    return out;
}

/** Every link target of a Markdown text: [..](x), ![..](x), <http..>, outside code blocks and inline code. */
function linksOf(markdown) {
    const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    const out = [];
    for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]);
    for (const m of text.matchAll(/<(https?:\/\/[^>\s]+)>/g)) out.push(m[1]);
    return out;
}

/**
 * Checks one link of the Markdown file `from` (a path inside the pack); returns a problem or ''.
 * `files`: the packed paths; `read(p)`: the text of a packed file.
 */
function problemOf(link, from, files, read) {
    const [target, anchor] = link.split('#');
    const checkAnchor = (file) => {
        if (anchor === undefined || !file.endsWith('.md')) return '';
        return anchorsOf(read(file)).has(anchor) ? '' : `no heading #${anchor} in ${file}`;
    };
    if (target === '') return checkAnchor(from);
    let url;
    try { url = new URL(target); } catch { url = undefined; }
    if (!url) {
        // relative: a file of the pack (where the flow library shows the packed README, nothing else exists)
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(from), target));
        if (!files.has(file) && ![...files].some((f) => f.startsWith(`${file}/`))) return `${file} is not in the pack`;
        return checkAnchor(file);
    }
    if (target.startsWith(RAW)) {
        const file = target.slice(RAW.length);
        return files.has(file) ? '' : `${file} (raw) is not in the pack`;
    }
    const blob = new RegExp(`^${REPO.replace(/[.]/g, '\\.')}/(blob|tree)/main/(.+)$`).exec(target);
    if (blob) {
        const file = decodeURIComponent(blob[2]).replace(/\/$/, '');
        if (blob[1] === 'blob' && !files.has(file)) return `${file} is not in the pack`;
        if (blob[1] === 'tree' && ![...files].some((f) => f.startsWith(`${file}/`))) return `folder ${file} is not in the pack`;
        return checkAnchor(file);
    }
    if (target === REPO || target === `${REPO}/issues` || target === pkg.bugs.url
        || target === `${REPO}/security/advisories/new`) return '';
    if (url.hostname === 'github.com' || url.hostname.endsWith('githubusercontent.com')) {
        return 'a GitHub link that is not a file of this repository on main';
    }
    return OTHER_HOSTS.has(url.hostname) ? '' : `a link to ${url.hostname}: add it to OTHER_HOSTS if it is meant`;
}

describe('README and the shipped documentation', function () {
    this.timeout(60000);
    let files;
    const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
    before(function () { files = packedFiles(); });

    it(`the README is under ${MAX_README / 1024} KB`, function () {
        const size = fs.statSync(path.join(root, 'README.md')).size;
        assert.ok(size < MAX_README, `README.md is ${size} bytes`);
    });

    it('the pack holds the README, the LICENSE and docs/', function () {
        for (const f of ['README.md', 'LICENSE', 'package.json']) assert.ok(files.has(f), f);
        assert.ok([...files].some((f) => f.startsWith('docs/') && f.endsWith('.md')), 'docs/ is shipped');
    });

    it('every link of the README works from the packed package: files in the pack, anchors that exist', function () {
        const links = linksOf(read('README.md'));
        assert.ok(links.length >= 5, `links found: ${links}`);
        const problems = links.map((l) => [l, problemOf(l, 'README.md', files, read)]).filter(([, p]) => p);
        assert.deepStrictEqual(problems, []);
        // relative links break on the npm page (rendered against the repository, not the package) and are not
        // needed: absolute ones are checked above against the pack
        assert.deepStrictEqual(links.filter((l) => !/^(https?:|#)/.test(l)), [], 'relative links in the README');
    });

    it('a "see <section> below/above" in the README names one of its own section headings (review r1 N4)', function () {
        const readme = read('README.md');
        const headings = new Set([...readme.matchAll(/^#{1,4} +(.+?) *$/gm)].map((m) => m[1].toLowerCase()));
        const refs = [...readme.matchAll(/\bsee (?:the )?["'`]?([A-Z][\w' -]{1,40}?)["'`]? (?:section )?(below|above)\b/g)].map((m) => m[1]);
        assert.deepStrictEqual(refs.filter((r) => !headings.has(r.toLowerCase())), [], 'references to sections the README does not have');
    });

    it('every link of the shipped Markdown files (docs/) works inside the pack', function () {
        const docs = [...files].filter((f) => f.startsWith('docs/') && f.endsWith('.md'));
        const problems = [];
        for (const doc of docs) {
            for (const l of linksOf(read(doc))) {
                const p = problemOf(l, doc, files, read);
                if (p) problems.push(`${doc}: ${l}: ${p}`);
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it('the checks find what they look for', function () {
        const f = new Set(['README.md', 'docs/A.md', 'docs/pic.png']);
        const r = (p) => (p === 'docs/A.md' ? '# Title\n## Two words\n' : '# Top\n');
        assert.strictEqual(problemOf(`${REPO}/blob/main/docs/A.md#two-words`, 'README.md', f, r), '');
        assert.match(problemOf(`${REPO}/blob/main/docs/A.md#three`, 'README.md', f, r), /no heading/);
        assert.match(problemOf(`${REPO}/blob/main/docs/B.md`, 'README.md', f, r), /not in the pack/);
        assert.strictEqual(problemOf(`${RAW}docs/pic.png`, 'README.md', f, r), '');
        assert.match(problemOf('docs/C.md', 'README.md', f, r), /not in the pack/);
        assert.strictEqual(problemOf('A.md#title', 'docs/A.md', f, r), '');
        assert.match(problemOf('https://example.com/', 'README.md', f, r), /example\.com/);
        assert.match(problemOf('https://github.com/other/repo', 'README.md', f, r), /GitHub link/);
        assert.deepStrictEqual(linksOf('[a](x.md) `[b](y)` ![c](z.png) <https://h/>\n```\n[d](w)\n```'), ['x.md', 'z.png', 'https://h/']);
        assert.deepStrictEqual([...anchorsOf('# A b\n## A b\n### `x` (y)')], ['a-b', 'a-b-1', 'x-y']);
    });
});

// `npx <name>` runs the package of that name: the one installed in the current project when there is one, else
// whatever the npm registry holds under that name (npx asks once, and a newcomer answers "y"). So every command a
// user is told to run names the pack by its scoped name, which only its owner can publish; an unscoped name is
// allowed only for the project's own devDependencies (commands for a clone, after `npm install`).
describe('npx commands a user is told to run', function () {
    const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
    const allowed = (name) => name.startsWith(`${pkg.name.split('/')[0]}/`) || Object.keys(pkg.devDependencies).includes(name);

    /** `npx [-p pkg] name ...` in a text: the package each one runs. */
    function npxPackages(text) {
        return [...text.matchAll(/\bnpx\s+(?:(?:-p|--package)[\s=]+(\S+)\s+)?([^\s`'")]+)/g)].map((m) => m[1] || m[2]);
    }

    /** What a user reads: the README, docs, the help and message catalogues, the examples, both --help texts. */
    function userTexts() {
        const out = [];
        const add = (where, text) => out.push([where, text]);
        add('README.md', read('README.md'));
        for (const f of fs.readdirSync(path.join(root, 'docs')).filter((x) => x.endsWith('.md'))) add(`docs/${f}`, read(`docs/${f}`));
        for (const f of fs.readdirSync(path.join(root, 'nodes', 'locales', 'en-US'))) add(f, read(`nodes/locales/en-US/${f}`));
        for (const f of fs.readdirSync(path.join(root, 'examples'))) add(f, read(`examples/${f}`));
        for (const script of ['simulator/cli.js', 'scripts/demo.js']) {
            const r = spawnSync(process.execPath, [script, '--help'], { cwd: root, encoding: 'utf8' });
            assert.strictEqual(r.status, 0, r.stderr);
            add(`${script} --help`, r.stdout);
        }
        return out;
    }

    it('name the pack by its scoped name (or a devDependency, for a clone)', function () {
        const found = [];
        const wrong = [];
        for (const [where, text] of userTexts()) {
            for (const name of npxPackages(text)) (allowed(name) ? found : wrong).push(`${where}: npx ${name}`);
        }
        assert.deepStrictEqual(wrong, []);
        assert.ok(found.some((f) => f.startsWith('README.md: npx @micc-flows/node-red-openmedia')), found.join('\n'));
        assert.ok(found.some((f) => f.startsWith('simulator/cli.js --help: npx @micc-flows/node-red-openmedia')), found.join('\n'));
    });

    it('the check finds what it looks for', function () {
        assert.deepStrictEqual(npxPackages('run `npx openmedia-simulator` or npx -p @micc-flows/x cmd, npx mocha t.js'),
            ['openmedia-simulator', '@micc-flows/x', 'mocha']);
        assert.ok(!allowed('openmedia-simulator') && allowed('@micc-flows/node-red-openmedia') && allowed('mocha'));
    });
});
