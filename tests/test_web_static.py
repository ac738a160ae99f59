"""web/ as shipped: facts the page's files must agree on, checked without a browser."""

import posixpath
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"


def module_graph(entry="app.js"):
    """Every module app.js imports, directly or not, as paths relative to web/."""
    seen, todo = set(), [entry]
    while todo:
        name = todo.pop()
        for target in re.findall(r'^import [^;]*? from "(\.[^"]+)";', (WEB / name).read_text(), re.M):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def test_modulepreload_hints_name_the_whole_module_graph():
    """index.html asks for every module at once; a module added without its hint would
    load one round trip later (issue 11)."""
    hinted = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', (WEB / "index.html").read_text()))
    graph = module_graph()
    assert "views/colors.js" in graph  # the walk follows imports of imports
    assert hinted == graph, f"missing hints: {graph - hinted}; stale hints: {hinted - graph}"


def test_the_settings_table_names_the_pages_panels_in_order():
    """Docs tools check an embed's `panels` against py_mlp.app.settings.PANELS, and embedded.js
    takes its default set from it (via schema.js): the page must have exactly those panels."""
    from py_mlp import settings

    names = re.findall(r'data-panel="([^"]+)"', (WEB / "index.html").read_text())
    assert names == list(settings.PANELS)
    assert set(settings.DEFAULT_PANELS) <= set(names)


# ---- issue 21: nothing the worker or a link says becomes markup ------------------------------
# The page's own scripts are read here as a JavaScript tokenizer would (comments, strings,
# template literals and regular expressions set apart), and every place that turns text into
# markup ("sinks") is found. A sink passes only when what it is given is a constant: a string
# literal, or a template literal without ${...}. Anything computed might hold text from the
# worker (which runs the reader's code) or from the URL, so it fails; the page builds its
# elements with textContent instead.

SINKS = re.compile(r"\.(innerHTML|outerHTML|srcdoc)\s*(\+?=)(?!=)|\.(insertAdjacentHTML|setHTMLUnsafe|"
                   r"createContextualFragment|parseFromString|write|writeln)\s*\(")


def _code_only(source):
    """``source`` with the text of comments, strings, templates and regexes blanked (lengths kept,
    delimiters and ${...} kept), so that a match in what is left is code."""
    out, i, n = list(source), 0, len(source)
    depth = []  # for each open template, the brace depth of its ${...} expression

    def blank(start, end):
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    def regex_may_start(at):
        before = source[:at].rstrip()
        return not before or before[-1] in "(,=:[!&|?{};+-*%<>~^" or re.search(r"\b(return|typeof|case)$", before)

    while i < n:
        c = source[i]
        if depth and c == "}" and depth[-1] == 0:
            depth.pop()
            i = _template(source, i + 1, blank, depth)
            continue
        if depth and c in "{}":
            depth[-1] += 1 if c == "{" else -1
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            blank(i, end)
            i = end
        elif c in "\"'":
            end = i + 1
            while source[end] != c:
                end += 2 if source[end] == "\\" else 1
            blank(i + 1, end)
            i = end + 1
        elif c == "`":
            i = _template(source, i + 1, blank, depth)
        elif c == "/" and regex_may_start(i):
            end, in_class = i + 1, False
            while in_class or source[end] != "/":
                in_class = (in_class or source[end] == "[") and source[end] != "]"
                end += 2 if source[end] == "\\" else 1
            blank(i + 1, end)
            i = end + 1
        else:
            i += 1
    return "".join(out)


def _template(source, i, blank, depth):
    """Blank a template literal's text from I up to its end or its next ${; return where to go on."""
    start = i
    while source[i] != "`" and not source.startswith("${", i):
        i += 2 if source[i] == "\\" else 1
    blank(start, i)
    if source[i] == "`":
        return i + 1
    depth.append(0)
    return i + 2


def _arguments(source, code, start, call):
    """What a sink is given, from START (after "=" or "("): one expression, or for a call each
    argument, split at commas at depth 0."""
    given, depth, i, begin = [], 0, start, start
    while i < len(code):
        c = code[i]
        if c in "([{":
            depth += 1
        elif c in ")]}" and depth:
            depth -= 1
        elif (c == ")" and call) or (c == ";" and depth == 0) or (c == "\n" and depth == 0 and not call):
            break
        elif c == "," and depth == 0:
            given.append(source[begin:i].strip())
            begin = i + 1
        i += 1
    return given + [source[begin:i].strip()]


