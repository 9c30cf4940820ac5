// A chart as the files a command writes: NAME.svg, and NAME.png unless PNG is off.

import { svgToPng } from './png.js';

export interface FigureOptions {
  /** Also rasterise to PNG (default true). */
  png?: boolean;
  /** PNG width in pixels (default 1000). */
  width?: number;
}

/** `{ 'NAME.svg': svg, 'NAME.png': bytes }`. Cost: one resvg render per PNG. */
export function figureFiles(
  name: string,
  svg: string,
  options: FigureOptions = {},
): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = { [`${name}.svg`]: svg };
  if (options.png ?? true) files[`${name}.png`] = svgToPng(svg, { width: options.width ?? 1000 });
  return files;
}
