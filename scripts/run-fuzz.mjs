// `npm run test:fuzz -- --runs 5000 [--seed N]`: the schema-aware fuzz suite (IN-01/IN-02, test/fuzz/)
// with a chosen number of requests per operation. Runs after `npm run build` (global setup imports dist/).
//
//   --runs N         requests per operation (FUZZ_RUNS, default 200)
//   --seed N         fast-check seed (FUZZ_SEED, default random and printed)
//   --replay FILE    replay one saved failure from test/fuzz/.failures/ (FUZZ_REPLAY)
//   --only TEXT      fuzz only operations whose "METHOD /path" contains TEXT (FUZZ_ONLY)
//   --survey         collect every distinct violation instead of stopping at the first (FUZZ_SURVEY=1)
//   --time-limit S   wall-clock cap per operation in seconds, 0 = none (FUZZ_OP_TIME_LIMIT_S)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = { '--runs': 'FUZZ_RUNS', '--seed': 'FUZZ_SEED', '--replay': 'FUZZ_REPLAY', '--only': 'FUZZ_ONLY', '--time-limit': 'FUZZ_OP_TIME_LIMIT_S' };
const env = { ...process.env };

function fail(message) {
  process.stderr.write(`run-fuzz: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--survey') {
    env.FUZZ_SURVEY = '1';
    continue;
  }
  const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
  const variable = options[name];
  if (!variable) fail(`unknown argument ${arg} (known: ${[...Object.keys(options), '--survey'].join(', ')})`);
  const value = inline ?? args[++i];
  if (value === undefined || value === '') fail(`${name} needs a value`);
  if ((name === '--runs' && !/^[1-9]\d*$/.test(value)) || (name === '--seed' && !/^-?\d+$/.test(value)) || (name === '--time-limit' && !/^\d+(\.\d+)?$/.test(value))) {
    fail(`${name} must be a number, got ${value}`);
  }
  env[variable] = name === '--replay' ? resolve(value) : value;
}

// The path pattern goes through --testPathPatterns: after --selectProjects a bare path would be read as
// a second project name and every db test would run.
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const child = spawn(process.execPath, ['--experimental-vm-modules', jest, '--selectProjects', 'db', '--testPathPatterns', 'test/fuzz'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
