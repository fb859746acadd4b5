/**
 * Walking the served OpenAPI document: every operation with its parameters, resolved request schema and
 * documented statuses. Nothing here knows a route by name, so new routes are fuzzed as soon as they are
 * documented.
 */

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  nullable?: boolean;
  description?: string;
  example?: unknown;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface RawOperation {
  operationId?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  security?: Array<Record<string, unknown>>;
}

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  /** `POST /api/v1/cases/{id}/transitions` */
  key: string;
  /** A file-name-safe form of the key. */
  slug: string;
  method: string;
  path: string;
  operationId: string;
  secured: boolean;
  pathParams: Parameter[];
  queryParams: Parameter[];
  headerParams: Parameter[];
  /** The JSON request schema, `$ref`s resolved; undefined when the operation takes no body. */
  body?: Schema;
  bodyRequired: boolean;
  /** Documented statuses, e.g. ['200', '400', '401', ...] (may contain `default` or `4XX`). */
  statuses: string[];
  /** The resolved schema of the first 2xx JSON response, when there is one. */
  okSchema?: Schema;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

export class SchemaResolver {
  constructor(private readonly doc: OpenApiDoc) {}

  /** Follows `$ref`s (cycle-safe) and folds `allOf` into one schema. */
  resolve(schema: Schema | undefined, seen: ReadonlySet<string> = new Set()): Schema | undefined {
    if (!schema) return undefined;
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return { type: 'object', description: `recursive ${schema.$ref}` };
      const target = this.lookup(schema.$ref);
      const { $ref: _ignored, ...rest } = schema;
      return this.resolve({ ...target, ...rest }, new Set([...seen, schema.$ref]));
    }
    if (schema.allOf?.length) {
      const parts = schema.allOf.map((s) => this.resolve(s, seen)!);
      const { allOf: _a, ...rest } = schema;
      return this.resolve(parts.reduce<Schema>((acc, p) => mergeSchemas(acc, p), rest), seen);
    }
    const out: Schema = { ...schema };
    if (schema.properties) {
      out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, this.resolve(v, seen)!]));
    }
    if (schema.items) out.items = this.resolve(schema.items, seen);
    if (schema.oneOf) out.oneOf = schema.oneOf.map((s) => this.resolve(s, seen)!);
    if (schema.anyOf) out.anyOf = schema.anyOf.map((s) => this.resolve(s, seen)!);
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      out.additionalProperties = this.resolve(schema.additionalProperties, seen);
    }
    return out;
  }

  private lookup(ref: string): Schema {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    const target = m ? this.doc.components?.schemas?.[decodeURIComponent(m[1])] : undefined;
    if (!target) throw new Error(`OpenAPI: unresolvable $ref ${ref}`);
    return target;
  }
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  return {
    ...a,
    ...b,
    type: b.type ?? a.type ?? (a.properties || b.properties ? 'object' : undefined),
    properties: a.properties || b.properties ? { ...(a.properties ?? {}), ...(b.properties ?? {}) } : undefined,
    required: a.required || b.required ? [...new Set([...(a.required ?? []), ...(b.required ?? [])])] : undefined,
    description: a.description ?? b.description,
  };
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  const resolver = new SchemaResolver(doc);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = ((item as { parameters?: Parameter[] }).parameters ?? []) as Parameter[];
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const params = mergeParams(shared, raw.parameters ?? []).map((p) => ({ ...p, schema: resolver.resolve(p.schema) }));
      const json = raw.requestBody?.content?.['application/json'] ?? Object.entries(raw.requestBody?.content ?? {}).find(([ct]) => ct.includes('json'))?.[1];
      const okEntry = Object.entries(raw.responses ?? {}).find(([code]) => /^2/.test(code));
      const okSchema = okEntry ? resolver.resolve(okEntry[1].content?.['application/json']?.schema) : undefined;
      const key = `${method.toUpperCase()} ${path}`;
      ops.push({
        key,
        slug: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
        method: method.toUpperCase(),
        path,
        operationId: raw.operationId ?? key,
        secured: (raw.security ?? []).some((s) => Object.keys(s).length > 0),
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        headerParams: params.filter((p) => p.in === 'header'),
        body: raw.requestBody ? (resolver.resolve(json?.schema) ?? {}) : undefined,
        bodyRequired: Boolean(raw.requestBody?.required),
        statuses: Object.keys(raw.responses ?? {}),
        okSchema,
      });
    }
  }
  return ops;
}

function mergeParams(shared: Parameter[], own: Parameter[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of [...shared, ...own]) byKey.set(`${p.in}:${p.name}`, p);
  return [...byKey.values()];
}

/** Whether a status is documented: exact code, `4XX`-style ranges, or `default`. */
export function isDocumented(op: Operation, status: number): boolean {
  const s = String(status);
  return op.statuses.some((d) => d === s || d === 'default' || (d.length === 3 && /^[1-5]XX$/i.test(d) && d[0] === s[0]));
}

/**
 * The collection a path parameter points into: the segment before it (`/cases/{id}` → `cases`,
 * `/break-glass/grants/{id}` → `grants`).
 */
export function kindOfParam(path: string, param: string): string | undefined {
  const segments = path.split('/').filter(Boolean);
  const i = segments.indexOf(`{${param}}`);
  for (let j = i - 1; j >= 0; j--) if (!segments[j].startsWith('{')) return segments[j];
  return undefined;
}
