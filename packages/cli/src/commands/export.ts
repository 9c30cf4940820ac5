// `pacgen export MODEL --out DIR`: a model file pacgen reads (a TF.js model.json or folder, a
// .safetensors file with its layer list, an ONNX file) written as DIR/model.onnx (opset 17),
// with its batch-norm running statistics, for PyTorch, onnxruntime and other ONNX tools. The
// folder is written beside the target and moved into place (output.ts).

import { join } from 'node:path';
import { saveOnnxModel } from '@pacgen/metrics/node';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { UsageError } from '../errors.js';
import { int } from '../format.js';
import { choice, flags } from '../flag.js';
import { MODEL_POSITIONAL } from '../options.js';
import { FLAG } from '../vocabulary.js';
import { checkOutputTarget, withStagedDir } from '../output.js';
import { resolveModel } from '../resolve.js';

interface ExportArgs extends GlobalArgs {
  model: string;
  out: string;
  arch?: string;
  precision: 'f32' | 'f64';
  force: boolean;
}

/** The file written into --out. */
export const ONNX_FILE = 'model.onnx';

export default defineCommand<ExportArgs>({
  command: 'export <model>',
  describe: 'write a trained model as ONNX (model.onnx, opset 17)',
  positional: { model: MODEL_POSITIONAL },
  options: {
    out: { type: 'string', demandOption: true, describe: 'folder to write model.onnx into' },
    ...flags({
      arch: FLAG.arch,
      precision: choice('type of the initializers', ['f32', 'f64'] as const, 'f32'),
      force: FLAG.force,
    }),
  },
  examples: [
    '$0 export runs/resnet/model.json --out runs/resnet-onnx  # a trained model as runs/resnet-onnx/model.onnx',
    '$0 export net.safetensors --arch net.json --out onnx/ --precision f64  # float64 initializers',
  ],
  handler: async (argv, ctx) => {
    await checkOutputTarget(argv.out, argv.force);
    const model = await resolveModel(argv.model, { arch: argv.arch });
    if (!model.params) {
      throw new UsageError(`${argv.model} is a preset: export a trained model file`);
    }
    const { spec, params, buffers } = model;
    await withStagedDir(argv.out, { overwrite: argv.force }, async (dir) => {
      await saveOnnxModel(join(dir, ONNX_FILE), spec, params, {
        buffers,
        precision: argv.precision,
      });
    });
    const file = join(argv.out, ONNX_FILE);
    ctx.result({ model: model.source, onnx: file, parameters: params.length });
    ctx.print(`wrote ${file} (${int(params.length)} parameters, ${argv.precision} initializers)`);
  },
});
