'use strict';
/*
 * om-events' journal (lib/events/journal.ts) and the state over it (lib/events/state.ts), on real files in a
 * temporary directory: what is written survives a reopen, a torn last line or a damaged one is handled, a journal
 * of another version or another URL is not used, permissions, group commit, compaction, a full disk and an
 * unwritable directory (loud, then recovered), and the registry of states per om-server.
 */
const assert = require('assert');
const { waitFor } = require('./support/nodered');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
    JournalStore, journalFile, journalSettings, LoopState, openLoopState, peekLoopState, removeLoopState,
    resetLoopStates, COMMIT_LAG_MS,
} = require('../lib/events');

const URL_A = 'http://127.0.0.1:1/OpenMediaService';
const URL_B = 'http://127.0.0.1:2/OpenMediaService';

/** [id, request, correlation, node, open, status, group, lastTs, endTs] */
const entry = (id, extra = {}) => [id, { ServiceGroupID: 101, PrivateData: `p${id}`, ...extra }, `T-${id}`, 'add1', true, '', 0, null, null];
const subState = (cursor) => ({ v: 2, tracker: { v: 2, cursor: new Date(cursor).toISOString(), floor: null, newest: null, seen: [] } });

/** The end of the current turn of the event loop (the journal writes a turn's lines then). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** The ids a journal file holds, read without opening a store on it (which could compact it). */
function liveIds(file) {
    const ids = new Set();
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
        if (!line) continue;
        const rec = JSON.parse(line);
        if (rec[0] === 'c') ids.add(rec[1]);
        if (rec[0] === 'x') for (const id of rec[1]) ids.delete(id);
    }
    return [...ids];
}

function hooks() {
    const h = { problems: [], warnings: [] };
    h.problem = (p) => h.problems.push(p);
    h.warn = (t) => h.warnings.push(t);
    return h;
}

