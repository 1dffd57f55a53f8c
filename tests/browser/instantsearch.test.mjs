// InstantSearch.js with Meilisearch's adapter (@meilisearch/instant-meilisearch),
// both from npm and unmodified, pointed at kb's Meilisearch-compatible API
// (issue 21): a page served from another origin than kb (this test's own
// loopback server), so CORS is exercised as a team's own site would.
// Type, see highlighted hits, refine by category and language, page.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { withPage, BASE_URL } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const FILES = {
  '/': join(here, 'instantsearch/index.html'),
  '/app.mjs': join(here, 'instantsearch/app.mjs'),
  '/vendor/instantsearch.production.min.js': join(modules, 'instantsearch.js/dist/instantsearch.production.min.js'),
  '/vendor/meilisearch/index.js': join(modules, 'meilisearch/dist/index.js'),
  '/vendor/instant-meilisearch/index.js': join(modules, '@meilisearch/instant-meilisearch/dist/index.js'),
};
const KB = BASE_URL.replace(/\/$/, '');

let server;
let pageUrl;
before(async () => {
  server = createServer(async (req, res) => {
    const file = FILES[new URL(req.url, 'http://x').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.html') ? 'text/html' : 'text/javascript';
    res.writeHead(200, { 'Content-Type': `${type}; charset=utf-8` }).end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${server.address().port}/?kb=${encodeURIComponent(KB)}`;
});
after(() => server?.close());

// The hits shown, read in the page: [{id, lang, category, marks (the
// title's highlighted words), snippetMarks}].
function defineShownHits() {
  window.shownHits = () => [...document.querySelectorAll('.ais-Hits-item article')].map((a) => ({
    id: a.dataset.id,
    lang: a.dataset.lang,
    category: a.dataset.category,
    marks: [...a.querySelectorAll('h2 mark')].map((m) => m.textContent),
    snippetMarks: [...a.querySelectorAll('p mark')].map((m) => m.textContent),
  }));
}

// Waits until `predicate` (run in the page, with `arg`) holds for the hits
// shown, and returns them.
async function hitsWhen(page, what, predicate, arg) {
  try {
    await page.waitForFunction(predicate, arg);
  } catch (e) {
    assert.fail(`${what}: never shown (${e.message.split('\n')[0]}); last: ${JSON.stringify(await page.evaluate(() => window.shownHits()))}`);
  }
  return page.evaluate(() => window.shownHits());
}

test('InstantSearch with instant-meilisearch: type, highlighted hits, refine, page', async () => {
  await withPage({}, async (page) => {
    await page.addInitScript(defineShownHits);
    await page.goto(pageUrl);
    // Before typing: every public article, four a page, with pages to go to.
    const first = await hitsWhen(page, 'the first page of all articles', () => window.shownHits().length === 4);
    await page.locator('.ais-Pagination-item--page').nth(1).waitFor();
    assert.ok(await page.locator('#category .ais-RefinementList-item').count() >= 5);
    const langs = await page.locator('#lang .ais-RefinementList-labelText').allTextContents();
    assert.deepEqual([...langs].sort(), ['en', 'fi', 'pl', 'vi']);

    // Page 2: other articles, page 2 marked as the current one.
    await page.locator('.ais-Pagination-item--page a').nth(1).click();
    const second = await hitsWhen(page, 'page 2', (ids) => {
      const hits = window.shownHits();
      return hits.length > 0 && hits.every((h) => !ids.includes(h.id));
    }, first.map((h) => h.id));
    assert.equal(second.length, 4);
    assert.equal((await page.locator('.ais-Pagination-item--selected').textContent()).trim(), '2');

    // Typing: the refund article first, its title's matching word highlighted
    // by InstantSearch's own component from kb's highlight tags.
    await page.locator('.ais-SearchBox-input').fill('refund');
    const found = await hitsWhen(page, 'hits for "refund"', () => window.shownHits()[0]?.id === 'refunds');
    assert.deepEqual(found[0].marks.map((m) => m.toLowerCase()), ['refund']);
    assert.ok(found.some((h) => h.snippetMarks.length > 0), 'some snippet has a highlighted word');
    // The public sees no internal article through this API either.
    assert.ok(!found.some((h) => h.id === 'refund-exceptions'));

    // A category refinement: only its articles; the facet shows it checked.
    await page.locator('#category input[value="Billing"]').check();
    await hitsWhen(page, 'the Billing refinement', () => {
      const hits = window.shownHits();
      return hits.length > 0 && hits.every((h) => h.category === 'Billing');
    });
    assert.equal(await page.locator('#category .ais-RefinementList-item--selected').count(), 1);
    await page.locator('#category input[value="Billing"]').uncheck();

    // A language refinement on all articles, then a Vietnamese query typed
    // without diacritics within it.
    await page.locator('.ais-SearchBox-input').fill('');
    await page.locator('#lang input[value="vi"]').check();
    await hitsWhen(page, 'the Vietnamese refinement', () => {
      const hits = window.shownHits();
      return hits.length > 0 && hits.every((h) => h.lang === 'vi');
    });
    await page.locator('.ais-SearchBox-input').fill('quan ly');
    const vi = await hitsWhen(page, 'Vietnamese hits for "quan ly"', () => window.shownHits()[0]?.marks.length > 0);
    assert.ok(vi.every((h) => h.lang === 'vi'));
    assert.equal(vi[0].id, 'quan-ly-nguoi-dung');
    assert.ok(vi[0].marks.some((m) => /^(quản|lý)$/i.test(m)), `marks: ${vi[0].marks}`);
  });
});
