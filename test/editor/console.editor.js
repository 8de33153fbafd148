'use strict';
// The simulator console in a real browser (headless Chromium), next to a running Node-RED 4.1 whose flow adds
// requests (om-add-request) and follows them (om-events): what a person sees and clicks in the console is what the
// flow sees over SOAP. Manual clock; every wait bounded. Takes docs/console.png (the README shows it).
const assert = require('assert');
const path = require('path');
const { chromium } = require('playwright-core');
const { startEditor, CHROMIUM, LAUNCH_ARGS } = require('../support/editor');
const { startTestSimulator, httpRequest } = require('../support/simulator');
const { repoRoot } = require('../../scripts/node-red-server');

const SCREENSHOT = path.join(repoRoot, 'docs', 'console.png');
const TAB = 'console-tab';
const CORRELATION = 'T-4242';

/** om-add-request with every parameter read from msg.payload (its defaults). */
function addNode(id, x, y, wires) {
    const node = { id, type: 'om-add-request', z: TAB, name: 'add', server: 'console-server', x, y, wires };
    for (const p of ['ServiceGroupID', 'TenantID', 'ServiceGroupName', 'IVRInfo', 'PrivateData', 'PreferredAgentID',
        'PreferredAgentLogonID', 'ForceToPreferredAgent', 'TypeOfSession', 'SessionPriority', 'QueueStartTime']) {
        node[p] = `payload.${p}`;
        node[`${p}Type`] = 'msg';
    }
    return Object.assign(node, { correlation: 'correlation', correlationType: 'msg' });
}

/** A debug node whose sidebar message is a small JSON object (a JSONata expression). */
function debugNode(id, name, expression, x, y) {
    return { id, type: 'debug', z: TAB, name, active: true, tosidebar: true, console: false, tostatus: false,
        complete: expression, targetType: 'jsonata', statusVal: '', statusType: 'auto', x, y, wires: [] };
}

function flows(simUrl) {
    return [
        { id: TAB, type: 'tab', label: 'console test' },
        { id: 'console-server', type: 'om-server', name: 'simulator', url: simUrl, timeout: 10, tls: '', wsdlSource: 'bundled' },
        { id: 'add-inject', type: 'inject', z: TAB, name: 'new ticket', repeat: '', crontab: '', once: false, onceDelay: 0.1,
            topic: '', payload: JSON.stringify({ ServiceGroupID: 102, IVRInfo: [{ Label: 'Subject', Data: 'Printer <b>on fire</b> & smoking' }],
                PrivateData: 'https://tickets.example.com/4242' }),
            payloadType: 'json', props: [{ p: 'payload' }, { p: 'correlation', v: CORRELATION, vt: 'str' }],
            x: 120, y: 80, wires: [['add']] },
        addNode('add', 320, 80, [['accepted'], ['refused']]),
        debugNode('accepted', 'accepted', '{"OpenMediaID": payload.OpenMediaID, "RequestStatus": payload.RequestStatus}', 540, 60),
        debugNode('refused', 'not accepted', '{"OpenMediaID": payload.OpenMediaID, "RequestStatus": payload.RequestStatus}', 540, 100),
        { id: 'events', type: 'om-events', z: TAB, name: 'events', server: 'console-server', start: 'now', statuses: [], groups: '',
            onlyOwn: false, outputPerStatus: false, interval: 1, dataExpiration: 30, checkEvery: 12, store: '', outputs: 1,
            x: 120, y: 180, wires: [['event-debug']] },
        debugNode('event-debug', 'event', '{"ID": payload.ID, "Status": payload.Status, "correlation": request.correlation}', 340, 180),
    ];
}

