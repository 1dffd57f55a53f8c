// Searching from the help page as a customer does: the focused search box,
// typing and Enter, highlighted results that lead to the right section, typo
// correction, and facet chips. Queries come from the sample help center in
// content/.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  withPage, open, navigate, where, htmlLang, results, facetChips, targetOf, expectFocus,
} from './lib.mjs';

const CONTENT_LANGUAGES = ['en', 'fi', 'pl', 'vi'];

test('home page: the search box has focus and each language has a link', async () => {
  await withPage({}, async (page) => {
    await open(page, '/');
    await expectFocus(page, 'hero-q');
    const languages = await page.locator('.lang-nav a[hreflang]')
      .evaluateAll((links) => links.map((a) => a.hreflang));
    assert.deepEqual([...languages].sort(), CONTENT_LANGUAGES);

    // Picking a language shows the home page in it, marked as the current one.
    await navigate(page, () => page.locator('.lang-nav a[hreflang="fi"]').click(), /lang=fi/);
    assert.equal(await htmlLang(page), 'fi');
    assert.equal(await page.locator('.lang-nav a[aria-current="true"]').getAttribute('hreflang'), 'fi');
  });
});

// Typed into the home page's box. `top`: slug of the expected first hit;
// `marks`: what every highlight looks like; `marked`: one word that must be
// highlighted somewhere, in its written form (the base form of an inflected
// query, the diacritics of a folded one); `section`: the top hit must link to
// a heading inside the article.
const SEARCHES = [
  { q: 'refund', lang: 'en', top: 'refunds', marks: /^refund/i, marked: 'refund', section: true },
  { q: 'kuluraportin', lang: 'fi', top: 'kuluraportin-lahettaminen', marks: /^kuluraport/i,
    marked: 'kuluraportti', section: true },
  { q: 'obslugi', lang: 'pl', top: 'kontakt-z-obsluga', marks: /^obs[łl]u/i, marked: 'obsługi' },
  { q: 'quan ly', lang: 'vi', top: 'quan-ly-nguoi-dung', marks: /^(quản|lý|quan|ly)$/i, marked: 'quản' },
];

for (const row of SEARCHES) {
  test(`search "${row.q}" from the home page, follow the top hit`, async () => {
    await withPage({}, async (page) => {
      await open(page, '/');
      // Focus on arrival is the home page test's business; here, type as a
      // user who clicked into the box.
      const box = page.locator('#hero-q');
      await box.click();
      await box.pressSequentially(row.q);
      await navigate(page, () => box.press('Enter'), /\/search\?/);
      assert.equal(where(page).params.get('q'), row.q, 'the query in the URL');
      assert.equal(await page.locator('#site-q').inputValue(), row.q, 'the header box keeps the query');

      const hits = await results(page);
      assert.ok(hits.length > 0, `no results for "${row.q}"`);
      const top = hits[0];
      assert.equal(top.slug, row.top, `top hit: ${JSON.stringify(top)}`);
      assert.equal(top.lang, row.lang, 'top hit language');
      const marks = hits.flatMap((hit) => hit.marks);
      assert.ok(marks.includes(row.marked), `"${row.marked}" is not highlighted: ${JSON.stringify(marks)}`);
      for (const mark of marks) assert.match(mark, row.marks, `highlighted "${mark}"`);
      if (row.section) assert.ok(top.section, `the top hit links to a section: ${top.href}`);

      await navigate(page, () => page.locator('.result-title a').first().click(),
        (u) => u.pathname === `/articles/${row.top}`);
      assert.equal(await htmlLang(page), row.lang, 'the article page language');
      if (top.section) {
        const target = await targetOf(page);
        assert.deepEqual(
          { id: target.id, found: target.found, isTarget: target.isTarget, inView: target.inView },
          { id: top.section, found: true, isTarget: true, inView: true },
          'the linked section is there and scrolled into view');
      }
    });
  });
}

test('a typo is corrected, with a link to search for what was typed', async () => {
  await withPage({}, async (page) => {
    // From an article page, through the search box in the header.
    await open(page, '/articles/refunds');
    await page.locator('#site-q').fill('refnd');
    await navigate(page, () => page.locator('#site-q').press('Enter'), /\/search\?/);

    const notice = page.locator('.notice', { has: page.locator('strong') });
    assert.equal(await notice.count(), 1, 'one correction notice');
    assert.equal((await notice.locator('strong').textContent()).trim(), 'refund');
    const hits = await results(page);
    assert.ok(hits.some((hit) => hit.slug === 'refunds'), 'results for the corrected word');
    assert.ok(hits.flatMap((hit) => hit.marks).includes('refund'), 'the corrected word is highlighted');

    const original = notice.locator('a');
    assert.equal(new URL(await original.getAttribute('href'), page.url()).searchParams.get('q'), 'refnd');
    await navigate(page, () => original.click(), (u) => u.searchParams.has('correct'));
    assert.equal(await notice.count(), 0, 'no correction after asking for the original');
    assert.equal(await page.locator('#site-q').inputValue(), 'refnd');
  });
});

// Click a facet chip, check the results, remove the filter again: through the
// active filter's remove button, or by clicking the active chip itself.
const FACETS = [
  { q: 'Lumen Books', key: 'lang', value: 'fi', removeWith: '.active-filters .chip-remove',
    holds: (hit, chip) => hit.lang === chip.value },
  { q: 'Lumen Books', key: 'category', value: 'Kulut', removeWith: '.facets a.chip[aria-current="true"]',
    holds: (hit, chip) => hit.path.startsWith(chip.label) },
  { q: 'invoice', key: 'tag', value: 'security', removeWith: '.active-filters .chip-remove',
    holds: () => true },
];

async function total(page) {
  const text = await page.locator('.result-count').textContent();
  return Number(text.match(/\d+/)?.[0]);
}

for (const row of FACETS) {
  test(`facet ${row.key}=${row.value} on "${row.q}": filter, then remove the filter`, async () => {
    await withPage({}, async (page) => {
      await open(page, `/search?q=${encodeURIComponent(row.q)}`);
      const all = await total(page);
      const chips = await facetChips(page, row.key);
      const chip = chips.find((c) => c.value === row.value);
      assert.ok(chip, `no ${row.key} chip "${row.value}" among ${JSON.stringify(chips.map((c) => c.value))}`);
      assert.ok(chip.count < all, `the chip narrows the ${all} results (it says ${chip.count})`);

      await navigate(page, () => chip.locator.click(), (u) => u.searchParams.get(row.key) === row.value);
      assert.equal(await total(page), chip.count, 'as many results as the chip said');
      for (const hit of await results(page)) assert.ok(row.holds(hit, chip), `does not match the filter: ${JSON.stringify(hit)}`);
      const active = (await facetChips(page, row.key)).filter((c) => c.active);
      assert.deepEqual(active.map((c) => c.label), [chip.label], 'the chip is marked aria-current');
      assert.equal(await page.locator('.active-filters .chip-filter').count(), 1, 'one active filter shown');
      assert.equal(await page.locator('#site-q').inputValue(), row.q);

      await navigate(page, () => page.locator(row.removeWith).click(), (u) => !u.searchParams.has(row.key));
      assert.equal(where(page).params.get('q'), row.q, 'the query stays');
      assert.equal(await total(page), all, 'all results are back');
      assert.equal(await page.locator('.facets a.chip[aria-current]').count(), 0, 'no chip is current');
      assert.equal(await page.locator('.active-filters .chip-filter').count(), 0, 'no active filter shown');
    });
  });
}
