'use strict';
/*
 * Static checks of the editor side: the node HTML files, the help, the message catalogues, the icon and the
 * example flow. No browser and no Node-RED runtime: the HTML is parsed the way the flow library's scorecard parses
 * it (acorn over each text/javascript block), and the shared editor script is run in a small sandbox with a stub
 * RED so its validators can be called like the editor calls them.
 *
 * Runs against the built files (lib/, tools/, nodes/om-operations.html): `npm run build` first.
 */
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const acorn = require('acorn');
const walk = require('acorn-walk');

const root = path.resolve(__dirname, '..');
const { OPERATION_NODES, TYPED_INPUT_TYPES } = require('../lib/operations');
const { OPERATIONS, REQUEST_STATUS, OPEN_MEDIA_STATUS, LIMITS } = require('../lib/contract');
const buildEditor = require('../tools/build-editor');
const { prepareRequest } = require('../lib/validate');

const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');
const OPS_HTML = 'nodes/om-operations.html';
const SERVER_HTML = 'nodes/om-server.html';
const EVENTS_HTML = 'nodes/om-events.html';
const OPS_HELP = 'nodes/locales/en-US/om-operations.html';
const SERVER_HELP = 'nodes/locales/en-US/om-server.html';

// The scorecard's own expression (node-red-dev src/libs/checknodes.js), so what passes here passes there.
function scriptBlocks(html) {
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const out = [];
  let m;
  while ((m = re.exec(html)) !== null) out.push(m[1]);
  return out;
}

/** Every RED.nodes.registerType call: type literal, and the definition's properties as AST nodes. */
function registrations(html) {
  const regs = [];
  for (const block of scriptBlocks(html)) {
    const ast = acorn.parse(block, { ecmaVersion: 'latest' });
    walk.simple(ast, {
      CallExpression(node) {
        if (!node.callee.property || node.callee.property.name !== 'registerType') return;
        const [typeNode, defNode] = node.arguments;
        const props = {};
        if (defNode && defNode.type === 'ObjectExpression') {
          for (const p of defNode.properties) {
            assert.strictEqual(p.type, 'Property', 'no spread in a node definition (the scorecard cannot read it)');
            assert.strictEqual(p.key.type, 'Identifier', `definition keys are plain identifiers (${block.slice(p.start, p.start + 30)})`);
            props[p.key.name] = p.value;
          }
        }
        regs.push({ typeNode, defNode, props, source: block });
      },
    });
  }
  return regs;
}

const literal = (node) => (node && node.type === 'Literal' ? node.value : undefined);

/** A definition's `defaults` / `credentials` as { key: { prop: literal value or '<expr>' } }. */
function objectOfObjects(node) {
  assert.ok(node && node.type === 'ObjectExpression', 'inline object');
  const out = {};
  for (const p of node.properties) {
    assert.strictEqual(p.key.type, 'Identifier', 'keys are plain identifiers (the scorecard reads key.name)');
    assert.strictEqual(p.value.type, 'ObjectExpression');
    const entry = {};
    for (const q of p.value.properties) {
      entry[q.key.name] = q.value.type === 'Literal' ? q.value.value
        : q.value.type === 'UnaryExpression' && q.value.argument.type === 'Literal' ? -q.value.argument.value : '<expr>';
    }
    out[p.key.name] = entry;
  }
  return out;
}

function helpBlocks(html) {
  const re = /<script type="text\/html" data-help-name="([^"]+)">([\S\s]*?)<\/script>/g;
  const out = {};
  let m;
  while ((m = re.exec(html)) !== null) {
    assert.ok(!out[m[1]], `one help block per type (${m[1]})`);
    out[m[1]] = m[2];
  }
  return out;
}

function templateBlocks(html) {
  const re = /<script type="text\/html" data-template-name="([^"]+)">([\S\s]*?)<\/script>/g;
  const out = {};
  let m;
  while ((m = re.exec(html)) !== null) out[m[1]] = m[2];
  return out;
}

/** Field names of a node, in the order the runtime reads them: table parameters, then node options. */
function fieldsOf(def) {
  return [
    ...def.params.map((p) => ({ name: p.wire, value: `payload.${p.key}`, type: 'msg', types: TYPED_INPUT_TYPES[p.kind] })),
    ...(def.options || []).map((o) => ({ name: o.name, value: o.defaultValue, type: o.defaultType, types: o.types })),
  ];
}

/**
 * Runs the generated editor script in a sandbox: RED.nodes.registerType collects definitions; RED.validators
 * .typedInput is a reduced copy of the editor's (syntax of num / json / msg), enough for the checks below; `$`
 * finds no dialog, so validators read the node's own `<field>Type`, as they do when a flow is deployed.
 */
function loadEditorScript(html) {
  const defs = {};
  const RED = {
    nodes: { registerType: (type, def) => { defs[type] = def; } },
    validators: {
      typedInput: (opts) => function (v) {
        if (/^\$\{[^}]+\}$/.test(v)) return true; // as the editor's validateTypedProperty
        if (opts.type === 'num') return /^[+-]?[0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?$/.test(v) ? true : 'invalid-num';
        if (opts.type === 'json') { try { JSON.parse(v); return true; } catch (e) { return 'invalid-json'; } }
        if (opts.type === 'msg') return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(v) ? true : 'invalid-prop';
        return true;
      },
    },
  };
  const $ = () => ({ length: 0, val: () => undefined });
  const context = vm.createContext({ RED, $, window: {}, Date, JSON, Object, Array, Number, String, isFinite });
  for (const block of scriptBlocks(html)) vm.runInContext(block, context, { filename: OPS_HTML });
  return { defs, RED };
}

