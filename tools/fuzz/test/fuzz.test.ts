// The fuzzing of `npm test`: every parser fed 2,000 seeded mutations of its seed files (the
// full run, `npm run fuzz`, feeds 10⁵), failing on any exception that is not a clear one-line
// PacgenError and on any hang; and the harness's own checks (watchdog, reproducibility).

import { Random } from '@pacgen/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inputSeed, makeInput } from '../src/mutate.js';
import { runFuzz } from '../src/runner.js';
import { buildCorpus, type Corpus } from '../src/seeds.js';
import { SELF_TEST, TARGETS, selfTestOutcome } from '../src/targets.js';

/** Inputs per parser here; seed 1 (the full run uses the same seed, so these are its first). */
const INPUTS = 2000;
const SEED = 1;

let corpus: Corpus;
beforeAll(async () => {
  corpus = await buildCorpus();
});

describe('fuzzing every parser', () => {
  it(`${INPUTS} inputs each: results or clear errors only, no other exception, no hang`, async () => {
    const reports = await runFuzz({
      corpus,
      targets: TARGETS.map((t) => t.name),
      inputs: INPUTS,
      seed: SEED,
      timeoutMs: 10_000,
      workers: 2,
    });
    for (const r of reports) {
      // The findings name the input: `npm run fuzz -- --replay TARGET:INDEX` reproduces it.
      expect(r.findings, `${r.target}: npm run fuzz -- --replay ${r.target}:INDEX`).toEqual([]);
      expect(r.accepted + r.clean, r.target).toBe(INPUTS);
      // Every seed is accepted, and some mutations get past the first checks to be accepted too.
      expect(r.accepted, r.target).toBeGreaterThan(corpus[r.target].length);
      expect(r.clean, r.target).toBeGreaterThan(INPUTS / 2);
    }
    // A hang is each input's watchdog (timeoutMs); the whole run's limit only has to outlast a
    // loaded machine (about 60 s idle on 2 cores, 120 s was exceeded at load average 10–17).
  }, 600_000);
});

describe('the harness', () => {
  it('counts hangs and other exceptions, ends a hung worker and carries on', async () => {
    const selfCorpus: Corpus = { [SELF_TEST.name]: [{ files: [new Uint8Array(40)] }] };
    const n = 40;
    const expected = { accepted: 0, clean: 0, other: 0, hang: 0 };
    const hangs: number[] = [];
    for (let i = 0; i < n; i++) {
      const input = makeInput(
        selfCorpus[SELF_TEST.name],
        [false],
        new Random(inputSeed(SEED, SELF_TEST.name, i)),
        i,
      );
      const o = selfTestOutcome(input.files[0].length) as keyof typeof expected;
      expected[o]++;
      if (o === 'hang') hangs.push(i);
    }
    expect(expected.hang).toBeGreaterThan(0);
    expect(expected.other).toBeGreaterThan(0);
    const [r] = await runFuzz({
      corpus: selfCorpus,
      targets: [SELF_TEST.name],
      inputs: n,
      seed: SEED,
      timeoutMs: 300,
      workers: 1,
      batch: 10,
    });
    expect([r.accepted, r.clean, r.exceptions, r.hangs]).toEqual([
      expected.accepted,
      expected.clean,
      expected.other,
      expected.hang,
    ]);
    expect(r.findings.filter((f) => f.kind === 'hang').map((f) => f.index)).toEqual(hangs);
    expect(r.findings.find((f) => f.kind === 'exception')?.error).toMatch(
      /^(TypeError: not a clear error|PacgenError: two\nlines)/,
    );
  });

  it('an input is a function of (seed, target, index) alone', () => {
    const t = TARGETS.find((x) => x.name === 'tfjs')!;
    const make = (seed: number, i: number) =>
      makeInput(corpus.tfjs, t.json, new Random(inputSeed(seed, 'tfjs', i)), i).files;
    expect(make(SEED, 123)).toEqual(make(SEED, 123));
    expect(make(SEED, 123)).not.toEqual(make(SEED, 124));
    expect(make(SEED, 123)).not.toEqual(make(SEED + 1, 123));
    // The first inputs are the seeds themselves.
    expect(make(SEED, 0)).toEqual(corpus.tfjs[0].files);
  });
});
