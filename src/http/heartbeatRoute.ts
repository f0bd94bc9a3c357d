import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import { ACCOUNT_REGEX } from '../heartbeat/labelSafe.js';
import { ingestHeartbeat, type IngestDeps } from '../ingest.js';
import { DEFAULT_ACCOUNT } from '../state/account.js';
import { acceptedEntry } from '../status/acceptedEntry.js';
import type { RecentHeartbeats } from '../status/recentHeartbeats.js';
import { enterIngest, type AdmissionDeps } from './admission.js';
import { reject } from './reject.js';
import { checkHeartbeatHeaders } from './requestGuards.js';

/** The vendor caps heartbeats at 10 MB; 12,000,000 bytes leaves room for framing differences. */
export const MAX_BODY_BYTES = 12_000_000;
/** Past this declared size, an oversized request is not drained for the sake of a clean 413. */
const DISCARD_UP_TO_BYTES = 2 * MAX_BODY_BYTES;

export interface HeartbeatRouteDeps extends IngestDeps, AdmissionDeps {
  readonly isReady: () => boolean;
  /** Every request, accepted or refused, for the status page (refusals are added by reject). */
  readonly recent: RecentHeartbeats;
}

/**
 * POST /heartbeat[/:account]. HTTP decisions only: everything about the heartbeat itself is in
 * ingestHeartbeat. Headers are checked before a single body byte is read.
 */
export function heartbeatHandler(deps: HeartbeatRouteDeps) {
  return async (req: Request<{ account?: string }>, res: Response): Promise<void> => {
    const account = req.params.account ?? DEFAULT_ACCOUNT;
    if (!ACCOUNT_REGEX.test(account)) {
      reject(deps, res, 400, 'invalid_account', 'account must be 1-63 of a-z, 0-9, "-" and "_"', {
        account,
      });
      return;
    }
    if (!deps.isReady()) {
      res.setHeader('Retry-After', '5');
      reject(deps, res, 503, 'not_ready', 'state is still loading; retry shortly', { account });
      return;
    }
    const guard = checkHeartbeatHeaders(req.headers);
    if (guard !== null) {
      closeAfterResponse(res);
      reject(deps, res, guard.status, 'unsupported_media_type', guard.detail, { account });
      return;
    }

    const release = enterIngest(deps, req, res, account);
    if (release === null) return;
    try {
      await readAndIngest(deps, req, res, account);
    } finally {
      release();
    }
  };
}

async function readAndIngest(
  deps: HeartbeatRouteDeps,
  req: Request<{ account?: string }>,
  res: Response,
  account: string,
): Promise<void> {
  let body: Buffer;
  try {
    body = await getRawBody(req, {
      limit: MAX_BODY_BYTES,
      length: req.headers['content-length'] ?? null,
    });
  } catch (error) {
    // raw-body stops reading at the limit and never buffers past it. A client that declared a
    // modestly oversized body is still sending it: Node discards the rest after our answer, so
    // the client reliably reads its 413. Anything larger or unbounded is cut off at once.
    const type = (error as { type?: string }).type;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (type !== 'entity.too.large' || !(declared <= DISCARD_UP_TO_BYTES)) closeAfterResponse(res);
    if (type === 'entity.too.large') {
      reject(deps, res, 413, 'body_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`, {
        account,
      });
    } else {
      reject(
        deps,
        res,
        400,
        'invalid_body',
        'request body was incomplete or its length was wrong',
        { account },
      );
    }
    return;
  }

  const result = await ingestHeartbeat(deps, account, body);
  if (!result.ok) {
    reject(deps, res, result.status, result.reason, result.detail, {
      account,
      bodyBytes: body.length,
    });
    return;
  }
  deps.recent.record(acceptedEntry(account, body.length, result));
  res.status(200).json({ result: result.outcome });
}

function closeAfterResponse(res: Response): void {
  res.setHeader('Connection', 'close');
}
