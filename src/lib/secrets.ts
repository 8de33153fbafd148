/**
 * Keeps the configured LogonID and Password out of every text an error shows. Used by errors.ts only (the one place
 * that turns what a server or the transport says into error text).
 *
 * What counts as showing a secret: the whole LogonID, or any 4 consecutive characters (a "window") of the password,
 * compared without regard to case (a server may upper-case what it echoes, and Windows logon names are
 * case-insensitive). A secret of 1 to 3 characters is matched whole. Text that came from the server is searched in
 * every form a server plausibly writes back what it was sent:
 *  - as it is;
 *  - split by markup: comments, CDATA section boundaries, processing instructions and tags removed (`pa<!---->ss`,
 *    `pa]]><![CDATA[ss`, `<a>pa</a><b>ss</b>`), also with the whitespace between the pieces removed;
 *  - escaped: the five XML entities and character references (`&amp;`, `&#x41;`, `&#65;`, also escaped twice),
 *    JSON / JavaScript escapes (`\u0041`, `\x41`, `\"`), percent-encoding (`%41`, `+` for a space);
 *  - base64 (and base64url), at every alignment, also folded over several lines: what a server does with an
 *    `Authorization: Basic` value or a "logon:password" string it logs;
 *  - UTF-8 read as Latin-1 (an HTTP reason phrase carrying the password's UTF-8 bytes reaches Node as Latin-1);
 *  - hexadecimal bytes (`547230`, `54 72 30`, `54:72:30`), read as UTF-8 and as Latin-1;
 *  - split by characters nobody sees (Unicode format characters, \p{Cf}: zero-width spaces and joiners, soft
 *    hyphens, direction marks; Hangul fillers) or dressed with combining marks (\p{M} after NFD: `p\u0301a...`);
 *  - Unicode compatibility-normalised (NFKC), for a server that normalises text.
 * The secrets themselves are looked for in the forms a shown text could give them too: with their control characters
 * and runs of whitespace as errors.ts prints them (a LogonID with a tab or two spaces), without combining marks.
 * Encrypted or hashed forms are out of reach, and so is a password echoed in pieces of 3 characters or fewer with
 * other text between them (that is no longer a 4-character fragment: `T.r.0.u.b`), or reversed.
 *
 * One operation, `mentions(text)`: does the text show a secret in any of those forms? Server text that does is
 * withheld as a whole (errors.ts), never shown with holes, and nothing else is masked: our own words and the host
 * are predictable (or typed by the user), so a hole in them would tell which characters the secret has (review r1:
 * `Nothing answers at 127.0.0.1:***5` told a password of '1261').
 */

/** Windows of this many characters (code points) of the password may not appear. */
export const WINDOW = 4;

/** Case folding that keeps the string's length (position i of the result is position i of the input). */
function fold(text: string): string {
  const lower = text.toLowerCase();
  // The common case: no character changes length (position i stays position i).
  if (lower.length === text.length) return lower;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const lower = c.toLowerCase();
    out += lower.length === 1 ? lower : c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Views: the text as a reader could decode it.

const MARKUP = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[|\]\]>|<\?[\s\S]*?(?:\?>|$)|<\/?[A-Za-z_:][^<>]*>/g;
const ENTITY = /&(?:#[xX]([0-9A-Fa-f]{1,6});?|#([0-9]{1,7});?|(lt|gt|amp|quot|apos);)/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const JS_ESCAPE = /\\(?:[uU]\{([0-9A-Fa-f]{1,6})\}|[uU]([0-9A-Fa-f]{4})|[xX]([0-9A-Fa-f]{2})|(["'\\/]))/g;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{6,}/g;
/** Four or more hexadecimal bytes in a row, each maybe followed by one separator (space, ':', '.', '-'). */
const HEX_RUN = /(?:[0-9A-Fa-f]{2}[ :.-]?){4,}/g;
/** Characters nobody sees: format characters (\p{Cf}), Hangul fillers. */
const INVISIBLE = /[\p{Cf}\u115F\u1160\u3164\uFFA0]/gu;
const MARKS = /\p{M}/gu;

function fromCodePoint(code: number): string {
  return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_m, hex?: string, dec?: string, name?: string) =>
    hex !== undefined ? fromCodePoint(parseInt(hex, 16)) : dec !== undefined ? fromCodePoint(parseInt(dec, 10)) : NAMED[name as string]);
}

function decodeJsEscapes(text: string): string {
  return text.replace(JS_ESCAPE, (_m, brace?: string, u4?: string, x2?: string, plain?: string) =>
    brace !== undefined ? fromCodePoint(parseInt(brace, 16)) : u4 !== undefined ? String.fromCharCode(parseInt(u4, 16))
      : x2 !== undefined ? String.fromCharCode(parseInt(x2, 16)) : (plain as string));
}

function decodePercent(text: string): string {
  return text.replace(/\+/g, ' ').replace(PERCENT_RUN, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    const utf8 = bytes.toString('utf8');
    // Not UTF-8 (a replacement character appeared): read the bytes as Latin-1 instead.
    return utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
  });
}