describe('editor: nodes/om-operations.html (generated from the operation table)', function () {
  let html;
  let regs;
  before(function () {
    html = read(OPS_HTML);
    regs = registrations(html);
  });

  it('is what the generator makes from the current table (run `npm run build` when this fails)', function () {
    assert.strictEqual(html, buildEditor.renderOperationsHtml());
  });

  it('registers every node of the table exactly once, with a literal type name', function () {
    const names = regs.map((r) => literal(r.typeNode));
    assert.ok(regs.every((r) => r.typeNode.type === 'Literal'), 'literal type names');
    assert.deepStrictEqual([...names].sort(), OPERATION_NODES.map((n) => n.type).sort());
    assert.strictEqual(OPERATION_NODES.length, 12);
  });

  it('uses inline literal category, color, icon, inputs and outputs; outputs and labels as in the table', function () {
    for (const def of OPERATION_NODES) {
      const r = regs.find((x) => literal(x.typeNode) === def.type);
      assert.strictEqual(literal(r.props.category), 'MiCC Open Media', def.type);
      assert.strictEqual(literal(r.props.color), buildEditor.COLOR, def.type);
      assert.strictEqual(literal(r.props.icon), def.icon, def.type);
      assert.ok(fs.existsSync(path.join(root, 'nodes', 'icons', def.icon)), `${def.type}: nodes/icons/${def.icon}`);
      assert.strictEqual(literal(r.props.inputs), 1, def.type);
      assert.strictEqual(literal(r.props.outputs), def.outputs, def.type);
      assert.strictEqual(literal(r.props.paletteLabel), def.paletteLabel, def.type);
      assert.ok(r.props.label && r.props.labelStyle && r.props.oneditprepare && r.props.onpaletteadd,
        `${def.type}: label, labelStyle, oneditprepare, onpaletteadd`);
      if (def.outputs === 2) {
        assert.deepStrictEqual(r.props.outputLabels.elements.map(literal), ['accepted', 'not accepted'], def.type);
      } else {
        assert.strictEqual(r.props.outputLabels, undefined, def.type);
      }
    }
  });

  it('declares inline defaults equal to the table: server, name, and <field> / <field>Type per parameter', function () {
    for (const def of OPERATION_NODES) {
      const r = regs.find((x) => literal(x.typeNode) === def.type);
      const defaults = objectOfObjects(r.props.defaults);
      const expected = ['server', 'name'];
      for (const f of fieldsOf(def)) expected.push(f.name, `${f.name}Type`);
      assert.deepStrictEqual(Object.keys(defaults), expected, def.type);
      assert.deepStrictEqual(defaults.server, { value: '', type: 'om-server', required: true }, def.type);
      assert.strictEqual(defaults.name.value, '', def.type);
      for (const f of fieldsOf(def)) {
        assert.strictEqual(defaults[f.name].value, f.value, `${def.type}.${f.name}`);
        assert.strictEqual(defaults[f.name].validate, '<expr>', `${def.type}.${f.name} has a validator`);
        assert.strictEqual(defaults[`${f.name}Type`].value, f.type, `${def.type}.${f.name}Type`);
      }
    }
  });

  it('has an edit template per node with a typedInput field, its type field and its hint per parameter', function () {
    const templates = templateBlocks(html);
    assert.deepStrictEqual(Object.keys(templates).sort(), OPERATION_NODES.map((n) => n.type).sort());
    for (const def of OPERATION_NODES) {
      const t = templates[def.type];
      assert.ok(t.includes('id="node-input-server"'), def.type);
      assert.ok(t.includes('id="node-input-name"'), def.type);
      for (const p of def.params) {
        assert.ok(t.includes(`id="node-input-${p.wire}"`), `${def.type}: ${p.wire}`);
        assert.ok(t.includes(`id="node-input-${p.wire}Type"`), `${def.type}: ${p.wire}Type`);
        const hint = p.hint.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        assert.ok(t.includes(hint), `${def.type}: hint of ${p.wire}`);
      }
      for (const o of def.options || []) assert.ok(t.includes(`id="node-input-${o.name}"`), `${def.type}: ${o.name}`);
    }
  });

  it('offers the table\'s typedInput types for each parameter', function () {
    for (const def of OPERATION_NODES) {
      // oneditprepare runs in a sandbox whose `$` records each typedInput set-up.
      const calls = [];
      const $ = (sel) => ({ typedInput: (opts) => calls.push({ sel, ...opts }) });
      const defs = {};
      const RED = { nodes: { registerType: (t, d) => { defs[t] = d; } }, validators: { typedInput: () => () => true } };
      vm.runInContext(scriptBlocks(html)[0], vm.createContext({ RED, $, window: {} }));
      defs[def.type].oneditprepare.call({});
      const fields = fieldsOf(def);
      assert.strictEqual(calls.length, fields.length, def.type);
      fields.forEach((f, i) => {
        assert.strictEqual(calls[i].sel, `#node-input-${f.name}`);
        // an enumerated option's literal is Node-RED's num type shown as a dropdown: same type names
        const types = Array.from(calls[i].types, (t) => (typeof t === 'string' ? t : t.value)); // from the sandbox's realm
        assert.deepStrictEqual(types, [...f.types], `${def.type}.${f.name}`);
        const choice = Array.from(calls[i].types).find((t) => typeof t !== 'string');
        const param = def.params.find((p) => p.wire === f.name);
        if (param && param.choices) {
          assert.ok(choice, `${def.type}.${f.name}: a dropdown for the literal`);
          assert.deepStrictEqual(Array.from(choice.options, (o) => o.value),
            ['', ...param.choices.map((c) => String(c.value))], `${def.type}.${f.name}: the documented numbers, and "not sent"`);
          for (const c of param.choices) {
            assert.ok(Array.from(choice.options).some((o) => o.label === `${c.value} = ${c.label}`), `${def.type}.${f.name}: ${c.value} in words`);
          }
        } else {
          assert.strictEqual(choice, undefined, `${def.type}.${f.name}: no dropdown`);
        }
        assert.strictEqual(calls[i].typeField, `#node-input-${f.name}Type`);
        assert.strictEqual(calls[i].default, f.type);
      });
    }
  });

  describe('validators (literal values are checked in the editor; msg / flow / global are not)', function () {
    let defs;
    before(function () { defs = loadEditorScript(html).defs; });
    const check = (type, field, fieldType, value) =>
      defs[type].defaults[field].validate.call({ [`${field}Type`]: fieldType }, value, { label: field });

    it('flags a 21-character group name typed as a string, accepts 20', function () {
      const tooLong = 'x'.repeat(LIMITS.serviceGroupNameMax + 1);
      const r = check('om-add-request', 'ServiceGroupName', 'str', tooLong);
      assert.strictEqual(typeof r, 'string');
      assert.match(r, /at most 20 characters \(this has 21\)/);
      assert.strictEqual(check('om-add-request', 'ServiceGroupName', 'str', 'x'.repeat(20)), true);
      assert.strictEqual(check('om-divert-request', 'ServiceGroupName', 'str', tooLong).includes('20'), true);
      // The same text as a msg property name is a reference, not the value: not checked against the limit.
      assert.strictEqual(check('om-add-request', 'ServiceGroupName', 'msg', 'payload.' + 'x'.repeat(30)), true);
    });

    it('flags numbers outside their documented range, and fractions', function () {
      assert.match(check('om-add-request', 'SessionPriority', 'num', '101'), /1 to 100/);
      assert.match(check('om-add-request', 'SessionPriority', 'num', '0'), /1 to 100/);
      assert.strictEqual(check('om-add-request', 'SessionPriority', 'num', '100'), true);
      assert.match(check('om-add-request', 'TypeOfSession', 'num', '0'), /1 or more/);
      assert.strictEqual(check('om-set-options', 'TypeOfSession', 'num', '0'), true);
      assert.match(check('om-set-options', 'AgentActionOptions', 'num', '5'), /1 to 4/);
      assert.match(check('om-set-options', 'AllowDifferentTypes', 'num', '3'), /1 to 2/);
      assert.match(check('om-request-status', 'openMediaID', 'num', '1.5'), /whole number/);
      assert.match(check('om-request-status', 'openMediaID', 'num', '2147483648'), /or more|to/);
      assert.strictEqual(check('om-all-service-group-status', 'tenantID', 'num', '-1'), true);
    });

    it('checks IVR info typed as JSON: item count, lengths, Label or Data present', function () {
      const item = { Label: 'Ticket', Data: 'T-1' };
      assert.strictEqual(check('om-add-request', 'IVRInfo', 'json', JSON.stringify([item])), true);
      assert.strictEqual(check('om-add-request', 'IVRInfo', 'json', JSON.stringify({ Ticket: 'T-1', Mail: 'a@b' })), true);
      assert.match(check('om-add-request', 'IVRInfo', 'json', JSON.stringify([item, item, item, item])), /1 to 3 items \(this has 4\)/);
      assert.match(check('om-modify-request', 'IVRInfo', 'json', JSON.stringify([{ Label: 'x'.repeat(101) }])), /Label at most 100/);
      assert.match(check('om-add-request', 'IVRInfo', 'json', JSON.stringify([{ Data: 'y'.repeat(101) }])), /Data at most 100/);
      assert.match(check('om-add-request', 'IVRInfo', 'json', JSON.stringify([{}])), /needs a Label or Data/);
      assert.match(check('om-add-request', 'IVRInfo', 'json', '[]'), /1 to 3 items/);
      assert.notStrictEqual(check('om-add-request', 'IVRInfo', 'json', '{not json'), true);
    });

    it('checks private data length, dates and the past rule', function () {
      assert.match(check('om-add-request', 'PrivateData', 'str', 'p'.repeat(256)), /at most 255 characters \(this has 256\)/);
      assert.strictEqual(check('om-add-request', 'PrivateData', 'str', 'p'.repeat(255)), true);
      assert.match(check('om-add-request', 'QueueStartTime', 'str', new Date(Date.now() + 3600e3).toISOString()), /in the past/);
      assert.strictEqual(check('om-add-request', 'QueueStartTime', 'str', '2020-01-01T00:00:00Z'), true);
      assert.match(check('om-requests-by-time', 'retrieveLaterThan', 'str', 'yesterday-ish'), /not a date/);
      assert.strictEqual(check('om-requests-by-time', 'retrieveLaterThan', 'date', ''), true);
    });

    it('requires the required parameters and lets the optional ones stay empty', function () {
      assert.match(check('om-cancel-request', 'OpenMediaID', 'msg', ''), /required/);
      assert.match(check('om-cancel-request', 'OpenMediaID', 'num', ''), /required/);
      assert.strictEqual(check('om-add-request', 'ServiceGroupID', 'msg', ''), true);
      assert.strictEqual(check('om-add-request', 'correlation', 'msg', ''), true);
      assert.strictEqual(check('om-cancel-request', 'OpenMediaID', 'msg', 'payload.OpenMediaID'), true);
      assert.notStrictEqual(check('om-cancel-request', 'OpenMediaID', 'msg', 'payload..x'), true);
      // Without `opt` (the editor's older call form) an invalid value is false, not a message.
      const v = defs['om-add-request'].defaults.ServiceGroupName.validate;
      assert.strictEqual(v.call({ ServiceGroupNameType: 'str' }, 'x'.repeat(21)), false);
    });

    it('PreferredAgentID 1 or more and tenantID -1 or more, as at runtime', function () {
      assert.match(check('om-add-request', 'PreferredAgentID', 'num', '0'), /1 or more/);
      assert.strictEqual(check('om-add-request', 'PreferredAgentID', 'num', '1'), true);
      assert.match(check('om-all-service-group-status', 'tenantID', 'num', '-2'), /-1 or more/);
    });

    it('IVR info is required, as at runtime', function () {
      assert.match(check('om-add-request', 'IVRInfo', 'msg', ''), /required/);
      assert.match(check('om-modify-request', 'IVRInfo', 'json', ''), /required/);
    });

    it('agrees with the runtime (lib/validate.js) at and past every limit of every parameter of the table', function () {
      // A request each operation accepts; one parameter at a time is set to the value under test.
      const IVR = [{ Label: 'a', Data: 'b' }];
      const BASE = {
        AddRequest: { ServiceGroupID: 101, IVRInfo: IVR },
        CancelRequest: { OpenMediaID: 1, CancelIfAllocated: true, DoNotReport: true },
        DivertRequest: { OpenMediaID: 1, ServiceGroupID: 102 },
        ModifyRequest: { OpenMediaID: 1, IVRInfo: IVR },
        SetOptions: { TypeOfSession: 1, MaxNumberOfSessions: 1 },
        GetOpenMediaRequestStatusByID: { openMediaID: 1 },
        GetOpenMediaRequestHistoryByID: { openMediaID: 1 },
        GetOpenMediaRequestsByTime: {},
        GetAllOpenMediaRequestStatus: {},
        GetServiceGroupStatus: { serviceGroupID: 101 },
        GetAllOpenMediaServiceGroupStatus: { tenantID: 1 },
        GetOMAgentsByGroup: { serviceGroupID: 101 },
      };
      const HOUR = 3600e3;
      /** [what, text, accepted?]: every class XML 1.0 refuses, and the characters beside them it allows. */
      const XML_CHAR_CASES = [
        ['U+0000', 'a\u0000b', false], ['U+0001', '\u0001', false], ['U+0008', 'x\u0008', false], ['U+000B', '\u000b', false],
        ['U+000C', '\u000c', false], ['U+001F', '\u001f', false], ['U+FFFE', '\ufffe', false], ['U+FFFF', '\uffff', false],
        ['a lone high surrogate', 'a\ud800b', false], ['a lone low surrogate', '\udc00', false], ['surrogates reversed', '\udc00\ud800', false],
        ['tab, LF, CR', 'a\tb\nc\rd', true], ['U+0020 and U+007F-U+009F', ' \u007f\u0085\u009f', true],
        ['U+D7FF, U+E000, U+FFFD', '\ud7ff\ue000\ufffd', true], ['a surrogate pair (U+1F600), U+10FFFF', '\ud83d\ude00\udbff\udfff', true],
      ];
      /** [what, editor type, typed-in text, the value the runtime gets, accepted?] for one parameter. */
      function cases(p) {
        const out = [];
        if (p.kind === 'int') {
          const min = p.min !== undefined ? p.min : LIMITS.intMin;
          const max = p.max !== undefined ? p.max : LIMITS.intMax;
          for (const [n, ok] of [[min, true], [max, true], [min - 1, false], [max + 1, false]]) out.push([String(n), 'num', String(n), n, ok]);
        } else if (p.kind === 'string') {
          const n = p.maxLength !== undefined ? p.maxLength : 1000;
          out.push([`${n} characters`, 'str', 'x'.repeat(n), 'x'.repeat(n), true]);
          if (p.maxLength !== undefined) out.push([`${n + 1} characters`, 'str', 'x'.repeat(n + 1), 'x'.repeat(n + 1), false]);
          // Characters XML 1.0 cannot carry, each class, and the allowed ones beside them.
          for (const [what, text, ok] of XML_CHAR_CASES) out.push([what, 'str', text, text, ok]);
        } else if (p.kind === 'ivrinfo') {
          assert.ok(p.ivr, `${p.wire}: IVR limits in the table`);
          const { maxItems, labelMax, dataMax } = p.ivr;
          const items = (n) => Array.from({ length: n }, (_, i) => ({ Label: `L${i}` }));
          for (const [what, v, ok] of [
            [`${maxItems} items`, items(maxItems), true], [`${maxItems + 1} items`, items(maxItems + 1), false], ['no items', [], false],
            [`Label ${labelMax}`, [{ Label: 'l'.repeat(labelMax) }], true], [`Label ${labelMax + 1}`, [{ Label: 'l'.repeat(labelMax + 1) }], false],
            [`Data ${dataMax}`, [{ Data: 'd'.repeat(dataMax) }], true], [`Data ${dataMax + 1}`, [{ Data: 'd'.repeat(dataMax + 1) }], false],
            ['an empty item', [{ Label: '', Data: '' }], false],
            ...XML_CHAR_CASES.flatMap(([what, text, ok]) => [[`Label ${what}`, [{ Label: text }], ok], [`Data ${what}`, [{ Data: text }], ok]]),
          ]) out.push([what, 'json', JSON.stringify(v), v, ok]);
        } else if (p.kind === 'datetime') {
          const before = new Date(Date.now() - HOUR).toISOString();
          const after = new Date(Date.now() + HOUR).toISOString();
          out.push(['an hour ago', 'str', before, before, true]);
          out.push(['in an hour', 'str', after, after, !p.past]);
        }
        return out;
      }
      let checked = 0;
      let refused = 0;
      for (const def of OPERATION_NODES) {
        for (const p of def.params) {
          for (const [what, type, text, value, ok] of cases(p)) {
            const where = `${def.type}.${p.wire} = ${what}`;
            const editor = check(def.type, p.wire, type, text);
            let runtime = true;
            try {
              prepareRequest(def.operation, { ...BASE[def.operation], [p.wire]: value });
            } catch (err) {
              assert.strictEqual(err.code, 'INVALID_INPUT', `${where}: ${err.stack}`);
              assert.ok(err.field === p.wire || err.field.startsWith(`${p.wire}[`), `${where}: runtime blamed ${err.field}`);
              runtime = err.message;
            }
            assert.strictEqual(editor === true, ok, `${where}: editor says ${editor}`);
            assert.strictEqual(runtime === true, ok, `${where}: runtime says ${runtime}`);
            checked += 1;
            if (!ok) refused += 1;
          }
        }
      }
      // Every int (4 cases), string and date of the twelve nodes went through; a table without limits would fail here.
      assert.ok(checked > 100 && refused > 40, `${checked} cases, ${refused} refused`);
    });

    it('treats ${ENV} references as valid literals', function () {
      assert.strictEqual(check('om-add-request', 'SessionPriority', 'num', '${PRIO}'), true);
      assert.strictEqual(check('om-add-request', 'ServiceGroupName', 'str', '${GROUP_NAME_FROM_THE_ENVIRONMENT}'), true);
    });
  });
});

