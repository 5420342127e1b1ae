// `npm run e2e`: the browser tests, with Node's own test runner.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', join(here, 'library.test.mjs'), join(here, 'newcomer.test.mjs')],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
