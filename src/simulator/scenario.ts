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
 * (e.g. `serviceGroups[2].name: 23 characters, at most 20`). Besides the rules above, everything is bounded, so
 * that no scenario (a file, or an object posted to /control/reset) can make the simulator misbehave later: ids are
 * xs:int values (what the service writes them as), texts are text XML can carry (names at most 100 characters,
 * logon ids 255, passwords 256), durations at most a year (MAX_SECONDS), and at most MAX_RECORDS tenants, groups
 * and agents. Members a scenario does not define are not copied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findNonXmlChar } from '../lib/coerce';
import type { Scenario, ScenarioAgent, ScenarioServiceGroup, ScenarioTenant } from './types';

/**
 * A scenario that breaks a rule. `message` names the path and says what is wrong, quoting the value where that
 * helps; `safeMessage` names the path and the rule only, never a value: what the control API answers about a file
 * from --scenario-dir (its content is not the caller's to read).
 */
export class ScenarioError extends Error {
  readonly safeMessage: string;
  /** `detail`: what `message` says after `where` instead of `rule`; `whole`: `detail` is the whole message. */
  constructor(where: string, rule: string, detail?: string, whole = false) {
    super(whole && detail !== undefined ? detail : `${where}: ${detail ?? rule}`);
    this.name = 'ScenarioError';
    this.safeMessage = `${where}: ${rule}`;
  }
}

/** The longest duration a scenario may set: a year, in seconds (dataExpirationMinutes: the same in minutes). */
export const MAX_SECONDS = 365 * 24 * 3600;
/** Most tenants, service groups and agents in one scenario. */
export const MAX_RECORDS = 10000;
/** The largest id: the service writes ids as xs:int. */
const MAX_ID = 2147483647;
/** The longest scenario or tenant name, logon id and password. */
const MAX_NAME = 100;
const MAX_LOGON_ID = 255;
const MAX_PASSWORD = 256;

/** Folder of the shipped scenarios (simulator/scenarios, beside the built simulator files). */
export const SCENARIO_DIR = path.join(__dirname, 'scenarios');

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `rule` at `where`; `got`: the value, quoted (bounded) in `message` only. */
function fail(where: string, rule: string, got?: unknown): never {
  throw new ScenarioError(where, rule, got === undefined ? undefined : `${rule}, got ${shown(got)}`);
}

/** A value as a message quotes it: JSON, at most 40 characters. */
function shown(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = typeof v;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function optBool(o: Obj, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${where}.${key}`, 'must be true or false', v);
  return v;
}

function int(o: Obj, key: string, where: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${where}.${key}`, 'must be an integer', v);
  if (v < min || v > MAX_ID) fail(`${where}.${key}`, `must be from ${min} to ${MAX_ID}`, v);
  return v;
}

/** A duration (or any bounded number): > 0 (`positive`) or >= 0, at most `max`. */
function optNum(o: Obj, key: string, where: string, positive: boolean, max = MAX_SECONDS): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0) || v > max) {
    fail(`${where}.${key}`, `must be a number ${positive ? '> 0' : '>= 0'} and at most ${max}`, v);
  }
  return v;
}

/** Text XML can carry, 1 (0 when `empty`) to `max` characters. */
function text(v: unknown, where: string, max: number, empty = false): string {
  if (typeof v !== 'string' || (!empty && v.length === 0)) fail(where, empty ? 'must be a string' : 'must be a non-empty string', v);
  if (v.length > max) fail(where, `at most ${max} characters`, `${v.length} characters`);
  if (findNonXmlChar(v)) fail(where, 'must be text XML can carry (no control characters but tab and line ends)');
  return v;
}

function str(o: Obj, key: string, where: string, max = MAX_NAME): string {
  return text(o[key], `${where}.${key}`, max);
}

