import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { WebhookTokens } from '../http/auth/webhookTokens.js';
import type { Logger } from '../logger.js';
import type { SelfMetrics } from '../metrics/selfMetrics.js';
import type { Store } from '../state/store.js';
import { applyRestoreRules } from './restoreRules.js';
import { decodeState, looksLikeStateFile } from './snapshotCodec.js';
import { asError, quarantine, readStateFile, type StateFs } from './stateFile.js';
import { maxStateFileBytes } from './stateFileLimit.js';

export interface RestoreDeps {
  readonly fs: StateFs;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly config: Config;
  readonly stateFile: string;
  readonly store: Store;
  readonly selfMetrics: SelfMetrics;
  readonly webhookTokens: WebhookTokens;
}

/**
 * Restores state, through the same rules a request meets (restoreRules.ts). A regular file that
 * is too large or cannot be parsed is moved aside with a warning and a metric, and the exporter
 * starts empty: crash-looping on a bad file would lose every future heartbeat too. A STATE_FILE
 * that is not a regular file or cannot be read throws (readStateFile): it is left alone.
 * Returns true when what was restored differs from the file.
 */
export async function restoreState({
  fs,
  stateFile,
  store,
  selfMetrics,
  logger,
  clock,
  config,
  webhookTokens,
}: RestoreDeps): Promise<boolean> {
  const maxBytes = maxStateFileBytes(config.maxAccounts);
  const read = await readStateFile(fs, stateFile, maxBytes, looksLikeStateFile);
  if (read.kind === 'missing') {
    logger.info({ stateFile }, 'no state file yet; starting empty');
    return false;
  }
  const decoded =
    read.kind === 'read'
      ? decodeState(read.text)
      : {
          ok: false as const,
          detail:
            read.kind === 'foreign'
              ? 'does not begin like a state file'
              : `larger than ${maxBytes} bytes, the most MAX_ACCOUNTS=${config.maxAccounts} allows`,
        };
  if (decoded.ok) {
    for (const entry of decoded.refused) {
      logger.warn(
        { stateFile, index: entry.index, problem: entry.detail },
        'state file entry breaks the rules a heartbeat must meet; account not restored',
      );
    }
    selfMetrics.accountRemoved('invalid_state', decoded.refused.length);
    const verdict = applyRestoreRules(decoded.accounts, {
      isToken: (account) => webhookTokens.matches(account),
      nowMs: clock.now(),
      futureToleranceSeconds: config.futureToleranceSeconds,
    });
    if (verdict.tokenAccounts > 0) {
      // The count only: the account's name is the token.
      logger.warn(
        { stateFile, count: verdict.tokenAccounts },
        'state file has accounts named like a webhook token; not restored',
      );
      selfMetrics.accountRemoved('token_name', verdict.tokenAccounts);
    }
    if (verdict.clamped.length > 0) {
      logger.warn(
        {
          stateFile,
          accounts: verdict.clamped.slice(0, 20),
          count: verdict.clamped.length,
          futureToleranceSeconds: config.futureToleranceSeconds,
        },
        'state file has times beyond FUTURE_TOLERANCE_SECONDS; clamped to now so the next heartbeat applies',
      );
    }
    const dropped = store.restore(verdict.accounts);
    logger.info({ stateFile, accounts: verdict.accounts.size - dropped.length }, 'state restored');
    if (dropped.length > 0) {
      logger.warn(
        { dropped: dropped.slice(0, 20), count: dropped.length },
        'state file has more accounts than MAX_ACCOUNTS; extra accounts not restored',
      );
      selfMetrics.accountRemoved('over_max_accounts', dropped.length);
    }
    return (
      decoded.refused.length + verdict.tokenAccounts + verdict.clamped.length + dropped.length > 0
    );
  }
  selfMetrics.stateLoadFailed();
  try {
    const movedTo = await quarantine(fs, stateFile, clock.now());
    logger.warn(
      { stateFile, movedTo, problem: decoded.detail },
      'state file unusable; moved aside, starting empty',
    );
  } catch (error) {
    logger.warn(
      { stateFile, problem: decoded.detail, err: asError(error) },
      'state file unusable and could not be moved aside; starting empty',
    );
  }
  return false;
}
