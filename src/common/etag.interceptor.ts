import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';

/** Single mutable resources carry `ETag: "<version>"`, the value a client sends back in If-Match. */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body) => {
        if (body && typeof body === 'object' && typeof (body as { version?: unknown }).version === 'number' && !('items' in body)) {
          const reply = context.switchToHttp().getResponse<FastifyReply>();
          if (!reply.hasHeader('etag')) void reply.header('etag', `"${(body as { version: number }).version}"`);
        }
        return body;
      }),
    );
  }
}
