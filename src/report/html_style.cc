#include "report/html_style.h"

#include <fmt/format.h>

#include "report/escape.h"
#include "report/svg_chart.h"

namespace vitals {

// System fonts only (offline); max-width keeps lines readable on wide screens; tables scroll
// inside their box rather than widening the page on small ones.
const char* const kReportCss = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1d2329;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 1.2em 1.4em 3em; background: #fff; }
h1 { font-size: 1.5em; margin: .2em 0 .3em; overflow-wrap: anywhere; }
h2 { font-size: 1.2em; margin: 1.6em 0 .5em; padding-bottom: .2em; border-bottom: 1px solid #e3e6ea; }
h3 { font-size: 1.02em; margin: .9em 0 .4em; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
code { overflow-wrap: anywhere; }
pre { background: #f3f4f6; padding: .8em; overflow-x: auto; white-space: pre-wrap; }
.target { font-size: 1.05em; margin: 0 0 .6em; overflow-wrap: anywhere; }
.method { font-weight: 700; color: #3b434b; }
dl.meta { display: flex; flex-wrap: wrap; gap: .4em 1.6em; margin: 0; }
dl.meta div { min-width: 8em; }
dl.meta dt { font-size: .8em; color: #66707a; text-transform: uppercase; letter-spacing: .03em; }
dl.meta dd { margin: 0; font-weight: 600; }
.badge { display: inline-block; font-size: .72em; font-weight: 700; padding: .15em .55em;
  border-radius: .8em; background: #e3e6ea; color: #3b434b; vertical-align: middle; }
.badge.good { background: #dcf3e3; color: #1b6b36; }
.badge.bad { background: #fbe0df; color: #a3201b; }
.badge.warn { background: #fdf0d5; color: #8a5a00; }
.banner { margin: 1em 0; padding: .8em 1em; border-radius: .4em; border-left: 5px solid; }
.banner.warn { background: #fdf6e6; border-color: #e0a100; }
.banner.bad { background: #fdeceb; border-color: #d0342c; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9em, 1fr)); gap: .6em;
  margin: 1.2em 0; }
.figure { background: #f3f5f8; border-radius: .4em; padding: .6em .8em; }
.figure .v { display: block; font-size: 1.35em; font-weight: 700; }
.figure .k { font-size: .82em; color: #66707a; }
.muted { color: #66707a; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; font-size: .93em; }
th, td { text-align: left; padding: .32em .6em; border-bottom: 1px solid #eceef1; vertical-align: top; }
thead th { font-size: .82em; color: #66707a; font-weight: 600; border-bottom: 1px solid #cfd4da; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.failed td { background: #fff6f5; }
table.kv th { width: 12em; font-weight: 600; }
td.barcell { width: 40%; }
.bar { display: block; height: .8em; background: #7ba7d6; border-radius: .2em; min-width: 1px; }
.bar.bad { background: #e0827c; }
article.finding { border: 1px solid #e3e6ea; border-left: 5px solid #e0a100; border-radius: .4em;
  padding: .2em 1em .6em; margin: .8em 0; }
article.finding.critical { border-left-color: #d0342c; }
article.finding dl { display: grid; grid-template-columns: 7em 1fr; gap: .25em .8em; margin: 0; }
article.finding dt { color: #66707a; font-size: .88em; }
article.finding dd { margin: 0; overflow-wrap: anywhere; }
dd.action { white-space: pre-wrap; }
ul.tags { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4em; }
ul.tags li { background: #f3f4f6; padding: .1em .5em; border-radius: .3em; }
footer { margin-top: 2.5em; font-size: .82em; color: #66707a; }
@media (max-width: 700px) {
  main { padding: .8em; }
  article.finding dl { grid-template-columns: 1fr; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  section, article.finding, figure, table { break-inside: avoid; }
  .scroll { overflow: visible; }
  details > pre { display: block; }
  .badge, .bar, .banner, .plot .band, .figure { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  a { color: inherit; }
}
)css";

std::string ReportPageStart(std::string_view title, std::string_view extra_css) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>{}</title>\n", HtmlEscape(title));
  out += "<style>\n" + std::string(kReportCss) + kChartCss + std::string(extra_css) +
         "</style>\n</head>\n<body>\n<main>\n";
  return out;
}

const char* const kReportPageEnd = "</main>\n</body>\n</html>\n";

}  // namespace vitals
