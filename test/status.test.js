'use strict';
// The words and colours under a node (lib/status.js): one rule a reader who is not a developer can follow. Green dot:
// done. Yellow ring: the contact center answered no. Red ring: Node-RED got no usable answer from the server. Red
// dot: nothing was sent (the message or the node is wrong). Every text short enough for the editor.
const assert = require('assert');
const {
    STATUS_MAX, answerStatus, failureStatus, refusalStatus, shortStatus, recordText, queuedText, waitText, fit, marked, retryText,
} = require('../lib/status');
const { FAULT_NAMES, REQUEST_STATUS_NAMES, OPEN_MEDIA_STATUS_NAMES } = require('../lib/contract');

const TRANSPORT = ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'TLS_ERROR', 'BAD_RESPONSE',
    'CLIENT_CLOSED', 'CLIENT_ERROR', 'HTTP_404', 'HTTP_401', 'HTTP_500', 'HTTP_503', 'SOMETHING_NEW'];
// Words of the contact center saying no: a transport failure must never use them.
const REFUSAL_WORDS = /refus|reject|closed group|group closed|unknown id|denied|not accepted/i;

describe('status texts and colours', function () {
    it('a transport failure is a red ring, in words about the server or the connection, never a refusal', function () {
        for (const code of TRANSPORT) {
            const s = failureStatus({ code });
            assert.deepStrictEqual([s.fill, s.shape], ['red', 'ring'], code);
            assert.ok(!REFUSAL_WORDS.test(s.text), `${code}: "${s.text}" reads like the contact center said no`);
            assert.ok(s.text.length <= STATUS_MAX, s.text);
        }
        assert.strictEqual(failureStatus({ code: 'ECONNREFUSED' }).text, 'no connection to server');
        assert.strictEqual(failureStatus({ code: 'ETIMEDOUT' }).text, 'server timed out');
        assert.strictEqual(failureStatus({ code: 'ENOTFOUND' }).text, 'server name unknown');
        assert.strictEqual(failureStatus({ code: 'HTTP_404' }).text, 'URL not found (404)');
        assert.strictEqual(failureStatus({ code: 'HTTP_503' }).text, 'server error 503');
        assert.strictEqual(failureStatus({ code: 'HTTP_401' }).text, 'HTTP error 401');
    });

    it('a fault the contact center sent is a yellow ring: it was reached, and said no', function () {
        for (const code of [...FAULT_NAMES, 'SOAP_FAULT']) {
            const s = failureStatus({ code });
            assert.deepStrictEqual([s.fill, s.shape], ['yellow', 'ring'], code);
            assert.ok(s.text.length <= STATUS_MAX && !/Fault|Exception/.test(s.text), `${code}: ${s.text}`);
        }
        assert.strictEqual(failureStatus({ code: 'InvalidUserFault' }).text, 'logon rejected');
        assert.strictEqual(failureStatus({ code: 'InvalidOpenMediaIDFault' }).text, 'request id unknown');
        assert.strictEqual(failureStatus({ code: 'NoLicenseFault' }).text, 'no licence');
    });

    it('nothing sent (bad input, no server, a broken expression) is a red dot naming the field', function () {
        assert.deepStrictEqual(failureStatus({ code: 'INVALID_INPUT', field: 'ServiceGroupName', rule: 'maxLength' }),
            { fill: 'red', shape: 'dot', text: 'invalid ServiceGroupName' });
        assert.deepStrictEqual(failureStatus({ code: 'INVALID_INPUT', field: 'IVRInfo', rule: 'expression' }),
            { fill: 'red', shape: 'dot', text: 'bad expression' });
        assert.deepStrictEqual(failureStatus({ code: 'NO_SERVER' }), { fill: 'red', shape: 'dot', text: 'no server' });
        assert.deepStrictEqual(failureStatus({ code: 'INVALID_INPUT' }), { fill: 'red', shape: 'dot', text: 'invalid input' });
        // a field text is never shown as it came (only letters, digits and a few signs), and stays short
        const odd = failureStatus({ code: 'INVALID_INPUT', field: 'a<b>"c" secret words and more words to be long' });
        assert.ok(odd.text.length <= STATUS_MAX && !/[<>" ]/.test(odd.text.slice('invalid '.length)), odd.text);
    });

    it('each refusal of add / divert request in words, yellow ring', function () {
        const words = {};
        for (const name of REQUEST_STATUS_NAMES.filter((n) => n !== 'Success')) {
            const s = refusalStatus(name);
            assert.deepStrictEqual([s.fill, s.shape], ['yellow', 'ring'], name);
            assert.ok(!/[A-Z][a-z]+[A-Z]/.test(s.text), `${name}: "${s.text}" is the wire name, not words`);
            words[name] = s.text;
        }
        assert.deepStrictEqual(words, {
            GroupClosed: 'group closed', InvalidGroup: 'group unknown', TenantDisabled: 'tenant disabled',
            AgentLoggedOff: 'agent logged off', InvalidID: 'request id unknown', Error: 'refused: contact center error',
        });
        // A RequestStatus the contract does not define is the server's text: never quoted (review r1 S1).
        for (const odd of ['SomethingNew', 'Tr0ub4dor&3x', 'toString', '__proto__', undefined]) {
            assert.strictEqual(refusalStatus(odd).text, 'not accepted (unknown status)', String(odd));
        }
        // RequestStatus Error is the contact center not taking the request: said as a refusal, not as a failure of
        // the server or the connection (those are red)
        assert.match(refusalStatus('Error').text, /^refused: /);
    });

    it('a failure tried again says what failed and "retry" with the delay, within STATUS_MAX, for any code and delay', function () {
        const codes = [...TRANSPORT, ...FAULT_NAMES, 'SOAP_FAULT', 'INVALID_INPUT', 'X'.repeat(60), 'HTTP_599'];
        for (const code of codes) {
            for (const ms of [0, 1500, 9999, 45000, 99000, 100000, 600000, 5999000, 64800000, 86400000 * 30]) {
                const text = retryText(code, ms);
                assert.ok(text.length <= STATUS_MAX, `${code} ${ms}: "${text}" (${text.length})`);
                assert.match(text, /, retry \d+[smh]$/, `${code} ${ms}: "${text}"`);
                // the words of the failure, or their shorter form, before ", retry"
                assert.ok(text.split(', retry')[0].length >= 5, `${code} ${ms}: "${text}"`);
            }
        }
        assert.strictEqual(retryText('ECONNREFUSED', 2000), 'no connection, retry 2s');
        assert.strictEqual(retryText('HTTP_503', 1500), 'server error 503, retry 2s');
        assert.strictEqual(retryText('ETIMEDOUT', 45000), 'server timed out, retry 45s');
        assert.strictEqual(retryText('HTTP_404', 600000), 'URL not found (404), retry 10m');
    });

    it('an accepted add says what happened: queued with its place and wait, or straight to an agent', function () {
        assert.strictEqual(queuedText({ OpenMediaID: 16, QueuePosition: 3, EWT: 40 }), 'queued #16, position 3, ~40 s');
        assert.strictEqual(queuedText({ OpenMediaID: 16, QueuePosition: 3, EWT: 0 }), 'queued #16, position 3');
        assert.strictEqual(queuedText({ OpenMediaID: 16, QueuePosition: 0, EWT: 0 }), '#16 went to an agent');
        // long numbers: shorter forms, never more than STATUS_MAX
        const long = queuedText({ OpenMediaID: 2147483647, QueuePosition: 12345, EWT: 7200 });
        assert.ok(long.length <= STATUS_MAX && long.startsWith('queued #2147483647'), long);
        assert.deepStrictEqual(answerStatus('AddRequest', {}, { OpenMediaID: 16, QueuePosition: 3, EWT: 40, RequestStatus: 'Success' }),
            { fill: 'green', shape: 'dot', text: 'queued #16, position 3, ~40 s' });
        assert.deepStrictEqual(answerStatus('AddRequest', {}, { RequestStatus: 'GroupClosed' }),
            { fill: 'yellow', shape: 'ring', text: 'group closed' });
        assert.deepStrictEqual([waitText(40), waitText(89), waitText(90), waitText(5399), waitText(5400)],
            ['~40 s', '~89 s', '~2 min', '~90 min', '~2 h']);
    });

    it('the other operations in words, green when done, yellow when the answer is no', function () {
        const cases = [
            ['DivertRequest', { OpenMediaID: 16, ServiceGroupID: 103 }, { OpenMediaID: 16, RequestStatus: 'Success' }, 'green', 'diverted #16 to group 103'],
            ['DivertRequest', { OpenMediaID: 16, ServiceGroupID: 104 }, { OpenMediaID: 16, RequestStatus: 'GroupClosed' }, 'yellow', 'group closed'],
            ['CancelRequest', { OpenMediaID: 16 }, true, 'green', 'cancelled #16'],
            ['CancelRequest', { OpenMediaID: 16 }, false, 'yellow', 'not cancelled #16'],
            ['ModifyRequest', { OpenMediaID: 16 }, true, 'green', 'changed #16'],
            ['ModifyRequest', { OpenMediaID: 16 }, false, 'yellow', 'not changed #16'],
            ['SetOptions', { TypeOfSession: 2 }, true, 'green', 'options set for type 2'],
            ['SetOptions', {}, false, 'yellow', 'options not set'],
            ['GetOpenMediaRequestStatusByID', { openMediaID: 16 }, { OpenMediaRequests: [{ ID: 16, Status: 'Queued', QueuePosition: 3 }] }, 'green', '#16 queued, position 3'],
            ['GetOpenMediaRequestHistoryByID', { openMediaID: 16 }, { OpenMediaRequests: [{ ID: 16, Status: 'Queued' }, { ID: 16, Status: 'Complete' }] }, 'green', '#16: 2 changes, complete'],
            ['GetOpenMediaRequestsByTime', {}, { OpenMediaRequests: [{}, {}, {}] }, 'green', '3 status changes'],
            ['GetOpenMediaRequestsByTime', {}, { OpenMediaRequests: [] }, 'green', 'no status changes'],
            ['GetAllOpenMediaRequestStatus', {}, { OpenMediaRequests: [{ Status: 'Queued' }, { Status: 'Complete' }] }, 'green', '2 requests, 1 queued'],
            ['GetServiceGroupStatus', { serviceGroupID: 104 }, { Open: false, ServiceGroupID: 104 }, 'green', 'group 104 closed'],
            ['GetAllOpenMediaServiceGroupStatus', {}, { Status: [{ Open: true }, { Open: false }] }, 'green', '2 groups, 1 open'],
            ['GetOMAgentsByGroup', { serviceGroupID: 101 }, { AgentList: [1, 2, 3], ServiceGroupID: 101 }, 'green', 'group 101: 3 agents'],
            ['GetOMAgentsByGroup', { serviceGroupID: 101 }, { AgentList: [1], ServiceGroupID: 101 }, 'green', 'group 101: 1 agent'],
        ];
        for (const [op, request, result, fill, text] of cases) {
            const s = answerStatus(op, request, result);
            assert.deepStrictEqual({ fill: s.fill, text: s.text }, { fill, text }, op);
            assert.strictEqual(s.shape, fill === 'green' ? 'dot' : 'ring', op);
        }
    });

    it('a status record in words, with the agent when one has it', function () {
        const words = OPEN_MEDIA_STATUS_NAMES.map((Status) => recordText({ ID: 7, Status, LogonID: '4001', QueuePosition: 0 }));
        assert.deepStrictEqual(words, ['#7 status unknown', '#7 queued', '#7 offered to agent 4001', '#7 with agent 4001',
            '#7 complete by 4001', '#7 failed', '#7 cancelled', '#7 clerical']);
        // a logon id that shows a credential (the caller's check says so) is left out
        const showsSecret = (t) => t.toLowerCase().includes('omadmin');
        assert.strictEqual(recordText({ ID: 7, Status: 'AgentProcessing', LogonID: 'OMADMIN' }, showsSecret), '#7 with agent');
        assert.strictEqual(recordText({ ID: 7, Status: 'Complete', LogonID: 'omadmin' }, showsSecret), '#7 complete');
        assert.strictEqual(recordText({ ID: 7, Status: 'Complete', LogonID: '4001' }, showsSecret), '#7 complete by 4001');
        assert.strictEqual(answerStatus('GetOpenMediaRequestStatusByID', { openMediaID: 7 },
            { OpenMediaRequests: [{ ID: 7, Status: 'AgentProcessing', LogonID: 'omadmin' }] }, showsSecret).text, '#7 with agent');
        // what the server sent as a logon id is shown only as letters and digits, and short
        const odd = recordText({ ID: 7, Status: 'AgentProcessing', LogonID: '<b>x</b> "quoted" and a very long name' });
        assert.ok(odd.length <= STATUS_MAX && !/[<>" ]{1}/.test(odd.slice('#7 with agent '.length)), odd);
    });

    it('marked() keeps the mark whole: the text is cut for it when both do not fit (the lease holder\'s "(leader)")', function () {
        assert.strictEqual(marked('#5 complete by 4001', ' (leader)'), '#5 complete by 4001 (leader)');
        const long = marked('#63 queued, position 33', ' (leader)');
        assert.strictEqual(long, '#63 queued, position… (leader)');
        assert.ok(long.length <= STATUS_MAX);
        assert.strictEqual(marked('#8 offered to agent 4008', ' (leader)').length, STATUS_MAX);
        assert.ok(marked('x'.repeat(100), ' (leader)').endsWith('… (leader)'));
    });

    it('fit() picks the first text that fits and cuts the last one when none does', function () {
        assert.strictEqual(fit('short'), 'short');
        assert.strictEqual(fit('x'.repeat(40), 'shorter'), 'shorter');
        const cut = fit('y'.repeat(40));
        assert.strictEqual(cut.length, STATUS_MAX);
        assert.ok(cut.endsWith('…'));
        assert.strictEqual(shortStatus('ECONNRESET'), 'connection lost');
    });
});
