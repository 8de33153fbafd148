'use strict';
/*
 * The simulator's writers (simulator/server.js): escaping, the date format, nil and default values, typed faults.
 * (Its request reading is test/xml-reader.test.js and the simulator's HTTP tests.)
 */
const assert = require('assert');
const { escapeXml, formatDateTime, writeResponse, writeTypedFault } = require('../simulator/server');
const { parseXml } = require('./support/xml-tree');

describe('simulator writers', function () {
    it('escapes the XML specials and drops characters XML cannot carry', function () {
        assert.strictEqual(escapeXml('a<b>&"c\u0001\uFFFE'), 'a&lt;b&gt;&amp;&quot;c');
    });

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
