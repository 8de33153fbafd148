'use strict';
/*
 * A real Redis for the shared-state tests: Debian's `redis-server` in a child process, on a port the OS handed out as
 * free, 127.0.0.1 only, its data in a temporary directory; and a TCP proxy that can cut one instance's connection.
 *
 *   const { startRedis, startProxy } = require('./support/redis');
 *   const redis = await startRedis({ appendonly: true, fsync: 'always', password: 'pw', users: ['name on >pw ~* +@all'], port,
 *                                    tls: { cert, key } })   // tls: rediss:// only
 *   redis.url, redis.port, redis.dir
 *   await redis.cli('GET', 'key')          // one command over a fresh connection (RESP, no client library)
 *   await redis.restart()                  // SIGTERM (saves), then again on the same port with the same data
 *   await redis.kill()                     // SIGKILL (stays down until start())
 *   await redis.start()
 *   await redis.stop()                     // and the directory is removed
 *
 *   const proxy = await startProxy(redis.port);   // proxy.url: point one instance here
 *   proxy.cut()    // every connection through it is reset, and new ones are refused (reset at once) until heal()
 *   proxy.blackhole()   // nothing is forwarded any more, either way, and nothing is closed: what is sent is swallowed
 *                       // (as a network path that drops packets); new connections are accepted and swallowed too
 *   proxy.heal()   // forwards again (on the connections that are still open: what was swallowed stays lost)
 *   await proxy.close()
 *
 * Redis must be installed (CI installs the Debian package `redis-server`); without it these tests fail, they do not
 * skip. Every process started here is killed at the end of the run.
 */
const fs = require('fs');
const net = require('net');
const tls = require('tls');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { freePort } = require('./nodered-cli');

const running = new Set();

function redisServerPath() {
    for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (fs.existsSync(p)) return p;
    try {
        return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    } catch {
        throw new Error('redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)');
    }
}

