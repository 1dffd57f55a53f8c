// /insights for support managers (issue 21): real searches and a result
// opened go through the help page, the search log writes them (its
// background flush, every few seconds), and the page shows them: charts
// rendered, the search in the top list with its count, and every table's
// CSV download saying what the table says.
import test from 'node:test';
import assert from 'node:assert/strict';
import { withPage, open, url, runAxe, formatViolations, AGENT_TOKEN } from './lib.mjs';

const STAFF = { Authorization: `Bearer ${AGENT_TOKEN}` };
// Words no other test searches for: the count is this test's alone.
const PROBE = `refund ${Array.from({ length: 8 }, () => 'bcdfghjklmnpqrstvwxz'[Math.floor(Math.random() * 20)]).join('')}`;
const SEARCHES = 3;

// Waits until the search log has written the probe (it flushes every 5 s).
async function waitForLog() {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(url('/api/v1/insights?days=7&audience=all'), { headers: STAFF });
    assert.equal(res.status, 200);
    const body = await res.json();
    const row = body.top_queries.find((q) => q.query === PROBE);
    if (row && row.searches === SEARCHES && row.clicks >= 1) return body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`the search log never showed ${SEARCHES} searches and a click for "${PROBE}"`);
}

// The page's table as rows of cell texts.
function tableRows(page, name) {
  return page.locator(`#insights-${name} tbody tr`).evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

// CSV (RFC 4180) into rows, the header first.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  return rows;
}

// The visit figures of the customers, now (open visits count as they stand).
async function visitTotals() {
  const res = await fetch(url('/api/v1/insights?days=7&audience=public'), { headers: STAFF });
  assert.equal(res.status, 200);
  const body = await res.json();
  const bucket = (channel, searches) => body.visits.find((v) => v.channel === channel && v.visit_searches === searches);
  return { ...body.totals, help3to5: bucket('help', '3-5').visits };
}

// Every test's browser looks alike to the server (one address, one browser
// name): these give their own visitors a name of their own.
const browserNamed = (name) => ({ userAgent: `Mozilla/5.0 (X11; Linux x86_64) kb-insights-${name}-${PROBE.slice(7)}` });

test('insights: searches and a click from the help page show in the charts, tables and CSV', async () => {
  const before = await visitTotals();
  // A customer searches three times (as typed: no correction of the made-up
  // word), and opens the first result: one visit, self-served.
  await withPage(browserNamed('reader'), async (page) => {
    for (let i = 0; i < SEARCHES; i++) await open(page, `/search?q=${encodeURIComponent(PROBE)}&correct=0`);
    const first = page.locator('.result-title a').first();
    assert.match(await first.getAttribute('href'), /[?&]pos=1(&|#|$)/);
    await first.click();
    await page.waitForURL(/\/articles\//);
  });
  const logged = await waitForLog();
  assert.ok(logged.positions[0].clicks >= 1, 'a click at position 1');
  const after = await visitTotals();
  assert.equal(after.visits, before.visits + 1, 'one more visit');
  assert.equal(after.self_served, before.self_served + 1, 'and it was self-served');
  assert.equal(after.help3to5, before.help3to5 + 1, 'with 3 searches');

  await withPage({ extraHTTPHeaders: STAFF }, async (page) => {
    await open(page, '/insights?days=7&audience=all');
    // Four charts, each an image with a name, one bar a day.
    const charts = page.locator('svg.chart[role="img"]');
    assert.equal(await charts.count(), 4);
    assert.equal(await page.locator('#chart-deflection g.bar').count(), 7);
    assert.equal(await page.locator('#chart-searches g.bar').count(), 7);
    assert.ok((await page.locator('#chart-searches title').first().textContent()).length > 0);
    assert.equal(await page.locator('#chart-positions g.bar').count(), 11);

    // The probe in the top searches, with its count.
    const top = await tableRows(page, 'top_queries');
    const probe = top.find((r) => r[0] === PROBE);
    assert.ok(probe, `"${PROBE}" is in the top searches table`);
    assert.equal(probe[2], String(SEARCHES));

    // Every table's CSV says what the table says (shares as 0..1 there,
    // percentages here; dates as ISO there, written out here).
    for (const name of ['days', 'visits', 'positions', 'top_queries', 'rising_queries', 'helpfulness', 'never_found']) {
      const rows = await tableRows(page, name);
      const link = page.locator(`#table-${name} + p a.csv-link`);
      if (rows.length === 0) continue;
      const res = await fetch(url(await link.getAttribute('href')), { headers: STAFF });
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get('content-type'), /^text\/csv/);
      const [header, ...csv] = parseCsv(await res.text());
      assert.equal(csv.length, rows.length, `${name}: rows`);
      csv.forEach((line, i) => line.forEach((value, j) => {
        const shown = rows[i][j];
        if (/(_rate|share)$/.test(header[j]) && value !== '') {
          assert.equal(shown, `${(Number(value) * 100).toFixed(1)} %`, `${name} row ${i} ${header[j]}`);
        } else if (header[j] === 'channel') {
          assert.equal(shown, { help: 'Help page', embed: 'Helpdesk sidebar' }[value], `${name} row ${i} channel`);
        } else if (header[j] !== 'day') {
          assert.equal(shown, value.replace(/^'/, ''), `${name} row ${i} ${header[j]}`);
        }
      }));
    }

    // The same page in Finnish: the interface's language, the charts named in it.
    await open(page, '/insights?days=7&audience=all&lang=fi');
    assert.equal(await page.locator('html').getAttribute('lang'), 'fi');
    assert.equal(await page.locator('#chart-searches title').first().textContent(), 'Haut päivittäin');
  });
});

test('insights: a customer who found nothing and asked support counts as contacted, not self-served', async () => {
  const before = await visitTotals();
  await withPage(browserNamed('asker'), async (page, context) => {
    // The site's contact form is elsewhere, and nothing may leave the
    // machine: kb's answer is taken as it is, then the form is played here.
    let forwardedTo = null;
    await context.route('**/contact', async (route) => {
      // allHeaders(): as the browser sent them (its name and languages too).
      const response = await route.fetch({ maxRedirects: 0, headers: await route.request().allHeaders() });
      assert.equal(response.status(), 303);
      forwardedTo = response.headers().location;
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Contact</title><h1>Contact us</h1>' });
    });
    await open(page, `/search?q=${encodeURIComponent(PROBE.slice(7))}&correct=0`);
    await page.locator('.contact-prompt a').click();
    await page.waitForURL(/\/contact$/);
    assert.equal(forwardedTo, 'https://support.lumen.example/contact');
  });
  const after = await visitTotals();
  assert.equal(after.visits, before.visits + 1);
  assert.equal(after.contacted, before.contacted + 1);
  assert.equal(after.self_served, before.self_served);
});

test('insights: axe finds nothing serious in the dark scheme either', async () => {
  await withPage({ extraHTTPHeaders: STAFF, colorScheme: 'dark' }, async (page) => {
    await open(page, '/insights?days=30&audience=all');
    const { violations } = await runAxe(page);
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(blocking.length, 0, formatViolations(blocking));
  });
});
