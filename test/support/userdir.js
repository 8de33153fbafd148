'use strict';
/*
 * A fresh temporary Node-RED user directory for the in-process runtime (node-red-node-test-helper gives none, so
 * om-server would keep om-events' state in memory only). The nodes then keep their journal under <dir>/openmedia/,
 * never in the repository or $HOME.
 *
 *   const { useTempUserDir } = require('./support/userdir');
 *   const ud = useTempUserDir(helper);   // in a describe, AFTER the hook that unloads the flows
 *   ... ud.dir, ud.journalDir ...
 *
 * beforeEach: a new directory, set as settings.userDir for the next helper.load; afterEach: the setting is
 * cleared and the directory removed (register this after the describe's own afterEach, so the flows are stopped
 * first: hooks run in the order they were registered).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

function useTempUserDir(helper) {
    const ctx = {
        dir: undefined,
        get journalDir() { return ctx.dir && path.join(ctx.dir, 'openmedia'); },
    };
    beforeEach(function () {
        ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'om-userdir-'));
        helper.settings({ userDir: ctx.dir });
    });
    afterEach(function () {
        helper.settings({});
        if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
        ctx.dir = undefined;
    });
    return ctx;
}

module.exports = { useTempUserDir };
