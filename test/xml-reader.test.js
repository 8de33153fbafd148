'use strict';
/*
 * The pack's one XML reading layer (lib/xml-reader.js): what it reads, what it refuses, and where each bound sits
 * (one under the bound is read, one over is refused). The contract readers on top of it are tested through the
 * client (client-*.test.js, hostile-xml.test.js) and the simulator (simulator-*.test.js).
 */
const assert = require('assert');
const {
    XmlCursor, XmlReadError, XmlContentError, DEFAULT_LIMITS, UNKNOWN_CONTENT_DEPTH, MAX_SKIPPED_SIBLINGS, MAX_SKIPPED_ELEMENTS,
    decodeUtf8, OPEN, CLOSE, TEXT, END,
} = require('../lib/xml-reader');

/** Every token of `xml` as a readable list: '<ns|local attrs>', '</local>', 'text', with the cursor's own checks. */
function tokens(xml, limits) {
    const r = new XmlCursor(xml, limits);
    const out = [];
    for (;;) {
        const t = r.next();
        if (t === END) return out;
        if (t === OPEN) out.push(`<${r.ns}|${r.local}>`);
        else if (t === CLOSE) out.push(`</${r.depth + 1}>`);
        else if (t === TEXT) out.push(r.text);
    }
}

/** The first OPEN token's cursor (for attribute lookups). */
function first(xml) {
    const r = new XmlCursor(xml);
    while (r.next() !== OPEN);
    return r;
}

function refuses(xml, reason, limits) {
    assert.throws(() => tokens(xml, limits), (err) => {
        assert.ok(err instanceof XmlReadError, `${JSON.stringify(xml.slice(0, 80))}: ${err && err.stack}`);
        if (reason) assert.match(err.reason, reason, JSON.stringify(xml.slice(0, 80)));
        return true;
    }, JSON.stringify(xml.slice(0, 80)));
}

