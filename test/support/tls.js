'use strict';
/**
 * A throw-away self-signed certificate for TLS tests, made with the openssl CLI in a temp directory.
 *
 *   const { makeSelfSignedCert, openSslAvailable } = require('./support/tls');
 *   const { key, cert, dir, cleanup } = makeSelfSignedCert();   // for CN=localhost, SAN localhost + 127.0.0.1
 *
 * Tests call `openSslAvailable()` in a `before` hook and skip (saying why) when it is missing.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

let available;
function openSslAvailable() {
  if (available === undefined) {
    const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
    available = !r.error && r.status === 0;
  }
  return available;
}

function makeSelfSignedCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1',
    '-keyout', keyFile, '-out', certFile,
    '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl failed: ${r.error ? r.error.message : r.stderr}`);
  }
  return {
    dir,
    key: fs.readFileSync(keyFile),
    cert: fs.readFileSync(certFile),
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { openSslAvailable, makeSelfSignedCert };
