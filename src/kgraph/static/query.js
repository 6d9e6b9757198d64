// The query page: a CodeMirror SPARQL editor with prefix and term completion, example queries,
// a Run button that asks /sparql for JSON results, and a table whose kgraph IRIs link to their pages.
(function () {
  "use strict";

  var ID_BASE = "https://w3id.org/kgraph/id/";
  var ONTOLOGY = "https://w3id.org/kgraph/ontology";
  var root = document.body.getAttribute("data-root") || "";

  var completion = JSON.parse(document.getElementById("completion-data").textContent);
  var examples = JSON.parse(document.getElementById("examples-data").textContent);
  var prefixes = completion.prefixes;
  var terms = completion.terms;

  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var select = document.getElementById("example");
  var exampleDescription = document.getElementById("example-description");
  var status = document.getElementById("status");
  var errorLine = document.getElementById("error");
  var results = document.getElementById("results");

  // --- completion ---------------------------------------------------------------------------

  var PREFIX_DECL = /PREFIX\s+([A-Za-z][\w-]*)?:?$/i;
  var PREFIXED_NAME = /([A-Za-z][\w-]*):([\w-]*)$/;

  function startsWith(text, start) {
    return text.toLowerCase().indexOf(start.toLowerCase()) === 0;
  }

  function prefixHints(cursor, typed) {
    var names = Object.keys(prefixes).sort();
    var list = names.filter(function (p) { return startsWith(p, typed); }).map(function (p) {
      var text = p + ": <" + prefixes[p] + ">";
      return { text: text, displayText: text };
    });
    return {
      list: list,
      from: CodeMirror.Pos(cursor.line, cursor.ch - typed.length),
      to: cursor,
    };
  }

  function termHints(cursor, prefix, local) {
    var names = terms[prefix] || [];
    var list = names.filter(function (n) { return startsWith(n, local); }).map(function (n) {
      return { text: prefix + ":" + n, displayText: prefix + ":" + n };
    });
    return {
      list: list,
      from: CodeMirror.Pos(cursor.line, cursor.ch - prefix.length - 1 - local.length),
      to: cursor,
    };
  }

  // What to offer at the cursor: project prefixes after "PREFIX", a prefix's terms after "prefix:".
  function sparqlHint(cm) {
    var cursor = cm.getCursor();
    var before = cm.getLine(cursor.line).slice(0, cursor.ch);
    var decl = PREFIX_DECL.exec(before);
    if (decl) {
      var typed = before.slice(before.search(/\S*$/));
      if (/^PREFIX$/i.test(typed)) typed = "";
      return prefixHints(cursor, typed);
    }
    var name = PREFIXED_NAME.exec(before);
    if (name && Object.prototype.hasOwnProperty.call(terms, name[1])) {
      return termHints(cursor, name[1], name[2]);
    }
    return null;
  }

  function wantsHint(cm) {
    var cursor = cm.getCursor();
    var before = cm.getLine(cursor.line).slice(0, cursor.ch);
    if (/PREFIX\s+[A-Za-z][\w-]*$/i.test(before)) return true;
    var name = PREFIXED_NAME.exec(before);
    return Boolean(name && Object.prototype.hasOwnProperty.call(terms, name[1]));
  }

  // --- editor --------------------------------------------------------------------------------

  var editor = CodeMirror.fromTextArea(textarea, {
    mode: "application/sparql-query",
    lineNumbers: true,
    matchBrackets: true,
    indentUnit: 2,
    lineWrapping: true,
    viewportMargin: Infinity,
    extraKeys: {
      "Ctrl-Space": function (cm) { cm.showHint({ hint: sparqlHint, completeSingle: false }); },
      "Ctrl-Enter": function () { run(); },
      "Cmd-Enter": function () { run(); },
    },
  });
  window.kgraphEditor = editor;

  editor.on("inputRead", function (cm, change) {
    var typed = change.text.join("");
    if (!/^[\w:-]$/.test(typed)) return;
    if (cm.state.completionActive) return;
    if (wantsHint(cm)) cm.showHint({ hint: sparqlHint, completeSingle: false });
  });

  // --- downloads and examples ---------------------------------------------------------------

  // Which download formats fit the query: rows (SELECT), a boolean (ASK), a graph (CONSTRUCT,
  // DESCRIBE). Mirrors query_form() in kgraph/web/pages.py.
  function queryForm(query) {
    var body = query.split("\n").map(function (line) { return line.split("#")[0]; }).join("\n");
    body = body.replace(/<[^>]*>/g, "");
    var match = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    var word = match ? match[1].toLowerCase() : "select";
    return word === "construct" || word === "describe" ? "graph" : word;
  }

  function updateDownloads() {
    var query = editor.getValue();
    var form = queryForm(query);
    var links = document.querySelectorAll("a.result-download");
    for (var i = 0; i < links.length; i++) {
      var params = new URLSearchParams({ query: query, format: links[i].getAttribute("data-format") });
      links[i].href = root + "/sparql?" + params.toString();
      links[i].hidden = links[i].getAttribute("data-kind") !== form;
    }
  }
  editor.on("change", updateDownloads);

  select.addEventListener("change", function () {
    var name = select.value;
    if (!name || !examples[name]) return;
    editor.setValue(examples[name]);
    var option = select.options[select.selectedIndex];
    exampleDescription.textContent = option.getAttribute("title") || "";
    clearResults();
  });

  // --- running queries and showing results ---------------------------------------------------

  function localHref(iri) {
    if (iri.indexOf(ID_BASE) === 0) return root + "/id/" + iri.slice(ID_BASE.length);
    if (iri === ONTOLOGY || iri.indexOf(ONTOLOGY + "#") === 0) {
      return root + "/ontology" + iri.slice(ONTOLOGY.length);
    }
    return iri;
  }

  function shortName(iri) {
    if (iri.indexOf(ID_BASE) === 0) return iri.slice(ID_BASE.length);
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && (best === null || ns.length > prefixes[best].length)) best = p;
    });
    return best === null ? iri : best + ":" + iri.slice(prefixes[best].length);
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = localHref(term.value);
      a.title = term.value;
      a.textContent = shortName(term.value);
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "bnode";
    } else {
      var span = document.createElement("span");
      span.className = "literal";
      span.textContent = term.value;
      td.appendChild(span);
      var note = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? shortName(term.datatype) : "";
      if (note) {
        var small = document.createElement("span");
        small.className = term["xml:lang"] ? "lang" : "datatype";
        small.textContent = " " + note;
        td.appendChild(small);
      }
    }
    return td;
  }

  function clearResults() {
    results.textContent = "";
    errorLine.hidden = true;
    errorLine.textContent = "";
    status.textContent = "";
  }

  function showError(text) {
    var line = String(text).split("\n").filter(function (l) { return l.trim(); })[0] || "the query failed";
    errorLine.textContent = line;
    errorLine.hidden = false;
    status.textContent = "";
  }

  function showTable(data) {
    var vars = data.head.vars || [];
    var rows = data.results.bindings;
    var table = document.createElement("table");
    table.id = "results-table";
    var thead = table.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      thead.appendChild(th);
    });
    var tbody = table.createTBody();
    rows.forEach(function (binding) {
      var tr = tbody.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(binding[v])); });
    });
    results.appendChild(table);
    status.textContent = rows.length + (rows.length === 1 ? " result" : " results");
  }

  function showBoolean(value) {
    var p = document.createElement("p");
    p.className = "boolean";
    p.id = "results-boolean";
    p.textContent = value ? "Yes (true)" : "No (false)";
    results.appendChild(p);
    status.textContent = "answered";
  }

  function showText(text) {
    var pre = document.createElement("pre");
    pre.id = "results-text";
    pre.textContent = text;
    results.appendChild(pre);
    status.textContent = "graph returned";
  }

  function errorText(response, body) {
    try {
      var json = JSON.parse(body);
      if (json && json.reason) return json.status + " " + json.error + ": " + json.reason;
    } catch (e) { /* not JSON: a plain line */ }
    return body || response.status + " " + response.statusText;
  }

  function run() {
    clearResults();
    status.textContent = "running…";
    var body = new URLSearchParams({ query: editor.getValue() });
    fetch(root + "/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json, text/turtle;q=0.9, application/json;q=0.5",
      },
      body: body.toString(),
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          showError(errorText(response, text));
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          if (data && data.head && data.results) return showTable(data);
          if (data && typeof data.boolean === "boolean") return showBoolean(data.boolean);
        }
        showText(text);
      });
    }).catch(function (err) {
      showError("could not reach the endpoint: " + err.message);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  updateDownloads();
})();