describe('XML reading layer', function () {
    describe('reads', function () {
        it('namespaces: default, prefixed, redeclared and restored, the xml prefix, unprefixed attributes in none', function () {
            assert.deepStrictEqual(tokens('<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><s:E xmlns:s="urn:s" xmlns="urn:d" a="1">' +
                '<x><y xmlns="urn:y"/><s:z xmlns:s="urn:other"/><s:w/></x></s:E>\n'), [
                '<urn:s|E>', '<urn:d|x>', '<urn:y|y>', '</3>', '<urn:other|z>', '</3>', '<urn:s|w>', '</3>', '</2>', '</1>',
            ]);
            const r = first('<a xmlns:p="urn:p" p:b="2" c="3" xml:lang="en"/>');
            assert.strictEqual(r.attribute('urn:p', 'b'), '2');
            assert.strictEqual(r.attribute('', 'c'), '3');
            assert.strictEqual(r.attribute('', 'b'), undefined);
            assert.strictEqual(r.attribute('http://www.w3.org/XML/1998/namespace', 'lang'), 'en');
        });

        it('entities, character references, CDATA; line ends normalised; attribute whitespace normalised', function () {
            assert.deepStrictEqual(tokens('<a>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#x1F600; <![CDATA[<raw>&amp;]]> a\r\nb\rc</a>'),
                ['<|a>', '<&>"\'AB\u{1F600} ', '<raw>&amp;', ' a\nb\nc', '</1>']);
            assert.strictEqual(first('<a v="x&amp;y&#10;z\tw\r\nv"/>').attribute('', 'v'), 'x&y\nz w v');
        });

        it('xsi:nil by its namespace, whatever the prefix', function () {
            assert.strictEqual(first('<a xmlns:q="http://www.w3.org/2001/XMLSchema-instance" q:nil="true"/>').isNil(), true);
            assert.strictEqual(first('<a xmlns:q="http://www.w3.org/2001/XMLSchema-instance" q:nil=" 1 "/>').isNil(), true);
            assert.strictEqual(first('<a xmlns:q="urn:other" q:nil="true"/>').isNil(), false);
            assert.strictEqual(first('<a nil="true"/>').isNil(), false);
        });

        it('a byte order mark; whitespace, comments and processing instructions around the root', function () {
            assert.deepStrictEqual(tokens('\uFEFF<?xml version="1.0"?> <!--x--> <?pi data?>\n<a/> <!--y--> '), ['<|a>', '</1>']);
        });

        it('readText: the text of a value; skipElement: what nothing describes', function () {
            const r = new XmlCursor('<a><b>1<!--c-->2<![CDATA[3]]></b><c><d>x</d><d/></c><e/></a>');
            r.next();
            r.next();
            assert.strictEqual(r.readText(), '123');
            r.next();
            r.skipElement();
            assert.strictEqual(r.next(), OPEN);
            assert.strictEqual(r.local, 'e');
            r.finish();
        });

        it('rootLocalName reads only as far as the root start tag', function () {
            assert.strictEqual(XmlCursor.rootLocalName('<?xml version="1.0"?><!--c--><s:Envelope xmlns:s="urn:s"><broken'), 'Envelope');
            assert.strictEqual(XmlCursor.rootLocalName('<html><body>503</body></html>'), 'html');
            for (const text of ['', 'Service Unavailable', '<!DOCTYPE html><html/>', '<s:Envelope>']) {
                assert.strictEqual(XmlCursor.rootLocalName(text), undefined, text);
            }
        });
    });

    describe('refuses', function () {
        it('what is not well-formed', function () {
            for (const bad of ['', '   ', '<a>', '<a></b>', '<a></a >x', '<a/><b/>', 'text<a/>', '<a>& </a>', '<a b="1" b="2"/>', '<a b=1/>',
                '<a b="1"c="2"/>', '<a b/>', '<a><!-- open </a>', '<a><![CDATA[x</a>', '<a>x]]>y</a>', '<a b="<"/>', '<a/><?xml version="1.0"?>',
                ' <?xml version="1.0"?><a/>', '<1a/>', '<a:/>', '<:a/>', '<a:b:c/>', '<a><!-- x -- y --></a>', '<a><!-- x ---></a>',
                '</a>', '<a></a></a>', '<![CDATA[x]]><a/>', '<a', '<a b="1"', '<?pi', '<a><?pi</a>', '<a>&#xZZ;</a>', '<a>&#;</a>', '<a>&#x;</a>']) {
                refuses(bad);
            }
        });

        it('what is not namespace-well-formed', function () {
            for (const bad of ['<p:a/>', '<a p:b="1"/>', '<a xmlns:p=""/>', '<xmlns:a/>', '<a xmlns:xmlns="urn:x"/>',
                '<a xmlns:xml="urn:x"/>', '<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>', '<a xmlns:p="urn:p"></a><p:b/>',
                // Review r1 N3: the xmlns namespace bound to a prefix or as the default; one attribute twice under
                // two prefixes bound to the same namespace (also when one binding is inherited).
                '<a xmlns:p="http://www.w3.org/2000/xmlns/"/>', '<a xmlns="http://www.w3.org/2000/xmlns/"/>',
                '<a xmlns="http://www.w3.org/XML/1998/namespace"/>',
                '<a xmlns:p="urn:x" xmlns:q="urn:x" p:x="1" q:x="2"/>', '<r xmlns:p="urn:x"><a xmlns:q="urn:x" q:x="1" p:x="2"/></r>',
                '<a xmlns:p="urn:x" xmlns:q="urn:x" b="0" p:x="1" c="0" q:x="2"/>']) {
                refuses(bad);
            }
            // What is allowed: the same local name in two namespaces, or once unprefixed and once prefixed; the
            // xml prefix bound to its own namespace.
            for (const good of ['<a xmlns:p="urn:x" xmlns:q="urn:y" p:x="1" q:x="2"/>', '<a xmlns:p="urn:x" x="1" p:x="2"/>',
                '<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>', '<r xmlns:p="urn:x"><a xmlns:p="urn:y" p:x="1"/></r>']) {
                assert.doesNotThrow(() => new XmlCursor(good).finish(), good);
            }
        });

        it('a DOCTYPE or any declaration, and every entity but the five', function () {
            refuses('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/);
            refuses('<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', /DOCTYPE/);
            refuses('<a><!ENTITY x "y"></a>', /DOCTYPE/);
            for (const ref of ['&nbsp;', '&x;', '&AMP;', '&lt', '&amp', '&', '&verylongentityname;']) refuses(`<a>${ref}</a>`);
            refuses('<a b="&x;"/>');
        });

        it('characters XML 1.0 cannot carry: raw, and as references, in text, attributes, comments', function () {
            for (const c of ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u001F', '\uFFFE', '\uFFFF']) {
                refuses(`<a>${c}</a>`, /character XML 1.0 does not allow/);
                refuses(`<a b="${c}"/>`);
                refuses(`<a><!--${c}--></a>`);
            }
            refuses('<a>\uD800</a>', /surrogate/);
            refuses('<a>\uDC00x</a>', /surrogate/);
            for (const ref of ['&#0;', '&#1;', '&#x1F;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#xFFFF;', '&#x110000;', '&#99999999;']) {
                refuses(`<a>${ref}</a>`, /reference/);
            }
            // What it can: tab, LF, CR, and the rest of Unicode.
            assert.deepStrictEqual(tokens('<a>&#9;&#10;&#13;&#xD7FF;&#xE000;&#xFFFD;&#x10FFFF;\t</a>'),
                ['<|a>', '\t\n\r\uD7FF\uE000\uFFFD\u{10FFFF}\t', '</1>']);
        });

        it('bytes that are not UTF-8 (no replacement character passes silently)', function () {
            assert.strictEqual(decodeUtf8(Buffer.from('<a>é\u{1F600}</a>')), '<a>é\u{1F600}</a>');
            for (const bytes of [[0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf4, 0x90, 0x80, 0x80]]) {
                assert.throws(() => decodeUtf8(Buffer.concat([Buffer.from('<a>'), Buffer.from(bytes), Buffer.from('</a>')])),
                    (err) => err instanceof XmlReadError && /UTF-8/.test(err.message), String(bytes));
            }
        });

        it('an element inside a value: XmlContentError (well-formed, but not what the reader expected)', function () {
            const r = new XmlCursor('<a>1<b/>2</a>');
            r.next();
            assert.throws(() => r.readText(), (err) => err instanceof XmlContentError);
        });

        it('messages are a fixed reason and a position, never text of the document', function () {
            const secret = 'Secr3tPw';
            for (const xml of [`<a>&${secret};</a>`, `<${secret}:a/>`, `<a></${secret}>`, `<a ${secret}="1" ${secret}="2"/>`,
                `<!DOCTYPE ${secret}><a/>`, `<a>${secret}\u0001</a>`, `<a b="${secret}<"/>`, `<${secret.repeat(40)}/>`, `${secret}<a/>`]) {
                assert.throws(() => tokens(xml), (err) => {
                    assert.ok(err instanceof XmlReadError);
                    assert.ok(!err.message.includes('Secr'), err.message);
                    assert.match(err.message, /^[a-z0-9 '<>\-=&;.,()"!]+\(at character \d+\)$|^[a-z0-9 -]+$/i, err.message);
                    return true;
                }, xml);
            }
        });
    });

    describe('bounds: one under is read, one over is refused', function () {
        const L = DEFAULT_LIMITS;
        const nested = (n) => '<a>'.repeat(n) + '</a>'.repeat(n);

        it(`depth (maxDepth, default ${L.maxDepth})`, function () {
            tokens(nested(L.maxDepth));
            refuses(nested(L.maxDepth + 1), /nested deeper/);
            tokens(nested(5), { ...L, maxDepth: 5 });
            refuses(nested(6), /nested deeper than 5/, { ...L, maxDepth: 5 });
        });

        it(`attributes per element (${L.maxAttributes}) and namespace declarations per element (${L.maxNamespaceDeclarations})`, function () {
            const attrs = (n, name = 'a') => Array.from({ length: n }, (_, i) => ` ${name}${i}="u${i}"`).join('');
            tokens(`<x${attrs(L.maxAttributes)}/>`);
            refuses(`<x${attrs(L.maxAttributes + 1)}/>`, /attributes/);
            tokens(`<x${attrs(L.maxNamespaceDeclarations, 'xmlns:p')}/>`);
            refuses(`<x${attrs(L.maxNamespaceDeclarations + 1, 'xmlns:p')}/>`, /namespace declarations/);
        });

        it(`a text, a CDATA section, an attribute value, an element's text (${L.maxTextLength} characters)`, function () {
            const max = L.maxTextLength;
            tokens(`<a>${'x'.repeat(max)}</a>`);
            refuses(`<a>${'x'.repeat(max + 1)}</a>`, /text longer/);
            tokens(`<a><![CDATA[${'x'.repeat(max)}]]></a>`);
            refuses(`<a><![CDATA[${'x'.repeat(max + 1)}]]></a>`, /text longer/);
            tokens(`<a b="${'x'.repeat(max)}"/>`);
            refuses(`<a b="${'x'.repeat(max + 1)}"/>`, /attribute value longer/);
            const split = (n) => {
                const r = new XmlCursor(`<a>${'x'.repeat(n - 1)}<!---->x</a>`);
                r.next();
                return r.readText();
            };
            assert.strictEqual(split(max).length, max);
            assert.throws(() => split(max + 1), /text longer/);
        });

        it(`a name (${L.maxNameLength} characters)`, function () {
            tokens(`<${'n'.repeat(L.maxNameLength)}/>`);
            refuses(`<${'n'.repeat(L.maxNameLength + 1)}/>`, /name longer/);
            tokens(`<a ${'n'.repeat(L.maxNameLength)}="1"/>`);
            refuses(`<a ${'n'.repeat(L.maxNameLength + 1)}="1"/>`, /name longer/);
        });

        it(`skipped content: ${MAX_SKIPPED_SIBLINGS} elements per parent, ${MAX_SKIPPED_ELEMENTS} inside one, ${UNKNOWN_CONTENT_DEPTH} levels deep`, function () {
            // Descends into the elements named in `keep`, skips every other one (as a contract reader does).
            const skipAll = (xml, keep = ['r']) => {
                const r = new XmlCursor(xml);
                for (;;) {
                    const t = r.next();
                    if (t === OPEN && !keep.includes(r.local)) r.skipElement();
                    else if (t === END) return;
                }
            };
            const u = (n) => '<u/>'.repeat(n);
            skipAll(`<r>${u(MAX_SKIPPED_SIBLINGS)}</r>`);
            assert.throws(() => skipAll(`<r>${u(MAX_SKIPPED_SIBLINGS + 1)}</r>`), /unknown elements/);
            // The count is per parent: as many again under another parent are fine.
            skipAll(`<r><p>${u(MAX_SKIPPED_SIBLINGS)}</p><q>${u(MAX_SKIPPED_SIBLINGS)}</q></r>`, ['r', 'p', 'q']);
            assert.throws(() => skipAll(`<r><p>${u(MAX_SKIPPED_SIBLINGS + 1)}</p></r>`, ['r', 'p']), /unknown elements/);
            skipAll(`<r><u>${'<v/>'.repeat(MAX_SKIPPED_ELEMENTS)}</u></r>`);
            assert.throws(() => skipAll(`<r><u>${'<v/>'.repeat(MAX_SKIPPED_ELEMENTS + 1)}</u></r>`), /elements in unknown content/);
            skipAll(`<r>${nested(UNKNOWN_CONTENT_DEPTH + 1)}</r>`);
            assert.throws(() => skipAll(`<r>${nested(UNKNOWN_CONTENT_DEPTH + 2)}</r>`), /nested deeper than 8 levels/);
        });
    });
});

describe('answer reader on the layer (lib/read-answer.js)', function () {
    const { readResponseXml, ResponseFault } = require('../lib/read-answer');
    const { parseResponse } = require('../lib/client');
    const { result, fault } = require('./support/canned-answers');
    const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
    const group = (inner) => result('GetServiceGroupStatus', inner);

    it('skips a member the contract does not know (a newer server), reads the rest; a repeated member: the first counts', function () {
        assert.deepStrictEqual(parseResponse('GetServiceGroupStatus',
            group('<a:Future><a:Nested>x</a:Nested></a:Future><a:Open>true</a:Open><a:Open>false</a:Open><a:ServiceGroupID>5</a:ServiceGroupID>')),
        { Open: true, ServiceGroupID: 5 });
    });

    it('refuses an element inside a value, and content inside a nil element', function () {
        for (const inner of ['<a:Open>true<a:x/></a:Open><a:ServiceGroupID>5</a:ServiceGroupID>',
            `<a:Open xmlns:i="${XSI}" i:nil="true"><a:x/></a:Open><a:ServiceGroupID>5</a:ServiceGroupID>`]) {
            assert.throws(() => readResponseXml('GetServiceGroupStatus', group(inner)), (err) => err instanceof XmlContentError, inner);
        }
    });

    it('refuses depth beyond the answer type plus the margin, where the contract does not describe it', function () {
        // GetServiceGroupStatus: Result at 4, its members at 5; an unknown member may hold 8 more levels.
        const nest = (n) => '<a:u>'.repeat(n) + '</a:u>'.repeat(n);
        readResponseXml('GetServiceGroupStatus', group(`${nest(UNKNOWN_CONTENT_DEPTH + 1)}<a:Open>true</a:Open>`));
        assert.throws(() => readResponseXml('GetServiceGroupStatus', group(`${nest(UNKNOWN_CONTENT_DEPTH + 2)}<a:Open>true</a:Open>`)),
            /nested deeper/);
    });

    it('a fault: the first detail element names it, a second detail or fault code changes nothing', function () {
        const xml = fault('NoLicenseFault', 'urn:f', 'no licence').replace('</detail>',
            '</detail><detail><faultcode>x</faultcode><Other/></detail><faultcode>s:Server</faultcode>');
        assert.throws(() => readResponseXml('AddRequest', xml), (err) => {
            assert.ok(err instanceof ResponseFault);
            assert.deepStrictEqual(err.root.Envelope.Body.Fault, { faultcode: 's:Client', faultstring: 'no licence', detail: { NoLicenseFault: {} } });
            return true;
        });
    });
});
