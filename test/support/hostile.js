'use strict';
/*
 * A hostile Open Media server for the secret-scrubbing tests: real HTTP on 127.0.0.1, written byte by byte on a raw
 * socket (so the reason phrase can carry anything), that reads the LogonID and Password a client sends and echoes
 * them back in one of many ways. And the means to check the property: random credentials from a seeded generator,
 * and a check that no text shows the LogonID or any 4-character window of the password.
 *
 *   const { startHostileServer, ECHOES, randomCredentials, rng, secretFindings } = require('./support/hostile');
 *   const server = await startHostileServer();      // server.url, server.mode = 'faultstring', server.seen, stop()
 *   secretFindings(texts, { logonId, password })     // [] when no text shows a secret, else what was found where
 *
 * ECHOES: name -> (logonId, password) => { status?, reason?, body } — every way the server echoes. The body is a
 * SOAP 1.1 envelope unless said otherwise; XML-unsafe parts are escaped or split where the mode needs a well-formed
 * answer, and left raw where the point is a broken one (the `&<password>;` entity form).
 */
const net = require('net');

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const FAULTS_NS = 'http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.Faults';

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const chars = (s) => Array.from(s);
/** The password as an XML name (what a server that names an element after it could write). */
const asName = (s) => `x${chars(s).filter((c) => /[\p{L}\p{N}._-]/u.test(c)).join('')}`;

function faultEnvelope({ code = 's:Client', string = '', detail = '' } = {}) {
  return `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body><s:Fault><faultcode>${code}</faultcode>`
    + `<faultstring xml:lang="en-US">${string}</faultstring>${detail ? `<detail>${detail}</detail>` : ''}</s:Fault></s:Body></s:Envelope>`;
}

