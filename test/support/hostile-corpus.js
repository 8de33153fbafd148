'use strict';
/*
 * Hostile XML of any size, for the client (answers) and the simulator (requests): the tests (hostile-xml.test.js)
 * check that every case is refused, the benchmark (bench/hostile.js) how long refusing it takes.
 *
 *   answerCases(bytes)   [{ name, what, body: Buffer }]  answers to GetOpenMediaRequestsByTime; each must end as
 *                        BAD_RESPONSE on the client
 *   answerCase(name, bytes)  one of them (CASE_NAMES: their names, in order)
 *   requestCases(bytes)  [{ name, what, body: Buffer }]  AddRequest requests; each must end as HTTP 400 or a SOAP
 *                        fault on the simulator, the model never reached
 *   normalAnswer(bytes)  Buffer: an honest GetOpenMediaRequestsByTime answer of about `bytes` (the baseline)
 *   FALLBACK_CASES       the names of the cases made for the client's soap fallback path (the bench measures that
 *                        path with them)
 *   ANSWER_OPERATION     'GetOpenMediaRequestsByTime'
 *   MIN_BYTES            the smallest size at which every case passes the bound it is about (160 KiB: a text of
 *                        64 Ki characters split by comments needs twice that)
 *
 * Every case is built from one hostile payload of about `bytes` placed where it hurts: inside a value (an int of
 * a status record on the client, PrivateData on the simulator), inside a complex value (a status record, the
 * AddRequest's request), as the Body's content, before the root (prolog), or as the whole document. Each case
 * carries, besides the flood, the one thing that makes it wrong (a truncation, a bad character, a bound passed...),
 * so a reader that is slow on the flood but right in the end still shows in the benchmark.
 *
 * The cases are those of issue 9 (a scan to the end per tag with a space, a backtracking attribute regex, recursion
 * per comment), those that made the soap package's parser slow on the client's old fallback path (review r1: a
 * multiRef element referenced by thousands of hrefs, CDATA texts full of '<?xml'), and the other classic ways to
 * make an XML reader slow or wrong: deep nesting, attribute and
 * namespace floods, comment/PI floods, huge texts (plain, entities, character references, CDATA, split by
 * comments), entity tricks (undefined, unterminated, DOCTYPE and entity expansion), characters XML cannot carry
 * (raw and as references), invalid UTF-8, names and values without end.
 */
const DC = 'http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.DataContracts';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const TEMPURI = 'http://tempuri.org/';
const ANSWER_OPERATION = 'GetOpenMediaRequestsByTime';
const MIN_BYTES = 160 * 1024;

const ENV_OPEN = `<s:Envelope xmlns:s="${SOAP11}"><s:Body>`;
const ENV_CLOSE = '</s:Body></s:Envelope>';
const RESULT_OPEN = `<${ANSWER_OPERATION}Response xmlns="${TEMPURI}"><${ANSWER_OPERATION}Result xmlns:a="${DC}" xmlns:i="${XSI}"><a:OpenMediaRequests>`;
const RESULT_CLOSE = `</a:OpenMediaRequests><a:TimeStamp>2024-05-01T08:00:06Z</a:TimeStamp></${ANSWER_OPERATION}Result></${ANSWER_OPERATION}Response>`;

/** One status record as a WCF server writes it; `inside` goes first in it, `agent` is the AgentID's content. */
function record(id, { inside = '', agent = String(1000 + (id % 50)) } = {}) {
    return `<a:OpenMediaRequest>${inside}<a:AgentID>${agent}</a:AgentID><a:ID>${id}</a:ID><a:LogonID>agent${id % 50}</a:LogonID>` +
        `<a:QueuePosition>${id % 7}</a:QueuePosition><a:ServiceGroupID>101</a:ServiceGroupID><a:Status>AgentProcessing</a:Status>` +
        `<a:TenantID>1</a:TenantID><a:TimeStamp>2024-05-01T08:00:00.1234567Z</a:TimeStamp></a:OpenMediaRequest>`;
}

/** An honest answer of about `bytes`: as many records as fit. */
function normalAnswer(bytes) {
    const one = record(100000).length;
    const n = Math.max(1, Math.round((bytes - ENV_OPEN.length - RESULT_OPEN.length) / one));
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(record(100000 + i));
    return Buffer.from(ENV_OPEN + RESULT_OPEN + parts.join('') + RESULT_CLOSE + ENV_CLOSE, 'utf8');
}

/** `unit` repeated to about `bytes`. */
const times = (unit, bytes) => unit.repeat(Math.max(1, Math.ceil(bytes / unit.length)));

