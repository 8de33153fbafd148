/**
 * The Open Media Service wire contract, written down once.
 *
 * Everything that talks to the service (the simulator, the client layer, the nodes, the WSDL generator and the
 * tests) reads names, namespaces, member order, enums, faults and limits from here. The facts come from the WSDL and
 * XSDs a real MiCC Enterprise server publishes (WCF basicHttpBinding, SOAP 1.1, document/literal) and from the
 * vendor's Open Media Service interface description, release 9.8.
 */

/** XML namespaces used on the wire. */
export const NS = {
  /** Target namespace of the service, the operation wrappers and the SOAPActions. */
  tempuri: 'http://tempuri.org/',
  /** Data contracts: every request/response type and both enums. */
  dataContracts: 'http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.DataContracts',
  /** Typed fault details (InvalidUserFault, NoLicenseFault ...). */
  faults: 'http://schemas.datacontract.org/2004/07/Solidus.OpenMedia.Contracts.Faults',
  /** System.IO.InvalidDataException, serialized as a .NET exception. */
  systemIO: 'http://schemas.datacontract.org/2004/07/System.IO',
  system: 'http://schemas.datacontract.org/2004/07/System',
  serialization: 'http://schemas.microsoft.com/2003/10/Serialization/',
  /** ArrayOfint (GetOMAgentsByGroupResponse.AgentList). */
  arrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  /** The two authentication SOAP headers, LogonID and Password, are plain string elements in this namespace. */
  authHeaders: 'OpenMediaService',
  soapEnvelope: 'http://schemas.xmlsoap.org/soap/envelope/',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
} as const;

export const SERVICE_NAME = 'OpenMediaService';
export const PORT_TYPE_NAME = 'IOpenMediaService';
export const BINDING_NAME = 'BasicHttpBinding_IOpenMediaService';
export const PORT_NAME = 'BasicHttpBinding_IOpenMediaService';
/** Path the service is published at; `?wsdl` on it returns the WSDL. The host and port are configuration. */
export const SERVICE_PATH = '/OpenMediaService';
/** The vendor document names 12620; servers seen in the field use 12615. Only ever a default for the simulator. */
export const DEFAULT_PORT = 12615;

