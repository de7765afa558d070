// Explicit panel ids and grid positions. Panels flow left to right in rows of 24 columns; a row
// header always starts a new line. Nothing is left to Grafana's auto-layout, so the JSON is stable.
import type { GridPos } from '@grafana/grafana-foundation-sdk/dashboard';

export const GRID_WIDTH = 24;

export class Layout {
  private nextId = 1;
  private x = 0;
  private y = 0;
  private lineHeight = 0;

  id(): number {
    return this.nextId++;
  }

  /** Position of the next panel of w×h, wrapping to a new line when it does not fit. */
  place(w: number, h: number): GridPos {
    if (w < 1 || w > GRID_WIDTH) throw new Error(`panel width ${w} is outside 1..${GRID_WIDTH}`);
    if (this.x + w > GRID_WIDTH) this.newLine();
    const pos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.lineHeight = Math.max(this.lineHeight, h);
    return pos;
  }

  /** Full-width row header on a line of its own. */
  row(): GridPos {
    this.newLine();
    const pos = { x: 0, y: this.y, w: GRID_WIDTH, h: 1 };
    this.y += 1;
    return pos;
  }

  private newLine(): void {
    this.y += this.lineHeight;
    this.x = 0;
    this.lineHeight = 0;
  }
}
