// The agents' search page (/agent), keyboard first:
//   /            focus the search box
//   typing       results as you type
//   ↑ ↓          choose a result
//   Enter        preview it beside the list (focus moves to the list)
//   C / Shift+C  copy the answer for the customer / with internal notes
// Copying asks /api/v1/answer for the chosen section as Markdown; the
// customer's copy never holds internal notes. Labels come from data-
// attributes of the page, so they are in the page's language.
(() => {
  'use strict';
  const page = document.querySelector('.agent-page');
  if (!page) return;
  const input = document.getElementById('agent-q');
  const list = document.getElementById('agent-results');
  const preview = document.getElementById('agent-preview');
  const status = document.getElementById('agent-status');
  const label = (name) => page.dataset[name] || '';
  let selected = -1;
  let pending = null;
  let timer = 0;
  let shownFor = input.value;
  // The result the agent chose (arrows, click) since last typing: results of
  // a search still running when they chose must not move the choice back to
  // the first result under their next key press.
  let chosen = null;
  const identity = (li) => (li ? li.dataset.slug : null);  // its best section may change with the words

  const items = () => Array.from(list.querySelectorAll('.agent-result'));
  list.tabIndex = 0;

  function say(text) {
    status.textContent = text;
  }

  function select(index) {
    const all = items();
    if (all.length === 0) {
      selected = -1;
      list.removeAttribute('aria-activedescendant');
      return;
    }
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((li, i) => {
      li.id = li.id || `agent-result-${i}`;
      li.setAttribute('aria-selected', String(i === selected));
    });
    list.setAttribute('aria-activedescendant', all[selected].id);
    input.setAttribute('aria-activedescendant', all[selected].id);
    all[selected].scrollIntoView({ block: 'nearest' });
  }

  function open() {
    const li = items()[selected];
    if (!li) return;
    const url = new URL(li.dataset.url, location.href);
    if (input.value.trim()) url.searchParams.set('hl', input.value.trim());
    preview.src = url.pathname + url.search + url.hash;
    preview.hidden = false;
    list.focus();
  }

  async function copy(full) {
    const li = items()[selected];
    if (!li) return;
    const params = new URLSearchParams({ slug: li.dataset.slug, anchor: li.dataset.anchor || '' });
    const response = await fetch(`/api/v1/answer?${params}`, { credentials: 'same-origin' });
    if (!response.ok) return;
    const { answer } = await response.json();
    const part = full ? answer && answer.section : answer && answer.customer;
    if (!part) {
      say(label('labelNotShareable'));
      return;
    }
    await navigator.clipboard.writeText(`${part.markdown}\n\n${part.url}\n`);
    say(label(full ? 'labelCopiedFull' : 'labelCopied'));
  }

  function render(results) {
    list.replaceChildren(...results.map((hit, i) => {
      const li = document.createElement('li');
      li.className = 'agent-result';
      li.id = `agent-result-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.dataset.slug = hit.slug;
      li.dataset.anchor = hit.section.anchor;
      li.dataset.url = hit.url;
      const a = document.createElement('a');
      a.href = hit.url;
      a.textContent = hit.title;
      li.append(a);
      if (hit.internal) {
        const badge = document.createElement('span');
        badge.className = 'badge-internal';
        badge.textContent = label('labelInternal');
        li.append(' ', badge);
      }
      if (hit.partial) {  // has only some of the searched words
        const badge = document.createElement('span');
        badge.className = 'badge-partial';
        badge.textContent = label('labelPartial');
        li.append(' ', badge);
      }
      const snippet = document.createElement('p');
      snippet.className = 'snippet';
      snippet.innerHTML = hit.snippet;  // escaped by the server; only <mark> is markup
      li.append(snippet);
      return li;
    }));
    say(results.length ? '' : label('labelNoResults'));
    const kept = chosen ? items().findIndex((li) => identity(li) === chosen) : -1;
    select(kept >= 0 ? kept : 0);
  }

  async function search() {
    const q = input.value.trim();
    if (q === shownFor) return;
    if (pending) pending.abort();
    pending = new AbortController();
    const mine = pending;
    list.setAttribute('aria-busy', 'true');
    list.dataset.searching = q;
    try {
      const response = await fetch(`/api/v1/search?${new URLSearchParams({ q, limit: '20' })}`,
        { credentials: 'same-origin', signal: mine.signal });
      if (!response.ok || mine !== pending) return;
      const answer = await response.json();
      shownFor = q;
      render(answer.results || []);
      list.dataset.query = q;  // what the list shows results for
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
    } finally {
      if (mine === pending) {
        list.setAttribute('aria-busy', 'false');
        delete list.dataset.searching;
      }
    }
  }

  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(search, 80);
  });

  function move(event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      select(selected + (event.key === 'ArrowDown' ? 1 : -1));
      chosen = identity(items()[selected]);
      return true;
    }
    if (event.key === 'Enter') {
      event.preventDefault();
      open();
      return true;
    }
    return false;
  }

  input.addEventListener('keydown', move);
  list.addEventListener('keydown', (event) => {
    if (move(event)) return;
    if ((event.key === 'c' || event.key === 'C') && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      copy(event.shiftKey);
    }
  });
  list.addEventListener('click', (event) => {
    const li = event.target.closest('.agent-result');
    if (!li || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    select(items().indexOf(li));
    chosen = identity(li);
    open();
  });
  document.addEventListener('keydown', (event) => {
    const typing = event.target.closest('input, textarea, select, [contenteditable]');
    if (event.key === '/' && !typing) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
  document.getElementById('agent-copy').addEventListener('click', () => copy(false));
  document.getElementById('agent-copy-full').addEventListener('click', () => copy(true));
  document.querySelector('.agent-search').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search().then(open);
  });
  select(0);
})();
