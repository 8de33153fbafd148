'use strict';
/**
 * Our generated WSDL (lib/wsdl.js, built from lib/contract.js) against the WSDL a real server publishes.
 *
 * Part (a) needs the reference in ../shared/reference/wsdl (skipped with a printed reason without it): both
 * documents are reduced to a normalised model (every element, complex type, enum, message, portType operation,
 * binding operation, service port, with QNames resolved to {namespace}local) and must be EQUAL, except for exactly
 * the two faults the 9.8 document adds and the endpoint. Part (b) checks what needs no reference: well-formed,
 * self-contained, every QName resolves, deterministic, endpoint substituted, and the `soap` package builds a
 * client and a server from it.
 */
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const soap = require('soap');
const { spawnSync } = require('child_process');

const { buildWsdl } = require('../lib/wsdl');
const contract = require('../lib/contract');
const ref = require('./support/reference');

const { NS } = contract;
const ENDPOINT = 'http://127.0.0.1:12615/OpenMediaService';
const q = (ns, local) => `{${ns}}${local}`;
const T = (local) => q(NS.tempuri, local);

/** The faults our WSDL declares beyond the server's: [operation, detail element]. Exactly these, nothing else. */
const EXTRA_FAULTS = [
  ['CancelRequest', 'OpenMediaRequestTerminatedFault'],
  ['SetOptions', 'InvalidDataFault'],
];

/**
 * Takes the two documented extra faults out of a model of OUR WSDL (checking each is declared the way WCF would
 * declare it), so what is left must equal the reference. Returns the problems found with the extras.
 */
function stripExtras(model) {
  const problems = [];
  const m = JSON.parse(JSON.stringify({ ...model, schemaNamespaces: [...model.schemaNamespaces] }));
  const portType = m.portTypes[T('IOpenMediaService')] || [];
  const binding = (m.bindings[T('BasicHttpBinding_IOpenMediaService')] || { operations: [] }).operations;
  for (const [opName, fault] of EXTRA_FAULTS) {
    const wsdlFault = `${fault}Fault`;
    const msgName = T(`IOpenMediaService_${opName}_${wsdlFault}_FaultMessage`);
    const detail = q(NS.faults, fault);
    const expect = (what, actual, expected) => {
      const d = ref.diffModels(expected, actual, what);
      problems.push(...d);
    };
    expect(`extra fault complexType ${detail}`, m.complexTypes[detail], { mixed: false, sequence: [] });
    expect(`extra fault element ${detail}`, m.elements[detail], { nillable: true, type: detail });
    expect(`extra fault message ${msgName}`, m.messages[msgName], [{ name: 'detail', element: detail }]);
    delete m.complexTypes[detail];
    delete m.elements[detail];
    delete m.messages[msgName];
    const op = portType.find((o) => o.name === opName);
    const pf = op ? op.faults.findIndex((f) => f.name === wsdlFault) : -1;
    if (pf < 0) problems.push(`portType ${opName}: extra fault ${wsdlFault} missing`);
    else {
      expect(`portType ${opName} fault ${wsdlFault}`, op.faults[pf], {
        name: wsdlFault, message: msgName, action: `http://tempuri.org/IOpenMediaService/${opName}${wsdlFault}`,
      });
      if (pf !== op.faults.length - 1) problems.push(`portType ${opName}: extra fault ${wsdlFault} is not last`);
      op.faults.splice(pf, 1);
    }
    const bop = binding.find((o) => o.name === opName);
    const bf = bop ? bop.faults.findIndex((f) => f.name === wsdlFault) : -1;
    if (bf < 0) problems.push(`binding ${opName}: extra fault ${wsdlFault} missing`);
    else {
      expect(`binding ${opName} fault ${wsdlFault}`, bop.faults[bf], {
        name: wsdlFault, soapFault: { name: wsdlFault, use: 'literal', namespace: '' },
      });
      bop.faults.splice(bf, 1);
    }
  }
  return { model: m, problems };
}