def markup_sinks(source):
    """(line, sink, what it is given) for every sink in SOURCE given anything but a constant."""
    code = _code_only(source)
    found = []
    for match in SINKS.finditer(code):
        given = _arguments(source, code, match.end(), call=match.group(0).endswith("("))
        constant = r"'[^'\\]*'|\"[^\"\\]*\"|`[^`$\\]*`"
        if not all(re.fullmatch(constant, part) for part in given):
            found.append((source.count("\n", 0, match.start()) + 1, match.group(0).strip(" .(="), ", ".join(given)[:80]))
    return found


def test_the_sink_check_finds_computed_markup_and_only_that():
    bad = [
        "table.innerHTML = `<caption>batch of n = ${shapes.batch}</caption>`;",
        "el.innerHTML = answer.error;",
        "el.innerHTML += '<b>' + name + '</b>';",
        "el.insertAdjacentHTML('beforeend', message);",
        "frame.srcdoc = html;",
        "document.write(location.search);",
        "box.innerHTML = dataPlot(dataset, 200);",
        "x.outerHTML = `${a}`; // a comment",
    ]
    good = [
        "el.textContent = answer.error;",
        "el.innerHTML = '';",
        'el.innerHTML = "<p>fixed</p>";',
        "el.innerHTML = `<p>fixed, no substitution</p>`;",
        "// el.innerHTML = answer.error; in a comment",
        "const s = 'el.innerHTML = answer.error';",
        "const t = `text ${'el.innerHTML = x'} more`;",
        "if (a.innerHTML === b) f();",
        "const re = /innerHTML = x/;",
    ]
    assert all(markup_sinks(line) for line in bad), [line for line in bad if not markup_sinks(line)]
    assert not any(markup_sinks(line) for line in good), [line for line in good if markup_sinks(line)]


def test_no_script_of_the_page_turns_computed_text_into_markup():
    scripts = sorted(p for p in WEB.rglob("*.js") if "runtime" not in p.parts and "wheels" not in p.parts)
    assert len(scripts) > 10 and WEB / "backprop.js" in scripts  # and the walk reaches views/ too
    found = {p.relative_to(WEB).as_posix(): markup_sinks(p.read_text(encoding="utf-8")) for p in scripts}
    assert not {name: sinks for name, sinks in found.items() if sinks}


def test_the_page_carries_the_servers_policy_for_hosts_that_send_none():
    from py_mlp.server.http_server import CONTENT_SECURITY_POLICY

    html = (WEB / "index.html").read_text()
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert metas == [CONTENT_SECURITY_POLICY]
    assert html.index("Content-Security-Policy") < html.index("<script"), "a policy applies only to what follows it"


def test_every_export_of_the_worker_has_the_shape_of_its_answer():
    """answers.js checks each answer by its call's name: a call without a shape there would be
    checked only for {ok}."""
    exports = re.search(r"__export__ = \[(.*?)\]", (WEB / "worker.py").read_text(), re.S).group(1)
    body = re.search(r"export const SHAPES = \{(.*?)\n\};", (WEB / "answers.js").read_text(), re.S).group(1)
    top = re.sub(r"\{[^{}]*\}", "{}", body)  # the shapes written out in place, one level deep
    assert set(re.findall(r'"(\w+)"', exports)) == set(re.findall(r"(\w+):", top))


def test_every_policy_the_docs_give_is_the_one_served():
    """The policy serve.py sends, and the hosting recipes' headers, as the docs print them."""
    from py_mlp.server.http_server import CONTENT_SECURITY_POLICY

    texts = [WEB.parent / "README.md", *sorted((WEB.parent / "docs").rglob("*.rst"))]
    policies = [policy for path in texts for policy in
                re.findall(r"default-src [^`\"\n]*'self'(?: [^`\"\n]*)?form-action 'self'", path.read_text(encoding="utf-8"))]
    assert len(policies) >= 4 and set(policies) == {CONTENT_SECURITY_POLICY}
