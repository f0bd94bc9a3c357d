import type { PairKey } from '../config.js';
import { ms, postHeartbeat, type BenchContext } from '../context.js';
import type { Exporter } from '../exporter.js';
import type { Heartbeat } from '../generate.js';
import {
  compareWithExporter,
  parsePerSidFamilies,
  renderFloor,
  timeFloor,
} from '../floors/renderFloor.js';
import { startStaticCopy } from '../floors/staticCopy.js';
import { expectOk, IDENTITY_TEXT, keepAliveAgent, request, sleep } from '../http.js';
import { settle, stateFileSignature } from '../idle.js';
import type { Pushgateway } from '../peers/pushgateway.js';
import { sampled, type Sampled } from '../stats.js';
import { appliedTimestamp, firstFreshScrape } from './ingest.js';

/**
 * GET /metrics (0.0.4 text, identity) at 10k, 100k and ~230k per-SID series, to the last byte:
 * - after a change: post a heartbeat, let its save finish, then time the first scrape; against
 *   the string-building floor, interleaved. Two kinds of change: 1% of the SIDs replaced (the
 *   per-SID lines must change), and the same SIDs again with a newer timestamp (an outage that
 *   goes on unchanged: only the small families change);
 * - unchanged: the following scrapes; against a static server replaying the same bytes from
 *   memory (the transfer floor: what any server pays to send this much over loopback), and the
 *   Pushgateway serving the same series;
 * - gzip: unchanged scrapes with `Accept-Encoding: gzip`, when the exporter offers it.
 */
export interface RenderResult {
  readonly pairs: PairKey;
  readonly actualPairs: number;
  readonly sids: number;
  readonly responseBytes: number;
  readonly floorBytes: number;
  /** Whether the floor built exactly the exporter's per-SID text (see compareWithExporter). */
  readonly floorMatch: string;
  readonly floorMs: Sampled;
  /** After a heartbeat that replaced 1% of the SIDs. */
  readonly afterChangeMs: Sampled;
  /** After a heartbeat with the same SIDs and a newer timestamp. */
  readonly afterRepeatMs: Sampled;
  readonly unchangedMs: Sampled;
  /** The same response replayed by a bare node:http server from memory. */
  readonly staticMs: Sampled;
  /** Unchanged scrapes with `Accept-Encoding: gzip`, as Prometheus asks; the Pushgateway too. */
  readonly gzip: {
    readonly unchangedMs: Sampled;
    readonly bytes: number;
    readonly pushgatewayMs: Sampled | null;
  } | null;
  readonly pushgateway: {
    readonly pushMs: Sampled;
    readonly scrapeMs: Sampled;
    readonly bytes: number;
  } | null;
}

const ACCOUNT = 'default';

