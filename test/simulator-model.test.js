'use strict';
// Unit tests of the simulator's model (src/simulator/model.ts), in-process, manual clock: every documented rule.
const assert = require('assert');
const path = require('path');
const fs = require('fs');
const os = require('os');
const { OpenMediaModel } = require('../simulator/model');
const { Clock } = require('../simulator/clock');
const { loadBuiltinScenario, loadScenario, validateScenario, ScenarioError } = require('../simulator/scenario');
const { SimFault } = require('../simulator/types');

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const IVR = [{ Label: 'Ticket', Data: 'T-1' }];

function model(opts = {}) {
  const clock = Clock.manual(T0);
  const m = new OpenMediaModel(opts.scenario || loadBuiltinScenario('test'), { clock, ...opts.options });
  return m;
}
function add(m, request) {
  return m.execute('AddRequest', { request: { IVRInfo: IVR, ...request } });
}
function status(m, id) {
  return m.execute('GetOpenMediaRequestStatusByID', { openMediaID: id }).OpenMediaRequests[0];
}
function fault(fn, name) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof SimFault, `expected SimFault ${name}, got ${err && err.stack}`);
    assert.strictEqual(err.fault, name);
    return true;
  });
}
function statuses(m, id) {
  return m.eventLog.filter((e) => e.ID === id).map((e) => e.Status);
}
const s = (n, ch = 'x') => ch.repeat(n);

describe('simulator model: scenario files', () => {
  it('loads the shipped demo and test scenarios', () => {
    for (const name of ['demo', 'test']) {
      const sc = loadBuiltinScenario(name);
      assert.ok(sc.serviceGroups.length >= 5);
      assert.ok(sc.agents.length >= 4);
      new OpenMediaModel(sc, { clock: Clock.manual(T0) });
    }
    const demo = loadBuiltinScenario('demo');
    assert.ok(demo.agents.every((a) => a.answerAfterSeconds > 0 && a.completeAfterSeconds > 0));
    assert.ok(demo.serviceGroups.some((g) => g.openMedia === false));
    assert.ok(demo.serviceGroups.some((g) => g.open === false));
    assert.ok(demo.tenants.some((t) => t.enabled === false));
  });

  it('rejects a bad scenario with the path of the problem', () => {
    const base = () => JSON.parse(JSON.stringify(loadBuiltinScenario('test')));
    const cases = [
      [(x) => { x.serviceGroups[0].name = s(21); }, /serviceGroups\[0\]\.name: 21 characters, at most 20/],
      [(x) => { x.agents[0].groups.push(999); }, /agents\[0\]\.groups\[3\]: unknown service group 999/],
      [(x) => { x.serviceGroups[1].id = 101; }, /duplicate service group id 101/],
      [(x) => { x.agents[1].logonId = '4001'; }, /duplicate logon id/],
      [(x) => { x.serviceGroups[0].tenantId = 7; }, /tenant 7 is not in tenants/],
      [(x) => { delete x.tenants; }, /tenants: must be an array/],
      [(x) => { x.dataExpirationMinutes = 0; }, /dataExpirationMinutes: must be a number > 0/],
      [(x) => { x.agents[0].loggedOn = 'yes'; }, /loggedOn: must be true or false/],
    ];
    for (const [change, re] of cases) {
      const sc = base();
      change(sc);
      assert.throws(() => validateScenario(sc), (e) => e instanceof ScenarioError && re.test(e.message));
    }
    assert.throws(() => new OpenMediaModel({ tenants: [], serviceGroups: [{ id: 1, name: s(21), tenantId: -1 }], agents: [] }), ScenarioError);
  });

  it('names the file when it is missing or not JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omsim-'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ "tenants": [ }');
    try {
      assert.throws(() => loadScenario(bad), /bad\.json is not valid JSON/);
      assert.throws(() => loadScenario(path.join(dir, 'none.json')), /cannot read scenario file .*none\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulator model: clock', () => {
  it('a manual clock only moves when told', () => {
    const c = Clock.manual(T0);
    assert.strictEqual(c.now(), T0);
    c.advance(1500);
    assert.strictEqual(c.now(), T0 + 1500);
    c.set(T0);
    assert.strictEqual(c.now(), T0);
    assert.throws(() => c.advance(-1), RangeError);
  });
  it('a real clock follows Date.now plus an offset', () => {
    const c = Clock.real();
    assert.ok(Math.abs(c.now() - Date.now()) < 1000);
    c.advance(3_600_000);
    assert.ok(Math.abs(c.now() - Date.now() - 3_600_000) < 1000);
  });
  it('model.advance moves the clock and stamps events with the model time', () => {
    const m = model();
    m.advance(2500);
    const r = add(m, { ServiceGroupID: 106 });
    assert.strictEqual(status(m, r.OpenMediaID).TimeStamp.getTime(), T0 + 2500);
    assert.throws(() => m.advance(-5), /advance/);
  });
});

describe('simulator model: AddRequest outcomes', () => {
  it('Success by ServiceGroupID: queued in an agentless group, with position and EWT', () => {
    const m = model();
    const r = add(m, { ServiceGroupID: 106 });
    assert.deepStrictEqual(r, { EWT: 100, OpenMediaID: 1, QueuePosition: 1, RequestStatus: 'Success' });
    const st = status(m, 1);
    assert.deepStrictEqual({ ...st, TimeStamp: st.TimeStamp.getTime() }, {
      ID: 1, Status: 'Queued', TimeStamp: T0, AgentID: 0, TenantID: 0, LogonID: null, ServiceGroupID: 106, QueuePosition: 1,
    });
  });

  it('Success by TenantID + ServiceGroupName (case-insensitive); ServiceGroupID wins over the name', () => {
    const m = model();
    assert.strictEqual(add(m, { TenantID: 1, ServiceGroupName: 'backlog' }).RequestStatus, 'Success');
    assert.strictEqual(status(m, 1).ServiceGroupID, 106);
    add(m, { ServiceGroupID: 106, TenantID: 1, ServiceGroupName: 'Email' });
    assert.strictEqual(status(m, 2).ServiceGroupID, 106);
    // ServiceGroupID 0 is "not given" (a .NET client always sends the int)
    add(m, { ServiceGroupID: 0, TenantID: 1, ServiceGroupName: 'Backlog' });
    assert.strictEqual(status(m, 3).ServiceGroupID, 106);
  });

  it('GroupClosed, InvalidGroup, TenantDisabled: not accepted, no id, no event', () => {
    const m = model();
    const rejected = (st) => ({ EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: st });
    assert.deepStrictEqual(add(m, { ServiceGroupID: 104 }), rejected('GroupClosed'));
    assert.deepStrictEqual(add(m, { ServiceGroupID: 999 }), rejected('InvalidGroup'));
    assert.deepStrictEqual(add(m, { ServiceGroupID: 105 }), rejected('InvalidGroup'), 'not an Open Media group');
    assert.deepStrictEqual(add(m, { TenantID: 1, ServiceGroupName: 'Nope' }), rejected('InvalidGroup'));
    assert.deepStrictEqual(add(m, { TenantID: 2, ServiceGroupName: 'Email' }), rejected('InvalidGroup'), 'no Email in tenant 2');
    assert.deepStrictEqual(add(m, {}), rejected('InvalidGroup'), 'no group at all');
    assert.deepStrictEqual(add(m, { ServiceGroupID: 201 }), rejected('TenantDisabled'));
    assert.deepStrictEqual(add(m, { TenantID: 2, ServiceGroupName: 'Support' }), rejected('TenantDisabled'));
    assert.strictEqual(m.eventLog.length, 0);
    m.setTenantEnabled(2, true);
    assert.strictEqual(add(m, { ServiceGroupID: 201 }).RequestStatus, 'Success');
    m.setGroupOpen(104, true);
    assert.strictEqual(add(m, { ServiceGroupID: 104 }).RequestStatus, 'Success');
    m.setGroupOpen(101, false);
    assert.strictEqual(add(m, { ServiceGroupID: 101 }).RequestStatus, 'GroupClosed');
  });

  it('AgentLoggedOff for a forced preferred agent who is logged off or unknown; Error when not in the group', () => {
    const m = model();
    assert.deepStrictEqual(add(m, { ServiceGroupID: 102, PreferredAgentID: 1003, ForceToPreferredAgent: true }),
      { EWT: 0, OpenMediaID: 0, QueuePosition: 0, RequestStatus: 'AgentLoggedOff' });
    assert.strictEqual(add(m, { ServiceGroupID: 102, PreferredAgentLogonID: '4003', ForceToPreferredAgent: true }).RequestStatus, 'AgentLoggedOff');
    assert.strictEqual(add(m, { ServiceGroupID: 102, PreferredAgentID: 9999, ForceToPreferredAgent: true }).RequestStatus, 'AgentLoggedOff');
    assert.strictEqual(add(m, { ServiceGroupID: 106, PreferredAgentID: 1001, ForceToPreferredAgent: true }).RequestStatus, 'Error');
    // not forced: a logged-off preferred agent is just a wish
    assert.strictEqual(add(m, { ServiceGroupID: 102, PreferredAgentID: 1003 }).RequestStatus, 'Success');
    m.logon(1003);
    assert.strictEqual(add(m, { ServiceGroupID: 107, PreferredAgentID: 1003, ForceToPreferredAgent: true }).RequestStatus, 'Success');
  });

  it('NoLicenseFault before RouterDisconnectedFault', () => {
    const m = model();
    m.setLicense(false);
    fault(() => add(m, { ServiceGroupID: 101 }), 'NoLicenseFault');
    m.disconnectRouter();
    fault(() => add(m, { ServiceGroupID: 101 }), 'NoLicenseFault');
    m.setLicense(true);
    fault(() => add(m, { ServiceGroupID: 101 }), 'RouterDisconnectedFault');
    m.reconnectRouter();
    assert.strictEqual(add(m, { ServiceGroupID: 101 }).RequestStatus, 'Success');
  });
});

describe('simulator model: AddRequest field limits', () => {
  const ok = (m, req) => assert.strictEqual(add(m, { ServiceGroupID: 106, ...req }).RequestStatus, 'Success');
  const bad = (m, req) => fault(() => m.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: IVR, ...req } }), 'InvalidDataException');

  it('ServiceGroupName 20 characters ok, 21 rejected', () => {
    const m = model();
    assert.strictEqual(add(m, { TenantID: 1, ServiceGroupName: 'Premium Support Desk' }).RequestStatus, 'Success');
    bad(m, { ServiceGroupID: 0, TenantID: 1, ServiceGroupName: 'Premium Support Desk!' });
  });
  it('IVRInfo 3 items ok, 4 rejected; Label/Data 100 ok, 101 rejected', () => {
    const m = model();
    ok(m, { IVRInfo: [{ Label: 'a', Data: '1' }, { Label: 'b', Data: '2' }, { Label: 'c', Data: '3' }] });
    bad(m, { IVRInfo: [{ Label: 'a' }, { Label: 'b' }, { Label: 'c' }, { Label: 'd' }] });
    ok(m, { IVRInfo: [{ Label: s(100), Data: s(100) }] });
    bad(m, { IVRInfo: [{ Label: s(101), Data: 'x' }] });
    bad(m, { IVRInfo: [{ Label: 'x', Data: s(101) }] });
  });
  it('at least one Label or Data', () => {
    const m = model();
    bad(m, { IVRInfo: undefined });
    bad(m, { IVRInfo: null });
    bad(m, { IVRInfo: [] });
    bad(m, { IVRInfo: [{}] });
    bad(m, { IVRInfo: [{ Label: null, Data: '' }] });
    fault(() => m.execute('AddRequest', { request: null }), 'InvalidDataException');
    fault(() => m.execute('AddRequest', {}), 'InvalidDataException');
    ok(m, { IVRInfo: [{ Data: 'only data' }] });
    ok(m, { IVRInfo: [{ Label: 'only label' }] });
  });
  it('PrivateData 255 ok, 256 rejected', () => {
    const m = model();
    ok(m, { PrivateData: s(255) });
    bad(m, { PrivateData: s(256) });
  });
  it('SessionPriority 1..100 (0 = not given), TypeOfSession >= 1 (0 = not given)', () => {
    const m = model();
    ok(m, { SessionPriority: 1 });
    ok(m, { SessionPriority: 100 });
    ok(m, { SessionPriority: 0 });
    bad(m, { SessionPriority: 101 });
    bad(m, { SessionPriority: -1 });
    ok(m, { TypeOfSession: 1 });
    ok(m, { TypeOfSession: 0 });
    bad(m, { TypeOfSession: -1 });
    assert.strictEqual(m.eventLog.length, 5, 'a rejected request leaves no event');
  });
});

