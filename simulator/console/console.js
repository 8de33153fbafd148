/*
 * The simulator console (served by the simulator at /console). Plain browser JavaScript, no build step, no library.
 *
 * What it does: listens to GET /control/stream (server-sent events; each "update" carries the whole bounded state
 * and the status events since the last update), draws service groups with their queues, agents with what they
 * hold, and the event log, and turns every click into a POST to the control API: same origin, a JSON body and
 * Content-Type application/json every time (the control API refuses anything else), so the protection in front of
 * the control API applies as it does to any client (with authentication on, the browser asks for the user once).
 *
 * Everything the simulator holds is user text (IVR info, private data, names): it only ever reaches the page as
 * textContent or an attribute value, never as HTML, and each piece of it shown in the page sits in its own <bdi>
 * (u() below): a right-to-left override or an unclosed embedding in one name cannot turn the text around it.
 *
 * One stream per browser: the tabs of one browser share it (a browser opens at most 6 connections to a host, and
 * a server-sent event stream holds one for as long as the page is open). The tab holding the Web Lock
 * "openmedia-console-stream" opens the stream and passes every update on over a BroadcastChannel; the others
 * listen, and when that tab closes the next one takes the lock and the stream over. Without Web Locks (a page
 * served over plain http to another machine is not a secure context) each tab opens its own stream. When the
 * simulator refuses a stream (it serves 8), the page says why and tries again after the time it asks for.
 */
