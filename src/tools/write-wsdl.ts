/**
 * Writes the project's WSDL to wsdl/OpenMediaService.wsdl (or the path given as the first argument), for people to
 * read and for tools that want a file. The service address in it is the simulator's default local address; real
 * clients get the WSDL from buildWsdl(endpoint) with their own endpoint. Run by `npm run build`.
 *
 *   node tools/write-wsdl.js [out-file]
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_PORT, SERVICE_PATH } from '../lib/contract';
import { buildWsdl } from '../lib/wsdl';

export const FILE_ENDPOINT = `http://localhost:${DEFAULT_PORT}${SERVICE_PATH}`;
export const DEFAULT_OUT = path.join(__dirname, '..', 'wsdl', 'OpenMediaService.wsdl');

export function writeWsdl(out: string = DEFAULT_OUT): boolean {
  const xml = buildWsdl(FILE_ENDPOINT);
  // Leave the file alone when it is already current (no needless rewrite of a committed file).
  if (fs.existsSync(out) && fs.readFileSync(out, 'utf8') === xml) return false;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, xml);
  return true;
}

if (require.main === module) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT;
  const written = writeWsdl(out);
  console.log(`${written ? 'wrote' : 'up to date:'} ${path.relative(process.cwd(), out) || out}`);
}
