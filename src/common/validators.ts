import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/** An ISO date or timestamp that is not later than now (a small clock skew of the client is tolerated). */
export function NotInFuture(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'notInFuture',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must not be in the future`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return true;
          const t = Date.parse(value);
          return Number.isNaN(t) || t <= Date.now() + 5 * 60_000;
        },
      },
    });
}

/** `YYYY-MM` of a real month, not later than the current month. */
export function IsPastMonth(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPastMonth',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a month YYYY-MM, not in the future`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) return false;
          const now = new Date();
          const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
          return value <= current && value >= '1990-01';
        },
      },
    });
}

/** A calendar date `YYYY-MM-DD` that exists, between 1900 and today. */
export function IsPastDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPastDate',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a date YYYY-MM-DD, not in the future`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const d = new Date(`${value}T00:00:00Z`);
          if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return false;
          return value >= '1900-01-01' && d.getTime() <= Date.now();
        },
      },
    });
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text: no control characters other than line breaks and tabs, no lone surrogates. */
export function IsCleanText(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCleanText',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} contains control characters`, ...options },
      validator: {
        validate(value: unknown) {
          // eslint-disable-next-line no-control-regex
          return typeof value !== 'string' || (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value) && !LONE_SURROGATE.test(value));
        },
      },
    });
}

/**
 * An optional field: it may be absent, but when present it is validated — also when it is `null`.
 * (class-validator's @IsOptional lets `null` through, which would reach NOT NULL columns.)
 */
export function OptionalField(options?: ValidationOptions) {
  return ValidateIf((_object, value) => value !== undefined, options);
}
