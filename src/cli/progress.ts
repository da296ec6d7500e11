/**
 * A progress bar for long CLI work, on standard error so that standard output stays clean for
 * `--json` and pipes. On a non-TTY it prints a line at every tenth instead of redrawing.
 */
export class ProgressBar {
  private done = 0;
  private lastTenth = -1;
  private readonly started = Date.now();
  private readonly stream: NodeJS.WriteStream;

  private readonly label: string;
  private readonly total: number;
  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.label = label;
    this.total = total;
    this.stream = stream;
  }

  /** Adds `count` finished items and redraws. */
  tick(count = 1): void {
    this.done = Math.min(this.total, this.done + count);
    this.render();
  }

  /** Ends the bar with a newline on a terminal. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private render(): void {
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${seconds}s`,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.stream.write(`${this.label}: ${this.done}/${this.total}\n`);
    }
  }
}