describe('simulator model: queue order', () => {
  it('orders by SessionPriority (1 first; none = lowest) then queue time; positions move', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID; // none
    m.advance(1000);
    const b = add(m, { ServiceGroupID: 106, SessionPriority: 50 }).OpenMediaID;
    m.advance(1000);
    const c = add(m, { ServiceGroupID: 106, SessionPriority: 10 });
    assert.strictEqual(c.QueuePosition, 1);
    m.advance(1000);
    const d = add(m, { ServiceGroupID: 106, SessionPriority: 10 });
    assert.strictEqual(d.QueuePosition, 2);
    assert.deepStrictEqual([a, b, c.OpenMediaID, d.OpenMediaID].map((id) => status(m, id).QueuePosition), [4, 3, 1, 2]);
    assert.deepStrictEqual(m.state().groups.find((g) => g.id === 106).queue, [c.OpenMediaID, d.OpenMediaID, b, a]);
    // cancelling the first moves everybody up in the current status, not in the history
    assert.strictEqual(m.execute('CancelRequest', { request: { OpenMediaID: c.OpenMediaID } }), true);
    assert.deepStrictEqual([a, b, d.OpenMediaID].map((id) => status(m, id).QueuePosition), [3, 2, 1]);
    const hist = m.execute('GetOpenMediaRequestHistoryByID', { openMediaID: a, retrieveLaterThan: new Date(0) }).OpenMediaRequests;
    assert.strictEqual(hist[0].QueuePosition, 1);
  });

  it('QueueStartTime backdates the queue time and wins over SessionPriority; a future one is ignored', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.advance(10_000);
    const b = add(m, { ServiceGroupID: 106, QueueStartTime: new Date(T0 - 5000) });
    assert.strictEqual(b.QueuePosition, 1, 'backdated before a');
    const c = add(m, { ServiceGroupID: 106, SessionPriority: 1, QueueStartTime: new Date(T0 + 5000) });
    assert.strictEqual(c.QueuePosition, 3, 'priority ignored: placed by its queue time, after a');
    assert.strictEqual(m.getRequest(c.OpenMediaID).QueueTime.getTime(), T0 + 5000);
    const d = add(m, { ServiceGroupID: 106, SessionPriority: 1 });
    assert.strictEqual(d.QueuePosition, 1, 'a plain priority-1 request goes first');
    const e = add(m, { ServiceGroupID: 106, QueueStartTime: new Date(T0 + 3_600_000) });
    assert.strictEqual(e.QueuePosition, 5, 'a future QueueStartTime is ignored');
    assert.strictEqual(m.getRequest(e.OpenMediaID).QueueTime.getTime(), T0 + 10_000);
    assert.deepStrictEqual(m.state().groups.find((g) => g.id === 106).queue,
      [d.OpenMediaID, b.OpenMediaID, a, c.OpenMediaID, e.OpenMediaID]);
  });

  it('EWT = position x average handling time / logged-on agents, following real handling times', () => {
    const m = model();
    assert.deepStrictEqual([1, 2, 3].map(() => add(m, { ServiceGroupID: 106 }).EWT), [100, 200, 300]);
    // Email: 2 agents logged on, default AHT 120
    const x = add(m, { ServiceGroupID: 101 });
    const y = add(m, { ServiceGroupID: 101 });
    assert.deepStrictEqual([x.QueuePosition, x.EWT, y.QueuePosition, y.EWT], [0, 0, 0, 0]);
    const z = add(m, { ServiceGroupID: 101 });
    assert.deepStrictEqual([z.QueuePosition, z.EWT], [1, 60]);
    m.advance(30_000);
    m.answer(x.OpenMediaID);
    m.complete(x.OpenMediaID); // handled in 30 s
    assert.strictEqual(status(m, z.OpenMediaID).Status, 'AllocatedToAgent');
    const w = add(m, { ServiceGroupID: 101 });
    assert.deepStrictEqual([w.QueuePosition, w.EWT], [1, 15]);
    m.logoff(1002); // its unanswered request goes back to the queue
    const v = add(m, { ServiceGroupID: 101 });
    assert.strictEqual(v.QueuePosition, 3);
    assert.strictEqual(v.EWT, 90, 'position 3 x 30 s / 1 agent');
  });
});

