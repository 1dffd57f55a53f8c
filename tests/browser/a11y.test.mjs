// Accessibility and safety nets: axe-core on every kind of page, in light and
// dark colour schemes and on a phone, failing on serious or critical
// violations; the keyboard path into the page (skip link); and a check that
// the pages' Content-Security-Policy is enforced and its violations caught.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  browser, withPage, watchForProblems, open, navigate, runAxe, formatViolations, isKnownAxeDefect,
  PAGES, VIEWPORTS, AGENT_TOKEN,
} from './lib.mjs';

const MODES = [
  { name: 'desktop light', viewport: VIEWPORTS.desktop, colorScheme: 'light' },
  // Only colours change in the dark scheme.
  { name: 'desktop dark', viewport: VIEWPORTS.desktop, colorScheme: 'dark', rules: ['color-contrast'] },
  { name: 'phone light', viewport: VIEWPORTS.phone, colorScheme: 'light' },
  // What agents see on top: the badge, the internal and draft banners.
  { name: 'agent view', extraHTTPHeaders: { Authorization: `Bearer ${AGENT_TOKEN}` }, pages: [
    { name: 'agent results', path: '/search?q=goodwill%20credit' },
    { name: 'internal article', path: '/articles/refund-exceptions' },
    { name: 'draft article', path: '/articles/annual-plans-2027' },
    { name: 'article with an internal note', path: '/articles/refunds' },
    { name: 'search report', path: '/report?audience=all' },
    { name: 'search insights', path: '/insights?days=30&audience=all' },
    { name: 'search insights (fi)', path: '/insights?days=7&lang=fi' },
  ] },
];

const BLOCKING = new Set(['serious', 'critical']);

for (const mode of MODES) {
  test(`axe, ${mode.name}: no serious or critical violations`, async (t) => {
    const { name, rules, pages = PAGES, ...contextOptions } = mode;
    await withPage(contextOptions, async (page) => {
      const failures = [];
      for (const { name: pageName, path, status = 200 } of pages) {
        await open(page, path, status);
        const { violations } = await runAxe(page, { rules });
        // Drop the nodes of defects already reported (see KNOWN_DEFECTS).
        const fresh = violations
          .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isKnownAxeDefect(v.id, n.target.join(' '))) }))
          .filter((v) => v.nodes.length > 0);
        const blocking = fresh.filter((v) => BLOCKING.has(v.impact));
        const minor = fresh.filter((v) => !BLOCKING.has(v.impact));
        if (minor.length) t.diagnostic(`${pageName} (${path}), not failing:\n${formatViolations(minor)}`);
        if (blocking.length) failures.push(`${pageName} (${path}):\n${formatViolations(blocking)}`);
      }
      assert.equal(failures.length, 0, `axe violations, ${name}:\n\n${failures.join('\n\n')}`);
    });
  });
}

test('keyboard: the first Tab stop is the skip link, and it moves to the main content', async () => {
  await withPage({}, async (page) => {
    await open(page, '/articles/refunds');
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      return {
        href: el.getAttribute('href'),
        visible: box.width > 1 && box.height > 1 && box.top >= 0 && box.bottom <= window.innerHeight,
      };
    });
    assert.deepEqual(skip, { href: '#main', visible: true }, 'a visible skip link to #main');
    await navigate(page, () => page.keyboard.press('Enter'), (u) => u.hash === '#main');
    // The next Tab continues inside the main content, not back in the header.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)),
      'focus after the skip link is inside <main>');
  });
});

test('the Content-Security-Policy is enforced, and a violation fails a test', async () => {
  const context = await (await browser()).newContext();
  try {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await open(page, '/');
    // What an injected inline script would do: the policy must refuse it.
    const ran = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', () => resolve(false));
      const script = document.createElement('script');
      script.textContent = 'window.kbInlineRan = true';
      document.body.append(script);
      setTimeout(() => resolve(window.kbInlineRan === true), 2_000);
    }));
    assert.equal(ran, false, 'an inline script ran: no script-src policy?');
    assert.ok(problems.some((p) => /Content Security Policy/.test(p)),
      `the violation was not reported: ${JSON.stringify(problems)}`);
  } finally {
    await context.close();
  }
});
