import { Marked } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';

/**
 * docs/runbook.md as the page the exporter serves at /runbook, so every alert's runbook link can
 * point at the exporter itself and resolve wherever it runs.
 *
 * marked (CommonMark and GitHub Flavored Markdown) with marked-gfm-heading-id, which names each
 * heading with github-slugger, GitHub's own algorithm: `## ExotelStatusCritical` gets
 * `id="exotelstatuscritical"`, the same anchor as on GitHub, so a `runbook_url` ending in
 * `#<alert name in lower case>` lands on its section here and in the repository alike.
 *
 * The Markdown is the exporter's own file (shipped in the image), not input from the network, so
 * its HTML is trusted; the page still gets the status page's Content-Security-Policy (no script).
 * Rendered once at start-up: serving it costs no file read and no parsing.
 */
export function renderRunbookPage(markdown: string): RunbookPage {
  const marked = new Marked(gfmHeadingId(), {
    renderer: {
      // A link into the repository (`../alerts/exotel.rules.yml`) means nothing on the exporter:
      // keep its text, drop the link. Absolute URLs and anchors within the page stay links.
      link(token) {
        if (/^(?:[a-z][a-z0-9+.-]*:|#)/i.test(token.href)) return false;
        return this.parser.parseInline(token.tokens);
      },
    },
  });
  const body = marked.parse(markdown, { async: false });
  return { status: 200, html: page('Runbook · Exotel heartbeat exporter', body) };
}

/** What /runbook serves: rendered once, at start-up. */
export interface RunbookPage {
  readonly status: 200 | 503;
  readonly html: string;
}

/**
 * What /runbook says when docs/runbook.md could not be read at start-up: a 503 page pointing at
 * the log, while everything else keeps working (a missing document must not stop alerting).
 */
export function runbookUnavailablePage(): RunbookPage {
  const html = page(
    'Runbook unavailable · Exotel heartbeat exporter',
    `<h1>Runbook unavailable</h1>
<p>The exporter could not read its runbook (docs/runbook.md) at start-up; its log says why (<code>runbook unavailable</code>). The same runbook is in the exporter's source repository and release package.</p>
`,
  );
  return { status: 503, html };
}

/** The status page's frame: same style sheet and icon, a way back. Relative links, like it. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="status.css">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
</head>
<body>
<header>
<nav><a href="./">Status page</a>
<a href="metrics">Metrics</a></nav>
</header>
<main class="runbook">
${body}</main>
</body>
</html>
`;
}