describe('simulator model: allocation', () => {
  it('allocates at once to a free agent: Queued then AllocatedToAgent with the agent fields', () => {
    const m = model();
    const r = add(m, { ServiceGroupID: 102 });
    assert.deepStrictEqual([r.QueuePosition, r.EWT], [0, 0]);
    const evs = m.eventLog;
    assert.deepStrictEqual(evs.map((e) => e.Status), ['Queued', 'AllocatedToAgent']);
    assert.strictEqual(evs[0].QueuePosition, 1);
    assert.deepStrictEqual([evs[1].AgentID, evs[1].TenantID, evs[1].LogonID, evs[1].QueuePosition, evs[1].ServiceGroupID], [1001, 1, '4001', 0, 102]);
    m.answer(r.OpenMediaID);
    m.complete(r.OpenMediaID);
    const all = m.eventLog.map((e) => [e.Status, e.AgentID, e.LogonID]);
    assert.deepStrictEqual(all.slice(2), [['AgentProcessing', 1001, '4001'], ['Complete', 1001, '4001']]);
  });

  it('one session per agent by default; the least loaded, longest idle agent is chosen; a freed agent takes the next', () => {
    const m = model();
    m.setReady(1001, false);
    m.advance(1000);
    m.setReady(1001, true); // 1002 has now been idle longer than 1001
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(status(m, a).AgentID, 1002, 'longest idle first');
    const b = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(status(m, b).AgentID, 1001, 'least loaded');
    const c = add(m, { ServiceGroupID: 101 });
    assert.strictEqual(c.QueuePosition, 1);
    m.answer(b);
    m.complete(b);
    assert.strictEqual(status(m, b).Status, 'Complete');
    assert.strictEqual(status(m, c.OpenMediaID).AgentID, status(m, b).AgentID, 'the agent who completed b takes c');
    assert.strictEqual(status(m, c.OpenMediaID).Status, 'AllocatedToAgent');
  });

  it('an agent not ready or logged off gets nothing until ready / logged on', () => {
    const m = model();
    m.logoff(1001);
    m.logoff(1002);
    const r = add(m, { ServiceGroupID: 103 }).OpenMediaID; // only 1004 (not ready) left
    assert.strictEqual(status(m, r).Status, 'Queued');
    m.setReady(1004, true);
    assert.strictEqual(status(m, r).AgentID, 1004);
    const q = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    assert.strictEqual(status(m, q).Status, 'Queued');
    m.logon('4003');
    assert.strictEqual(status(m, q).AgentID, 1003);
    assert.throws(() => m.logon(777), /unknown agent 777/);
  });

  it('a freed agent takes the best-ranked request across its groups', () => {
    const m = model();
    const busy = add(m, { ServiceGroupID: 102 }).OpenMediaID; // 1001
    m.logoff(1002);
    add(m, { ServiceGroupID: 101 }); // queued (1001 busy)
    const urgent = add(m, { ServiceGroupID: 102, SessionPriority: 1 }).OpenMediaID;
    m.answer(busy);
    m.complete(busy);
    assert.strictEqual(status(m, urgent).AgentID, 1001);
  });

  it('logoff puts allocated (unanswered) requests back in their queue; answered ones stay', () => {
    const m = model();
    m.logoff(1002);
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(status(m, a).AgentID, 1001);
    m.logoff(1001);
    assert.deepStrictEqual(statuses(m, a), ['Queued', 'AllocatedToAgent', 'Queued']);
    assert.strictEqual(status(m, a).QueuePosition, 1);
    m.logon(1001);
    m.answer(a);
    m.logoff(1001);
    assert.strictEqual(status(m, a).Status, 'AgentProcessing');
    m.complete(a);
    assert.strictEqual(status(m, a).Status, 'Complete');
  });

  it('agent actions that are not possible throw a readable Error', () => {
    const m = model();
    const r = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    assert.throws(() => m.answer(r), /is Queued, not AllocatedToAgent/);
    assert.throws(() => m.complete(r), /is Queued, not AgentProcessing/);
    assert.throws(() => m.answer(12345), /unknown Open Media request 12345/);
    assert.throws(() => m.setGroupOpen(9, true), /unknown service group 9/);
    assert.throws(() => m.setTenantEnabled(9, true), /unknown tenant 9/);
  });
});

describe('simulator model: preferred agent', () => {
  it('PreferredAgentID / PreferredAgentLogonID route to that agent; the record id wins', () => {
    const m = model();
    assert.strictEqual(status(m, add(m, { ServiceGroupID: 101, PreferredAgentID: 1002 }).OpenMediaID).AgentID, 1002);
    assert.strictEqual(status(m, add(m, { ServiceGroupID: 101, PreferredAgentLogonID: '4001' }).OpenMediaID).AgentID, 1001);
    const m2 = model();
    const r = add(m2, { ServiceGroupID: 101, PreferredAgentID: 1001, PreferredAgentLogonID: '4002' }).OpenMediaID;
    assert.strictEqual(status(m2, r).AgentID, 1001);
  });

  it('not forced: another agent takes it when the preferred one is busy', () => {
    const m = model();
    add(m, { ServiceGroupID: 101, PreferredAgentID: 1002 });
    const r = add(m, { ServiceGroupID: 101, PreferredAgentID: 1002 }).OpenMediaID;
    assert.strictEqual(status(m, r).AgentID, 1001);
  });

  it('forced: waits for that agent only, and gets it when the agent frees up in time', () => {
    const m = model();
    const first = add(m, { ServiceGroupID: 103, PreferredAgentID: 1002 }).OpenMediaID;
    const forced = add(m, { ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true });
    assert.deepStrictEqual([forced.RequestStatus, forced.QueuePosition], ['Success', 1]);
    assert.strictEqual(status(m, forced.OpenMediaID).Status, 'Queued', 'agent 1001 is free but may not take it');
    assert.strictEqual(m.getRequest(forced.OpenMediaID).ForceToPreferredAgent, true);
    m.advance(9_000);
    m.answer(first);
    m.complete(first);
    assert.strictEqual(status(m, forced.OpenMediaID).AgentID, 1002);
    m.advance(5_000);
    assert.strictEqual(status(m, forced.OpenMediaID).Status, 'AllocatedToAgent', 'the timeout no longer applies');
  });

  it('forced: Failed when the agent is not free within the group timeout (Chat: 10 s)', () => {
    const m = model();
    add(m, { ServiceGroupID: 103, PreferredAgentID: 1002 });
    const forced = add(m, { ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true }).OpenMediaID;
    m.advance(9_999);
    assert.strictEqual(status(m, forced).Status, 'Queued');
    m.advance(1);
    const st = status(m, forced);
    assert.deepStrictEqual([st.Status, st.AgentID, st.QueuePosition, st.TimeStamp.getTime()], ['Failed', 0, 0, T0 + 10_000]);
    assert.deepStrictEqual(m.state().groups.find((g) => g.id === 103).queue, []);
  });

  it('forced: Failed at once when the agent logs off', () => {
    const m = model();
    add(m, { ServiceGroupID: 103, PreferredAgentID: 1002 });
    const forced = add(m, { ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true }).OpenMediaID;
    m.logoff(1002);
    assert.strictEqual(status(m, forced).Status, 'Failed');
  });
});

