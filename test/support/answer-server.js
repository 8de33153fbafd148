'use strict';
/*
 * A tiny HTTP(S) server on 127.0.0.1 (ephemeral port) that plays the Open Media Service for client tests.
 *
 *   const server = await startServer(handler, { secure?, key?, cert? });
 *   handler({ op, body, headers, url, method, req, res }) -> { status?, body?, headers? } | null (null: it answered
 *   through `res` itself, e.g. a slow or endless answer); `op` is the SOAPAction's operation name.
 *   server: { port, url (.../OpenMediaService), requests (every entry seen), connections (count), openSockets, stop() }
 *
 *   const raw = await startRawServer(answer);  answer(socket): writes whatever bytes it likes once a request's first
 *   bytes arrived (answers that are not HTTP, or not quite); raw: { port, url, stop() }
 */
const http = require('http');
const https = require('https');
const net = require('net');

function operationOf(req) {
  const action = String(req.headers.soapaction || '').replace(/"/g, '');
  return action.slice(action.lastIndexOf('/') + 1);
}

async function startServer(handler, { secure = false, key, cert } = {}) {
  const requests = [];
  let connections = 0;
  const sockets = new Set();
  const onRequest = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const entry = { op: operationOf(req), body, headers: req.headers, url: req.url, method: req.method };
      requests.push(entry);
      const answer = await handler({ ...entry, req, res });
      if (!answer || res.headersSent || res.destroyed) return;
      res.writeHead(answer.status ?? 200, answer.headers ?? { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(answer.body ?? '');
    });
  };
  const server = secure ? https.createServer({ key, cert }, onRequest) : http.createServer(onRequest);
  server.on(secure ? 'secureConnection' : 'connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}/OpenMediaService`,
    requests,
    get connections() {
      return connections;
    },
    openSockets: sockets,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startRawServer(answer) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => answer(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}/OpenMediaService`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startServer, startRawServer };
