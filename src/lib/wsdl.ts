/**
 * The project's own WSDL of the Open Media Service, generated from the contract module.
 *
 * A real server publishes its WSDL as one document plus seven `?xsd=xsdN` schemas. We publish the same contract as
 * ONE self-contained WSDL 1.1 document: every schema is inline in `<wsdl:types>` (one `<xs:schema>` per namespace),
 * schemas import each other by namespace only (no schemaLocation), so the document can be handed to any SOAP stack
 * as a string or a single file. Names, namespaces, member order, minOccurs/nillable, enum spellings (with WCF's
 * `EnumerationValue` annotation where the number is not the position) and faults are those the server publishes;
 * the two faults the 9.8 interface description names but the server does not declare (InvalidDataFault on
 * SetOptions, OpenMediaRequestTerminatedFault on CancelRequest) are declared here too, so clients can read them.
 *
 * Prefixes: each namespace has ONE fixed prefix for the whole document (declared on the root and repeated on each
 * schema). WCF re-binds `tns` in every schema file; the `soap` package resolves QNames in inline schemas more
 * reliably when a prefix never changes meaning inside the document, and prefixes are not part of the contract.
 *
 * The `soap` package (1.13) reads everything here as WCF publishes it, the System.Exception `xs:any` and the
 * `ser:FactoryType` attribute ref included, as a client (file, URL or this string) and as a server (soap.listen):
 * no workaround was needed. One thing to know when calling it: it writes a Date object as an EMPTY element, so
 * xs:dateTime values must be passed to it as ISO-8601 strings (the client layer does).
 */
import {
  ArrayTypeDef,
  BINDING_NAME,
  ComplexTypeDef,
  DATA_TYPES,
  DataTypeName,
  ENUMS,
  EnumTypeName,
  FAULTS,
  FaultName,
  MemberDef,
  NS,
  OPERATION_NAMES,
  OPERATIONS,
  OperationDef,
  PORT_NAME,
  PORT_TYPE_NAME,
  SERVICE_NAME,
  soapAction,
} from './contract';
import { escapeAttribute } from './xml-escape';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const WSAM_NS = 'http://www.w3.org/2007/05/addressing/metadata';
const HTTP_TRANSPORT = 'http://schemas.xmlsoap.org/soap/http';

/** One fixed prefix per namespace of the contract. */
const PREFIX: Readonly<Record<string, string>> = {
  [NS.tempuri]: 'tns',
  [NS.dataContracts]: 'dc',
  [NS.faults]: 'flt',
  [NS.systemIO]: 'sio',
  [NS.system]: 'sys',
  [NS.serialization]: 'ser',
  [NS.arrays]: 'arr',
};

function prefixOf(ns: string): string {
  const p = PREFIX[ns];
  if (!p) throw new Error(`wsdl: no prefix for namespace ${ns}`);
  return p;
}



/** QName of a member's type: xs: scalars as they are, enums and data types with their namespace's prefix. */
function typeQName(type: MemberDef['type']): string {
  if (type.startsWith('xs:')) return type;
  if (Object.prototype.hasOwnProperty.call(ENUMS, type)) return `${prefixOf(NS.dataContracts)}:${type}`;
  const def = DATA_TYPES[type as DataTypeName];
  if (!def) throw new Error(`wsdl: unknown type ${type}`);
  return `${prefixOf(def.ns)}:${type}`;
}

/** `<xs:element minOccurs="0" ...>` the way a WCF data contract member is declared (attribute order as WCF). */
function memberElement(member: MemberDef, indent: string): string {
  const nillable = member.nillable ? ' nillable="true"' : '';
  return `${indent}<xs:element minOccurs="0" name="${member.name}"${nillable} type="${typeQName(member.type)}" />`;
}

/** Every xmlns declaration a schema needs: the schema's own prefix, xs and the contract prefixes it refers to. */
function schemaOpen(targetNs: string, extraAttrs: string, uses: readonly string[]): string {
  const decls = [`xmlns:xs="${NS.xs}"`, `xmlns:${prefixOf(targetNs)}="${targetNs}"`];
  for (const ns of uses) if (ns !== targetNs) decls.push(`xmlns:${prefixOf(ns)}="${ns}"`);
  return `    <xs:schema ${decls.join(' ')}${extraAttrs} elementFormDefault="qualified" targetNamespace="${targetNs}">`;
}

function imports(namespaces: readonly string[]): string[] {
  // No schemaLocation: every imported schema is inline in this same document.
  return namespaces.map((ns) => `      <xs:import namespace="${ns}" />`);
}

// ---------------------------------------------------------------------------------------------------------------
// http://tempuri.org/ : the operation wrappers.

