// Worker side of ParallelNetwork: one Network with a full copy of the data; computes the part
// of a pass it is sent and replies with mean results (the caller weights them by count).

import type { KinkCount } from '../network/hvp.js';
import { Network } from '../network/network.js';
import type { WorkerReply, WorkerRequest } from './transport.js';
import { nodeWorkerThreads } from '#platform';

type Reply = (msg: WorkerReply, transfer: ArrayBuffer[]) => void;

let net: Network | null = null;

function ready(): Network {
  if (!net) throw new Error('worker received a request before init');
  return net;
}

async function handle(msg: WorkerRequest, reply: Reply): Promise<void> {
  try {
    switch (msg.type) {
      case 'init':
        net = await Network.create(msg.spec, {
          precision: msg.precision,
          maxBatch: msg.maxBatch,
          kernels: msg.kernels,
        });
        return reply({ id: msg.id, ok: true }, []);
      case 'data':
        ready().setData(msg.x, msg.y);
        return reply({ id: msg.id, ok: true }, []);
      case 'buffers':
        ready().setBuffers(msg.values);
        return reply({ id: msg.id, ok: true }, []);
      case 'pass': {
        const n = ready();
        if (msg.params) n.setParams(msg.params);
        const opts = { samples: msg.samples, training: msg.training, seed: msg.seed };
        if (!msg.grad) return reply({ id: msg.id, ok: true, result: n.evaluate(opts) }, []);
        const { grad, ...result } = n.gradient(opts);
        const out = grad.slice();
        return reply({ id: msg.id, ok: true, result, out }, [out.buffer as ArrayBuffer]);
      }
      case 'hvp': {
        const n = ready();
        if (msg.params) n.setParams(msg.params);
        const kinks: KinkCount = {};
        const { samples, step, richardson, gaussNewton } = msg;
        const out = n.hvp(msg.v, { samples, step, richardson, gaussNewton, kinks }).slice();
        const crossings = kinks.crossings;
        return reply({ id: msg.id, ok: true, out, crossings }, [out.buffer as ArrayBuffer]);
      }
      case 'diagonal': {
        const n = ready();
        if (msg.params) n.setParams(msg.params);
        const out = n.diagonal(msg.kind, { samples: msg.samples });
        return reply({ id: msg.id, ok: true, out }, [out.buffer as ArrayBuffer]);
      }
    }
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    reply({ id: msg.id, ok: false, error: { name: error.name, message: error.message } }, []);
  }
}

// Requests are handled strictly in order: only init awaits, and the caller waits for it.
let queue: Promise<void> = Promise.resolve();
function receive(msg: WorkerRequest, reply: Reply): void {
  queue = queue.then(() => handle(msg, reply));
}

const workerThreads = nodeWorkerThreads();
if (workerThreads) {
  const { parentPort } = workerThreads;
  if (!parentPort) throw new Error('parallel/worker must run in a worker thread');
  parentPort.on('message', (msg: WorkerRequest) =>
    receive(msg, (r, t) => parentPort.postMessage(r, t)),
  );
} else {
  // Set synchronously, before the first message can arrive.
  const scope = globalThis as unknown as {
    onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
    postMessage(msg: WorkerReply, transfer: ArrayBuffer[]): void;
  };
  scope.onmessage = (e) => receive(e.data, (r, t) => scope.postMessage(r, t));
}
