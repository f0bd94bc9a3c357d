/**
 * The status page's style sheet, served from its own route so the page's Content-Security-Policy
 * can be `style-src 'self'` without 'unsafe-inline'. Colours always come with a word, so the page
 * reads the same without colour vision; dark mode follows the reader's system (3 a.m.).
 */
export const STATUS_CSS = `:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5c5c5c;--line:#d0d0d0;--stripe:#f4f4f4;--link:#0b57d0;--bad:#b00020}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#121212;--muted:#a8a8a8;--line:#3a3a3a;--stripe:#1c1c1c;--link:#8ab4f8;--bad:#ff7b7b}}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;max-width:76rem;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
h1{font-size:1.4rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
h3{font-size:1rem;margin:.75rem 0 .25rem}
header,section{margin-bottom:1.5rem}
section.account{border-top:3px solid var(--line);padding-top:.75rem}
section.attention-0{border-top-color:#b00020}section.attention-1{border-top-color:#e09b00}section.attention-2{border-top-color:#1e7b34}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.25rem 0}
.meta,.note,small{color:var(--muted)}
p{margin:.25rem 0}
.status,.fresh{display:inline-block;font-weight:700;font-size:.9rem;padding:.1rem .5rem;border-radius:.3rem;letter-spacing:.02em;white-space:nowrap}
.status.OK{background:#1e7b34;color:#fff}.status.WARNING{background:#ffb300;color:#1b1b1b}.status.CRITICAL{background:#b00020;color:#fff}
.status.PAYLOAD_TOO_LARGE{background:#6a3fb5;color:#fff}.status.NONE{background:#6b6b6b;color:#fff}
.fresh.on_time{border:2px solid #1e7b34;color:inherit}.fresh.late{background:#ffb300;color:#1b1b1b}.fresh.missing{background:#b00020;color:#fff}.fresh.never{border:2px solid #6b6b6b;color:inherit}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.25rem 0 .5rem;font-size:.95rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}
tbody tr:nth-child(even){background:var(--stripe)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.affected td:nth-child(-n+2){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
tr.rejected td.outcome{color:var(--bad);font-weight:700}
tr.ignored td.outcome{color:var(--muted)}
.detail{display:block;font-weight:400;font-size:.85rem;color:var(--muted)}
main.runbook{max-width:52rem}
main.runbook h1{margin-top:1rem}main.runbook h2{margin-top:1.75rem;border-top:1px solid var(--line);padding-top:.75rem}
main.runbook p,main.runbook li{margin:.4rem 0}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--stripe);padding:.05rem .25rem;border-radius:.2rem}
pre{background:var(--stripe);border:1px solid var(--line);border-radius:.3rem;padding:.6rem .8rem;overflow-x:auto}pre code{padding:0;background:none}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}th,td{padding:.25rem .4rem}.wide{display:none}}
`;
