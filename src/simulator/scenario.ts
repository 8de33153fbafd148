/**
 * Scenario files: a contact center described as JSON, loaded by the simulator (CLI `--scenario`, tests).
 *
 * Format (the TypeScript types are in types.ts: Scenario, ScenarioTenant, ScenarioServiceGroup, ScenarioAgent):
 *
 *   {
 *     "name": "Demo contact center",            optional, shown in logs / state()
 *     "dataExpirationMinutes": 30,              optional, minutes a terminated request stays queryable (> 0)
 *     "license": true,                          optional (default true): Open Media site licence present
 *     "routerConnected": true,                  optional (default true)
 *     "auth": { "enabled": false,               optional: host-administrator users for the LogonID/Password headers
 *               "users": [{ "logonId": "admin", "password": "..." }] },
 *     "tenants": [ { "id": 1, "name": "Acme", "enabled": true } ],
 *                                               [] (or every group at tenantId -1) = a non-tenanted system
 *     "serviceGroups": [ {
 *         "id": 101,                            record ID, positive integer, unique
 *         "name": "Email",                      1..20 characters, unique within its tenant (case-insensitive)
 *         "tenantId": 1,                        a tenant's id, or -1 on a non-tenanted system
 *         "open": true,                         optional (default true)
 *         "openMedia": true,                    optional (default true); false = exists but is not an Open Media group
 *         "preferredAgentTimeoutSeconds": 30,   optional (default 30): how long a forced preferred agent has to become free
 *         "averageHandlingSeconds": 120         optional (default 120): EWT basis until the group has completed work
 *     } ],
 *     "agents": [ {
 *         "id": 1001,                           record ID, positive integer, unique
 *         "logonId": "4001",                    non-empty, unique (case-insensitive)
 *         "tenantId": 1,                        a tenant's id, or -1
 *         "groups": [101, 102],                 service group ids the agent is skilled for
 *         "loggedOn": true,                     optional (default false)
 *         "ready": true,                        optional (default true)
 *         "answerAfterSeconds": 5,              optional: the agent answers an allocated request by itself
 *         "completeAfterSeconds": 60            optional: the agent completes an answered request by itself
 *     } ]
 *   }
 *
 * validateScenario() checks all of this and throws a ScenarioError that names the offending path
 * (e.g. `serviceGroups[2].name: 23 characters, at most 20`).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Scenario, ScenarioAgent, ScenarioServiceGroup, ScenarioTenant } from './types';

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Folder of the shipped scenarios (simulator/scenarios, beside the built simulator files). */
export const SCENARIO_DIR = path.join(__dirname, 'scenarios');

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, what: string): never {
  throw new ScenarioError(`${where}: ${what}`);
}

