/**
 * Builds the editor side of the operation nodes from the table in src/lib/operations.ts.
 *
 *   node tools/build-editor.js            (run by `npm run build`, after tsc)
 *
 * Writes nodes/om-operations.html (one literal `RED.nodes.registerType` per operation node, with inline defaults,
 * because the flow library's scorecard reads them with a parser and cannot follow a loop). It is a build product,
 * committed so that a clone loads before a build; a build of an unchanged table leaves it byte for byte as it is.
 * It also copies the node icons, written by hand in the top-level icons/ (the pack's layout keeps them there), to
 * nodes/icons/, the one folder Node-RED 4.1 and 5 search for the icons of an installed module (an `icons` folder
 * beside the node files named in package.json). Only nodes/icons/ is in the package, so they ship once; it is
 * committed too, so that a clone loads before a build.
 *
 * The behaviour shared by the twelve dialogs (typedInput set-up, the literal-value checks, the hints) is written
 * once, in a helper object at the top of the generated script; each registerType only names its parameters.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LIMITS } from '../lib/contract';
import {
  OPERATION_NODES,
  TYPED_INPUT_TYPES,
  type Choice,
  type IvrLimits,
  type NodeOptionDef,
  type OperationNodeDef,
  type ParamDef,
  type ParamKind,
} from '../lib/operations';

/** Pack-wide editor constants; om-events.html (written by hand) uses the same two. */
export const CATEGORY = 'MiCC Open Media';
/**
 * The nodes' colour: Node-RED draws icons white and labels #333, so the colour must be dark enough for a white icon
 * (3:1 on the shaded icon area of the light theme) and light enough for the label (4.5:1). This green meets both
 * (3.1 and 4.6; the pack's first, #C7E9C0, gave the icons 1.5); test/editor/flowbuilder.editor.js measures it.
 */
export const COLOR = '#80A578';
export const OUTPUT_LABELS_TWO: readonly [string, string] = ['accepted', 'not accepted'];
/** Before the palette label in a node's workspace label (om-events.html writes the same). */
export const CANVAS_PREFIX = 'MiCC ';
/** The first entry of an enumerated option's dropdown: the option is left out of the request. */
export const NOT_SENT_LABEL = '(not sent)';

/**
 * Words every node of the pack is found by in the palette filter, besides its label and the table's searchWords.
 * Node-RED 4.1 and 5.0 filter the palette on two things only: the node's type and its palette label (the
 * `data-palette-label` attribute of the palette entry; the category is not searched). The label cannot hold them
 * all, so `onpaletteadd` (a node definition hook) appends them to that attribute: the entry still shows the label.
 */
export const PACK_SEARCH_WORDS = 'micc mitel open media openmedia contact center';

/** Font Awesome icon of a dialog label, by the field's kind, when the table names none. */
const KIND_ICONS: Record<ParamKind | 'option', string> = {
  int: 'fa-hashtag',
  string: 'fa-font',
  boolean: 'fa-check-square-o',
  datetime: 'fa-clock-o',
  ivrinfo: 'fa-list-ul',
  option: 'fa-cog',
};

/**
 * Checks the editor applies to a value typed into the node (a literal); msg/flow/global values are checked at
 * runtime. Read from the table's ParamDef, the entries validate.ts checks at runtime: one source for both.
 */
export interface LiteralRule {
  /** Whole numbers, within [min, max] (num type). */
  min?: number;
  max?: number;
  /** Characters (str type). */
  maxLength?: number;
  /** IVRInfo as JSON: 1..maxItems items, Label/Data lengths. */
  ivr?: IvrLimits;
  /** A date that must lie in the past (QueueStartTime). */
  past?: boolean;
}

/** The editor's check of one parameter: the table's limits, plus the xs:int range for a number without its own. */
export function literalRule(param: ParamDef): LiteralRule {
  const rule: LiteralRule = {};
  switch (param.kind) {
    case 'int':
      rule.min = param.min ?? LIMITS.intMin;
      rule.max = param.max ?? LIMITS.intMax;
      break;
    case 'string':
      if (param.maxLength !== undefined) rule.maxLength = param.maxLength;
      break;
    case 'ivrinfo':
      if (param.ivr) rule.ivr = { ...param.ivr };
      break;
    case 'datetime':
      if (param.past) rule.past = true;
      break;
    default:
      break;
  }
  return rule;
}

