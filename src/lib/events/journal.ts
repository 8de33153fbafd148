/**
 * JournalStore: the state of one om-server's poll loop in an append-only file in Node-RED's user directory,
 * `<userDir>/openmedia/events-<om-server id>.journal` (directory 0700, file 0600: it holds what om-add-request sent,
 * PrivateData included). One JSON array per line:
 *
 *   {"openmedia-journal":1,"server":"<id>","url":"<sha256 of the URL, 16 hex>"}    header (first line)
 *   ["c", id, request, correlation, node, open, status, group, lastTs, endTs]      a request added (whole entry)
 *   ["u", id, open, status, group, lastTs, endTs]                                   it terminated / changed group
 *   ["x", [id, ...]]                                                                forgotten (expired)
 *   ["s", subscriberId, {v:2, tracker, pending?}]                                   a subscriber's state
 *   ["r", subscriberId]                                                             a subscriber's node was deleted
 *
 * Writing: the lines given to write() during one turn of Node-RED's event loop go out together at the end of that
 * turn (setImmediate), in one synchronous write(2) at the end of the file; from then on they are in the kernel and
 * survive a crash of Node-RED (kill -9, OOM, an exception). An add is handed over just before om-add-request sends
 * its message, whose delivery Node-RED also defers to the end of the turn, queued after ours: the add is in the file
 * before the next node sees the message. Surviving a crash of the machine needs fdatasync: it runs in the
 * background, at most one at a time, starting syncDelayMs after the first write it will cover and covering every
 * line written before it starts (group commit: the adds of those milliseconds share one sync; never one sync per
 * line). So a line is on the disk at most syncDelayMs + two fdatasync durations after it was written.
 *
 * Reading (once, when the om-server's state is opened): line by line into a mirror of the live state. A last line
 * without its newline (the process died in the middle of a write, or the machine did and left zeros) is cut off and
 * reported; an unreadable line elsewhere is skipped and reported. A file whose header is missing or of another
 * version is renamed aside (`.unreadable-<time>`, deleted after 7 days: it holds PrivateData) and a new one started; a state kept for another URL
 * is dropped (the ids of another service mean nothing here).
 *
 * Compaction: once the file is more than twice the size of the live state (and at least COMPACT_MIN_BYTES), the
 * live state (the mirror) is written to `<file>.tmp`, synced, and renamed over the file; lines written meanwhile go
 * to the old file and are appended to the new one before the rename, so a crash at any point leaves one complete
 * file. So the file stays in proportion to the open requests and the recently terminated ones. The file's own
 * descriptor is closed before the rename (Windows cannot rename over an open file) and the file opened again if the
 * rename fails. A compaction that fails is warned about once and tried again only once the file has doubled and
 * retryMs has passed (doubling with each failure in a row, at most 5 minutes): never on every write.
 *
 * Lock: `<file>.lock` holds the pid of the process using the journal (created exclusively; taken over when that
 * process is gone). When another live process holds it (two Node-RED processes on one user directory) the store
 * refuses: it writes nothing and reports JOURNAL_LOCKED with that pid, until this process restarts.
 *
 * Failure (disk full, directory not writable, I/O error): reported once through hooks.problem, with the file and
 * what it means; the mirror keeps every change, and every RETRY_MS the store tries to write it whole again (a
 * compaction); when that works the problem is cleared. So a failure is loud and temporary, never a silent loss.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { EntryStatus, SavedEntry } from './correlation';
import type { SavedState, StateChanges, StateStore, StoreHooks, StoreProblem, SubscriberState } from './state';

export const JOURNAL_VERSION = 1;

/** Tunables (tests lower them). */
export const journalSettings = {
  /** The file is compacted once it is larger than this and than twice the live state. */
  compactMinBytes: 64 * 1024,
  /**
   * How often a failed store tries to write its state again; also the first wait after a failed compaction
   * (doubling with each failure in a row, at most COMPACT_BACKOFF_MAX_MS).
   */
  retryMs: 5000,
  /** How long the lines written wait for their fdatasync, so that the lines of a burst share one. */
  syncDelayMs: 20,
};

