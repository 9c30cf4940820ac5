// Keras functional topologies (class 'Functional' in Keras 2/3, 'Model' in TF.js): the layer
// graph as model.json stores it — each layer's inbound nodes in the TF.js/Keras 2 spelling
// ([[name, node, tensor, kwargs], …]) or Keras 3's ({ args: [keras tensors …] }) — checked and
// put in an order where every layer comes after its inputs and the output comes last.
// Browser-safe.

import { PacgenError, describeValue } from '@pacgen/core-wasm';
import {
  channelsAfter,
  readLayer,
  type ChannelInfo,
  type KerasLayer,
  type ReadState,
} from './keras-layers.js';
import { listNames } from './model.js';
import { isObject } from './tfjs-format.js';

/** One layer of the graph and the layers it reads, by name. */
export interface KerasNode {
  layer: KerasLayer;
  name: string;
  inbound: string[];
}

/** The graph in reading order: the input layer first, the output layer last. */
export interface KerasGraph {
  nodes: KerasNode[];
  input: string;
  output: string;
}

/** Whether a topology is a functional model (the readers' switch). */
export function isFunctional(topology: Record<string, unknown>): boolean {
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  return top.class_name === 'Functional' || top.class_name === 'Model';
}

/** The one [name, node, tensor] of `input_layers` / `output_layers` (flat in some Keras 3). */
function endpoint(v: unknown, what: string, file: string): string {
  const list = Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length !== 1 || !Array.isArray(list[0])) {
    throw new PacgenError(
      `${file}: the model must have exactly one ${what}, got ${describeValue(v)}`,
    );
  }
  const [name, node, tensor] = list[0] as unknown[];
  if (typeof name !== 'string' || (node ?? 0) !== 0 || (tensor ?? 0) !== 0) {
    throw new PacgenError(`${file}: ${what} ${describeValue(list[0])} is not [layer name, 0, 0]`);
  }
  return name;
}

/** The layer names a Keras 3 call's arguments refer to (keras_history), depth-first. */
function kerasHistory(v: unknown, out: string[], depth: number): void {
  if (depth > 4) return;
  if (Array.isArray(v)) {
    for (const x of v) kerasHistory(x, out, depth + 1);
  } else if (isObject(v)) {
    const h = isObject(v.config) ? v.config.keras_history : undefined;
    if (Array.isArray(h)) {
      if (typeof h[0] !== 'string' || (h[1] ?? 0) !== 0 || (h[2] ?? 0) !== 0) {
        throw new PacgenError(`inbound tensor ${describeValue(h)} is not [layer name, 0, 0]`);
      }
      out.push(h[0]);
    }
  }
}

/** The names a layer reads, from its one inbound node (none for an input layer). */
function inboundNames(l: Record<string, unknown>, where: string): string[] {
  const nodes = l.inbound_nodes ?? [];
  if (!Array.isArray(nodes) || nodes.length > 1) {
    throw new PacgenError(
      `${where}: is called ${Array.isArray(nodes) ? nodes.length : 'an unknown number of'} times; a layer shared between calls is not supported`,
    );
  }
  if (nodes.length === 0) return [];
  const node = nodes[0];
  const names: string[] = [];
  try {
    if (isObject(node)) kerasHistory(node.args, names, 0);
    else if (Array.isArray(node)) {
      for (const t of node) {
        if (!Array.isArray(t) || typeof t[0] !== 'string' || (t[1] ?? 0) !== 0 || (t[2] ?? 0) !== 0)
          throw new PacgenError(`inbound tensor ${describeValue(t)} is not [layer name, 0, 0]`);
        names.push(t[0]);
      }
    }
  } catch (e) {
    throw e instanceof PacgenError ? new PacgenError(`${where}: ${e.message}`) : e;
  }
  if (names.length === 0) throw new PacgenError(`${where}: its inbound node names no layer`);
  return names;
}

/**
 * Checks a functional topology and orders its layers so that each follows the layers it reads
 * (the file's order where it already does). Refuses, naming the layer: a duplicate name, an
 * inbound node naming no layer of the model, a cycle, a layer that does not lead to the output,
 * a layer called more than once, more than one input or output. O(layers + edges).
 */