/** One RESP command over a fresh connection (TLS with `secure`); resolves with the reply (strings, numbers, arrays, null). */
function command(port, args, password, secure) {
    return new Promise((resolve, reject) => {
        const socket = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
        const enc = (a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join('')}`;
        let buf = Buffer.alloc(0);
        const replies = [];
        const want = password ? 2 : 1;
        socket.setTimeout(5000, () => socket.destroy(new Error(`redis ${args[0]}: no answer in 5 s`)));
        socket.on('error', reject);
        socket.on('data', (chunk) => {
            buf = Buffer.concat([buf, chunk]);
            for (;;) {
                const r = parse(buf, 0);
                if (!r) break;
                buf = buf.subarray(r.end);
                replies.push(r.value);
                if (replies.length === want) {
                    socket.end();
                    const last = replies[want - 1];
                    if (last instanceof Error) reject(last);
                    else resolve(last);
                    return;
                }
            }
        });
        socket.write((password ? enc(['AUTH', password]) : '') + enc(args));
    });
}

/** A RESP2 reply at `at`, or undefined when it is not complete yet. */
function parse(buf, at) {
    const nl = buf.indexOf('\r\n', at);
    if (nl < 0) return undefined;
    const type = String.fromCharCode(buf[at]);
    const line = buf.toString('utf8', at + 1, nl);
    if (type === '+') return { value: line, end: nl + 2 };
    if (type === '-') return { value: new Error(line), end: nl + 2 };
    if (type === ':') return { value: Number(line), end: nl + 2 };
    if (type === '$') {
        const n = Number(line);
        if (n < 0) return { value: null, end: nl + 2 };
        if (buf.length < nl + 2 + n + 2) return undefined;
        return { value: buf.toString('utf8', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    if (type === '*') {
        const n = Number(line);
        if (n < 0) return { value: null, end: nl + 2 };
        const out = [];
        let end = nl + 2;
        for (let i = 0; i < n; i++) {
            const r = parse(buf, end);
            if (!r) return undefined;
            out.push(r.value);
            end = r.end;
        }
        return { value: out, end };
    }
    throw new Error(`unexpected RESP type ${type}`);
}

async function startRedis({ appendonly = true, fsync = 'always', password, users, port: wanted, tls: certs } = {}) {
    const bin = redisServerPath();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-redis-'));
    const port = wanted || await freePort();
    let child;
    let exited;
    if (certs) {
        fs.writeFileSync(path.join(dir, 'cert.pem'), certs.cert);
        fs.writeFileSync(path.join(dir, 'key.pem'), certs.key, { mode: 0o600 });
    }
    const conf = [
        // With `tls` ({ cert, key }): TLS only (rediss://), no client certificates asked for.
        ...(certs ? ['port 0', `tls-port ${port}`, `tls-cert-file ${path.join(dir, 'cert.pem')}`, `tls-key-file ${path.join(dir, 'key.pem')}`, 'tls-auth-clients no']
            : [`port ${port}`]),
        'bind 127.0.0.1', `dir ${dir}`, 'daemonize no', 'save ""', 'loglevel warning', 'logfile ""',
        // The pair's state must survive a restart of Redis: the test restarts it.
        appendonly ? 'appendonly yes' : 'appendonly no', `appendfsync ${fsync}`,
        ...(password ? [`requirepass ${password}`] : []),
        ...(users || []).map((u) => `user ${u}`),
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'redis.conf'), `${conf}\n`);

    async function start() {
        let log = '';
        child = spawn(bin, [path.join(dir, 'redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
        running.add(child);
        exited = new Promise((resolve) => child.once('exit', (code, signal) => {
            running.delete(child);
            resolve({ code, signal });
        }));
        child.stdout.on('data', (c) => { log += c; });
        child.stderr.on('data', (c) => { log += c; });
        const t0 = Date.now();
        for (;;) {
            try {
                if ((await command(port, ['PING'], password, !!certs)) === 'PONG') return;
            } catch (err) {
                if (/LOADING/.test(err.message)) { /* still loading its data */ }
            }
            if (child.exitCode !== null) throw new Error(`redis-server exited at start:\n${log}`);
            if (Date.now() - t0 > 10000) throw new Error(`redis-server did not answer within 10 s:\n${log}`);
            await new Promise((r) => setTimeout(r, 25));
        }
    }

    async function signal(sig) {
        if (child && child.exitCode === null && child.signalCode === null) child.kill(sig);
        return exited;
    }

    try {
        await start();
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    return {
        port,
        dir,
        url: `${certs ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
        cli: (...args) => command(port, args.map(String), password, !!certs),
        start,
        kill: () => signal('SIGKILL'),
        async restart() {
            await signal('SIGTERM');
            await start();
        },
        async stop() {
            await signal('SIGKILL');
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** A TCP proxy to 127.0.0.1:`port` whose connections can be cut (reset) and kept cut, or black-holed. */
async function startProxy(port) {
    const sockets = new Set();
    let cut = false;
    let hole = false;
    const swallowed = { bytes: 0 };
    const server = net.createServer((client) => {
        if (cut) {
            client.resetAndDestroy();
            return;
        }
        const upstream = net.connect(port, '127.0.0.1');
        const pair = [client, upstream];
        for (const s of pair) {
            sockets.add(s);
            s.on('error', () => {});
            s.on('close', () => {
                sockets.delete(s);
                for (const o of pair) if (o !== s) o.destroy();
            });
        }
        // By hand, not pipe(): a black hole drops what comes while it lasts, without closing or pausing anything.
        const forward = (from, to) => from.on('data', (chunk) => {
            if (hole) swallowed.bytes += chunk.length;
            else to.write(chunk);
        });
        forward(client, upstream);
        forward(upstream, client);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxyPort = server.address().port;
    return {
        port: proxyPort,
        url: `redis://127.0.0.1:${proxyPort}`,
        get connections() { return sockets.size / 2; },
        /** Bytes swallowed by black holes so far (either way). */
        get swallowed() { return swallowed.bytes; },
        cut() {
            cut = true;
            for (const s of [...sockets]) s.resetAndDestroy();
        },
        blackhole() {
            hole = true;
        },
        heal() {
            cut = false;
            hole = false;
        },
        close() {
            cut = true;
            for (const s of [...sockets]) s.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

if (typeof after === 'function') {
    after(function () {
        for (const child of running) child.kill('SIGKILL');
    });
}
// Also when the process ends without mocha's hooks (a script, the benchmark, a crash).
process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
});

module.exports = { startRedis, startProxy, redisCommand: command };