function tempuriSchema(): string[] {
  const out = [schemaOpen(NS.tempuri, '', [NS.dataContracts]), ...imports([NS.dataContracts])];
  const wrapper = (name: string, members: readonly MemberDef[]): void => {
    out.push(`      <xs:element name="${name}">`, '        <xs:complexType>');
    if (members.length === 0) {
      out.push('          <xs:sequence />');
    } else {
      out.push('          <xs:sequence>');
      for (const member of members) out.push(memberElement(member, '            '));
      out.push('          </xs:sequence>');
    }
    out.push('        </xs:complexType>', '      </xs:element>');
  };
  for (const name of OPERATION_NAMES) {
    const op = OPERATIONS[name];
    wrapper(op.name, op.input);
    wrapper(`${op.name}Response`, [op.result]);
  }
  out.push('    </xs:schema>');
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// http://schemas.microsoft.com/2003/10/Serialization/ : WCF's fixed table of primitive elements and attributes.
// Not specific to this service, but part of what it publishes (System.Exception refers to ser:FactoryType).

const SERIALIZATION_PRIMITIVES = [
  'anyType', 'anyURI', 'base64Binary', 'boolean', 'byte', 'dateTime', 'decimal', 'double', 'float', 'int', 'long',
  'QName', 'short', 'string', 'unsignedByte', 'unsignedInt', 'unsignedLong', 'unsignedShort',
];

function serializationSchema(): string[] {
  const ser = prefixOf(NS.serialization);
  const out = [schemaOpen(NS.serialization, ' attributeFormDefault="qualified"', [])];
  for (const p of SERIALIZATION_PRIMITIVES) out.push(`      <xs:element name="${p}" nillable="true" type="xs:${p}" />`);
  out.push(
    `      <xs:element name="char" nillable="true" type="${ser}:char" />`,
    '      <xs:simpleType name="char">',
    '        <xs:restriction base="xs:int" />',
    '      </xs:simpleType>',
    `      <xs:element name="duration" nillable="true" type="${ser}:duration" />`,
    '      <xs:simpleType name="duration">',
    '        <xs:restriction base="xs:duration">',
    '          <xs:pattern value="\\-?P(\\d*D)?(T(\\d*H)?(\\d*M)?(\\d*(\\.\\d*)?S)?)?" />',
    '          <xs:minInclusive value="-P10675199DT2H48M5.4775808S" />',
    '          <xs:maxInclusive value="P10675199DT2H48M5.4775807S" />',
    '        </xs:restriction>',
    '      </xs:simpleType>',
    `      <xs:element name="guid" nillable="true" type="${ser}:guid" />`,
    '      <xs:simpleType name="guid">',
    '        <xs:restriction base="xs:string">',
    '          <xs:pattern value="[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}" />',
    '        </xs:restriction>',
    '      </xs:simpleType>',
    '      <xs:attribute name="FactoryType" type="xs:QName" />',
    '      <xs:attribute name="Id" type="xs:ID" />',
    '      <xs:attribute name="Ref" type="xs:IDREF" />',
    '    </xs:schema>',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Data contracts (and Serialization/Arrays): complex types, array types and enums, each with its global element.

function enumType(name: EnumTypeName): string[] {
  const out = [`      <xs:simpleType name="${name}">`, '        <xs:restriction base="xs:string">'];
  const values = ENUMS[name] as Readonly<Record<string, number>>;
  Object.keys(values).forEach((wireName, position) => {
    if (values[wireName] === position) {
      out.push(`          <xs:enumeration value="${wireName}" />`);
    } else {
      // WCF writes the number only when it differs from the value's position (OpenMediaRequestStatus.Error = 100).
      out.push(
        `          <xs:enumeration value="${wireName}">`,
        '            <xs:annotation>',
        '              <xs:appinfo>',
        `                <EnumerationValue xmlns="${NS.serialization}">${values[wireName]}</EnumerationValue>`,
        '              </xs:appinfo>',
        '            </xs:annotation>',
        '          </xs:enumeration>',
      );
    }
  });
  out.push('        </xs:restriction>', '      </xs:simpleType>');
  out.push(`      <xs:element name="${name}" nillable="true" type="${prefixOf(NS.dataContracts)}:${name}" />`);
  return out;
}

function dataType(name: DataTypeName, def: ComplexTypeDef | ArrayTypeDef): string[] {
  const out = [`      <xs:complexType name="${name}">`, '        <xs:sequence>'];
  if (def.kind === 'complex') {
    for (const member of def.members) out.push(memberElement(member, '          '));
  } else {
    const nillable = def.itemNillable ? ' nillable="true"' : '';
    out.push(`          <xs:element minOccurs="0" maxOccurs="unbounded" name="${def.itemName}"${nillable} ` +
      `type="${typeQName(def.itemType)}" />`);
  }
  out.push('        </xs:sequence>', '      </xs:complexType>');
  out.push(`      <xs:element name="${name}" nillable="true" type="${prefixOf(def.ns)}:${name}" />`);
  return out;
}

function typesSchema(ns: string, importNs: readonly string[]): string[] {
  const out = [schemaOpen(ns, '', importNs), ...imports(importNs)];
  const emittedEnums = new Set<string>();
  for (const name of Object.keys(DATA_TYPES) as DataTypeName[]) {
    const def = DATA_TYPES[name];
    if (def.ns !== ns) continue;
    out.push(...dataType(name, def));
    // An enum follows the first type that uses it, as the server's schema orders them.
    if (def.kind === 'complex') {
      for (const member of def.members) {
        if (Object.prototype.hasOwnProperty.call(ENUMS, member.type) && !emittedEnums.has(member.type)) {
          emittedEnums.add(member.type);
          out.push(...enumType(member.type as EnumTypeName));
        }
      }
    }
  }
  if (ns === NS.dataContracts) {
    for (const name of Object.keys(ENUMS) as EnumTypeName[]) if (!emittedEnums.has(name)) out.push(...enumType(name));
  }
  out.push('    </xs:schema>');
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Faults: typed WCF faults are empty data contracts; InvalidDataException is a serialized System exception.

function faultsSchema(): string[] {
  const p = prefixOf(NS.faults);
  const out = [schemaOpen(NS.faults, '', [])];
  for (const name of Object.keys(FAULTS) as FaultName[]) {
    if (FAULTS[name].ns !== NS.faults) continue;
    out.push(
      `      <xs:complexType name="${name}">`,
      '        <xs:sequence />',
      '      </xs:complexType>',
      `      <xs:element name="${name}" nillable="true" type="${p}:${name}" />`,
    );
  }
  out.push('    </xs:schema>');
  return out;
}

function systemIOSchema(): string[] {
  const sio = prefixOf(NS.systemIO);
  const sys = prefixOf(NS.system);
  return [
    schemaOpen(NS.systemIO, '', [NS.system]),
    ...imports([NS.system]),
    '      <xs:complexType name="InvalidDataException">',
    '        <xs:complexContent mixed="false">',
    `          <xs:extension base="${sys}:SystemException" />`,
    '        </xs:complexContent>',
    '      </xs:complexType>',
    `      <xs:element name="InvalidDataException" nillable="true" type="${sio}:InvalidDataException" />`,
    '    </xs:schema>',
  ];
}

function systemSchema(): string[] {
  const sys = prefixOf(NS.system);
  const ser = prefixOf(NS.serialization);
  // A .NET exception is an ISerializable: any unqualified children (ClassName, Message ...) and a FactoryType.
  return [
    schemaOpen(NS.system, '', [NS.serialization]),
    ...imports([NS.serialization]),
    '      <xs:complexType name="SystemException">',
    '        <xs:complexContent mixed="false">',
    `          <xs:extension base="${sys}:Exception" />`,
    '        </xs:complexContent>',
    '      </xs:complexType>',
    `      <xs:element name="SystemException" nillable="true" type="${sys}:SystemException" />`,
    '      <xs:complexType name="Exception">',
    '        <xs:sequence>',
    '          <xs:any minOccurs="0" maxOccurs="unbounded" namespace="##local" processContents="skip" />',
    '        </xs:sequence>',
    `        <xs:attribute ref="${ser}:FactoryType" />`,
    '      </xs:complexType>',
    `      <xs:element name="Exception" nillable="true" type="${sys}:Exception" />`,
    '    </xs:schema>',
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Messages, portType, binding, service.

/** The WSDL fault name WCF derives from a detail type: `<DetailName>Fault` (InvalidUserFaultFault ...). */
export function wsdlFaultName(fault: FaultName): string {
  return `${fault}Fault`;
}

function messageName(op: OperationDef, kind: 'InputMessage' | 'OutputMessage'): string {
  return `${PORT_TYPE_NAME}_${op.name}_${kind}`;
}

function faultMessageName(op: OperationDef, fault: FaultName): string {
  return `${PORT_TYPE_NAME}_${op.name}_${wsdlFaultName(fault)}_FaultMessage`;
}

function messages(): string[] {
  const out: string[] = [];
  for (const name of OPERATION_NAMES) {
    const op = OPERATIONS[name];
    out.push(
      `  <wsdl:message name="${messageName(op, 'InputMessage')}">`,
      `    <wsdl:part name="parameters" element="tns:${op.name}" />`,
      '  </wsdl:message>',
      `  <wsdl:message name="${messageName(op, 'OutputMessage')}">`,
      `    <wsdl:part name="parameters" element="tns:${op.name}Response" />`,
      '  </wsdl:message>',
    );
    for (const fault of op.faults) {
      out.push(
        `  <wsdl:message name="${faultMessageName(op, fault)}">`,
        `    <wsdl:part name="detail" element="${prefixOf(FAULTS[fault].ns)}:${fault}" />`,
        '  </wsdl:message>',
      );
    }
  }
  return out;
}

function portType(): string[] {
  const base = `${NS.tempuri}${PORT_TYPE_NAME}/`;
  const out = [`  <wsdl:portType name="${PORT_TYPE_NAME}">`];
  for (const name of OPERATION_NAMES) {
    const op = OPERATIONS[name];
    out.push(
      `    <wsdl:operation name="${op.name}">`,
      `      <wsdl:input wsam:Action="${soapAction(op.name)}" message="tns:${messageName(op, 'InputMessage')}" />`,
      `      <wsdl:output wsam:Action="${base}${op.name}Response" message="tns:${messageName(op, 'OutputMessage')}" />`,
    );
    for (const fault of op.faults) {
      const f = wsdlFaultName(fault);
      out.push(`      <wsdl:fault wsam:Action="${base}${op.name}${f}" name="${f}" message="tns:${faultMessageName(op, fault)}" />`);
    }
    out.push('    </wsdl:operation>');
  }
  out.push('  </wsdl:portType>');
  return out;
}

function binding(): string[] {
  const out = [
    `  <wsdl:binding name="${BINDING_NAME}" type="tns:${PORT_TYPE_NAME}">`,
    `    <soap:binding transport="${HTTP_TRANSPORT}" />`,
  ];
  for (const name of OPERATION_NAMES) {
    const op = OPERATIONS[name];
    out.push(
      `    <wsdl:operation name="${op.name}">`,
      `      <soap:operation soapAction="${soapAction(op.name)}" style="document" />`,
      '      <wsdl:input>',
      '        <soap:body use="literal" />',
      '      </wsdl:input>',
      '      <wsdl:output>',
      '        <soap:body use="literal" />',
      '      </wsdl:output>',
    );
    for (const fault of op.faults) {
      const f = wsdlFaultName(fault);
      out.push(
        `      <wsdl:fault name="${f}">`,
        `        <soap:fault use="literal" name="${f}" namespace="" />`,
        '      </wsdl:fault>',
      );
    }
    out.push('    </wsdl:operation>');
  }
  out.push('  </wsdl:binding>');
  return out;
}

function render(endpoint: string): string {
  const rootNs = [
    `xmlns:wsdl="${WSDL_NS}"`,
    `xmlns:soap="${SOAP_BINDING_NS}"`,
    `xmlns:wsam="${WSAM_NS}"`,
    `xmlns:xs="${NS.xs}"`,
    ...Object.keys(PREFIX).map((ns) => `xmlns:${PREFIX[ns]}="${ns}"`),
  ];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<wsdl:definitions ${rootNs.join(' ')} name="${SERVICE_NAME}" targetNamespace="${NS.tempuri}">`,
    '  <wsdl:types>',
    ...tempuriSchema(),
    ...serializationSchema(),
    ...typesSchema(NS.dataContracts, [NS.serialization, NS.arrays]),
    ...faultsSchema(),
    ...systemIOSchema(),
    ...systemSchema(),
    ...typesSchema(NS.arrays, []),
    '  </wsdl:types>',
    ...messages(),
    ...portType(),
    ...binding(),
    `  <wsdl:service name="${SERVICE_NAME}">`,
    `    <wsdl:port name="${PORT_NAME}" binding="tns:${BINDING_NAME}">`,
    `      <soap:address location="${escapeAttribute(endpoint)}" />`,
    '    </wsdl:port>',
    '  </wsdl:service>',
    '</wsdl:definitions>',
    '',
  ].join('\n');
}

const cache = new Map<string, string>();

/**
 * The service's WSDL as one self-contained document whose `<soap:address>` is `endpoint` (the full URL of the
 * service, e.g. `http://127.0.0.1:12615/OpenMediaService`). Deterministic: the same endpoint gives the same string.
 */
export function buildWsdl(endpoint: string): string {
  let wsdl = cache.get(endpoint);
  if (wsdl === undefined) {
    wsdl = render(endpoint);
    if (cache.size > 64) cache.clear();
    cache.set(endpoint, wsdl);
  }
  return wsdl;
}
