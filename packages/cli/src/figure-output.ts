// A command's figures as the files it writes under figures/: each SVG, and its PNG unless
// --no-png. Yields to the event loop between figures, so a Ctrl-C gets through the rasterising.

import { breathe } from './interrupt.js';
import { figureFiles } from './plot/index.js';

/** The flags of `figureOptions`, as parsed. */
export interface FigureArgs {
  png: boolean;
  'png-width': number;
}

/**
 * `figures/NAME.svg` (and `.png`) for every SVG of `svgs`, by file name. Cost: one resvg render
 * per PNG.
 */
export async function figureFileSet(
  svgs: Record<string, string>,
  args: FigureArgs,
): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = {};
  for (const [name, svg] of Object.entries(svgs)) {
    Object.assign(
      files,
      figureFiles(`figures/${name}`, svg, { png: args.png, width: args['png-width'] }),
    );
    await breathe();
  }
  return files;
}
