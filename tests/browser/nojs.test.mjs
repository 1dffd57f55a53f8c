// The help page must work without JavaScript: the same key flows in a
// context where scripts are off, using only forms and links.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  withPage, open, navigate, where, htmlLang, results, facetChips, targetOf, expectFocus,
} from './lib.mjs';

const NO_JS = { javaScriptEnabled: false };

test('without JavaScript: search, filter, open a result, change language', async () => {
  await withPage(NO_JS, async (page) => {
    await open(page, '/');
    await expectFocus(page, 'hero-q');
    await page.keyboard.type('invoice');
    await navigate(page, () => page.keyboard.press('Enter'), /\/search\?/);
    const all = await results(page);
    assert.ok(all.length > 0, 'no results');
    assert.ok(all.some((hit) => hit.marks.length > 0), 'no highlights');

    const [category] = (await facetChips(page, 'category')).filter((c) => c.value === 'Invoicing');
    assert.ok(category, 'an Invoicing category chip');
    await navigate(page, () => category.locator.click(), (u) => u.searchParams.get('category') === 'Invoicing');
    const filtered = await results(page);
    assert.equal(filtered.length, category.count);
    assert.ok(filtered.every((hit) => hit.path.startsWith(category.label)), JSON.stringify(filtered));

    await navigate(page, () => page.locator('.active-filters .chip-remove').click(),
      (u) => !u.searchParams.has('category'));
    assert.equal((await results(page)).length, all.length, 'all results are back');

    const top = all.findIndex((hit) => hit.slug === 'create-invoice');
    assert.ok(top >= 0, `create-invoice among ${JSON.stringify(all.map((h) => h.href))}`);
    await navigate(page, () => page.locator('.result-title a').nth(top).click(),
      (u) => u.pathname === '/articles/create-invoice');
    if (all[top].section) {
      const target = await targetOf(page);
      assert.ok(target.found && target.isTarget && target.inView, JSON.stringify(target));
    }

    const toc = page.locator('.toc a').nth(1);
    const anchor = decodeURIComponent((await toc.getAttribute('href')).slice(1));
    await navigate(page, () => toc.click(), (u) => decodeURIComponent(u.hash.slice(1)) === anchor);
    assert.ok((await targetOf(page)).isTarget, `table of contents link to #${anchor}`);

    await navigate(page, () => page.locator('.translations a[hreflang="pl"]').click(),
      (u) => u.pathname === '/articles/wystawianie-faktury');
    assert.equal(await htmlLang(page), 'pl');
  });
});

test('without JavaScript: the typo notice and its link to the original query', async () => {
  await withPage(NO_JS, async (page) => {
    await open(page, '/search?q=refund');
    await page.locator('#site-q').fill('refnd');
    await navigate(page, () => page.locator('#site-q').press('Enter'), (u) => u.searchParams.get('q') === 'refnd');
    const notice = page.locator('.notice', { has: page.locator('strong') });
    assert.equal((await notice.locator('strong').textContent()).trim(), 'refund');
    assert.ok((await results(page)).length > 0);
    await navigate(page, () => notice.locator('a').click(), (u) => u.searchParams.has('correct'));
    assert.equal(await notice.count(), 0);
    assert.equal(where(page).params.get('q'), 'refnd');
  });
});

test('without JavaScript: language filter from the facet and back', async () => {
  await withPage(NO_JS, async (page) => {
    await open(page, '/search?q=Lumen%20Books');
    const [vi] = (await facetChips(page, 'lang')).filter((c) => c.value === 'vi');
    assert.ok(vi, 'a Vietnamese chip');
    await navigate(page, () => vi.locator.click(), (u) => u.searchParams.get('lang') === 'vi');
    const hits = await results(page);
    assert.ok(hits.length > 0 && hits.every((hit) => hit.lang === 'vi'), JSON.stringify(hits));
    assert.equal(await page.locator('.facets a.chip[aria-current="true"]').count(), 1);
    // The header search keeps the language filter for the next query.
    await page.locator('#site-q').fill('hoa don');
    await navigate(page, () => page.locator('#site-q').press('Enter'), (u) => u.searchParams.get('q') === 'hoa don');
    assert.equal(where(page).params.get('lang'), 'vi', 'language kept by the header search');
    const next = await results(page);
    assert.ok(next.length > 0 && next.every((hit) => hit.lang === 'vi'), JSON.stringify(next));
  });
});
