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
 *  - Unicode compatibility-normalised (NFKC), for a server that normalises text.
 * Encrypted or hashed forms are out of reach, and so is a password echoed in pieces of 3 characters or fewer with
 * other text between them (that is no longer a 4-character fragment).
 *
 * Two operations:
 *  - `mentions(text)`: does the text show a secret in any of those forms? Server text that does is withheld as a
 *    whole (errors.ts), never shown with holes: a hole in a predictable text would tell which fragment it was.
 *  - `mask(text)`: every raw window (and LogonID) in `text` replaced with `***`. The last step for every error text,
 *    so that our own words, the host and a boundary between our text and a quote cannot show a fragment either.
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
const JS_ESCAPE = /\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|(["'\\/]))/g;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{6,}/g;

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

/** The forms of `text` a reader could see (see the top of the file). Each is case-folded. */
function views(text: string): string[] {
  const stripped = text.replace(MARKUP, '');
  const decoded = unescapeAll(text);
  const decodedStripped = unescapeAll(stripped).replace(MARKUP, '');
  const list = [text, stripped, decoded, decodedStripped, decodedStripped.replace(/\s+/g, '')];
  // Latin-1 text that is really UTF-8 (the reason phrase of an HTTP answer).
  if (/[\u0080-\u00ff]/.test(text) && !/[^\u0000-\u00ff]/.test(text)) list.push(Buffer.from(text, 'latin1').toString('utf8'));
  list.push(...base64Views(text), ...base64Views(decodedStripped));
  const out = new Set<string>();
  for (const v of list) {
    out.add(fold(v));
    if (/[^\u0000-\u007f]/.test(v)) out.add(fold(v.normalize('NFKC')));
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------------------------

/** The LogonID and Password an error text must never show. */
export interface Credentials {
  logonId?: string;
  password?: string;
}

/** What may not appear: the password's windows and whole short secrets, case-folded (and NFKC forms). */
function needlesOf(credentials: Credentials): string[] {
  const out = new Set<string>();
  const add = (s: string): void => {
    if (s) out.add(fold(s));
    if (/[^\u0000-\u007f]/.test(s)) out.add(fold(s.normalize('NFKC')));
  };
  const logonId = credentials.logonId ?? '';
  if (logonId) add(logonId);
  const password = credentials.password ?? '';
  for (const form of new Set([password, password.replace(/\s+/g, '')])) {
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

/**
 * What replaces a hidden run: the first of these whose characters appear in no needle, so the replacement can never
 * complete a window with the characters around it (and one pass of mask() is enough).
 */
const MASKS = ['***', '###', '~~~', '\u2026', '\u2591\u2591\u2591', '[hidden]'];

export class SecretScrubber {
  private readonly needles: string[];
  private readonly replacement: string;

  constructor(credentials: Credentials = {}) {
    this.needles = needlesOf(credentials);
    const used = new Set(this.needles.join(''));
    this.replacement = MASKS.find((m) => ![...fold(m)].some((c) => used.has(c))) ?? '';
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

  /** `text` with every raw (case-folded) occurrence of a secret's window replaced by `***` (see MASKS). */
  mask(text: string): string {
    if (this.empty || !text) return text;
    const folded = fold(text);
    const hidden = new Uint8Array(text.length);
    let any = false;
    for (const needle of this.needles) {
      for (let at = folded.indexOf(needle); at >= 0; at = folded.indexOf(needle, at + 1)) {
        hidden.fill(1, at, at + needle.length);
        any = true;
      }
    }
    if (!any) return text;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (!hidden[i]) out += text[i];
      else if (i === 0 || !hidden[i - 1]) out += this.replacement;
    }
    // Only when every replacement shares a character with the password: removing the run may join two pieces.
    return this.replacement === '' ? this.mask(out) : out;
  }
}

/** A scrubber with nothing to hide. */
export const NO_SECRETS = new SecretScrubber();