/** Every way our WSDL (as a string) differs from the reference contract; [] when faithful. */
function compareWithReference(oursXml, endpoint = ENDPOINT) {
  const reference = ref.loadReferenceModel();
  const ours = ref.modelFromWsdlString(oursXml, 'our WSDL');
  const problems = [];
  if (ours.importLocations.length) problems.push(`our WSDL imports files: ${JSON.stringify(ours.importLocations)}`);
  const { model, problems: extraProblems } = stripExtras(ours);
  problems.push(...extraProblems);
  const norm = (x, address) => {
    const n = JSON.parse(JSON.stringify({ ...x, schemaNamespaces: [...x.schemaNamespaces].sort(), importLocations: [] }));
    for (const ports of Object.values(n.services)) for (const p of ports) if (p.address === address) p.address = '(endpoint)';
    return n;
  };
  const refAddress = reference.services[T('OpenMediaService')][0].address;
  problems.push(...ref.diffModels(norm(reference, refAddress), norm(model, endpoint)));
  return problems;
}

function fail(problems, what) {
  if (problems.length) assert.fail(`${what}: ${problems.length} difference(s):\n  ${problems.join('\n  ')}`);
}

/** The operation-centric view: what a client of each operation sees, resolved through messages and elements. */
function operationView(model) {
  const ops = {};
  const binding = model.bindings[T('BasicHttpBinding_IOpenMediaService')];
  for (const op of model.portTypes[T('IOpenMediaService')]) {
    const wrapper = (io) => {
      const parts = model.messages[io.message];
      assert.ok(parts, `message ${io.message} not declared`);
      assert.strictEqual(parts.length, 1, `${io.message}: one part`);
      const el = model.elements[parts[0].element];
      assert.ok(el && el.complexType, `wrapper element ${parts[0].element} not declared inline`);
      return { element: parts[0].element, action: io.action, children: el.complexType.sequence };
    };
    const bop = binding.operations.find((b) => b.name === op.name);
    ops[op.name] = {
      input: wrapper(op.input),
      output: wrapper(op.output),
      faults: op.faults.map((f) => ({ name: f.name, detail: model.messages[f.message][0].element })),
      soapAction: bop && bop.soapAction,
    };
  }
  return ops;
}