describe('simulator model: SetOptions and capacity', () => {
  const opt = (m, request) => m.execute('SetOptions', { request });

  it('MaxNumberOfSessions lets an agent hold several sessions', () => {
    const m = model();
    m.logoff(1002);
    assert.strictEqual(opt(m, { MaxNumberOfSessions: 2 }), true);
    const ids = [1, 2, 3].map(() => add(m, { ServiceGroupID: 101 }).OpenMediaID);
    assert.deepStrictEqual(ids.map((id) => status(m, id).Status), ['AllocatedToAgent', 'AllocatedToAgent', 'Queued']);
    opt(m, { MaxNumberOfSessions: 3 });
    assert.strictEqual(status(m, ids[2]).Status, 'AllocatedToAgent', 'raising the limit hands out the queue');
  });

  it('a type with its own MaxNumberOfSessions counts only its own sessions', () => {
    const m = model();
    m.logoff(1002);
    opt(m, { TypeOfSession: 5, MaxNumberOfSessions: 2 });
    assert.deepStrictEqual(m.setOptionsFor(5), { MaxNumberOfSessions: 2 });
    const a = add(m, { ServiceGroupID: 101, TypeOfSession: 5 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 101, TypeOfSession: 5 }).OpenMediaID;
    const c = add(m, { ServiceGroupID: 101, TypeOfSession: 5 }).OpenMediaID;
    const other = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.deepStrictEqual([a, b, c, other].map((id) => status(m, id).Status), ['AllocatedToAgent', 'AllocatedToAgent', 'Queued', 'Queued']);
  });

  it('AllowDifferentTypes 1 is checked for the incoming session only', () => {
    const m = model();
    m.logoff(1002);
    opt(m, { MaxNumberOfSessions: 5 });
    opt(m, { TypeOfSession: 1, AllowDifferentTypes: 1 });
    opt(m, { TypeOfSession: 2, AllowDifferentTypes: 2 });
    const t2 = add(m, { ServiceGroupID: 101, TypeOfSession: 2 }).OpenMediaID;
    const t1 = add(m, { ServiceGroupID: 101, TypeOfSession: 1 }).OpenMediaID;
    assert.strictEqual(status(m, t2).AgentID, 1001);
    assert.strictEqual(status(m, t1).Status, 'Queued', 'type 1 does not join an agent busy with type 2');
    m.answer(t2);
    m.complete(t2);
    assert.strictEqual(status(m, t1).AgentID, 1001);
    const t2b = add(m, { ServiceGroupID: 101, TypeOfSession: 2 }).OpenMediaID;
    assert.strictEqual(status(m, t2b).AgentID, 1001, 'type 2 allows different types: joins the type-1 session');
  });

  it('AllowDifferentTypes 1 without a type applies to every type', () => {
    const m = model();
    m.logoff(1002);
    opt(m, { MaxNumberOfSessions: 5, AllowDifferentTypes: 1 });
    add(m, { ServiceGroupID: 101, TypeOfSession: 3 });
    const same = add(m, { ServiceGroupID: 101, TypeOfSession: 3 }).OpenMediaID;
    const diff = add(m, { ServiceGroupID: 101, TypeOfSession: 4 }).OpenMediaID;
    assert.deepStrictEqual([status(m, same).Status, status(m, diff).Status], ['AllocatedToAgent', 'Queued']);
  });

  it('ranges: each option at its limits ok, one past -> InvalidDataFault', () => {
    const m = model();
    for (const [key, min, max] of [['AgentActionOptions', 1, 4], ['CloseTabOptions', 1, 4], ['AllowDifferentTypes', 1, 2], ['SessionLinkOptions', 1, 2]]) {
      assert.strictEqual(opt(m, { TypeOfSession: 7, [key]: min }), true);
      assert.strictEqual(opt(m, { TypeOfSession: 7, [key]: max }), true);
      fault(() => opt(m, { TypeOfSession: 7, [key]: max + 1 }), 'InvalidDataFault');
      fault(() => opt(m, { TypeOfSession: 7, [key]: -1 }), 'InvalidDataFault');
    }
    assert.strictEqual(opt(m, { MaxNumberOfSessions: 1 }), true);
    fault(() => opt(m, { MaxNumberOfSessions: -1 }), 'InvalidDataFault');
    fault(() => opt(m, { TypeOfSession: -1, SessionLinkOptions: 1 }), 'InvalidDataFault');
    assert.deepStrictEqual(m.setOptionsFor(7), { AgentActionOptions: 4, CloseTabOptions: 4, AllowDifferentTypes: 2, SessionLinkOptions: 2 });
  });

  it('AgentActionOptions 2/4 and CloseTabOptions 4 need a TypeOfSession', () => {
    const m = model();
    fault(() => opt(m, { AgentActionOptions: 2 }), 'InvalidDataFault');
    fault(() => opt(m, { AgentActionOptions: 4, TypeOfSession: 0 }), 'InvalidDataFault');
    fault(() => opt(m, { CloseTabOptions: 4 }), 'InvalidDataFault');
    assert.strictEqual(opt(m, { AgentActionOptions: 1, CloseTabOptions: 3 }), true);
    assert.strictEqual(opt(m, { AgentActionOptions: 3 }), true);
    assert.deepStrictEqual(m.setOptionsFor(0), { AgentActionOptions: 3, CloseTabOptions: 3 });
    fault(() => opt(m, null), 'InvalidDataFault');
  });

  it('ResetAllOptions clears the type, then applies what is given', () => {
    const m = model();
    opt(m, { TypeOfSession: 3, MaxNumberOfSessions: 4, SessionLinkOptions: 2 });
    opt(m, { TypeOfSession: 3, ResetAllOptions: true });
    assert.strictEqual(m.setOptionsFor(3), undefined);
    opt(m, { TypeOfSession: 3, MaxNumberOfSessions: 4, SessionLinkOptions: 2 });
    opt(m, { TypeOfSession: 3, ResetAllOptions: true, CloseTabOptions: 2 });
    assert.deepStrictEqual(m.setOptionsFor(3), { CloseTabOptions: 2 });
  });

  it('NoLicenseFault / RouterDisconnectedFault', () => {
    const m = model();
    m.setLicense(false);
    fault(() => opt(m, { MaxNumberOfSessions: 2 }), 'NoLicenseFault');
    m.setLicense(true);
    m.disconnectRouter();
    fault(() => opt(m, { MaxNumberOfSessions: 2 }), 'RouterDisconnectedFault');
  });
});

