import { createHash } from 'node:crypto';

/** A small seeded generator (sfc32): the same seed gives the same sample on every machine and Node version. */
function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(`log-redaction sample\0${seed}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    // In (0, 1): both ends excluded, for the logarithms below.
    return ((t >>> 0) + 0.5) / 4294967296;
  };
}

/**
 * A reservoir of `size` lines over a stream of unknown length (Li's Algorithm L): it says in advance
 * which line index it takes next, so the lines between are counted, never decoded. A taken line goes
 * into a slot, replacing what the slot held.
 */
export class Reservoir {
  /** The next line index (0-based, across every location of the source) the reservoir takes. */
  next = 0;
  private weight = 1;
  private readonly random: () => number;
  private lastIndex = -1;
  private lastSlot = -1;

  constructor(
    readonly size: number,
    seed: string,
  ) {
    this.random = seededRandom(seed);
  }

  /** The slot line `index` goes into, or -1 when it is not sampled. Indexes must not decrease; asking again for the same one gives the same answer. */
  slotFor(index: number): number {
    if (index === this.lastIndex) return this.lastSlot;
    this.lastIndex = index;
    if (index !== this.next) {
      // Only a caller that skipped a taken line gets here; the sample then moves on from this line.
      this.lastSlot = -1;
      if (index > this.next) this.advance(index);
      return -1;
    }
    this.lastSlot = index < this.size ? index : Math.floor(this.random() * this.size);
    this.advance(index);
    return this.lastSlot;
  }

  private advance(from: number): void {
    if (from + 1 < this.size) {
      this.next = from + 1;
      return;
    }
    this.weight *= Math.exp(Math.log(this.random()) / this.size);
    this.next = from + 1 + Math.floor(Math.log(this.random()) / Math.log(1 - this.weight));
  }
}
