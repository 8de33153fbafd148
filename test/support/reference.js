'use strict';
/**
 * The reference WSDL/XSDs a real server publishes, and tools to hold our WSDL and our messages against them.
 *
 * The reference lives OUTSIDE the repository, in `shared/reference/wsdl` beside it (dev machines and CI have it;
 * a plain clone may not). Tests that need it call `requireReference(this)` (and `requireXmllint(this)` for XSD
 * validation) in a `before` hook: when it is missing they are skipped with a printed reason, never passed.
 *
 *   const ref = require('./support/reference');
 *   ref.REFERENCE_DIR, ref.REFERENCE_WSDL        paths
 *   ref.referenceAvailable(), ref.xmllintAvailable()
 *   ref.validateAgainstReference(xml, { extraFaults }) -> { valid, errors[], warnings[] }
 *        xml: a body element, a fault detail element, or a whole SOAP 1.1 envelope (request, response or fault)
 *   ref.assertValidAgainstReference(xml, what, { extraFaults })  throws an AssertionError listing xmllint's complaints
 *   ref.loadReferenceModel(), ref.modelFromWsdlString(xml), ref.diffModels(expected, actual)
 *
 * XSD validation runs Debian's `xmllint` (package libxml2-utils) with `--schema` on a small wrapper schema written
 * to a temp directory: it imports the reference XSDs in place (they already point at each other by local file
 * name) and a minimal SOAP 1.1 envelope schema of our own whose Body requires its children to be declared, so the
 * one helper takes either a bare body element (`<AddRequest xmlns="http://tempuri.org/">...`) or the whole
 * envelope a client sent. Nothing of the reference is copied.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const assert = require('assert');
const sax = require('sax');

const REFERENCE_DIR = path.resolve(__dirname, '../../../shared/reference/wsdl');
const REFERENCE_WSDL = path.join(REFERENCE_DIR, 'OpenMediaService.wsdl');

const NS_WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const NS_SOAP = 'http://schemas.xmlsoap.org/wsdl/soap/';
const NS_XS = 'http://www.w3.org/2001/XMLSchema';
const NS_WSAM = 'http://www.w3.org/2007/05/addressing/metadata';
const NS_SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
/** The namespaces whose global elements may appear as a message body (wrappers, fault details). */
const BODY_SCHEMAS = [
  ['http://tempuri.org/', 'xsd0-tempuri.xsd'],
  ['http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.Faults', 'xsd3-faults.xsd'],
  ['http://schemas.datacontract.org/2004/07/System.IO', 'xsd4-system-io.xsd'],
];

function referenceAvailable() {
  return fs.existsSync(REFERENCE_WSDL) && BODY_SCHEMAS.every(([, f]) => fs.existsSync(path.join(REFERENCE_DIR, f)));
}

let xmllintChecked;
function xmllintAvailable() {
  if (xmllintChecked === undefined) {
    const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
    xmllintChecked = !r.error && r.status === 0;
  }
  return xmllintChecked;
}

const warned = new Set();
function skipWith(ctx, reason) {
  if (!warned.has(reason)) {
    warned.add(reason);
    // mocha's skip() takes no reason; print it once so a skipped run says why.
    console.warn(`      [skipped] ${reason}`);
  }
  ctx.skip();
}

/** In a mocha hook or test: skip (with a printed reason) when the reference folder is absent. */
function requireReference(ctx) {
  if (!referenceAvailable()) {
    skipWith(ctx, `reference WSDL not found at ${REFERENCE_DIR} (optional: the WSDL and XSDs a real MiCC server `
      + 'publishes; see docs/DEVELOPMENT.md, Requirements)');
  }
}

/** In a mocha hook or test: skip (with a printed reason) when the reference or xmllint is absent. */
function requireXmllint(ctx) {
  requireReference(ctx);
  if (!xmllintAvailable()) skipWith(ctx, 'xmllint not installed (Debian package libxml2-utils)');
}

// ---------------------------------------------------------------------------------------------------------------
// XSD validation with xmllint.

/**
 * A minimal SOAP 1.1 envelope of our own: optional Header (not checked: the auth headers are not in any schema),
 * Body whose children must be declared (an operation wrapper or s:Fault), Fault whose detail children must be
 * declared (a typed fault detail element).
 */