/** Every escape a reader could undo, applied until nothing changes (bounded: text escaped twice is common). */
function unescapeAll(text: string): string {
  let out = text;
  for (let round = 0; round < 4; round++) {
    const next = decodePercent(decodeJsEscapes(decodeEntities(out)));
    if (next === out) break;
    out = next;
  }
  return out;
}

/** The bytes of every base64-looking run, decoded at each of the four alignments, as UTF-8 and as Latin-1. */
function base64Views(text: string): string[] {
  const out: string[] = [];
  const runs = text.replace(/\s+/g, '').match(BASE64_RUN) ?? [];
  for (const run of runs) {
    for (let offset = 0; offset < 4 && run.length - offset >= 6; offset++) {
      const part = run.slice(offset);
      const bytes = Buffer.from(part.slice(0, part.length - (part.length % 4 === 1 ? 1 : 0)), 'base64');
      const utf8 = bytes.toString('utf8');
      out.push(utf8);
      // Bytes that are not UTF-8 (a Latin-1 password): read them as Latin-1 too.
      if (utf8.includes('\uFFFD')) out.push(bytes.toString('latin1'));
    }
  }
  return out;
}

/** The bytes of every hexadecimal run (without its separators; at both alignments when it has none), as text. */
function hexViews(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(HEX_RUN) ?? []) {
    const digits = run.replace(/[ :.-]/g, '');
    for (let offset = 0; offset < (digits.length === run.length ? 2 : 1); offset++) {
      const bytes = Buffer.from(digits.slice(offset, digits.length - ((digits.length - offset) % 2)), 'hex');
      const utf8 = bytes.toString('utf8');
      out.push(utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8);
    }
  }
  return out;
}

/** `text` without what nobody sees: format characters, and combining marks (after splitting them off, NFD). */
function unseen(text: string): string {
  const visible = text.replace(INVISIBLE, '');
  return /[^\u0000-\u007f]/.test(visible) ? visible.normalize('NFD').replace(MARKS, '') : visible;
}

/** The forms of `text` a reader could see (see the top of the file). Each is case-folded. */
function views(text: string): string[] {
  const stripped = text.replace(MARKUP, '');
  const decoded = unescapeAll(text);
  const decodedStripped = unescapeAll(stripped).replace(MARKUP, '');
  const list = [text, stripped, decoded, decodedStripped, decodedStripped.replace(/\s+/g, '')];
  // Latin-1 text that is really UTF-8 (the reason phrase of an HTTP answer).
  if (/[\u0080-\u00ff]/.test(text) && !/[^\u0000-\u00ff]/.test(text)) list.push(Buffer.from(text, 'latin1').toString('utf8'));
  list.push(...base64Views(text), ...base64Views(decodedStripped), ...hexViews(decodedStripped));
  const out = new Set<string>();
  for (const v of list) {
    out.add(fold(v));
    if (/[^\u0000-\u007f]/.test(v)) {
      out.add(fold(v.normalize('NFKC')));
      out.add(fold(unseen(v)));
      out.add(fold(unseen(v).normalize('NFKC')));
    }
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------------------------

/** The LogonID and Password an error text must never show. */
export interface Credentials {
  logonId?: string;
  password?: string;
}

/**
 * A secret as a shown text could carry it: control characters and runs of whitespace as errors.ts prints them
 * (one space), and without whitespace at all (a view removes it).
 */
function shownForms(secret: string): string[] {
  const spaced = secret.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/ {2,}/g, ' ').trim();
  return [secret, spaced, secret.replace(/\s+/g, '')];
}

/** What may not appear: the password's windows and whole short secrets, case-folded (and NFKC, unmarked forms). */
function needlesOf(credentials: Credentials): string[] {
  const out = new Set<string>();
  const add = (s: string): void => {
    if (s) out.add(fold(s));
    if (/[^\u0000-\u007f]/.test(s)) {
      out.add(fold(s.normalize('NFKC')));
      if (unseen(s) !== '') out.add(fold(unseen(s)));
    }
  };
  const logonId = credentials.logonId ?? '';
  for (const form of new Set(logonId ? shownForms(logonId) : [])) if (form) add(form);
  const password = credentials.password ?? '';
  for (const form of new Set(password ? shownForms(password) : [])) {
    const chars = Array.from(form);
    if (chars.length === 0) continue;
    if (chars.length <= WINDOW) {
      add(form);
      continue;
    }
    for (let i = 0; i + WINDOW <= chars.length; i++) add(chars.slice(i, i + WINDOW).join(''));
  }
  return [...out].filter((s) => s.length > 0);
}

export class SecretScrubber {
  private readonly needles: string[];

  constructor(credentials: Credentials = {}) {
    this.needles = needlesOf(credentials);
  }

  /** True when there is nothing to hide. */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** Does `text` show a secret in any form a reader could decode (see the top of the file)? */
  mentions(text: string): boolean {
    if (this.empty || !text) return false;
    for (const view of views(text)) {
      for (const needle of this.needles) if (view.includes(needle)) return true;
    }
    return false;
  }

}

/** A scrubber with nothing to hide. */
export const NO_SECRETS = new SecretScrubber();
