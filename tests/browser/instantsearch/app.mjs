// The page's search: kb's address comes in the page's own address (?kb=...).
import { instantMeiliSearch } from '/vendor/instant-meilisearch/index.js';

const kb = new URLSearchParams(window.location.search).get('kb');
const { searchClient } = instantMeiliSearch(kb, '', { finitePagination: true });
const { widgets } = window.instantsearch;

const search = window.instantsearch({ indexName: 'kb', searchClient });
search.addWidgets([
  widgets.configure({ hitsPerPage: 4, attributesToSnippet: ['content:12'] }),
  widgets.searchBox({ container: '#searchbox' }),
  widgets.stats({ container: '#stats' }),
  widgets.refinementList({ container: '#category', attribute: 'category' }),
  widgets.refinementList({ container: '#lang', attribute: 'lang' }),
  widgets.hits({
    container: '#hits',
    templates: {
      item: (hit, { html, components }) => html`
        <article data-id="${hit.id}" data-lang="${hit.lang}" data-category="${hit.category}">
          <h2><a href="${kb}${hit.url}">${components.Highlight({ hit, attribute: 'title' })}</a></h2>
          <p>${components.Snippet({ hit, attribute: 'content' })}</p>
        </article>`,
    },
  }),
  widgets.pagination({ container: '#pagination' }),
]);
search.start();
