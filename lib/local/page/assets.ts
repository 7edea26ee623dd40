// The page's files, kept as text in the package: no build step, no framework. The script builds every
// element with textContent, so nothing a caller stored (a description, a tag) is ever read as HTML.

export const PAGE_CSS = `:root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid #8884; }
h1 { font-size: 1.2rem; margin: 0.8rem 0; }
h2 { font-size: 1rem; margin: 1.4rem 0 0.4rem; display: flex; gap: 0.6rem; align-items: baseline; }
.badge { padding: 0.1rem 0.5rem; border-radius: 0.6rem; font-weight: 600; background: #8883; }
.ok { background: #1a7f3733; color: #1a7f37; }
.bad { background: #cf222e33; color: #cf222e; }
.muted { color: #888; font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid #8882; vertical-align: top; }
th { font-weight: 600; font-size: 0.85rem; color: #888; }
td.code { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; }
td.time { font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: nowrap; }
tr.s4 td.status { color: #9a6700; } tr.s5 td.status, tr.s0 td.status { color: #cf222e; }
tbody:empty::after { content: "none"; color: #888; display: block; padding: 0.2rem 0.5rem; }
button { font: inherit; font-size: 0.85rem; }
#error { color: #cf222e; margin-top: 1rem; }
`;

export const PAGE_SCRIPT = `'use strict';
const TOKEN = document.querySelector('meta[name="local-page-token"]').content;
const TOKEN_HEADER = document.querySelector('meta[name="local-page-token-header"]').content;
const REFRESH_MS = 1000;
const SHOWN_REQUESTS = 200;
// The page's own scope (?all, ?account=&region=) is that of every call it makes.
const own = new URLSearchParams(location.search);
const scope = new URLSearchParams([...own].filter(([name]) => ['all', 'account', 'region'].includes(name))).toString();
const scoped = (path, extra = '') => {
  const query = [scope, extra].filter((part) => part !== '').join('&');
  return query === '' ? path : path + '?' + query;
};
const $ = (id) => document.getElementById(id);

const call = async (path, init) => {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(path + ': ' + response.status + ' ' + (body.message ?? ''));
  return body;
};

const element = (tag, text, className) => {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = String(text);
  if (className) made.className = className;
  return made;
};

const row = (cells, className) => {
  const tr = element('tr', undefined, className);
  for (const [text, cellClass] of cells) tr.append(element('td', text, cellClass));
  return tr;
};

const DAY_SECONDS = 86400;

const showCertificates = (state) => {
  const rows = [];
  for (const [namespace, { certificates }] of Object.entries(state.namespaces))
    for (const certificate of certificates) {
      const days = Math.round((certificate.expirationDate - Date.now() / 1000) / DAY_SECONDS);
      const tags = Object.entries(certificate.tags).map(([key, value]) => key + '=' + value).join(', ');
      rows.push(row([[certificate.clientCertificateId, 'code'], [certificate.description ?? ''], [tags], [days + ' days'], [namespace, 'code']]));
    }
  $('certificates').replaceChildren(...rows);
  $('certificate-count').textContent = String(rows.length);
};

const actionOf = (action) =>
  action.error ? action.error.type : action.answerLost ? 'answer lost' : 'delay ' + action.delayMs + ' ms ' + action.when;

const showFaults = ({ rules }) => {
  $('faults').replaceChildren(
    ...rules.map((rule) =>
      row([[rule.id, 'code'], [rule.operations.join(', ')], [actionOf(rule.action)], [rule.matched], [rule.hits, 'hits'], [rule.namespace, 'code']]),
    ),
  );
};

const parametersOf = (parameters) =>
  Object.entries(parameters)
    .map(([name, value]) => name + '=' + (typeof value === 'string' ? value : JSON.stringify(value)))
    .join(' ');

const showRequests = ({ requests, dropped }, count) => {
  const shown = requests.slice().reverse();
  $('requests').replaceChildren(
    ...shown.map((entry) =>
      row(
        [
          [entry.time.slice(11, 23), 'time'],
          [entry.method + ' ' + entry.path, 'code'],
          [entry.operation ?? (entry.refusedBy ? 'refused' : '-')],
          [entry.status, 'status'],
          [entry.errorType ?? ''],
          [Math.round(entry.durationMs)],
          [parametersOf(entry.parameters), 'code'],
        ],
        's' + String(entry.status)[0],
      ),
    ),
  );
  $('request-count').textContent = count + (dropped > 0 ? ' (' + dropped + ' dropped)' : '');
};

const showHealth = (health) => {
  $('health').textContent = health.status + ' · v' + health.version + ' · up ' + health.uptimeSeconds + ' s';
  $('health').className = 'badge ' + (health.status === 'ok' ? 'ok' : 'bad');
};

// A state read holds the namespace's requests while it runs, for a time that grows with its size (a
// thousand certificates with tags: 2.7 MB, about 580 ms under load): it is made again only after 2 s
// for each MB of the last one (at most 30 s), so the page holds them about a tenth of the time.
const STATE_WAIT_MS_PER_MB = 2000;
const STATE_LATE_MS = 30_000;
let stateDue = 0;

const readState = async () => {
  const response = await fetch(scoped('/_local/state'));
  const text = await response.text();
  const body = JSON.parse(text);
  if (!response.ok) throw new Error('/_local/state: ' + response.status + ' ' + (body.message ?? ''));
  stateDue = performance.now() + Math.min(STATE_LATE_MS, (text.length / 1e6) * STATE_WAIT_MS_PER_MB);
  return body;
};

const refresh = async () => {
  try {
    const health = await fetch('/_local/health').then((response) => response.json());
    showHealth(health);
    // Only the requests it shows, and how many there are: a full journal is 10 000 of them, every second.
    const [state, faults, requests, { count }] = await Promise.all([
      performance.now() >= stateDue ? readState() : undefined,
      call(scoped('/_local/faults')),
      call(scoped('/_local/requests', 'last=' + SHOWN_REQUESTS)),
      call(scoped('/_local/requests', 'count')),
    ]);
    if (state !== undefined) showCertificates(state);
    showFaults(faults);
    showRequests(requests, count);
    $('error').textContent = '';
  } catch (error) {
    $('error').textContent = String(error.message ?? error);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
};

$('clear-requests').addEventListener('click', async () => {
  try {
    await call(scoped('/_local/requests'), { method: 'DELETE', headers: { [TOKEN_HEADER]: TOKEN } });
  } catch (error) {
    $('error').textContent = String(error.message ?? error);
  }
});

refresh();
`;