const ENVELOPE_XSD = `<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="${NS_XS}" xmlns:env="${NS_SOAP_ENV}" targetNamespace="${NS_SOAP_ENV}" elementFormDefault="qualified">
  <xs:element name="Envelope">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="env:Header" minOccurs="0" />
        <xs:element ref="env:Body" />
      </xs:sequence>
      <xs:anyAttribute namespace="##any" processContents="skip" />
    </xs:complexType>
  </xs:element>
  <xs:element name="Header">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded" />
      </xs:sequence>
      <xs:anyAttribute namespace="##any" processContents="skip" />
    </xs:complexType>
  </xs:element>
  <xs:element name="Fault">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="faultcode" form="unqualified" type="xs:QName" />
        <xs:element name="faultstring" form="unqualified">
          <xs:complexType>
            <xs:simpleContent>
              <xs:extension base="xs:string">
                <xs:anyAttribute namespace="##any" processContents="skip" />
              </xs:extension>
            </xs:simpleContent>
          </xs:complexType>
        </xs:element>
        <xs:element name="faultactor" form="unqualified" type="xs:anyURI" minOccurs="0" />
        <xs:element name="detail" form="unqualified" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:any namespace="##any" processContents="strict" minOccurs="0" maxOccurs="unbounded" />
            </xs:sequence>
            <xs:anyAttribute namespace="##any" processContents="skip" />
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="Body">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##any" processContents="strict" minOccurs="0" maxOccurs="unbounded" />
      </xs:sequence>
      <xs:anyAttribute namespace="##any" processContents="skip" />
    </xs:complexType>
  </xs:element>
</xs:schema>
`;

/**
 * The two faults the 9.8 document names but the server's schema does not declare, declared the way the project's
 * WSDL declares them (empty data contracts in the Faults namespace). Only used with `{ extraFaults: true }`.
 */
const EXTRA_FAULTS = ['InvalidDataFault', 'OpenMediaRequestTerminatedFault'];
const FAULTS_NS = BODY_SCHEMAS[1][0];

const wrapperPaths = {};
function wrapperSchema(extraFaults) {
  const key = extraFaults ? 'extra' : 'plain';
  if (wrapperPaths[key] && fs.existsSync(wrapperPaths[key])) return wrapperPaths[key];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-reference-xsd-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'soap-envelope.xsd'), ENVELOPE_XSD);
  const locations = BODY_SCHEMAS.map(([ns, file]) => [ns, path.join(REFERENCE_DIR, file)]);
  if (extraFaults) {
    // Same namespace as the reference faults schema: include it, then add the two.
    const faults = path.join(dir, 'faults-with-extras.xsd');
    fs.writeFileSync(faults, `<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="${NS_XS}" xmlns:tns="${FAULTS_NS}" targetNamespace="${FAULTS_NS}" elementFormDefault="qualified">
  <xs:include schemaLocation="${path.join(REFERENCE_DIR, BODY_SCHEMAS[1][1])}" />
${EXTRA_FAULTS.map((f) => `  <xs:complexType name="${f}"><xs:sequence /></xs:complexType>
  <xs:element name="${f}" nillable="true" type="tns:${f}" />`).join('\n')}
</xs:schema>
`);
    locations[1] = [FAULTS_NS, faults];
  }
  const imports = locations.map(([ns, file]) => `  <xs:import namespace="${ns}" schemaLocation="${file}" />`);
  imports.push(`  <xs:import namespace="${NS_SOAP_ENV}" schemaLocation="${path.join(dir, 'soap-envelope.xsd')}" />`);
  const wrapper = `<?xml version="1.0" encoding="utf-8"?>\n<xs:schema xmlns:xs="${NS_XS}">\n${imports.join('\n')}\n</xs:schema>\n`;
  wrapperPaths[key] = path.join(dir, 'wrapper.xsd');
  fs.writeFileSync(wrapperPaths[key], wrapper);
  return wrapperPaths[key];
}

/**
 * Validates one XML document (a request/response body element, a fault detail element, or a whole SOAP 1.1
 * envelope) against the reference XSDs: element names, namespaces, member ORDER, types, enum values.
 * Returns `{ valid, errors, warnings }`; errors are xmllint's messages, one per line. Throws when the reference or
 * xmllint is missing (tests guard with requireXmllint first). `{ extraFaults: true }` also accepts the detail
 * elements InvalidDataFault and OpenMediaRequestTerminatedFault (named by the 9.8 document, not by the server's
 * schema; the project's WSDL declares them).
 */
