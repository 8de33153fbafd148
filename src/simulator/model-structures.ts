/**
 * Data structures of the model that must not slow down as the cache grows: a sorted per-group queue and a timer heap.
 */

/** What the queue needs to know of an entry: its ordering key. */
export interface QueueKey {
  /** SessionPriority: 1 first. */
  priority: number;
  /** Queue time, ms (the model keeps epoch ms minus a base; QueueStartTime backdates it). */
  queueTime: number;
  /** Tie-breaker: arrival order. */
  seq: number;
}

export function compareKeys(a: QueueKey, b: QueueKey): number {
  return a.priority - b.priority || a.queueTime - b.queueTime || a.seq - b.seq;
}

/**
 * The array behind a moving head (SortedQueue, IdIndex): empty once the head reaches the end, and copied down once
 * the dead prefix is both large and more than half of it, so removing from the front stays O(1) amortised without
 * the array growing for ever.
 */
function compactHead<T>(items: (T | undefined)[], head: number): [(T | undefined)[], number] {
  if (head === items.length) return [[], 0];
  if (head > 1024 && head * 2 > items.length) return [items.slice(head), 0];
  return [items, head];
}

/**
 * A service group's queue, sorted by (priority, queueTime, seq). Backed by one array with a moving head, so that
 * - adding the newest request of the lowest priority present (the common case) is an append, O(1);
 * - taking the first request is O(1) amortised;
 * - a position is a binary search, O(log n);
 * - inserting/removing in the middle is a binary search plus a memmove (fast even at 100k entries).
 */
export class SortedQueue<T extends QueueKey> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Index in `items` of the first entry whose key is >= `key`. */
  private lowerBound(key: QueueKey): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.items[mid] as T, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Inserts and returns the 1-based position. */
  insert(item: T): number {
    const n = this.items.length;
    if (n === this.head || compareKeys(this.items[n - 1] as T, item) <= 0) {
      this.items.push(item);
      return n + 1 - this.head;
    }
    const at = this.lowerBound(item);
    if (at === this.head && this.head > 0) {
      this.head -= 1;
      this.items[this.head] = item;
      return 1;
    }
    this.items.splice(at, 0, item);
    return at + 1 - this.head;
  }

  /** 1-based position, 0 when not in the queue. */
  position(item: T): number {
    // The common question is about the entry just appended: answer it without a search (a binary search over a
    // long queue touches ~log2(n) entries spread over the heap, a cache miss each).
    const n = this.items.length;
    if (n > this.head && this.items[n - 1] === item) return n - this.head;
    const at = this.lowerBound(item);
    return at < this.items.length && this.items[at] === item ? at + 1 - this.head : 0;
  }

  remove(item: T): boolean {
    const at = this.lowerBound(item);
    if (at >= this.items.length || this.items[at] !== item) return false;
    if (at === this.head) {
      this.items[at] = undefined;
      [this.items, this.head] = compactHead(this.items, this.head + 1);
    } else {
      this.items.splice(at, 1);
    }
    return true;
  }

  /** Removes many entries at once (one pass). */
  removeAll(set: ReadonlySet<T>): void {
    if (set.size === 0) return;
    if (set.size <= 8) {
      for (const item of set) this.remove(item);
      return;
    }
    this.items = this.items.slice(this.head).filter((x) => x !== undefined && !set.has(x));
    this.head = 0;
  }

  /** Entries in queue order (a live iterator: do not insert/remove while iterating). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }

  first(): T | undefined {
    return this.items[this.head];
  }

  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export interface Timer {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** Min-heap of timers by (at, seq): what is due next, in time order. */
export class TimerHeap {
  private heap: Timer[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(at: number, run: () => void): Timer {
    const t: Timer = { at, seq: this.seq++, run, cancelled: false };
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
    return t;
  }

  /** The next live timer, without removing it. */
  peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as Timer;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let s = i;
        if (l < h.length && less(h[l], h[s])) s = l;
        if (r < h.length && less(h[r], h[s])) s = r;
        if (s === i) break;
        [h[s], h[i]] = [h[i], h[s]];
        i = s;
      }
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Entries by a positive integer id handed out in increasing order (the model's OpenMediaIDs): one array indexed by
 * id - first, with a moving head. Unlike a Map it never rehashes as it grows (a Map of 100k+ entries rehashes every
 * entry when it doubles) and holds no per-entry hash structure; lookups are an index. Iteration is in id order.
 */
export class IdIndex<T> {
  private items: (T | undefined)[] = [];
  /** The id of items[head]. */
  private first: number;
  private head = 0;
  private count = 0;

  /** `firstId`: the lowest id that will be stored. */
  constructor(firstId = 1) {
    this.first = firstId;
  }

  get size(): number {
    return this.count;
  }

  private index(id: number): number {
    return Number.isInteger(id) ? this.head + (id - this.first) : -1;
  }

  get(id: number): T | undefined {
    const i = this.index(id);
    return i >= this.head && i < this.items.length ? this.items[i] : undefined;
  }

  /** Stores `item` under `id`; ids below the lowest id still held (or given to the constructor) are refused. */
  set(id: number, item: T): void {
    const i = this.index(id);
    if (i < this.head) throw new RangeError(`IdIndex: id ${id} is below ${this.first}`);
    while (this.items.length < i) this.items.push(undefined);
    if (i === this.items.length) {
      this.items.push(item);
      this.count += 1;
      return;
    }
    if (this.items[i] === undefined) this.count += 1;
    this.items[i] = item;
  }

  delete(id: number): boolean {
    const i = this.index(id);
    if (i < this.head || i >= this.items.length || this.items[i] === undefined) return false;
    this.items[i] = undefined;
    this.count -= 1;
    while (this.head < this.items.length && this.items[this.head] === undefined) {
      this.head += 1;
      this.first += 1;
    }
    [this.items, this.head] = compactHead(this.items, this.head);
    return true;
  }

  /** Entries in id order (do not add or delete while iterating). */
  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined) yield item;
    }
  }
}
