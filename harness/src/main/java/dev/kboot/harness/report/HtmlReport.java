package dev.kboot.harness.report;

import dev.kboot.harness.baseline.Change;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * results.html: one self-contained page (inline CSS and script, nothing fetched) for people to
 * read a run: its facts, the counts and the verdict, the boot's phase timeline as an SVG chart,
 * the baseline comparison with regressions first, and every test in a table that sorts by a click
 * on a column, filters by status and by text, and opens a test's excerpt and incidents on a click.
 *
 * <p>Every test is a row of the HTML itself, so the page shows everything without its script; the
 * script only sorts, filters and opens. Rendered from the same {@link RunResult} and
 * {@link Comparison} as results.json.
 */
public final class HtmlReport {
    /** The order changes are listed in: what a reader must act on first. */
    static final List<Change> CHANGE_ORDER = List.of(Change.REGRESSION, Change.MISSING, Change.UNSTABLE, Change.PERSISTENT_FAILURE,
            Change.COVERAGE_LOSS, Change.FIXED, Change.NEW);

    private HtmlReport() {
    }

    /**
     * @param run        the run
     * @param comparison the run against its baseline, or null
     * @param baseline   where the baseline came from, or null
     * @return the page, UTF-8 HTML5
     */
    public static String render(RunResult run, Comparison comparison, String baseline) {
        RunInfo i = run.info();
        Verdict v = Verdict.of(run, comparison);
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
                .append("<title>kboot results").append(i.kernelRelease() == null ? "" : ": Linux " + esc(i.kernelRelease())).append("</title>\n")
                .append("<style>").append(CSS).append("</style></head>\n<body>\n");
        String verdictClass = switch (v.exitCode()) {
            case OK -> "ok";
            case FAILED -> "failed";
            default -> "incomplete";
        };
        b.append("<header><h1>kboot results").append(i.kernelRelease() == null ? "" : " · Linux " + esc(i.kernelRelease())).append("</h1>\n");
        b.append("<p id=\"verdict\" class=\"verdict ").append(verdictClass).append("\">").append(esc(v.headline()))
                .append(" <span class=\"exit\">exit ").append(v.exitCode().code()).append("</span></p>\n");
        if (!v.details().isEmpty()) {
            b.append("<ul class=\"details\">");
            v.details().forEach(d -> b.append("<li>").append(esc(d)).append("</li>"));
            b.append("</ul>\n");
        }
        b.append("</header>\n");

        b.append("<section id=\"facts\"><h2>Run</h2><dl>");
        fact(b, "kernel", i.kernelRelease());
        fact(b, "command line", i.kernelCmdline());
        fact(b, "closure", i.bootspecLabel());
        fact(b, "toplevel", i.bootspecToplevel());
        fact(b, "QEMU", i.qemuVersion());
        fact(b, "accelerator", i.accelerator());
        fact(b, "suites", run.suites().isEmpty() ? null : String.join(", ", run.suites()));
        fact(b, "started", i.startTime() == null ? null : i.startTime().toString());
        fact(b, "ended", i.endTime() == null ? (run.finished() ? null : "did not finish") : i.endTime().toString());
        fact(b, "kboot", i.kbootVersion());
        fact(b, "baseline", baseline);
        b.append("</dl></section>\n");

        b.append("<section id=\"counts\"><h2>").append(run.tests().size()).append(" tests</h2><p>");
        run.counts().forEach((s, n) -> {
            if (n > 0) {
                b.append("<span class=\"pill s-").append(s.key()).append("\">").append(n).append(' ').append(s.key()).append("</span> ");
            }
        });
        b.append("</p></section>\n");

        if (!i.phaseTimingsMs().isEmpty()) {
            b.append("<section id=\"timeline\"><h2>Boot phases</h2>\n").append(timeline(i.phaseTimingsMs())).append("</section>\n");
        }

        if (comparison != null) {
            comparison(b, comparison, baseline, run.tests().stream().map(t -> t.id()).collect(java.util.stream.Collectors.toSet()));
        }

        List<String> notes = new ArrayList<>(run.problems().stream().map(p -> "problem: " + p).toList());
        run.incidents().forEach(x -> notes.add("console (no test running): " + x.headline()));
        if (!notes.isEmpty()) {
            b.append("<section id=\"notes\"><h2>Problems and incidents</h2><ul>");
            notes.forEach(n -> b.append("<li>").append(esc(n)).append("</li>"));
            b.append("</ul>");
            for (Incident x : run.incidents()) {
                b.append("<details><summary>").append(esc(x.headline())).append("</summary><pre>").append(esc(x.excerpt())).append("</pre></details>");
            }
            b.append("</section>\n");
        }

        tests(b, run);
        b.append("<footer>Written by kboot").append(i.kbootVersion() == null ? "" : " " + esc(i.kbootVersion()))
                .append(" from results.json (schema ").append(ResultsJson.SCHEMA).append(").</footer>\n");
        b.append("<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void fact(StringBuilder b, String name, String value) {
        if (value != null && !value.isBlank()) {
            b.append("<dt>").append(esc(name)).append("</dt><dd>").append(esc(value)).append("</dd>");
        }
    }

    /**
     * The comparison's entries, regressions first; an entry links to its row in the table of tests,
     * and one this run has no row for (a test only the baseline has: missing) is named without a link.
     */
    private static void comparison(StringBuilder b, Comparison cmp, String baseline, java.util.Set<dev.kboot.harness.model.TestId> rows) {
        b.append("<section id=\"comparison\"><h2>Against the baseline</h2>\n<p>");
        cmp.counts().forEach((c, n) -> {
            if (n > 0) {
                b.append("<span class=\"pill c-").append(c.key()).append("\">").append(n).append(' ').append(c.key()).append("</span> ");
            }
        });
        b.append("</p>\n");
        boolean any = false;
        for (Change c : CHANGE_ORDER) {
            List<Comparison.Entry> es = cmp.with(c);
            if (es.isEmpty()) {
                continue;
            }
            any = true;
            b.append("<h3 id=\"change-").append(c.key()).append("\" class=\"c-").append(c.key()).append("\">")
                    .append(es.size()).append(' ').append(c.key()).append(es.size() == 1 || c.key().endsWith("s") ? "" : "s").append("</h3>\n<ul class=\"changes\">");
            for (Comparison.Entry e : es) {
                b.append(rows.contains(e.id())
                                ? "<li><a href=\"#" + anchor(e.id().toString()) + "\">" + esc(e.id().toString()) + "</a> "
                                : "<li><span class=\"absent\" title=\"not in this run: no row below\">" + esc(e.id().toString()) + "</span> ")
                        .append(e.base() == null ? "(absent)" : e.base().key()).append(" → ").append(e.head() == null ? "(absent)" : e.head().key())
                        .append("</li>");
            }
            b.append("</ul>\n");
        }
        if (!any) {
            b.append("<p>No change against the baseline.</p>\n");
        }
        b.append("</section>\n");
    }

    private static void tests(StringBuilder b, RunResult run) {
        b.append("<section id=\"tests\"><h2>Tests</h2>\n<div class=\"filters\"><span id=\"status-filters\">")
                .append("<button type=\"button\" data-filter=\"all\" class=\"on\">all</button>");
        run.counts().forEach((s, n) -> {
            if (n > 0) {
                b.append("<button type=\"button\" data-filter=\"").append(s.key()).append("\">").append(s.name()).append(" (").append(n).append(")</button>");
            }
        });
        b.append("</span> <input id=\"text-filter\" type=\"search\" placeholder=\"filter tests\" aria-label=\"filter tests\"> ")
                .append("<span id=\"shown\"></span></div>\n");
        b.append("<table id=\"results\"><thead><tr><th data-key=\"status\">status</th><th data-key=\"suite\">suite</th>")
                .append("<th data-key=\"id\">test</th><th data-key=\"ms\" class=\"num\">time</th><th data-key=\"reason\">reason</th></tr></thead>\n<tbody>\n");
        for (TestResult t : run.tests()) {
            String id = t.id().toString();
            b.append("<tr class=\"test\" id=\"").append(anchor(id)).append("\" data-status=\"").append(t.status().key())
                    .append("\" data-suite=\"").append(esc(t.id().suite())).append("\" data-id=\"").append(esc(id))
                    .append("\" data-ms=\"").append(t.durationMs() == null ? -1 : t.durationMs()).append("\" tabindex=\"0\">")
                    .append("<td><span class=\"pill s-").append(t.status().key()).append("\">").append(t.status().name()).append("</span>")
                    .append(t.unstable() ? " <span class=\"tag\">unstable</span>" : "").append(t.incidents().isEmpty() ? "" : " <span class=\"tag inc\">⚠</span>")
                    .append("</td><td>").append(esc(t.id().suite())).append("</td><td class=\"id\">").append(esc(id)).append("</td><td class=\"num\">")
                    .append(t.durationMs() == null ? "–" : String.format(Locale.ROOT, "%.3f s", t.durationMs() / 1000.0)).append("</td><td class=\"reason\">")
                    .append(esc(t.reason())).append("</td></tr>\n");
            b.append("<tr class=\"detail\" hidden><td colspan=\"5\">");
            if (!t.rawStatus().isEmpty()) {
                b.append("<p><b>suite said:</b> <code>").append(esc(t.rawStatus())).append("</code></p>");
            }
            for (Incident x : t.incidents()) {
                b.append("<div class=\"incident").append(x.fatal() ? " fatal" : "").append("\"><b>").append(esc(x.headline())).append("</b><pre>")
                        .append(esc(x.excerpt())).append("</pre></div>");
            }
            if (!t.artifacts().isEmpty()) {
                b.append("<p><b>artifacts:</b> ");
                t.artifacts().forEach(a -> b.append("<a href=\"").append(esc(a)).append("\">").append(esc(a)).append("</a> "));
                b.append("</p>");
            }
            b.append(t.excerpt().isEmpty() ? "<p class=\"none\">no output kept</p>" : "<pre class=\"excerpt\">" + esc(t.excerpt()) + "</pre>");
            b.append("</td></tr>\n");
        }
        b.append("</tbody></table></section>\n");
    }

    /**
     * The boot's phases as a waterfall: each phase a bar from the previous mark to its own (ms since
     * kboot started), with its time.
     */
    static String timeline(Map<String, Long> phases) {
        long end = Math.max(1, phases.values().stream().mapToLong(Long::longValue).max().orElse(1));
        int row = 22, label = 190, chart = 560, width = label + chart + 90;
        StringBuilder s = new StringBuilder();
        s.append("<svg role=\"img\" aria-label=\"boot phase timeline\" width=\"").append(width)
                .append("\" height=\"").append(phases.size() * row + 28).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(phases.size() * row + 28).append("\">");
        long prev = 0;
        int y = 4;
        for (Map.Entry<String, Long> e : phases.entrySet()) {
            long at = e.getValue();
            double x0 = label + chart * (Math.min(prev, at) / (double) end);
            double w = Math.max(2, chart * (Math.max(0, at - prev) / (double) end));
            s.append("<g class=\"phase\"><text x=\"").append(label - 8).append("\" y=\"").append(y + 14).append("\" text-anchor=\"end\">")
                    .append(esc(e.getKey())).append("</text><rect x=\"").append(String.format(Locale.ROOT, "%.1f", x0)).append("\" y=\"").append(y + 3)
                    .append("\" width=\"").append(String.format(Locale.ROOT, "%.1f", w)).append("\" height=\"").append(row - 8)
                    .append("\" rx=\"3\"><title>").append(esc(e.getKey())).append(": ").append(at).append(" ms (+").append(Math.max(0, at - prev))
                    .append(" ms)</title></rect><text x=\"").append(String.format(Locale.ROOT, "%.1f", x0 + w + 6)).append("\" y=\"").append(y + 14)
                    .append("\" class=\"ms\">").append(at).append(" ms</text></g>");
            prev = Math.max(prev, at);
            y += row;
        }
        s.append("<line x1=\"").append(label).append("\" y1=\"").append(y + 4).append("\" x2=\"").append(label + chart).append("\" y2=\"")
                .append(y + 4).append("\"/><text x=\"").append(label).append("\" y=\"").append(y + 20).append("\" class=\"ms\">0</text><text x=\"")
                .append(label + chart).append("\" y=\"").append(y + 20).append("\" text-anchor=\"end\" class=\"ms\">").append(end)
                .append(" ms since kboot started</text></svg>");
        return s.toString();
    }

    /** @return a test id as an element id */
    static String anchor(String id) {
        return "t-" + id.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /** @return text escaped for HTML content and attribute values */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            :root{--fg:#1d2026;--muted:#5c6370;--line:#d9dde3;--bg:#fff;--pass:#1a7f37;--fail:#cf222e;--skip:#9a6700;--miss:#8250df;--info:#0969da}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1280px}
            h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:12px 0 4px}
            .verdict{font-size:16px;font-weight:600;padding:8px 12px;border-radius:6px;margin:8px 0}.verdict.ok{background:#dafbe1;color:var(--pass)}
            .verdict.failed{background:#ffebe9;color:var(--fail)}.verdict.incomplete{background:#fbefff;color:var(--miss)}.exit{font-weight:400;color:var(--muted)}
            .details{margin:4px 0;color:var(--muted)}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
            .pill{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid currentColor}
            .s-pass,.s-xpass,.c-fixed{color:var(--pass)}.s-fail,.s-timeout,.s-crash,.s-error,.c-regression{color:var(--fail)}
            .s-skip,.s-expunged,.s-xfail,.c-coverage-loss,.c-persistent-failure{color:var(--skip)}.s-miss,.c-missing,.c-unstable{color:var(--miss)}.c-new{color:var(--info)}
            .filters{margin:8px 0}.filters button{font:inherit;font-size:12px;margin:0 4px 4px 0;padding:2px 8px;border:1px solid var(--line);border-radius:4px;background:#f6f8fa;cursor:pointer}
            .filters button.on{background:var(--fg);color:#fff}#text-filter{font:inherit;padding:2px 6px;width:240px}#shown{color:var(--muted)}
            table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
            th{cursor:pointer;user-select:none;background:#f6f8fa;position:sticky;top:0}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
            tr.test{cursor:pointer}tr.test:hover{background:#f6f8fa}td.id{font-family:ui-monospace,monospace;word-break:break-all}.num{text-align:right;white-space:nowrap}
            td.reason{color:var(--muted);max-width:480px;overflow:hidden;text-overflow:ellipsis}.tag{font-size:11px;color:var(--miss)}.tag.inc{color:var(--fail)}
            tr.detail td{background:#fafbfc}pre{font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;max-height:420px;overflow:auto;background:#f6f8fa;padding:8px;margin:4px 0}
            .incident{border-left:3px solid var(--skip);padding-left:8px;margin:6px 0}.incident.fatal{border-color:var(--fail)}.none{color:var(--muted)}
            ul.changes{margin:0 0 8px;padding-left:20px;font-family:ui-monospace,monospace}.absent{color:var(--muted)}svg text{font:12px system-ui,sans-serif;fill:var(--fg)}svg .ms{fill:var(--muted)}
            svg rect{fill:var(--info)}svg line{stroke:var(--line)}footer{margin-top:24px;color:var(--muted);font-size:12px}
            """;

    private static final String SCRIPT = """
            (function () {
              'use strict';
              var body = document.querySelector('#results tbody');
              var rows = Array.prototype.slice.call(body.querySelectorAll('tr.test'));
              var state = {status: 'all', text: '', key: null, dir: 1};
              function detail(r) { return r.nextElementSibling; }
              function apply() {
                var shown = 0;
                rows.forEach(function (r) {
                  var ok = (state.status === 'all' || r.dataset.status === state.status)
                    && (state.text === '' || r.dataset.id.toLowerCase().indexOf(state.text) >= 0
                        || r.querySelector('.reason').textContent.toLowerCase().indexOf(state.text) >= 0);
                  r.hidden = !ok;
                  if (!ok) { detail(r).hidden = true; }
                  if (ok) { shown++; }
                });
                document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
              }
              function value(r, key) {
                if (key === 'ms') { return Number(r.dataset.ms); }
                if (key === 'status') { return r.dataset.status; }
                if (key === 'suite') { return r.dataset.suite; }
                if (key === 'id') { return r.dataset.id; }
                return r.querySelector('.reason').textContent;
              }
              document.querySelectorAll('#results th').forEach(function (th) {
                th.addEventListener('click', function () {
                  var key = th.dataset.key;
                  state.dir = state.key === key ? -state.dir : 1;
                  state.key = key;
                  document.querySelectorAll('#results th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
                  th.classList.add(state.dir > 0 ? 'asc' : 'desc');
                  rows.sort(function (a, b) {
                    var x = value(a, key), y = value(b, key);
                    return (x < y ? -1 : x > y ? 1 : 0) * state.dir;
                  });
                  rows.forEach(function (r) { var d = detail(r); body.appendChild(r); body.appendChild(d); });
                });
              });
              document.querySelectorAll('#status-filters button').forEach(function (b) {
                b.addEventListener('click', function () {
                  state.status = b.dataset.filter;
                  document.querySelectorAll('#status-filters button').forEach(function (x) { x.classList.toggle('on', x === b); });
                  apply();
                });
              });
              document.getElementById('text-filter').addEventListener('input', function (e) {
                state.text = e.target.value.trim().toLowerCase();
                apply();
              });
              function toggle(r) { var d = detail(r); d.hidden = !d.hidden; }
              rows.forEach(function (r) {
                r.addEventListener('click', function () { toggle(r); });
                r.addEventListener('keydown', function (e) { if (e.key === 'Enter') { toggle(r); } });
              });
              function openHash() {
                var r = location.hash && document.getElementById(location.hash.substring(1));
                if (r && r.classList.contains('test')) { r.hidden = false; detail(r).hidden = false; }
              }
              window.addEventListener('hashchange', openHash);
              openHash();
              apply();
            })();
            """;
}