describe('simulator console (browser): watch and play the contact center', function () {
    this.timeout(120000);
    let sim;
    let editor;
    let page;
    let pageErrors = [];

    before(async function () {
        // The demo contact center (agents that answer and complete by themselves), with a clock that only moves
        // when the test says so.
        sim = await startTestSimulator({ scenario: 'demo', clock: 'manual' });
        editor = await startEditor({ flows: flows(sim.url) });
        // Every debug message the flow sends to the sidebar, in the editor page.
        await editor.page.evaluate(() => {
            window.__omDebug = [];
            RED.comms.subscribe('debug', (topic, m) => window.__omDebug.push({ name: m.name, msg: m.msg }));
        });
        ({ page, errors: pageErrors } = await editor.openPage(sim.consoleUrl));
        await page.waitForSelector('#connection[data-state="live"]');
    });

    after(async function () {
        if (editor) await editor.stop();
        if (sim) await sim.stop();
    });

    afterEach(async function () {
        if (editor) await editor.screenshotOnFailure(this.currentTest, page, `console-${this.currentTest.title.slice(0, 30)}`);
    });

    /**
     * Every test starts from the scenario's contact center: a service restart drops every request (ids keep
     * counting, so an id is never reused while om-events follows them), and the agents, groups and switches are set
     * back as the demo scenario has them.
     */
    async function fresh() {
        sim.restartService();
        sim.reconnectRouter();
        sim.setLicense(true);
        for (const g of [101, 102, 103]) sim.setGroupOpen(g, true);
        sim.setGroupOpen(104, false);
        for (const a of [1001, 1002, 1003, 1004]) {
            sim.logon(a);
            sim.setReady(a, true);
            sim.setManual(a, false);
        }
        await until((n) => Number(document.body.dataset.nextId) === n
            && !document.querySelector('.session') && !document.querySelector('.queue'), sim.state().nextOpenMediaID);
    }
    beforeEach(fresh);

    /** Debug messages so far (an index for debugMessage's `since`). */
    const debugCount = () => editor.page.evaluate(() => window.__omDebug.length);

    /** The first debug message (index >= since) from the node named `name` that matches (bounded wait). */
    async function debugMessage(name, predicate = '() => true', since = 0, timeout = 20000) {
        const handle = await editor.page.waitForFunction(({ n, p, from }) => {
            const match = new Function(`return (${p})`)(); // eslint-disable-line no-new-func
            return window.__omDebug.slice(from).map((d) => (d.name === n ? JSON.parse(d.msg) : null)).find((m) => m && match(m)) || null;
        }, { n: name, p: predicate, from: since }, { timeout });
        return handle.jsonValue();
    }

    /** Presses the flow's inject: om-add-request adds a ticket to group 102 (with the correlation); its answer. */
    async function addThroughFlow() {
        const since = await debugCount();
        await editor.inject('add-inject');
        return Promise.race([debugMessage('accepted', undefined, since), debugMessage('not accepted', undefined, since)]);
    }

    /** Clicks a console control by its data-key, as a user would. */
    async function click(key) {
        await page.click(`[data-key="${key}"]`);
    }

    /** Until the console shows an update that satisfies `fn` (evaluated in the page). */
    function until(fn, arg, timeout = 10000) {
        return page.waitForFunction(fn, arg, { timeout });
    }

    /** An agent's state as its badges show it: { logon: 'logged on', ready: 'not ready', mode: 'automatic' }. */
    const agentState = (agent, p = page) => p.evaluate((a) => Object.fromEntries([...document.querySelectorAll(`[data-agent="${a}"] [data-state-of]`)]
        .map((b) => [b.getAttribute('data-state-of'), b.textContent])), agent);
    const untilState = (agent, of, text) => until(([a, o, t]) => {
        const b = document.querySelector(`[data-agent="${a}"] [data-state-of="${o}"]`);
        return b && b.textContent === t;
    }, [agent, of, text]);

    const buttonText = (key) => page.evaluate((k) => {
        const b = document.querySelector(`[data-key="${k}"]`);
        return b ? b.textContent : null;
    }, key);
    const untilButton = (key, text) => until(([k, t]) => {
        const b = document.querySelector(`[data-key="${k}"]`);
        return b && b.textContent === t;
    }, [key, text]);

    it('shows a request added through om-add-request in its queue within one update', async function () {
        // Nobody of group 102 may take it: its agents 1001 and 1003 set not ready in the console.
        for (const agent of [1001, 1003]) {
            if ((await agentState(agent)).ready === 'ready') await click(`agent-${agent}-ready`);
            await untilState(agent, 'ready', 'not ready');
        }
        assert.deepStrictEqual(sim.state().agents.filter((a) => [1001, 1003].includes(a.id)).map((a) => a.ready), [false, false]);

        const accepted = await addThroughFlow();
        assert.strictEqual(accepted.RequestStatus, 'Success');
        const id = accepted.OpenMediaID;
        // The first update that knows of the add (its next OpenMediaID is past it) already shows it in group 102's
        // queue: both are read in the same task, after that update was drawn.
        const seen = await until((r) => {
            if (Number(document.body.dataset.nextId) <= r) return null;
            const row = document.querySelector(`[data-group="102"] tr[data-request="${r}"]`);
            return { row: row ? row.textContent : null, markup: document.querySelectorAll('main img, main b').length };
        }, id);
        const { row, markup } = await seen.jsonValue();
        assert.ok(row, `request ${id} not in group 102's queue in the first update after the add`);
        // User text shown as text: the markup in the subject is not markup in the page.
        assert.match(row, /Subject: Printer <b>on fire<\/b> & smoking/);
        assert.match(row, /https:\/\/tickets\.example\.com\/4242/);
        assert.strictEqual(markup, 0);
    });

    it('answer, then complete, clicked for a manual agent: om-events emits AllocatedToAgent, AgentProcessing, Complete with the correlation', async function () {
        // Group 102's agents not ready, so the ticket waits for the person's agent.
        sim.setReady(1001, false);
        sim.setReady(1003, false);
        const since = await debugCount();
        const { OpenMediaID: id } = await addThroughFlow();
        assert.ok(id > 0);
        // Agent 1001 is automatic in the demo (answers after 3 s): the person takes it over.
        await untilState(1001, 'mode', 'automatic');
        assert.strictEqual(await buttonText('agent-1001-mode'), 'Play by hand');
        await click('agent-1001-mode');
        await untilState(1001, 'mode', 'by hand');
        assert.strictEqual(await buttonText('agent-1001-mode'), 'Make automatic');
        await untilState(1001, 'ready', 'not ready');
        await click('agent-1001-ready');
        await untilState(1001, 'ready', 'ready');
        await until((r) => !!document.querySelector(`[data-agent="1001"] [data-key="req-${r}-answer"]`), id);
        // A manual agent does not answer by itself, however long it waits.
        sim.advance(60000);
        assert.strictEqual(sim.model.getRequest(id).Status, 'AllocatedToAgent');

        await click(`req-${id}-answer`);
        await until((r) => !!document.querySelector(`[data-key="req-${r}-complete"]`), id);
        assert.strictEqual(sim.model.getRequest(id).Status, 'AgentProcessing');
        await click(`req-${id}-complete`);
        await until((r) => !document.querySelector(`[data-agent="1001"] [data-request="${r}"]`), id);
        assert.strictEqual(sim.model.getRequest(id).Status, 'Complete');

        for (const status of ['AllocatedToAgent', 'AgentProcessing', 'Complete']) {
            const ev = await debugMessage('event', `(m) => m.ID === ${id} && m.Status === '${status}'`, since);
            assert.strictEqual(ev.correlation, CORRELATION, `${status} without the correlation`);
        }
        // The console's event log shows the same life.
        const logged = await page.$$eval('#log tr', (rows, r) => rows.map((tr) => [...tr.cells].map((c) => c.textContent))
            .filter((c) => c[1] === String(r)).map((c) => c[2]).reverse(), id);
        assert.deepStrictEqual(logged, ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Complete']);
    });

    it('closing a group in the console makes the next add come back GroupClosed', async function () {
        await click('group-102-toggle');
        await untilButton('group-102-toggle', 'Open');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 102).open, false);
        const refused = await addThroughFlow();
        assert.deepStrictEqual(refused, { OpenMediaID: 0, RequestStatus: 'GroupClosed' });
        await click('group-102-toggle');
        await untilButton('group-102-toggle', 'Close');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 102).open, true);
    });

    it('the router and licence switches drive the service; a click the simulator refuses shows its reason', async function () {
        await click('router-toggle');
        await untilButton('router-toggle', 'Reconnect');
        assert.strictEqual(sim.state().routerConnected, false);
        await click('router-toggle');
        await untilButton('router-toggle', 'Disconnect');
        await click('license-toggle');
        await untilButton('license-toggle', 'Restore');
        assert.strictEqual(sim.state().license, false);
        await click('license-toggle');
        await untilButton('license-toggle', 'Remove');
        assert.strictEqual(sim.state().license, true);

        // A stale button: the request is answered in the simulator while the page still offers "Answer" (the
        // simulator holds its updates back meanwhile), so the click is refused, and the page says why.
        sim.setManual(1002, true);
        sim.setReady(1004, false);
        const id = sim.model.execute('AddRequest', { request: { ServiceGroupID: 103, IVRInfo: [{ Label: 'Chat', Data: 'hello' }] } }).OpenMediaID;
        assert.strictEqual(sim.model.getRequest(id).AgentID, 1002);
        await until((r) => !!document.querySelector(`[data-key="req-${r}-answer"]`), id);
        const hub = sim.consoleHub;
        const flush = hub.flush;
        hub.flush = () => {};
        try {
            sim.answer(id);
            await click(`req-${id}-answer`);
            await until(() => !document.getElementById('message').hidden);
            assert.strictEqual(await page.textContent('#message'), `request ${id} is AgentProcessing, not AllocatedToAgent`);
        } finally {
            hub.flush = flush;
            hub.flush();
        }
        await until((r) => !!document.querySelector(`[data-key="req-${r}-complete"]`), id);
        await click(`req-${id}-complete`);
        await until(() => document.getElementById('message').hidden);
        assert.strictEqual(sim.model.getRequest(id).Status, 'Complete');
        // The browser logs the refused call (HTTP 400) as a console error: that one was expected.
        const refused = pageErrors.splice(0).filter((e) => !/status of 400 \(Bad Request\)/.test(e));
        assert.deepStrictEqual(refused, []);
    });

    it('shows each agent\'s state at a glance (badges) beside buttons that say what they do', async function () {
        // 1002 in each combination the console can show; 1003 is left as the demo has it (automatic, ready)
        const verbs = { logon: { 'logged on': 'Log off', 'logged off': 'Log on' },
            ready: { ready: 'Make not ready', 'not ready': 'Make ready' },
            mode: { automatic: 'Play by hand', 'by hand': 'Make automatic' } };
        for (const [loggedOn, ready, manual] of [[true, true, false], [true, false, true], [false, false, false], [false, true, true]]) {
            if (loggedOn) sim.logon(1002); else sim.logoff(1002);
            sim.setReady(1002, ready);
            sim.setManual(1002, manual);
            const want = { logon: loggedOn ? 'logged on' : 'logged off', ready: ready ? 'ready' : 'not ready', mode: manual ? 'by hand' : 'automatic' };
            await until((w) => {
                const b = (o) => document.querySelector(`[data-agent="1002"] [data-state-of="${o}"]`);
                return Object.entries(w).every(([o, t]) => b(o) && b(o).textContent === t);
            }, want);
            const row = await page.evaluate(() => {
                const tr = document.querySelector('[data-agent="1002"]');
                const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 4 && r.height > 4 && getComputedStyle(el).visibility === 'visible'; };
                return {
                    badges: [...tr.querySelectorAll('[data-state-of]')].map((b) => ({ of: b.getAttribute('data-state-of'), text: b.textContent,
                        shown: shown(b), badge: b.classList.contains('badge') })),
                    buttons: Object.fromEntries([...tr.querySelectorAll('button[data-key^="agent-"]')].map((b) => [b.getAttribute('data-key').split('-')[2],
                        { text: b.textContent, aria: b.getAttribute('aria-label'), pressed: b.getAttribute('aria-pressed') }])),
                    // what a screen reader reads for the row, in order
                    text: tr.innerText.replace(/\s+/g, ' '),
                };
            });
            // the state is visible, as badges (like a group's open/closed), in words
            assert.deepStrictEqual(row.badges.map((b) => [b.of, b.text, b.shown, b.badge]),
                Object.entries(want).map(([of, text]) => [of, text, true, true]));
            // each button is the verb that changes that state, and says which agent it is for
            for (const [of, state] of Object.entries(want)) {
                assert.strictEqual(row.buttons[of].text, verbs[of][state], `${of} is ${state}`);
                assert.ok(row.buttons[of].aria.includes('4002 (1002)'), row.buttons[of].aria);
                assert.ok(!Object.keys(verbs[of]).includes(row.buttons[of].text), `a state as a button label: ${row.buttons[of].text}`);
            }
            assert.match(row.text, new RegExp(`${want.logon}.*${want.ready}.*${want.mode}`));
        }
        // by keyboard: the focused button changes the state, the badge follows, the focus stays on the (new) button
        await page.bringToFront();
        await page.focus('[data-key="agent-1002-ready"]');
        await page.keyboard.press('Enter');
        await untilState(1002, 'ready', 'not ready');
        assert.strictEqual(sim.state().agents.find((a) => a.id === 1002).ready, false);
        assert.strictEqual(await page.evaluate(() => document.activeElement.getAttribute('data-key')), 'agent-1002-ready');
        assert.strictEqual(await buttonText('agent-1002-ready'), 'Make ready');
        await page.keyboard.press(' ');
        await untilState(1002, 'ready', 'ready');
        assert.deepStrictEqual(pageErrors, []);
    });

    it('shows the clock buttons with a manual clock', async function () {
        assert.strictEqual(await page.isVisible('#clock-controls'), true);
        assert.strictEqual(await page.isVisible('[data-key="advance-10s"]'), true);
    });

    it('is usable by keyboard: Tab reaches a group\'s button, Enter presses it, focus stays on it, and is visible', async function () {
        // The console's tab in front of the editor's (the keyboard goes to the focused page).
        await page.bringToFront();
        await page.focus('#router-toggle');
        let key = null;
        for (let i = 0; i < 40 && key !== 'group-101-toggle'; i++) {
            await page.keyboard.press('Tab');
            key = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-key'));
        }
        assert.strictEqual(key, 'group-101-toggle', 'Tab never reached the Close button of group 101');
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
        assert.strictEqual(outline, 'solid', 'no visible focus');
        await page.keyboard.press('Enter');
        await untilButton('group-101-toggle', 'Open');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 101).open, false);
        // The update redrew the groups: the focus is on the same (new) button.
        assert.strictEqual(await page.evaluate(() => document.activeElement.getAttribute('data-key')), 'group-101-toggle');
        await page.keyboard.press(' ');
        await untilButton('group-101-toggle', 'Close');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 101).open, true);
    });

    it('fits 1366x768 without a horizontal scroll bar, in light and dark; screenshot docs/console.png', async function () {
        // A contact center with something everywhere: agent 4001 played by hand, 4002 on a break, queues waiting.
        sim.setManual(1001, true);
        sim.setReady(1002, false);
        const add = (request, wait) => {
            sim.model.execute('AddRequest', { request });
            sim.advance(wait);
        };
        const mail = (subject, from, extra = {}) => ({ ServiceGroupID: 101, PrivateData: `https://crm.example.com/case/${5100 + subject.length}`,
            IVRInfo: [{ Label: 'Subject', Data: subject }, { Label: 'From', Data: from }], ...extra });
        add(mail('Invoice 4711 is wrong', 'jane.doe@example.com'), 14000);
        add(mail('Cannot log in', 'max@example.org'), 9000);
        add({ ServiceGroupID: 103, IVRInfo: [{ Label: 'Chat', Data: 'Where is my parcel?' }] }, 3000);
        add(mail('Refund request', 'a.smith@example.net', { SessionPriority: 10 }), 6000);
        add(mail('Password reset', 'lee@example.com', { PreferredAgentID: 1002 }), 5000);
        for (let i = 0; i < 4; i++) add({ ServiceGroupID: 102, IVRInfo: [{ Label: 'Ticket', Data: `T-50${i}` }, { Label: 'Customer', Data: `C-${810 + i}` }], PrivateData: `T-50${i}` }, 4000);
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        const queued = Object.fromEntries(sim.state().groups.map((g) => [g.id, g.queue.length]));
        assert.ok(queued[101] >= 3 && queued[102] >= 3, JSON.stringify(queued));
        await until((q) => Object.entries(q).every(([g, n]) => document.querySelectorAll(`[data-group="${g}"] tbody tr`).length === n), queued);
        for (const scheme of ['dark', 'light']) {
            await page.emulateMedia({ colorScheme: scheme });
            const look = await page.evaluate(() => ({
                scrollWidth: document.documentElement.scrollWidth,
                bottom: Math.max(...[...document.querySelectorAll('.panel')].map((p) => p.getBoundingClientRect().bottom)),
                background: getComputedStyle(document.body).backgroundColor,
            }));
            assert.ok(look.scrollWidth <= 1366, `${scheme}: ${look.scrollWidth} px wide`);
            assert.ok(look.bottom <= 768, `${scheme}: panels end at ${look.bottom} px`);
            const [r, g, b] = look.background.match(/\d+/g).map(Number);
            assert.ok(scheme === 'dark' ? r + g + b < 150 : r + g + b > 600, `${scheme}: background ${look.background}`);
        }
        await page.screenshot({ path: SCREENSHOT });
        assert.deepStrictEqual(pageErrors, []);
    });
});