describe('editor: nodes/om-server.html', function () {
  let reg;

  /**
   * The dialog's script in a sandbox with the browser's URL parser and a stub jQuery whose inputs hold values: the
   * node's definition, and `dialog(url)` to open it on a URL and save it ({ saved, logonId, password, moved }).
   */
  function serverDialog() {
    const defs = {};
    let fields = {};
    const element = (id) => {
      fields[id] ??= { value: '', shown: false };
      const f = fields[id];
      return {
        val(v) { if (v === undefined) return f.value; f.value = v; return this; },
        show() { f.shown = true; return this; },
        toggle(on) { f.shown = !!on; return this; },
        on() { return this; },
        spinner() { return this; },
      };
    };
    const $ = (selector) => element(String(selector).replace(/^#/, ''));
    const RED = { nodes: { registerType: (t, d) => { defs[t] = d; } } };
    vm.runInContext(scriptBlocks(read(SERVER_HTML))[0], vm.createContext({ RED, $, URL }));
    const def = defs['om-server'];
    const dialog = (url) => {
      fields = {};
      element('node-config-input-url').val(url);
      def.oneditprepare.call({});
      def.oneditsave.call({});
      return {
        saved: fields['node-config-input-url'].value,
        logonId: fields['node-config-input-logonId'] ? fields['node-config-input-logonId'].value : '',
        password: fields['node-config-input-password'] ? fields['node-config-input-password'].value : '',
        moved: !!(fields['om-server-moved'] && fields['om-server-moved'].shown),
      };
    };
    return { def, dialog };
  }

  it('finds and removes user info in every spelling a URL parser reads it from, exactly as the runtime does', function () {
    const { WITH, WITHOUT, userInfoFindings } = require('./support/url-spellings');
    const { withoutUserInfo } = require('../lib/url');
    const { def, dialog } = serverDialog();
    for (const w of WITH) {
      const runtime = withoutUserInfo(w.url);
      const d = dialog(w.url);
      assert.strictEqual(d.saved, runtime.url, `${w.name}: the dialog saves what the runtime keeps`);
      assert.ok(d.moved, `${w.name}: the dialog says the credentials were moved`);
      for (const text of [d.saved, def.label.call({ url: w.url })]) {
        assert.deepStrictEqual(userInfoFindings(text), [], `${w.name}: ${JSON.stringify(text)}`);
        assert.ok(!text.includes(w.user) && !(w.password && text.includes(w.password)), `${w.name}: ${JSON.stringify(text)}`);
      }
      // What the browser's parser reads as user info goes into the credential fields.
      let parsed;
      try { parsed = new URL(w.url.replace(/[\t\n\r]/g, '').trim()); } catch { parsed = undefined; }
      if (parsed && parsed.username) assert.strictEqual(d.logonId, decodeURIComponent(parsed.username), w.name);
      if (parsed && parsed.password) assert.strictEqual(d.password, decodeURIComponent(parsed.password), w.name);
      const message = def.defaults.url.validate(w.url, {});
      assert.match(String(message), /LogonID and Password fields/, w.name);
      assert.ok(!String(message).includes(w.user), w.name);
    }
    for (const url of WITHOUT) {
      assert.strictEqual(withoutUserInfo(url).url, url);
      const d = dialog(url);
      assert.strictEqual(d.saved, url, url);
      assert.strictEqual(d.moved, false, url);
      if (url) assert.strictEqual(def.label.call({ url }), url);
    }
  });
  before(function () {
    const regs = registrations(read(SERVER_HTML));
    assert.strictEqual(regs.length, 1);
    reg = regs[0];
  });

  it('registers om-server as a config node with inline defaults', function () {
    assert.strictEqual(literal(reg.typeNode), 'om-server');
    assert.strictEqual(literal(reg.props.category), 'config');
    const d = objectOfObjects(reg.props.defaults);
    assert.deepStrictEqual(Object.keys(d).sort(), ['lease', 'maxAnswerMB', 'name', 'redisPrefix', 'redisTls', 'redisUrl', 'timeout', 'tls', 'url', 'wsdlSource']);
    assert.strictEqual(d.url.value, '');
    assert.strictEqual(d.url.required, true);
    assert.strictEqual(d.timeout.value, 10);
    assert.strictEqual(d.maxAnswerMB.value, 32);
    assert.deepStrictEqual(d.tls, { value: '', type: 'tls-config', required: false });
    assert.strictEqual(d.wsdlSource.value, 'bundled');
    // shared state: off unless a Redis URL is set
    assert.strictEqual(d.redisUrl.value, '');
    assert.strictEqual(d.redisPrefix.value, 'openmedia:');
    assert.strictEqual(d.lease.value, 10);
    assert.deepStrictEqual(d.redisTls, { value: '', type: 'tls-config', required: false });
  });

  it('keeps the logon id and password as credentials, the password of type password', function () {
    const c = objectOfObjects(reg.props.credentials);
    assert.deepStrictEqual(c, { logonId: { type: 'text' }, password: { type: 'password' }, redisUser: { type: 'text' }, redisPassword: { type: 'password' } });
    const t = templateBlocks(read(SERVER_HTML))['om-server'];
    assert.match(t, /<input type="password" id="node-config-input-password"/);
    assert.match(t, /<input type="password" id="node-config-input-redisPassword"/);
    assert.match(t, /placeholder="http:\/\/micc-host:12615\/OpenMediaService"/);
    assert.match(t, /<option value="bundled"/);
    assert.match(t, /<option value="server"/);
  });

  it('validates the URL, the timeout and the answer size', function () {
    const defs = {};
    const RED = { nodes: { registerType: (t, d) => { defs[t] = d; } } };
    vm.runInContext(scriptBlocks(read(SERVER_HTML))[0], vm.createContext({ RED, $: () => ({}), URL }));
    const url = defs['om-server'].defaults.url.validate;
    assert.strictEqual(url('http://127.0.0.1:12615/OpenMediaService', {}), true);
    assert.strictEqual(url('https://micc.example.com:12615/OpenMediaService', {}), true);
    assert.notStrictEqual(url('micc-host:12615', {}), true);
    // user:password@ is refused with a message that says where they belong (and never repeats them), whatever
    // else the URL has; the label never shows them.
    for (const bad of ['http://user:secret@micc-host/OpenMediaService', 'https://us%40er:se:cret@micc-host:12615', 'http://user@micc-host/x']) {
      const message = url(bad, {});
      assert.match(String(message), /LogonID and Password fields/, bad);
      assert.ok(!/secret|cret|us%40er|user/.test(String(message).replace(/URL: the logon id/, '')), message);
      assert.strictEqual(url(bad), false);
    }
    const label = defs['om-server'].label;
    assert.strictEqual(label.call({ url: 'http://user:secret@micc-host:12615/OpenMediaService' }), 'http://micc-host:12615/OpenMediaService');
    assert.strictEqual(label.call({ name: 'Prod', url: 'http://user:secret@micc-host/' }), 'Prod');
    assert.strictEqual(url('http://micc-host:12615/?q=a@b', {}), true, 'an @ after the host is not user info');
    // A URL without the service path is not invalid (a proxy may map another path); the dialog shows a hint.
    assert.strictEqual(url('http://micc-host:12615', {}), true);
    const timeout = defs['om-server'].defaults.timeout.validate;
    assert.strictEqual(timeout('10', {}), true);
    assert.strictEqual(timeout(2.5, {}), true);
    assert.notStrictEqual(timeout('0', {}), true);
    assert.notStrictEqual(timeout('', {}), true);
    assert.notStrictEqual(timeout('ten', {}), true);
    const maxAnswer = defs['om-server'].defaults.maxAnswerMB.validate;
    for (const ok of ['32', 1, 0.5, 256, '', undefined]) assert.strictEqual(maxAnswer(ok, {}), true, String(ok));
    for (const bad of ['0', -1, 257, 'lots']) assert.match(String(maxAnswer(bad, {})), /Max answer: MB/, String(bad));
  });
});

describe('editor: help, message catalogues, styles, icon', function () {
  it('has a help block for every node type, in Node-RED help style', function () {
    const help = { ...helpBlocks(read(OPS_HELP)), ...helpBlocks(read(SERVER_HELP)) };
    const types = [...OPERATION_NODES.map((n) => n.type), 'om-server'];
    if (fs.existsSync(path.join(root, 'nodes/locales/en-US/om-events.html'))) {
      Object.assign(help, helpBlocks(read('nodes/locales/en-US/om-events.html')));
      types.push('om-events');
    }
    for (const t of types) {
      const h = help[t];
      assert.ok(h, `help for ${t}`);
      assert.match(h.trim(), /^<p>[^<]{20,}/, `${t}: starts with a one-line summary`);
      const sections = t === 'om-server' ? ['Properties', 'Details', 'References'] : ['Inputs', 'Outputs', 'Details', 'References'];
      let at = -1;
      for (const s of sections) {
        const i = h.indexOf(`<h3>${s}</h3>`);
        assert.ok(i > at, `${t}: <h3>${s}</h3> in order`);
        at = i;
      }
    }
  });

  it('documents, per operation node, each payload default, each fault, and the answer shape', function () {
    const help = helpBlocks(read(OPS_HELP));
    for (const def of OPERATION_NODES) {
      const h = help[def.type];
      for (const p of def.params) assert.ok(h.includes(`payload.${p.key}`), `${def.type}: payload.${p.key}`);
      for (const f of OPERATIONS[def.operation].faults) assert.ok(h.includes(f), `${def.type}: fault ${f}`);
      if (def.params.length) assert.ok(h.includes('INVALID_INPUT'), `${def.type}: INVALID_INPUT`);
      assert.ok(/ECONNREFUSED/.test(h) && /ETIMEDOUT/.test(h), `${def.type}: transport codes`);
      assert.ok(h.includes('openMedia'), `${def.type}: msg.openMedia`);
      if (def.outputs === 2) {
        assert.ok(h.includes('<ol class="node-ports">'), `${def.type}: two output ports described`);
        for (const [name, code] of Object.entries(REQUEST_STATUS)) {
          assert.match(h, new RegExp(`${name}</code>(</td><td>| \\()${code}\\b`), `${def.type}: RequestStatus ${name} (${code})`);
        }
      }
      if (/^GetOpenMediaRequest|^GetAllOpenMediaRequestStatus/.test(def.operation)) {
        for (const [name, code] of Object.entries(OPEN_MEDIA_STATUS)) {
          assert.ok(new RegExp(`${name}</code>(</td><td>| )${code}\\b`).test(h), `${def.type}: Status ${name} ${code}`);
        }
      }
      for (const o of def.options || []) assert.ok(h.includes(o.name), `${def.type}: option ${o.name}`);
    }
  });

  it('has a message catalogue entry for every data-i18n key the dialogs use', function () {
    const cases = [
      [OPS_HTML, 'nodes/locales/en-US/om-operations.json'],
      [SERVER_HTML, 'nodes/locales/en-US/om-server.json'],
    ];
    for (const [htmlFile, jsonFile] of cases) {
      const catalogue = JSON.parse(read(jsonFile));
      const keys = [...read(htmlFile).matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1].split(';'))
        .map((k) => k.replace(/^\[[a-z]+\]/, '')).filter((k) => !k.includes(':'));
      assert.ok(keys.length > 3, htmlFile);
      for (const k of keys) {
        const v = k.split('.').reduce((o, part) => (o && typeof o === 'object' ? o[part] : undefined), catalogue);
        assert.strictEqual(typeof v, 'string', `${jsonFile}: ${k}`);
      }
    }
  });

  it('uses no hard-coded colours in dialog styles: only Node-RED theme variables (readable in the dark theme)', function () {
    for (const file of [OPS_HTML, SERVER_HTML]) {
      const html = read(file);
      const styles = [...html.matchAll(/<style[^>]*>([\S\s]*?)<\/style>/g)].map((m) => m[1]);
      const inline = [...html.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1]);
      assert.ok(styles.length > 0, file);
      for (const css of [...styles, ...inline]) {
        assert.ok(!/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/i.test(css), `${file}: literal colour in ${css}`);
        for (const decl of css.split(/[;{}]/)) {
          const m = /^\s*([a-z-]+)\s*:\s*(.+?)\s*$/i.exec(decl);
          if (m && /color|background|border|fill|stroke/i.test(m[1]) && !/^(none|inherit|transparent|0)$/.test(m[2])) {
            assert.match(m[2], /^var\(--red-ui-[a-z-]+\)$/, `${file}: ${decl.trim()}`);
          }
        }
      }
    }
  });

  it('gives every node kind its own icon, shipped where Node-RED looks for it (beside the node files)', function () {
    const icons = OPERATION_NODES.map((d) => [d.type, d.icon]);
    const events = /icon:\s*"([^"]+)"/.exec(read(EVENTS_HTML));
    // om-events (written by hand) in the operation nodes' colour
    assert.strictEqual((/color:\s*"([^"]+)"/.exec(read(EVENTS_HTML)) || [])[1], buildEditor.COLOR);
    icons.push(['om-events', events && events[1]]);
    const seen = new Map();
    for (const [type, file] of icons) {
      assert.ok(file && /\.svg$/.test(file), `${type}: an SVG icon`);
      const svg = read(`nodes/icons/${file}`);
      assert.match(svg, /^<svg [^>]*viewBox="0 0 40 60"/, `${type}: Node-RED's icon size`);
      // the same white lines as Node-RED's own icons, on the node's colour in light and dark themes alike
      const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(colours.length > 0, `${type}: draws something`);
      for (const c of colours) assert.ok(/^(#fff|#ffffff|white|none)$/i.test(c), `${type}: colour ${c} in ${file}`);
      assert.ok(!/style=|<style|class=/.test(svg), `${type}: no CSS in the icon`);
      const drawing = svg.replace(/<!--[\s\S]*?-->/g, '').replace(/\s+/g, ' ');
      assert.ok(!seen.has(drawing), `${type} draws the same icon as ${seen.get(drawing)}`);
      seen.set(drawing, type);
    }
    const unused = fs.readdirSync(path.join(root, 'nodes', 'icons')).filter((f) => !icons.some(([, i]) => i === f));
    assert.deepStrictEqual(unused, [], 'icons no node uses');
    // drawn in icons/ at the top level (the pack's layout), copied by the build to nodes/icons/ and shipped once from
    // there: Node-RED 4.1 and 5 read an installed module's icons from the folder beside its node files, never from icons/
    const sources = fs.readdirSync(path.join(root, 'icons')).filter((f) => f.endsWith('.svg')).sort();
    assert.deepStrictEqual(sources, fs.readdirSync(path.join(root, 'nodes', 'icons')).sort(), 'icons/ and nodes/icons/ hold the same files');
    for (const f of sources) assert.strictEqual(read(`nodes/icons/${f}`), read(`icons/${f}`), `nodes/icons/${f} is the build's copy of icons/${f}`);
    const files = require('../package.json').files;
    assert.ok(files.includes('nodes/') && !files.includes('icons/'), 'only the copy beside the node files is packed');
  });
});

