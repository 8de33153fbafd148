/**
 * The table of operation nodes: one row per node, one entry per parameter.
 *
 * This table drives the runtime side (which typedInputs to evaluate, how to coerce them, which wire member they
 * fill), the validation (src/lib/validate.ts) and the editor side (the generated nodes/om-operations.html: fields,
 * labels, hints, and the checks of typed-in values). Each parameter's own limits (`min`, `max`, `maxLength`,
 * `ivr`, `past`) live here, once, with the numbers taken from the contract's LIMITS: the runtime and the editor
 * both read them, so they cannot drift apart. Rules that involve several parameters stay in validate.ts.
 * Adding a parameter is one line here.
 */
import { LIMITS, type OperationName } from './contract';

/** How a parameter's value is coerced and checked. */
export type ParamKind =
  | 'int' // xs:int; accepts numbers and numeric strings
  | 'string' // xs:string
  | 'boolean' // xs:boolean; accepts true/false, 1/0, "true"/"false"
  | 'datetime' // xs:dateTime; accepts Date, ISO-8601 strings, epoch milliseconds; sent as UTC
  | 'ivrinfo'; // ArrayOfIVRInformation; accepts [{Label, Data}] or {label: data}

/** typedInput types offered for each kind in the editor. */
export const TYPED_INPUT_TYPES: Record<ParamKind, readonly string[]> = {
  int: ['msg', 'flow', 'global', 'env', 'num', 'jsonata'],
  string: ['msg', 'flow', 'global', 'env', 'str', 'jsonata'],
  boolean: ['msg', 'flow', 'global', 'env', 'bool', 'jsonata'],
  datetime: ['msg', 'flow', 'global', 'env', 'str', 'num', 'date', 'jsonata'],
  ivrinfo: ['msg', 'flow', 'global', 'env', 'json', 'jsonata'],
};

export interface IvrLimits {
  maxItems: number;
  labelMax: number;
  dataMax: number;
}

export interface ParamDef {
  /** Member name on the wire (the contract's spelling: `ServiceGroupID`, `openMediaID`, `retrieveLaterThan`). */
  wire: string;
  /** The documented name read from msg.payload by default (`payload.<key>`), e.g. `OpenMediaID` for `openMediaID`. */
  key: string;
  kind: ParamKind;
  /** The operation fails without it (checked before the wire). Cross-field rules live in validate.ts. */
  required?: boolean;
  /** int: smallest / largest value allowed (absent: the xs:int range, which coercion enforces anyway). */
  min?: number;
  max?: number;
  /** string: most characters allowed. */
  maxLength?: number;
  /** ivrinfo: 1 to `maxItems` items, each with a Label or Data, Label and Data at most so many characters. */
  ivr?: IvrLimits;
  /** datetime: must lie before now. */
  past?: boolean;
  /**
   * Sent when the user gives no value (a text the kind's coercion reads), for a member the service requires but
   * the node lets the user leave empty.
   */
  whenAbsent?: string;
  /**
   * int: the documented meanings of an enumerated option, one per allowed number. The editor offers them as a
   * dropdown for the typed-in value (the node still stores and sends the number).
   */
  choices?: readonly Choice[];
  /** Short editor label. */
  label: string;
  /** One-line hint shown under the field: the limit or the meaning, in plain words. */
  hint: string;
  /** Font Awesome 4 icon of the field's label in the dialog (e.g. `fa-users`); absent: one for its kind. */
  icon?: string;
}

/** One documented value of an enumerated option: the number on the wire, and what it means in a few words. */
export interface Choice {
  value: number;
  label: string;
}

/**
 * A node-level typedInput that is not a wire member (e.g. om-add-request's correlation value). Node property
 * `<name>` holds the typedInput value, `<name>Type` its type; an empty value means "none".
 */
export interface NodeOptionDef {
  name: string;
  label: string;
  hint: string;
  /** Font Awesome 4 icon of the field's label in the dialog. */
  icon: string;
  /** typedInput types offered in the editor. */
  types: readonly string[];
  /** Editor defaults for `<name>Type` and `<name>`. */
  defaultType: string;
  defaultValue: string;
}

