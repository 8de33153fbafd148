#!/usr/bin/env node
'use strict';
/*
 * The demo: the Open Media simulator (demo scenario, real clock, agents acting by themselves) and a Node-RED 4.1
 * (the devDependency, nothing installed globally) with this pack loaded, its user directory .node-red-demo/ in the
 * project (git-ignored, kept between runs, so flows you deploy survive a restart). Options: HELP below.
 *
 * The first run seeds .node-red-demo/flows.json from examples/07-live-demo.json, with the wallboard
 * (examples/08-wallboard.json, its own tab, live at <editor>/dashboard) beside it when FlowFuse Dashboard 2.0 is
 * installed (the devDependency: Node-RED finds it in the project's node_modules), with the simulator address in them
 * adjusted to --host/--port. Ctrl-C stops Node-RED and the simulator.
 */
const fs = require('fs');
const path = require('path');
const { isDeepStrictEqual } = require('util');
const { startNodeRed, repoRoot } = require('./node-red-server');

const DEFAULT_SIM_PORT = 12615;
const userDir = path.join(repoRoot, '.node-red-demo');
const demoFlow = path.join(repoRoot, 'examples', '07-live-demo.json');
const wallboardFlow = path.join(repoRoot, 'examples', '08-wallboard.json');

/** Whether the dashboard the wallboard needs is installed (without it, Node-RED would not start flows that use it). */
function dashboardInstalled() {
    try {
        require.resolve('@flowfuse/node-red-dashboard/package.json', { paths: [repoRoot] });
        return true;
    } catch (err) {
        return false;
    }
}

/** The example files the demo seeds. */
function demoFiles() {
    return fs.existsSync(wallboardFlow) && dashboardInstalled() ? [demoFlow, wallboardFlow] : [demoFlow];
}

const HELP = `The live demo: the Open Media simulator with a demo contact center, and a Node-RED with this pack and the
demo flow (and the wallboard example at /dashboard), both on 127.0.0.1 (this machine only) unless --host says
otherwise. The simulator's console shows the contact center live.

Usage: npm start [-- options]     (builds first)
       node scripts/demo.js [options]

Options:
  --port <n>         simulator port (default 12615)
  --nr-port <n>      Node-RED editor port (default 1880)
  --host <address>   interface for both (default 127.0.0.1)
  --scenario <s>     simulator scenario: a shipped name (demo, test) or a JSON file (default demo)
  --reset            forget the flows deployed in an earlier run; start again from the demo flow
  --help             this text

Node-RED keeps its user directory in .node-red-demo/: what you deploy there is there again at the next start.
Ctrl-C stops Node-RED and the simulator.`;

function parseArgs(argv) {
    const opts = { port: DEFAULT_SIM_PORT, nrPort: 1880, host: '127.0.0.1', scenario: 'demo', reset: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--port') opts.port = Number(next());
        else if (a === '--nr-port') opts.nrPort = Number(next());
        else if (a === '--host') opts.host = next();
        else if (a === '--scenario') opts.scenario = next();
        else if (a === '--reset') opts.reset = true;
        else if (a === '--help' || a === '-h') opts.help = true;
        else throw new Error(`unknown option ${a} (try --help)`);
    }
    for (const k of ['port', 'nrPort']) {
        if (!Number.isInteger(opts[k]) || opts[k] < 0 || opts[k] > 65535) throw new Error(`bad port: ${opts[k]}`);
    }
    return opts;
}

/**
 * The demo's flows: the live demo flow and, when the dashboard is installed, the wallboard beside it (its own tab;
 * the om-server they share only once), with the simulator's address following --host/--port.
 */
function demoFlowText(host, port) {
    // The example flows point at the simulator's default address.
    const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8').replace(/\b(127\.0\.0\.1|localhost):12615\b/g, `${host}:${port}`));
    const [first, ...others] = demoFiles();
    const flows = read(first);
    for (const file of others) {
        const ids = new Set(flows.map((n) => n.id));
        flows.push(...read(file).filter((n) => !ids.has(n.id)));
    }
    return JSON.stringify(flows, null, 4);
}

/** What the seeded flows are made of, for the start-up message. */
const seededFrom = () => `the demo flow (${demoFiles().map((f) => path.relative(repoRoot, f)).join(' + ')})`;

