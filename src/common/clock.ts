import { Injectable } from '@nestjs/common';

/**
 * The application's notion of "now". Session expiry, TOTP steps and throttling read it, so tests can
 * move time instead of sleeping.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Test support: shift the clock forward (or back) relative to real time. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