describe('simulator console (browser): with authentication on', function () {
    this.timeout(60000);
    let sim;
    let browser;

    before(async function () {
        // The demo scenario's service user (admin); --auth on.
        sim = await startTestSimulator({ scenario: 'demo', clock: 'manual', auth: true });
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    });

    after(async function () {
        if (browser) await browser.close();
        if (sim) await sim.stop();
    });

    const contexts = [];
    afterEach(async function () {
        for (const c of contexts.splice(0)) await c.close();
    });

    async function open(httpCredentials) {
        const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, httpCredentials });
        contexts.push(context);
        const page = await context.newPage();
        const response = await page.goto(sim.consoleUrl);
        return { page, status: response.status() };
    }

    it('asks for a service user (HTTP Basic); a wrong one gets nothing', async function () {
        // The challenge a browser answers with its user prompt.
        const challenge = await httpRequest(sim.consoleUrl);
        assert.strictEqual(challenge.status, 401);
        assert.strictEqual(challenge.headers['www-authenticate'], 'Basic realm="openmedia-simulator"');
        // Headless, nobody answers the prompt; with a wrong password the simulator refuses again. Chromium then shows
        // the 401 or gives up (ERR_INVALID_AUTH_CREDENTIALS): no console either way.
        for (const credentials of [undefined, { username: 'admin', password: 'wrong' }]) {
            const outcome = await open(credentials).then(async ({ page, status }) => ({ status, console: /id="groups"/.test(await page.content()) }),
                (err) => ({ error: /ERR_INVALID_AUTH_CREDENTIALS/.test(err.message) ? 'ERR_INVALID_AUTH_CREDENTIALS' : err.message }));
            assert.ok(outcome.error === 'ERR_INVALID_AUTH_CREDENTIALS' || (outcome.status === 401 && !outcome.console),
                `${JSON.stringify(credentials)}: ${JSON.stringify(outcome)}`);
        }
    });

    it('with the user the browser asked for, the page, its stream and its clicks work', async function () {
        const { page, status } = await open({ username: 'admin', password: 'change-me' });
        assert.strictEqual(status, 200);
        await page.waitForSelector('#connection[data-state="live"]');
        await page.click('[data-key="group-101-toggle"]');
        await page.waitForFunction(() => document.querySelector('[data-key="group-101-toggle"]').textContent === 'Open');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 101).open, false);
    });
});