/** Longest wait between two compactions after failures in a row. */
const COMPACT_BACKOFF_MAX_MS = 5 * 60 * 1000;

/** The journal's file for an om-server: its id as the name when it is a plain one, else a hash of it. */
export function journalFile(dir: string, serverId: string): string {
  const plain = /^[A-Za-z0-9_-]{1,64}$/.test(serverId);
  const name = plain ? serverId : `h-${createHash('sha256').update(serverId).digest('hex').slice(0, 24)}`;
  return path.join(dir, `events-${name}.journal`);
}

/**
 * The service URL as one key: what the URL parser makes of it (scheme and host in lower case, a default port left
 * out, dot segments resolved), without trailing slashes, so '.../OpenMediaService' and '.../OpenMediaService/' are
 * the same service. Different host names stay different (localhost and 127.0.0.1 too): they may well be different
 * machines or services behind a proxy, and a state merged by mistake would mix two services' request ids.
 */
export function serviceKey(url: string): string {
  let href: string;
  try {
    href = new URL(url).href;
  } catch {
    href = url.trim();
  }
  let end = href.length;
  while (end > 0 && href.charCodeAt(end - 1) === 47) end--; // '/'
  return href.slice(0, end);
}

function urlTag(url: string): string {
  return createHash('sha256').update(serviceKey(url)).digest('hex').slice(0, 16);
}

/** The names in a directory; none when it cannot be read (not there yet, or not a directory). */
function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** How long a journal set aside as unreadable is kept (it holds PrivateData): 7 days, then deleted. */
export const UNREADABLE_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/** Deletes journals set aside as unreadable (`<journal>.unreadable-<ms>`) more than UNREADABLE_KEEP_MS ago. */
export function dropOldUnreadable(dir: string, now = Date.now()): string[] {
  const gone: string[] = [];
  const names = namesIn(dir);
  for (const name of names) {
    const m = /^events-[A-Za-z0-9_-]{1,80}\.journal\.unreadable-(\d{1,16})$/.exec(name);
    if (!m || !(now - Number(m[1]) > UNREADABLE_KEEP_MS)) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      gone.push(name);
    } catch {
      // tried again at the next start
    }
  }
  return gone;
}

/** Journal files this process holds the lock of, with how many stores use each (a reopen in this process). */
const heldLocks = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is another user's
    return codeOf(err) === 'EPERM';
  }
}

/** This boot of the machine (Linux); '' where there is no /proc. */
function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64);
  } catch {
    return '';
  }
}

/** When a process started, in clock ticks since boot (Linux /proc/<pid>/stat field 22); '' where unknown. */
function startTimeOf(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces and parentheses: count after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return /^\d+$/.test(fields[19] ?? '') ? fields[19] : '';
  } catch {
    return '';
  }
}

/** What a lock holds: the pid, and (where /proc tells) the boot and the process's start time. */
function lockText(): string {
  return `${process.pid}\n${bootId()}\n${startTimeOf(process.pid)}\n`;
}

/**
 * Is the process that wrote this lock still running? Its pid alone is not enough: after a crash and a reboot (the
 * case the journal is for) the pid is often taken by an unrelated process. So a lock of another boot, or whose pid
 * now belongs to a process that started at another time, is stale. (Without /proc: the pid only.)
 */
function holderAlive(lines: string[]): boolean {
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  const [boot, started] = [lines[1] ?? '', lines[2] ?? ''];
  if (boot && bootId() && boot !== bootId()) return false;
  const now = startTimeOf(pid);
  if (started && now && started !== now) return false;
  return true;
}

/**
 * The advisory lock of a journal: `<journal>.lock`, created exclusively, holding this process's identity (lockText).
 * A lock whose process is gone (a crash) is stale and taken over. Throws (code JOURNAL_LOCKED, `pid`) when another
 * live process holds it: two Node-RED processes on one user directory would write the same journal over each other.
 */