/**
 * What the generated script knows about each field (embedded as JSON, read by the shared helper): the table's
 * parameters, then the node-level options (kind `option`: not sent to the service, no documented limit).
 */
interface EditorField {
  /** Node property of the value; `<wire>Type` holds the typedInput type. */
  wire: string;
  kind: ParamKind | 'option';
  label: string;
  hint: string;
  required: boolean;
  types: readonly string[];
  defaultType: string;
  defaultValue: string;
  rule: LiteralRule;
  /** Font Awesome icon of the label. */
  icon: string;
  /** An enumerated option: the literal is chosen from these (the number is stored). */
  choices?: readonly Choice[];
}

function paramField(p: ParamDef): EditorField {
  return {
    wire: p.wire,
    kind: p.kind,
    label: p.label,
    hint: p.hint,
    icon: p.icon ?? KIND_ICONS[p.kind],
    ...(p.choices ? { choices: p.choices } : {}),
    required: p.required === true,
    types: TYPED_INPUT_TYPES[p.kind],
    defaultType: 'msg',
    defaultValue: `payload.${p.key}`,
    rule: literalRule(p),
  };
}

function optionField(o: NodeOptionDef): EditorField {
  return {
    wire: o.name,
    kind: 'option',
    label: o.label,
    hint: o.hint,
    icon: o.icon,
    required: false,
    types: o.types,
    defaultType: o.defaultType,
    defaultValue: o.defaultValue,
    rule: {},
  };
}

