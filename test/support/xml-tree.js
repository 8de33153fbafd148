'use strict';
/*
 * XML -> a plain tree, for tests that look inside what the simulator or the client wrote. Built on `sax` (a dev
 * dependency, strict, namespace-aware), not on the pack's own reader, so a test of that reader's output does not
 * lean on the reader itself. Throws on anything that is not well-formed.
 *
 *   { prefix, local, ns, attributes: [{ prefix, local, ns, value }], children: [...], text }
 *   text: the element's own character data (text and CDATA directly inside it), entities decoded.
 */
const sax = require('sax');

function parseXml(xml) {
    const parser = sax.parser(true, { xmlns: true });
    const top = { children: [] };
    const stack = [top];
    parser.onerror = (err) => {
        throw err;
    };
    parser.onopentag = (node) => {
        const el = {
            prefix: node.prefix,
            local: node.local,
            ns: node.uri,
            attributes: Object.values(node.attributes)
                .filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns')
                .map((a) => ({ prefix: a.prefix, local: a.local, ns: a.uri, value: a.value })),
            children: [],
            text: '',
        };
        stack[stack.length - 1].children.push(el);
        stack.push(el);
    };
    const addText = (t) => {
        if (stack.length > 1) stack[stack.length - 1].text += t;
    };
    parser.ontext = addText;
    parser.oncdata = addText;
    parser.onclosetag = () => stack.pop();
    parser.write(xml).close();
    if (top.children.length !== 1) throw new Error('not one root element');
    return top.children[0];
}

/** The value of an attribute by namespace and local name. */
function attribute(element, ns, local) {
    const found = element.attributes.find((a) => a.ns === ns && a.local === local);
    return found ? found.value : undefined;
}

module.exports = { parseXml, attribute };
