import type { Secret } from './secret.js';

/** The two regional hosts Exotel documents; the wrong one answers 401/404. */
export const EXOTEL_API_HOSTS = ['api.exotel.com', 'api.in.exotel.com'] as const;
export type ExotelApiHost = (typeof EXOTEL_API_HOSTS)[number];

/** What the fallback needs to call Exotel's API for one exporter account. */
export interface ApiAccount {
  /** The exporter's account name (the `account` label). */
  readonly account: string;
  /** Exotel's account SID, a path segment of every API URL. */
  readonly accountSid: string;
  readonly apiKey: Secret;
  readonly apiToken: Secret;
  /**
   * `https://<host>` for one of EXOTEL_API_HOSTS, or EXOTEL_API_BASE_URL when set. Every request,
   * including the next list page, is built on this origin: credentials never go anywhere else.
   */
  readonly baseUrl: string;
}
