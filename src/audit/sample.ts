import { sha256Hex } from '../record/hash.js';
import type { Population, PopulationRow } from './population.js';
import { sampleKeyOf } from './population.js';
import type { ScannedRecord } from './scan.js';

/**
 * Where a key falls in the sample order of a seed: the lowercase hex SHA-256 of the UTF-8 string `seed + ":" + key`.
 * The population is sorted by it, ascending, and the first N are the sample; evidence-schema/README.md
 * ("Sampling") documents it with a worked example, so anyone can redraw a sample without our code.
 */
export function sampleOrder(seed: string, key: string): string {
  return sha256Hex(`${seed}:${key}`);
}

/** One drawn row with its place in the order. */
export interface Drawn {
  order: string;
  /** What was ordered: the record's hash, or the item id. */
  sampleKey: string;
  row: PopulationRow;
  scanned: ScannedRecord;
}

/** Ascending by order; ties (which take a SHA-256 collision) by the key that was ordered. */
function before(a: Drawn, b: Drawn): boolean {
  return a.order < b.order || (a.order === b.order && a.sampleKey < b.sampleKey);
}

/**
 * The first `capacity` rows in sample order, kept in a max-heap of that size while the population streams past, so
 * memory is O(capacity) whatever the population's size.
 */
export class FirstInOrder {
  private readonly heap: Drawn[] = [];

  constructor(private readonly capacity: number) {}

  offer(drawn: Drawn): void {
    if (this.capacity === 0) return;
    if (this.heap.length < this.capacity) {
      this.heap.push(drawn);
      this.up(this.heap.length - 1);
    } else if (before(drawn, this.heap[0]!)) {
      this.heap[0] = drawn;
      this.down(0);
    }
  }

  /** What was kept, first in order first. */
  sorted(): Drawn[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  // The root is the last in order of those kept, the first to give way.
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[parent]!, h[i]!)) return;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      let last = i;
      for (const child of [2 * i + 1, 2 * i + 2]) if (child < h.length && before(h[last]!, h[child]!)) last = child;
      if (last === i) return;
      [h[last], h[i]] = [h[i]!, h[last]!];
      i = last;
    }
  }
}

/** Reads the whole population once and keeps the first `capacity` rows in the order of `seed`. */
export async function drawFirst(population: Population, seed: string, capacity: number): Promise<Drawn[]> {
  const kept = new FirstInOrder(capacity);
  for await (const { row, scanned } of population.entries()) {
    const sampleKey = sampleKeyOf(row);
    kept.offer({ order: sampleOrder(seed, sampleKey), sampleKey, row, scanned });
  }
  return kept.sorted();
}
