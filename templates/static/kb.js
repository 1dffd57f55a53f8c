// Search as you type: turns each search form marked data-suggest into an
// ARIA 1.2 combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/)
// fed by /api/v1/suggest. The page works the same without this file: the
// form submits to /search.
(function () {
  "use strict";

  var DEBOUNCE_MS = 60;
  var MIN_CHARS = 2;
  var uid = 0;

  function enhance(form) {
    var input = form.querySelector("input[name=q]");
    if (!input) return;
    var id = input.id || "kb-q-" + ++uid;
    var listId = id + "-listbox";
    var wrap = document.createElement("div");
    wrap.className = "combo";
    var hadFocus = document.activeElement === input;
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input); // moving the input drops its focus (autofocus on the home page)
    if (hadFocus) input.focus();

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.dataset.labelSuggestions || "Suggestions");
    list.hidden = true;
    wrap.appendChild(list);

    var hint = document.createElement("span");
    hint.id = id + "-hint";
    hint.className = "visually-hidden";
    hint.textContent = form.dataset.hint || "";
    wrap.appendChild(hint);

    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    wrap.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-describedby", hint.id);

    var langInput = form.querySelector("input[name=lang]");
    var lang = langInput ? langInput.value : document.documentElement.lang;
    var timer = 0;
    var seq = 0;          // number of the latest request sent
    var controller = null; // the request in flight, aborted by the next one
    var options = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(i) {
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = i;
      if (i < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      var el = options[i];
      el.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", el.id);
      el.scrollIntoView({ block: "nearest" });
    }

    function addGroup(label) {
      var li = document.createElement("li");
      li.className = "suggest-group";
      li.setAttribute("role", "presentation");
      li.textContent = label;
      list.appendChild(li);
    }

    function addOption(html, text, context, url, lang) {
      var li = document.createElement("li");
      li.id = listId + "-" + options.length;
      li.className = "suggest-option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.url = url;
      if (lang) li.lang = lang;
      var main = document.createElement("span");
      main.className = "suggest-text";
      if (html) {
        // Server-made HTML: the title escaped, typed prefixes in <mark>.
        main.innerHTML = html;
      } else {
        main.textContent = text;
      }
      li.appendChild(main);
      if (context) {
        var ctx = document.createElement("span");
        ctx.className = "suggest-context";
        ctx.textContent = context;
        li.appendChild(ctx);
      }
      li.addEventListener("mousedown", function (e) {
        e.preventDefault(); // keep focus in the input until we navigate
        location.href = url;
      });
      list.appendChild(li);
      options.push(li);
    }

    function render(data) {
      list.textContent = "";
      options = [];
      active = -1;
      var s = data.suggestions || [];
      var a = data.articles || [];
      if (s.length) addGroup(form.dataset.labelSuggestions || "Suggestions");
      s.forEach(function (x) {
        addOption(x.html, x.text, x.kind === "section" ? x.article_title : x.category, x.url, x.lang);
      });
      if (a.length) addGroup(form.dataset.labelArticles || "Articles");
      a.forEach(function (x) {
        addOption("", x.title, x.category, x.url, x.lang);
      });
      if (!options.length) {
        close();
        live.textContent = "";
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      live.textContent = String(options.length);
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q.trim().length < MIN_CHARS) {
        if (controller) controller.abort();
        close();
        return;
      }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var mine = ++seq;
      var url = "/api/v1/suggest?q=" + encodeURIComponent(q) + (lang ? "&lang=" + encodeURIComponent(lang) : "");
      fetch(url, { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (data && mine === seq && input.value === q) {
            render(data); // stale answers are dropped
            list.dataset.query = q; // what the list answers (the browser tests wait for it)
          }
        })
        .catch(function () {
          /* aborted or offline: the form still submits */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && options.length > 0;
      if (e.key === "ArrowDown") {
        if (!open) {
          fetchSuggestions();
          return;
        }
        e.preventDefault();
        setActive(active + 1 < options.length ? active + 1 : 0);
      } else if (e.key === "ArrowUp") {
        if (!open) return;
        e.preventDefault();
        setActive(active > 0 ? active - 1 : options.length - 1);
      } else if (e.key === "Enter") {
        if (open && active >= 0) {
          e.preventDefault();
          location.href = options[active].dataset.url;
        }
      } else if (e.key === "Escape") {
        if (open) {
          e.preventDefault();
          close();
        } else if (input.value) {
          e.preventDefault();
          input.value = "";
        }
      } else if (e.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      setTimeout(close, 100);
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-suggest]");
    for (var i = 0; i < forms.length; i++) enhance(forms[i]);
    // A heading's # link also copies the section's address, ready to paste.
    document.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("a.heading-link") : null;
      if (a && navigator.clipboard) navigator.clipboard.writeText(a.href).catch(function () {});
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