function takeLock(file: string): void {
  const lock = `${file}.lock`;
  const mine = heldLocks.get(file);
  if (mine !== undefined) {
    heldLocks.set(file, mine + 1);
    return;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      try { fs.writeSync(fd, lockText()); } finally { fs.closeSync(fd); }
      heldLocks.set(file, 1);
      return;
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
    }
    let lines: string[] = [];
    try {
      lines = fs.readFileSync(lock, 'utf8').slice(0, 256).split('\n');
    } catch {
      // gone meanwhile, a directory, or unreadable: stale (removed below) or tried again
    }
    const pid = Number.parseInt(lines[0] ?? '', 10);
    if (pid === process.pid) {
      heldLocks.set(file, 1); // left by this process (a runtime before this one in it)
      return;
    }
    if (holderAlive(lines)) {
      throw Object.assign(new Error(`another process (pid ${pid}) holds the lock of ${file}: two Node-RED processes `
        + 'must not share a user directory. om-events goes on without saving its state here; stop the other process, '
        + 'then restart this one'), { code: 'JOURNAL_LOCKED', pid });
    }
    // stale: its process is gone (a directory in its place too: nothing of ours can be in it)
    fs.rmSync(lock, { force: true, recursive: true });
  }
  throw Object.assign(new Error(`could not take the lock ${lock}`), { code: 'JOURNAL_LOCKED' });
}

/** Does a live process other than this one hold the lock of this journal? */
export function lockedByOther(file: string): boolean {
  let lines: string[];
  try {
    lines = fs.readFileSync(`${file}.lock`, 'utf8').slice(0, 256).split('\n');
  } catch {
    return false;
  }
  return Number.parseInt(lines[0] ?? '', 10) !== process.pid && holderAlive(lines);
}

/**
 * Deletes a journal and its .tmp, lock and set-aside copies (`journal`: its file name in `dir`), unless another live
 * process holds it. Returns the names deleted.
 */
export function dropJournalFiles(dir: string, journal: string, names?: string[]): string[] {
  const gone: string[] = [];
  if (lockedByOther(path.join(dir, journal))) return gone;
  for (const name of names ?? namesIn(dir)) {
    if (name !== journal && !name.startsWith(`${journal}.`)) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true, recursive: name.endsWith('.lock') });
      gone.push(name);
    } catch {
      // tried again at the next start
    }
  }
  return gone;
}

/**
 * Deletes the journals of om-servers that are not in the deployed flows (deleted while Node-RED was down, a flows
 * file replaced, a project switched): a journal, its .tmp, its lock and what was set aside from it. Not one
 * another live process holds (`keep`: the journal files of the om-servers that are). Returns the names deleted.
 */
export function dropOtherJournals(dir: string, keep: Set<string>): string[] {
  const gone: string[] = [];
  const names = namesIn(dir);
  const journals = new Set<string>();
  for (const name of names) {
    const m = /^(events-[A-Za-z0-9_-]{1,80}\.journal)(\.tmp|\.lock|\.unreadable-\d{1,16})?$/.exec(name);
    if (m && !keep.has(m[1])) journals.add(m[1]);
  }
  for (const journal of journals) gone.push(...dropJournalFiles(dir, journal, names));
  return gone;
}

function releaseLock(file: string): void {
  const n = heldLocks.get(file);
  if (n === undefined) return;
  if (n > 1) {
    heldLocks.set(file, n - 1);
    return;
  }
  heldLocks.delete(file);
  const lock = `${file}.lock`;
  try {
    if (Number.parseInt(fs.readFileSync(lock, 'utf8').slice(0, 32), 10) === process.pid) fs.rmSync(lock, { force: true });
  } catch {
    // already gone
  }
}

/** JSON of a record; a value JSON refuses (a BigInt, a cycle) is written without those parts rather than not at all. */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return undefined;
        seen.add(v);
      }
      return v;
    });
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERROR';
}

function messageOf(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, position + off);
}

function isEntry(rec: unknown[]): boolean {
  return rec.length >= 10 && Number.isInteger(rec[1]) && typeof rec[5] === 'boolean';
}

interface Compaction {
  fd: number;
  tmp: string;
  size: number;
  tail: Buffer[];
}

