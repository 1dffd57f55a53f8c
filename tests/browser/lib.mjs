// Shared harness for the browser tests: one Debian chromium per test file,
// driven by playwright-core, against the kb-server that run.sh started.
//
// Every page opened through withPage() fails its test on a console error, an
// uncaught page error or a Content-Security-Policy violation (Chromium reports
// those on the console), so a broken asset or a script the CSP refuses shows
// up here. CSP stays enforced everywhere: axe-core is evaluated through the
// DevTools protocol (runAxe), which needs no <script> in the page.
//
// Selectors lean on ids, classes, URLs and lang attributes, never on the
// page's English words, because the page text is going to be localized.
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE_URL = required('KB_URL');
export const AGENT_TOKEN = process.env.KB_AGENT_TOKEN || '';
export const ARTIFACTS_DIR = process.env.KB_ARTIFACTS || '';
const CHROMIUM = process.env.KB_CHROMIUM || '/usr/bin/chromium';

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 900 },
};

// One of each kind of page, for the checks that run on all of them.
export const PAGES = [
  { name: 'home', path: '/' },
  { name: 'results', path: '/search?q=refund' },
  { name: 'results, filtered, paged', path: '/search?q=Lumen%20Books&lang=fi' },
  { name: 'results, many facets', path: '/search?q=Lumen%20Books' },
  { name: 'results, corrected', path: '/search?q=refnd' },
  { name: 'results, some with only some words', path: '/search?q=refund%20timeline' },
  { name: 'no results', path: '/search?q=zzqqxx' },
  { name: 'article', path: '/articles/refunds' },
  { name: 'article (vi)', path: '/articles/dat-lai-mat-khau' },
  { name: 'not found', path: '/articles/no-such-article', status: 404 },
  { name: 'sign-in', path: '/signin' },
  { name: 'helpdesk embed', path: '/embed?subject=Charged%20twice&body=You%20charged%20my%20card%20twice' },
];

// Defects already reported and not yet fixed, tolerated here so the rest of
// the suite keeps guarding everything else. known.test.mjs checks each one on
// its own: marked TODO while the defect is there, failing once it is fixed
// so that its entry gets deleted. `path`: a page that shows it; `url`: a
// resource that fails to load; `axe`: an axe rule and the elements it flags.
export const KNOWN_DEFECTS = [];

export function isKnownAxeDefect(rule, target) {
  return KNOWN_DEFECTS.some((known) => known.axe?.rule === rule && known.axe.target.test(target));
}

function isKnownBrokenUrl(u) {
  return Boolean(u) && KNOWN_DEFECTS.some((known) => known.url?.test(u));
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through tests/browser/run.sh`);
  return value;
}

export function url(path) {
  return new URL(path, BASE_URL).href;
}

let browserPromise = null;

// One browser per test file (node --test runs each file in its own process).
export function browser() {
  if (!browserPromise) {
    browserPromise = chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Closed network, running as root: no sandbox, nothing that phones home.
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
  }
  return browserPromise;
}

// Registered at import, so on the file's root test: closes the browser once
// the file's tests are done (an after() inside a test would run after that test).
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

// Error pages that open() was told to expect, per page: the browser logs
// their status as a console error, which is no problem of the page.
const expectedErrorDocuments = new WeakMap();

// Collects what a user's browser would flag on this page: console errors
// (Chromium reports CSP violations and failed loads there), uncaught page
// errors, and failed requests. Returns the live list.
export function watchForProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && !/Content Security Policy/i.test(msg.text())) return;
    const source = msg.location().url;
    if (expectedErrorDocuments.get(page)?.has(source) && /^Failed to load resource/.test(msg.text())) return;
    if (isKnownBrokenUrl(source)) return;
    const from = source && source !== page.url() ? ` (from ${source})` : '';
    problems.push(`console ${msg.type()} on ${page.url()}${from}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (isKnownBrokenUrl(req.url())) return;
    // Aborted on purpose: a fetch the page's script cancelled (a suggestion
    // request overtaken by the next keystroke) or a load cut short by leaving
    // the page. A real failure to load also logs a console error.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()}: ${req.failure()?.errorText}`);
  });
  return problems;
}

// Opens a fresh context and page, runs fn(page, context), then fails if
// watchForProblems() saw anything. Options are Playwright context options.
export async function withPage(contextOptions, fn) {
  const context = await (await browser()).newContext({
    viewport: VIEWPORTS.desktop,
    ...contextOptions,
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  try {
    await fn(page, context);
    assert.deepEqual(problems, [], `the page reported problems:\n  ${problems.join('\n  ')}`);
  } finally {
    await context.close();
  }
}

// Tells the problem watcher that the document at `path` answers with an
// error status on purpose (a 404 page, a refused sign-in).
export function expectErrorDocument(page, path) {
  if (!expectedErrorDocuments.has(page)) expectedErrorDocuments.set(page, new Set());
  expectedErrorDocuments.get(page).add(url(path));
}

// Loads a path and checks the HTTP status.
export async function open(page, path, status = 200) {
  const target = url(path);
  if (status >= 400) expectErrorDocument(page, path);
  const response = await page.goto(target);
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), status, `GET ${path}`);
  return response;
}