describe('simulator model: CancelRequest', () => {
  const cancel = (m, request) => m.execute('CancelRequest', { request });

  it('queued: true and a Cancelled event; DoNotReport only spares the statistics', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    assert.strictEqual(cancel(m, { OpenMediaID: a }), true);
    assert.strictEqual(cancel(m, { OpenMediaID: b, DoNotReport: true }), true);
    assert.deepStrictEqual(statuses(m, a), ['Queued', 'Cancelled']);
    assert.deepStrictEqual(statuses(m, b), ['Queued', 'Cancelled']);
    const st = m.state().groups.find((g) => g.id === 106).stats;
    assert.deepStrictEqual([st.abandoned, st.abandonedNotReported], [1, 1]);
    const ev = status(m, a);
    assert.deepStrictEqual([ev.AgentID, ev.LogonID, ev.QueuePosition], [0, null, 0]);
  });

  it('allocated: false without CancelIfAllocated (nothing changes), true with it (agent freed)', () => {
    const m = model();
    m.logoff(1002);
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    const next = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(cancel(m, { OpenMediaID: a, CancelIfAllocated: false }), false);
    assert.strictEqual(status(m, a).Status, 'AllocatedToAgent');
    assert.strictEqual(cancel(m, { OpenMediaID: a, CancelIfAllocated: true }), true);
    assert.strictEqual(status(m, a).Status, 'Cancelled');
    assert.strictEqual(status(m, next).AgentID, 1001, 'the freed agent takes the next request');
    m.answer(next);
    assert.strictEqual(cancel(m, { OpenMediaID: next }), false, 'answered, CancelIfAllocated absent');
    assert.strictEqual(cancel(m, { OpenMediaID: next, CancelIfAllocated: true, DoNotReport: true }), true);
    assert.deepStrictEqual(statuses(m, next), ['Queued', 'AllocatedToAgent', 'AgentProcessing', 'Cancelled']);
  });

  it('terminated -> OpenMediaRequestTerminatedFault; unknown -> InvalidOpenMediaIDFault', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    cancel(m, { OpenMediaID: a });
    fault(() => cancel(m, { OpenMediaID: a }), 'OpenMediaRequestTerminatedFault');
    const b = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    m.answer(b);
    m.complete(b);
    fault(() => cancel(m, { OpenMediaID: b, CancelIfAllocated: true }), 'OpenMediaRequestTerminatedFault');
    fault(() => cancel(m, { OpenMediaID: 999 }), 'InvalidOpenMediaIDFault');
    fault(() => cancel(m, null), 'InvalidOpenMediaIDFault');
    m.setLicense(false);
    fault(() => cancel(m, { OpenMediaID: a }), 'NoLicenseFault');
    m.setLicense(true);
    m.disconnectRouter();
    fault(() => cancel(m, { OpenMediaID: a }), 'RouterDisconnectedFault');
  });
});

describe('simulator model: DivertRequest', () => {
  const divert = (m, request) => m.execute('DivertRequest', { request });

  it('queued -> another group: Queued in the new group, then allocated there', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    assert.deepStrictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 102 }), { OpenMediaID: a, RequestStatus: 'Success' });
    const evs = m.eventLog.filter((e) => e.ID === a).map((e) => [e.Status, e.ServiceGroupID, e.AgentID]);
    assert.deepStrictEqual(evs, [['Queued', 106, 0], ['Queued', 102, 0], ['AllocatedToAgent', 102, 1001]]);
    assert.deepStrictEqual(m.state().groups.find((g) => g.id === 106).queue, []);
    const stats = m.state().groups;
    assert.strictEqual(stats.find((g) => g.id === 106).stats.overflowedOut, 1);
    assert.strictEqual(stats.find((g) => g.id === 102).stats.overflowedIn, 1);
  });

  it('allocated or answered: removed from the agent, who takes the next request', () => {
    const m = model();
    m.logoff(1002);
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    const next = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    m.answer(a);
    assert.strictEqual(divert(m, { OpenMediaID: a, TenantID: 1, ServiceGroupName: 'Backlog' }).RequestStatus, 'Success');
    assert.deepStrictEqual([status(m, a).Status, status(m, a).ServiceGroupID, status(m, a).QueuePosition], ['Queued', 106, 1]);
    assert.strictEqual(status(m, next).AgentID, 1001);
  });

  it('InvalidID for an unknown id, Error for a terminated one, group outcomes as AddRequest', () => {
    const m = model();
    assert.deepStrictEqual(divert(m, { OpenMediaID: 4242, ServiceGroupID: 101 }), { OpenMediaID: 4242, RequestStatus: 'InvalidID' });
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    assert.strictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 104 }).RequestStatus, 'GroupClosed');
    assert.strictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 999 }).RequestStatus, 'InvalidGroup');
    assert.strictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 105 }).RequestStatus, 'InvalidGroup');
    assert.strictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 201 }).RequestStatus, 'TenantDisabled');
    assert.strictEqual(status(m, a).ServiceGroupID, 106, 'a failed divert changes nothing');
    m.execute('CancelRequest', { request: { OpenMediaID: a } });
    assert.strictEqual(divert(m, { OpenMediaID: a, ServiceGroupID: 101 }).RequestStatus, 'Error');
  });

  it('InvalidDataException without a group or with a name over 20; licence and router faults', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    fault(() => divert(m, { OpenMediaID: a }), 'InvalidDataException');
    fault(() => divert(m, { OpenMediaID: a, ServiceGroupID: 0, TenantID: 1 }), 'InvalidDataException');
    fault(() => divert(m, null), 'InvalidDataException');
    fault(() => divert(m, { OpenMediaID: a, TenantID: 1, ServiceGroupName: s(21) }), 'InvalidDataException');
    m.setLicense(false);
    fault(() => divert(m, { OpenMediaID: a, ServiceGroupID: 101 }), 'NoLicenseFault');
    m.setLicense(true);
    m.disconnectRouter();
    fault(() => divert(m, { OpenMediaID: a, ServiceGroupID: 101 }), 'RouterDisconnectedFault');
  });
});

describe('simulator model: ModifyRequest', () => {
  const modify = (m, request) => m.execute('ModifyRequest', { request });

  it('replaces the Data of an existing label, appends a new label, replaces PrivateData; no event', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106, IVRInfo: [{ Label: 'Ticket', Data: 'T-1' }], PrivateData: 'old' }).OpenMediaID;
    const before = m.eventLog.length;
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: [{ Label: 'Ticket', Data: 'T-2' }, { Label: 'Customer', Data: 'Ann' }], PrivateData: 'new' }), true);
    const d = m.getRequest(a);
    assert.deepStrictEqual(d.IVRInfo, [{ Label: 'Ticket', Data: 'T-2' }, { Label: 'Customer', Data: 'Ann' }]);
    assert.strictEqual(d.PrivateData, 'new');
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: [{ Label: 'Customer', Data: 'Bob' }] }), true);
    assert.strictEqual(m.getRequest(a).PrivateData, 'new', 'PrivateData kept when not given');
    assert.strictEqual(m.eventLog.length, before);
  });

  it('the merged IVRInfo may not exceed 3 items (InvalidDataException, unchanged)', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106, IVRInfo: [{ Label: 'a', Data: '1' }, { Label: 'b', Data: '2' }] }).OpenMediaID;
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: [{ Label: 'c', Data: '3' }] }), true);
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: [{ Label: 'd', Data: '4' }] }), 'InvalidDataException');
    assert.deepStrictEqual(m.getRequest(a).IVRInfo.map((x) => x.Label), ['a', 'b', 'c']);
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: [{ Label: 'a', Data: 'x' }, { Label: 'b', Data: 'y' }, { Label: 'c', Data: 'z' }] }), true);
  });

  it('only while queued: false once allocated or terminated', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: IVR }), false);
    m.answer(a);
    m.complete(a);
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: IVR }), false);
  });

  it('limits and faults', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    fault(() => modify(m, { OpenMediaID: 999, IVRInfo: IVR }), 'InvalidOpenMediaIDFault');
    fault(() => modify(m, { OpenMediaID: a }), 'InvalidDataException');
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: [{ Label: s(101) }] }), 'InvalidDataException');
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: [{ Data: s(101) }] }), 'InvalidDataException');
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: [1, 2, 3, 4].map((i) => ({ Label: `l${i}` })) }), 'InvalidDataException');
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: IVR, PrivateData: s(256) }), 'InvalidDataException');
    assert.strictEqual(modify(m, { OpenMediaID: a, IVRInfo: [{ Label: s(100), Data: s(100) }], PrivateData: s(255) }), true);
    m.setLicense(false);
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: IVR }), 'NoLicenseFault');
    m.setLicense(true);
    m.disconnectRouter();
    fault(() => modify(m, { OpenMediaID: a, IVRInfo: IVR }), 'RouterDisconnectedFault');
  });
});

