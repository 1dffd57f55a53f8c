// One test per entry of KNOWN_DEFECTS (lib.mjs), the defects the other tests
// tolerate. While a defect is there its test passes, marked TODO with what
// it found; once the defect is fixed its test fails, asking for the entry to
// be deleted, so the other tests guard against it again.
import test from 'node:test';
import assert from 'node:assert/strict';
import { withPage, runAxe, url, KNOWN_DEFECTS } from './lib.mjs';

async function stillThere(page, known) {
  const found = [];
  page.on('response', (r) => {
    if (known.url?.test(r.url()) && r.status() >= 400) found.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url(known.path));
  if (known.url) {
    // The browser fetches the icon when it likes; fetch it now, as it would.
    const icon = await page.evaluate(() => document.querySelector('link[rel~="icon"]')?.href
      ?? new URL('/favicon.ico', location.href).href);
    if (known.url.test(icon)) {
      const r = await page.request.get(icon);
      if (r.status() >= 400) found.push(`${r.status()} ${icon}`);
    }
  }
  if (known.axe) {
    const { violations } = await runAxe(page);
    for (const v of violations.filter((x) => x.id === known.axe.rule)) {
      for (const n of v.nodes) {
        if (known.axe.target.test(n.target.join(' '))) found.push(`${v.id} at ${n.target.join(' ')}`);
      }
    }
  }
  return [...new Set(found)];
}

for (const known of KNOWN_DEFECTS) {
  test(`known defect: ${known.what}`, async (t) => {
    await withPage({}, async (page) => {
      const found = await stillThere(page, known);
      assert.ok(found.length > 0,
        `fixed: delete this entry from KNOWN_DEFECTS in tests/browser/lib.mjs (${known.path})`);
      t.todo(`still there on ${known.path}: ${found.join(', ')}`);
    });
  });
}