export class JournalStore implements StateStore {
  readonly durable = true;
  readonly file: string;
  private hooks: StoreHooks = { problem: () => {}, warn: () => {} };
  private fd: number | undefined;
  /** Where the next line goes (the end of the valid part of the file). */
  private pos = 0;
  /** The live state, as the file holds it. */
  private readonly entries = new Map<number, SavedEntry>();
  private readonly subs = new Map<string, SubscriberState>();
  /**
   * Bytes the live state takes in the file: the header, each entry's and each subscriber's last whole line (a
   * status change makes an entry's line a few bytes longer: not counted). The file is compacted once it is more than
   * twice this (and at least compactMinBytes), so its size follows what is still open, not everything that was.
   */
  private liveBytes = 0;
  private readonly entryBytes = new Map<number, number>();
  private readonly subBytes = new Map<string, number>();
  /** After a failed compaction: not again before the file reaches this size, nor before this time (backoff). */
  private noCompactBefore = 0;
  private noCompactUntil = 0;
  /** Compactions failed in a row (warned once, on the first). */
  private compactFailures = 0;
  private broken: StoreProblem | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastTry = 0;
  private compacting: Compaction | undefined;
  // Group commit: `written` counts writes, `synced` the writes the last finished fdatasync covered.
  private written = 0;
  private synced = 0;
  private syncing = false;
  private syncAgain = false;
  private syncTimer: NodeJS.Timeout | undefined;
  /** Lines of the current turn of the event loop, written at its end. */
  private unwritten: string[] = [];
  private turnEnd: NodeJS.Immediate | undefined;
  private dirSyncDue = false;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  /** Waiting for the running fdatasync (if any) to end. */
  private idle: Array<() => void> = [];
  /** A compaction waiting for the running fdatasync to end before it renames. */
  private afterSync: Array<() => void> = [];
  /** Descriptors replaced by a compaction, closed once the fdatasync running on them ends. */
  private retired: number[] = [];
  private closing = false;
  /** This store holds the journal's lock (see takeLock). */
  private locked = false;
  /** Another live process holds the lock: nothing is written, nor tried again (see takeLock). */
  private refused = false;
  /** Attempts to write the state whole again after a failure (for tests). */
  retries = 0;
  /** Bytes of the file that were cut off or skipped when it was read (for tests and the log). */
  readonly recovered = { tornBytes: 0, skippedLines: 0, setAside: '' };

  constructor(readonly dir: string, readonly serverId: string, readonly url: string) {
    this.file = journalFile(dir, serverId);
  }

  get where(): string {
    return this.file;
  }

  /** Current size of the file (bytes), for tests and the benchmark. */
  get size(): number {
    return this.pos;
  }

  load(hooks: StoreHooks): SavedState {
    this.hooks = hooks;
    try {
      this.open();
    } catch (err) {
      this.fail(err, 'could not open');
    }
    return { correlations: [...this.entries.values()], subscribers: [...this.subs] };
  }

  private header(): string {
    return `${JSON.stringify({ 'openmedia-journal': JOURNAL_VERSION, server: this.serverId, url: urlTag(this.url) })}\n`;
  }