/** A flow with the host and port of every URL in it taken out: the demo flow seeded for any --host/--port. */
function withoutAddress(flow) {
    return JSON.parse(JSON.stringify(flow === undefined ? null : flow).replace(/(https?:\/\/)[^/\s"\\]+/g, '$1*'));
}

/** Seeds the user directory's flows with the demo flow on a first run; says what Node-RED will run. */
function seedFlows(host, port, dir = userDir) {
    const target = path.join(dir, 'flows.json');
    if (!fs.existsSync(demoFlow)) return 'none yet (examples/07-live-demo.json does not exist)';
    const text = demoFlowText(host, port);
    const demo = JSON.parse(text); // refuse to seed a broken file
    if (fs.existsSync(target)) {
        let current;
        try {
            current = JSON.parse(fs.readFileSync(target, 'utf8'));
        } catch {
            current = undefined;
        }
        // Nothing deployed since it was seeded: still the demo flow, only the address follows this run's options.
        if (isDeepStrictEqual(withoutAddress(current), withoutAddress(demo))) {
            if (!isDeepStrictEqual(current, demo)) fs.writeFileSync(target, text);
            return seededFrom();
        }
        return 'the flows you deployed in an earlier run (--reset goes back to the demo flow)';
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(target, text);
    return seededFrom();
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
        console.log(HELP);
        return;
    }
    let simulatorModule;
    try {
        simulatorModule = require(path.join(repoRoot, 'simulator'));
    } catch (err) {
        throw new Error(`the simulator is not built (${err.message}); run \`npm run build\` first`);
    }
    if (opts.reset) fs.rmSync(userDir, { recursive: true, force: true });

    // The simulator's CLI words for a port in use, an unknown scenario ... (the options are called the same here).
    const cli = require('../simulator/cli');
    const simOptions = { port: opts.port, host: opts.host, clock: 'real', scenario: opts.scenario };
    let sim;
    try {
        sim = await simulatorModule.startSimulator(simOptions);
    } catch (err) {
        throw new Error(`the simulator cannot start: ${cli.startFailure(err, simOptions)}`);
    }
    // The same warning as the simulator's CLI when --host exposes it to other machines.
    const exposed = cli.exposureWarning(opts.host, sim.port);
    if (exposed) process.stderr.write(exposed);
    let flows;
    try {
        flows = seedFlows(sim.host, sim.port);
    } catch (err) {
        await sim.stop();
        throw err;
    }
    let nodeRed;
    let stopping = false;
    const stopAll = async (code) => {
        if (stopping) return;
        stopping = true;
        console.log('\ndemo: stopping Node-RED and the simulator');
        await Promise.allSettled([nodeRed ? nodeRed.stop() : null, sim.stop()]);
        process.exit(code);
    };
    process.on('SIGINT', () => stopAll(0));
    process.on('SIGTERM', () => stopAll(0));
    try {
        nodeRed = await startNodeRed({
            userDir, port: opts.nrPort, host: opts.host, logLevel: 'info', output: 'inherit',
        });
    } catch (err) {
        await sim.stop();
        throw err;
    }
    nodeRed.process.once('exit', (code) => {
        if (!stopping) {
            console.error(`demo: Node-RED exited (code ${code})`);
            stopAll(1);
        }
    });

    console.log([
        '',
        '------------------------------------------------------------------------',
        ` Open Media simulator : ${sim.url}  (WSDL: ${sim.wsdlUrl})`,
        ` Simulator console    : ${sim.consoleUrl}   (watch the contact center, play its agents)`,
        ` Simulator control API: ${sim.controlUrl}`,
        ` Node-RED editor      : ${nodeRed.url}   (Node-RED ${nodeRed.version}, user dir .node-red-demo/)`,
        dashboardInstalled()
            ? ` Wallboard            : ${nodeRed.url}dashboard   (FlowFuse Dashboard 2.0, examples/08-wallboard.json)`
            : ' Wallboard            : not available (npm install adds the devDependency @flowfuse/node-red-dashboard)',
        ` Flows                : ${flows}`,
        ' Press Ctrl-C to stop both.',
        '------------------------------------------------------------------------',
        '',
    ].join('\n'));
}

module.exports = { seedFlows, HELP };

if (require.main === module) {
    main().catch((err) => {
        console.error(`demo: ${err && err.message ? err.message : err}`);
        process.exit(1);
    });
}
