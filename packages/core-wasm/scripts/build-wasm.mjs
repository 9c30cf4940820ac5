// Compiles the engine four times: f32 and f64, each as plain SIMD (engine-f32.wasm) and with
// relaxed SIMD's fused multiply-add (engine-f32-fma.wasm); src/module.ts picks one at load time.
import process from 'node:process';
import asc from 'assemblyscript/asc';

const common = ['-O3', '--runtime', 'stub', '--noAssert', '--initialMemory', '32'];
for (const real of ['f32', 'f64']) {
  for (const [suffix, features] of [
    ['', ['--enable', 'simd']],
    ['-fma', ['--enable', 'simd', '--enable', 'relaxed-simd']],
  ]) {
    const out = `build/engine-${real}${suffix}.wasm`;
    const { error, stderr } = await asc.main(
      ['assembly/index.ts', '--use', `Real=${real}`, '-o', out, ...common, ...features],
      { stdout: process.stdout, stderr: process.stderr },
    );
    if (error) {
      process.stderr.write(`asc failed for ${out}: ${error.message}\n${stderr.toString()}\n`);
      process.exit(1);
    }
  }
}
