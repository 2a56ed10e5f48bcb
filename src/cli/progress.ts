/** A one-line progress bar on stderr when it is a terminal; silent otherwise, so pipes and logs stay clean. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly unit: 'items' | 'bytes' = 'items',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY);
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const show = (n: number) => (this.unit === 'bytes' ? `${(n / 1e9).toFixed(2)} GB` : String(n));
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${show(done)}/${show(total)}`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
