// Staff in a browser: sign in with a token from the footer link, land where
// they were, see drafts with their banner, sign out; the cookie is HttpOnly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { withPage, open, navigate, expectErrorDocument, AGENT_TOKEN } from './lib.mjs';

test('sign in from the footer, preview a draft, sign out', async () => {
  await withPage({}, async (page) => {
    await open(page, '/articles/annual-plans-2027', 404);
    await navigate(page, () => page.locator('.site-footer a[href^="/signin"]').click(), (u) => u.pathname === '/signin');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/articles/annual-plans-2027');

    await page.locator('#signin-token').fill('kb_not_a_token');
    expectErrorDocument(page, '/signin');  // 401, the form again
    await navigate(page, () => page.locator('.signin-form button').click(), (u) => u.pathname === '/signin');
    assert.equal(await page.locator('.banner-error').count(), 1, 'a wrong token is said so');

    await page.locator('#signin-token').fill(AGENT_TOKEN);
    await navigate(page, () => page.locator('.signin-form button').click(),
      (u) => u.pathname === '/articles/annual-plans-2027');
    assert.equal(await page.locator('.banner-draft').count(), 1, 'the draft, marked as one');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'kb_session');
    assert.ok(session && session.httpOnly && session.sameSite === 'Lax', JSON.stringify(cookies));
    assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read the session');

    await navigate(page, () => page.locator('.signout-form button').click(), (u) => u.pathname === '/');
    await open(page, '/articles/annual-plans-2027', 404);  // signed out: a draft is not there
  });
});
