/**
 * User info (`user:password@`) in an om-server URL: found however the URL is spelled, and removed.
 *
 * The property: no spelling of a URL from which any URL parser would read user info is kept, saved or shown. URL
 * parsers do not agree (WHATWG, what Node and browsers use, Node's legacy url.parse, RFC 3986 parsers), so the
 * decision is conservative: the text is read as WHATWG reads it before the authority (tabs and line breaks anywhere
 * dropped, C0 controls and spaces at either end trimmed; any run of '/' and '\' after the scheme skipped, which is
 * also how `http:host` and `http:/host` get an authority), and the authority is taken to end only at the first '/',
 * '?' or '#' (not at '\', where WHATWG ends it but an RFC 3986 parser does not). An '@' anywhere in it means user
 * info. Text without a scheme is read the same way from its start.
 *
 * The cleaned URL is WHATWG's own reading with its user info removed (`http:usr:pw@host/x` -> `http://host/x`),
 * when WHATWG reads user info there and the result has none left; otherwise (WHATWG cannot parse it, or reads
 * another authority than the conservative reading: `http://host\@evil/`) the text cannot be cut safely and the
 * whole value is dropped (''): the user types the URL again.
 *
 * The om-server dialog (nodes/om-server.html) does the same in the browser, with the same rules; a test runs both
 * over the same spellings.
 */

/** Characters WHATWG drops anywhere, and those it trims at either end. */
function isTabOrNewline(c: number): boolean {
  return c === 9 || c === 10 || c === 13;
}

/** `text` as WHATWG reads it before parsing: tabs and line breaks removed, C0 controls and spaces trimmed. */
function squeezed(text: string): string {
  let s = '';
  for (let i = 0; i < text.length; i++) if (!isTabOrNewline(text.charCodeAt(i))) s += text[i];
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** True when the conservative reading (see the top of the file) finds an '@' in the authority of `s` (squeezed). */
function authorityHasAt(s: string): boolean {
  const scheme = SCHEME.exec(s);
  let i = scheme ? scheme[0].length : 0;
  while (i < s.length && (s[i] === '/' || s[i] === '\\')) i++;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '/' || c === '?' || c === '#') return false;
    if (c === '@') return true;
  }
  return false;
}

/** Does any URL parser read user info from `text`? */
export function hasUserInfo(text: string): boolean {
  return authorityHasAt(squeezed(String(text)));
}

/**
 * `text` without its user info: `{ url, had }`. `had` false: `url` is `text` itself, untouched. `had` true: `url` is
 * the cleaned URL, or '' when the text cannot be cut safely (see the top of the file).
 */
export function withoutUserInfo(text: string): { url: string; had: boolean } {
  const s = squeezed(String(text));
  if (!authorityHasAt(s)) return { url: text, had: false };
  let parsed: URL | undefined;
  try {
    parsed = new URL(s);
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.username || parsed.password)) {
    parsed.username = '';
    parsed.password = '';
    const cleaned = parsed.href;
    if (!authorityHasAt(cleaned)) return { url: cleaned, had: true };
  }
  return { url: '', had: true };
}