/** Where a payload goes in an answer to GetOpenMediaRequestsByTime. */
const ANSWER_AT = {
    value: (p) => ENV_OPEN + RESULT_OPEN + record(1, { agent: p }) + RESULT_CLOSE + ENV_CLOSE,
    record: (p) => ENV_OPEN + RESULT_OPEN + record(1, { inside: p }) + RESULT_CLOSE + ENV_CLOSE,
    body: (p) => ENV_OPEN + p + ENV_CLOSE,
    prolog: (p) => p + ENV_OPEN + RESULT_OPEN + record(1) + RESULT_CLOSE + ENV_CLOSE,
    document: (p) => p,
    // Beside an honest result, inside the operation's response element (where soap looked for multiRef targets).
    beside: (p) => ENV_OPEN + RESULT_OPEN + record(1) + RESULT_CLOSE.replace(`</${ANSWER_OPERATION}Response>`, '') + p
        + `</${ANSWER_OPERATION}Response>` + ENV_CLOSE,
};

/** Where a payload goes in an AddRequest to the simulator. */
const REQUEST_OPEN = `<AddRequest xmlns="${TEMPURI}"><request xmlns:a="${DC}" xmlns:i="${XSI}">`;
const IVR = '<a:IVRInfo><a:IVRInformation><a:Data>d</a:Data><a:Label>l</a:Label></a:IVRInformation></a:IVRInfo>';
const REQUEST_AT = {
    value: (p) => `${ENV_OPEN}${REQUEST_OPEN}${IVR}<a:PrivateData>${p}</a:PrivateData><a:ServiceGroupID>101</a:ServiceGroupID></request></AddRequest>${ENV_CLOSE}`,
    record: (p) => `${ENV_OPEN}${REQUEST_OPEN}${p}${IVR}<a:ServiceGroupID>101</a:ServiceGroupID></request></AddRequest>${ENV_CLOSE}`,
    body: ANSWER_AT.body,
    prolog: (p) => `${p}${ENV_OPEN}${REQUEST_OPEN}${IVR}<a:ServiceGroupID>101</a:ServiceGroupID></request></AddRequest>${ENV_CLOSE}`,
    document: ANSWER_AT.document,
    beside: (p) => `${ENV_OPEN}${REQUEST_OPEN}${IVR}<a:ServiceGroupID>101</a:ServiceGroupID></request>${p}</AddRequest>${ENV_CLOSE}`,
};

/**
 * The cases: `at` is where the payload goes; `payload(bytes)` builds it (a string, or a Buffer for raw bytes
 * spliced at the placeholder); `what` says what makes it wrong.
 */
