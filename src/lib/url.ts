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
 * when WHATWG reads user info there and the result has none left. When WHATWG cannot parse the text at all (a URL
 * being typed, `http://usr:pw@` and no host yet; a host WHATWG refuses), it is cut by hand after the authority's
 * last '@', if what follows has no '\' (then every parser agrees where the user info ends). Otherwise (WHATWG reads
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

/**
 * The authority of `s` (squeezed) by the conservative reading (see the top of the file): where it starts, where it
 * ends, and its last '@' (-1: none, no user info).
 */
function authorityOf(s: string): { start: number; end: number; at: number } {
  const scheme = SCHEME.exec(s);
  let start = scheme ? scheme[0].length : 0;
  while (start < s.length && (s[start] === '/' || s[start] === '\\')) start++;
  let end = start;
  let at = -1;
  for (; end < s.length; end++) {
    const c = s[end];
    if (c === '/' || c === '?' || c === '#') break;
    if (c === '@') at = end;
  }
  return { start, end, at };
}

/** Does any URL parser read user info from `text`? */
export function hasUserInfo(text: string): boolean {
  return authorityOf(squeezed(String(text))).at >= 0;
}

/**
 * `text` without its user info: `{ url, had }`. `had` false: `url` is `text` itself, untouched. `had` true: `url` is
 * the cleaned URL, or '' when the text cannot be cut safely (see the top of the file).
 */
export function withoutUserInfo(text: string): { url: string; had: boolean } {
  const s = squeezed(String(text));
  const { start, end, at } = authorityOf(s);
  if (at < 0) return { url: text, had: false };
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
    if (!hasUserInfo(cleaned)) return { url: cleaned, had: true };
  }
  if (!parsed && !s.slice(at + 1, end).includes('\\')) return { url: s.slice(0, start) + s.slice(at + 1), had: true };
  return { url: '', had: true };
}