describe('simulator console (browser): many tabs, a refused stream, a real clock, user text', function () {
    this.timeout(120000);
    let browser;
    const sims = [];
    const contexts = [];

    before(async function () {
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    });

    after(async function () {
        if (browser) await browser.close();
    });

    afterEach(async function () {
        for (const c of contexts.splice(0)) await c.close();
        for (const s of sims.splice(0)) await s.stop();
    });

    async function simulator(options) {
        const sim = await startTestSimulator(options);
        sims.push(sim);
        return sim;
    }

    /** A browser context (one "browser profile": its tabs share locks and channels, none with another context). */
    async function context() {
        const c = await browser.newContext({ viewport: { width: 1366, height: 768 } });
        contexts.push(c);
        return c;
    }

    async function tab(ctx, url) {
        const page = await ctx.newPage();
        page.setDefaultTimeout(20000);
        const errors = [];
        page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        return { page, errors };
    }

    const live = (page) => page.waitForSelector('#connection[data-state="live"]', { timeout: 20000 });
    const groupButton = (page, g) => page.evaluate((id) => (document.querySelector(`[data-key="group-${id}-toggle"]`) || {}).textContent, g);

    it('tabs of one browser share one stream (a browser opens at most 6 connections to a host); another tab takes it over when its holder closes', async function () {
        const sim = await simulator({ scenario: 'demo', clock: 'manual' });
        const ctx = await context();
        const tabs = [];
        // more tabs than the browser's 6 connections per host and the simulator's 8 streams
        for (let i = 0; i < 9; i++) tabs.push(await tab(ctx, sim.consoleUrl));
        for (const t of tabs) await live(t.page);
        assert.strictEqual(sim.consoleHub.clientCount, 1, 'one stream for the whole browser');
        const roles = async () => Promise.all(tabs.filter((t) => !t.page.isClosed()).map((t) => t.page.evaluate(() => ({
            shared: document.getElementById('connection').getAttribute('data-shared'), text: document.getElementById('connection').textContent }))));
        const before = await roles();
        assert.strictEqual(before.filter((r) => r.shared === 'false').length, 1, JSON.stringify(before));
        assert.ok(before.filter((r) => r.shared === 'true').every((r) => r.text === 'live (shared with another tab)'), JSON.stringify(before));
        // a change reaches every tab
        sim.setGroupOpen(101, false);
        for (const t of tabs) await t.page.waitForFunction(() => document.querySelector('[data-key="group-101-toggle"]').textContent === 'Open');
        // the tab with the stream closes: another takes the stream over, and every tab still follows
        const holder = tabs[before.findIndex((r) => r.shared === 'false')];
        await holder.page.close();
        const others = tabs.filter((t) => !t.page.isClosed());
        await Promise.any(others.map((t) => t.page.waitForSelector('#connection[data-shared="false"][data-state="live"]')));
        // the closed tab's stream ends when the server sees its connection close
        await waitUntil(() => sim.consoleHub.clientCount === 1, 10000, 'one stream again');
        assert.strictEqual((await roles()).filter((r) => r.shared === 'false').length, 1);
        sim.setGroupOpen(101, true);
        for (const t of tabs.filter((x) => !x.page.isClosed())) {
            await t.page.waitForFunction(() => document.querySelector('[data-key="group-101-toggle"]').textContent === 'Close');
            assert.strictEqual(await t.page.getAttribute('#connection', 'data-state'), 'live');
        }
        // a click in a tab without the stream works as in any other
        const follower = others[others.length - 1];
        assert.strictEqual(await follower.page.getAttribute('#connection', 'data-shared'), 'true');
        await follower.page.click('[data-key="group-102-toggle"]');
        await follower.page.waitForFunction(() => document.querySelector('[data-key="group-102-toggle"]').textContent === 'Open');
        assert.strictEqual(sim.state().groups.find((g) => g.id === 102).open, false);
        for (const t of tabs) if (!t.page.isClosed()) assert.deepStrictEqual(t.errors, []);
    });

    it('a stream the simulator refuses (too many consoles open): the page says why, and connects once one closes', async function () {
        const sim = await simulator({ scenario: 'demo', clock: 'manual', console: { maxClients: 1 } });
        // two browsers: they cannot share a stream
        const first = await tab(await context(), sim.consoleUrl);
        await live(first.page);
        const otherContext = await context();
        const second = await tab(otherContext, sim.consoleUrl);
        await second.page.waitForSelector('#connection[data-state="lost"]');
        assert.strictEqual(await second.page.textContent('#connection'),
            'not connected: too many console windows open (1): close one; trying again in 5 s');
        // the first browser closes its console: the second connects by itself (the simulator asked for 5 s)
        await first.page.close();
        await live(second.page);
        assert.strictEqual(await groupButton(second.page, 101), 'Close');
        assert.strictEqual(sim.consoleHub.clientCount, 1);
        // what the browser logged: the refused requests (503), nothing else
        assert.deepStrictEqual(second.errors.filter((e) => !/503 \(Service Unavailable\)/.test(e)), []);
    });

    it('hides what the hidden attribute hides, whatever the CSS (a real clock: no clock buttons)', async function () {
        const sim = await simulator({ scenario: 'demo', clock: 'real' });
        const { page, errors } = await tab(await context(), sim.consoleUrl);
        await live(page);
        assert.strictEqual(await page.getAttribute('#clock-controls', 'hidden'), '');
        assert.strictEqual(await page.isVisible('#clock-controls'), false);
        assert.strictEqual(await page.isVisible('[data-key="advance-10s"]'), false);
        const shown = await page.evaluate(() => [...document.querySelectorAll('[hidden]')]
            .filter((e) => getComputedStyle(e).display !== 'none').map((e) => e.id || e.className));
        assert.deepStrictEqual(shown, []);
        assert.deepStrictEqual(errors, []);
    });

    it('keeps each piece of user text to itself: a right-to-left override in a name or an IVR label cannot turn the text after it', async function () {
        const RLO = '\u202E';
        const LRE = '\u202A';
        const scenario = JSON.parse(require('fs').readFileSync(path.join(repoRoot, 'simulator', 'scenarios', 'test.json'), 'utf8'));
        scenario.name = `${RLO}evil scenario`;
        scenario.serviceGroups.find((g) => g.id === 101).name = `${RLO}Email`;
        scenario.tenants.find((t) => t.id === 1).name = `${LRE}Main`;
        scenario.agents.find((a) => a.id === 1001).logonId = `${RLO}4001`;
        const sim = await simulator({ scenario, clock: 'manual' });
        // one request waiting in group 102 (nobody ready), one with agent 4002 (group 101, "Email" with an override)
        for (const a of sim.state().agents) sim.setReady(a.id, false);
        const id = sim.model.execute('AddRequest', { request: { ServiceGroupID: 102, PreferredAgentID: 1001,
            IVRInfo: [{ Label: `${RLO}Subject`, Data: 'after the label' }, { Label: 'From', Data: `${RLO}someone` }],
            PrivateData: `${RLO}https://crm.example.com/1` } }).OpenMediaID;
        const held = sim.model.execute('AddRequest', { request: { ServiceGroupID: 101, IVRInfo: [{ Label: 'Subject', Data: `${RLO}printer` }] } }).OpenMediaID;
        sim.setReady(1002, true);
        assert.deepStrictEqual([sim.model.getRequest(id).Status, sim.model.getRequest(held).Status], ['Queued', 'AllocatedToAgent']);
        const { page, errors } = await tab(await context(), sim.consoleUrl);
        await live(page);
        await page.waitForSelector(`[data-group="102"] tr[data-request="${id}"]`);
        await page.waitForSelector(`[data-agent="1002"] [data-request="${held}"]`);
        const found = await page.evaluate(() => {
            const controls = /[\u202A-\u202E\u2066-\u2069]/;
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let t = walker.nextNode(); t; t = walker.nextNode()) {
                if (!controls.test(t.data)) continue;
                const parent = t.parentElement;
                // the text node is the whole content of its own <bdi>: nothing else shares its isolate
                out.push({ text: t.data, isolated: parent.tagName === 'BDI' && parent.childNodes.length === 1, where: parent.parentElement.className || parent.parentElement.tagName });
            }
            return out;
        });
        const texts = found.map((f) => f.text);
        for (const t of [`${RLO}evil scenario`, `${RLO}Email`, `${LRE}Main`, `${RLO}4001`, `${RLO}Subject`, `${RLO}someone`,
            `${RLO}https://crm.example.com/1`, `${RLO}printer`]) {
            assert.ok(texts.includes(t), `${JSON.stringify(t)} not shown`);
        }
        assert.deepStrictEqual(found.filter((f) => !f.isolated), [], 'user text outside its own <bdi>');
        // and the text after an override reads left to right: "after the label" keeps its letters in order on screen
        const order = await page.evaluate((r) => {
            const cell = document.querySelector(`[data-request="${r}"] .ivr div`);
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            let data = walker.nextNode();
            while (data && data.data !== 'after the label') data = walker.nextNode();
            const range = document.createRange();
            const xs = [];
            for (let i = 0; i < data.length; i += 1) {
                range.setStart(data, i);
                range.setEnd(data, i + 1);
                xs.push(range.getBoundingClientRect().left);
            }
            return xs;
        }, id);
        assert.ok(order.every((x, i) => i === 0 || x >= order[i - 1]), `"after the label" drawn out of order: ${order}`);
        assert.deepStrictEqual(errors, []);
    });
});

/** Until fn() is true, checked every 20 ms; bounded (for a count the simulator keeps: nothing announces it). */
async function waitUntil(fn, ms, what) {
    const end = Date.now() + ms;
    while (!fn()) {
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
