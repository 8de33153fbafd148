/**
 * The one XML escaper of the pack (client envelopes and headers, the WSDL, the simulator's answers): the five XML specials become entities, and a carriage return becomes `&#13;`: a reader
 * normalises a raw CR (and CR LF) to LF in character data and to a space in an attribute value, so text sent with
 * one would arrive changed ("a\r\nb" stored as "a\nb"). Right for character data and for attribute values in
 * double or single quotes; an attribute value whose tabs and line feeds must survive too goes through
 * escapeAttribute (a reader turns those into spaces there).
 */
const SPECIALS = /[&<>"'\r]/;
const SPECIALS_ALL = /[&<>"'\r]/g;
const ATTRIBUTE_SPECIALS = /[&<>"'\r\n\t]/;
const ATTRIBUTE_SPECIALS_ALL = /[&<>"'\r\n\t]/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;',
};

export function escapeXml(text: string): string {
  // Most values have nothing to escape: test first, so the common case allocates nothing.
  return SPECIALS.test(text) ? text.replace(SPECIALS_ALL, (c) => ENTITY[c]) : text;
}

/** An attribute value: escapeXml, and tabs and line feeds as references too. */
export function escapeAttribute(text: string): string {
  return ATTRIBUTE_SPECIALS.test(text) ? text.replace(ATTRIBUTE_SPECIALS_ALL, (c) => ENTITY[c]) : text;
}