describe('editor: examples/00-each-node.json', function () {
  let flow;
  before(function () { flow = JSON.parse(read('examples/00-each-node.json')); });

  it('uses every node type of the pack at least once, each operation node wired inject -> node -> debug', function () {
    const byId = new Map(flow.map((n) => [n.id, n]));
    assert.strictEqual(byId.size, flow.length, 'unique ids');
    const types = new Set(flow.map((n) => n.type));
    for (const t of [...OPERATION_NODES.map((n) => n.type), 'om-server', 'om-events', 'comment']) assert.ok(types.has(t), t);
    for (const def of OPERATION_NODES) {
      const node = flow.find((n) => n.type === def.type);
      const injects = flow.filter((n) => n.type === 'inject' && n.wires[0].includes(node.id));
      assert.strictEqual(injects.length, 1, `${def.type} fed by an inject`);
      assert.strictEqual(node.wires.length, def.outputs, def.type);
      for (const port of node.wires) assert.ok(port.length && port.every((id) => byId.get(id).type === 'debug'), def.type);
      for (const f of fieldsOf(def)) {
        assert.strictEqual(node[f.name], f.value, `${def.type}.${f.name}`);
        assert.strictEqual(node[`${f.name}Type`], f.type, `${def.type}.${f.name}Type`);
      }
    }
    for (const n of flow) for (const port of n.wires || []) for (const id of port) assert.ok(byId.has(id), `wire to ${id}`);
  });

  it('points every node at one om-server for the simulator, without credentials', function () {
    const servers = flow.filter((n) => n.type === 'om-server');
    assert.strictEqual(servers.length, 1);
    assert.strictEqual(servers[0].url, 'http://127.0.0.1:12615/OpenMediaService');
    for (const n of flow) {
      assert.ok(!('credentials' in n) && !('password' in n) && !('logonId' in n), `${n.type} ${n.id}: no credentials`);
    }
    for (const n of flow.filter((x) => /^om-/.test(x.type) && x.type !== 'om-server')) assert.strictEqual(n.server, servers[0].id);
    // how an installed pack gets its simulator (npm start only works in a clone)
    assert.match(flow.find((n) => n.type === 'comment').info, /`npx @micc-flows\/node-red-openmedia`/);
  });
});