function validateAgainstReference(xml, options = {}) {
  if (!referenceAvailable()) throw new Error(`reference XSDs not found at ${REFERENCE_DIR}`);
  if (!xmllintAvailable()) throw new Error('xmllint not installed (Debian package libxml2-utils)');
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', wrapperSchema(!!options.extraFaults), '-'], {
    input: String(xml), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const lines = (r.stderr || '').split('\n').map((l) => l.trim())
    .filter((l) => l && !/^- validates$/.test(l) && !/^- fails to validate$/.test(l));
  // xmllint: 0 = valid, 3 = invalid against the schema, 1 = not well-formed, 4/5 = schema problem.
  if (r.status !== 0 && r.status !== 3 && r.status !== 1) {
    throw new Error(`xmllint could not use the reference schemas (exit ${r.status}): ${lines.join(' | ')}`);
  }
  // When valid, what xmllint printed are warnings (e.g. the auth headers' relative namespace URI "OpenMediaService").
  return r.status === 0 ? { valid: true, errors: [], warnings: lines } : { valid: false, errors: lines, warnings: [] };
}

function assertValidAgainstReference(xml, what = 'message', options = {}) {
  const { valid, errors } = validateAgainstReference(xml, options);
  if (!valid) {
    throw new assert.AssertionError({
      message: `${what} does not validate against the reference XSDs:\n  ${errors.join('\n  ')}\n--- xml ---\n${xml}`,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A namespace-aware mini DOM (sax), and a normalised model of a WSDL + its schemas for structural comparison.

function parseXml(text, source) {
  const parser = sax.parser(true, { xmlns: true, position: true });
  const root = { children: [] };
  const stack = [root];
  let error;
  parser.onerror = (e) => { error = error || e; parser.resume(); };
  parser.onopentag = (node) => {
    const attrs = {};
    for (const a of Object.values(node.attributes)) attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    const el = { uri: node.uri, local: node.local, attrs, nsMap: node.ns, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  };
  parser.ontext = (t) => { stack[stack.length - 1].text += t; };
  parser.onclosetag = () => { stack.pop(); };
  parser.write(text).close();
  if (error) throw new Error(`${source}: not well-formed XML: ${error.message}`);
  if (root.children.length !== 1) throw new Error(`${source}: expected one root element`);
  return root.children[0];
}

const kids = (el, uri, local) => el.children.filter((c) => c.uri === uri && (!local || c.local === local));

/** Resolves a QName attribute value with the element's in-scope namespaces: `{ns}local`. */
function qname(el, value) {
  if (value === undefined) return undefined;
  const i = value.indexOf(':');
  const prefix = i < 0 ? '' : value.slice(0, i);
  const local = i < 0 ? value : value.slice(i + 1);
  const ns = el.nsMap[prefix];
  if (ns === undefined && prefix) throw new Error(`unbound prefix ${prefix} in ${value}`);
  return `{${ns || ''}}${local}`;
}

function modelSchema(schema, model, source) {
  const tns = schema.attrs.targetNamespace || '';
  const qualified = schema.attrs.elementFormDefault === 'qualified';
  const put = (table, key, value) => {
    if (table[key]) throw new Error(`${source}: ${key} declared twice`);
    table[key] = value;
  };
  const declares = schema.children.some((c) => c.uri === NS_XS && c.local !== 'import' && c.local !== 'annotation');
  if (declares) {
    model.schemaNamespaces.add(tns);
    put(model.schemaForms, `{${tns}}`, {
      elementFormDefault: schema.attrs.elementFormDefault || 'unqualified',
      attributeFormDefault: schema.attrs.attributeFormDefault || 'unqualified',
    });
  }
  for (const imp of kids(schema, NS_XS, 'import')) {
    if (imp.attrs.schemaLocation) model.importLocations.push({ from: source, ns: imp.attrs.namespace, location: imp.attrs.schemaLocation });
  }
  const particle = (el) => {
    if (el.local === 'any') {
      return { any: true, namespace: el.attrs.namespace, processContents: el.attrs.processContents,
        minOccurs: el.attrs.minOccurs || '1', maxOccurs: el.attrs.maxOccurs || '1' };
    }
    if (el.local !== 'element') throw new Error(`${source}: unexpected particle ${el.local}`);
    const p = {
      name: el.attrs.name,
      ns: qualified ? tns : '',
      ref: qname(el, el.attrs.ref),
      type: qname(el, el.attrs.type),
      minOccurs: el.attrs.minOccurs || '1',
      maxOccurs: el.attrs.maxOccurs || '1',
      nillable: el.attrs.nillable === 'true',
    };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    return p;
  };
  const complexType = (ct) => {
    const out = { mixed: ct.attrs.mixed === 'true' };
    let body = ct;
    const cc = kids(ct, NS_XS, 'complexContent')[0];
    if (cc) {
      const ext = kids(cc, NS_XS, 'extension')[0];
      if (!ext) throw new Error(`${source}: complexContent without extension`);
      out.base = qname(ext, ext.attrs.base);
      body = ext;
    }
    const seq = kids(body, NS_XS, 'sequence')[0];
    if (seq) out.sequence = seq.children.filter((c) => c.uri === NS_XS).map(particle);
    const attrs = kids(body, NS_XS, 'attribute');
    if (attrs.length) out.attributes = attrs.map((a) => (a.attrs.ref ? { ref: qname(a, a.attrs.ref) } : { name: a.attrs.name, type: qname(a, a.attrs.type) }));
    const unknown = body.children.filter((c) => c.uri === NS_XS && !['sequence', 'attribute', 'complexContent', 'annotation'].includes(c.local));
    if (unknown.length) throw new Error(`${source}: unsupported ${unknown[0].local} in a complexType`);
    return out;
  };
  const simpleType = (st) => {
    const r = kids(st, NS_XS, 'restriction')[0];
    if (!r) throw new Error(`${source}: simpleType without restriction`);
    const out = { base: qname(r, r.attrs.base), facets: [] };
    for (const f of r.children.filter((c) => c.uri === NS_XS)) {
      const facet = { facet: f.local, value: f.attrs.value };
      // WCF's EnumerationValue annotation: the enum's number when it differs from its position.
      for (const ann of kids(f, NS_XS, 'annotation')) {
        for (const info of kids(ann, NS_XS, 'appinfo')) {
          for (const v of info.children) facet.appinfo = `{${v.uri}}${v.local}=${v.text.trim()}`;
        }
      }
      out.facets.push(facet);
    }
    return out;
  };
  for (const c of schema.children.filter((x) => x.uri === NS_XS)) {
    const key = `{${tns}}${c.attrs.name}`;
    if (c.local === 'element') {
      const e = { nillable: c.attrs.nillable === 'true' };
      if (c.attrs.type) e.type = qname(c, c.attrs.type);
      const inline = kids(c, NS_XS, 'complexType')[0];
      if (inline) e.complexType = complexType(inline);
      put(model.elements, key, e);
    } else if (c.local === 'complexType') put(model.complexTypes, key, complexType(c));
    else if (c.local === 'simpleType') put(model.simpleTypes, key, simpleType(c));
    else if (c.local === 'attribute') put(model.attributes, key, { type: qname(c, c.attrs.type) });
    else if (c.local !== 'import' && c.local !== 'annotation') throw new Error(`${source}: unsupported schema child ${c.local}`);
  }
}

function emptyModel() {
  return {
    name: undefined,
    targetNamespace: undefined,
    schemaNamespaces: new Set(),
    schemaForms: {},
    importLocations: [],
    elements: {}, complexTypes: {}, simpleTypes: {}, attributes: {},
    messages: {}, portTypes: {}, bindings: {}, services: {},
  };
}

function modelDefinitions(defs, model, source) {
  model.name = defs.attrs.name;
  model.targetNamespace = defs.attrs.targetNamespace;
  const tns = defs.attrs.targetNamespace;
  for (const types of kids(defs, NS_WSDL, 'types')) {
    for (const schema of kids(types, NS_XS, 'schema')) modelSchema(schema, model, source);
  }
  for (const msg of kids(defs, NS_WSDL, 'message')) {
    model.messages[`{${tns}}${msg.attrs.name}`] = kids(msg, NS_WSDL, 'part').map((p) => ({
      name: p.attrs.name, element: qname(p, p.attrs.element),
    }));
  }
  for (const pt of kids(defs, NS_WSDL, 'portType')) {
    const ops = [];
    for (const op of kids(pt, NS_WSDL, 'operation')) {
      const io = (kind) => {
        const x = kids(op, NS_WSDL, kind)[0];
        return x && { message: qname(x, x.attrs.message), action: x.attrs[`{${NS_WSAM}}Action`] };
      };
      ops.push({
        name: op.attrs.name, input: io('input'), output: io('output'),
        faults: kids(op, NS_WSDL, 'fault').map((f) => ({
          name: f.attrs.name, message: qname(f, f.attrs.message), action: f.attrs[`{${NS_WSAM}}Action`],
        })),
      });
    }
    model.portTypes[`{${tns}}${pt.attrs.name}`] = ops;
  }
  for (const b of kids(defs, NS_WSDL, 'binding')) {
    const sb = kids(b, NS_SOAP, 'binding')[0];
    const body = (op, kind) => {
      const x = kids(op, NS_WSDL, kind)[0];
      const sbody = x && kids(x, NS_SOAP, 'body')[0];
      return sbody && { use: sbody.attrs.use };
    };
    model.bindings[`{${tns}}${b.attrs.name}`] = {
      type: qname(b, b.attrs.type),
      transport: sb && sb.attrs.transport,
      style: sb && sb.attrs.style,
      operations: kids(b, NS_WSDL, 'operation').map((op) => {
        const so = kids(op, NS_SOAP, 'operation')[0];
        return {
          name: op.attrs.name,
          soapAction: so && so.attrs.soapAction,
          style: so && so.attrs.style,
          input: body(op, 'input'),
          output: body(op, 'output'),
          faults: kids(op, NS_WSDL, 'fault').map((f) => {
            const sf = kids(f, NS_SOAP, 'fault')[0];
            return { name: f.attrs.name, soapFault: sf && { name: sf.attrs.name, use: sf.attrs.use, namespace: sf.attrs.namespace } };
          }),
        };
      }),
    };
  }
  for (const s of kids(defs, NS_WSDL, 'service')) {
    model.services[`{${tns}}${s.attrs.name}`] = kids(s, NS_WSDL, 'port').map((p) => {
      const addr = kids(p, NS_SOAP, 'address')[0];
      return { name: p.attrs.name, binding: qname(p, p.attrs.binding), address: addr && addr.attrs.location };
    });
  }
}

/** Model of a self-contained WSDL given as a string (our own). Imports with a location are recorded, not followed. */
function modelFromWsdlString(xml, source = 'wsdl') {
  const model = emptyModel();
  modelDefinitions(parseXml(xml, source), model, source);
  return model;
}

/** Model of a WSDL file and every XSD file it (transitively) imports by schemaLocation. */
function modelFromWsdlFile(file) {
  const model = emptyModel();
  modelDefinitions(parseXml(fs.readFileSync(file, 'utf8'), file), model, file);
  const done = new Set();
  for (let i = 0; i < model.importLocations.length; i++) {
    const { from, location } = model.importLocations[i];
    const target = path.resolve(path.dirname(from), location);
    if (done.has(target)) continue;
    done.add(target);
    const schema = parseXml(fs.readFileSync(target, 'utf8'), target);
    if (schema.uri !== NS_XS || schema.local !== 'schema') throw new Error(`${target}: not an XML schema`);
    modelSchema(schema, model, target);
  }
  return model;
}

let referenceModel;
function loadReferenceModel() {
  if (!referenceModel) referenceModel = modelFromWsdlFile(REFERENCE_WSDL);
  return referenceModel;
}

/**
 * Every difference between two JSON-like values, as `path: expected X, got Y` lines. Arrays compare by position
 * (order is part of the contract); objects by key (missing/extra keys reported).
 */
function diffModels(expected, actual, where = '') {
  const out = [];
  const show = (v) => (v === undefined ? 'nothing' : JSON.stringify(v instanceof Set ? [...v].sort() : v));
  const walk = (e, a, p) => {
    if (e instanceof Set) e = [...e].sort();
    if (a instanceof Set) a = [...a].sort();
    if (Array.isArray(e) && Array.isArray(a)) {
      const n = Math.max(e.length, a.length);
      for (let i = 0; i < n; i++) walk(e[i], a[i], `${p}[${i}]`);
      return;
    }
    if (e && a && typeof e === 'object' && typeof a === 'object' && !Array.isArray(e) && !Array.isArray(a)) {
      for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) walk(e[k], a[k], p ? `${p}.${k}` : k);
      return;
    }
    if (e !== a) out.push(`${p || '(root)'}: reference ${show(e)}, ours ${show(a)}`);
  };
  walk(expected, actual, where);
  return out;
}

module.exports = {
  REFERENCE_DIR,
  REFERENCE_WSDL,
  referenceAvailable,
  xmllintAvailable,
  requireReference,
  requireXmllint,
  validateAgainstReference,
  assertValidAgainstReference,
  parseXml,
  modelFromWsdlString,
  modelFromWsdlFile,
  loadReferenceModel,
  diffModels,
};
