// The agents' page: sign in, then keyboard only: / to search, results as
// you type, arrows to choose, Enter to preview, C to copy the customer's
// answer (never internal notes), Shift+C with them; and the copy buttons.
import test from 'node:test';
import assert from 'node:assert/strict';
import { withPage, open, navigate, url, AGENT_TOKEN } from './lib.mjs';

async function signIn(page) {
  await open(page, '/agent?q=refund');
  assert.equal(new URL(page.url()).pathname, '/signin', 'staff pages send strangers to sign in');
  await page.locator('#signin-token').fill(AGENT_TOKEN);
  await navigate(page, () => page.locator('.signin-form button').click(), (u) => u.pathname === '/agent');
}

const selectedTitle = (page) => page.locator('.agent-result[aria-selected="true"] a').textContent();
const clipboard = (page) => page.evaluate(() => navigator.clipboard.readText());

test('agent page: keyboard search, preview and copy', async () => {
  await withPage({}, async (page, context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url('/')).origin });
    await signIn(page);
    assert.equal(await page.locator('#agent-q').inputValue(), 'refund', 'the query survived signing in');

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'agent-q');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('goodwill credit');
    await page.locator('.agent-result .badge-internal').first().waitFor();  // internal results marked

    await page.keyboard.press('Control+A');
    const question = 'refund eligibility annual plan cancelled';
    await page.keyboard.type(question);
    // The list shows the results of the whole question (not of a prefix
    // typed before it, which a busy machine searches for first).
    await page.waitForFunction((q) => {
      const list = document.getElementById('agent-results');
      return list.dataset.query === q && list.getAttribute('aria-busy') === 'false';
    }, question);
    const first = await selectedTitle(page);
    assert.equal(first, 'Request a refund');
    await page.keyboard.press('ArrowDown');
    assert.notEqual(await selectedTitle(page), first, 'ArrowDown moves the choice');
    await page.keyboard.press('ArrowUp');
    assert.equal(await selectedTitle(page), first);

    // A fast typist's choice survives results that arrive after it: press
    // ArrowDown while the search for the last word is still running.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('refund eligibility annual plan');
    await page.waitForFunction(() => document.getElementById('agent-results').dataset.query === 'refund eligibility annual plan');
    // The server answers slowly from here on, so the search for the last
    // word is still running when the agent presses ArrowDown.
    const search = (u) => u.pathname === '/api/v1/search';
    await page.route(search, async (route) => {
      await new Promise((resolve) => { setTimeout(resolve, 300); });
      await route.continue().catch(() => {});  // the page may have moved on (aborted it)
    });
    await page.keyboard.type(' cancelled');
    await page.waitForFunction((q) => document.getElementById('agent-results').dataset.searching === q, question);
    await page.keyboard.press('ArrowDown');
    const chosen = await selectedTitle(page);
    await page.waitForFunction((q) => document.getElementById('agent-results').dataset.query === q, question);
    await page.unroute(search);
    assert.equal(await selectedTitle(page), chosen, 'results arriving after ArrowDown keep the choice');
    // Back to the top (the choice may sit lower in the new order).
    for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowUp');
    assert.equal(await selectedTitle(page), first);

    await page.keyboard.press('Enter');
    const preview = page.locator('#agent-preview');
    await preview.waitFor();
    assert.match(await preview.getAttribute('src'), /^\/articles\/refunds\?hl=refund/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'agent-results', 'focus on the list');
    await page.frameLocator('#agent-preview').locator('.internal-block').waitFor();  // the note, for the agent

    // Every write the page makes, in order, beside the real clipboard: the
    // checks below wait for a count, so a slow server cannot make a later
    // read see an earlier copy.
    await page.evaluate(() => {
      window.copies = [];
      const write = navigator.clipboard.writeText.bind(navigator.clipboard);
      navigator.clipboard.writeText = (text) => { window.copies.push(text); return write(text); };
    });
    const copied = async (n) => {
      await page.waitForFunction((count) => window.copies.length >= count, n);
      const all = await page.evaluate(() => window.copies);
      assert.equal(all.length, n, `one write per copy: ${JSON.stringify(all)}`);
      return all[n - 1];
    };

    await page.keyboard.press('c');
    const customer = await copied(1);
    assert.match(customer, /\| Situation \|/, customer);
    assert.doesNotMatch(customer, /team lead/, 'the customer copy has no internal note');
    assert.match(customer, /\/articles\/refunds#refund-eligibility/);
    await page.waitForFunction(() => document.getElementById('agent-status').textContent.length > 0);
    assert.equal(await clipboard(page), customer, 'the text reached the clipboard');

    await page.keyboard.press('Shift+C');
    const full = await copied(2);
    assert.match(full, /team lead/, 'Shift+C copies the internal note too');
    assert.match(full, /\| Situation \|/);

    await page.locator('#agent-copy').click();
    assert.equal(await copied(3), customer, 'the button copies the customer answer');
    await page.locator('#agent-copy-full').click();
    assert.equal(await copied(4), full);
  });
});
