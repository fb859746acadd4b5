import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { CAN_KEY, PUBLIC_KEY, PURPOSE_KEY } from '../../src/authorization/access.decorators.js';

export interface RouteInfo {
  method: string;
  path: string;
  controller: string;
  handler: string;
  isPublic: boolean;
  can: unknown;
  purpose: unknown;
}

const EXCLUDED_FROM_PREFIX = new Set(['/health/live', '/health/ready']);

/** Every route Nest registered, with its access declarations, read from the controllers' metadata. */
export function registeredRoutes(app: INestApplication): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new () => unknown) | undefined;
      if (!cls) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, fn);
        const method = Reflect.getMetadata(METHOD_METADATA, fn);
        if (sub === undefined || method === undefined) continue;
        let path = `/${[base, String(sub)].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
        if (!EXCLUDED_FROM_PREFIX.has(path)) path = `/api/v1${path}`;
        out.push({
          method: RequestMethod[method as number],
          path,
          controller: cls.name,
          handler: name,
          isPublic: Boolean(Reflect.getMetadata(PUBLIC_KEY, fn)),
          can: Reflect.getMetadata(CAN_KEY, fn),
          purpose: Reflect.getMetadata(PURPOSE_KEY, fn),
        });
      }
    }
  }
  return out;
}

/** `/api/v1/cases/:id` → `/api/v1/cases/{id}` */
export const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
