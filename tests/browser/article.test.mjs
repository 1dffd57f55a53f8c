// The article page: its table of contents, its links to translations, and
// articles only agents may see (internal ones and drafts).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  withPage, open, navigate, where, htmlLang, results, targetOf, AGENT_TOKEN,
} from './lib.mjs';

// Articles with a table of contents, in scripts whose anchors need care.
const TOC_ARTICLES = ['refunds', 'kuluraportin-lahettaminen', 'quan-ly-nguoi-dung'];

for (const slug of TOC_ARTICLES) {
  test(`table of contents of ${slug}: every entry leads to its section`, async () => {
    await withPage({}, async (page) => {
      await open(page, `/articles/${slug}`);
      const links = page.locator('.toc a');
      const count = await links.count();
      assert.ok(count >= 2, `expected a table of contents, found ${count} links`);
      for (let i = 0; i < count; i++) {
        const link = links.nth(i);
        const text = (await link.textContent()).trim();
        const anchor = decodeURIComponent((await link.getAttribute('href')).replace(/^#/, ''));
        await navigate(page, () => link.click(), (u) => decodeURIComponent(u.hash.slice(1)) === anchor);
        const target = await targetOf(page);
        assert.ok(target.found, `"${text}" points to #${anchor}, which is not on the page`);
        assert.ok(target.isTarget && target.inView, `"${text}": #${anchor} is not scrolled into view`);
        assert.match(target.tag, /^h[1-6]$/, `"${text}" should lead to a heading`);
        // Scroll back so the next link is clickable from the top of the page.
        await page.evaluate(() => window.scrollTo(0, 0));
      }
    });
  });
}

// `from` links to `to` (in language `lang`) under "Also available in", and
// the translation links back.
const TRANSLATIONS = [
  { from: 'refunds', fromLang: 'en', to: 'hyvitykset', lang: 'fi' },
  { from: 'reset-password', fromLang: 'en', to: 'dat-lai-mat-khau', lang: 'vi' },
  { from: 'kuluraportin-lahettaminen', fromLang: 'fi', to: 'expense-reports', lang: 'en' },
  { from: 'wystawianie-faktury', fromLang: 'pl', to: 'tao-hoa-don', lang: 'vi' },
];

for (const row of TRANSLATIONS) {
  test(`translation link ${row.from} (${row.fromLang}) → ${row.to} (${row.lang})`, async () => {
    await withPage({}, async (page) => {
      await open(page, `/articles/${row.from}`);
      assert.equal(await htmlLang(page), row.fromLang);
      const link = page.locator(`.translations a[hreflang="${row.lang}"]`);
      assert.equal(await link.count(), 1, `one link to the ${row.lang} translation`);
      await navigate(page, () => link.click(), (u) => u.pathname === `/articles/${row.to}`);
      assert.equal(await htmlLang(page), row.lang, '<html lang> of the translation');
      assert.equal(await page.locator('#article-title').getAttribute('lang'), row.lang);
      const back = page.locator(`.translations a[hreflang="${row.fromLang}"]`);
      assert.equal(new URL(await back.getAttribute('href'), page.url()).pathname, `/articles/${row.from}`,
        'links back');
    });
  });
}

// Hidden from the public on every path, shown to agents with a banner.
const HIDDEN = [
  { slug: 'refund-exceptions', q: 'goodwill credit', title: 'Refund exceptions policy for agents', banner: '.banner-internal' },
  { slug: 'eskalointiohje', q: 'eskalointi', title: 'Eskalointiohje asiakaspalvelupäällikölle', banner: '.banner-internal' },
  { slug: 'annual-plans-2027', q: 'Aurora pricing', title: 'Annual plans and pricing for 2027', banner: '.banner-draft' },
];

for (const row of HIDDEN) {
  test(`${row.slug}: not found by the public, found by an agent`, async () => {
    await withPage({}, async (page) => {
      await open(page, `/search?q=${encodeURIComponent(row.q)}`);
      const hits = await results(page);
      assert.ok(!hits.some((hit) => hit.slug === row.slug), 'listed to the public');
      assert.ok(!(await page.content()).includes(row.title), 'its title is on the public results page');
      await open(page, `/articles/${row.slug}`, 404);
      assert.ok(!(await page.content()).includes(row.title), 'its title is on the public 404 page');
    });

    assert.ok(AGENT_TOKEN, 'KB_AGENT_TOKEN is not set');
    await withPage({ extraHTTPHeaders: { Authorization: `Bearer ${AGENT_TOKEN}` } }, async (page) => {
      await open(page, `/search?q=${encodeURIComponent(row.q)}`);
      assert.ok(await page.locator('.agent-badge').isVisible(), 'agent badge in the header');
      const hits = await results(page);
      const hit = hits.findIndex((h) => h.slug === row.slug);
      assert.ok(hit >= 0, `the agent does not find it: ${JSON.stringify(hits.map((h) => h.href))}`);
      await navigate(page, () => page.locator('.result-title a').nth(hit).click(),
        (u) => u.pathname === `/articles/${row.slug}`);
      assert.equal((await page.locator('#article-title').textContent()).trim(), row.title);
      assert.ok(await page.locator(row.banner).isVisible(), `${row.banner} is shown`);
      assert.equal(where(page).path, `/articles/${row.slug}`);
    });
  });
}