function optBool(o: Obj, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${where}.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Obj, key: string, where: string, min?: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${where}.${key}`, `must be an integer, got ${JSON.stringify(v)}`);
  if (min !== undefined && v < min) fail(`${where}.${key}`, `must be >= ${min}, got ${v}`);
  return v;
}

function optNum(o: Obj, key: string, where: string, positive: boolean): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0)) {
    fail(`${where}.${key}`, `must be a number ${positive ? '> 0' : '>= 0'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(`${where}.${key}`, `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function arr(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key}`, 'must be an array');
  return v;
}

/** Checks a parsed scenario and returns it typed (a normalised copy). Throws ScenarioError naming the bad path. */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  if (!isObj(input)) fail(source, 'must be a JSON object');
  const out: Scenario = { tenants: [], serviceGroups: [], agents: [] };
  if (input.name !== undefined) {
    if (typeof input.name !== 'string') fail(`${source}.name`, 'must be a string');
    out.name = input.name;
  }
  const exp = optNum(input, 'dataExpirationMinutes', source, true);
  if (exp !== undefined) out.dataExpirationMinutes = exp;
  const lic = optBool(input, 'license', source);
  if (lic !== undefined) out.license = lic;
  const router = optBool(input, 'routerConnected', source);
  if (router !== undefined) out.routerConnected = router;
  if (input.auth !== undefined) {
    const a = input.auth;
    if (!isObj(a)) fail(`${source}.auth`, 'must be an object { enabled, users }');
    const enabled = optBool(a, 'enabled', `${source}.auth`) ?? false;
    const users = a.users === undefined ? [] : arr(a, 'users', `${source}.auth`);
    out.auth = {
      enabled,
      users: users.map((u, i) => {
        const w = `${source}.auth.users[${i}]`;
        if (!isObj(u)) fail(w, 'must be an object { logonId, password }');
        if (typeof u.password !== 'string') fail(`${w}.password`, 'must be a string');
        return { logonId: str(u, 'logonId', w), password: u.password };
      }),
    };
  }

  const tenantIds = new Set<number>();
  for (const [i, t] of arr(input, 'tenants', source).entries()) {
    const w = `${source}.tenants[${i}]`;
    if (!isObj(t)) fail(w, 'must be an object');
    const id = int(t, 'id', w, 0);
    if (tenantIds.has(id)) fail(`${w}.id`, `duplicate tenant id ${id}`);
    tenantIds.add(id);
    const tenant: ScenarioTenant = { id, enabled: optBool(t, 'enabled', w) ?? true };
    if (t.name !== undefined) tenant.name = str(t, 'name', w);
    out.tenants.push(tenant);
  }
  const tenantOk = (id: number) => id === -1 || tenantIds.has(id);

  const groupIds = new Set<number>();
  const groupNames = new Set<string>();
  for (const [i, g] of arr(input, 'serviceGroups', source).entries()) {
    const w = `${source}.serviceGroups[${i}]`;
    if (!isObj(g)) fail(w, 'must be an object');
    const id = int(g, 'id', w, 1);
    if (groupIds.has(id)) fail(`${w}.id`, `duplicate service group id ${id}`);
    groupIds.add(id);
    const name = str(g, 'name', w);
    if (name.length > 20) fail(`${w}.name`, `${name.length} characters, at most 20`);
    const tenantId = int(g, 'tenantId', w);
    if (!tenantOk(tenantId)) fail(`${w}.tenantId`, `tenant ${tenantId} is not in tenants (use -1 for non-tenanted)`);
    const key = `${tenantId}/${name.toLowerCase()}`;
    if (groupNames.has(key)) fail(`${w}.name`, `duplicate name "${name}" in tenant ${tenantId}`);
    groupNames.add(key);
    const group: ScenarioServiceGroup = {
      id, name, tenantId,
      open: optBool(g, 'open', w) ?? true,
      openMedia: optBool(g, 'openMedia', w) ?? true,
    };
    const pat = optNum(g, 'preferredAgentTimeoutSeconds', w, false);
    if (pat !== undefined) group.preferredAgentTimeoutSeconds = pat;
    const aht = optNum(g, 'averageHandlingSeconds', w, true);
    if (aht !== undefined) group.averageHandlingSeconds = aht;
    out.serviceGroups.push(group);
  }

  const agentIds = new Set<number>();
  const logonIds = new Set<string>();
  for (const [i, a] of arr(input, 'agents', source).entries()) {
    const w = `${source}.agents[${i}]`;
    if (!isObj(a)) fail(w, 'must be an object');
    const id = int(a, 'id', w, 1);
    if (agentIds.has(id)) fail(`${w}.id`, `duplicate agent id ${id}`);
    agentIds.add(id);
    const logonId = str(a, 'logonId', w);
    if (logonIds.has(logonId.toLowerCase())) fail(`${w}.logonId`, `duplicate logon id "${logonId}"`);
    logonIds.add(logonId.toLowerCase());
    const tenantId = int(a, 'tenantId', w);
    if (!tenantOk(tenantId)) fail(`${w}.tenantId`, `tenant ${tenantId} is not in tenants (use -1 for non-tenanted)`);
    const groups = arr(a, 'groups', w).map((gid, j) => {
      if (typeof gid !== 'number' || !groupIds.has(gid)) fail(`${w}.groups[${j}]`, `unknown service group ${JSON.stringify(gid)}`);
      return gid;
    });
    const agent: ScenarioAgent = {
      id, logonId, tenantId, groups: [...new Set(groups)],
      loggedOn: optBool(a, 'loggedOn', w) ?? false,
      ready: optBool(a, 'ready', w) ?? true,
    };
    const ans = optNum(a, 'answerAfterSeconds', w, false);
    if (ans !== undefined) agent.answerAfterSeconds = ans;
    const comp = optNum(a, 'completeAfterSeconds', w, false);
    if (comp !== undefined) agent.completeAfterSeconds = comp;
    out.agents.push(agent);
  }
  return out;
}

/** Reads and validates a scenario file. Errors name the file and what is wrong with it. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`scenario file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return validateScenario(parsed, path.basename(file));
}

/** The shipped scenarios' names (simulator/scenarios/*.json). */
export function shippedScenarios(): string[] {
  try {
    return fs.readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

/**
 * A shipped scenario by name ('demo', 'test'). Any other name is refused with the shipped names, never with the
 * path where the pack happens to be installed.
 */
export function loadBuiltinScenario(name: 'demo' | 'test' | string): Scenario {
  const shipped = shippedScenarios();
  if (!shipped.includes(name)) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}...` : name;
    throw new ScenarioError(`no shipped scenario is called ${JSON.stringify(shown)}: the shipped ones are ${shipped.join(', ')}; `
      + 'for your own contact center, give the path of a scenario .json file');
  }
  return loadScenario(path.join(SCENARIO_DIR, `${name}.json`));
}