  private open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of dropOldUnreadable(this.dir)) this.hooks.warn(`om-events: deleted ${name} (set aside as unreadable more than 7 days ago)`);
    takeLock(this.file);
    this.locked = true;
    const fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      const st = fs.fstatSync(fd);
      // Made by hand or by a copy that lost the mode: it holds PrivateData, so only the owner may read it.
      if (st.isFile() && (st.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
      const data = st.isFile() && st.size > 0 ? fs.readFileSync(fd) : Buffer.alloc(0);
      const state = this.replay(data);
      if (state === 'fresh') {
        this.start(fd, data.length > 0);
      } else if (state === 'other-url') {
        this.hooks.warn(`om-events: the saved state in ${this.file} was kept for another server URL: it is not used`);
        this.clearMirror();
        this.fd = fd;
        this.compactSync();
      } else if (state === 'unreadable') {
        fs.closeSync(fd);
        const aside = `${this.file}.unreadable-${Date.now()}`;
        fs.renameSync(this.file, aside);
        this.recovered.setAside = aside;
        this.hooks.warn(`om-events: ${this.file} is not a journal this version can read (another version, or damaged): `
          + `it was renamed to ${path.basename(aside)} and a new one started`);
        this.clearMirror();
        const fresh = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
        try {
          this.start(fresh, false);
        } catch (err) {
          fs.closeSync(fresh);
          throw err;
        }
      } else {
        this.fd = fd;
        this.pos = state;
        if (this.recovered.tornBytes > 0) {
          fs.ftruncateSync(fd, state);
          this.hooks.warn(`om-events: the last record of ${this.file} was cut short (Node-RED stopped in the middle `
            + `of writing it): ${this.recovered.tornBytes} bytes dropped`);
        }
        if (this.recovered.skippedLines > 0) {
          this.hooks.warn(`om-events: ${this.recovered.skippedLines} unreadable line(s) in ${this.file} were skipped`);
        }
        this.liveBytes += Buffer.byteLength(this.header());
        if (this.recovered.skippedLines > 0 || this.pos > Math.max(journalSettings.compactMinBytes, 2 * this.liveBytes)) {
          this.compactSync();
        }
      }
    } catch (err) {
      if (this.fd === undefined) {
        try { fs.closeSync(fd); } catch { /* already let go (a failed compaction) */ }
      }
      throw err;
    }
  }

  /** An empty journal: the header (the file is rewritten when it held anything). Takes `fd` once that worked. */
  private start(fd: number, hadData: boolean): void {
    if (hadData) fs.ftruncateSync(fd, 0);
    const head = Buffer.from(this.header());
    writeAll(fd, head, 0);
    this.fd = fd;
    this.pos = head.length;
    this.liveBytes = head.length;
    this.written++;
    this.scheduleSync();
  }

  /**
   * Reads the file into the mirror. Returns the length of its valid part, or what to do with it: 'fresh' (empty or
   * only a torn header), 'other-url', 'unreadable'.
   */
  private replay(data: Buffer): number | 'fresh' | 'other-url' | 'unreadable' {
    if (data.length === 0) return 'fresh';
    let start = 0;
    let good = 0;
    let first = true;
    while (start < data.length) {
      const nl = data.indexOf(10, start);
      if (nl < 0) {
        this.recovered.tornBytes = data.length - start;
        break;
      }
      const line = data.toString('utf8', start, nl);
      const bytes = nl + 1 - start;
      start = nl + 1;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        rec = undefined;
      }
      if (first) {
        first = false;
        const h = rec as Record<string, unknown> | undefined;
        if (!h || typeof h !== 'object' || h['openmedia-journal'] !== JOURNAL_VERSION) return 'unreadable';
        if (h.url !== urlTag(this.url)) return 'other-url';
      } else if (!Array.isArray(rec) || !this.apply(rec, bytes)) {
        this.recovered.skippedLines++;
      }
      good = start;
    }
    // Not even the header made it: a crash while it was written leaves a few dozen bytes; more is something else
    // (set aside with a warning, not dropped without a word).
    if (first) return data.length > 1024 ? 'unreadable' : 'fresh';
    return good;
  }

  /** One record (a line of `bytes`) into the mirror; false when it is not one. */
  private apply(rec: unknown[], bytes: number): boolean {
    switch (rec[0]) {
      case 'c':
        if (!isEntry(rec)) return false;
        this.setEntry(rec.slice(1, 10) as SavedEntry, bytes);
        return true;
      case 'u':
        if (rec.length < 7 || !Number.isInteger(rec[1])) return false;
        this.update(rec.slice(1, 7) as EntryStatus);
        return true;
      case 'x':
        if (!Array.isArray(rec[1])) return false;
        for (const id of rec[1]) this.deleteEntry(id as number);
        return true;
      case 's':
        if (typeof rec[1] !== 'string' || !rec[2] || typeof rec[2] !== 'object') return false;
        this.setSub(rec[1], rec[2] as SubscriberState, bytes);
        return true;
      case 'r':
        if (typeof rec[1] !== 'string') return false;
        this.deleteSub(rec[1]);
        return true;
      default:
        return false;
    }
  }

  // The mirror, with the bytes each part takes in the file.
  private clearMirror(): void {
    this.entries.clear();
    this.entryBytes.clear();
    this.subs.clear();
    this.subBytes.clear();
    this.liveBytes = Buffer.byteLength(this.header());
  }

  private setEntry(e: SavedEntry, bytes: number): void {
    this.liveBytes += bytes - (this.entryBytes.get(e[0]) ?? 0);
    this.entryBytes.set(e[0], bytes);
    this.entries.set(e[0], e);
  }

  private deleteEntry(id: number): boolean {
    if (!this.entries.delete(id)) return false;
    this.liveBytes -= this.entryBytes.get(id) ?? 0;
    this.entryBytes.delete(id);
    return true;
  }

  private setSub(id: string, s: SubscriberState, bytes: number): void {
    this.liveBytes += bytes - (this.subBytes.get(id) ?? 0);
    this.subBytes.set(id, bytes);
    this.subs.set(id, s);
  }

  private deleteSub(id: string): boolean {
    if (!this.subs.delete(id)) return false;
    this.liveBytes -= this.subBytes.get(id) ?? 0;
    this.subBytes.delete(id);
    return true;
  }

  private update(u: EntryStatus): boolean {
    const e = this.entries.get(u[0]);
    if (!e) return false;
    [e[4], e[5], e[6], e[7], e[8]] = [u[1], u[2], u[3], u[4], u[5]];
    return true;
  }

  /** The live state as journal text (header included). */
  private snapshot(): string {
    const lines = [this.header()];
    for (const e of this.entries.values()) lines.push(`${jsonOf(['c', ...e])}\n`);
    for (const [id, s] of this.subs) lines.push(`${jsonOf(['s', id, s])}\n`);
    return lines.join('');
  }

  write(changes: StateChanges): void {
    if (this.closing) return;
    // The mirror first: after a failure, it is what gets written whole.
    const lines: string[] = [];
    for (const e of changes.added ?? []) {
      const line = jsonOf(['c', ...e]);
      this.setEntry(e, Buffer.byteLength(line) + 1);
      lines.push(line);
    }
    for (const u of changes.updated ?? []) if (this.update(u)) lines.push(jsonOf(['u', ...u]));
    const gone = (changes.forgotten ?? []).filter((id) => this.deleteEntry(id));
    if (gone.length) lines.push(jsonOf(['x', gone]));
    for (const [id, s] of changes.subscribers ?? []) {
      if (s === null) {
        if (this.deleteSub(id)) lines.push(jsonOf(['r', id]));
      } else {
        const line = jsonOf(['s', id, s]);
        this.setSub(id, s, Buffer.byteLength(line) + 1);
        lines.push(line);
      }
    }
    if (lines.length === 0) return;
    if (this.broken || this.fd === undefined) {
      if (!this.refused && Date.now() - this.lastTry >= journalSettings.retryMs) this.recover();
      return;
    }
    // The lines of one turn of the event loop go out in one write(2), at the end of that turn (see the file comment).
    for (const line of lines) this.unwritten.push(line);
    if (!this.turnEnd) this.turnEnd = setImmediate(() => this.writeOut());
  }

  /** Writes the lines collected in this turn of the event loop (now, instead of at its end: flush, close, tests). */
  writeOut(): void {
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    if (this.unwritten.length === 0) return;
    const lines = this.unwritten;
    this.unwritten = [];
    if (this.broken || this.fd === undefined) return; // the mirror has them; a recovery writes it whole
    const buf = Buffer.from(`${lines.join('\n')}\n`);
    try {
      writeAll(this.fd, buf, this.pos);
    } catch (err) {
      // A partial line may be in the file past `pos`: the next write starts at `pos` again, a recovery rewrites it.
      this.fail(err, 'could not write to');
      return;
    }
    this.pos += buf.length;
    this.written++;
    if (this.compacting) this.compacting.tail.push(buf);
    this.scheduleSync();
    if (this.compactionDue()) this.compact();
  }

  private fail(err: unknown, what: string): void {
    const code = codeOf(err);
    if (code === 'JOURNAL_LOCKED') {
      // Not temporary: writing (or a recovery rewriting the file) would corrupt the other process's journal.
      this.refused = true;
      const pid = (err as { pid?: unknown }).pid;
      this.broken = { code, message: messageOf(err), ...(typeof pid === 'number' ? { pid } : {}) };
      this.hooks.problem(this.broken);
      return;
    }
    const meaning = code === 'ENOSPC' ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the user directory is not writable'
        : code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOENT' ? 'the user directory cannot hold the journal folder'
          : 'the state cannot be saved';
    const problem: StoreProblem = {
      code,
      message: `${meaning}: ${what} ${this.file} (${messageOf(err)}). om-events goes on, but until this is fixed a `
        + 'restart or crash of Node-RED loses what happened since (where it stopped, which requests were added here); '
        + `it tries again every ${Math.round(journalSettings.retryMs / 1000)} s.`,
    };
    const first = !this.broken || this.broken.code !== code;
    this.broken = problem;
    this.lastTry = Date.now();
    if (first) this.hooks.problem(problem);
    if (!this.retryTimer && !this.closing) {
      this.retryTimer = setInterval(() => {
        if (this.broken) this.recover();
      }, journalSettings.retryMs);
      this.retryTimer.unref?.();
    }
  }

  /** Writes the whole live state again (after a failure); clears the problem when that works. */
  private recover(): void {
    this.lastTry = Date.now();
    this.retries++;
    try {
      if (this.fd === undefined) {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        // Whatever the file held could not be read at start: it is replaced by the live state.
      }
      this.compactSync();
    } catch (err) {
      this.fail(err, 'still cannot write to');
      return;
    }
    this.broken = undefined;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    this.hooks.problem(undefined);
  }

  /** Writes the live state to a new file and puts it in place, synchronously (at start, and to recover). */
  private compactSync(text: string = this.snapshot()): void {
    this.abandonCompaction();
    const buf = Buffer.from(text);
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, buf, 0);
      fs.fsyncSync(fd);
      this.replaceWith(tmp);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    this.swap(fd, buf.length);
    this.syncDir();
  }

  /**
   * Renames `tmp` over the file. The file's descriptor is let go first (Windows cannot rename over an open file; a
   * running fdatasync keeps it until it ends); when the rename fails the file is opened again, so appending goes on
   * where it was. Throws what the rename (or the reopen) threw.
   */
  private replaceWith(tmp: string): void {
    const old = this.fd;
    if (old !== undefined) {
      this.fd = undefined;
      this.retire(old);
    }
    try {
      fs.renameSync(tmp, this.file);
    } catch (err) {
      if (old !== undefined) this.fd = fs.openSync(this.file, fs.constants.O_RDWR, 0o600);
      throw err;
    }
  }

  /** A compaction failed: warned once, then not again before the file doubles and the backoff has passed. */
  private compactFailed(err: unknown): void {
    this.compactFailures++;
    this.noCompactBefore = 2 * this.pos;
    const wait = Math.min(journalSettings.retryMs * 2 ** (this.compactFailures - 1), COMPACT_BACKOFF_MAX_MS);
    this.noCompactUntil = Date.now() + wait;
    if (this.compactFailures === 1) {
      this.hooks.warn(`om-events: could not compact ${this.file}: ${messageOf(err)}. It keeps growing meanwhile; `
        + 'tried again later (not reported again until it works)');
    }
  }

  /** Compaction in the background: the new file is synced off the event loop (see the file comment). */
  private compact(): void {
    const buf = Buffer.from(this.snapshot());
    const tmp = `${this.file}.tmp`;
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, 'w', 0o600);
      writeAll(fd, buf, 0);
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      this.compactFailed(err);
      return;
    }
    const c: Compaction = { fd, tmp, size: buf.length, tail: [] };
    this.compacting = c;
    fs.fsync(fd, (err) => this.finishCompaction(c, err));
  }

  private finishCompaction(c: Compaction, err: NodeJS.ErrnoException | null): void {
    if (this.compacting !== c) return; // abandoned: already cleaned up
    if (!err && this.syncing && !this.closing) {
      // An fdatasync runs on the file's descriptor, which must be closed before the rename: right after it.
      this.afterSync.push(() => this.finishCompaction(c, null));
      return;
    }
    this.compacting = undefined;
    const drop = (): void => {
      try { fs.closeSync(c.fd); } catch { /* closed */ }
      fs.rmSync(c.tmp, { force: true });
    };
    if (err || this.closing || this.broken) {
      drop();
      if (err) this.compactFailed(err);
      return;
    }
    try {
      const tail = Buffer.concat(c.tail);
      writeAll(c.fd, tail, c.size);
      this.replaceWith(c.tmp);
      this.swap(c.fd, c.size + tail.length);
    } catch (e) {
      drop();
      // The file could not even be opened again: a failure of the store (written whole once it can be).
      if (this.fd === undefined) this.fail(e, 'could not reopen');
      else this.compactFailed(e);
      return;
    }
    if (this.compactFailures > 0) this.hooks.warn(`om-events: ${this.file} is compacted again`);
    this.compactFailures = 0;
    this.noCompactUntil = 0;
    this.dirSyncDue = true;
    this.written++;
    this.scheduleSync();
    // What it wrote is the state as it was when it started: if much of that has gone since, once more.
    if (this.compactionDue()) this.compact();
  }

  private compactionDue(): boolean {
    return !this.compacting && this.pos > Math.max(journalSettings.compactMinBytes, 2 * this.liveBytes, this.noCompactBefore)
      && (this.noCompactUntil === 0 || Date.now() >= this.noCompactUntil);
  }

  private abandonCompaction(): void {
    const c = this.compacting;
    if (!c) return;
    this.compacting = undefined;
    // Its fsync may still run on the descriptor: close it once that is over.
    this.retired.push(c.fd);
    fs.rmSync(c.tmp, { force: true });
  }

  private swap(fd: number, pos: number): void {
    if (this.fd !== undefined) this.retire(this.fd);
    this.fd = fd;
    this.pos = pos;
    this.noCompactBefore = 0;
    this.noCompactUntil = 0;
  }

  private retire(fd: number): void {
    if (this.syncing) this.retired.push(fd);
    else fs.closeSync(fd);
  }

  private closeRetired(): void {
    for (const fd of this.retired.splice(0)) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
    }
  }

  /** The directory entry of a renamed file is durable only once the directory is synced. */
  private syncDir(): void {
    try {
      const d = fs.openSync(this.dir, 'r');
      try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
    } catch {
      // not every file system lets a directory be synced; the rename itself is atomic
    }
  }

  /** A sync soon (group commit): syncDelayMs from now, or after the one running. */
  private scheduleSync(now = false): void {
    if (this.fd === undefined) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    if (now || journalSettings.syncDelayMs <= 0) {
      if (this.syncTimer) clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      this.sync();
      return;
    }
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (!this.syncing) this.sync();
    }, journalSettings.syncDelayMs);
  }

  private sync(): void {
    if (this.fd === undefined) return;
    this.syncing = true;
    const target = this.written;
    const dir = this.dirSyncDue;
    this.dirSyncDue = false;
    fs.fdatasync(this.fd, (err) => {
      if (dir && !err) this.syncDir();
      this.syncing = false;
      this.closeRetired();
      for (const finish of this.afterSync.splice(0)) finish();
      if (err && !this.closing) this.fail(err, 'could not sync');
      this.synced = Math.max(this.synced, target);
      this.settle();
      if (this.syncAgain) {
        this.syncAgain = false;
        this.scheduleSync(this.waiters.length > 0 || this.closing);
      } else {
        for (const resolve of this.idle.splice(0)) resolve();
      }
    });
  }

  private settle(): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.target <= this.synced || this.fd === undefined) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  flush(): Promise<void> {
    this.writeOut();
    if (this.fd === undefined || this.synced >= this.written) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ target: this.written, resolve });
      this.scheduleSync(true);
    });
  }

  async close(removed: boolean): Promise<void> {
    if (this.closing) return;
    if (!removed) this.writeOut();
    this.closing = true;
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    this.unwritten = [];
    this.abandonCompaction();
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    if (!removed) await this.flush();
    // A sync still running keeps its descriptor until it ends.
    if (this.syncing) await new Promise<void>((resolve) => this.idle.push(resolve));
    const fd = this.fd;
    this.fd = undefined;
    this.settle();
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
    }
    this.closeRetired();
    if (removed && !this.refused) {
      fs.rmSync(this.file, { force: true });
      fs.rmSync(`${this.file}.tmp`, { force: true });
    }
    if (this.locked) releaseLock(this.file);
    this.locked = false;
  }
}