describe('simulator model: status queries', () => {
  it('history and by-time return records strictly later than retrieveLaterThan, positions as they were', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.advance(1000);
    const b = add(m, { ServiceGroupID: 106, SessionPriority: 1 }).OpenMediaID; // ahead of a
    m.advance(1000);
    m.execute('DivertRequest', { request: { OpenMediaID: a, ServiceGroupID: 102 } });
    const hist = m.execute('GetOpenMediaRequestHistoryByID', { openMediaID: a, retrieveLaterThan: new Date(T0 - 1) });
    assert.deepStrictEqual(hist.OpenMediaRequests.map((e) => e.Status), ['Queued', 'Queued', 'AllocatedToAgent']);
    assert.strictEqual(hist.TimeStamp.getTime(), T0 + 2000);
    const later = m.execute('GetOpenMediaRequestHistoryByID', { openMediaID: a, retrieveLaterThan: new Date(T0) });
    assert.strictEqual(later.OpenMediaRequests.length, 2, 'strictly later: the record at T0 is left out');
    const all = m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(T0 - 1) }).OpenMediaRequests;
    assert.deepStrictEqual(all.map((e) => [e.ID, e.Status, e.QueuePosition]), [[a, 'Queued', 1], [b, 'Queued', 1], [a, 'Queued', 1], [a, 'AllocatedToAgent', 0]]);
    assert.strictEqual(m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(T0 + 1000) }).OpenMediaRequests.length, 2);
    assert.strictEqual(m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(T0 + 2000) }).OpenMediaRequests.length, 0);
    assert.strictEqual(m.execute('GetOpenMediaRequestsByTime', {}).OpenMediaRequests.length, 4, 'absent = everything');
    assert.strictEqual(m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: (T0 + 999) }).OpenMediaRequests.length, 3, 'epoch ms accepted');
  });

  it('GetAllOpenMediaRequestStatus: latest record of each cached request with current positions', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const c = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    m.execute('CancelRequest', { request: { OpenMediaID: a } });
    const all = m.execute('GetAllOpenMediaRequestStatus', {});
    assert.deepStrictEqual(all.OpenMediaRequests.map((e) => [e.ID, e.Status, e.QueuePosition]), [[a, 'Cancelled', 0], [b, 'Queued', 1], [c, 'AllocatedToAgent', 0]]);
    assert.ok(all.TimeStamp instanceof Date);
  });

  it('status queries of an unknown id -> InvalidOpenMediaIDFault; they work without licence or router', () => {
    const m = model();
    fault(() => m.execute('GetOpenMediaRequestStatusByID', { openMediaID: 5 }), 'InvalidOpenMediaIDFault');
    fault(() => m.execute('GetOpenMediaRequestHistoryByID', { openMediaID: 5, retrieveLaterThan: new Date(0) }), 'InvalidOpenMediaIDFault');
    fault(() => m.execute('GetOpenMediaRequestStatusByID', {}), 'InvalidOpenMediaIDFault');
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.setLicense(false);
    m.disconnectRouter();
    assert.strictEqual(status(m, a).Status, 'Failed');
    assert.strictEqual(m.execute('GetAllOpenMediaRequestStatus', {}).OpenMediaRequests.length, 1);
    assert.strictEqual(m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(0) }).OpenMediaRequests.length, 2);
  });

  it('onEvent is told of every event, synchronously; unsubscribe stops it', () => {
    const m = model();
    const seen = [];
    const off = m.onEvent((e) => seen.push(e.Status));
    add(m, { ServiceGroupID: 102 });
    off();
    add(m, { ServiceGroupID: 106 });
    assert.deepStrictEqual(seen, ['Queued', 'AllocatedToAgent']);
  });
});

describe('simulator model: service group queries', () => {
  it('GetServiceGroupStatus: open/closed; not an Open Media group -> InvalidDataException; router fault', () => {
    const m = model();
    assert.deepStrictEqual(m.execute('GetServiceGroupStatus', { serviceGroupID: 101 }), { Open: true, ServiceGroupID: 101 });
    assert.deepStrictEqual(m.execute('GetServiceGroupStatus', { serviceGroupID: 104 }), { Open: false, ServiceGroupID: 104 });
    fault(() => m.execute('GetServiceGroupStatus', { serviceGroupID: 105 }), 'InvalidDataException');
    fault(() => m.execute('GetServiceGroupStatus', { serviceGroupID: 999 }), 'InvalidDataException');
    fault(() => m.execute('GetServiceGroupStatus', {}), 'InvalidDataException');
    m.disconnectRouter();
    fault(() => m.execute('GetServiceGroupStatus', { serviceGroupID: 101 }), 'RouterDisconnectedFault');
  });

  it('GetAllOpenMediaServiceGroupStatus: Open Media groups of the tenant; unknown/disabled tenant -> InvalidDataException', () => {
    const m = model();
    const r = m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: 1 });
    assert.deepStrictEqual(r.Status.map((g) => [g.ServiceGroupID, g.Open]), [[101, true], [102, true], [103, true], [104, false], [106, true], [107, true]]);
    fault(() => m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: 2 }), 'InvalidDataException');
    fault(() => m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: 9 }), 'InvalidDataException');
    fault(() => m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: -1 }), 'InvalidDataException');
    m.setTenantEnabled(2, true);
    assert.deepStrictEqual(m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: 2 }).Status, [{ Open: true, ServiceGroupID: 201 }]);
    m.disconnectRouter();
    fault(() => m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: 1 }), 'RouterDisconnectedFault');
  });

  it('tenant -1 on a non-tenanted system lists every Open Media group; name lookup without a tenant', () => {
    const m = model({
      scenario: {
        tenants: [],
        serviceGroups: [{ id: 1, name: 'Mail', tenantId: -1 }, { id: 2, name: 'Phone', tenantId: -1, openMedia: false }, { id: 3, name: 'Web', tenantId: -1, open: false }],
        agents: [{ id: 10, logonId: 'a', tenantId: -1, groups: [1], loggedOn: true }],
      },
    });
    assert.deepStrictEqual(m.execute('GetAllOpenMediaServiceGroupStatus', { tenantID: -1 }).Status, [{ Open: true, ServiceGroupID: 1 }, { Open: false, ServiceGroupID: 3 }]);
    assert.strictEqual(add(m, { ServiceGroupName: 'mail' }).RequestStatus, 'Success');
    assert.strictEqual(add(m, { TenantID: -1, ServiceGroupName: 'Mail' }).RequestStatus, 'Success');
    const ev = m.eventLog.find((e) => e.Status === 'AllocatedToAgent');
    assert.deepStrictEqual([ev.AgentID, ev.TenantID, ev.LogonID], [10, -1, 'a']);
  });

  it('GetOMAgentsByGroup: record ids of the group agents; unknown group -> InvalidDataException', () => {
    const m = model();
    assert.deepStrictEqual(m.execute('GetOMAgentsByGroup', { serviceGroupID: 101 }), { AgentList: [1001, 1002], ServiceGroupID: 101 });
    assert.deepStrictEqual(m.execute('GetOMAgentsByGroup', { serviceGroupID: 102 }), { AgentList: [1001, 1003], ServiceGroupID: 102 });
    assert.deepStrictEqual(m.execute('GetOMAgentsByGroup', { serviceGroupID: 106 }), { AgentList: [], ServiceGroupID: 106 });
    fault(() => m.execute('GetOMAgentsByGroup', { serviceGroupID: 999 }), 'InvalidDataException');
    fault(() => m.execute('GetOMAgentsByGroup', { serviceGroupID: 105 }), 'InvalidDataException');
    m.disconnectRouter();
    fault(() => m.execute('GetOMAgentsByGroup', { serviceGroupID: 101 }), 'RouterDisconnectedFault');
  });
});

