'use strict';
/*
 * Spellings of an om-server URL, for the tests of user info in URLs (lib/url.ts in the runtime, the same rules in
 * nodes/om-server.html): each WITH has its own user name and password, so a test can tell which one leaked.
 *
 *   WITH     [{ name, url, user, password }]  a URL parser reads user info from each (WHATWG, Node's legacy
 *            url.parse or an RFC 3986 parser)
 *   WITHOUT  [url]                            no parser reads user info from these; they stay as they are
 *   userInfoFindings(url)  what of user info any parser here reads from `url` ([] when none)
 */
const legacy = require('url');

const WITH = [
    ['plain', 'http://usrA1:PwPlainA1@127.0.0.1:9/OpenMediaService'],
    ['no slashes after the scheme', 'http:usrB2:PwNoSlashB2@127.0.0.1:9/OpenMediaService'],
    ['one slash', 'http:/usrC3:PwOneSlashC3@127.0.0.1:9/OpenMediaService'],
    ['three slashes', 'http:///usrD4:PwThreeD4@127.0.0.1:9/OpenMediaService'],
    ['backslashes', 'http:\\\\usrE5:PwBackslE5@127.0.0.1:9/OpenMediaService'],
    ['a slash and a backslash', 'http:/\\usrF6:PwMixedF6@127.0.0.1:9/OpenMediaService'],
    ['a tab inside the scheme', 'ht\ttp://usrG7:PwTabG7@127.0.0.1:9/OpenMediaService'],
    ['a line break inside the password', 'http://usrH8:PwNew\nlH8@127.0.0.1:9/OpenMediaService'],
    ['a control character before the scheme', '\u0001http://usrI9:PwLeadC0I9@127.0.0.1:9/OpenMediaService'],
    ['spaces and a control character after it', 'http://usrJ10:PwTrailJ10@127.0.0.1:9/OpenMediaService \u0000'],
    ['upper-case scheme', 'HTTPS://usrK11:PwUpperK11@127.0.0.1:9/OpenMediaService'],
    ['a user name only', 'http://usrL12@127.0.0.1:9/OpenMediaService'],
    ['an @ percent-encoded in the password', 'http://usrM13:Pw%40EncM13@127.0.0.1:9/OpenMediaService'],
    ['two @', 'http://usrN14:PwTwoN14@x@127.0.0.1:9/OpenMediaService'],
    ['an @ after a backslash (RFC 3986 reads user info, WHATWG a path)', 'http://usrO15\\@PwBackAtO15.example/OpenMediaService'],
    ['no scheme', 'usrP16:PwNoSchemeP16@127.0.0.1:9/OpenMediaService'],
    ['another scheme', 'ftp://usrQ17:PwFtpQ17@127.0.0.1:9/OpenMediaService'],
    ['an IPv6 host', 'http://usrR18:PwIpv6R18@[::1]:9/OpenMediaService'],
    ['a host WHATWG refuses', 'http://usrS19:PwBadHostS19@exa mple/OpenMediaService'],
].map(([name, url]) => {
    const m = /(usr[A-Z]\d+)(?::|\\@)?(Pw[A-Za-z%0-9\n]+)?/.exec(url);
    return { name, url, user: m[1], password: m[2] ? m[2].replace('%40', '@').replace('\n', '') : undefined };
});

const WITHOUT = [
    'http://127.0.0.1:12615/OpenMediaService',
    'https://micc.example.com:12615/OpenMediaService',
    'http://micc-host:12615/OpenMediaService?q=a@b',
    'http://micc-host:12615/path@x/OpenMediaService',
    'http://micc-host:12615/OpenMediaService#a@b',
    'http://[::1]:12615/OpenMediaService',
    '${OM_SERVER_URL}',
    '',
];

/** What user info WHATWG, Node's legacy parser, or an RFC 3986 reading (authority up to / ? #) finds in `url`. */
function userInfoFindings(url) {
    const out = [];
    try {
        const u = new URL(url);
        if (u.username || u.password) out.push(`WHATWG: ${u.username}:${u.password}`);
    } catch { /* not a URL to WHATWG */ }
    try {
        const u = legacy.parse(url);
        if (u.auth) out.push(`url.parse: ${u.auth}`);
    } catch { /* not a URL to url.parse */ }
    const rfc = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?[/\\]*([^/?#]*)/.exec(url.replace(/[\t\n\r]/g, '').trim());
    if (rfc && rfc[1].includes('@')) out.push(`RFC 3986: ${rfc[1]}`);
    return out;
}

module.exports = { WITH, WITHOUT, userInfoFindings };
