import { Foundation1764320000000 } from './1764320000000-Foundation.js';

/** Every migration in order; the app, the CLI and the test template all run this list. */
export const MIGRATIONS = [Foundation1764320000000];
