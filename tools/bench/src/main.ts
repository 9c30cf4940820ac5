#!/usr/bin/env node
// Entry point of `npm run bench`: the report on stdout, progress on stderr; with --json only
// the rows on stdout.

import { USAGE, UsageError, parseArgs } from './args.js';
import { jsonRows, renderReport } from './report.js';
import { runBench } from './run.js';

async function main(): Promise<string> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) return `${USAGE}\n`;
  // Libraries print banners with console.log; stdout is reserved for the result.
  console.log = console.error;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const result = await runBench(opts, log);
  return opts.json
    ? `${JSON.stringify(jsonRows(result), null, 2)}\n`
    : `\n${renderReport(result, opts)}\n`;
}

main().then(
  // Exit once stdout is flushed: the wasm backend can leave handles open.
  (text) => process.stdout.write(text, () => process.exit(0)),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`bench failed: ${text}\n`);
    process.exit(1);
  },
);
