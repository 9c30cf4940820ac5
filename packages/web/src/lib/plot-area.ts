// A figure's geometry: its size in CSS pixels, the margins for axes and labels, and the plot area
// (pw × ph) they leave.

export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function plotArea(W: number, H: number, M: Margins) {
  return { W, H, M, pw: W - M.left - M.right, ph: H - M.top - M.bottom };
}