/** `text` in one CDATA section (a "]]>" inside it split over two sections). */
const cdata = (text) => `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

const ECHOES = {
  // HTTP layer
  'reason phrase': (l, p) => ({ status: 500, reason: `Login ${l}:${p} refused`, body: '<html><body>denied</body></html>', type: 'text/html' }),
  'reason phrase 404': (l, p) => ({ status: 404, reason: `No ${p} for ${l}`, body: '' }),
  'reason phrase, the password alone': (l, p) => ({ status: 503, reason: p, body: '' }),
  'reason phrase in base64 (a logged Basic header)': (l, p) => ({ status: 401, reason: `Basic ${Buffer.from(`${l}:${p}`).toString('base64')}`, body: '' }),
  // element names
  'detail element named after the LogonID': (l) => ({ body: faultEnvelope({ string: 'no', detail: `<${l} xmlns="${FAULTS_NS}"/>` }) }),
  'detail element named after the password': (l, p) => ({ body: faultEnvelope({ string: 'no', detail: `<${asName(p)} xmlns="${FAULTS_NS}"/>` }) }),
  'faultcode named after the LogonID': (l) => ({ body: faultEnvelope({ code: `s:${l}`, string: 'no' }) }),
  // fault texts
  faultstring: (l, p) => ({ body: faultEnvelope({ string: esc(`Login ${l}:${p} refused`), detail: `<InvalidUserFault xmlns="${FAULTS_NS}"/>` }) }),
  'faultstring upper-cased': (l, p) => ({ body: faultEnvelope({ string: esc(`LOGIN ${l}:${p}`.toUpperCase()) }) }),
  'faultstring, 5 characters of the password': (l, p) => ({ body: faultEnvelope({ string: esc(`hint: ${chars(p).slice(2, 7).join('')}`) }) }),
  'detail text': (l, p) => ({ body: faultEnvelope({ string: 'no', detail: `<InvalidUserFault xmlns="${FAULTS_NS}">${esc(`${l} ${p}`)}</InvalidUserFault>` }) }),
  CDATA: (l, p) => ({ body: faultEnvelope({ string: cdata(`${l}/${p}`) }) }),
  'split by CDATA boundaries': (l, p) => ({ body: faultEnvelope({ string: chars(`${l}${p}`).map(cdata).join('') }) }),
  'split by comments': (l, p) => ({ body: faultEnvelope({ string: chars(`${l}|${p}`).map(esc).join('<!-- -->') }) }),
  'split by processing instructions': (l, p) => ({ body: faultEnvelope({ string: chars(p).map(esc).join('<?x y?>') }) }),
  'hexadecimal character references': (l, p) => ({ body: faultEnvelope({ string: chars(`${l}:${p}`).map((c) => `&#x${c.codePointAt(0).toString(16)};`).join('') }) }),
  'decimal character references': (l, p) => ({ body: faultEnvelope({ string: chars(`${l}:${p}`).map((c) => `&#${c.codePointAt(0)};`).join('') }) }),
  'escaped twice (&amp;#x..;)': (l, p) => ({ body: faultEnvelope({ string: chars(`${l}:${p}`).map((c) => `&amp;#x${c.codePointAt(0).toString(16)};`).join('') }) }),
  'percent-encoded': (l, p) => ({ body: faultEnvelope({ string: esc(`user=${encodeURIComponent(l)}&pw=${encodeURIComponent(p)}`) }) }),
  'base64 of logon:password': (l, p) => ({ body: faultEnvelope({ string: `Authorization: Basic ${Buffer.from(`${l}:${p}`).toString('base64')}` }) }),
  'base64url of the password, folded': (l, p) => ({ body: faultEnvelope({ string: Buffer.from(`xx${p}`).toString('base64url').replace(/(.{5})/g, '$1\n') }) }),
  'JSON escapes': (l, p) => ({ body: faultEnvelope({ string: esc(JSON.stringify({ l, p }).replace(/[^\x20-\x7e]|[a-z]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)) }) }),
  // invisible splits and other spellings (review r1 S3)
  'split by zero-width spaces': (l, p) => ({ body: faultEnvelope({ string: esc(chars(`${l} ${p}`).join('\u200b')) }) }),
  'split by soft hyphens': (l, p) => ({ body: faultEnvelope({ string: esc(chars(`${l} ${p}`).join('\u00ad')) }) }),
  'with combining marks': (l, p) => ({ body: faultEnvelope({ string: esc(chars(`${l} ${p}`).join('\u0301')) }) }),
  'hexadecimal bytes': (l, p) => ({ body: faultEnvelope({ string: `bytes: ${Buffer.from(`${l}:${p}`).toString('hex')}` }) }),
  'hexadecimal bytes, spaced': (l, p) => ({ body: faultEnvelope({ string: `bytes: ${[...Buffer.from(`${l}:${p}`)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}` }) }),
  'UTF-16 escapes with a capital U': (l, p) => ({ body: faultEnvelope({ string: esc(chars(`${l}:${p}`).map((c) => (c.length > 1 ? c : `\\U${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')) }) }),
  // what only an XML parser could quote
  'unescaped, as an entity (&<password>;)': (l, p) => ({ body: faultEnvelope({ string: `&${p};` }) }),
  'unescaped, as an entity with the LogonID': (l) => ({ body: faultEnvelope({ string: `&${l};` }) }),
  'the password raw in a broken document': (l, p) => ({ body: `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body><${p}></s:Body></s:Envelope>`, status: 200 }),
  'a mismatched close tag named after the LogonID': (l) => ({ body: `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body><a></${l}></s:Body></s:Envelope>`, status: 200 }),
  'an undeclared prefix named after the LogonID': (l) => ({ body: `<s:Envelope xmlns:s="${SOAP_NS}"><s:Body><${l}:x/></s:Body></s:Envelope>`, status: 200 }),
  // size
  'a 1 MB faultstring that starts with the password': (l, p) => ({ body: faultEnvelope({ string: esc(p) + 'x'.repeat(1024 * 1024) }) }),
  // Under the XML reader's bound on one text (64 Ki characters), so it is read and quoted (bounded) as a fault.
  'a 60 KB faultstring that starts with the password': (l, p) => ({ body: faultEnvelope({ string: esc(p) + 'x'.repeat(60 * 1024) }) }),
};

/** Reads one HTTP request (headers + Content-Length body) from a socket. */
function readRequest(socket, onRequest) {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffer.slice(0, end).toString('latin1');
    const length = Number((/\r\ncontent-length:\s*(\d+)/i.exec(head) || [])[1] || 0);
    if (buffer.length < end + 4 + length) return;
    const body = buffer.slice(end + 4, end + 4 + length).toString('utf8');
    buffer = Buffer.alloc(0);
    onRequest(head, body);
  });
}

const unescapeXml = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const header = (body, name) => {
  const m = new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(body);
  return m ? unescapeXml(m[1]) : undefined;
};

/** Starts the server; `mode` (an ECHOES name) may change between calls. */
async function startHostileServer(mode = 'faultstring') {
  const sockets = new Set();
  const state = { mode, seen: [] };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    readRequest(socket, (head, body) => {
      const logonId = header(body, 'LogonID');
      const password = header(body, 'Password');
      state.seen.push({ logonId, password });
      const answer = ECHOES[state.mode](logonId ?? '', password ?? '');
      const bytes = Buffer.from(answer.body, 'utf8');
      const status = answer.status ?? 500;
      // The reason phrase goes out as UTF-8 bytes, as a careless server writes it.
      socket.end(Buffer.concat([
        Buffer.from(`HTTP/1.1 ${status} `, 'latin1'), Buffer.from(answer.reason ?? 'Internal Server Error', 'utf8'),
        Buffer.from(`\r\nContent-Type: ${answer.type ?? 'text/xml; charset=utf-8'}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
        bytes,
      ]));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return Object.assign(state, {
    port,
    url: `http://127.0.0.1:${port}/OpenMediaService`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

/** A seeded generator (mulberry32): the same cases on every run, a different set per seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PASSWORD_CHARS = chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-./:;<=>?@[]^_{|}~"\' éßü€中😀');
const NAME_START = chars('abcdefghijklmnopqrstuvwxyz');
const NAME_CHARS = chars('abcdefghijklmnopqrstuvwxyz0123456789-');

/** A LogonID that is also an XML name (so it can name an element) and a password of 10-24 random characters. */
function randomCredentials(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const logonId = pick(NAME_START) + Array.from({ length: 6 + Math.floor(random() * 8) }, () => pick(NAME_CHARS)).join('');
  const password = Array.from({ length: 10 + Math.floor(random() * 15) }, () => pick(PASSWORD_CHARS)).join('');
  return { logonId, password };
}

/** Every string inside a value (objects, arrays, Errors with their message and stack). */
function stringsOf(value, out = [], seen = new Set()) {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    if (value instanceof Error) out.push(String(value.message), String(value.stack), String(value));
    for (const key of Object.keys(value)) {
      out.push(key);
      stringsOf(value[key], out, seen);
    }
  } else if (value !== undefined && value !== null) out.push(String(value));
  return out;
}

const fold = (s) => s.toLowerCase();

/**
 * What in `value` (any shape) shows the LogonID or a 4-character window of the password, compared without regard
 * to case; each string also after undoing XML character references and escapes, in case an output quoted them.
 * An empty list is the property holding.
 */
function secretFindings(value, { logonId, password }) {
  const needles = new Set();
  if (logonId) needles.add(fold(logonId));
  const pw = chars(password || '');
  for (let i = 0; i + 4 <= pw.length; i++) needles.add(fold(pw.slice(i, i + 4).join('')));
  const findings = [];
  for (const text of stringsOf(value)) {
    const decoded = text.replace(/&#x([0-9a-f]+);/gi, (_m, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#(\d+);/g, (_m, d) => String.fromCodePoint(Number(d)));
    // Also as a reader sees it: without the characters nobody sees (format characters, combining marks).
    const unseen = (t) => t.replace(/\p{Cf}/gu, '').normalize('NFD').replace(/\p{M}/gu, '');
    for (const form of new Set([text, unescapeXml(decoded), unseen(text), unseen(unescapeXml(decoded))])) {
      const f = fold(form);
      for (const needle of needles) {
        if (f.includes(needle)) findings.push(`${JSON.stringify(needle)} in ${JSON.stringify(text.slice(0, 200))}`);
      }
    }
  }
  return findings;
}

module.exports = { startHostileServer, ECHOES, randomCredentials, rng, secretFindings, stringsOf };
