// How the pages look and weigh: screenshots on a phone and a desktop (into
// KB_ARTIFACTS, for people to look at), no sideways scrolling, and the bytes
// each page sends (printed, and written to KB_ARTIFACTS/page-weight.txt).
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { withPage, open, url, artifactPath, PAGES, VIEWPORTS } from './lib.mjs';

const SHOTS = ['home', 'results', 'results, many facets', 'article', 'not found'];

// A help page that is heavier than this is a regression worth a look.
const kMaxHtmlBytes = 150 * 1024;

function fileName(name) {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '');
}

for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
  test(`screenshots, ${viewportName} ${viewport.width}x${viewport.height}; nothing wider than the screen`, async () => {
    await withPage({ viewport }, async (page) => {
      const overflowing = [];
      for (const { name, path, status = 200 } of PAGES.filter((p) => SHOTS.includes(p.name))) {
        await open(page, path, status);
        await page.screenshot({ path: artifactPath(`${viewportName}-${fileName(name)}.png`), fullPage: true });
        const wide = await page.evaluate(() => {
          const limit = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= limit) return null;
          // Name the widest elements that stick out, for the message.
          return [...document.querySelectorAll('main *, header *')]
            .filter((el) => el.getBoundingClientRect().right > limit + 1)
            .slice(0, 3)
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${[...el.classList].join('.')}` : ''}`);
        });
        if (wide) overflowing.push(`${name} (${path}): ${wide.join(', ')}`);
      }
      assert.deepEqual(overflowing, [], 'pages scroll sideways');
    });
  });
}

test('page weight: HTML bytes per page', async () => {
  await withPage({}, async (page) => {
    const rows = [];
    for (const { name, path, status = 200 } of PAGES) {
      const response = await open(page, path, status);
      const sizes = await response.request().sizes();
      const body = (await response.body()).length;
      rows.push({
        name,
        path,
        transfer: sizes.responseHeadersSize + sizes.responseBodySize,
        body,
        encoding: (await response.headerValue('content-encoding')) || 'identity',
      });
    }
    const css = await (await page.request.get(url('/static/style.css'))).body();
    const pad = (s, n) => String(s).padEnd(n);
    const num = (n) => String(n).padStart(8);
    const table = [
      'page weight (HTML document; the stylesheet is fetched once and cached):',
      `  ${pad('page', 26)} ${'transfer'.padStart(8)} ${'body'.padStart(8)}  encoding  path`,
      ...rows.map((r) => `  ${pad(r.name, 26)} ${num(r.transfer)} ${num(r.body)}  ${pad(r.encoding, 8)}  ${r.path}`),
      `  ${pad('stylesheet', 26)} ${' '.repeat(8)} ${num(css.length)}  ${pad('', 8)}  /static/style.css`,
    ].join('\n');
    console.log(table);
    writeFileSync(artifactPath('page-weight.txt'), `${table}\n`);
    const heavy = rows.filter((r) => r.body > kMaxHtmlBytes);
    assert.deepEqual(heavy.map((r) => `${r.name}: ${r.body} bytes`), [], `HTML above ${kMaxHtmlBytes} bytes`);
  });
});