function arr(o: Obj, key: string, where: string, max = MAX_RECORDS): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key}`, 'must be an array');
  if (v.length > max) fail(`${where}.${key}`, `at most ${max} entries`, `${v.length} entries`);
  return v;
}

/** Checks a parsed scenario and returns it typed (a normalised copy). Throws ScenarioError naming the bad path. */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  if (!isObj(input)) fail(source, 'must be a JSON object');
  const out: Scenario = { tenants: [], serviceGroups: [], agents: [] };
  if (input.name !== undefined) out.name = text(input.name, `${source}.name`, MAX_NAME, true);
  const exp = optNum(input, 'dataExpirationMinutes', source, true, MAX_SECONDS / 60);
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
    out.auth = { enabled, users: users.map((u, i) => authUser(u, `${source}.auth.users[${i}]`)) };
  }

  const tenantIds = new Set<number>();
  for (const [i, t] of arr(input, 'tenants', source).entries()) {
    const w = `${source}.tenants[${i}]`;
    if (!isObj(t)) fail(w, 'must be an object');
    const id = int(t, 'id', w, 0);
    if (tenantIds.has(id)) throw new ScenarioError(`${w}.id`, 'a tenant id used twice', `duplicate tenant id ${id}`);
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
    if (groupIds.has(id)) throw new ScenarioError(`${w}.id`, 'a service group id used twice', `duplicate service group id ${id}`);
    groupIds.add(id);
    if (typeof g.name === 'string' && g.name.length > 20) {
      throw new ScenarioError(`${w}.name`, 'at most 20 characters', `${g.name.length} characters, at most 20`);
    }
    const name = str(g, 'name', w, 20);
    const tenantId = int(g, 'tenantId', w, -1);
    if (!tenantOk(tenantId)) notATenant(`${w}.tenantId`, tenantId);
    const key = `${tenantId}/${name.toLowerCase()}`;
    if (groupNames.has(key)) {
      throw new ScenarioError(`${w}.name`, 'a name used twice in one tenant (case-insensitive)', `duplicate name ${shown(name)} in tenant ${tenantId}`);
    }
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
    if (agentIds.has(id)) throw new ScenarioError(`${w}.id`, 'an agent id used twice', `duplicate agent id ${id}`);
    agentIds.add(id);
    const logonId = str(a, 'logonId', w, MAX_LOGON_ID);
    if (logonIds.has(logonId.toLowerCase())) {
      throw new ScenarioError(`${w}.logonId`, 'a logon id used twice (case-insensitive)', `duplicate logon id ${shown(logonId)}`);
    }
    logonIds.add(logonId.toLowerCase());
    const tenantId = int(a, 'tenantId', w, -1);
    if (!tenantOk(tenantId)) notATenant(`${w}.tenantId`, tenantId);
    const groups = arr(a, 'groups', w).map((gid, j) => {
      if (typeof gid !== 'number' || !groupIds.has(gid)) {
        throw new ScenarioError(`${w}.groups[${j}]`, 'not one of the service groups', `unknown service group ${shown(gid)}`);
      }
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

function notATenant(where: string, tenantId: number): never {
  throw new ScenarioError(where, 'not one of the tenants (use -1 for non-tenanted)', `tenant ${tenantId} is not in tenants (use -1 for non-tenanted)`);
}

/** A host administrator (auth.users): a logon id and a password, both text XML can carry. */
function authUser(u: unknown, where: string): { logonId: string; password: string } {
  if (!isObj(u)) fail(where, 'must be an object { logonId, password }');
  const password = text(u.password, `${where}.password`, MAX_PASSWORD, true);
  return { logonId: str(u, 'logonId', where, MAX_LOGON_ID), password };
}

/**
 * A list of host administrators as /control/auth takes it (the scenario's auth.users rules); `where` names the
 * list in errors.
 */
export function validateAuthUsers(input: unknown, where = 'users'): Array<{ logonId: string; password: string }> {
  if (!Array.isArray(input)) fail(where, 'must be an array of { logonId, password }');
  if (input.length > MAX_RECORDS) fail(where, `at most ${MAX_RECORDS} entries`, `${input.length} entries`);
  return input.map((u, i) => authUser(u, `${where}[${i}]`));
}

/** Reads and validates a scenario file. Errors name the file and what is wrong with it. */
export function loadScenario(file: string): Scenario {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(path.basename(file), 'cannot be read', `cannot read scenario file ${file}: ${(err as Error).message}`, true);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (err) {
    throw new ScenarioError(path.basename(file), 'not valid JSON', `scenario file ${file} is not valid JSON: ${(err as Error).message}`, true);
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
    const advice = `the shipped ones are ${shipped.join(', ')}; for your own contact center, give the path of a scenario .json file`;
    throw new ScenarioError('scenario', `no shipped scenario has that name: ${advice}`,
      `no shipped scenario is called ${JSON.stringify(shown)}: ${advice}`, true);
  }
  return loadScenario(path.join(SCENARIO_DIR, `${name}.json`));
}
