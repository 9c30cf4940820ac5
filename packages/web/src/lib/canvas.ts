// Drawing on the maps' canvases: a sharp context at the screen's pixel ratio, a grid of cells
// as an image, the viridis colour bar and a labelled marker.

import { css, viridis } from './colormap';

type Rgb = [number, number, number];

/** The canvas sized w × h CSS pixels at the device's pixel ratio, so lines stay sharp. */
export function sharpContext(
  canvas: HTMLCanvasElement,
  w: number,
  h: number,
  background?: string,
): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, w, h);
  }
  return ctx;
}

/** An nx × ny image, one pixel per cell, row 0 at the bottom (the lowest y), to scale up. */
export function cellImage(nx: number, ny: number, rgb: (i: number, j: number) => Rgb) {
  const img = new ImageData(nx, ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) img.data.set([...rgb(i, j), 255], 4 * ((ny - 1 - j) * nx + i));
  }
  const off = new OffscreenCanvas(nx, ny);
  off.getContext('2d')!.putImageData(img, 0, 0);
  return off;
}

/** Viridis from 1 at the top to 0 at the bottom of the box (x, y, w, h). */
export function colorBar(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  w: number,
  h: number,
) {
  for (let k = 0; k < h; k++) {
    ctx.fillStyle = css(viridis(1 - k / h));
    ctx.fillRect(x, y + k, w, 1);
  }
}

/** A dot of `radius` at (x, y), ringed in white, its label at (dx, dy) from it; state restored. */
export function marker(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  m: { label: string; color: string },
  radius: number,
  [dx, dy]: [number, number],
) {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = m.color;
  ctx.fill();
  ctx.strokeStyle = 'white';
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0,0,0,0.75)';
  ctx.strokeText(m.label, x + dx, y + dy);
  ctx.fillStyle = 'white';
  ctx.fillText(m.label, x + dx, y + dy);
  ctx.restore();
}