export interface OperationNodeDef {
  /** Node type, as registered with Node-RED. */
  type: string;
  operation: OperationName;
  /**
   * Palette label (under the category "MiCC Open Media"), and what the editor's searches (the palette filter, the
   * quick-add dialog) match besides the type. In the workspace a node without a name shows "MiCC <paletteLabel>",
   * so it is recognised among other packs' nodes.
   */
  paletteLabel: string;
  /** More words the palette filter finds the node by (lower case, space separated; see build-editor.ts). */
  searchWords: string;
  /** The node's icon, a file in nodes/icons/ (white lines, like Node-RED's own icons, on the node's colour). */
  icon: string;
  /** Two outputs (accepted / not accepted) for the operations that answer a RequestStatus. */
  outputs: 1 | 2;
  params: readonly ParamDef[];
  /** Node-level typedInputs besides the parameters (not sent to the service). */
  options?: readonly NodeOptionDef[];
}

const p = (wire: string, kind: ParamKind, label: string, hint: string, extra: Partial<ParamDef> = {}): ParamDef => ({
  wire,
  key: extra.key ?? wire,
  kind,
  label,
  hint,
  ...extra,
});

/** The bounds of a documented range, as a parameter's min/max. */
const range = (r: { min: number; max: number }): Partial<ParamDef> => ({ min: r.min, max: r.max });

/** An enumerated option: its documented range and the meaning of each number (labels[0] is the meaning of min). */
const choices = (r: { min: number; max: number }, labels: readonly string[]): Partial<ParamDef> => {
  if (labels.length !== r.max - r.min + 1) throw new Error(`operations: ${labels.length} choices for ${r.min}..${r.max}`);
  return { ...range(r), choices: labels.map((label, i) => ({ value: r.min + i, label })) };
};

// Parameters shared by several operations, declared once.
const openMediaID = (wire: 'OpenMediaID' | 'openMediaID') =>
  p(wire, 'int', 'OpenMedia ID', 'The id AddRequest returned (msg.payload.OpenMediaID after om-add-request)', {
    key: 'OpenMediaID',
    required: true,
    icon: 'fa-hashtag',
  });
const serviceGroupID = p('serviceGroupID', 'int', 'Service group ID', 'Record id of an Open Media service group',
  { key: 'ServiceGroupID', required: true, icon: 'fa-users' });
const group = [
  p('ServiceGroupID', 'int', 'Service group ID', 'Record id of the group; used instead of tenant + name when given',
    { icon: 'fa-users' }),
  p('TenantID', 'int', 'Tenant ID', 'With the group name, when no group id is given', { icon: 'fa-building-o' }),
  p('ServiceGroupName', 'string', 'Group name',
    `With the tenant id, when no group id is given; at most ${LIMITS.serviceGroupNameMax} characters`,
    { maxLength: LIMITS.serviceGroupNameMax, icon: 'fa-users' }),
];
const ivrInfo = p('IVRInfo', 'ivrinfo', 'IVR info',
  `1 to ${LIMITS.ivrInfoMaxItems} items of {Label, Data}, each at most ${LIMITS.ivrLabelMax} characters; or {label: data}`, {
    required: true,
    ivr: { maxItems: LIMITS.ivrInfoMaxItems, labelMax: LIMITS.ivrLabelMax, dataMax: LIMITS.ivrDataMax },
    icon: 'fa-list-ul',
  });
const privateData = p('PrivateData', 'string', 'Private data',
  `Free text for the agent application, at most ${LIMITS.privateDataMax} characters`,
  { maxLength: LIMITS.privateDataMax, icon: 'fa-file-text-o' });

/**
 * What om-request-history and om-requests-by-time send as retrieveLaterThan when the user gives none. The service
 * declares the member required, so it always goes out. Not DateTime.MinValue (0001-01-01): a WCF service that turns
 * it into local time on a server west of UTC falls below the smallest DateTime and fails; 2000-01-01 is far older
 * than anything the service keeps (terminated requests leave its cache after minutes) and safe in every time zone.
 */
