// The graph of a spec: each layer's `inputs` resolved to earlier nodes of the expanded list
// (topological order is the list order, so a forward reference is a cycle or a misordering),
// with one clear error per malformed graph.

import { describeValue } from '../describe.js';
import { PacgenError } from '../errors.js';
import type { LayerSpec } from '../spec.js';

/** The name by which `inputs` refer to the network's input. */
export const INPUT_NAME = 'input';

/** Layer kinds that read more than one input. */
const MULTI_INPUT = new Set(['add', 'concat']);

/**
 * For each node of the expanded list (named, activations split off), the indices of the nodes
 * it reads (−1: the network's input). `outputOf` maps a spec layer's name to the node that
 * carries its output (its split-off activation, when it has one). Throws PacgenError on a
 * duplicate name, a reference to a later or unknown layer, several inputs on a one-input
 * layer, or a node whose output nothing reads. Cost: O(layers + edges).
 */
export function resolveInputs(nodes: LayerSpec[], outputOf: Map<string, string>): number[][] {
  const index = new Map<string, number>();
  nodes.forEach((l, i) => {
    const name = l.name as string;
    if (name === INPUT_NAME) {
      throw new PacgenError(
        `layer ${i}: the name '${INPUT_NAME}' is reserved for the network's input`,
      );
    }
    if (index.has(name)) throw new PacgenError(`duplicate layer name ${describeValue(name)}`);
    index.set(name, i);
  });
  const resolved = nodes.map((l, i) => {
    const where = `layer ${describeValue(l.name)} (${describeValue(l.type)})`;
    if (l.inputs === undefined) return [i - 1];
    if (!Array.isArray(l.inputs) || l.inputs.length === 0) {
      throw new PacgenError(`${where}: inputs must be a non-empty list of layer names`);
    }
    if (l.inputs.length > 1 && !MULTI_INPUT.has(l.type)) {
      throw new PacgenError(
        `${where} takes one input but names ${l.inputs.length} (only add and concat take several)`,
      );
    }
    return l.inputs.map((ref) => {
      if (ref === INPUT_NAME) return -1;
      if (typeof ref !== 'string') {
        throw new PacgenError(`${where}: input ${describeValue(ref)} is not a layer name`);
      }
      const j = index.get(outputOf.get(ref) ?? ref);
      if (j === undefined) {
        throw new PacgenError(`${where}: input ${describeValue(ref)} names no layer (dangling)`);
      }
      if (j >= i) {
        throw new PacgenError(
          `${where}: input ${describeValue(ref)} is not an earlier layer (a cycle or a forward reference; list layers in order)`,
        );
      }
      return j;
    });
  });
  checkAllUsed(nodes, resolved);
  return resolved;
}

/** Every node but the last (the output) must be read by a later one. */
function checkAllUsed(nodes: LayerSpec[], inputs: number[][]): void {
  const used = new Uint8Array(nodes.length);
  for (const list of inputs) for (const j of list) if (j >= 0) used[j] = 1;
  for (let i = 0; i < nodes.length - 1; i++) {
    if (!used[i]) {
      throw new PacgenError(
        `layer ${describeValue(nodes[i].name)}'s output is never used (the last layer is the network's output)`,
      );
    }
  }
}