describe('om-events "Remember in": which context stores keep anything', function () {
  const { contextStoreKinds } = require('../lib/red');

  it('tells memory stores from file and other ones, by the names the editor lists', function () {
    // Node-RED without contextStorage has one store, "memory"
    assert.deepStrictEqual(contextStoreKinds({}), { memory: 'memory' });
    assert.deepStrictEqual(contextStoreKinds(undefined), { memory: 'memory' });
    assert.deepStrictEqual(contextStoreKinds({ contextStorage: {} }), { memory: 'memory' });
    const redis = { module: function redisStore() {} };
    assert.deepStrictEqual(contextStoreKinds({ contextStorage: {
      default: 'disk', disk: { module: 'localfilesystem' }, ram: { module: 'memory' }, shared: redis, odd: { module: 'node-red-context-redis' },
    } }), { disk: 'file', ram: 'memory', shared: 'other', odd: 'other' });
  });

  it('registers them as an exportable node setting of om-events, so the dialog can leave memory stores out', function () {
    const registered = {};
    const RED = {
      nodes: { registerType: (type, ctor, opts) => { registered[type] = opts; }, createNode() {}, getNode() {} },
      settings: { contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } } },
      util: {}, log: { warn() {}, error() {}, info() {} }, events: new (require('events'))(),
    };
    require('../nodes/om-events')(RED);
    assert.deepStrictEqual(registered['om-events'].settings,
      { omEventsContextStores: { value: { default: 'memory', file: 'file' }, exportable: true } });
  });
});

