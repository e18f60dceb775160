/**
 * Entry of `npx closeloop` (cli/bin.mjs loads it through tsx): real stdout/stderr, the system
 * clock, AWS clients from the default credential chain.
 */
import { systemClock } from '../shared/clock.ts';
import { defaultAws } from './aws.ts';
import { run } from './program.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  clock: systemClock,
  aws: defaultAws(systemClock),
  stdin: readStdin,
});