export function soapAction(operation: OperationName): string {
  return `${NS.tempuri}${PORT_TYPE_NAME}/${operation}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Enums. They travel as strings (their wire names); the vendor document numbers them. Both are exposed.

/** AddRequest / DivertRequest outcome. `Error` carries EnumerationValue 100 in the schema. */
export const REQUEST_STATUS = {
  Success: 0,
  GroupClosed: 1,
  InvalidGroup: 2,
  TenantDisabled: 3,
  AgentLoggedOff: 4,
  InvalidID: 5,
  Error: 100,
} as const;
export type RequestStatusName = keyof typeof REQUEST_STATUS;
export const REQUEST_STATUS_NAMES = Object.keys(REQUEST_STATUS) as RequestStatusName[];

/** Status of an Open Media request in a status record. `Clerical` (7) is in the schema, not in the document. */
export const OPEN_MEDIA_STATUS = {
  Unknown: 0,
  Queued: 1,
  AllocatedToAgent: 2,
  AgentProcessing: 3,
  Complete: 4,
  Failed: 5,
  Cancelled: 6,
  Clerical: 7,
} as const;
export type OpenMediaStatusName = keyof typeof OPEN_MEDIA_STATUS;
export const OPEN_MEDIA_STATUS_NAMES = Object.keys(OPEN_MEDIA_STATUS) as OpenMediaStatusName[];
/** States after which a request never changes again; the service forgets them after DataExpiration. */
export const TERMINAL_STATUSES: readonly OpenMediaStatusName[] = ['Complete', 'Failed', 'Cancelled'];

export const ENUMS = {
  OpenMediaRequestStatus: REQUEST_STATUS,
  OpenMediaStatus: OPEN_MEDIA_STATUS,
} as const;
export type EnumTypeName = keyof typeof ENUMS;

// ---------------------------------------------------------------------------------------------------------------
// Data types, members in schema order. The schema order is alphabetical (a WCF data contract), and a WCF server
// silently ignores a member that arrives out of order, so this order is what goes on the wire.

export type XsdScalar = 'xs:int' | 'xs:boolean' | 'xs:string' | 'xs:dateTime';

export interface MemberDef {
  name: string;
  /** An xs: scalar, an enum name (ENUMS) or a data type name (DATA_TYPES). */
  type: XsdScalar | EnumTypeName | DataTypeName;
  /** nillable="true" in the schema (reference types: strings, nullable dates, nested types, arrays). */
  nillable: boolean;
}

export interface ComplexTypeDef {
  kind: 'complex';
  ns: string;
  members: readonly MemberDef[];
}

export interface ArrayTypeDef {
  kind: 'array';
  ns: string;
  /** Element name of each item (e.g. `IVRInformation`, `int`). */
  itemName: string;
  itemType: XsdScalar | DataTypeName;
  /** Items of a nested data type are nillable; ArrayOfint's items are not. */
  itemNillable: boolean;
}

/** Names of the data types, spelled out so the member definitions below can refer to them. */
export type DataTypeName =
  | 'AddOpenMediaRequest'
  | 'ArrayOfIVRInformation'
  | 'IVRInformation'
  | 'AddOpenMediaResponse'
  | 'CancelOpenMediaRequest'
  | 'GetOpenMediaResponse'
  | 'ArrayOfOpenMediaRequest'
  | 'OpenMediaRequest'
  | 'ServiceGroupStatus'
  | 'GetAllServiceGroupStatusResponse'
  | 'ArrayOfServiceGroupStatus'
  | 'SetOptionsRequest'
  | 'GetOMAgentsByGroupResponse'
  | 'DivertOpenMediaRequest'
  | 'DivertOpenMediaResponse'
  | 'ModifyOpenMediaRequest'
  | 'ArrayOfint';

const m = (name: string, type: MemberDef['type'], nillable = false): MemberDef => ({ name, type, nillable });
const complex = (...members: MemberDef[]): ComplexTypeDef => ({ kind: 'complex', ns: NS.dataContracts, members });

/** Every data type of the contract, in the order the reference schema declares them. */
export const DATA_TYPES: Readonly<Record<DataTypeName, ComplexTypeDef | ArrayTypeDef>> = {
  AddOpenMediaRequest: complex(
    m('ForceToPreferredAgent', 'xs:boolean'),
    m('IVRInfo', 'ArrayOfIVRInformation', true),
    m('PreferredAgentID', 'xs:int'),
    m('PreferredAgentLogonID', 'xs:string', true),
    m('PrivateData', 'xs:string', true),
    m('QueueStartTime', 'xs:dateTime', true),
    m('ServiceGroupID', 'xs:int'),
    m('ServiceGroupName', 'xs:string', true),
    m('SessionPriority', 'xs:int'),
    m('TenantID', 'xs:int'),
    m('TypeOfSession', 'xs:int'),
  ),
  ArrayOfIVRInformation: {
    kind: 'array', ns: NS.dataContracts, itemName: 'IVRInformation', itemType: 'IVRInformation', itemNillable: true,
  } as ArrayTypeDef,
  IVRInformation: complex(m('Data', 'xs:string', true), m('Label', 'xs:string', true)),
  AddOpenMediaResponse: complex(
    m('EWT', 'xs:int'),
    m('OpenMediaID', 'xs:int'),
    m('QueuePosition', 'xs:int'),
    m('RequestStatus', 'OpenMediaRequestStatus'),
  ),
  CancelOpenMediaRequest: complex(
    m('CancelIfAllocated', 'xs:boolean'),
    m('DoNotReport', 'xs:boolean'),
    m('OpenMediaID', 'xs:int'),
  ),
  GetOpenMediaResponse: complex(
    m('OpenMediaRequests', 'ArrayOfOpenMediaRequest', true),
    m('TimeStamp', 'xs:dateTime'),
  ),
  ArrayOfOpenMediaRequest: {
    kind: 'array', ns: NS.dataContracts, itemName: 'OpenMediaRequest', itemType: 'OpenMediaRequest', itemNillable: true,
  } as ArrayTypeDef,
  OpenMediaRequest: complex(
    m('AgentID', 'xs:int'),
    m('ID', 'xs:int'),
    m('LogonID', 'xs:string', true),
    m('QueuePosition', 'xs:int'),
    m('ServiceGroupID', 'xs:int'),
    m('Status', 'OpenMediaStatus'),
    m('TenantID', 'xs:int'),
    m('TimeStamp', 'xs:dateTime'),
  ),
  ServiceGroupStatus: complex(m('Open', 'xs:boolean'), m('ServiceGroupID', 'xs:int')),
  GetAllServiceGroupStatusResponse: complex(m('Status', 'ArrayOfServiceGroupStatus', true)),
  ArrayOfServiceGroupStatus: {
    kind: 'array', ns: NS.dataContracts, itemName: 'ServiceGroupStatus', itemType: 'ServiceGroupStatus', itemNillable: true,
  } as ArrayTypeDef,
  SetOptionsRequest: complex(
    m('AgentActionOptions', 'xs:int'),
    m('AllowDifferentTypes', 'xs:int'),
    m('CloseTabOptions', 'xs:int'),
    m('MaxNumberOfSessions', 'xs:int'),
    m('ResetAllOptions', 'xs:boolean'),
    m('SessionLinkOptions', 'xs:int'),
    m('TypeOfSession', 'xs:int'),
  ),
  GetOMAgentsByGroupResponse: complex(m('AgentList', 'ArrayOfint', true), m('ServiceGroupID', 'xs:int')),
  DivertOpenMediaRequest: complex(
    m('OpenMediaID', 'xs:int'),
    m('ServiceGroupID', 'xs:int'),
    m('ServiceGroupName', 'xs:string', true),
    m('TenantID', 'xs:int'),
  ),
  DivertOpenMediaResponse: complex(m('OpenMediaID', 'xs:int'), m('RequestStatus', 'OpenMediaRequestStatus')),
  ModifyOpenMediaRequest: complex(
    m('IVRInfo', 'ArrayOfIVRInformation', true),
    m('OpenMediaID', 'xs:int'),
    m('PrivateData', 'xs:string', true),
  ),
  /** The one type in the Serialization/Arrays namespace. */
  ArrayOfint: { kind: 'array', ns: NS.arrays, itemName: 'int', itemType: 'xs:int', itemNillable: false } as ArrayTypeDef,
};

// ---------------------------------------------------------------------------------------------------------------
// Faults. WCF typed faults: HTTP 500, a SOAP 1.1 Fault whose <detail> holds one element named after the fault.

export const FAULTS = {
  InvalidUserFault: { ns: NS.faults, declaredByServer: true },
  NoLicenseFault: { ns: NS.faults, declaredByServer: true },
  RouterDisconnectedFault: { ns: NS.faults, declaredByServer: true },
  InvalidOpenMediaIDFault: { ns: NS.faults, declaredByServer: true },
  /** A serialized System.IO.InvalidDataException (ClassName, Message ... in the detail). */
  InvalidDataException: { ns: NS.systemIO, declaredByServer: true },
  /** Named by the 9.8 document (SetOptions: data out of range), not in the published WSDL. */
  InvalidDataFault: { ns: NS.faults, declaredByServer: false },
  /** Named by the 9.8 document (CancelRequest on a request already terminated or cancelled), not in the published WSDL. */
  OpenMediaRequestTerminatedFault: { ns: NS.faults, declaredByServer: false },
} as const;
export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

// ---------------------------------------------------------------------------------------------------------------
// Operations, in the order of the published WSDL's portType.

export interface OperationDef {
  name: OperationName;
  /** Children of the request wrapper element (named like the operation), in schema order. */
  input: readonly MemberDef[];
  /** The response wrapper is `<name>Response`; its single child is `<name>Result` of this type. */
  result: MemberDef;
  /** Faults the operation declares, in the published WSDL's order, then the 9.8 document's extra faults. */
  faults: readonly FaultName[];
}

const op = (name: OperationName, input: MemberDef[], resultType: MemberDef['type'], faults: FaultName[]): OperationDef => ({
  name,
  input,
  result: { name: `${name}Result`, type: resultType, nillable: resultType !== 'xs:boolean' },
  faults,
});
const request = (type: DataTypeName) => [m('request', type, true)];

export type OperationName =
  | 'AddRequest'
  | 'CancelRequest'
  | 'GetOpenMediaRequestStatusByID'
  | 'GetOpenMediaRequestHistoryByID'
  | 'GetOpenMediaRequestsByTime'
  | 'GetAllOpenMediaRequestStatus'
  | 'GetServiceGroupStatus'
  | 'GetAllOpenMediaServiceGroupStatus'
  | 'SetOptions'
  | 'GetOMAgentsByGroup'
  | 'DivertRequest'
  | 'ModifyRequest';

export const OPERATIONS: Readonly<Record<OperationName, OperationDef>> = {
  AddRequest: op('AddRequest', request('AddOpenMediaRequest'), 'AddOpenMediaResponse',
    ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidDataException']),
  CancelRequest: op('CancelRequest', request('CancelOpenMediaRequest'), 'xs:boolean',
    ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidOpenMediaIDFault',
      'OpenMediaRequestTerminatedFault']),
  GetOpenMediaRequestStatusByID: op('GetOpenMediaRequestStatusByID', [m('openMediaID', 'xs:int')], 'GetOpenMediaResponse',
    ['InvalidUserFault', 'InvalidOpenMediaIDFault']),
  GetOpenMediaRequestHistoryByID: op('GetOpenMediaRequestHistoryByID',
    [m('openMediaID', 'xs:int'), m('retrieveLaterThan', 'xs:dateTime')], 'GetOpenMediaResponse',
    ['InvalidUserFault', 'InvalidOpenMediaIDFault']),
  GetOpenMediaRequestsByTime: op('GetOpenMediaRequestsByTime', [m('retrieveLaterThan', 'xs:dateTime')],
    'GetOpenMediaResponse', ['InvalidUserFault']),
  GetAllOpenMediaRequestStatus: op('GetAllOpenMediaRequestStatus', [], 'GetOpenMediaResponse', ['InvalidUserFault']),
  GetServiceGroupStatus: op('GetServiceGroupStatus', [m('serviceGroupID', 'xs:int')], 'ServiceGroupStatus',
    ['InvalidUserFault', 'InvalidDataException', 'RouterDisconnectedFault']),
  GetAllOpenMediaServiceGroupStatus: op('GetAllOpenMediaServiceGroupStatus', [m('tenantID', 'xs:int')],
    'GetAllServiceGroupStatusResponse', ['InvalidUserFault', 'RouterDisconnectedFault', 'InvalidDataException']),
  SetOptions: op('SetOptions', request('SetOptionsRequest'), 'xs:boolean',
    ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidDataException', 'InvalidDataFault']),
  GetOMAgentsByGroup: op('GetOMAgentsByGroup', [m('serviceGroupID', 'xs:int')], 'GetOMAgentsByGroupResponse',
    ['InvalidUserFault', 'InvalidDataException', 'RouterDisconnectedFault']),
  DivertRequest: op('DivertRequest', request('DivertOpenMediaRequest'), 'DivertOpenMediaResponse',
    ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidDataException']),
  ModifyRequest: op('ModifyRequest', request('ModifyOpenMediaRequest'), 'xs:boolean',
    ['InvalidUserFault', 'NoLicenseFault', 'RouterDisconnectedFault', 'InvalidOpenMediaIDFault']),
};
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

// ---------------------------------------------------------------------------------------------------------------
// Documented limits (interface description 9.8). The client checks them before the wire; the simulator enforces
// them the way the service does (InvalidDataException / InvalidDataFault).

export const LIMITS = {
  /** Characters in ServiceGroupName (AddRequest, DivertRequest). */
  serviceGroupNameMax: 20,
  /** IVRInformation items per request (AddRequest, ModifyRequest); at least one Label or Data must be given. */
  ivrInfoMaxItems: 3,
  ivrLabelMax: 100,
  ivrDataMax: 100,
  /** Characters in PrivateData. */
  privateDataMax: 255,
  /**
   * Characters in a logon id (PreferredAgentLogonID, and the LogonID header of the credentials). The service
   * documents no limit and its schema has no facet; 255 is the longest text it documents (PrivateData) and more
   * than any logon name form needs: a Windows logon name is at most 20 characters, an e-mail-style one at most 254.
   */
  logonIdMax: 255,
  /** Characters in the Password header: the longest password Windows accepts (the service documents none). */
  passwordMax: 256,
  /** SessionPriority: 1 is the highest priority, 100 the lowest. */
  sessionPriorityMin: 1,
  sessionPriorityMax: 100,
  /** TypeOfSession on AddRequest must be 1 or more; on SetOptions 0 means "every type without its own setting". */
  typeOfSessionMin: 1,
  setOptionsTypeOfSessionMin: 0,
  /** AgentActionOptions 1..4; 2 and 4 need a TypeOfSession. */
  agentActionOptions: { min: 1, max: 4, needTypeOfSession: [2, 4] },
  /** CloseTabOptions 1..4; 4 needs a TypeOfSession. */
  closeTabOptions: { min: 1, max: 4, needTypeOfSession: [4] },
  /** AllowDifferentTypes: 1 = do not allow, 2 = allow. */
  allowDifferentTypes: { min: 1, max: 2 },
  /** SessionLinkOptions: 1 = browser tab in MiCC Agent, 2 = default external browser. */
  sessionLinkOptions: { min: 1, max: 2 },
  /** MaxNumberOfSessions per agent: the document gives no upper bound; it must be at least 1. */
  maxNumberOfSessionsMin: 1,
  /** Record ids (PreferredAgentID) start at 1; 0 is what a .NET client sends for "none". */
  recordIdMin: 1,
  /** xs:int range of every integer on the wire. */
  intMin: -2147483648,
  intMax: 2147483647,
  /** GetAllOpenMediaServiceGroupStatus: tenantID -1 means a non-tenanted system. */
  nonTenantedTenantID: -1,
  /** Minutes terminated requests (Complete, Failed, Cancelled) stay in the service's cache (DataExpiration). */
  dataExpirationMinutesDefault: 30,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by every layer.

/** Member definitions of a complex data type, in schema order. */
export function membersOf(type: DataTypeName): readonly MemberDef[] {
  const def = DATA_TYPES[type] as ComplexTypeDef | ArrayTypeDef;
  if (def.kind !== 'complex') throw new TypeError(`${type} is an array type, not a complex type`);
  return def.members;
}

export function isDataType(type: string): type is DataTypeName {
  return Object.prototype.hasOwnProperty.call(DATA_TYPES, type);
}

/**
 * How many levels of elements a value of `type` holds below its own element: 0 for a scalar or an enum (text only),
 * 1 + the deepest member for a complex type, 1 + the item's for an array. The XML readers refuse what is deeper.
 */
export function typeDepth(type: string): number {
  if (!isDataType(type)) return 0;
  const def = DATA_TYPES[type] as ComplexTypeDef | ArrayTypeDef;
  if (def.kind === 'array') return 1 + typeDepth(def.itemType);
  let deepest = 0;
  for (const member of def.members) deepest = Math.max(deepest, typeDepth(member.type));
  return 1 + deepest;
}

export function isEnumType(type: string): type is EnumTypeName {
  return Object.prototype.hasOwnProperty.call(ENUMS, type);
}

/** The documented number of an enum's wire name, or undefined for a name the contract does not know. */
export function enumNumber(type: EnumTypeName, wireName: string): number | undefined {
  const table = ENUMS[type] as Record<string, number>;
  return Object.prototype.hasOwnProperty.call(table, wireName) ? table[wireName] : undefined;
}
