'use strict';
/*
 * om-events cost of one poll answer, in a process of its own (so its peak memory is its own):
 *
 *   node events-child.js <answer.xml> <parse|full> <reps>
 *
 *   parse  the XML through the client's parse step only (to the normalised answer)
 *   full   the same parse, then the pure om-events path: dedupe against a fresh tracker, build every message
 *          (lib/events ingestAndBuild, what the node does before node.send)
 *
 * Prints one JSON line: wall time and CPU time (this process, GC threads included) of each repetition (ms), records
 * emitted, peak RSS growth (MB) over the first run. On a busy machine the wall time also holds the time the process
 * waited for a core; the CPU time is the cost.
 */
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const [file, mode, repsArg] = process.argv.slice(2);
const reps = Number(repsArg) || 3;
const OP = 'GetOpenMediaRequestsByTime';

/** The client's parse step: its own exported parser when it has one, otherwise what it does through soap. */
async function parser() {
    const clientMod = require(path.join(root, 'lib', 'client.js'));
    if (typeof clientMod.parseResponse === 'function') return { how: 'client.parseResponse', parse: (xml) => clientMod.parseResponse(OP, xml) };
    const client = new clientMod.OpenMediaClient({ endpoint: 'http://127.0.0.1:9/OpenMediaService' });
    await client.ready();
    const soapClient = client.soapClient;
    return {
        how: 'soap xmlToObject + normalizeResult',
        parse: (xml) => clientMod.normalizeResult(OP, soapClient.wsdl.xmlToObject(xml).Body[`${OP}Response`]),
    };
}

(async () => {
    const { parse, how } = await parser();
    const events = require(path.join(root, 'lib', 'events', 'index.js'));
    const run = (xml) => {
        const answer = parse(xml);
        if (mode === 'parse') return answer.OpenMediaRequests.length;
        const tracker = new events.EventTracker();
        return events.ingestAndBuild(tracker, answer).length;
    };
    const xml = fs.readFileSync(file, 'utf8');
    // Warm-up on a small answer cut from the same one (its first 200 records), so the JIT is not what is measured.
    const small = smallCopy(xml, 200);
    for (let i = 0; i < 5; i++) run(small);
    global.gc && global.gc();
    const rss0 = process.resourceUsage().maxRSS;
    const heap0 = process.memoryUsage().heapUsed;
    const times = [];
    const cpu = [];
    let count = 0;
    let peakMb = 0;
    for (let r = 0; r < reps; r++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        count = run(xml);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const c1 = process.cpuUsage(c0);
        cpu.push((c1.user + c1.system) / 1e3);
        if (r === 0) peakMb = (process.resourceUsage().maxRSS - rss0) / 1024;
        global.gc && global.gc();
    }
    process.stdout.write(JSON.stringify({ how, mode, count, times, cpu, peakRssMb: peakMb, heapBeforeMb: heap0 / 1048576 }) + '\n');
})().catch((err) => {
    process.stderr.write(String(err && err.stack || err) + '\n');
    process.exit(1);
});

/** The same answer with only its first `n` records (string surgery on the record elements). */
function smallCopy(xml, n) {
    const re = /<(\w+:)?OpenMediaRequest[\s>]/g;
    let m;
    let count = 0;
    let startFirst = -1;
    let cutAt = -1;
    while ((m = re.exec(xml))) {
        if (count === 0) startFirst = m.index;
        count++;
        if (count === n + 1) { cutAt = m.index; break; }
    }
    if (startFirst < 0 || cutAt < 0) return xml;
    const closeTag = /<\/(\w+:)?OpenMediaRequests>/.exec(xml.slice(cutAt));
    if (!closeTag) return xml;
    return xml.slice(0, cutAt) + xml.slice(cutAt + closeTag.index);
}