/** Every field of a node, in dialog order. */
export function editorFields(node: OperationNodeDef): EditorField[] {
  return [...node.params.map(paramField), ...(node.options ?? []).map(optionField)];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A JS string literal that is also safe inside a <script> element. */
function js(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The shared editor behaviour, written once. `RED.omOpenMedia` so om-events.html may reuse it. */
const SHARED_SCRIPT = String.raw`
    var OM = RED.omOpenMedia = RED.omOpenMedia || {};
    var LITERAL_BLANK_OK = { date: true, bool: true };
    var ENV_REF = /^\$\{[^}]+\}$/;
    // What XML 1.0 cannot carry (as lib/coerce.js findNonXmlChar): the runtime refuses it before the wire too.
    var NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

    function xmlCharProblem(text) {
        var m = NOT_XML_CHAR.exec(text);
        if (!m) { return ""; }
        var hex = m[0].codePointAt(0).toString(16).toUpperCase();
        return "holds a character XML cannot carry (U+" + ("000" + hex).slice(-Math.max(4, hex.length)) + ")";
    }

    OM.findParam = function (type, wire) {
        var list = PARAMS[type] || [];
        for (var i = 0; i < list.length; i++) { if (list[i].wire === wire) { return list[i]; } }
        return null;
    };

    function currentType(node, wire) {
        var field = $("#node-input-" + wire + "Type");
        return (field.length && field.val()) || node[wire + "Type"] || "msg";
    }

    function ivrItems(value) {
        if (Array.isArray(value)) { return value; }
        if (value && typeof value === "object") {
            return Object.keys(value).map(function (k) { return { Label: k, Data: value[k] }; });
        }
        return null;
    }

    /** Why a literal breaks its documented rule, or "" when it does not. */
    OM.literalProblem = function (param, type, v) {
        var rule = param.rule || {};
        var s = String(v);
        if (ENV_REF.test(s)) { return ""; }
        if (param.kind === "int" && type === "num") {
            var n = Number(s);
            if (!/^[+-]?\d+$/.test(s.trim()) || !isFinite(n)) { return "must be a whole number"; }
            if (rule.min !== undefined && rule.max !== undefined && (n < rule.min || n > rule.max)) {
                return rule.max >= 2147483647 ? "must be " + rule.min + " or more" : "must be " + rule.min + " to " + rule.max;
            }
        } else if (param.kind === "string" && type === "str") {
            if (rule.maxLength !== undefined && s.length > rule.maxLength) {
                return "at most " + rule.maxLength + " characters (this has " + s.length + ")";
            }
            if (xmlCharProblem(s)) { return xmlCharProblem(s); }
        } else if (param.kind === "ivrinfo" && type === "json" && rule.ivr) {
            var items;
            try { items = ivrItems(JSON.parse(s)); } catch (e) { return "not valid JSON"; }
            if (!items) { return "must be a list of {Label, Data} or an object {label: data}"; }
            if (items.length < 1 || items.length > rule.ivr.maxItems) {
                return "1 to " + rule.ivr.maxItems + " items (this has " + items.length + ")";
            }
            for (var i = 0; i < items.length; i++) {
                var it = items[i] || {};
                var label = it.Label === undefined || it.Label === null ? "" : String(it.Label);
                var data = it.Data === undefined || it.Data === null ? "" : String(it.Data);
                if (label === "" && data === "") { return "item " + (i + 1) + " needs a Label or Data"; }
                if (label.length > rule.ivr.labelMax) {
                    return "item " + (i + 1) + ": Label at most " + rule.ivr.labelMax + " characters (this has " + label.length + ")";
                }
                if (data.length > rule.ivr.dataMax) {
                    return "item " + (i + 1) + ": Data at most " + rule.ivr.dataMax + " characters (this has " + data.length + ")";
                }
                if (xmlCharProblem(label + data)) { return "item " + (i + 1) + ": " + xmlCharProblem(label + data); }
            }
        } else if (param.kind === "datetime" && (type === "str" || type === "num")) {
            var t = type === "num" ? Number(s) : Date.parse(s);
            if (!isFinite(t)) { return type === "num" ? "must be milliseconds since 1970" : "not a date (use ISO 8601, e.g. 2026-01-31T09:30:00Z)"; }
            if (rule.past && t >= Date.now()) { return "must be in the past"; }
        }
        return "";
    };

    /** The validate function of one parameter: typedInput syntax, then the documented limit of a literal. */
    OM.validator = function (type, wire) {
        return function (v, opt) {
            var param = OM.findParam(type, wire);
            if (!param) { return true; }
            var t = currentType(this, wire);
            var fail = function (why) { return opt ? param.label + ": " + why : false; };
            if (v === undefined || v === null) { v = ""; }
            if (ENV_REF.test(String(v))) { return true; }
            if (v === "" && !LITERAL_BLANK_OK[t]) {
                return param.required ? fail("required") : true;
            }
            var syntax = RED.validators.typedInput({ type: t }).call(this, v, opt);
            if (syntax !== true) { return opt ? syntax : false; }
            var problem = OM.literalProblem(param, t, v);
            return problem ? fail(problem) : true;
        };
    };

    /** The workspace label: the node's name, else "MiCC <palette label>" (recognisable among other packs' nodes). */
    OM.label = function (type) {
        return function () { return this.name || CANVAS_PREFIX + (LABELS[type] || type); };
    };

    OM.labelStyle = function () { return this.name ? "node_label_italic" : ""; };

    /**
     * The typedInput type of an enumerated option's literal: Node-RED's "number" type shown as a dropdown of the
     * documented meanings. It keeps the name "num", so the node stores the number exactly as a typed-in number
     * (the runtime, the checks and existing flows see no difference); "(not sent)" leaves the option out.
     */
    OM.choiceType = function (param) {
        var options = [{ value: "", label: NOT_SENT }];
        param.choices.forEach(function (c) { options.push({ value: String(c.value), label: c.value + " = " + c.label }); });
        return { value: "num", label: "number", icon: "red/images/typedInput/09.svg", options: options };
    };

    /** oneditprepare of every operation node: one typedInput per parameter. */
    OM.prepare = function (node, type) {
        (PARAMS[type] || []).forEach(function (param) {
            var input = $("#node-input-" + param.wire);
            var types = param.types.map(function (t) { return t === "num" && param.choices ? OM.choiceType(param) : t; });
            input.typedInput({
                default: param.defaultType,
                types: types,
                typeField: "#node-input-" + param.wire + "Type"
            });
        });
    };

    /**
     * onpaletteadd: the palette filter of Node-RED 4.1 and 5 matches a node's type and the data-palette-label
     * attribute of its palette entry; the words appended there (the pack's, then the node's own) find the node by
     * what it is for (the entry still shows its label). om-events.html calls it too.
     */
    OM.addSearchWords = function (type, words) {
        words = PACK_SEARCH_WORDS + " " + words;
        $(".red-ui-palette-node[data-palette-type='" + type + "']").each(function () {
            var entry = $(this);
            var label = entry.attr("data-palette-label") || "";
            if (label.indexOf(words) === -1) { entry.attr("data-palette-label", label + " " + words); }
        });
    };
`;

function registerBlock(node: OperationNodeDef): string {
  const lines: string[] = [];
  lines.push(`    RED.nodes.registerType(${js(node.type)}, {`);
  lines.push(`        category: ${js(CATEGORY)},`);
  lines.push(`        color: ${js(COLOR)},`);
  lines.push('        defaults: {');
  lines.push(`            server: { value: "", type: "om-server", required: true },`);
  lines.push(`            name: { value: "" },`);
  for (const f of editorFields(node)) {
    lines.push(
      `            ${f.wire}: { value: ${js(f.defaultValue)}, label: ${js(f.label)}, ` +
        `validate: OM.validator(${js(node.type)}, ${js(f.wire)}) },`,
    );
    lines.push(`            ${f.wire}Type: { value: ${js(f.defaultType)} },`);
  }
  lines.push('        },');
  lines.push('        inputs: 1,');
  lines.push(`        outputs: ${node.outputs},`);
  if (node.outputs === 2) lines.push(`        outputLabels: ${js(OUTPUT_LABELS_TWO)},`);
  lines.push(`        icon: ${js(node.icon)},`);
  lines.push(`        paletteLabel: ${js(node.paletteLabel)},`);
  lines.push(`        label: OM.label(${js(node.type)}),`);
  lines.push('        labelStyle: OM.labelStyle,');
  lines.push(`        onpaletteadd: function () { OM.addSearchWords(${js(node.type)}, ${js(node.searchWords)}); },`);
  lines.push(`        oneditprepare: function () { OM.prepare(this, ${js(node.type)}); }`);
  lines.push('    });');
  return lines.join('\n');
}

function templateBlock(node: OperationNodeDef): string {
  const rows: string[] = [];
  rows.push(`<script type="text/html" data-template-name="${node.type}">`);
  rows.push('    <div class="om-form">');
  rows.push('    <div class="form-row">');
  rows.push('        <label for="node-input-server"><i class="fa fa-server"></i> <span data-i18n="om-operations.label.server"></span></label>');
  rows.push('        <input type="text" id="node-input-server" style="width: calc(100% - 150px)">');
  rows.push('    </div>');
  const fields = editorFields(node);
  if (node.params.length === 0) {
    rows.push('    <div class="form-row om-hint" data-i18n="om-operations.label.noParameters"></div>');
  }
  for (const f of fields) {
    const label = escapeHtml(f.label) + (f.required ? ' <span class="om-required">*</span>' : '');
    rows.push(`    <div class="form-row om-param" data-om-param="${f.wire}">`);
    rows.push(`        <label for="node-input-${f.wire}" title="${escapeHtml(f.wire)}"><i class="fa ${f.icon}"></i> ${label}</label>`);
    rows.push(
      `        <input type="text" id="node-input-${f.wire}" style="width: calc(100% - 150px)" ` +
        `placeholder="${escapeHtml(f.defaultValue)}">`,
    );
    rows.push(`        <input type="hidden" id="node-input-${f.wire}Type">`);
    rows.push(`        <div class="om-hint">${escapeHtml(f.hint)}</div>`);
    rows.push('    </div>');
  }
  rows.push('    <div class="form-row">');
  rows.push('        <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="node-red:common.label.name"></span></label>');
  rows.push('        <input type="text" id="node-input-name" style="width: calc(100% - 150px)" data-i18n="[placeholder]node-red:common.label.name">');
  rows.push('    </div>');
  rows.push('    </div>');
  rows.push('</script>');
  return rows.join('\n');
}

/**
 * Only Node-RED's theme variables: the dialogs must stay readable in the dark theme. The last rule is for the pack's
 * help pages (every <pre> in them has an om-* class): Node-RED's pre breaks anywhere (word-break: break-all), which
 * cuts a member name in two ("QueuePosi / tion"); these break between words, and inside one only when it cannot fit
 * a line on its own.
 */
const STYLE = `<style>
    .om-form .form-row > label { width: 140px; }
    .om-form .om-hint { margin: 3px 0 0 144px; font-size: 0.85em; line-height: 1.3em; color: var(--red-ui-secondary-text-color); }
    .om-form .om-required { color: var(--red-ui-text-color-error); }
    .red-ui-help pre[class^="om-"] { word-break: normal; overflow-wrap: anywhere; }
</style>`;

/** The whole generated nodes/om-operations.html. Deterministic: the test regenerates it and compares. */
export function renderOperationsHtml(): string {
  const params: Record<string, EditorField[]> = {};
  const labels: Record<string, string> = {};
  for (const n of OPERATION_NODES) {
    params[n.type] = editorFields(n);
    labels[n.type] = n.paletteLabel;
  }
  const out: string[] = [];
  out.push('<!--');
  out.push('  GENERATED by tools/build-editor.js (source: src/tools/build-editor.ts) from the table in');
  out.push('  src/lib/operations.ts. Do not edit: change the table or the generator and run `npm run build`.');
  out.push('-->');
  out.push(STYLE);
  out.push('<script type="text/javascript">');
  out.push('(function () {');
  out.push('    "use strict";');
  // One line per node type, so a diff of the generated file shows which node changed.
  const paramLines = Object.keys(params).map((t) => `        ${js(t)}: ${js(params[t])}`);
  out.push(`    var PARAMS = {\n${paramLines.join(',\n')}\n    };`);
  out.push(`    var LABELS = ${js(labels)};`);
  out.push(`    var NOT_SENT = ${js(NOT_SENT_LABEL)};`);
  out.push(`    var PACK_SEARCH_WORDS = ${js(PACK_SEARCH_WORDS)};`);
  out.push(`    var CANVAS_PREFIX = ${js(CANVAS_PREFIX)};`);
  out.push(SHARED_SCRIPT);
  for (const n of OPERATION_NODES) {
    out.push(registerBlock(n));
    out.push('');
  }
  out.push('})();');
  out.push('</script>');
  out.push('');
  for (const n of OPERATION_NODES) {
    out.push(templateBlock(n));
    out.push('');
  }
  return out.join('\n');
}

export function build(root: string): string[] {
  const written: string[] = [];
  const htmlFile = path.join(root, 'nodes', 'om-operations.html');
  fs.mkdirSync(path.dirname(htmlFile), { recursive: true });
  fs.writeFileSync(htmlFile, renderOperationsHtml());
  written.push(htmlFile);
  const iconSrc = path.join(root, 'icons');
  const iconDst = path.join(root, 'nodes', 'icons');
  if (fs.existsSync(iconSrc)) {
    fs.mkdirSync(iconDst, { recursive: true });
    for (const f of fs.readdirSync(iconSrc)) {
      if (!f.endsWith('.svg')) continue;
      const from = path.join(iconSrc, f);
      const to = path.join(iconDst, f);
      // Only when it changed, so that a build of unchanged icons leaves the files (and their times) alone.
      if (fs.existsSync(to) && fs.readFileSync(to).equals(fs.readFileSync(from))) continue;
      fs.copyFileSync(from, to);
      written.push(to);
    }
  }
  return written;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  for (const f of build(root)) process.stdout.write(`build-editor: wrote ${path.relative(root, f)}\n`);
}