export function functionalGraph(topology: Record<string, unknown>, file: string): KerasGraph {
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  const config = isObject(top.config) ? top.config : {};
  const layers = config.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new PacgenError(`${file}: the functional model has no layers`);
  }
  const byName = new Map<string, KerasNode>();
  const listed: KerasNode[] = layers.map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) {
      throw new PacgenError(`${file}: layer ${i} needs class_name and config`);
    }
    const name = l.name ?? l.config.name;
    if (typeof name !== 'string') throw new PacgenError(`${file}: layer ${i} has no name`);
    const where = `${file}: layer ${describeValue(name)} (${describeValue(l.class_name)})`;
    if (byName.has(name)) throw new PacgenError(`${where}: a second layer has this name`);
    const node = { layer: l as KerasLayer, name, inbound: inboundNames(l, where) };
    byName.set(name, node);
    return node;
  });
  const input = endpoint(config.input_layers, 'input layer', file);
  const output = endpoint(config.output_layers, 'output layer', file);
  for (const [what, n] of [
    ['input', input],
    ['output', output],
  ] as const) {
    if (!byName.has(n))
      throw new PacgenError(`${file}: the ${what} layer ${describeValue(n)} is not in the model`);
  }
  const consumers = new Map<string, KerasNode[]>(listed.map((n) => [n.name, []]));
  for (const n of listed) {
    for (const src of n.inbound) {
      const list = consumers.get(src);
      if (!list) {
        throw new PacgenError(
          `${file}: layer ${describeValue(n.name)} reads ${describeValue(src)}, which is not a layer of the model (a dangling inbound node)`,
        );
      }
      list.push(n);
    }
  }
  // Layers the output depends on: any other layer would carry weights nothing uses.
  const needed = new Set<string>([output]);
  const stack = [output];
  while (stack.length > 0) {
    for (const src of byName.get(stack.pop()!)!.inbound) {
      if (needed.has(src)) continue;
      needed.add(src);
      stack.push(src);
    }
  }
  const unused = listed.filter((n) => !needed.has(n.name)).map((n) => n.name);
  if (unused.length > 0) {
    throw new PacgenError(`${file}: layers that do not lead to the output: ${listNames(unused)}`);
  }
  return { nodes: topologicalOrder(listed, consumers, file), input, output };
}

/**
 * The file's order when every layer already follows its inputs (what Keras and TF.js write), else
 * Kahn's order; a cycle leaves layers unplaced. O(layers + edges).
 */
function topologicalOrder(
  listed: KerasNode[],
  consumers: Map<string, KerasNode[]>,
  file: string,
): KerasNode[] {
  const seen = new Set<string>();
  if (listed.every((n) => n.inbound.every((s) => seen.has(s)) && seen.add(n.name))) return listed;
  const waiting = new Map(listed.map((n) => [n, n.inbound.length]));
  const order = listed.filter((n) => n.inbound.length === 0);
  for (let i = 0; i < order.length; i++) {
    for (const c of consumers.get(order[i].name)!) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) order.push(c);
    }
  }
  if (order.length < listed.length) {
    const stuck = listed.filter((n) => waiting.get(n)! > 0).map((n) => n.name);
    throw new PacgenError(`${file}: the layer graph has a cycle through ${listNames(stuck)}`);
  }
  return order;
}

/** What a Keras layer's output is in our spec: a layer name or 'input', and a pending pad. */
interface Resolved extends ChannelInfo {
  spec: string;
  /** A ZeroPadding2D's padding, for the Conv2D that reads it. */
  pad: number | null;
}

/**
 * Reads a functional graph's layers into `s` (each with its `inputs`); layers that compute
 * nothing of their own (InputLayer, ZeroPadding2D, a linear Activation) stand for their input.
 * Returns the input shape. O(layers + edges).
 */
export function readGraph(graph: KerasGraph, file: string, s: ReadState): number[] {
  s.names.take('input'); // the spec's name for the network input
  const resolved = new Map<string, Resolved>();
  let inputShape: number[] | null = null;
  graph.nodes.forEach((node, i) => {
    const where = `${file}: layer ${describeValue(node.name)} (${describeValue(node.layer.class_name)})`;
    if (node.name === graph.input) {
      if (node.layer.class_name !== 'InputLayer') {
        throw new PacgenError(`${where}: the input layer must be an InputLayer`);
      }
      inputShape = readLayer(node.layer, i, file, s, true);
      if (inputShape === null) throw new PacgenError(`${where}: no batch_input_shape`);
      resolved.set(node.name, { spec: 'input', channels: s.channels, rank: s.rank, pad: null });
      return;
    }
    if (node.inbound.length === 0) {
      throw new PacgenError(`${where}: reads no layer (only one input layer is supported)`);
    }
    const ins = node.inbound.map((n) => resolved.get(n)!);
    s.pad = ins.find((r) => r.pad !== null)?.pad ?? null;
    ({ channels: s.channels, rank: s.rank } = ins[0]);
    s.lastAct = null;
    const before = s.layers.length;
    readLayer(node.layer, i, file, s, false);
    if (s.layers.length > before) {
      const layer = s.layers[before];
      layer.inputs = ins.map((r) => r.spec);
      resolved.set(node.name, { ...channelsAfter(layer, ins), spec: layer.name!, pad: null });
      return;
    }
    if (ins.length !== 1) throw new PacgenError(`${where}: reads ${ins.length} layers, not one`);
    resolved.set(node.name, { ...ins[0], pad: s.pad });
    s.pad = null;
  });
  const out = resolved.get(graph.output)!;
  if (out.pad !== null) throw new PacgenError(`${file}: the model ends with a ZeroPadding2D layer`);
  if (out.spec !== s.layers[s.layers.length - 1]?.name) {
    throw new PacgenError(
      `${file}: the output layer ${describeValue(graph.output)} computes nothing`,
    );
  }
  return inputShape!;
}
