'use strict';
/*
 * Canned WCF answers of all 12 operations and the normalised answers they must give, shared by the client tests
 * (test/client-unit.test.js: own servers; test/client-paths.test.js: the direct reader vs the soap fallback).
 */
const assert = require('assert');
const contract = require('../../lib/contract');
const { OpenMediaError } = require('../../lib/client');

const DC = contract.NS.dataContracts;
const TEMPURI = contract.NS.tempuri;


const envelope = (body) =>
  `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`;
const result = (op, inner, attrs = `xmlns:a="${DC}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`) =>
  envelope(`<${op}Response xmlns="${TEMPURI}"><${op}Result ${attrs}>${inner}</${op}Result></${op}Response>`);
const record = (id, status, logon, ts, extra = {}) =>
  `<a:OpenMediaRequest><a:AgentID>${extra.agent ?? 0}</a:AgentID><a:ID>${id}</a:ID>` +
  (logon === null ? '<a:LogonID i:nil="true"/>' : `<a:LogonID>${logon}</a:LogonID>`) +
  `<a:QueuePosition>${extra.pos ?? 0}</a:QueuePosition><a:ServiceGroupID>5</a:ServiceGroupID><a:Status>${status}</a:Status>` +
  `<a:TenantID>1</a:TenantID><a:TimeStamp>${ts}</a:TimeStamp></a:OpenMediaRequest>`;
const fault = (detailName, ns, faultString) =>
  envelope(
    `<s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">${faultString}</faultstring>` +
      (detailName ? `<detail><${detailName} xmlns="${ns}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/></detail>` : '') +
      '</s:Fault>',
  );

const CANNED = {
  AddRequest: result('AddRequest', '<a:EWT>42</a:EWT><a:OpenMediaID>1001</a:OpenMediaID><a:QueuePosition>3</a:QueuePosition><a:RequestStatus>Success</a:RequestStatus>'),
  CancelRequest: result('CancelRequest', 'true', ''),
  DivertRequest: result('DivertRequest', '<a:OpenMediaID>1001</a:OpenMediaID><a:RequestStatus>GroupClosed</a:RequestStatus>'),
  ModifyRequest: result('ModifyRequest', 'false', ''),
  SetOptions: result('SetOptions', 'true', ''),
  GetOpenMediaRequestStatusByID: result('GetOpenMediaRequestStatusByID',
    `<a:OpenMediaRequests>${record(1001, 'AgentProcessing', 'agent7', '2024-05-01T10:00:00.1234567+02:00', { agent: 7 })}</a:OpenMediaRequests><a:TimeStamp>2024-05-01T08:00:01Z</a:TimeStamp>`),
  GetOpenMediaRequestHistoryByID: result('GetOpenMediaRequestHistoryByID',
    `<a:OpenMediaRequests>${record(1001, 'Queued', null, '2024-05-01T08:00:00', { pos: 2 })}${record(1001, 'Clerical', '', '2024-05-01T08:00:05.5Z')}</a:OpenMediaRequests><a:TimeStamp>2024-05-01T08:00:06Z</a:TimeStamp>`),
  GetOpenMediaRequestsByTime: result('GetOpenMediaRequestsByTime', '<a:OpenMediaRequests/><a:TimeStamp>2024-05-01T08:00:06Z</a:TimeStamp>'),
  GetAllOpenMediaRequestStatus: result('GetAllOpenMediaRequestStatus', '<a:OpenMediaRequests i:nil="true"/><a:TimeStamp>2024-05-01T08:00:06Z</a:TimeStamp>'),
  GetServiceGroupStatus: result('GetServiceGroupStatus', '<a:Open>true</a:Open><a:ServiceGroupID>5</a:ServiceGroupID>'),
  GetAllOpenMediaServiceGroupStatus: result('GetAllOpenMediaServiceGroupStatus',
    '<a:Status><a:ServiceGroupStatus><a:Open>true</a:Open><a:ServiceGroupID>5</a:ServiceGroupID></a:ServiceGroupStatus><a:ServiceGroupStatus><a:Open>false</a:Open><a:ServiceGroupID>6</a:ServiceGroupID></a:ServiceGroupStatus></a:Status>'),
  GetOMAgentsByGroup: result('GetOMAgentsByGroup',
    '<a:AgentList xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><b:int>7</b:int><b:int>9</b:int></a:AgentList><a:ServiceGroupID>5</a:ServiceGroupID>'),
};

const EXPECTED = {
  AddRequest: { EWT: 42, OpenMediaID: 1001, QueuePosition: 3, RequestStatus: 'Success', RequestStatusCode: 0 },
  CancelRequest: true,
  DivertRequest: { OpenMediaID: 1001, RequestStatus: 'GroupClosed', RequestStatusCode: 1 },
  ModifyRequest: false,
  SetOptions: true,
  GetOpenMediaRequestStatusByID: {
    OpenMediaRequests: [{ AgentID: 7, ID: 1001, LogonID: 'agent7', QueuePosition: 0, ServiceGroupID: 5, Status: 'AgentProcessing', StatusCode: 3, TenantID: 1, TimeStamp: '2024-05-01T08:00:00.123Z' }],
    TimeStamp: '2024-05-01T08:00:01.000Z',
  },
  GetOpenMediaRequestHistoryByID: {
    OpenMediaRequests: [
      { AgentID: 0, ID: 1001, LogonID: '', QueuePosition: 2, ServiceGroupID: 5, Status: 'Queued', StatusCode: 1, TenantID: 1, TimeStamp: '2024-05-01T08:00:00.000Z' },
      { AgentID: 0, ID: 1001, LogonID: '', QueuePosition: 0, ServiceGroupID: 5, Status: 'Clerical', StatusCode: 7, TenantID: 1, TimeStamp: '2024-05-01T08:00:05.500Z' },
    ],
    TimeStamp: '2024-05-01T08:00:06.000Z',
  },
  GetOpenMediaRequestsByTime: { OpenMediaRequests: [], TimeStamp: '2024-05-01T08:00:06.000Z' },
  GetAllOpenMediaRequestStatus: { OpenMediaRequests: [], TimeStamp: '2024-05-01T08:00:06.000Z' },
  GetServiceGroupStatus: { Open: true, ServiceGroupID: 5 },
  GetAllOpenMediaServiceGroupStatus: { Status: [{ Open: true, ServiceGroupID: 5 }, { Open: false, ServiceGroupID: 6 }] },
  GetOMAgentsByGroup: { AgentList: [7, 9], ServiceGroupID: 5 },
};

/** Awaits `promise`, expecting it to fail with an OpenMediaError of `code`; returns the error. */
async function expectError(promise, code) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OpenMediaError, `not an OpenMediaError: ${err && err.stack}`);
    assert.strictEqual(err.code, code, `code ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

module.exports = { envelope, result, record, fault, CANNED, EXPECTED, expectError };
