// The HTML report of a stored run (`vitals report RUN --format html`): ONE self-contained
// file that works offline and contains no script at all.  Charts are inline SVG
// (report_charts.h), styling is one inline stylesheet with a print stylesheet; the page is
// readable from ~360 px to wide screens (max-width, viewBox scaling, scrolling tables).
//
// Sections: run header (target, model, duration, asked/achieved rate, verdict), an
// "incomplete" / "failed" banner when the run never completed, key figures, threshold
// verdicts, findings (severity, title, evidence, action, runbook link), the three charts,
// latency table (corrected vs uncorrected, connect, TTFB), phases, named requests, status
// codes and errors by kind, environment, tags and configuration.
//
// Safety: every byte of text that came from the target or the user (URL, names, tags, finding
// text, config) is HTML-escaped (report/escape.h); links are only made for http(s) and
// relative URLs.  A Content-Security-Policy meta tag (default-src 'none') is defense in depth
// only: the page must be safe without it, and the browser test checks the DOM, not the CSP.
//
// Deterministic: the same run renders the same bytes (no render time in the page).
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "report/report_data.h"

namespace vitals {

std::string RenderHtmlReport(const ReportData& d);

}  // namespace vitals
