import type { JsonObject, JsonValue } from '../../json.js';

/**
 * Reading a record's payload for a report section without trusting its shape: a store may hold records of another
 * version of a collector, or records written to look like one. Each helper gives undefined for anything else.
 */
export function obj(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

export function arr(v: JsonValue | undefined): readonly JsonValue[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A finite number ≥ 0 (what the charts accept), else undefined. */
export function amount(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Keeps the first `max` items and counts the rest, so a list in a summary stays small. */
export class Capped<T> {
  readonly items: T[] = [];
  total = 0;
  constructor(private readonly max: number) {}
  push(item: T): void {
    this.total++;
    if (this.items.length < this.max) this.items.push(item);
  }
  get omitted(): number {
    return this.total - this.items.length;
  }
}
