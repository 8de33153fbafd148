#!/usr/bin/env node
'use strict';
/*
 * The demo: the Open Media simulator (demo scenario, real clock, agents acting by themselves) and a Node-RED 4.1
 * (the devDependency, nothing installed globally) with this pack loaded, its user directory .node-red-demo/ in the
 * project (git-ignored, kept between runs, so flows you deploy survive a restart).
 *
 *   npm start                    (builds first)   or   node scripts/demo.js [options]
 *     --port N          simulator port (default 12615)
 *     --nr-port N       Node-RED editor port (default 1880)
 *     --host H          interface for both (default 127.0.0.1)
 *     --scenario S      simulator scenario: a builtin name or a JSON file (default demo)
 *     --reset           delete .node-red-demo/ first (back to the example flows)
 *
 * The first run seeds .node-red-demo/flows.json from examples/demo-flow.json when that file exists, with the
 * wallboard (examples/08-wallboard.json, its own tab, live at <editor>/dashboard) beside it when FlowFuse
 * Dashboard 2.0 is installed (the devDependency: Node-RED finds it in the project's node_modules), with the
 * simulator address in them adjusted to --host/--port. Ctrl-C stops Node-RED and the simulator.
 */
const fs = require('fs');
const path = require('path');
const { startNodeRed, repoRoot } = require('./node-red-server');

const DEFAULT_SIM_PORT = 12615;
const userDir = path.join(repoRoot, '.node-red-demo');
const demoFlow = path.join(repoRoot, 'examples', 'demo-flow.json');
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

function seedFlows(host, port) {
    const target = path.join(userDir, 'flows.json');
    if (fs.existsSync(target)) return 'kept (your own flows from an earlier run; --reset to start again)';
    if (!fs.existsSync(demoFlow)) return 'none yet (examples/demo-flow.json does not exist)';
    // The example flows point at the simulator's default address; follow --host/--port.
    const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8')
        .replace(/\b(127\.0\.0\.1|localhost):12615\b/g, `${host}:${port}`));
    const flows = read(demoFlow);
    const files = [demoFlow];
    if (fs.existsSync(wallboardFlow) && dashboardInstalled()) {
        // Its own tab beside the demo's; the om-server they share (same id) only once.
        const ids = new Set(flows.map((n) => n.id));
        flows.push(...read(wallboardFlow).filter((n) => !ids.has(n.id)));
        files.push(wallboardFlow);
    }
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(target, JSON.stringify(flows, null, 4));
    return `seeded from ${files.map((f) => path.relative(repoRoot, f)).join(' + ')}`;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
        console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0].replace(/^#!.*\n'use strict';\n\/\*/, ''));
        return;
    }
    let simulatorModule;
    try {
        simulatorModule = require(path.join(repoRoot, 'simulator'));
    } catch (err) {
        throw new Error(`the simulator is not built (${err.message}); run \`npm run build\` first`);
    }
    if (opts.reset) fs.rmSync(userDir, { recursive: true, force: true });

    const sim = await simulatorModule.startSimulator({
        port: opts.port, host: opts.host, clock: 'real', scenario: opts.scenario,
    });
    // The same warning as the simulator's CLI when --host exposes it to other machines.
    const exposed = require('../simulator/cli').exposureWarning(opts.host, sim.port);
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

main().catch((err) => {
    console.error(`demo: ${err && err.message ? err.message : err}`);
    process.exit(1);
});
