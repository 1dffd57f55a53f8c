// Search as you type, then the article: the combobox a customer drives with
// the keyboard, the section it lands on, the words marked on arrival from a
// result, and "Was this helpful?" with and without JavaScript.
import test from 'node:test';
import assert from 'node:assert/strict';
import { withPage, open, navigate, where, htmlLang, AGENT_TOKEN } from './lib.mjs';

// The open suggestion list under a search box: option texts, URLs, languages.
async function suggestions(page, box) {
  const listId = await box.getAttribute('aria-controls');
  await page.locator(`#${listId} [role="option"]`).first().waitFor({ state: 'visible' });
  return page.locator(`#${listId} [role="option"]`).evaluateAll((options) => options.map((o) => ({
    id: o.id,
    text: o.querySelector('.suggest-text').textContent,
    marks: [...o.querySelectorAll('mark')].map((m) => m.textContent),
    url: o.dataset.url,
    lang: o.lang,
  })));
}

// Resolves once the suggestion list answers `typed` (kb.js sets data-query
// when it shows an answer, or closes the list for an empty one).
async function answered(page, box, typed) {
  const listId = await box.getAttribute('aria-controls');
  await page.waitForFunction(([id, q]) => document.getElementById(id)?.dataset.query === q, [listId, typed]);
}

// Polls a condition of the test's own state (requests seen by Playwright).
async function until(condition) {
  while (!condition()) await new Promise((resolve) => { setTimeout(resolve, 10); });
}

// Typed into the home page's box: the suggestion expected among the first
// three, and where choosing it with the keyboard leads.
const TYPED = [
  { q: 'refund rec', text: 'Refund receipts', path: '/articles/refunds', hash: 'refund-receipts' },
  { q: 'kulurap', text: 'Kuluraportin lähettäminen', path: '/articles/kuluraportin-lahettaminen', hash: '' },
  { q: 'salasanan', text: 'Salasanan vaihtaminen', path: '/articles/salasanan-vaihto', hash: '' },
];

for (const row of TYPED) {
  test(`suggestions for "${row.q}": pick one with the keyboard, land on it`, async () => {
    await withPage({}, async (page) => {
      await open(page, '/');
      const box = page.locator('#hero-q');
      assert.equal(await box.getAttribute('role'), 'combobox');
      await box.click();
      await box.pressSequentially(row.q, { delay: 20 });
      await answered(page, box, row.q);
      const options = await suggestions(page, box);
      const index = options.slice(0, 3).findIndex((o) => o.text === row.text);
      assert.ok(index >= 0, `"${row.text}" not among the first three: ${JSON.stringify(options.map((o) => o.text))}`);
      assert.ok(options[index].marks.length > 0, 'the typed beginning is marked');
      assert.equal(await box.getAttribute('aria-expanded'), 'true');

      for (let i = 0; i <= index; i += 1) await box.press('ArrowDown');
      assert.equal(await box.getAttribute('aria-activedescendant'), options[index].id);
      assert.equal(await page.locator(`#${options[index].id}`).getAttribute('aria-selected'), 'true');
      await expectFocusOnBox(page);

      await navigate(page, () => box.press('Enter'), (u) => u.pathname === row.path);
      assert.equal(where(page).hash, row.hash);
      if (row.hash) {
        const landed = await page.evaluate((id) => {
          const el = document.getElementById(id);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          return { target: el.matches(':target'), onScreen: r.top >= 0 && r.top < innerHeight };
        }, row.hash);
        assert.deepEqual(landed, { target: true, onScreen: true }, `section #${row.hash}`);
      }
    });
  });
}

async function expectFocusOnBox(page) {
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'hero-q', 'focus stays in the box');
}

