// Names in model files: unique layer names for a topology that repeats them, and the manifest
// weight of each of our tensors. Both linear in the number of layers and weights, because a
// hostile model.json may hold tens of thousands of them (a quadratic search took minutes).
// Browser-safe.

/**
 * Hands out layer names not handed out before: `base`, else `base_1`, `base_2`, …; a counter
 * per base keeps this linear however many layers share a name.
 */
export function uniqueNames(): { take(base: string): string; release(name: string): void } {
  const taken = new Set<string>();
  const next = new Map<string, number>();
  return {
    take(base) {
      let name = base;
      if (taken.has(name)) {
        let k = next.get(base) ?? 1;
        while (taken.has(`${base}_${k}`)) k++;
        next.set(base, k + 1);
        name = `${base}_${k}`;
      }
      taken.add(name);
      return name;
    },
    release(name) {
      taken.delete(name);
    },
  };
}

/**
 * Finds the manifest weight of each tensor of ours, in linear time overall: the weight of that
 * exact name; else the first unused one whose name ends in '/' + that name (converted Keras
 * models prefix names, e.g. 'sequential/dense_1/kernel'); else the next unused one in
 * manifest order. Undefined when the exact one is taken or none is left. Our tensor names are
 * 'layer/kernel' or 'layer/bias' with no other '/', so a prefixed weight is found by its last
 * two segments.
 */
export function weightMatcher<W extends { name: string }>(
  weights: W[],
): ((tensor: string) => W | undefined) & { used: Set<W> } {
  const used = new Set<W>();
  const byName = new Map(weights.map((w) => [w.name, w]));
  const byTail = new Map<string, { list: W[]; at: number }>();
  for (const w of weights) {
    const last = w.name.lastIndexOf('/');
    const cut = last > 0 ? w.name.lastIndexOf('/', last - 1) : -1;
    if (cut < 0) continue;
    const tail = w.name.slice(cut + 1);
    const entry = byTail.get(tail);
    if (entry) entry.list.push(w);
    else byTail.set(tail, { list: [w], at: 0 });
  }
  let next = 0;
  const take = (w: W | undefined) => {
    if (w === undefined || used.has(w)) return undefined;
    used.add(w);
    return w;
  };
  const match = (tensor: string): W | undefined => {
    const exact = byName.get(tensor);
    if (exact) return take(exact);
    const entry = byTail.get(tensor);
    if (entry) {
      // Each list is walked once overall: the cursor only moves past used weights.
      while (entry.at < entry.list.length && used.has(entry.list[entry.at])) entry.at++;
      if (entry.at < entry.list.length) return take(entry.list[entry.at]);
    }
    while (next < weights.length && used.has(weights[next])) next++;
    return take(weights[next]);
  };
  return Object.assign(match, { used });
}
