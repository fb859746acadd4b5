export class HealthResponse {
  /** `ok`, or `unavailable` while the database cannot be reached or the app is stopping */
  status!: 'ok' | 'unavailable';
  /** Which check failed, when one did */
  reason?: 'database' | 'migrations' | 'shutting_down';
}