describe('wsdl: our generated WSDL', function () {
  describe('(a) against the reference WSDL of a real server', function () {
    before(function () { ref.requireReference(this); });

    it('describes exactly the reference contract, plus the two documented faults', function () {
      fail(compareWithReference(buildWsdl(ENDPOINT)), 'our WSDL vs the reference');
    });

    it('has the same target namespaces (WSDL and one schema per namespace)', function () {
      const reference = ref.loadReferenceModel();
      const ours = ref.modelFromWsdlString(buildWsdl(ENDPOINT));
      assert.strictEqual(ours.targetNamespace, 'http://tempuri.org/');
      assert.strictEqual(ours.targetNamespace, reference.targetNamespace);
      assert.deepStrictEqual([...ours.schemaNamespaces].sort(), [...reference.schemaNamespaces].sort());
      assert.strictEqual(ours.schemaNamespaces.size, 7);
    });

    it('per operation: same wrappers, children (name, ns, type, minOccurs, nillable, order), faults, actions', function () {
      const refOps = operationView(ref.loadReferenceModel());
      const ourOps = operationView(ref.modelFromWsdlString(buildWsdl(ENDPOINT)));
      assert.deepStrictEqual(Object.keys(ourOps), Object.keys(refOps), 'operations and their order');
      assert.strictEqual(Object.keys(refOps).length, 12);
      const problems = [];
      for (const name of Object.keys(refOps)) {
        const r = refOps[name];
        const o = ourOps[name];
        assert.strictEqual(r.soapAction, `http://tempuri.org/IOpenMediaService/${name}`);
        // Every reference fault, in the reference order, then exactly the documented extra for this operation.
        const extras = EXTRA_FAULTS.filter(([op]) => op === name)
          .map(([, f]) => ({ name: `${f}Fault`, detail: q(NS.faults, f) }));
        problems.push(...ref.diffModels({ ...r, faults: [...r.faults, ...extras] }, o, name));
      }
      fail(problems, 'operations');
    });

    it('enums: same values in the same order, Error annotated with EnumerationValue 100', function () {
      const reference = ref.loadReferenceModel();
      const ours = ref.modelFromWsdlString(buildWsdl(ENDPOINT));
      for (const name of ['OpenMediaRequestStatus', 'OpenMediaStatus']) {
        const key = q(NS.dataContracts, name);
        assert.ok(reference.simpleTypes[key], `reference declares ${name}`);
        assert.deepStrictEqual(ours.simpleTypes[key], reference.simpleTypes[key], name);
        assert.deepStrictEqual(ours.simpleTypes[key].facets.map((f) => f.value), Object.keys(contract.ENUMS[name]));
      }
      const error = ours.simpleTypes[q(NS.dataContracts, 'OpenMediaRequestStatus')].facets.find((f) => f.value === 'Error');
      assert.strictEqual(error.appinfo, `{${NS.serialization}}EnumerationValue=100`);
    });

    it('every reference complex type has the same members (order, type, minOccurs, nillable)', function () {
      const reference = ref.loadReferenceModel();
      const ours = ref.modelFromWsdlString(buildWsdl(ENDPOINT));
      const names = Object.keys(reference.complexTypes);
      assert.ok(names.length >= 24, `reference has ${names.length} complex types`);
      fail(names.flatMap((k) => ref.diffModels(reference.complexTypes[k], ours.complexTypes[k], k)), 'complex types');
    });

    describe('the comparison catches a departure from the contract', function () {
      const good = () => buildWsdl(ENDPOINT);
      const mutate = (from, to) => {
        const xml = good();
        assert.ok(xml.includes(from), `mutation anchor not found: ${from}`);
        return xml.replace(from, to);
      };
      const expectProblem = (xml, pattern) => {
        const problems = compareWithReference(xml);
        assert.ok(problems.length > 0, 'a mutated WSDL compared equal to the reference');
        assert.ok(problems.some((p) => pattern.test(p)), `no problem matching ${pattern}:\n  ${problems.join('\n  ')}`);
      };

      it('two members swapped (order)', function () {
        const a = '<xs:element minOccurs="0" name="PreferredAgentID" type="xs:int" />';
        const b = '<xs:element minOccurs="0" name="PreferredAgentLogonID" nillable="true" type="xs:string" />';
        const xml = mutate(`${a}\n          ${b}`, `${b}\n          ${a}`);
        expectProblem(xml, /AddOpenMediaRequest\.sequence\[2\]\.name: reference "PreferredAgentID", ours "PreferredAgentLogonID"/);
      });

      it('nillable dropped', function () {
        expectProblem(mutate('name="PrivateData" nillable="true"', 'name="PrivateData"'), /PrivateData|sequence\[4\]\.nillable/);
      });

      it('an enum value missing, or its EnumerationValue annotation', function () {
        expectProblem(mutate('<xs:enumeration value="Clerical" />', ''), /OpenMediaStatus\.facets\[7\]/);
        expectProblem(mutate('>100</EnumerationValue>', '>6</EnumerationValue>'), /appinfo/);
      });

      it('a wrong soapAction', function () {
        expectProblem(mutate('soapAction="http://tempuri.org/IOpenMediaService/ModifyRequest"',
          'soapAction="http://tempuri.org/IOpenMediaService/Modify"'), /operations\[11\]\.soapAction/);
      });

      it('a type in the wrong namespace', function () {
        expectProblem(mutate('name="AgentList" nillable="true" type="arr:ArrayOfint"', 'name="AgentList" nillable="true" type="dc:ArrayOfint"'),
          /AgentList|sequence\[0\]\.type/);
      });

      it('a reference fault missing, or an extra fault missing', function () {
        const xml = good().replace(/\s*<wsdl:fault wsam:Action="http:\/\/tempuri\.org\/IOpenMediaService\/AddRequestInvalidUserFaultFault"[^>]*\/>/, '');
        assert.notStrictEqual(xml, good());
        expectProblem(xml, /portTypes.*\[0\]\.faults/);
        const noExtra = good().replace(/\s*<wsdl:fault wsam:Action="[^"]*SetOptionsInvalidDataFaultFault"[^>]*\/>/, '');
        assert.notStrictEqual(noExtra, good());
        expectProblem(noExtra, /portType SetOptions: extra fault InvalidDataFaultFault missing/);
      });
    });
  });

  describe('(b) on its own', function () {
    it('is well-formed XML', function () {
      const xml = buildWsdl(ENDPOINT);
      ref.parseXml(xml, 'our WSDL'); // sax in strict mode throws on any well-formedness error
      if (ref.xmllintAvailable()) {
        const r = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
        assert.strictEqual(r.status, 0, r.stderr);
      }
      assert.throws(() => ref.parseXml(xml.replace('</wsdl:types>', ''), 'broken'), /not well-formed/);
    });

    it('is self-contained: no schemaLocation, no wsdl:import, every import resolved inline', function () {
      const xml = buildWsdl(ENDPOINT);
      assert.ok(!/schemaLocation/.test(xml), 'schemaLocation found');
      assert.ok(!/<wsdl:import/.test(xml), 'wsdl:import found');
      const root = ref.parseXml(xml, 'our WSDL');
      const types = root.children.find((c) => c.local === 'types');
      const schemas = types.children.filter((c) => c.local === 'schema');
      const declared = new Set(schemas.map((s) => s.attrs.targetNamespace));
      assert.strictEqual(declared.size, schemas.length, 'one schema per namespace');
      for (const s of schemas) {
        for (const imp of s.children.filter((c) => c.local === 'import')) {
          assert.ok(declared.has(imp.attrs.namespace), `import of ${imp.attrs.namespace} has no inline schema`);
        }
      }
    });

    it('every QName it uses resolves to something it declares', function () {
      const m = ref.modelFromWsdlString(buildWsdl(ENDPOINT));
      const builtin = (qn) => qn.startsWith(`{${NS.xs}}`);
      const missing = [];
      const typeExists = (qn, where) => {
        if (!builtin(qn) && !m.complexTypes[qn] && !m.simpleTypes[qn]) missing.push(`${where}: type ${qn}`);
      };
      const checkCt = (ct, where) => {
        if (ct.base) typeExists(ct.base, where);
        for (const p of ct.sequence || []) if (p.type) typeExists(p.type, `${where}/${p.name}`);
        for (const a of ct.attributes || []) if (a.ref && !m.attributes[a.ref]) missing.push(`${where}: attribute ${a.ref}`);
      };
      for (const [k, e] of Object.entries(m.elements)) {
        if (e.type) typeExists(e.type, k);
        if (e.complexType) checkCt(e.complexType, k);
      }
      for (const [k, ct] of Object.entries(m.complexTypes)) checkCt(ct, k);
      for (const [k, parts] of Object.entries(m.messages)) {
        for (const p of parts) if (!m.elements[p.element]) missing.push(`${k}: element ${p.element}`);
      }
      for (const ops of Object.values(m.portTypes)) {
        for (const op of ops) {
          for (const msg of [op.input.message, op.output.message, ...op.faults.map((f) => f.message)]) {
            if (!m.messages[msg]) missing.push(`${op.name}: message ${msg}`);
          }
        }
      }
      for (const b of Object.values(m.bindings)) if (!m.portTypes[b.type]) missing.push(`binding type ${b.type}`);
      for (const ports of Object.values(m.services)) {
        for (const p of ports) if (!m.bindings[p.binding]) missing.push(`port binding ${p.binding}`);
      }
      assert.deepStrictEqual(missing, []);
    });

    it('follows the contract module: 12 operations in order, wrappers, faults (with the two extras)', function () {
      const ops = operationView(ref.modelFromWsdlString(buildWsdl(ENDPOINT)));
      assert.deepStrictEqual(Object.keys(ops), contract.OPERATION_NAMES);
      for (const name of contract.OPERATION_NAMES) {
        const def = contract.OPERATIONS[name];
        assert.deepStrictEqual(ops[name].input.children.map((c) => c.name), def.input.map((mm) => mm.name), name);
        assert.deepStrictEqual(ops[name].output.children.map((c) => c.name), [`${name}Result`]);
        assert.deepStrictEqual(ops[name].faults.map((f) => f.detail), def.faults.map((f) => q(contract.FAULTS[f].ns, f)));
        assert.strictEqual(ops[name].soapAction, contract.soapAction(name));
      }
      assert.ok(ops.SetOptions.faults.some((f) => f.name === 'InvalidDataFaultFault'));
      assert.ok(ops.CancelRequest.faults.some((f) => f.name === 'OpenMediaRequestTerminatedFaultFault'));
    });

    it('is deterministic and puts the endpoint (XML-escaped) in soap:address', function () {
      assert.strictEqual(buildWsdl(ENDPOINT), buildWsdl(ENDPOINT));
      const odd = 'http://127.0.0.1:9/OpenMediaService?a=1&b="2"';
      const xml = buildWsdl(odd);
      const m = ref.modelFromWsdlString(xml);
      assert.deepStrictEqual(m.services[T('OpenMediaService')], [{
        name: 'BasicHttpBinding_IOpenMediaService', binding: T('BasicHttpBinding_IOpenMediaService'), address: odd,
      }]);
      // Same document apart from the address.
      assert.strictEqual(xml.replace(/location="[^"]*"/, ''), buildWsdl(ENDPOINT).replace(/location="[^"]*"/, ''));
    });

    it('tools/write-wsdl.js writes exactly buildWsdl() for the default local address; wsdl/ is current', function () {
      const tool = require('../tools/write-wsdl');
      assert.strictEqual(tool.FILE_ENDPOINT, `http://localhost:${contract.DEFAULT_PORT}${contract.SERVICE_PATH}`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-write-wsdl-'));
      try {
        const out = path.join(dir, 'sub', 'OpenMediaService.wsdl');
        assert.strictEqual(tool.writeWsdl(out), true);
        assert.strictEqual(fs.readFileSync(out, 'utf8'), buildWsdl(tool.FILE_ENDPOINT));
        assert.strictEqual(tool.writeWsdl(out), false, 'a current file is left alone');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const committed = path.join(__dirname, '..', 'wsdl', 'OpenMediaService.wsdl');
      assert.ok(fs.existsSync(committed), 'wsdl/OpenMediaService.wsdl is missing (npm run build writes it)');
      assert.strictEqual(fs.readFileSync(committed, 'utf8'), buildWsdl(tool.FILE_ENDPOINT),
        'wsdl/OpenMediaService.wsdl is stale: run npm run build and commit it');
    });

    describe('in the soap package', function () {
      let tmpDir;
      before(function () { tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-wsdl-test-')); });
      after(function () { fs.rmSync(tmpDir, { recursive: true, force: true }); });

      it('builds a client from a file: 12 operations with the contract\'s input members, endpoint used', async function () {
        const file = path.join(tmpDir, 'OpenMediaService.wsdl');
        fs.writeFileSync(file, buildWsdl('http://127.0.0.1:1/Somewhere'));
        const client = await soap.createClientAsync(file);
        const port = client.describe().OpenMediaService.BasicHttpBinding_IOpenMediaService;
        assert.deepStrictEqual(Object.keys(port), contract.OPERATION_NAMES);
        const names = (obj) => Object.keys(obj).filter((k) => k !== 'targetNSAlias' && k !== 'targetNamespace')
          .map((k) => k.replace(/\[\]$/, ''));
        for (const name of contract.OPERATION_NAMES) {
          const def = contract.OPERATIONS[name];
          const input = port[name].input;
          assert.deepStrictEqual(names(input), def.input.map((mm) => mm.name), `${name} input`);
          if (def.input.length === 1 && def.input[0].name === 'request') {
            assert.deepStrictEqual(names(input.request), contract.membersOf(def.input[0].type).map((mm) => mm.name),
              `${name} request members`);
          }
          assert.deepStrictEqual(names(port[name].output), [`${name}Result`]);
        }
        assert.match(port.AddRequest.output.AddRequestResult.RequestStatus, /Success,GroupClosed,InvalidGroup,TenantDisabled,AgentLoggedOff,InvalidID,Error/);
        assert.strictEqual(client.wsdl.services.OpenMediaService.ports.BasicHttpBinding_IOpenMediaService.location,
          'http://127.0.0.1:1/Somewhere');
      });

      it('builds a client from the XML string itself (no file, no URL)', async function () {
        const client = await soap.createClientAsync(buildWsdl('http://127.0.0.1:1/FromString'));
        assert.deepStrictEqual(Object.keys(client.describe().OpenMediaService.BasicHttpBinding_IOpenMediaService),
          contract.OPERATION_NAMES);
        assert.strictEqual(client.wsdl.services.OpenMediaService.ports.BasicHttpBinding_IOpenMediaService.location,
          'http://127.0.0.1:1/FromString');
      });

      it('serves it with soap.listen and a client from ?wsdl calls all 12 operations', async function () {
        const server = http.createServer((req, res) => { res.statusCode = 404; res.end(); });
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const url = `http://127.0.0.1:${server.address().port}/OpenMediaService`;
          const seen = {};
          const results = {
            AddRequest: { EWT: 30, OpenMediaID: 7, QueuePosition: 1, RequestStatus: 'Error' },
            CancelRequest: true,
            GetOpenMediaRequestStatusByID: { TimeStamp: '2026-01-01T00:00:00Z' },
            GetOpenMediaRequestHistoryByID: { TimeStamp: '2026-01-01T00:00:00Z' },
            GetOpenMediaRequestsByTime: { TimeStamp: '2026-01-01T00:00:00Z' },
            GetAllOpenMediaRequestStatus: { TimeStamp: '2026-01-01T00:00:00Z' },
            GetServiceGroupStatus: { Open: true, ServiceGroupID: 5 },
            GetAllOpenMediaServiceGroupStatus: { Status: { ServiceGroupStatus: [{ Open: false, ServiceGroupID: 5 }] } },
            SetOptions: true,
            GetOMAgentsByGroup: { AgentList: { int: [1, 2] }, ServiceGroupID: 5 },
            DivertRequest: { OpenMediaID: 7, RequestStatus: 'Success' },
            ModifyRequest: false,
          };
          const impl = {};
          for (const name of contract.OPERATION_NAMES) {
            impl[name] = (args) => { seen[name] = { args }; return { [`${name}Result`]: results[name] }; };
          }
          soap.listen(server, '/OpenMediaService', { OpenMediaService: { BasicHttpBinding_IOpenMediaService: impl } },
            buildWsdl(url));
          const client = await soap.createClientAsync(`${url}?wsdl`);
          assert.strictEqual(Object.keys(client.describe().OpenMediaService.BasicHttpBinding_IOpenMediaService).length, 12);
          const args = {
            AddRequest: { request: { ServiceGroupID: 5, TenantID: 1, IVRInfo: { IVRInformation: [{ Label: 'L', Data: 'D' }] } } },
            CancelRequest: { request: { OpenMediaID: 7, CancelIfAllocated: true } },
            GetOpenMediaRequestStatusByID: { openMediaID: 7 },
            GetOpenMediaRequestHistoryByID: { openMediaID: 7, retrieveLaterThan: '2026-01-01T00:00:00Z' },
            GetOpenMediaRequestsByTime: { retrieveLaterThan: '2026-01-01T00:00:00Z' },
            GetAllOpenMediaRequestStatus: {},
            GetServiceGroupStatus: { serviceGroupID: 5 },
            GetAllOpenMediaServiceGroupStatus: { tenantID: -1 },
            SetOptions: { request: { TypeOfSession: 0, MaxNumberOfSessions: 2 } },
            GetOMAgentsByGroup: { serviceGroupID: 5 },
            DivertRequest: { request: { OpenMediaID: 7, ServiceGroupID: 6 } },
            ModifyRequest: { request: { OpenMediaID: 7, PrivateData: 'x' } },
          };
          for (const name of contract.OPERATION_NAMES) {
            const [result] = await client[`${name}Async`](args[name]);
            assert.ok(seen[name], `${name} did not reach the server`);
            assert.ok(result && Object.prototype.hasOwnProperty.call(result, `${name}Result`), `${name}: ${JSON.stringify(result)}`);
          }
          assert.strictEqual(seen.GetOpenMediaRequestStatusByID.args.openMediaID, 7);
          assert.strictEqual(seen.AddRequest.args.request.ServiceGroupID, 5);
          // The soap server hands an empty wrapper (GetAllOpenMediaRequestStatus) to the handler as null.
          assert.strictEqual(seen.GetAllOpenMediaRequestStatus.args, null);
          assert.deepStrictEqual(seen.SetOptions.args, { request: { MaxNumberOfSessions: 2, TypeOfSession: 0 } });
          assert.deepStrictEqual(seen.GetOMAgentsByGroup.args, { serviceGroupID: 5 });
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
      });
    });
  });
});