describe('simulator model: errors (router disconnect, service restart)', () => {
  it('router disconnect: every incomplete request Failed (one event each), removed from queues and agents', () => {
    const m = model();
    const queued = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const allocated = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    const answered = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    m.answer(answered);
    m.setReady(1004, true);
    const done = add(m, { ServiceGroupID: 103 }).OpenMediaID;
    m.answer(done);
    m.complete(done);
    const before = m.eventLog.length;
    m.advance(500);
    m.disconnectRouter();
    const failed = m.eventLog.slice(before);
    assert.deepStrictEqual(failed.map((e) => [e.ID, e.Status, e.AgentID, e.TimeStamp.getTime()]).sort((x, y) => x[0] - y[0]),
      [[queued, 'Failed', 0, T0 + 500], [allocated, 'Failed', 0, T0 + 500], [answered, 'Failed', 0, T0 + 500]]);
    assert.strictEqual(status(m, done).Status, 'Complete');
    const st = m.state();
    assert.ok(st.groups.every((g) => g.queue.length === 0));
    assert.ok(st.agents.every((a) => a.sessions.length === 0));
    assert.strictEqual(st.routerConnected, false);
    m.reconnectRouter();
    const again = add(m, { ServiceGroupID: 102 });
    assert.strictEqual(status(m, again.OpenMediaID).Status, 'AllocatedToAgent');
  });

  it('service restart: history cleared, requests gone (even answered ones), ids keep increasing, options lost', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    m.answer(a);
    add(m, { ServiceGroupID: 106 });
    m.execute('SetOptions', { request: { MaxNumberOfSessions: 3 } });
    m.restartService();
    assert.strictEqual(m.eventLog.length, 0);
    fault(() => m.execute('GetOpenMediaRequestStatusByID', { openMediaID: a }), 'InvalidOpenMediaIDFault');
    assert.deepStrictEqual(m.execute('GetAllOpenMediaRequestStatus', {}).OpenMediaRequests, []);
    assert.strictEqual(m.setOptionsFor(0), undefined);
    assert.ok(m.state().agents.every((x) => x.sessions.length === 0));
    assert.strictEqual(add(m, { ServiceGroupID: 106 }).OpenMediaID, 3);
    m.reset();
    assert.strictEqual(add(m, { ServiceGroupID: 106 }).OpenMediaID, 1, 'reset restarts ids');
  });
});

describe('simulator model: data expiration', () => {
  it('a terminated request expires DataExpiration minutes after terminating; live ones never do', () => {
    const m = model();
    const done = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const live = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.advance(60_000);
    m.execute('CancelRequest', { request: { OpenMediaID: done } });
    m.advance(30 * 60_000 - 1);
    assert.strictEqual(status(m, done).Status, 'Cancelled');
    assert.strictEqual(m.eventLog.length, 3);
    m.advance(1);
    fault(() => m.execute('GetOpenMediaRequestStatusByID', { openMediaID: done }), 'InvalidOpenMediaIDFault');
    fault(() => m.execute('GetOpenMediaRequestHistoryByID', { openMediaID: done, retrieveLaterThan: new Date(0) }), 'InvalidOpenMediaIDFault');
    fault(() => m.execute('CancelRequest', { request: { OpenMediaID: done } }), 'InvalidOpenMediaIDFault');
    assert.strictEqual(m.execute('DivertRequest', { request: { OpenMediaID: done, ServiceGroupID: 101 } }).RequestStatus, 'InvalidID');
    assert.deepStrictEqual(m.eventLog.map((e) => e.ID), [live]);
    assert.deepStrictEqual(m.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: new Date(0) }).OpenMediaRequests.map((e) => e.ID), [live]);
    m.advance(24 * 3_600_000);
    assert.strictEqual(status(m, live).Status, 'Queued');
  });

  it('dataExpirationMinutes is configurable (option wins over the scenario)', () => {
    const m = model({ options: { dataExpirationMinutes: 1 } });
    const a = add(m, { ServiceGroupID: 102 }).OpenMediaID;
    m.answer(a);
    m.complete(a);
    m.advance(59_999);
    assert.strictEqual(status(m, a).Status, 'Complete');
    m.advance(1);
    fault(() => status(m, a), 'InvalidOpenMediaIDFault');
    assert.strictEqual(m.state().dataExpirationMinutes, 1);
  });

  it('memory stays bounded: 10k requests through their life leave nothing once expired', () => {
    const m = model({ options: { dataExpirationMinutes: 1 } });
    for (let i = 0; i < 10_000; i++) {
      const id = add(m, { ServiceGroupID: 102 }).OpenMediaID;
      m.answer(id);
      m.complete(id);
      if (i % 1000 === 999) m.advance(10_000);
    }
    assert.strictEqual(m.cachedRequestCount <= 6000, true);
    m.advance(61_000);
    assert.strictEqual(m.cachedRequestCount, 0);
    assert.strictEqual(m.eventLog.length, 0);
    assert.ok(m.log.length - m.logHead <= 1024, `internal log holds ${m.log.length - m.logHead}`);
    assert.ok(m.expiry.length - m.expiryHead === 0);
    assert.strictEqual(add(m, { ServiceGroupID: 106 }).OpenMediaID, 10_001);
  });
});

describe('simulator model: automatic agents and timers', () => {
  const auto = () => {
    const sc = loadBuiltinScenario('test');
    sc.agents = [{ id: 1, logonId: 'auto', tenantId: 1, groups: [101], loggedOn: true, answerAfterSeconds: 2, completeAfterSeconds: 10 }];
    return sc;
  };

  it('answerAfterSeconds / completeAfterSeconds run at their own times during advance()', () => {
    const m = model({ scenario: auto() });
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(m.nextDueAt(), T0 + 2000);
    m.advance(60_000);
    const times = m.eventLog.map((e) => [e.ID, e.Status, e.TimeStamp.getTime() - T0]);
    assert.deepStrictEqual(times, [
      [a, 'Queued', 0], [a, 'AllocatedToAgent', 0], [b, 'Queued', 0], [a, 'AgentProcessing', 2000], [a, 'Complete', 12000],
      [b, 'AllocatedToAgent', 12000], [b, 'AgentProcessing', 14000], [b, 'Complete', 24000],
    ]);
    assert.strictEqual(m.nextDueAt(), undefined);
  });

  it('a pending automatic action does nothing once the request moved on', () => {
    const m = model({ scenario: auto() });
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    m.execute('CancelRequest', { request: { OpenMediaID: a, CancelIfAllocated: true } });
    m.advance(60_000);
    assert.deepStrictEqual(statuses(m, a), ['Queued', 'AllocatedToAgent', 'Cancelled']);
  });

  it('with a real clock the model runs its own timers until close()', async () => {
    const sc = auto();
    sc.agents[0].answerAfterSeconds = 0;
    sc.agents[0].completeAfterSeconds = 0.01;
    const m = new OpenMediaModel(sc, { clock: Clock.real() });
    try {
      const done = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no Complete within 2 s')), 2000);
        m.onEvent((e) => { if (e.Status === 'Complete') { clearTimeout(t); resolve(e); } });
      });
      const id = add(m, { ServiceGroupID: 101 }).OpenMediaID;
      const ev = await done;
      assert.strictEqual(ev.ID, id);
    } finally {
      m.close();
    }
  });
});

describe('simulator model: auth, state', () => {
  it('checkUser only matters when auth is on', () => {
    const m = model();
    assert.strictEqual(m.authEnabled, false);
    assert.strictEqual(m.checkUser(undefined, undefined), true);
    m.setAuth(true);
    assert.strictEqual(m.authEnabled, true);
    assert.strictEqual(m.checkUser('hostadmin', 'test-password'), true);
    assert.strictEqual(m.checkUser('hostadmin', 'wrong'), false);
    assert.strictEqual(m.checkUser(undefined, 'test-password'), false);
    m.setAuth(true, [{ logonId: 'other', password: 'p' }]);
    assert.strictEqual(m.checkUser('hostadmin', 'test-password'), false);
    assert.strictEqual(m.checkUser('other', 'p'), true);
  });

  it('state() is JSON-safe and never holds a password', () => {
    const m = model();
    m.setAuth(true);
    add(m, { ServiceGroupID: 106, PrivateData: 'pd' });
    const text = JSON.stringify(m.state());
    assert.ok(!text.includes('test-password'));
    const st = JSON.parse(text);
    assert.deepStrictEqual(st.authUsers, ['hostadmin']);
    assert.strictEqual(st.requests[0].PrivateData, 'pd');
    assert.strictEqual(st.requests[0].QueuePosition, 1);
  });
});