// Clicks a link (or presses a key) and waits until the URL satisfies `until`
// and the new page has loaded.
export async function navigate(page, action, until) {
  await Promise.all([page.waitForURL(until, { waitUntil: 'load' }), action()]);
}

// The URL's path + search + decoded hash, for readable assertions.
export function where(page) {
  const u = new URL(page.url());
  return { path: u.pathname, params: u.searchParams, hash: decodeURIComponent(u.hash.slice(1)) };
}

export async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

// Results as a user sees them: title, link (and the article slug and
// section it leads to), the language the title is declared in, the category
// line, highlighted words.
export async function results(page) {
  return page.locator('.result').evaluateAll((items) => items.map((li) => {
    const link = li.querySelector('.result-title a');
    let holder = link;
    while (holder && holder !== li && !holder.hasAttribute('lang')) holder = holder.parentElement;
    const target = link ? new URL(link.href) : null;
    return {
      title: link?.textContent.trim(),
      href: link?.getAttribute('href'),
      slug: decodeURIComponent(target?.pathname.match(/^\/articles\/([^/]+)$/)?.[1] ?? ''),
      section: decodeURIComponent(target?.hash.slice(1) ?? ''),
      lang: holder?.getAttribute('lang') ?? null,
      path: li.querySelector('.result-path')?.textContent.replace(/\s+/g, ' ').trim(),
      marks: [...li.querySelectorAll('.result-snippet mark')].map((m) => m.textContent),
    };
  }));
}

// The chips of one facet (`lang`, `category`, `tag`) on a results page: the
// chips that would change that parameter, and the active one (aria-current),
// whose link removes it.
export async function facetChips(page, key) {
  const current = new URL(page.url()).searchParams.get(key);
  const chips = await page.locator('.facets a.chip').evaluateAll((links) => links.map((a, index) => ({
    index,
    href: a.href,
    label: [...a.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent).join('').trim(),
    count: Number(a.querySelector('.chip-count')?.textContent.trim()),
    active: a.getAttribute('aria-current') === 'true',
  })));
  return chips.filter((chip) => {
    const value = new URL(chip.href).searchParams.get(key);
    return chip.active ? current !== null && value === null : value !== null && value !== current;
  }).map((chip) => ({
    ...chip,
    value: chip.active ? current : new URL(chip.href).searchParams.get(key),
    locator: page.locator('.facets a.chip').nth(chip.index),
  }));
}

// Waits briefly for the element with this id to have focus, then asserts it.
export async function expectFocus(page, id) {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 2_000 })
    .catch(() => {});
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}` : null;
  });
  assert.match(focused ?? '', new RegExp(`#${id}$`), `focus should be on #${id}`);
}

// The element a fragment points to, if any, and whether it is on screen.
export async function targetOf(page) {
  return page.evaluate(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id ? document.getElementById(id) : null;
    if (!el) return { id, found: false };
    const box = el.getBoundingClientRect();
    return {
      id,
      found: true,
      isTarget: el.matches(':target'),
      inView: box.top >= -1 && box.top < window.innerHeight,
      tag: el.tagName.toLowerCase(),
    };
  });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page. The source is evaluated over the DevTools
// protocol, which CSP does not govern, so the page keeps its real policy.
// `rules`: run only these axe rules (default: all).
export async function runAxe(page, { rules } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const options = { resultTypes: ['violations'], ...(rules ? { runOnly: { type: 'rule', values: rules } } : {}) };
  return page.evaluate((opts) => window.axe.run(document, opts), options);
}

// One readable block per violation: rule, impact, what to fix, where.
export function formatViolations(violations) {
  return violations.map((v) => [
    `[${v.impact}] ${v.id}: ${v.help}`,
    `  ${v.helpUrl}`,
    ...v.nodes.slice(0, 5).map((n) => `  at ${n.target.join(' ')}\n    ${n.failureSummary.replace(/\n/g, '\n    ')}`),
    ...(v.nodes.length > 5 ? [`  ... and ${v.nodes.length - 5} more`] : []),
  ].join('\n')).join('\n');
}

export function artifactPath(name) {
  assert.ok(ARTIFACTS_DIR, 'KB_ARTIFACTS is not set');
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}/${name}`;
}
