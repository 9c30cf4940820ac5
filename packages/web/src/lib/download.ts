// Saving results: blobs as downloads, an SVG element as .svg or .png, a canvas as .png.

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveJson(value: unknown, name: string): void {
  // Typed arrays become plain arrays.
  const text = JSON.stringify(
    value,
    (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v),
    2,
  );
  saveBlob(new Blob([text], { type: 'application/json' }), name);
}

/** The SVG's markup, standalone (namespace and white background added). */
export function svgText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.viewBox.baseVal;
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', 'white');
  copy.insertBefore(bg, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

export function saveSvg(svg: SVGSVGElement, name: string): void {
  saveBlob(new Blob([svgText(svg)], { type: 'image/svg+xml' }), name);
}

/** Renders the SVG at 2× into a canvas and saves it as PNG. */
export async function saveSvgAsPng(svg: SVGSVGElement, name: string): Promise<void> {
  const { width, height } = svg.viewBox.baseVal;
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 2 * width;
    canvas.height = 2 * height;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, width, height);
    await saveCanvas(canvas, name);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function saveCanvas(canvas: HTMLCanvasElement, name: string): Promise<void> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the image'));
      saveBlob(blob, name);
      resolve();
    }, 'image/png'),
  );
}

/** Reads chosen files as named byte arrays. */
export async function readFiles(
  files: Iterable<File>,
): Promise<{ name: string; bytes: Uint8Array }[]> {
  return Promise.all(
    [...files].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
}