test('suggestions: Escape closes the list, Enter without a choice searches', async () => {
  await withPage({}, async (page) => {
    await open(page, '/');
    const box = page.locator('#hero-q');
    await box.click();
    await box.pressSequentially('refund', { delay: 20 });
    await answered(page, box, 'refund');
    await suggestions(page, box);
    await box.press('Escape');
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    assert.equal(await box.inputValue(), 'refund', 'the first Escape keeps the text');
    await navigate(page, () => box.press('Enter'), /\/search\?q=refund/);
  });
});

test('suggestions: fast typing sends few requests and shows the answer for the last text', async () => {
  await withPage({}, async (page) => {
    await open(page, '/');
    const requested = [];
    let settled = 0;  // answered or aborted
    const isSuggest = (r) => r.url().includes('/api/v1/suggest');
    page.on('request', (r) => {
      if (isSuggest(r)) requested.push(new URL(r.url()).searchParams.get('q'));
    });
    page.on('requestfinished', (r) => { if (isSuggest(r)) settled += 1; });
    page.on('requestfailed', (r) => { if (isSuggest(r)) settled += 1; });
    const box = page.locator('#hero-q');
    await box.click();
    const typed = 'kuluraportin lähettäminen';
    await box.pressSequentially(typed, { delay: 5 });
    // On a busy machine a prefix's answer may show first: wait for the
    // answer to the whole text, then for every request typing sent.
    await answered(page, box, typed);
    const options = await suggestions(page, box);
    await until(() => settled === requested.length);
    const final = await suggestions(page, box);
    assert.deepEqual(final, options);
    assert.equal(final[0].text, 'Kuluraportin lähettäminen');
    assert.ok(requested.length < typed.length / 2, `${requested.length} requests for ${typed.length} keystrokes`);
    assert.equal(requested.at(-1), typed);
  });
});

test('suggestions in the page language come first; internal titles only for agents', async () => {
  await withPage({}, async (page) => {
    await open(page, '/?lang=fi');
    const box = page.locator('#hero-q');
    await box.click();
    await box.pressSequentially('hyvi', { delay: 20 });
    await answered(page, box, 'hyvi');
    const fi = await suggestions(page, box);
    assert.equal(fi[0].lang, 'fi', JSON.stringify(fi));

    await box.fill('');
    await box.pressSequentially('eskalointi', { delay: 20 });
    await answered(page, box, 'eskalointi');
    const texts = await page.locator('[role="option"]').allTextContents();
    assert.ok(!texts.some((t) => /Eskalointiohje/.test(t)), `internal title suggested to the public: ${texts}`);
  });
  if (!AGENT_TOKEN) return;
  await withPage({ extraHTTPHeaders: { Authorization: `Bearer ${AGENT_TOKEN}` } }, async (page) => {
    await open(page, '/?lang=fi');
    const box = page.locator('#hero-q');
    await box.click();
    await box.pressSequentially('eskalointi', { delay: 20 });
    await answered(page, box, 'eskalointi');
    const options = await suggestions(page, box);
    assert.ok(options.some((o) => o.url === '/articles/eskalointiohje'), JSON.stringify(options));
  });
});

test('from a result to the article: the searched words are marked there', async () => {
  await withPage({}, async (page) => {
    await open(page, '/search?q=refund');
    await navigate(page, () => page.locator('.result-title a').first().click(), /\/articles\//);
    const marked = await page.locator('.article-body mark').allTextContents();
    assert.ok(marked.some((m) => /^refund/i.test(m)), `marked: ${JSON.stringify(marked)}`);
  });
});

for (const javaScriptEnabled of [true, false]) {
  test(`"Was this helpful?" records a vote (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    await withPage({ javaScriptEnabled }, async (page) => {
      await open(page, '/articles/hyvitykset');
      assert.equal(await htmlLang(page), 'fi', 'the article page speaks the article language');
      await navigate(page, () => page.locator('.feedback-form button[value="yes"]').click(), /voted=1/);
      assert.equal(where(page).path, '/articles/hyvitykset');
      assert.ok(await page.locator('.feedback-thanks').isVisible());
      assert.equal(await page.locator('.feedback-form').count(), 0);
    });
  });
}
