/**
 * Commit times as ISO 8601 UTC, to the second (git's resolution). Formatting
 * runs for every commit, so each day's date part is worked out once, not
 * through a Date per commit.
 */
export class IsoTime {
  private day = Number.NaN;
  private prefix = '';

  format(seconds: number): string {
    const day = Math.floor(seconds / 86_400);
    if (day !== this.day) {
      this.day = day;
      this.prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    }
    const s = seconds - day * 86_400;
    return `${this.prefix}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}Z`;
  }
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