export const EARLIEST_RETRIEVE_LATER_THAN = '2000-01-01T00:00:00Z';
const retrieveLaterThan = p('retrieveLaterThan', 'datetime', 'Later than',
  `Only status events after this time (UTC); empty: ${EARLIEST_RETRIEVE_LATER_THAN} is sent, i.e. everything the service still holds`,
  { key: 'RetrieveLaterThan', whenAbsent: EARLIEST_RETRIEVE_LATER_THAN, icon: 'fa-clock-o' });

export const OPERATION_NODES: readonly OperationNodeDef[] = [
  {
    type: 'om-add-request',
    operation: 'AddRequest',
    paletteLabel: 'add request',
    searchWords: 'queue e-mail email ticket chat web form work item new',
    icon: 'om-add-request.svg',
    outputs: 2,
    params: [
      ...group,
      ivrInfo,
      privateData,
      p('PreferredAgentID', 'int', 'Preferred agent ID', 'Record id of the agent who should get it; wins over the logon id',
        { min: LIMITS.recordIdMin, icon: 'fa-user' }),
      p('PreferredAgentLogonID', 'string', 'Preferred agent logon',
        `Logon id of the agent who should get it; at most ${LIMITS.logonIdMax} characters`,
        { maxLength: LIMITS.logonIdMax, icon: 'fa-user' }),
      p('ForceToPreferredAgent', 'boolean', 'Force to agent', 'Only that agent may take it; rejected when the agent is logged off or not free in time',
        { icon: 'fa-lock' }),
      p('TypeOfSession', 'int', 'Type of session',
        `${LIMITS.typeOfSessionMin} or more; groups sessions for the SetOptions settings (e.g. 1 = chat, 2 = e-mail)`,
        { min: LIMITS.typeOfSessionMin, icon: 'fa-th-large' }),
      p('SessionPriority', 'int', 'Priority',
        `${LIMITS.sessionPriorityMin} (highest) to ${LIMITS.sessionPriorityMax} (lowest)`,
        { min: LIMITS.sessionPriorityMin, max: LIMITS.sessionPriorityMax, icon: 'fa-sort-amount-asc' }),
      p('QueueStartTime', 'datetime', 'Queue start time', 'When the item entered the queue (must be in the past); wins over priority',
        { past: true, icon: 'fa-clock-o' }),
    ],
    options: [
      {
        name: 'correlation',
        label: 'Correlation',
        hint: 'Your own value (e.g. a ticket id) that om-events attaches to every event of this request; empty: none',
        icon: 'fa-link',
        types: ['msg', 'flow', 'global', 'env', 'str', 'num', 'json', 'jsonata'],
        defaultType: 'msg',
        defaultValue: 'correlation',
      },
    ],
  },
  {
    type: 'om-cancel-request',
    operation: 'CancelRequest',
    paletteLabel: 'cancel request',
    searchWords: 'queue remove withdraw stop',
    icon: 'om-cancel-request.svg',
    outputs: 1,
    params: [
      openMediaID('OpenMediaID'),
      p('CancelIfAllocated', 'boolean', 'Cancel if allocated', 'Also take it back from an agent it was already given to',
        { required: true, icon: 'fa-user-times' }),
      p('DoNotReport', 'boolean', 'Do not report', 'Leave it out of the group statistics (only while still queued)',
        { required: true, icon: 'fa-eye-slash' }),
    ],
  },
  {
    type: 'om-divert-request',
    operation: 'DivertRequest',
    paletteLabel: 'divert request',
    searchWords: 'queue move transfer forward other group',
    icon: 'om-divert-request.svg',
    outputs: 2,
    params: [openMediaID('OpenMediaID'), ...group],
  },
  {
    type: 'om-modify-request',
    operation: 'ModifyRequest',
    paletteLabel: 'modify request',
    searchWords: 'queue change update ivr private data',
    icon: 'om-modify-request.svg',
    outputs: 1,
    params: [openMediaID('OpenMediaID'), ivrInfo, privateData],
  },
  {
    type: 'om-set-options',
    operation: 'SetOptions',
    paletteLabel: 'set options',
    searchWords: 'agent desktop tab session settings configure',
    icon: 'om-set-options.svg',
    outputs: 1,
    params: [
      p('TypeOfSession', 'int', 'Type of session', 'The session type the options apply to; 0 = every type without its own settings',
        { min: LIMITS.setOptionsTypeOfSessionMin, icon: 'fa-th-large' }),
      p('AgentActionOptions', 'int', 'Agent action', 'When the agent has a tab open already; 2 and 4 need a type of session',
        { ...choices(LIMITS.agentActionOptions, ['skip action if a group tab is open', 'skip action if a type tab is open',
          'reuse the tab of the group', 'reuse the tab of the type']), icon: 'fa-bolt' }),
      p('CloseTabOptions', 'int', 'Close tab', 'When an item is completed; 4 needs a type of session',
        { ...choices(LIMITS.closeTabOptions, ['keep the tab open', 'close the tab',
          "close after the group's last item", "close after the type's last item"]), icon: 'fa-window-close-o' }),
      p('MaxNumberOfSessions', 'int', 'Max sessions', 'Concurrent Open Media sessions per agent, 1 or more',
        { min: LIMITS.maxNumberOfSessionsMin, icon: 'fa-clone' }),
      p('AllowDifferentTypes', 'int', 'Different types', 'May an agent busy with this type get items of other types',
        { ...choices(LIMITS.allowDifferentTypes, ['do not allow', 'allow']), icon: 'fa-random' }),
      p('SessionLinkOptions', 'int', 'Links open in', 'Where links in the IVR info open',
        { ...choices(LIMITS.sessionLinkOptions, ['a tab in MiCC Agent', 'the default web browser']), icon: 'fa-external-link' }),
      p('ResetAllOptions', 'boolean', 'Reset all', 'Clear every option set for this type of session', { icon: 'fa-undo' }),
    ],
  },
  {
    type: 'om-request-status',
    operation: 'GetOpenMediaRequestStatusByID',
    paletteLabel: 'request status',
    searchWords: 'queue position where state lookup',
    icon: 'om-request-status.svg',
    outputs: 1,
    params: [openMediaID('openMediaID')],
  },
  {
    type: 'om-request-history',
    operation: 'GetOpenMediaRequestHistoryByID',
    paletteLabel: 'request history',
    searchWords: 'status changes log audit',
    icon: 'om-request-history.svg',
    outputs: 1,
    params: [openMediaID('openMediaID'), retrieveLaterThan],
  },
  {
    type: 'om-requests-by-time',
    operation: 'GetOpenMediaRequestsByTime',
    paletteLabel: 'requests by time',
    searchWords: 'status changes since poll',
    icon: 'om-requests-by-time.svg',
    outputs: 1,
    params: [retrieveLaterThan],
  },
  {
    type: 'om-all-request-status',
    operation: 'GetAllOpenMediaRequestStatus',
    paletteLabel: 'all request status',
    searchWords: 'queue list dashboard every request',
    icon: 'om-all-request-status.svg',
    outputs: 1,
    params: [],
  },
  {
    type: 'om-service-group-status',
    operation: 'GetServiceGroupStatus',
    paletteLabel: 'group status',
    searchWords: 'queue service group open closed opening hours',
    icon: 'om-service-group-status.svg',
    outputs: 1,
    params: [serviceGroupID],
  },
  {
    type: 'om-all-service-group-status',
    operation: 'GetAllOpenMediaServiceGroupStatus',
    paletteLabel: 'all group status',
    searchWords: 'queue service groups open closed dashboard tenant',
    icon: 'om-all-service-group-status.svg',
    outputs: 1,
    params: [p('tenantID', 'int', 'Tenant ID',
      `The tenant whose groups to list; ${LIMITS.nonTenantedTenantID} on a system without tenants`,
      { key: 'TenantID', required: true, min: LIMITS.nonTenantedTenantID, icon: 'fa-building-o' })],
  },
  {
    type: 'om-agents-by-group',
    operation: 'GetOMAgentsByGroup',
    paletteLabel: 'agents by group',
    searchWords: 'agent list members service group',
    icon: 'om-agents-by-group.svg',
    outputs: 1,
    params: [serviceGroupID],
  },
];

export function operationNode(type: string): OperationNodeDef | undefined {
  return OPERATION_NODES.find((n) => n.type === type);
}
