/**
 * Counts failed sign-ins per account (the name tried, any case) and per client address, each in a fixed
 * window: past its limit, further sign-ins (right passwords too) are refused until the window ends.
 * Kept in memory: a restart of the server starts the counts again, which only an admin can do.
 */
export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

/** 5 wrong passwords for one name, or 20 from one address, in 15 minutes. */
export const SIGN_IN_LIMITS: SignInLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

interface Window {
  failures: number;
  endsAt: number;
}

export class SignInLimiter {
  private readonly accounts = new Map<string, Window>();
  private readonly addresses = new Map<string, Window>();

  constructor(
    private readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this account and address may try again, or 0 when they may now. */
  waitSeconds(account: string, address: string): number {
    const ends = [this.blockedUntil(this.accounts, accountKey(account), this.limits.perAccount), this.blockedUntil(this.addresses, address, this.limits.perAddress)];
    const until = Math.max(...ends);
    return until > 0 ? Math.ceil((until - this.now()) / 1000) : 0;
  }

  recordFailure(account: string, address: string): void {
    this.count(this.accounts, accountKey(account));
    this.count(this.addresses, address);
  }

  /** A right password clears its account's count (not the address's: one address may guess at many names). */
  recordSuccess(account: string): void {
    this.accounts.delete(accountKey(account));
  }

  private blockedUntil(windows: Map<string, Window>, key: string, limit: number): number {
    const window = this.live(windows, key);
    return window && window.failures >= limit ? window.endsAt : 0;
  }

  private count(windows: Map<string, Window>, key: string): void {
    // Names sprayed by a guesser would otherwise pile up: ended windows go once there are many.
    if (windows.size > 10_000) for (const [stale, { endsAt }] of windows) if (endsAt <= this.now()) windows.delete(stale);
    const window = this.live(windows, key) ?? { failures: 0, endsAt: this.now() + this.limits.windowMs };
    window.failures++;
    windows.set(key, window);
  }

  private live(windows: Map<string, Window>, key: string): Window | undefined {
    const window = windows.get(key);
    if (window && window.endsAt <= this.now()) windows.delete(key);
    return window && window.endsAt > this.now() ? window : undefined;
  }
}

const accountKey = (name: string) => name.trim().toLowerCase();