describe('simulator model: a large cache', function () {
  this.timeout(60_000);
  // Speed at this size is measured by `npm run bench` (ratios in one run), not asserted here.
  it('answers correctly with 100k requests cached', () => {
    const big = model();
    for (let i = 0; i < 100_000; i++) big.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: IVR } });
    big.advance(1000);
    for (let i = 0; i < 10; i++) add(big, { ServiceGroupID: 106 });
    const since = new Date(big.clock.now() - 1);
    assert.strictEqual(big.execute('GetOpenMediaRequestsByTime', { retrieveLaterThan: since }).OpenMediaRequests.length, 10);
    const st = big.execute('GetOpenMediaRequestStatusByID', { openMediaID: 50_000 }).OpenMediaRequests[0];
    assert.strictEqual(st.QueuePosition, 50_000);
  });
});

describe('simulator model: more edges', () => {
  it('a rejected AddRequest does not use an id', () => {
    const m = model();
    assert.strictEqual(add(m, { ServiceGroupID: 104 }).RequestStatus, 'GroupClosed');
    assert.strictEqual(add(m, { ServiceGroupID: 106 }).OpenMediaID, 1);
  });

  it('event TimeStamps never go backwards, even when the clock is set back', () => {
    const m = model();
    m.advance(5000);
    add(m, { ServiceGroupID: 106 });
    m.clock.set(T0);
    add(m, { ServiceGroupID: 106 });
    const times = m.eventLog.map((e) => e.TimeStamp.getTime());
    assert.deepStrictEqual(times, [T0 + 5000, T0 + 5000]);
  });

  it('a non-forced preferred agent outside the group is ignored', () => {
    const m = model();
    const r = add(m, { ServiceGroupID: 102, PreferredAgentID: 1002 }).OpenMediaID; // 1002 is not in Tickets
    assert.strictEqual(status(m, r).AgentID, 1001);
  });

  it('divert to the group it is in requeues it behind the others of its priority', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.advance(1000);
    assert.strictEqual(m.execute('DivertRequest', { request: { OpenMediaID: a, ServiceGroupID: 106 } }).RequestStatus, 'Success');
    assert.deepStrictEqual([status(m, a).QueuePosition, status(m, b).QueuePosition], [2, 1]);
    assert.deepStrictEqual(statuses(m, a), ['Queued', 'Queued']);
  });

  it('two records of one request never share ID + Status + TimeStamp, even within one millisecond', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 106 }).OpenMediaID;
    m.execute('DivertRequest', { request: { OpenMediaID: a, ServiceGroupID: 106 } });
    m.execute('DivertRequest', { request: { OpenMediaID: a, ServiceGroupID: 106 } });
    const keys = m.eventLog.filter((e) => e.ID === a).map((e) => `${e.Status}@${e.TimeStamp.getTime()}`);
    assert.deepStrictEqual(keys.map((k) => k.split('@')[0]), ['Queued', 'Queued', 'Queued']);
    assert.strictEqual(new Set(keys).size, 3, keys.join(' '));
  });

  it('a forced request diverted elsewhere loses its preferred agent and its timeout', () => {
    const m = model();
    add(m, { ServiceGroupID: 103, PreferredAgentID: 1002 });
    const forced = add(m, { ServiceGroupID: 103, PreferredAgentID: 1002, ForceToPreferredAgent: true }).OpenMediaID;
    m.execute('DivertRequest', { request: { OpenMediaID: forced, ServiceGroupID: 106 } });
    m.advance(60_000);
    assert.strictEqual(status(m, forced).Status, 'Queued');
    assert.strictEqual(m.getRequest(forced).PreferredAgentID, 0);
  });

  it('cancelling an answered request counts as completed for the group; an allocated one as abandoned', () => {
    const m = model();
    const a = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    const b = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    m.answer(a);
    m.execute('CancelRequest', { request: { OpenMediaID: a, CancelIfAllocated: true } });
    m.execute('CancelRequest', { request: { OpenMediaID: b, CancelIfAllocated: true } });
    const st = m.state().groups.find((g) => g.id === 101).stats;
    assert.deepStrictEqual([st.completed, st.abandoned, st.answered], [1, 1, 1]);
    const agents = m.state().agents.filter((x) => x.id === 1001 || x.id === 1002).map((x) => x.stats);
    const sum = (k) => agents.reduce((n, x) => n + x[k], 0);
    assert.deepStrictEqual([sum('offered'), sum('answered'), sum('completed'), sum('offeredNotAnswered')], [2, 1, 1, 1]);
  });

  it('a scenario can start without licence or router', () => {
    const sc = loadBuiltinScenario('test');
    sc.license = false;
    const m = model({ scenario: sc });
    fault(() => add(m, { ServiceGroupID: 101 }), 'NoLicenseFault');
    const sc2 = loadBuiltinScenario('test');
    sc2.routerConnected = false;
    const m2 = model({ scenario: sc2 });
    fault(() => add(m2, { ServiceGroupID: 101 }), 'RouterDisconnectedFault');
    fault(() => m2.execute('GetServiceGroupStatus', { serviceGroupID: 101 }), 'RouterDisconnectedFault');
    m2.reconnectRouter();
    assert.strictEqual(add(m2, { ServiceGroupID: 101 }).RequestStatus, 'Success');
  });

  it('wire values sent as strings are understood (ints, booleans, dates)', () => {
    const m = model();
    const r = m.execute('AddRequest', { request: { ServiceGroupID: '106', SessionPriority: '5', IVRInfo: IVR, QueueStartTime: new Date(T0 - 1000).toISOString() } });
    assert.strictEqual(r.RequestStatus, 'Success');
    assert.strictEqual(m.getRequest(r.OpenMediaID).QueueTime.getTime(), T0 - 1000);
    assert.strictEqual(status(m, String(r.OpenMediaID)).ID, r.OpenMediaID);
    assert.strictEqual(m.execute('CancelRequest', { request: { OpenMediaID: String(r.OpenMediaID), DoNotReport: 'true' } }), true);
    fault(() => m.execute('AddRequest', { request: { ServiceGroupID: 106, IVRInfo: IVR, SessionPriority: 'high' } }), 'InvalidDataException');
  });

  it('unknown operation is a programming error, not a fault', () => {
    const m = model();
    assert.throws(() => m.execute('Nope', {}), (e) => !(e instanceof SimFault) && /unknown operation Nope/.test(e.message));
  });

  it('agents can be named by logon id in the control surface', () => {
    const m = model();
    m.logoff('4001');
    m.logoff('4002');
    const r = add(m, { ServiceGroupID: 101 }).OpenMediaID;
    assert.strictEqual(status(m, r).Status, 'Queued');
    m.logon('1002');
    assert.strictEqual(status(m, r).AgentID, 1002);
  });
});

describe('simulator model: the demo scenario flows by itself', () => {
  it('requests added to the demo center are answered and completed by the agents alone', () => {
    const m = new OpenMediaModel(loadBuiltinScenario('demo'), { clock: Clock.manual(T0) });
    const ids = [];
    for (let i = 0; i < 12; i++) {
      for (const g of [101, 102, 103]) ids.push(add(m, { ServiceGroupID: g }).OpenMediaID);
      m.advance(5000);
    }
    assert.ok(ids.every((id) => id > 0));
    assert.ok(ids.some((id) => status(m, id).Status === 'Queued'), 'some work waits in a queue at first');
    m.advance(10 * 60_000);
    assert.deepStrictEqual([...new Set(ids.map((id) => status(m, id).Status))], ['Complete']);
    for (const id of ids) assert.deepStrictEqual(statuses(m, id).slice(-3), ['AllocatedToAgent', 'AgentProcessing', 'Complete']);
    assert.strictEqual(add(m, { ServiceGroupID: 104 }).RequestStatus, 'GroupClosed');
    assert.strictEqual(add(m, { ServiceGroupID: 105 }).RequestStatus, 'InvalidGroup');
    assert.strictEqual(add(m, { ServiceGroupID: 201 }).RequestStatus, 'TenantDisabled');
  });
});
