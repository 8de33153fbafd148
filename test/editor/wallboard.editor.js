'use strict';
// The wallboard example (examples/08-wallboard.json, FlowFuse Dashboard 2.0) deployed as it ships in a real Node-RED
// 4.1 (the dashboard comes from the devDependency, found by Node-RED in the project's node_modules), against a
// simulator, in headless Chromium at /dashboard: its table shows what the simulator's control API reports, its form
// queues a test item, its events table lists the item's status changes. Takes docs/wallboard.png (README).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startEditor } = require('../support/editor');
const { startTestSimulator, controlGet } = require('../support/simulator');
const { repoRoot } = require('../../scripts/node-red-server');

const SCREENSHOT = path.join(repoRoot, 'docs', 'wallboard.png');
const EXAMPLE = path.join(repoRoot, 'examples', '08-wallboard.json');

describe('wallboard example (browser): FlowFuse Dashboard 2.0 against the simulator', function () {
    this.timeout(120000);
    let sim;
    let editor;
    let page;
    let pageErrors = [];

    before(async function () {
        sim = await startTestSimulator({ scenario: 'demo', clock: 'manual' });
        // Something in every column before the flow starts: requests waiting (one of them for 40 s), requests with
        // agents, a closed group. Agent 4001 is played by hand (it keeps what it is given), 4002 and 4003 are away.
        sim.setManual(1001, true);
        sim.setReady(1002, false);
        sim.setReady(1003, false);
        const add = (ServiceGroupID, subject) => sim.model.execute('AddRequest', { request: { ServiceGroupID, IVRInfo: [{ Label: 'Subject', Data: subject }] } });
        add(101, 'Invoice 4711');
        add(101, 'Cannot log in');
        sim.advance(40000);
        add(101, 'Refund');
        add(102, 'T-100');
        add(102, 'T-101');
        add(103, 'Chat');
        sim.setGroupOpen(103, false);
        // The example as it ships, pointed at this simulator (the om-server's URL, as a user would change it).
        const flow = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
        const servers = flow.filter((n) => n.type === 'om-server');
        assert.strictEqual(servers.length, 1);
        servers[0].url = sim.url;
        editor = await startEditor({ flows: flow, dashboard: true });
        ({ page, errors: pageErrors } = await editor.openPage(`${editor.url}dashboard`));
        await page.waitForSelector('.om-groups table');
    });

    after(async function () {
        if (editor) await editor.stop();
        if (sim) await sim.stop();
    });

    afterEach(async function () {
        if (editor) await editor.screenshotOnFailure(this.currentTest, page, `wallboard-${this.currentTest.title.slice(0, 30)}`);
    });

    /** The rows of a dashboard table (by the widget's class name), as arrays of cell texts. */
    const tableRows = (cls) => page.$$eval(`.${cls} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));

    /** What the group table should show, from the simulator's control API (GET /control/state). */
    async function expectedRows() {
        const state = (await controlGet(sim, '/state')).json;
        return state.groups.filter((g) => g.tenantId === 1 && g.openMedia).map((g) => {
            const withAgents = state.requests.filter((r) => r.ServiceGroupID === g.id
                && (r.Status === 'AllocatedToAgent' || r.Status === 'AgentProcessing')).length;
            return [g.name, String(g.id), g.open ? 'open' : 'closed', String(g.queue.length), String(withAgents), String(g.agents.length)];
        });
    }

    /**
     * Until the table (the flow refreshes it every 5 s, the agents every 30 s) shows what the simulator reports now
     * (its clock is manual: nothing changes unless the test does it); bounded.
     */
    async function tableMatchesSimulator() {
        const expected = await expectedRows();
        await page.waitForFunction((want) => {
            const rows = [...document.querySelectorAll('.om-groups tbody tr')]
                .map((tr) => [...tr.cells].map((c) => c.textContent.trim()))
                .map(([name, id, open, waiting, withAgents, , agents]) => [name, id, open, waiting, withAgents, agents]);
            return JSON.stringify(rows) === JSON.stringify(want);
        }, expected, { timeout: 40000 }).catch(async () => {
            assert.deepStrictEqual(await tableRows('om-groups'), expected, 'the wallboard never showed what the simulator reports');
        });
        return expected;
    }

    it('shows per group its name beside its id, open/closed, waiting, with agents and agents as the simulator reports, and the oldest wait', async function () {
        const expected = await tableMatchesSimulator();
        // the names the example's "group names" node gives, the ones the simulator has (the service gives ids only)
        assert.deepStrictEqual(expected.map((r) => r.slice(0, 2)), [['Email', '101'], ['Tickets', '102'], ['Chat', '103'], ['After Hours', '104']]);
        assert.ok(expected.some((r) => r[2] === 'closed') && expected.some((r) => r[3] !== '0') && expected.some((r) => r[4] !== '0'),
            `nothing to see: ${JSON.stringify(expected)}`);
        const headers = await page.$$eval('.om-groups thead th', (ths) => ths.map((th) => th.textContent.trim()));
        assert.deepStrictEqual(headers.slice(0, 3), ['Group', 'ID', 'Open']);
        const rows = await tableRows('om-groups');
        // Group 101's oldest waiting request was queued 40 s before the last add, on the simulator's clock (4001 holds
        // the first one).
        assert.strictEqual(rows.find((r) => r[1] === '101')[5], '0:40');
        assert.strictEqual(rows.find((r) => r[1] === '104')[5], '-');
        const totals = await page.textContent('.om-totals');
        const waiting = expected.reduce((n, r) => n + Number(r[3]), 0);
        const withAgents = expected.reduce((n, r) => n + Number(r[4]), 0);
        assert.match(totals, new RegExp(`${waiting} waiting, ${withAgents} with agents`));
    });

    it('follows the simulator: a group closed and a request answered show at the next refresh', async function () {
        sim.setGroupOpen(102, false);
        sim.setReady(1003, true); // takes a ticket of group 102
        await tableMatchesSimulator();
        const rows = await tableRows('om-groups');
        assert.strictEqual(rows.find((r) => r[1] === '102')[2], 'closed');
        sim.setGroupOpen(102, true);
        await tableMatchesSimulator();
    });

    it('the form queues a test item; its status changes appear with the reference as correlation', async function () {
        const before = sim.state().nextOpenMediaID;
        await page.fill('[data-form="form-row-group"] input', '101');
        await page.fill('[data-form="form-row-subject"] input', 'Wallboard <test> item');
        await page.fill('[data-form="form-row-reference"] input', 'WB-7');
        await page.click('.om-form button[type="submit"]');
        await page.waitForFunction((id) => (document.querySelector('.om-last-item') || {}).textContent
            && document.querySelector('.om-last-item').textContent.includes(`#${id} queued`), before, { timeout: 20000 });
        const detail = sim.model.getRequest(before);
        assert.strictEqual(detail.ServiceGroupID, 101);
        assert.deepStrictEqual(detail.IVRInfo, [{ Label: 'Subject', Data: 'Wallboard <test> item' }]);
        // om-events reports it; the table row carries the reference given in the form.
        await page.waitForFunction((id) => [...document.querySelectorAll('.om-events tbody tr')]
            .some((tr) => tr.cells.length > 5 && tr.cells[1].textContent.trim() === String(id)), before, { timeout: 20000 });
        const rows = (await tableRows('om-events')).filter((r) => r[1] === String(before));
        assert.ok(rows.length >= 1);
        assert.ok(rows.every((r) => r[3] === 'Email (101)' && r[5] === 'WB-7'), JSON.stringify(rows));
        assert.strictEqual(rows[rows.length - 1][2], 'Queued');
        await tableMatchesSimulator();
    });

    it('fits 1366x768; screenshot docs/wallboard.png', async function () {
        await tableMatchesSimulator();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 1366, `${width} px wide`);
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        await page.screenshot({ path: SCREENSHOT });
        assert.deepStrictEqual(pageErrors, []);
        assert.deepStrictEqual(editor.errors, []);
    });
});