/** The page, with the values only the service knows written into its head, escaped. */
export const pageHtml = ({ token, tokenHeader, scope }: { token: string; tokenHeader: string; scope: string }): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<meta name="local-page-token" content="${escaped(token)}">
<meta name="local-page-token-header" content="${escaped(tokenHeader)}">
<title>ClientCertificate API, local</title>
<link rel="stylesheet" href="/_local/page/page.css">
<script src="/_local/page/page.js" defer></script>
</head>
<body>
<header>
<h1>ClientCertificate API, local</h1>
<span id="health" class="badge">…</span>
<span class="muted">${escaped(scope)}</span>
<nav class="muted"><a href="/_local/">your namespace</a> · <a href="/_local/?all">every namespace</a></nav>
</header>
<main>
<section>
<h2>Certificates <span id="certificate-count" class="muted"></span></h2>
<table><thead><tr><th>id</th><th>description</th><th>tags</th><th>expires in</th><th>namespace</th></tr></thead><tbody id="certificates"></tbody></table>
</section>
<section>
<h2>Fault rules</h2>
<table><thead><tr><th>id</th><th>operations</th><th>action</th><th>matched</th><th>hits</th><th>namespace</th></tr></thead><tbody id="faults"></tbody></table>
</section>
<section>
<h2>Requests <span id="request-count" class="muted"></span> <button id="clear-requests" type="button">Clear</button></h2>
<table><thead><tr><th>time (UTC)</th><th>request</th><th>operation</th><th>status</th><th>error</th><th>ms</th><th>parameters</th></tr></thead><tbody id="requests"></tbody></table>
</section>
</main>
<footer id="error"></footer>
</body>
</html>
`;

/** Text made safe inside HTML, in an element or an attribute. */
export const escaped = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
