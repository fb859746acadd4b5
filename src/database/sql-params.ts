/** Collects positional parameters while a query is assembled: `p.add(v)` returns its `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(
    initial: unknown[] = [],
    private readonly placeholder: (n: number) => string = (n) => `$${n}`,
  ) {
    this.values.push(...initial);
  }
  add(value: unknown): string {
    this.values.push(value);
    return this.placeholder(this.values.length);
  }
}