(function () {
    'use strict';

    var EVENT_LOG_MAX = 200;

    var state = null;
    var serverFacts = null;
    var events = [];
    var skippedEvents = 0;
    var renderSeq = 0;
    // The simulator's time: with a real clock Date.now() + offset (it may be anywhere in time); a manual clock
    // stands still between updates.
    var clockOffset = 0;
    // What each panel was last drawn from: an update that changes nothing there leaves it alone (a click on a
    // button is never lost to a redraw that changes nothing).
    var drawn = { groups: '', agents: '', log: -1 };

    // ---- small DOM helpers: text only --------------------------------------------------------------------------

    function $(id) { return document.getElementById(id); }

    /** An element with attributes (set as attribute values) and children (strings become text nodes). */
    function h(tag, attrs) {
        var node = document.createElement(tag);
        if (attrs) {
            Object.keys(attrs).forEach(function (k) {
                var v = attrs[k];
                if (v === undefined || v === null || v === false) return;
                if (k === 'text') node.textContent = String(v);
                else node.setAttribute(k, v === true ? '' : String(v));
            });
        }
        for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
        return node;
    }

    /** User text, isolated for bidirectional layout (its direction from its own first strong character). */
    function u(text) {
        return h('bdi', null, String(text));
    }

    /** Nodes of `items`, each made by fn, with ", " between them. */
    function joined(items, fn) {
        var out = [];
        items.forEach(function (it, i) {
            if (i) out.push(', ');
            out.push(fn(it));
        });
        return out;
    }

    function append(node, child) {
        if (child === undefined || child === null || child === false) return;
        if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
        node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }

    function button(label, key, action, opts) {
        var o = opts || {};
        var b = h('button', { type: 'button', 'data-key': key, 'aria-label': o.aria, title: o.title, class: o.cls }, label);
        b.addEventListener('click', function () { run(b, action); });
        return b;
    }

    // ---- talking to the control API ----------------------------------------------------------------------------

    function post(path, body) {
        return call('POST', path, body);
    }

    function call(method, path, body) {
        return fetch('/control' + path, {
            method: method,
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify(body || {}),
            credentials: 'same-origin',
            cache: 'no-store',
        }).then(function (res) {
            return res.text().then(function (text) {
                var json = null;
                try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
                if (!res.ok) throw new Error((json && json.error) || ('HTTP ' + res.status));
                return json;
            });
        });
    }

    /**
     * Runs a click's action once at a time per button; a refusal is shown, not thrown. The button is marked busy,
     * not disabled: a disabled button would lose the keyboard focus.
     */
    function run(btn, action) {
        if (btn) {
            if (btn.getAttribute('aria-disabled') === 'true') return;
            btn.setAttribute('aria-disabled', 'true');
        }
        showMessage('');
        Promise.resolve().then(action).catch(function (err) {
            showMessage(err && err.message ? err.message : String(err));
        }).then(function () {
            if (btn) btn.removeAttribute('aria-disabled');
        });
    }

    function showMessage(text) {
        var m = $('message');
        m.textContent = text;
        m.hidden = !text;
    }

    // ---- formatting --------------------------------------------------------------------------------------------

    function serverNow() {
        return state && state.clock === 'manual' ? Date.parse(state.time) : Date.now() + clockOffset;
    }

    function pad(n) { return n < 10 ? '0' + n : String(n); }

    function clockText(ms) {
        var d = new Date(ms);
        return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    }

    function duration(ms) {
        var s = Math.max(0, Math.floor(ms / 1000));
        if (s < 60) return s + ' s';
        var m = Math.floor(s / 60);
        if (m < 60) return m + ':' + pad(s % 60);
        return Math.floor(m / 60) + ' h ' + pad(m % 60);
    }

    function groupName(id) {
        var g = state && state.groups.find(function (x) { return x.id === id; });
        return g ? g.name : String(id);
    }

    /** A group by its name (user text), or its id when the simulator has no such group. */
    function groupView(id) {
        var g = state && state.groups.find(function (x) { return x.id === id; });
        return g ? u(g.name) : String(id);
    }

    /** An agent as "4001 (1001)": its logon id (user text) and record id. */
    function agentView(id) {
        var a = state && state.agents.find(function (x) { return x.id === id; });
        return a ? [u(a.logonId), ' (' + a.id + ')'] : String(id);
    }

    function ivrCell(items) {
        if (!items || !items.length) return h('td', { class: 'ivr muted' }, '-');
        return h('td', { class: 'ivr' }, items.map(function (it) {
            var text = (it.Label ? it.Label + ': ' : '') + (it.Data || '');
            return h('div', { title: text }, it.Label ? h('span', { class: 'label' }, u(it.Label), ': ') : null, u(it.Data || ''));
        }));
    }

    /** A cell whose text is the time since `iso` on the simulator's clock; kept current by tick(). */
    function waitingCell(iso) {
        var since = Date.parse(iso);
        return h('td', { class: 'num', 'data-since': since }, duration(serverNow() - since));
    }

    // ---- drawing ----------------------------------------------------------------------------------------------

    var OWNERS = ['data-request', 'data-agent', 'data-group'];

    /**
     * Replaces a container's children, keeping keyboard focus: on the control with the same data-key, else (the
     * control is gone, e.g. Answer became Complete) on the first button of the same request, agent or group.
     */
    function replace(container, children) {
        var active = document.activeElement;
        var inside = active && active !== document.body && container.contains(active);
        var key = inside ? active.getAttribute('data-key') : null;
        var owners = [];
        if (inside) {
            OWNERS.forEach(function (attr) {
                var owner = active.closest('[' + attr + ']');
                if (owner) owners.push('[' + attr + '="' + CSS.escape(owner.getAttribute(attr)) + '"]');
            });
        }
        container.replaceChildren.apply(container, [].concat(children));
        if (!inside) return;
        var again = key ? container.querySelector('[data-key="' + CSS.escape(key) + '"]') : null;
        for (var i = 0; !again && i < owners.length; i++) again = container.querySelector(owners[i] + ' button');
        if (again) again.focus();
    }

    function render() {
        var s = state;
        document.body.setAttribute('data-seq', String(renderSeq));
        document.body.setAttribute('data-next-id', String(s.nextOpenMediaID));
        $('scenario').replaceChildren.apply($('scenario'), s.name ? ['\u2014 ', u(s.name)] : []);
        $('clock-mode').textContent = s.clock === 'manual' ? 'manual clock' : 'clock';
        $('clock-controls').hidden = s.clock !== 'manual';

        $('router-state').textContent = s.routerConnected ? 'connected' : 'disconnected';
        $('router-state').className = s.routerConnected ? '' : 'badge bad';
        $('router-toggle').textContent = s.routerConnected ? 'Disconnect' : 'Reconnect';
        $('router-toggle').setAttribute('aria-label', s.routerConnected ? 'Disconnect the router' : 'Reconnect the router');
        $('license-state').textContent = s.license ? 'present' : 'missing';
        $('license-state').className = s.license ? '' : 'badge bad';
        $('license-toggle').textContent = s.license ? 'Remove' : 'Restore';
        $('license-toggle').setAttribute('aria-label', s.license ? 'Remove the licence' : 'Restore the licence');

        var f = serverFacts || { faults: [], held: 0 };
        var armed = f.faults.map(function (x) {
            return x.kind + (x.status ? ' ' + x.status : '') + (x.operation ? ' on ' + x.operation : '')
                + ' \u00d7' + (x.count === -1 ? '\u221e' : x.count);
        });
        $('fault-state').textContent = (armed.length ? 'armed: ' + armed.join(', ') : 'no fault armed')
            + (f.held ? '; ' + f.held + ' held' : '');
        $('held-release').hidden = !f.held;
        $('held-release').textContent = 'Release held (' + f.held + ')';
        ['router-toggle', 'license-toggle', 'restart', 'fault-arm', 'fault-clear'].forEach(function (id) { $(id).disabled = false; });

        var groupsKey = JSON.stringify([s.groups, s.tenants, s.agents.map(function (a) { return [a.id, a.logonId]; })]);
        if (groupsKey !== drawn.groups) { drawn.groups = groupsKey; renderGroups(s); }
        var agentsKey = JSON.stringify([s.agents, s.groups.map(function (g) { return [g.id, g.name]; })]);
        if (agentsKey !== drawn.agents) { drawn.agents = agentsKey; renderAgents(s); }
        if (drawn.log !== logVersion) { drawn.log = logVersion; renderLog(); }
        tick();
    }

    function renderGroups(s) {
        var tenants = {};
        s.tenants.forEach(function (t) { tenants[t.id] = t; });
        var cards = s.groups.map(function (g) {
            var tenant = tenants[g.tenantId];
            var badges = [
                g.open ? h('span', { class: 'badge ok' }, 'open') : h('span', { class: 'badge bad' }, 'closed'),
                tenant && !tenant.enabled ? h('span', { class: 'badge warn' }, 'tenant disabled') : null,
                g.openMedia ? null : h('span', { class: 'badge warn' }, 'not Open Media'),
            ];
            var title = h('h3', null, u(g.name), ' ', h('span', { class: 'muted' },
                '#' + g.id, tenant ? [' \u00b7 ', tenant.name ? u(tenant.name) : 'tenant ' + tenant.id] : null));
            var counts = h('span', { class: 'counts' },
                h('strong', null, String(g.waiting)), ' waiting \u00b7 ',
                h('strong', null, String(g.withAgents)), ' with agents \u00b7 ',
                g.agents.length + ' agent' + (g.agents.length === 1 ? '' : 's'),
                g.oldestQueueTime ? [' \u00b7 oldest ', h('strong', { 'data-since': Date.parse(g.oldestQueueTime) }, '')] : null);
            var toggle = button(g.open ? 'Close' : 'Open', 'group-' + g.id + '-toggle', function () {
                return post('/groups/' + g.id + (g.open ? '/close' : '/open'));
            }, { aria: (g.open ? 'Close ' : 'Open ') + 'group ' + g.name });
            var header = h('header', null, title, badges, counts, toggle);
            var body;
            if (!g.openMedia) body = null;
            else if (!g.queue.length) body = h('p', { class: 'empty' }, 'Queue empty');
            else body = queueTable(g);
            return h('article', {
                class: 'group' + (g.open ? '' : ' closed') + (g.openMedia ? '' : ' other'),
                'data-group': g.id, 'aria-label': 'Service group ' + g.name,
            }, header, body);
        });
        replace($('groups'), cards);
    }

    function queueTable(g) {
        var rows = g.queue.map(function (r, i) {
            var pref = r.PreferredAgentID ? [agentView(r.PreferredAgentID), r.ForceToPreferredAgent ? ' (forced)' : ''] : '-';
            return h('tr', { 'data-request': r.OpenMediaID },
                h('td', { class: 'num' }, String(i + 1)),
                h('td', { class: 'num' }, String(r.OpenMediaID)),
                ivrCell(r.IVRInfo),
                h('td', { class: 'private', title: r.PrivateData || '' }, r.PrivateData ? u(r.PrivateData) : '-'),
                h('td', { class: 'num' }, r.SessionPriority ? String(r.SessionPriority) : '-'),
                waitingCell(r.QueueTime),
                h('td', null, pref));
        });
        var more = g.waiting > g.queue.length
            ? h('tr', null, h('td', { colspan: 7, class: 'muted' }, '\u2026 and ' + (g.waiting - g.queue.length) + ' more'))
            : null;
        return h('div', { class: 'queue-wrap' }, h('table', { class: 'queue' },
            h('caption', { class: 'visually-hidden' }, 'Queue of ' + g.name),
            h('thead', null, h('tr', null,
                h('th', { scope: 'col', class: 'num' }, 'Pos'), h('th', { scope: 'col', class: 'num' }, 'ID'),
                h('th', { scope: 'col' }, 'IVR info'), h('th', { scope: 'col' }, 'Private data'),
                h('th', { scope: 'col', class: 'num' }, 'Priority'), h('th', { scope: 'col', class: 'num' }, 'Waiting'),
                h('th', { scope: 'col' }, 'Preferred agent'))),
            h('tbody', null, rows, more)));
    }

    /** A state shown as a badge, like a group's open/closed: what is true now, in words (never an action). */
    function badge(of, text, cls, title) {
        return h('span', { class: 'badge ' + cls, 'data-state-of': of, title: title }, text);
    }

    /**
     * An agent's row: its state in badges (logged on or off, ready or not, automatic or played by hand), and beside
     * them buttons that say what they do ("Log off", "Make ready", "Play by hand"): a state is never a button label.
     */
    function renderAgents(s) {
        var rows = s.agents.map(function (a) {
            var who = a.logonId + ' (' + a.id + ')';
            var auto = a.answerAfterSeconds !== null || a.completeAfterSeconds !== null;
            var byHand = a.manual || !auto;
            var autoText = 'answers after ' + (a.answerAfterSeconds === null ? '-' : a.answerAfterSeconds + ' s')
                + ', completes after ' + (a.completeAfterSeconds === null ? '-' : a.completeAfterSeconds + ' s');
            var states = h('div', { class: 'states' },
                a.loggedOn ? badge('logon', 'logged on', 'ok') : badge('logon', 'logged off', 'bad'),
                a.ready ? badge('ready', 'ready', 'ok') : badge('ready', 'not ready', 'warn'),
                byHand
                    ? badge('mode', 'by hand', 'info', auto ? 'You answer, complete or fail what it is offered' : 'The scenario gives this agent no automatic times')
                    : badge('mode', 'automatic', 'neutral', 'It ' + autoText));
            var logon = button(a.loggedOn ? 'Log off' : 'Log on', 'agent-' + a.id + '-logon', function () {
                return post('/agents/' + a.id + (a.loggedOn ? '/logoff' : '/logon'));
            }, { aria: (a.loggedOn ? 'Log off agent ' : 'Log on agent ') + who });
            var ready = button(a.ready ? 'Make not ready' : 'Make ready', 'agent-' + a.id + '-ready', function () {
                return post('/agents/' + a.id + (a.ready ? '/notready' : '/ready'));
            }, { aria: 'Make agent ' + who + (a.ready ? ' not ready' : ' ready') });
            var mode = auto
                ? button(a.manual ? 'Make automatic' : 'Play by hand', 'agent-' + a.id + '-mode', function () {
                    return post('/agents/' + a.id + (a.manual ? '/auto' : '/manual'));
                }, {
                    aria: a.manual ? 'Make agent ' + who + ' automatic again' : 'Play agent ' + who + ' by hand',
                    title: a.manual ? 'It ' + autoText + ' again, counted from now' : 'You answer, complete or fail what it is offered',
                })
                : null;
            var sessions = a.sessions.length ? a.sessions.map(function (r) { return sessionView(a, r); }) : h('span', { class: 'muted' }, '-');
            return h('tr', { class: a.loggedOn ? '' : 'off', 'data-agent': a.id },
                h('th', { scope: 'row' }, u(a.logonId), ' (' + a.id + ')', h('div', { class: 'groups-cell' }, joined(a.groups, groupView))),
                h('td', { class: 'state-cell' }, states, h('div', { class: 'controls' }, logon, ready, mode)),
                h('td', null, sessions));
        });
        replace($('agents'), rows);
    }

    function sessionView(agent, r) {
        var id = r.OpenMediaID;
        var actions = [];
        if (r.Status === 'AllocatedToAgent') {
            actions.push(button('Answer', 'req-' + id + '-answer', function () { return post('/requests/' + id + '/answer'); },
                { aria: 'Answer request ' + id, cls: 'primary' }));
        }
        if (r.Status === 'AgentProcessing') {
            actions.push(button('Complete', 'req-' + id + '-complete', function () { return post('/requests/' + id + '/complete'); },
                { aria: 'Complete request ' + id, cls: 'primary' }));
        }
        actions.push(button('Fail', 'req-' + id + '-fail', function () { return post('/requests/' + id + '/fail'); },
            { aria: 'Fail request ' + id, cls: 'danger' }));
        var subject = r.IVRInfo && r.IVRInfo.length ? (r.IVRInfo[0].Data || r.IVRInfo[0].Label || '') : '';
        return h('div', { class: 'session', 'data-request': id },
            h('span', null, '#' + id + ' ', groupView(r.ServiceGroupID)),
            h('span', { class: 'status-' + r.Status }, r.Status),
            subject ? h('span', { class: 'muted', title: subject }, '\u201c', u(Array.from(subject).slice(0, 24).join('')),
                (Array.from(subject).length > 24 ? '\u2026' : '') + '\u201d') : null,
            actions);
    }

    function renderLog() {
        var rows = [];
        for (var i = events.length - 1; i >= 0; i--) {
            var e = events[i];
            rows.push(h('tr', null,
                h('td', null, clockText(Date.parse(e.TimeStamp))),
                h('td', { class: 'num' }, String(e.ID)),
                h('td', { class: 'status-' + e.Status }, e.Status),
                h('td', null, groupView(e.ServiceGroupID)),
                h('td', null, e.AgentID ? agentView(e.AgentID) : '-'),
                h('td', { class: 'num' }, e.QueuePosition ? String(e.QueuePosition) : '-')));
        }
        replace($('log'), rows);
        $('log-note').textContent = skippedEvents ? '(' + skippedEvents + ' events too fast to show)' : '';
    }

    /** Moves the clock and every "waiting" time shown (only the real clock moves by itself). */
    function tick() {
        if (!state) return;
        var now = serverNow();
        $('clock').textContent = clockText(now);
        $('clock').setAttribute('datetime', new Date(now).toISOString());
        document.querySelectorAll('[data-since]').forEach(function (el) {
            el.textContent = duration(now - Number(el.getAttribute('data-since')));
        });
    }

    // ---- the stream --------------------------------------------------------------------------------------------

    var logVersion = 0;

    function onUpdate(message) {
        var u = JSON.parse(message.data);
        state = u.state;
        serverFacts = u.server;
        clockOffset = Date.parse(state.time) - Date.now();
        if (u.initial) {
            events = u.events.slice();
            skippedEvents = 0;
            logVersion += 1;
        } else if (u.events.length || u.skippedEvents) {
            events = events.concat(u.events);
            skippedEvents += u.skippedEvents || 0;
            logVersion += 1;
        }
        if (events.length > EVENT_LOG_MAX) events = events.slice(events.length - EVENT_LOG_MAX);
        renderSeq = u.seq;
        render();
        setConnection('live', 'live');
    }

    var connection = { state: 'connecting', text: 'connecting\u2026' };
    var shared = false; // this tab gets its updates from another tab's stream
    var channel = null;

    function setConnection(stateName, text) {
        var changed = connection.state !== stateName || connection.text !== text;
        connection = { state: stateName, text: text };
        var c = $('connection');
        c.setAttribute('data-state', stateName);
        c.setAttribute('data-shared', shared ? 'true' : 'false');
        c.textContent = stateName === 'live' && shared ? text + ' (shared with another tab)' : text;
        // the tab with the stream tells the others (every update would say "live" again: only changes)
        if (channel && !shared && changed) channel.postMessage({ type: 'connection', state: stateName, text: text });
    }

    /**
     * The stream itself. A stream the simulator refuses (503: too many open; 401/403) is closed by the browser without
     * a word, so the page asks once more with fetch to learn why, shows it, and tries again when the simulator says.
     */
    function openStream(deliver) {
        var source = new EventSource('/control/stream');
        source.addEventListener('update', function (message) { deliver(message.data); });
        source.addEventListener('error', function () {
            if (source.readyState !== EventSource.CLOSED) {
                setConnection('connecting', 'reconnecting\u2026');
                return;
            }
            var again = function (seconds) { setTimeout(function () { openStream(deliver); }, seconds * 1000); };
            var abort = window.AbortController ? new AbortController() : null;
            fetch('/control/stream', { cache: 'no-store', credentials: 'same-origin', signal: abort ? abort.signal : undefined })
                .then(function (res) {
                    if (res.ok) {
                        // a stream was free by now: take it as an EventSource
                        if (abort) abort.abort();
                        again(0);
                        return undefined;
                    }
                    var wait = Math.max(1, Math.min(60, Number(res.headers.get('Retry-After')) || 5));
                    return res.text().then(function (text) {
                        var why;
                        try { why = JSON.parse(text).error; } catch (e) { why = null; }
                        if (res.status === 401) why = 'the simulator asks for a user again: reload the page';
                        setConnection('lost', 'not connected: ' + (why || 'HTTP ' + res.status)
                            + (res.status === 401 ? '' : '; trying again in ' + wait + ' s'));
                        if (res.status !== 401) again(wait);
                    });
                })
                .catch(function () {
                    setConnection('lost', 'not connected: the simulator does not answer; trying again in 5 s');
                    again(5);
                });
        });
    }

    /** The update a tab that just joined needs: the whole state and the event log as this tab has them. */
    function snapshot() {
        return JSON.stringify({ seq: renderSeq, initial: true, state: state, server: serverFacts, events: events, skippedEvents: 0 });
    }

    function connect() {
        if (!(window.BroadcastChannel && navigator.locks && navigator.locks.request)) {
            openStream(function (data) { onUpdate({ data: data }); });
            return;
        }
        channel = new BroadcastChannel('openmedia-console');
        shared = true;
        channel.addEventListener('message', function (ev) {
            var m = ev.data || {};
            if (shared) {
                if (m.type === 'update') onUpdate({ data: m.data });
                else if (m.type === 'connection') setConnection(m.state, m.text);
            } else if (m.type === 'hello' && state) {
                channel.postMessage({ type: 'update', data: snapshot() });
                channel.postMessage({ type: 'connection', state: connection.state, text: connection.text });
            }
        });
        navigator.locks.request('openmedia-console-stream', function () {
            // This tab has the stream now (the first one, or the one that took over when its holder closed).
            shared = false;
            openStream(function (data) {
                onUpdate({ data: data });
                channel.postMessage({ type: 'update', data: data });
            });
            // Held for as long as the tab lives.
            return new Promise(function () {});
        });
        // A stream may be running in another tab already: ask it for the picture so far.
        channel.postMessage({ type: 'hello' });
    }

    // ---- the fixed controls ------------------------------------------------------------------------------------

    var FAULTS = {
        http503: { kind: 'http', status: 503 },
        http500: { kind: 'http', status: 500 },
        delay: { kind: 'delay', delayMs: 5000 },
        hold: { kind: 'hold' },
        reset: { kind: 'reset' },
        malformed: { kind: 'malformed' },
        empty: { kind: 'empty' },
    };

    function wire() {
        $('router-toggle').addEventListener('click', function (ev) {
            run(ev.currentTarget, function () { return post(state.routerConnected ? '/router/disconnect' : '/router/reconnect'); });
        });
        $('license-toggle').addEventListener('click', function (ev) {
            run(ev.currentTarget, function () { return post('/license', { present: !state.license }); });
        });
        $('restart').addEventListener('click', function (ev) {
            if (!window.confirm('Restart the Open Media Service? Every request and status event it holds is dropped.')) return;
            run(ev.currentTarget, function () { return post('/restart'); });
        });
        $('fault-form').addEventListener('submit', function (ev) {
            ev.preventDefault();
            var fault = Object.assign({}, FAULTS[$('fault-kind').value]);
            fault.count = Math.max(1, Math.min(1000, parseInt($('fault-count').value, 10) || 1));
            run($('fault-arm'), function () { return post('/faults', fault); });
        });
        $('fault-clear').addEventListener('click', function (ev) {
            run(ev.currentTarget, function () { return call('DELETE', '/faults'); });
        });
        $('held-release').addEventListener('click', function (ev) {
            run(ev.currentTarget, function () { return post('/held/release'); });
        });
        document.querySelectorAll('[data-advance]').forEach(function (b) {
            b.addEventListener('click', function () {
                run(b, function () { return post('/clock/advance', { ms: Number(b.getAttribute('data-advance')) }); });
            });
        });
    }

    wire();
    connect();
    setInterval(tick, 1000);
}());
