// Meilisearch's JS client (npm `meilisearch`, unmodified) against kb's
// Meilisearch-compatible API (issue 21), in node: what a developer's code
// calls. The sample help center in content/ is the index; KB_AGENT_TOKEN is
// a writer's token (sees internal articles and drafts).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import { BASE_URL, AGENT_TOKEN } from './lib.mjs';

const host = BASE_URL.replace(/\/$/, '');
const client = new Meilisearch({ host });
const index = client.index('kb');

async function apiError(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof MeilisearchApiError, `expected a MeilisearchApiError, got ${e}`);
    return e.cause;  // {message, code, type, link}
  }
  assert.fail('expected an error');
}

test('meilisearch client: health, version, the index', async () => {
  assert.deepEqual(await client.health(), { status: 'available' });
  assert.equal((await client.getVersion()).pkgVersion.split('.').length, 3);
  const info = await client.getIndex('kb');
  assert.equal(info.uid, 'kb');
  assert.equal(info.primaryKey, 'id');
  assert.equal((await client.getIndexes()).results.length, 1);
});

test('meilisearch client: search with highlight, crop and match positions', async () => {
  const r = await index.search('refund', {
    attributesToHighlight: ['title'],
    highlightPreTag: '<b>',
    highlightPostTag: '</b>',
    attributesToCrop: ['content'],
    cropLength: 6,
    showMatchesPosition: true,
  });
  assert.equal(r.hits[0].id, 'refunds');
  assert.equal(r.hits[0]._formatted.title, 'Request a <b>refund</b>');
  assert.ok(r.hits[0]._formatted.content.split(' ').length <= 6 + 1, r.hits[0]._formatted.content);
  const [{ start, length }] = r.hits[0]._matchesPosition.title;
  assert.equal(r.hits[0].title.substring(start, start + length), 'refund');
  assert.equal(r.query, 'refund');
  assert.equal(typeof r.processingTimeMs, 'number');
  assert.ok(r.estimatedTotalHits >= r.hits.length);
});

test('meilisearch client: filters and facets, in the string and array forms', async () => {
  const all = await index.search('', { facets: ['lang', 'category'], limit: 0 });
  assert.deepEqual(all.hits, []);
  const perLang = all.facetDistribution.lang;
  assert.deepEqual(Object.keys(perLang).sort(), ['en', 'fi', 'pl', 'vi']);
  assert.equal(Object.values(perLang).reduce((a, b) => a + b, 0), all.estimatedTotalHits);

  const rows = [
    { filter: 'lang = fi', langs: ['fi'] },
    { filter: 'lang IN [fi, pl]', langs: ['fi', 'pl'] },
    { filter: [['lang = fi', 'lang = vi']], langs: ['fi', 'vi'] },
    { filter: ['lang = en', ['category = Billing', 'category = Invoicing']], langs: ['en'], categories: ['Billing', 'Invoicing'] },
  ];
  for (const row of rows) {
    const r = await index.search('', { filter: row.filter, limit: 50, facets: ['lang'] });
    const expected = row.langs.reduce((n, l) => n + (row.categories ? 0 : perLang[l]), 0);
    if (!row.categories) assert.equal(r.estimatedTotalHits, expected, JSON.stringify(row.filter));
    assert.ok(r.hits.length > 0, JSON.stringify(row.filter));
    for (const h of r.hits) {
      assert.ok(row.langs.includes(h.lang), `${JSON.stringify(row.filter)}: ${h.id} is ${h.lang}`);
      if (row.categories) assert.ok(row.categories.includes(h.category), `${h.id} is in ${h.category}`);
    }
  }
  const bad = await apiError(index.search('x', { filter: 'updated > 2024' }));
  assert.equal(bad.code, 'invalid_search_filter');
  assert.match(bad.message, /updated > 2024/);
});

test('meilisearch client: pages walk every article once', async () => {
  const seen = new Set();
  const first = await index.search('', { hitsPerPage: 7, page: 1 });
  assert.equal(first.totalPages, Math.ceil(first.totalHits / 7));
  for (let page = 1; page <= first.totalPages; page++) {
    const r = await index.search('', { hitsPerPage: 7, page });
    for (const h of r.hits) {
      assert.ok(!seen.has(h.id), `${h.id} twice`);
      seen.add(h.id);
    }
  }
  assert.equal(seen.size, first.totalHits);
});

test('meilisearch client: multi-search answers each query in order', async () => {
  const { results } = await client.multiSearch({
    queries: [
      { indexUid: 'kb', q: 'refund', limit: 1 },
      { indexUid: 'kb', q: 'quan ly', filter: 'lang = vi', limit: 1 },
      { indexUid: 'kb', q: '', facets: ['category'], limit: 0 },
    ],
  });
  assert.deepEqual(results.map((r) => r.indexUid), ['kb', 'kb', 'kb']);
  assert.equal(results[0].hits[0].id, 'refunds');
  assert.equal(results[1].hits[0].id, 'quan-ly-nguoi-dung');
  assert.ok(Object.keys(results[2].facetDistribution.category).length >= 5);
});

test('meilisearch client: an agent token sees internal articles, the public and a wrong key do not', async () => {
  assert.ok(AGENT_TOKEN, 'run.sh creates a token');
  const asAgent = new Meilisearch({ host, apiKey: AGENT_TOKEN }).index('kb');
  const internal = (r) => r.hits.some((h) => h.id === 'refund-exceptions');
  assert.ok(internal(await asAgent.search('refund exceptions policy')));
  assert.ok(!internal(await index.search('refund exceptions policy')));
  const wrong = await apiError(new Meilisearch({ host, apiKey: 'a-meilisearch-search-key' }).index('kb').search('refund'));
  assert.equal(wrong.code, 'invalid_api_key');
  assert.equal(wrong.type, 'auth');
});

test('meilisearch client: the index is read-only, and other indexes do not exist', async () => {
  // Writes answer at once with an error (no task is ever enqueued).
  for (const write of [
    () => index.addDocuments([{ id: 'x', title: 'x' }]),
    () => index.deleteAllDocuments(),
    () => index.updateSettings({ searchableAttributes: ['title'] }),
    () => client.deleteIndex('kb'),
  ]) {
    const e = await apiError(write());
    assert.equal(e.code, 'method_not_allowed');
    assert.match(e.message, /read-only/);
  }
  assert.equal((await apiError(client.index('movies').search('x'))).code, 'index_not_found');
  assert.equal((await apiError(client.getIndex('movies'))).code, 'index_not_found');
});
