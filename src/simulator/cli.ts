#!/usr/bin/env node
/**
 * Command line front of the Open Media Service simulator: `node simulator/cli.js [options]`.
 * Starts the simulator, prints its URLs, logs one line per request with --verbose (operation and status, never a
 * header or a credential), and stops cleanly on SIGINT/SIGTERM.
 */
import { DEFAULT_PORT } from '../lib/contract';
import { startSimulator, Simulator, SimulatorOptions } from './index';
import { MAX_SECONDS } from './scenario';

const HELP = `Open Media Service simulator (MiCC Enterprise Open Media SOAP service)

Usage: npx @micc-flows/node-red-openmedia [options]   (in the Node-RED user directory where the pack is installed)
       openmedia-simulator [options]                   (the same command, by its own name)

Options:
  --port <n>              TCP port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>        interface to listen on (default 127.0.0.1)
  --scenario <file|name>  scenario JSON file, or a shipped scenario name (default: demo)
  --scenario-dir <dir>    POST /control/reset may load the .json scenario files of this folder
                          (default: none, only the shipped scenarios by name)
  --allow-host <name>     a host name the control API answers to besides localhost, 127.0.0.1, [::1]
                          and --host (repeat for several)
  --auth                  require the LogonID/Password SOAP headers (users from the scenario); the
                          control API then requires a user's LogonID:Password (HTTP Basic) or the
                          control token printed at start (Authorization: Bearer <token>)
  --no-auth               never require them, whatever the scenario says
  --clock <real|manual>   real (default): agents act by themselves as time passes;
                          manual: time moves only with POST /control/clock/advance
  --data-expiration <min> minutes terminated requests stay queryable (default: scenario's, else 30)
  --max-body <bytes>      largest request accepted (default 65536, as WCF)
  --no-strict-order       accept request members in any order (a WCF server ignores out-of-order ones)
  --verbose               one log line per request
  --help                  this text

Endpoints: POST/GET <url>/OpenMediaService (?wsdl for the WSDL), JSON control API under /control
(see the top of simulator/control.js). Control POSTs need Content-Type: application/json.
The console page at /console: watch and play the contact center.
Timeouts: headers 10 s, whole request 30 s, idle keep-alive 5 s.`;

class UsageError extends Error {}

export function parseArgs(argv: string[]): { options: SimulatorOptions; verbose: boolean; help: boolean } {
  const options: SimulatorOptions = { port: DEFAULT_PORT, host: '127.0.0.1', scenario: 'demo', clock: 'real' };
  let verbose = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (v: string, min: number, max: number): number => {
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${flag}: '${v}' is not a number in ${min}..${max}`);
      return Number(v);
    };
    switch (flag) {
      case '--port': options.port = int(value(), 0, 65535); break;
      case '--host': options.host = value(); break;
      case '--scenario': options.scenario = value(); break;
      case '--scenario-dir': options.scenarioDir = value(); break;
      case '--allow-host': (options.allowedHosts ??= []).push(value()); break;
      case '--auth': options.auth = true; break;
      case '--no-auth': options.auth = false; break;
      case '--clock': {
        const v = value();
        if (v !== 'real' && v !== 'manual') throw new UsageError(`--clock: '${v}' is not real or manual`);
        options.clock = v;
        break;
      }
      case '--data-expiration': {
        const v = value();
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0 || n > MAX_SECONDS / 60) {
          throw new UsageError(`--data-expiration: '${v}' is not a number of minutes > 0 and at most ${MAX_SECONDS / 60} (a year)`);
        }
        options.dataExpirationMinutes = n;
        break;
      }
      case '--max-body': options.maxBodyBytes = int(value(), 1024, 64 * 1024 * 1024); break;
      case '--no-strict-order': options.strictOrder = false; break;
      case '--verbose': case '-v': verbose = true; break;
      case '--help': case '-h': help = true; break;
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { options, verbose, help };
}

/** True for an address only this machine can reach. */
function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** What a listener on a non-loopback address exposes, said once at start (nothing for a loopback one). */
export function exposureWarning(host: string, port: number): string | undefined {
  if (isLoopback(host)) return undefined;
  return `WARNING: listening on ${host}:${port}, reachable from other machines. Anyone who can reach this port can\n`
    + '  call the SOAP service and use the control API: reset the contact center, log agents on and off, close\n'
    + '  groups, inject faults, switch authentication. With --auth both need a scenario user\'s LogonID and\n'
    + '  password (or the control token); without it they need nothing. Traffic is plain HTTP (not encrypted).\n'
    + '  Use --host 127.0.0.1 unless other machines must reach the simulator.\n';
}

/** Why the simulator could not start, in plain words for the errors a person can fix with an option. */
export function startFailure(err: unknown, options: SimulatorOptions): string {
  const code = (err as { code?: unknown } | null)?.code;
  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? '127.0.0.1';
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is in use: is another simulator running? Stop it, or use --port <n> (--port 0 picks a free one)`;
    case 'EACCES':
      return `no permission to listen on port ${port} (ports below 1024 need privileges): use --port <n>`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine: use --host with one of its addresses (default 127.0.0.1)`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<Simulator | undefined> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`openmedia-simulator: ${err.message}\nTry --help.\n`);
    process.exitCode = 2;
    return undefined;
  }
  if (parsed.help) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const { options, verbose } = parsed;
  if (verbose) options.log = (line) => process.stdout.write(`${line}\n`);
  let sim: Simulator;
  try {
    sim = await startSimulator(options);
  } catch (err) {
    process.stderr.write(`openmedia-simulator: cannot start: ${startFailure(err, options)}\n`);
    process.exitCode = 1;
    return undefined;
  }
  // Handlers first: stdout to a pipe is written synchronously, so whoever reads the URLs may signal at once.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    sim.stop().then(() => { process.exitCode = 0; }, (err: unknown) => {
      process.stderr.write(`openmedia-simulator: error while stopping: ${String(err)}\n`);
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  const state = sim.model.state() as { name?: unknown };
  process.stdout.write(
    `Open Media Service simulator listening (${options.clock} clock, auth ${sim.model.authEnabled ? 'on' : 'off'}`
    + `${typeof state.name === 'string' ? `, scenario "${state.name}"` : ''})\n`
    + `  service: ${sim.url}\n  wsdl:    ${sim.wsdlUrl}\n  control: ${sim.controlUrl}\n  console: ${sim.consoleUrl}\n`
    + `  token:   ${sim.controlToken} (control API while auth is on: Authorization: Bearer <token>)\n`,
  );
  const warning = exposureWarning(options.host ?? '127.0.0.1', sim.port);
  if (warning) process.stderr.write(warning);
  return sim;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`openmedia-simulator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
