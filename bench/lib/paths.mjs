// Locations inside the repository, independent of the working directory.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const TMP_DIR = join(RESULTS_DIR, 'tmp');

/** A module of the built app (dist/), as an import() specifier. */
export const dist = (rel) => pathToFileURL(join(REPO_DIR, 'dist', rel)).href;