describe('events: journal and state', function () {
    let dir;
    const saved = { ...journalSettings };

    beforeEach(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-journal-'));
    });

    afterEach(async function () {
        await resetLoopStates();
        Object.assign(journalSettings, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function open(url = URL_A, id = 'srv') {
        const store = new JournalStore(path.join(dir, 'openmedia'), id, url);
        const h = hooks();
        const state = store.load(h);
        return { store, h, state };
    }

    it('keeps what was written: adds, status changes, forgets, subscriber states; a reopen reads it back', async function () {
        const { store } = await open();
        store.write({ added: [entry(1), entry(2), entry(3)] });
        store.write({ updated: [[2, false, 'Complete', 101, 1000, 1000]], forgotten: [3] });
        store.write({ subscribers: [['ev1', subState(5000)], ['ev2', subState(6000)]] });
        store.write({ subscribers: [['ev2', null]] });
        await store.close(false);
        const again = await open();
        assert.deepStrictEqual(again.state.correlations, [entry(1), [2, entry(2)[1], 'T-2', 'add1', false, 'Complete', 101, 1000, 1000]]);
        assert.deepStrictEqual(again.state.subscribers, [['ev1', subState(5000)]]);
        assert.deepStrictEqual(again.h.warnings, []);
        assert.deepStrictEqual(again.h.problems, []);
        await again.store.close(false);
    });

    it('is readable by its owner only (0600 in a 0700 directory), also when it was made with looser rights', async function () {
        const { store } = await open();
        store.write({ added: [entry(1)] });
        await store.close(false);
        const file = journalFile(path.join(dir, 'openmedia'), 'srv');
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
        fs.chmodSync(file, 0o644);
        const again = await open();
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(again.state.correlations.length, 1);
        await again.store.close(false);
    });

    it('a torn last line (the process died while writing it) is cut off and reported; the rest is kept', async function () {
        const { store } = await open();
        store.write({ added: [entry(1)] });
        store.write({ added: [entry(2)] });
        await store.close(false);
        const file = store.file;
        const whole = fs.statSync(file).size;
        fs.appendFileSync(file, '["c",3,{"ServiceGroupID":101,"Priv'); // no newline: the write was cut short
        const again = await open();
        assert.deepStrictEqual(again.state.correlations.map((e) => e[0]), [1, 2]);
        assert.strictEqual(fs.statSync(file).size, whole, 'the torn part is gone from the file');
        assert.match(again.h.warnings.join('\n'), /cut short .* bytes dropped/);
        // and the journal goes on cleanly after it
        again.store.write({ added: [entry(4)] });
        await again.store.close(false);
        const third = await open();
        assert.deepStrictEqual(third.state.correlations.map((e) => e[0]), [1, 2, 4]);
        await third.store.close(false);
    });

    it('zeros after the last line (a machine crash before the data reached the disk) count as a torn end', async function () {
        const { store } = await open();
        store.write({ added: [entry(1)] });
        await store.close(false);
        fs.appendFileSync(store.file, Buffer.alloc(512));
        const again = await open();
        assert.deepStrictEqual(again.state.correlations.map((e) => e[0]), [1]);
        assert.deepStrictEqual(again.h.problems, []);
        await again.store.close(false);
    });

    it('a damaged line in the middle is skipped and reported, the file rewritten without it', async function () {
        const { store } = await open();
        store.write({ added: [entry(1)] });
        await store.close(false);
        fs.appendFileSync(store.file, 'not json at all\n["c",2]\n');
        fs.appendFileSync(store.file, `${JSON.stringify(['c', ...entry(3)])}\n`);
        const again = await open();
        assert.deepStrictEqual(again.state.correlations.map((e) => e[0]), [1, 3]);
        assert.match(again.h.warnings.join('\n'), /2 unreadable line\(s\)/);
        await again.store.close(false);
        assert.ok(!fs.readFileSync(store.file, 'utf8').includes('not json'), 'compacted without the damaged lines');
    });

    it('a journal of another version (or not a journal at all) is set aside, never deleted, and a new one started', async function () {
        const file = journalFile(path.join(dir, 'openmedia'), 'srv');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, '{"openmedia-journal":99,"server":"srv"}\n["z","from the future"]\n');
        const { store, state, h } = await open();
        assert.deepStrictEqual(state.correlations, []);
        assert.match(h.warnings.join('\n'), /not a journal this version can read.*renamed/);
        const aside = fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.unreadable-'));
        assert.strictEqual(aside.length, 1);
        assert.match(fs.readFileSync(path.join(path.dirname(file), aside[0]), 'utf8'), /from the future/);
        store.write({ added: [entry(1)] });
        await store.close(false);
        assert.deepStrictEqual((await open()).state.correlations.map((e) => e[0]), [1]);
    });

    it('a file without a single line break: a torn header (a few bytes) starts afresh; more (junk, 2 MB) is set aside with a warning', async function () {
        const file = journalFile(path.join(dir, 'openmedia'), 'srv');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, '{"openmedia-journal":1,"ser');
        const torn = await open();
        assert.deepStrictEqual(torn.h.warnings, []);
        await torn.store.close(false);
        fs.writeFileSync(file, 'x'.repeat(2 * 1024 * 1024));
        const junk = await open();
        assert.match(junk.h.warnings.join('\n'), /not a journal this version can read.*renamed/);
        assert.strictEqual(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.unreadable-')).length, 1);
        await junk.store.close(false);
    });

    it('a state kept for another server URL is not used (the ids of another service mean nothing here)', async function () {
        const { store } = await open(URL_A);
        store.write({ added: [entry(1)], subscribers: [['ev1', subState(1000)]] });
        await store.close(false);
        const other = await open(URL_B);
        assert.deepStrictEqual(other.state, { correlations: [], subscribers: [] });
        assert.match(other.h.warnings.join('\n'), /another server URL/);
        assert.ok(!fs.readFileSync(other.store.file, 'utf8').includes('p1'), 'its PrivateData is not kept either');
        await other.store.close(false);
        assert.ok(!fs.readFileSync(other.store.file, 'utf8').includes(URL_B), 'the URL itself is not written (a hash is)');
    });

    it('one service, spelt with or without a trailing slash: the same journal state; another host name is another service', async function () {
        const base = 'http://127.0.0.1:12615/OpenMediaService';
        const a = new JournalStore(path.join(dir, 'openmedia'), 'srv', base);
        a.load(hooks());
        a.write({ added: [entry(1)] });
        await a.close(false);
        for (const spelling of [`${base}/`, 'HTTP://127.0.0.1:12615/OpenMediaService//']) {
            const { store, state } = await open(spelling);
            assert.deepStrictEqual(state.correlations.map((e) => e[0]), [1], spelling);
            await store.close(false);
        }
        // localhost may be another machine's name for all the journal knows (a proxy, /etc/hosts): not merged
        const { store, h, state } = await open('http://localhost:12615/OpenMediaService');
        assert.deepStrictEqual(state.correlations, []);
        assert.ok(h.warnings.some((w) => /another server URL/.test(w)));
        await store.close(false);
    });

    it('a journal set aside as unreadable is deleted after 7 days (it holds PrivateData), a newer one is kept', async function () {
        const jdir = path.join(dir, 'openmedia');
        fs.mkdirSync(jdir, { recursive: true });
        const day = 24 * 60 * 60 * 1000;
        const old = path.join(jdir, `events-srv.journal.unreadable-${Date.now() - 8 * day}`);
        const recent = path.join(jdir, `events-other.journal.unreadable-${Date.now() - day}`);
        const unrelated = path.join(jdir, 'notes.txt');
        for (const f of [old, recent, unrelated]) fs.writeFileSync(f, 'PrivateData');
        const { store, h } = await open();
        assert.ok(!fs.existsSync(old), 'older than 7 days: deleted');
        assert.ok(fs.existsSync(recent) && fs.existsSync(unrelated));
        assert.ok(h.warnings.some((w) => w.includes(path.basename(old))));
        await store.close(false);
    });

    it('a lock left by a process that is gone (a crash) is taken over; the lock goes with the last store', async function () {
        const jdir = path.join(dir, 'openmedia');
        fs.mkdirSync(jdir, { recursive: true });
        // a pid that is surely not running: a child that has exited
        const child = require('child_process').spawnSync(process.execPath, ['-e', '']);
        assert.strictEqual(child.status, 0);
        const lock = `${journalFile(jdir, 'srv')}.lock`;
        fs.writeFileSync(lock, `${child.pid}\n`);
        const { store, h } = await open();
        assert.deepStrictEqual(h.problems, []);
        assert.strictEqual(fs.readFileSync(lock, 'utf8').split('\n')[0], String(process.pid));
        store.write({ added: [entry(1)] });
        await store.close(false);
        assert.ok(!fs.existsSync(lock), 'released');
        assert.deepStrictEqual(liveIds(journalFile(jdir, 'srv')), [1]);
    });

    it('a lock held by another live process: refused, JOURNAL_LOCKED naming its pid, nothing written, never retried', async function () {
        journalSettings.retryMs = 20;
        const jdir = path.join(dir, 'openmedia');
        fs.mkdirSync(jdir, { recursive: true });
        const other = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        try {
            const file = journalFile(jdir, 'srv');
            fs.writeFileSync(file, 'the other process\'s journal\n');
            fs.writeFileSync(`${file}.lock`, `${other.pid}\n`);
            const { store, h } = await open();
            assert.strictEqual(h.problems.length, 1);
            assert.strictEqual(h.problems[0].code, 'JOURNAL_LOCKED');
            assert.strictEqual(h.problems[0].pid, other.pid);
            assert.match(h.problems[0].message, new RegExp(`another process \\(pid ${other.pid}\\) holds the lock of .*events-srv\\.journal`));
            // a write while broken tries a recovery at once when none was tried for retryMs: not here
            store.write({ added: [entry(1)] });
            await turn();
            store.write({ added: [entry(2)] });
            assert.strictEqual(store.retryTimer, undefined, 'no retry armed');
            await store.close(true);
            assert.strictEqual(store.retries, 0);
            assert.strictEqual(fs.readFileSync(file, 'utf8'), 'the other process\'s journal\n', 'untouched, not deleted');
            assert.strictEqual(fs.readFileSync(`${file}.lock`, 'utf8'), `${other.pid}\n`, 'its lock stays');
        } finally {
            other.kill('SIGKILL');
        }
    });

    it('a lock whose pid now belongs to another process (reused after a crash and reboot), of another boot, or a directory: stale, taken over', async function () {
        const jdir = path.join(dir, 'openmedia');
        fs.mkdirSync(jdir, { recursive: true });
        const lock = `${journalFile(jdir, 'srv')}.lock`;
        const other = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        try {
            const stat = fs.readFileSync(`/proc/${other.pid}/stat`, 'utf8');
            const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
            const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
            // the control: the live process as it is holds the lock
            fs.writeFileSync(lock, `${other.pid}\n${boot}\n${started}\n`);
            const held = await open();
            assert.strictEqual(held.h.problems[0] && held.h.problems[0].code, 'JOURNAL_LOCKED');
            await held.store.close(false);
            for (const [what, text] of [
                ['the pid started at another time', `${other.pid}\n${boot}\n${Number(started) + 1}\n`],
                ['another boot', `${other.pid}\n00000000-0000-0000-0000-000000000000\n${started}\n`],
                ['a directory', undefined],
            ]) {
                fs.rmSync(lock, { force: true, recursive: true });
                if (text === undefined) fs.mkdirSync(lock);
                else fs.writeFileSync(lock, text);
                const { store, h } = await open();
                assert.deepStrictEqual(h.problems, [], what);
                assert.strictEqual(fs.readFileSync(lock, 'utf8').split('\n')[0], String(process.pid), what);
                await store.close(false);
                assert.ok(!fs.existsSync(lock), `${what}: released`);
            }
        } finally {
            other.kill('SIGKILL');
        }
    });

    it('group commit: a burst of writes shares a few fdatasync calls; flush() resolves once they are on disk', async function () {
        const { store } = await open();
        const original = fs.fdatasync;
        let syncs = 0;
        fs.fdatasync = function (...args) { syncs++; return original.apply(this, args); };
        try {
            for (let i = 1; i <= 1000; i++) store.write({ added: [entry(i)] });
            await store.flush();
        } finally {
            fs.fdatasync = original;
        }
        assert.ok(syncs >= 1 && syncs <= 3, `${syncs} syncs for 1000 writes`);
        await store.close(false);
        assert.strictEqual((await open()).state.correlations.length, 1000);
    });

    it('stays small as requests come and go (compaction), and a reopen gives exactly the live state', async function () {
        journalSettings.compactMinBytes = 16 * 1024;
        const { store } = await open();
        for (let i = 1; i <= 20000; i++) {
            // one add per turn of the event loop at most 100 at a time, as the runtime gives them
            if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
            store.write({ added: [entry(i, { PrivateData: 'x'.repeat(100) })] });
            if (i > 50) {
                store.write({ updated: [[i - 50, false, 'Complete', 101, i, i]] });
                store.write({ forgotten: [i - 50] });
            }
            if (i % 500 === 0) store.write({ subscribers: [['ev1', subState(i)]] });
        }
        // A compaction takes what was written during its fsync along: once it is done, the next write compacts
        // again if the file is still more than twice the live state.
        const settled = async () => { while (store.compacting) await new Promise((resolve) => setImmediate(resolve)); };
        await settled();
        store.write({ subscribers: [['ev1', subState(20000)]] });
        await settled();
        await store.flush();
        const size = fs.statSync(store.file).size;
        // 50 live entries of ~200 bytes: the file stays within the compaction threshold, not 20,000 entries' worth
        assert.ok(size < 2 * 16 * 1024 + 50 * 400, `journal is ${size} bytes`);
        await store.close(false);
        const again = await open();
        assert.deepStrictEqual(again.state.correlations.map((e) => e[0]), Array.from({ length: 50 }, (_, i) => 19951 + i));
        assert.deepStrictEqual(again.state.subscribers, [['ev1', subState(20000)]]);
        await again.store.close(false);
    });

    it('lines written while a compaction syncs its new file are in the new file too', async function () {
        journalSettings.compactMinBytes = 1024;
        const { store } = await open();
        let i = 0;
        // requests that come and go until the file is mostly garbage and a compaction starts ...
        while (!store.compacting && i < 100000) {
            store.write({ added: [entry(++i)] });
            store.write({ forgotten: [i] });
            await turn(); // the lines of a turn are written at its end
        }
        assert.ok(store.compacting, 'a compaction started');
        // ... then more before its fsync ends
        const during = [];
        for (let k = 0; k < 20; k++) {
            store.write({ added: [entry(++i)] });
            during.push(i);
        }
        store.writeOut(); // the end of this turn, now
        assert.ok(store.compacting, 'still compacting (its fsync runs off the event loop)');
        await store.flush();
        while (store.compacting) await new Promise((resolve) => setImmediate(resolve));
        await store.close(false);
        const ids = (await open()).state.correlations.map((e) => e[0]);
        assert.deepStrictEqual(ids, during);
    });

    it('the file follows the live state: a compaction once it is more than twice that, not before', async function () {
        journalSettings.compactMinBytes = 1024;
        const { store } = await open();
        // only adds: nothing is garbage, so nothing to compact however large the file grows
        for (let i = 1; i <= 200; i++) {
            store.write({ added: [entry(i)] });
            if (i % 10 === 0) await turn();
        }
        await turn();
        assert.ok(!store.compacting && store.size > 10 * 1024);
        // forgetting them makes the file garbage: the next write starts a compaction
        store.write({ forgotten: Array.from({ length: 200 }, (_, k) => k + 1) });
        await turn();
        assert.ok(store.compacting);
        while (store.compacting) await new Promise((resolve) => setImmediate(resolve));
        assert.ok(store.size < 1024, `${store.size} bytes after compaction`);
        await store.close(false);
    });

    it('a compaction whose rename fails (EPERM, as on Windows): warned once, backs off, the file is closed before the rename, nothing lost', async function () {
        journalSettings.compactMinBytes = 1024;
        journalSettings.retryMs = 60000; // the backoff after a failure: longer than this part of the test
        const { store, h } = await open();
        const realRename = fs.renameSync;
        const realFsync = fs.fsync;
        let renames = 0;
        let compactions = 0;
        const openAtRename = [];
        fs.fsync = function (...args) { compactions++; return realFsync.apply(this, args); };
        fs.renameSync = function (from, to) {
            if (to !== store.file) return realRename.call(this, from, to);
            renames++;
            // the journal's own descriptor must be closed by now (Windows cannot rename over an open file)
            openAtRename.push(fs.readdirSync('/proc/self/fd').some((fd) => {
                try { return fs.readlinkSync(`/proc/self/fd/${fd}`) === store.file; } catch { return false; }
            }));
            throw Object.assign(new Error(`EPERM: operation not permitted, rename '${from}' -> '${to}'`), { code: 'EPERM' });
        };
        let i = 0;
        try {
            // requests that come and go: the file is soon mostly garbage, and stays so
            for (let round = 0; round < 30; round++) {
                for (let k = 0; k < 20; k++) {
                    store.write({ added: [entry(++i)] });
                    store.write({ forgotten: [i] });
                }
                await turn();
                // a compaction that started ends (its fsync runs off the event loop) before the next round
                await waitFor(() => renames === compactions, 2000, 'the compaction to end');
            }
        } finally {
            fs.renameSync = realRename;
            fs.fsync = realFsync;
        }
        assert.strictEqual(compactions, 1, `${compactions} compactions for 30 rounds of writes: no backoff`);
        assert.deepStrictEqual(openAtRename, [false], 'the journal was closed before the rename');
        assert.strictEqual(h.warnings.filter((w) => /could not compact/.test(w)).length, 1, h.warnings.join('\n'));
        assert.deepStrictEqual(h.problems, [], 'not a failure of the store: it goes on appending');
        // writing went on in the same file (opened again): the live state is all there
        store.write({ added: [entry(++i)] });
        await store.flush();
        assert.deepStrictEqual(liveIds(store.file), [i]);
        // once the backoff has passed (made short here), the next write compacts, and it works again
        journalSettings.retryMs = 1;
        store.noCompactUntil = 1; // the wait already set: over
        const before = store.size;
        store.write({ added: [entry(++i)] });
        await turn();
        await waitFor(() => !store.compacting && store.size < before, 2000, 'a compaction that works');
        assert.ok(h.warnings.some((w) => /compacted again/.test(w)));
        await store.close(false);
        assert.deepStrictEqual(liveIds(store.file), [i - 1, i]);
    });

    it('a full disk: reported once with the file and what it means, nothing lost in memory, written whole when it works again', async function () {
        journalSettings.retryMs = 50;
        const jdir = path.join(dir, 'openmedia');
        // the disk is full: every write fails with ENOSPC until `full` is cleared
        const realWrite = fs.writeSync;
        let full = true;
        fs.writeSync = function (...args) {
            if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            return realWrite.apply(this, args);
        };
        let state;
        let store;
        const problems = [];
        try {
            store = new JournalStore(jdir, 'srv', URL_A);
            state = new LoopState(URL_A, store);
            state.on('problem', (p) => problems.push(p));
            assert.ok(state.problem, 'the first write (the header) already failed');
            assert.strictEqual(state.problem.code, 'ENOSPC');
            assert.match(state.problem.message, /disk is full.*events-srv\.journal.*restart or crash/);
            state.added({ OpenMediaID: 7, request: { PrivateData: 'kept' }, correlation: 'T-7', node: 'add' });
            assert.ok(state.correlation.has(7), 'in memory all the same');
            await waitFor(() => store.retries >= 2, 5000, 'two retries');
            assert.strictEqual(state.problem.code, 'ENOSPC', 'still full: still reported');
            assert.deepStrictEqual(problems, [], 'reported once, not at every retry');
        } finally {
            full = false;
            fs.writeSync = realWrite;
        }
        // space again: the next retry writes the whole state
        await waitFor(() => problems.length > 0, 5000, 'the problem to clear');
        assert.strictEqual(state.problem, undefined, 'cleared once written');
        assert.deepStrictEqual(problems, [undefined]);
        await state.close(false);
        const again = await open();
        assert.deepStrictEqual(again.state.correlations.map((e) => [e[0], e[2]]), [[7, 'T-7']]);
        await again.store.close(false);
    });

    it('a real device that is full (the journal is /dev/full): the same problem, no exception', async function () {
        const jdir = path.join(dir, 'openmedia');
        fs.mkdirSync(jdir, { recursive: true, mode: 0o700 });
        fs.symlinkSync('/dev/full', journalFile(jdir, 'srv'));
        const state = new LoopState(URL_A, new JournalStore(jdir, 'srv', URL_A));
        assert.strictEqual(state.problem && state.problem.code, 'ENOSPC');
        state.added({ OpenMediaID: 1, request: {} });
        await state.close(false);
    });

    it('a user directory that cannot hold the journal: a clear problem at once, retried, never thrown', async function () {
        journalSettings.retryMs = 20;
        fs.writeFileSync(path.join(dir, 'openmedia'), 'a file where the directory should be');
        const state = new LoopState(URL_A, new JournalStore(path.join(dir, 'openmedia'), 'srv', URL_A));
        assert.ok(state.problem);
        assert.match(state.problem.code, /^(EEXIST|ENOTDIR)$/);
        assert.match(state.problem.message, /events-srv\.journal/);
        state.added({ OpenMediaID: 1, request: {} });
        state.stage([['ev', subState(1)]]);
        state.commit(true);
        assert.ok(state.correlation.has(1));
        await state.flush();
        await state.close(false);
    });

    it('the state writes an add at once and subscriber positions only COMMIT_LAG_MS later; a clean stop writes at once', async function () {
        const store = new JournalStore(path.join(dir, 'openmedia'), 'srv', URL_A);
        const state = new LoopState(URL_A, store);
        state.added({ OpenMediaID: 5, request: { PrivateData: 'five' }, correlation: 'T-5', node: 'add' });
        state.stage([['ev1', subState(1000)]]);
        await turn(); // the end of the turn: what was written in it is in the file
        // as a crash would find it now: the add, not the position
        const now = await open();
        assert.deepStrictEqual(now.state.correlations.map((e) => e[0]), [5]);
        assert.deepStrictEqual(now.state.subscribers, []);
        await now.store.close(false);
        assert.ok(COMMIT_LAG_MS >= 1000);
        state.commit(true);
        await turn();
        const later = await open();
        assert.deepStrictEqual(later.state.subscribers, [['ev1', subState(1000)]]);
        await later.store.close(false);
        state.stage([['ev1', subState(2000)]]);
        state.handOver('ev1', subState(3000)); // a stop: the staged, older one is superseded
        state.commit(true);
        await state.close(false);
        const last = await open();
        assert.deepStrictEqual(last.state.subscribers, [['ev1', subState(3000)]]);
        await last.store.close(false);
    });

    it('registry: one state per om-server and directory; another URL starts over; removing the server deletes the journal', async function () {
        const jdir = path.join(dir, 'openmedia');
        const a = openLoopState({ dir: jdir, serverId: 'srv', url: URL_A });
        assert.strictEqual(openLoopState({ dir: jdir, serverId: 'srv', url: URL_A }), a);
        assert.strictEqual(peekLoopState(jdir, 'srv'), a);
        assert.strictEqual(peekLoopState(jdir, 'other'), undefined);
        a.added({ OpenMediaID: 1, request: {} });
        const b = openLoopState({ dir: jdir, serverId: 'srv', url: URL_B });
        assert.notStrictEqual(b, a);
        assert.strictEqual(b.correlation.has(1), false, 'ids of the old URL are not carried over');
        b.added({ OpenMediaID: 2, request: {} });
        await b.flush();
        const file = journalFile(jdir, 'srv');
        assert.ok(fs.existsSync(file));
        await removeLoopState(jdir, 'srv');
        assert.strictEqual(peekLoopState(jdir, 'srv'), undefined);
        assert.ok(!fs.existsSync(file), 'a deleted om-server leaves no journal (it holds PrivateData)');
        const mem = openLoopState({ serverId: 'srv', url: URL_A });
        assert.strictEqual(mem.store.durable, false, 'no directory: memory only');
    });

    it('a new runtime in the process reads what the last one wrote', async function () {
        const jdir = path.join(dir, 'openmedia');
        const a = openLoopState({ dir: jdir, serverId: 'srv', url: URL_A });
        a.added({ OpenMediaID: 3, request: { PrivateData: 'three' }, correlation: 'T-3' });
        a.stage([['ev1', subState(1000)]]);
        await resetLoopStates(); // staged positions are written on the way out
        const b = openLoopState({ dir: jdir, serverId: 'srv', url: URL_A });
        assert.notStrictEqual(b, a);
        assert.strictEqual(b.correlation.requestFor(3).correlation, 'T-3');
        assert.deepStrictEqual(b.subscriber('ev1'), subState(1000));
    });

    it('an id that is not a plain name gets a hashed file name (no path tricks)', function () {
        const f = journalFile('/x', '../../etc/passwd');
        assert.strictEqual(path.dirname(f), '/x');
        assert.match(path.basename(f), /^events-h-[0-9a-f]{24}\.journal$/);
        assert.strictEqual(path.basename(journalFile('/x', 'a1b2c3d4e5f6')), 'events-a1b2c3d4e5f6.journal');
    });
});