const CASES = [
    // Issue 9: a tag with a space made the old reader scan to the end of the document, per tag.
    { name: 'spaced tags in a value', at: 'value', what: 'elements inside an int', payload: (b) => times('<x ></x>', b) },
    { name: 'spaced tags in a record', at: 'record', what: 'unknown elements past the bound', payload: (b) => times('<x ></x>', b) },
    { name: 'spaced tags as the Body', at: 'body', what: 'no answer, unknown elements past the bound', payload: (b) => times('<x ></x>', b) },
    // Issue 9: one long run of attributes made the old attribute regex backtrack.
    { name: 'attribute flood', at: 'record', what: 'attributes past the bound', payload: (b) => `<x${attrs(b)}/>` },
    { name: 'attribute run without values', at: 'record', what: "an attribute without '='", payload: (b) => `<x${times(' a', b)}/>` },
    { name: 'attribute run, tag never closed', at: 'record', what: 'the tag never ends', payload: (b) => `<x${times(" a='b'", b)}` },
    { name: 'namespace declaration flood', at: 'record', what: 'declarations past the bound', payload: (b) => `<x${attrs(b, 'xmlns:p')}/>` },
    { name: 'duplicate attributes', at: 'record', what: 'a duplicate attribute', payload: (b) => `<x${times(' a="1"', Math.min(b, 200))}/>${times('<y/>', b)}` },
    // Issue 9: 100,000 comments overflowed the old reader's stack.
    { name: 'comment flood, then truncated', at: 'document', what: 'the document ends inside an element', payload: (b) => `${ENV_OPEN}${RESULT_OPEN}${times('<!---->', b)}` },
    { name: 'processing instruction flood, then truncated', at: 'document', what: 'the document ends inside an element', payload: (b) => `${ENV_OPEN}${RESULT_OPEN}${times('<?p x?>', b)}` },
    { name: 'comment flood in the prolog, DOCTYPE after', at: 'prolog', what: 'a DOCTYPE', payload: (b) => `${times('<!---->', b)}<!DOCTYPE x>` },
    { name: 'one huge comment full of dashes, then truncated', at: 'document', what: 'the document ends inside an element', payload: (b) => `${ENV_OPEN}<!--${times('-a', b)}-->` },
    { name: "a comment with '--'", at: 'record', what: "'--' inside a comment", payload: (b) => `<!--${times('a', b)}--a-->` },
    // Depth.
    { name: 'deep nesting (unknown element)', at: 'record', what: 'deeper than the contract plus the margin', payload: (b) => nest('x', b) },
    { name: 'deep nesting (known element names)', at: 'body', what: 'deeper than the contract plus the margin', payload: (b) => nest('a', b) },
    { name: 'wide unknown element', at: 'record', what: 'more elements in unknown content than the bound', payload: (b) => `<x>${times('<y/>', b)}</x>` },
    // Huge texts.
    { name: 'huge text in a value', at: 'value', what: 'a text past the bound', payload: (b) => times('1234567890', b) },
    { name: 'huge text of entities', at: 'value', what: 'a text past the bound', payload: (b) => times('&amp;', b) },
    { name: 'huge text of character references', at: 'value', what: 'a text past the bound', payload: (b) => times('&#49;', b) },
    { name: 'huge CDATA section', at: 'value', what: 'a text past the bound', payload: (b) => `<![CDATA[${times('1', b)}]]>` },
    { name: 'text split by comments', at: 'value', what: "an element's text past the bound", payload: (b) => times('1234567<!---->', b) },
    { name: 'huge attribute value', at: 'record', what: 'a value past the bound', payload: (b) => `<x a="${times('v', b)}"/>` },
    { name: 'unterminated attribute value', at: 'record', what: 'a value past the bound / never ends', payload: (b) => `<x a='${times('"', b)}` },
    { name: 'huge element name', at: 'record', what: 'a name past the bound', payload: (b) => `<${times('n', b)}/>` },
    { name: 'huge close tag padding, never closed', at: 'document', what: 'the document ends inside a tag', payload: (b) => `${ENV_OPEN}</s:Body${times(' ', b)}` },
    // Entities.
    { name: 'undefined entity', at: 'value', what: 'an entity other than the five', payload: (b) => `${times('1', b)}&ent;` },
    { name: 'unterminated references', at: 'value', what: "an '&' that starts no reference", payload: (b) => times('&', Math.min(b, 60000)) },
    { name: 'very long entity name', at: 'value', what: "an '&' that starts no reference", payload: (b) => `&${times('e', Math.min(b, 60000))};` },
    { name: 'DOCTYPE with entity expansion (billion laughs)', at: 'prolog', what: 'a DOCTYPE', payload: (b) => laughs(b) },
    { name: 'DOCTYPE with a huge internal subset', at: 'prolog', what: 'a DOCTYPE', payload: (b) => `<!DOCTYPE x [${times('<!ENTITY e "x">', b)}]>` },
    { name: 'external entity (XXE)', at: 'prolog', what: 'a DOCTYPE', payload: () => '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' },
    // Characters XML 1.0 cannot carry.
    { name: 'control character (raw)', at: 'value', what: 'U+0001', payload: (b) => `${times('1', b)}\u0001` },
    { name: 'NUL (raw)', at: 'value', what: 'U+0000', payload: (b) => `${times('1', b)}\u0000` },
    { name: 'U+FFFE (raw)', at: 'value', what: 'U+FFFE', payload: (b) => `${times('1', b)}\uFFFE` },
    { name: 'control character reference', at: 'value', what: '&#1;', payload: (b) => `${times('1', Math.min(b, 60000))}&#1;` },
    { name: 'NUL reference', at: 'value', what: '&#0;', payload: () => '1&#0;' },
    { name: 'surrogate reference', at: 'value', what: '&#xD800;', payload: () => '1&#xD800;' },
    { name: 'U+FFFF reference', at: 'value', what: '&#xFFFF;', payload: () => '1&#xFFFF;' },
    { name: 'reference beyond Unicode', at: 'value', what: '&#x110000;', payload: () => '1&#x110000;' },
    // Invalid UTF-8 (raw bytes).
    { name: 'invalid UTF-8 byte', at: 'value', what: '0xC3 0x28', payload: (b) => [times('1', b), Buffer.from([0xc3, 0x28])] },
    { name: 'overlong UTF-8', at: 'value', what: '0xC0 0xAF', payload: () => ['1', Buffer.from([0xc0, 0xaf])] },
    { name: 'UTF-8 encoded surrogate', at: 'value', what: '0xED 0xA0 0x80', payload: () => ['1', Buffer.from([0xed, 0xa0, 0x80])] },
    { name: 'truncated UTF-8 sequence', at: 'value', what: '0xE2 0x82', payload: () => ['1', Buffer.from([0xe2, 0x82])] },
    // Structure.
    { name: 'XML declaration not at the start', at: 'prolog', what: 'a late XML declaration', payload: (b) => `${times(' ', b)}<?xml version="1.0"?>` },
    { name: 'many close tags', at: 'record', what: 'a close tag that does not match', payload: (b) => times('</a:OpenMediaRequest>', b) },
    { name: 'second root after a huge first', at: 'document', what: 'a second root element', payload: (b) => `<r>${times('t', Math.min(b, 60000))}</r><r/>` },
    { name: 'undeclared prefixes', at: 'record', what: 'an undeclared prefix', payload: (b) => times('<q:x/>', b) },
    // Review r1: what made the soap package's parser quadratic on the client's old fallback path (an Object.assign of
    // the target per href; a regular expression for '<?xml' over every CDATA text). Read by the contract reader now.
    { name: 'multiRef: one element with an id, hrefs to it', fallback: true, at: 'beside', what: 'unknown elements past the bound', payload: (b) => multiRef(b) },
    { name: "CDATA sections full of '<?xml' beside the result, then a wrong close tag", fallback: true, at: 'beside', what: 'a close tag that does not match',
        payload: (b) => `<t>${times(`<r>${cdataOf('<?xml', 60000)}</r>`, b)}</r>` },
    { name: "CDATA sections full of '<?xml' in a value", fallback: true, at: 'value', what: "an element's text past the bound",
        payload: (b) => times(cdataOf('<?xml', 4096), b) },
];

