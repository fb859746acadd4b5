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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid written into SQL text. Only for ids the server itself holds (the actor's id and districts),
 * inlined so that access-fact expressions add no parameters a query might leave unused.
 */
export function uuidLiteral(id: string): string {
  if (!UUID.test(id)) throw new Error('not a uuid');
  return `'${id.toLowerCase()}'::uuid`;
}

export function uuidArrayLiteral(ids: readonly string[]): string {
  return `ARRAY[${ids.map((id) => uuidLiteral(id)).join(', ')}]::uuid[]`;
}
