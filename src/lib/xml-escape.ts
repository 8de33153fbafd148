/**
 * The one XML escaper of the pack (client envelopes and headers, the WSDL, the simulator's answers, the scrubbing
 * of echoed secrets): the five XML specials become entities, which is right both for character data and for
 * attribute values in double or single quotes.
 */
const SPECIALS = /[&<>"']/;
const SPECIALS_ALL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  // Most values have nothing to escape: test first, so the common case allocates nothing.
  return SPECIALS.test(text) ? text.replace(SPECIALS_ALL, (c) => ENTITY[c]) : text;
}
