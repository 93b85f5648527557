import type { Page } from 'playwright-core';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ChartPixels {
  /** uPlot's plot area (inside the axes), in canvas pixels. */
  plot: Box;
  /** How many canvas pixels have the colour, and the box around them (empty: left > right). */
  count: number;
  found: Box;
}

// The little of the DOM the function below uses in the page: this project's tests compile without the DOM library.
interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
}
interface PageCanvas {
  width: number;
  height: number;
  getBoundingClientRect(): Rect;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): PageImage } | null;
}
interface PageImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}
interface PageDocument {
  querySelector(selector: string): PageCanvas | null;
}

/**
 * Where a colour is drawn on a chart's canvas. What uPlot draws (lines, points, rules) is only pixels,
 * so the test looks at the pixels; legend and cursor are DOM elements and never counted.
 */
export function pixelsOf(
  page: Page,
  chart: string,
  [red, green, blue]: [number, number, number],
): Promise<ChartPixels> {
  return page.evaluate(
    ({ chart, red, green, blue }) => {
      const { document } = globalThis as unknown as { document: PageDocument };
      const canvas = document.querySelector(`${chart} canvas`);
      const over = document.querySelector(`${chart} .u-over`);
      if (!canvas || !over) throw new Error(`${chart} has no chart`);
      const box = canvas.getBoundingClientRect();
      const area = over.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const plot = {
        left: (area.left - box.left) * scale,
        top: (area.top - box.top) * scale,
        right: (area.right - box.left) * scale,
        bottom: (area.bottom - box.top) * scale,
      };
      const context = canvas.getContext('2d');
      if (!context) throw new Error(`${chart} draws on no 2D canvas`);
      const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
      let count = 0;
      // Close to the colour, not equal: edges are anti-aliased.
      const near = (a: number, b: number) => Math.abs(a - b) <= 24;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (data[i + 3] < 200 || !near(data[i], red) || !near(data[i + 1], green) || !near(data[i + 2], blue))
            continue;
          count += 1;
          found.left = Math.min(found.left, x);
          found.right = Math.max(found.right, x);
          found.top = Math.min(found.top, y);
          found.bottom = Math.max(found.bottom, y);
        }
      }
      return { plot, count, found };
    },
    { chart, red, green, blue },
  );
}