/** A multiRef target (`id="x"` with half the bytes in children) and references to it (the other half). */
function multiRef(bytes) {
    return `<t id="x">${times('<c/>', bytes / 2)}</t>${times('<u href="#x"/>', bytes / 2)}`;
}

/** One CDATA section holding `unit` repeated to about `chars` characters. */
const cdataOf = (unit, chars) => `<![CDATA[${times(unit, chars)}]]>`;

function attrs(bytes, name = 'a') {
    const parts = [];
    let size = 0;
    for (let i = 0; size < bytes; i++) {
        const a = ` ${name}${i}="${i}"`;
        parts.push(a);
        size += a.length;
    }
    return parts.join('');
}

function nest(name, bytes) {
    const n = Math.max(1, Math.floor(bytes / (2 * name.length + 5)));
    return `<${name}>`.repeat(n) + `</${name}>`.repeat(n);
}

function laughs(bytes) {
    let dtd = '<!DOCTYPE lolz [<!ENTITY lol0 "lol">';
    for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    return `${dtd}${times('<!ENTITY pad "x">', bytes)}]>`;
}

/** One body: the payload placed by `at`; a payload [text, bytes] puts raw bytes right after the text. */
function build(at, payload) {
    if (!Array.isArray(payload)) return Buffer.from(at(payload), 'utf8');
    const [text, raw] = payload;
    const marker = '\u0007MARK\u0007';
    const [head, tail] = at(text + marker).split(marker);
    return Buffer.concat([Buffer.from(head, 'utf8'), raw, Buffer.from(tail, 'utf8')]);
}

function answerCases(bytes) {
    return CASE_NAMES.map((name) => answerCase(name, bytes));
}

function answerCase(name, bytes) {
    if (!(bytes >= MIN_BYTES)) throw new RangeError(`hostile cases need at least ${MIN_BYTES} bytes`);
    const c = CASES.find((x) => x.name === name);
    if (!c) throw new RangeError(`no hostile case ${name}`);
    return { name: c.name, what: c.what, body: build(ANSWER_AT[c.at], c.payload(bytes)) };
}

const CASE_NAMES = CASES.map((c) => c.name);
const FALLBACK_CASES = CASES.filter((c) => c.fallback).map((c) => c.name);

function requestCases(bytes) {
    if (!(bytes >= MIN_BYTES)) throw new RangeError(`hostile cases need at least ${MIN_BYTES} bytes`);
    return CASES.map((c) => ({ name: c.name, what: c.what, body: build(REQUEST_AT[c.at], c.payload(bytes)) }));
}

module.exports = { answerCases, answerCase, CASE_NAMES, FALLBACK_CASES, requestCases, normalAnswer, ANSWER_OPERATION, MIN_BYTES };