export async function measureRender(
  ctx: BenchContext,
  exporter: Exporter,
  pushgateway: Pushgateway | null,
): Promise<RenderResult[]> {
  const postAgent = keepAliveAgent();
  const scrapeAgent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  const peerAgent = keepAliveAgent();
  const metrics = `${exporter.url}/metrics`;
  const scrape = (headers: Record<string, string> = IDENTITY_TEXT) =>
    request(metrics, { agent: scrapeAgent, headers }).then((r) => expectOk(r, 'GET /metrics'));
  const post = async (heartbeat: Heartbeat) => {
    const before = stateFileSignature(exporter.stateFile);
    const posted = await postHeartbeat(`${exporter.url}/heartbeat`, postAgent, heartbeat, ctx);
    await settle(exporter, before, readyAgent, ctx.notes);
    return posted;
  };
  try {
    const results: RenderResult[] = [];
    for (const { pairs, reps, unchangedReps, pushReps } of ctx.config.render) {
      const outage = ctx.byPairs[pairs];
      // Prime: the state now holds exactly this size; read the series back for the floor. A
      // first render this large is done in slices after the acknowledgement: wait for it.
      const { timestamp: primedAt } = await post(outage.next());
      const primed = (await firstFreshScrape(exporter.url, scrapeAgent, primedAt)).scrape;
      const families = parsePerSidFamilies(primed.body.toString('utf8'), ACCOUNT);
      if (families.rows.length !== outage.pairs) {
        throw new Error(
          `/metrics shows ${families.rows.length} per-SID series, expected ${outage.pairs}`,
        );
      }
      const floorMatch = compareWithExporter(families);
      if (floorMatch !== 'identical') {
        ctx.notes.push(`render ${pairs}: the floor's text is not the exporter's: ${floorMatch}`);
      }

      const copy = await startStaticCopy(
        ctx.temp.sub(`render-${pairs}-copy`),
        primed.body,
        primed.headers['content-type'] ?? 'text/plain',
      );
      let peer: RenderResult['pushgateway'] = null;
      const pushText = pushgateway === null ? '' : renderFloor(families);
      const pushMs: number[] = [];
      if (pushgateway !== null) {
        for (let rep = 0; rep < pushReps; rep++) {
          pushMs.push((await pushgateway.push(pushText, peerAgent)).ms);
          await sleep(300); // let its garbage collector finish before the next measurement
        }
      }

      // Floor and after-change scrapes, interleaved: floor, changed, floor, repeated, … Two
      // unrecorded floor runs warm the JIT, as the priming post and scrape warmed the exporter.
      timeFloor(families);
      timeFloor(families);
      const floor: number[] = [];
      const afterChange: number[] = [];
      const afterRepeat: number[] = [];
      let floorBytes = 0;
      const firstScrapeAfter = async (heartbeat: Heartbeat) => {
        const { timestamp } = await post(heartbeat);
        const first = await scrape();
        if (appliedTimestamp(first.body, ACCOUNT) !== timestamp) {
          ctx.notes.push(`render ${pairs}: the first scrape after a saved heartbeat was stale`);
        }
        return first.ms;
      };
      for (let rep = 0; rep < reps; rep++) {
        const run = timeFloor(families);
        floor.push(run.ms);
        floorBytes = run.bytes;
        afterChange.push(await firstScrapeAfter(outage.next()));
        floor.push(timeFloor(families).ms);
        afterRepeat.push(await firstScrapeAfter(outage.again()));
        ctx.log(
          `render ${pairs} ${rep + 1}/${reps}: floor ${ms(run.ms)}, ` +
            `after change ${ms(afterChange.at(-1) ?? NaN)}, after repeat ${ms(afterRepeat.at(-1) ?? NaN)}`,
        );
      }

      // Unchanged state, interleaved with the static copy and the Pushgateway.
      const unchanged: number[] = [];
      const staticScrapes: number[] = [];
      const peerScrapes: number[] = [];
      let peerBytes = 0;
      for (let rep = 0; rep < unchangedReps; rep++) {
        unchanged.push((await scrape()).ms);
        staticScrapes.push(
          expectOk(
            await request(`${copy.url}/metrics`, { agent: peerAgent, headers: IDENTITY_TEXT }),
            'GET static copy',
          ).ms,
        );
        if (pushgateway !== null && rep < Math.max(pushReps, 3)) {
          const res = expectOk(
            await request(`${pushgateway.url}/metrics`, {
              agent: peerAgent,
              headers: IDENTITY_TEXT,
            }),
            'GET Pushgateway /metrics',
          );
          peerScrapes.push(res.ms);
          peerBytes = res.bytes;
          await sleep(300);
        }
      }
      await copy.stop();
      ctx.log(
        `render ${pairs}: unchanged ${ms(sampled(unchanged).median)}, ` +
          `static copy ${ms(sampled(staticScrapes).median)}` +
          (peerScrapes.length > 0 ? `, pushgateway ${ms(sampled(peerScrapes).median)}` : ''),
      );
      if (pushgateway !== null) {
        peer = { pushMs: sampled(pushMs), scrapeMs: sampled(peerScrapes), bytes: peerBytes };
      }

      // gzip, only if offered: the first gzip scrape may build a compressed cache, so it is
      // not recorded.
      let gzip: RenderResult['gzip'] = null;
      const gzipHeaders = { accept: 'text/plain', 'accept-encoding': 'gzip' };
      const probe = await scrape(gzipHeaders);
      if (probe.headers['content-encoding'] === 'gzip') {
        const times: number[] = [];
        const peerTimes: number[] = [];
        for (let rep = 0; rep < unchangedReps; rep++) {
          times.push((await scrape(gzipHeaders)).ms);
          if (pushgateway !== null && rep < Math.max(pushReps, 3)) {
            const res = expectOk(
              await request(`${pushgateway.url}/metrics`, {
                agent: peerAgent,
                headers: gzipHeaders,
              }),
              'GET Pushgateway /metrics (gzip)',
            );
            peerTimes.push(res.ms);
            await sleep(300);
          }
        }
        gzip = {
          unchangedMs: sampled(times),
          bytes: probe.bytes,
          pushgatewayMs: peerTimes.length > 0 ? sampled(peerTimes) : null,
        };
      }

      results.push({
        pairs,
        actualPairs: outage.pairs,
        sids: outage.sids,
        responseBytes: primed.bytes,
        floorBytes,
        floorMatch,
        floorMs: sampled(floor),
        afterChangeMs: sampled(afterChange),
        afterRepeatMs: sampled(afterRepeat),
        unchangedMs: sampled(unchanged),
        staticMs: sampled(staticScrapes),
        gzip,
        pushgateway: peer,
      });
    }
    return results;
  } finally {
    for (const agent of [postAgent, scrapeAgent, readyAgent, peerAgent]) agent.destroy();
  }
}
