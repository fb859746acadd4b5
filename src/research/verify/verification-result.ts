export interface VerificationFailure {
  check: string;
  message: string;
}

/** What the verifier found; callers serve nothing unless `passed` (fail-closed). */
export interface VerificationResult {
  passed: boolean;
  checks: string[];
  failures: VerificationFailure[];
}

export class Findings {
  readonly failures: VerificationFailure[] = [];
  readonly checks: string[] = [];

  begin(check: string): void {
    if (!this.checks.includes(check)) this.checks.push(check);
  }

  fail(check: string, message: string): void {
    this.begin(check);
    this.failures.push({ check, message });
  }

  expect(check: string, ok: boolean, message: string): void {
    this.begin(check);
    if (!ok) this.failures.push({ check, message });
  }

  result(): VerificationResult {
    return { passed: this.failures.length === 0 && this.checks.length > 0, checks: [...this.checks], failures: [...this.failures] };
  }
}

/** Runs a verification and turns any exception into a failure: a crashing verifier never passes anything. */
export async function failClosed(run: (f: Findings) => void | Promise<void>): Promise<VerificationResult> {
  const f = new Findings();
  try {
    await run(f);
  } catch (e) {
    f.fail('verifier', `verifier error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return f.result();
}
