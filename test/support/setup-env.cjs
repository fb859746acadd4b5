// Runs in every database test file before its modules load.
process.env.NODE_ENV = 'test';
if (!process.env.TEST_DB_ADMIN_URL) {
  process.env.PGLITE_DATA_DIR = 'memory://';
}
