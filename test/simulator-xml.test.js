'use strict';
/*
 * The simulator's strict XML reader and the writers' date format (simulator/xml.js, simulator/server.js).
 */
const assert = require('assert');
const { parseXml, escapeXml, attribute, XmlError } = require('../simulator/xml');
const { formatDateTime, writeResponse, writeTypedFault } = require('../simulator/server');

describe('simulator XML reader', function () {
    it('resolves namespaces (default, prefixed, redeclared, unprefixed attributes in no namespace)', function () {
        const root = parseXml('<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><s:E xmlns:s="urn:s" xmlns="urn:d" a="1"><x s:b="2"><y xmlns="urn:y"/><s:z xmlns:s="urn:other"/></x></s:E>\n');
        assert.strictEqual(root.ns, 'urn:s');
        assert.strictEqual(root.local, 'E');
        assert.strictEqual(attribute(root, '', 'a'), '1');
        const x = root.children[0];
        assert.strictEqual(x.ns, 'urn:d');
        assert.strictEqual(attribute(x, 'urn:s', 'b'), '2');
        assert.strictEqual(x.children[0].ns, 'urn:y');
        assert.strictEqual(x.children[1].ns, 'urn:other');
    });

    it('decodes entities, character references and CDATA; keeps whitespace in text', function () {
        const root = parseXml('<a>&lt;&amp;&gt;&quot;&apos;&#65;&#x42; <![CDATA[<raw>&amp;]]> </a>');
        assert.strictEqual(root.text, '<&>"\'AB <raw>&amp; ');
        assert.strictEqual(parseXml('<a v="x&amp;y&#10;z"/>').attributes[0].value, 'x&y\nz');
    });

    it('refuses what is not well-formed', function () {
        for (const bad of ['', '<a>', '<a></b>', '<a/><b/>', 'text<a/>', '<a>&nbsp;</a>', '<a>& </a>', '<a b="1" b="2"/>',
            '<p:a/>', '<a b=1/>', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', '<a><!-- open </a>', '<a><![CDATA[x</a>',
            '<a>x]]>y</a>', '<a b="<"/>', '<a/><?xml version="1.0"?>', '<a>&#0;</a>', '<a>&#xZZ;</a>', '<1a/>']) {
            assert.throws(() => parseXml(bad), XmlError, JSON.stringify(bad));
        }
    });

    it('escapes the XML specials and drops characters XML cannot carry', function () {
        assert.strictEqual(escapeXml('a<b>&"c\u0001'), 'a&lt;b&gt;&amp;&quot;c');
    });
});

describe('simulator writers', function () {
    it('dates: UTC, trailing zero fraction digits dropped as WCF writes them', function () {
        assert.strictEqual(formatDateTime(new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 123))), '2026-11-27T10:00:00.123Z');
        assert.strictEqual(formatDateTime(new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 120))), '2026-11-27T10:00:00.12Z');
        assert.strictEqual(formatDateTime(new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 0))), '2026-11-27T10:00:00Z');
        assert.strictEqual(formatDateTime('2026-11-27T11:00:00+01:00'), '2026-11-27T10:00:00Z');
    });

    it('a nil complex result, absent scalars as WCF defaults, unknown enum values as the 0 member', function () {
        assert.match(writeResponse('GetServiceGroupStatus', null), /<GetServiceGroupStatusResult i:nil="true" xmlns:i="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance"\/>/);
        const xml = writeResponse('AddRequest', { OpenMediaID: 3, RequestStatus: 'Bogus' });
        assert.match(xml, /<a:EWT>0<\/a:EWT><a:OpenMediaID>3<\/a:OpenMediaID><a:QueuePosition>0<\/a:QueuePosition><a:RequestStatus>Success<\/a:RequestStatus>/);
        assert.match(writeResponse('AddRequest', { RequestStatus: 100 }), /<a:RequestStatus>Error<\/a:RequestStatus>/);
        assert.match(writeResponse('GetAllOpenMediaServiceGroupStatus', { Status: [] }), /<a:Status\/>/);
        assert.match(writeResponse('GetAllOpenMediaServiceGroupStatus', { Status: null }), /<a:Status i:nil="true"\/>/);
    });

    it('typed faults: escaped message, detail element in its namespace', function () {
        const xml = writeTypedFault('NoLicenseFault', 'a <b> & c');
        assert.ok(xml.includes('<faultcode>s:Client</faultcode><faultstring xml:lang="en-US">a &lt;b&gt; &amp; c</faultstring>'));
        assert.ok(xml.includes('<detail><NoLicenseFault xmlns="http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.Faults" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/></detail>'));
        parseXml(xml);
    });
});
