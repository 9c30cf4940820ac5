// The `--help` examples of a command, written one per line as they read on screen: the command
// line, two spaces and '#', then what it does.

/** [command line, description] pairs for yargs' `.example()` from 'CMD  # WHAT' strings. */
export function examples(lines: readonly string[]): [string, string][] {
  return lines.map((line) => {
    const i = line.indexOf('  # ');
    return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 4)];
  });
}
