import type { NextFunction, Request, Response } from 'express';

/**
 * The web configuration's `http_server_config.headers`, on every answer of the listener (as
 * exporter-toolkit does). A route may still set its own stricter value afterwards: the status
 * page keeps its Content-Security-Policy.
 */
export function responseHeaders(headers: () => Readonly<Record<string, string>>) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    for (const [name, value] of Object.entries(headers())) res.setHeader(name, value);
    next();
  };
}
