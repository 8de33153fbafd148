'use strict';
/*
 * The simulator refuses what XML 1.0 cannot carry, raw or as a character reference, as a WCF server does (HTTP 400,
 * or a client fault), so the suite can see a client that sends it. The refusal is the shared XML reader's
 * (lib/xml-reader.ts).
 */
const assert = require('assert');
const { useSimulator, soapPost } = require('./support/simulator');

const op = 'AddRequest';
const body = (privateData) => `<${op} xmlns="http://tempuri.org/"><request xmlns:a="http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.DataContracts">`
    + `<a:IVRInfo><a:IVRInformation><a:Data>d</a:Data><a:Label>l</a:Label></a:IVRInformation></a:IVRInfo>`
    + `<a:PrivateData>${privateData}</a:PrivateData><a:ServiceGroupID>101</a:ServiceGroupID></request></${op}>`;

describe('simulator: characters XML 1.0 cannot carry are refused (as WCF does)', function () {
    const ctx = useSimulator();
    beforeEach(() => ctx.sim.reset());

    for (const [what, text] of [['raw U+0000', 'a\u0000b'], ['raw U+0001', '\u0001'], ['raw U+FFFE', '\ufffe'], ['&#0;', 'a&#0;b'],
        ['&#x1F;', '&#x1F;'], ['&#xFFFF;', '&#xFFFF;'], ['&#xD800; (a surrogate)', '&#xD800;']]) {
        it(`${what}: refused, nothing done`, async function () {
            const res = await soapPost(ctx.sim, op, body(text));
            assert.ok(res.status === 400 || (res.status === 500 && !/<detail>|AddRequestResponse/.test(res.body)), `${res.status} ${res.body}`);
            assert.strictEqual(ctx.sim.model.state().requests.length, 0, 'no request was added');
        });
    }

    it('tab, line feed, carriage return (raw and as references) and U+FFFD: accepted', async function () {
        for (const text of ['a\tb\nc', '&#9;&#xA;&#xD;', '\ufffd']) {
            const res = await soapPost(ctx.sim, op, body(text));
            assert.strictEqual(res.status, 200, res.body);
        }
    });
});