describe('om-events guarantees, stated with their conditions wherever a user reads them', function () {
  const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
  const flat = (t) => t.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  const texts = () => ({
    readme: flat(read('README.md')),
    help: flat(read('nodes/locales/en-US/om-events.html')),
    hint: JSON.parse(read('nodes/locales/en-US/om-events.json'))['om-events'].hint,
    example06: JSON.parse(read('examples/06-ticket-update-on-complete.json')).filter((n) => n.type === 'comment').map((n) => n.info).join('\n'),
    architecture: flat(read('docs/ARCHITECTURE.md')),
  });

  it('exactly once across redeploys and clean restarts, at least once after a crash: never more', function () {
    const t = texts();
    for (const [where, text] of [['README', t.readme], ['dialog hint', t.hint.store], ['example 06', t.example06]]) {
      assert.match(text, /exactly once across redeploys and clean restarts( of Node-RED)?, at least once after a crash/, where);
      // a crash is not "survived" exactly once, and no setting is needed for it
      assert.ok(!/(restarts|redeploys),? (and|or) crashes|persistent context store/i.test(text), `${where}: ${text}`);
    }
    assert.match(t.help, /exactly once across redeploys \([^)]*\) and clean restarts of Node-RED/);
    assert.match(t.help, /at least once after a crash of Node-RED/);
    assert.match(t.architecture, /Exactly once across redeploys \(full, flows, nodes\) and clean restarts; at least once after a crash/);
  });

  it('the conditions: power loss, adds while no events node is deployed, an add answer late in a redeploy', function () {
    const t = texts();
    // a power loss of the machine: the last ~20 ms of adds
    assert.match(t.help, /power lost\), as after a crash, except that the adds of its last 20 milliseconds or so may be lost/);
    assert.match(t.readme, /a power loss may also lose the adds of the last ~20 ms/);
    assert.match(t.architecture, /power loss of the machine the same, except the adds of the last ~20 ms/);
    // "own" only while an om-events node on that server is deployed
    assert.match(t.help, /an enabled events node using that server deployed when the add answer arrives: adds made while none is \(all deleted, disabled, or on a disabled flow tab\) are not recorded/);
    assert.match(t.hint.onlyOwn, /while an events node uses that server/);
    assert.match(t.readme, /knows the adds made while an `events` node uses that server/);
    assert.match(t.example06, /Requests count as added here while an om-events node uses that server/);
    assert.match(t.architecture, /an add is recorded \("own"\) only while an enabled om-events node using that om-server is deployed/);
    // an add answer more than 12 s into a redeploy
    assert.match(t.help, /A redeploy waits for an add's answer for the server timeout plus one second, at most 12 seconds\. An answer slower than that .* the add request node reports the error CLIENT_CLOSED, the request is not recorded as added here/);
    assert.match(t.architecture, /An add whose answer takes longer than a redeploy's drain \(the call timeout \+ 1 s, at most 12 s .* is not recorded: .* `CLIENT_CLOSED`/);
  });
});
