#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "report/escape.h"

namespace vitals {
namespace {

// The drawing in viewBox units; the page scales it to the container width.
constexpr double kWidth = 800, kHeight = 300;
constexpr double kLeft = 70, kRight = 30, kTop = 26, kBottom = 44;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

bool Drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double Map(double v) const {  // 0..1 across the domain
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double t = log ? std::log10(v) : v;
    return b > a ? (t - a) / (b - a) : 0.5;
  }
};

std::string Label(const ChartAxis& axis, double v) {
  return axis.format != nullptr ? axis.format(v) : fmt::format("{:g}", v);
}

// The domain of one axis: the data range (plus explicit ticks and include_*), widened to
// whole ticks; a log axis to whole decades.
Scale MakeScale(const ChartAxis& axis, double lo, double hi, bool round_to_ticks) {
  Scale s;
  s.log = axis.log;
  const bool ceiling = axis.has_include && axis.max_is_ceiling && !axis.log &&
                       hi <= axis.include_max && axis.include_max > std::min(lo, axis.include_min);
  if (axis.has_include) {
    lo = std::min(lo, axis.include_min);
    hi = std::max(hi, axis.include_max);
  }
  for (const ChartTick& t : axis.ticks) {
    if (!Drawable(t.value, axis.log)) continue;
    lo = std::min(lo, t.value);
    hi = std::max(hi, t.value);
  }
  if (s.log) {
    lo = std::max(lo, 1e-9);
    hi = std::max(hi, lo);
    if (round_to_ticks) {
      lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
      hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
    }
    if (hi <= lo) hi = lo * 10;
  } else {
    if (hi <= lo) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1);
    // A ceiling is the top as it is (its ticks still come from NiceTicks).
    if (round_to_ticks && !ceiling) {
      // Headroom, so a series at its maximum is not drawn on the frame.
      hi += (hi - lo) * 0.04;
      const std::vector<double> t = NiceTicks(lo, hi, 5);
      if (t.size() >= 2) {
        const double step = t[1] - t[0];
        lo = std::floor(lo / step + 1e-9) * step;
        hi = std::ceil(hi / step - 1e-9) * step;
      }
    }
  }
  s.lo = lo;
  s.hi = hi;
  return s;
}

std::vector<ChartTick> TicksFor(const ChartAxis& axis, const Scale& s, int target) {
  if (!axis.ticks.empty()) return axis.ticks;
  std::vector<ChartTick> out;
  for (double v : s.log ? LogTicks(s.lo, s.hi) : NiceTicks(s.lo, s.hi, target)) {
    out.push_back({v, Label(axis, v)});
  }
  return out;
}

std::string Num(double v) { return fmt::format("{:.1f}", v); }

// Points in pixel space, thinned to first/min/max/last per pixel column (order kept).
std::vector<ChartPoint> Project(const ChartSeries& series, const Scale& xs, const Scale& ys) {
  std::vector<ChartPoint> px;
  px.reserve(series.points.size());
  for (const ChartPoint& p : series.points) {
    if (!Drawable(p.x, xs.log) || !Drawable(p.y, ys.log)) continue;
    px.push_back({kLeft + xs.Map(p.x) * kPlotW, kTop + (1 - ys.Map(p.y)) * kPlotH});
  }
  if (px.size() <= size_t(kPlotW) * 2) return px;
  std::vector<ChartPoint> out;
  size_t i = 0;
  while (i < px.size()) {
    const double column = std::floor(px[i].x);
    size_t j = i, lo = i, hi = i;
    for (; j < px.size() && std::floor(px[j].x) == column; ++j) {
      if (px[j].y > px[lo].y) lo = j;  // pixel y grows downwards
      if (px[j].y < px[hi].y) hi = j;
    }
    size_t keep[] = {i, std::min(lo, hi), std::max(lo, hi), j - 1};
    size_t last = SIZE_MAX;
    for (size_t k : keep) {
      if (k != last) out.push_back(px[k]);
      last = k;
    }
    i = j;
  }
  return out;
}

std::string PathData(const std::vector<ChartPoint>& px) {
  std::string d;
  d.reserve(px.size() * 14);
  for (size_t i = 0; i < px.size(); ++i) {
    d += fmt::format("{}{} {}", i == 0 ? "M" : " L", Num(px[i].x), Num(px[i].y));
  }
  return d;
}

}  // namespace

const char* const kChartCss = R"css(
figure.chart { margin: 1.2em 0; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3em; }
figure.chart svg.plot { width: 100%; height: auto; display: block; font-size: 12px; }
.plot .grid line { stroke: #e3e6ea; stroke-width: 1; }
.plot .axis line, .plot .frame { stroke: #8a939c; fill: none; }
.plot text { fill: #3b434b; }
.plot .ticks-x text { text-anchor: middle; }
.plot .ticks-y text { text-anchor: end; dominant-baseline: middle; }
.plot .axis-title { font-size: 12px; fill: #5a636c; }
.plot .band { opacity: .55; }
.plot .b0 { fill: #eef3fb; } .plot .b1 { fill: #f7f1e6; }
.plot .band-label { font-size: 11px; fill: #5a636c; }
.plot .marker line { stroke: #b03a2e; stroke-width: 1; stroke-dasharray: 2 2; }
.plot .marker text { font-size: 10px; fill: #b03a2e; text-anchor: middle; }
.plot .band.alert { fill: #f2b8b5; opacity: .45; }
.plot .alert-label { font-size: 11px; fill: #a3261d; }
.plot path.data { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
.plot path.area { stroke: none; opacity: .18; }
.dashed { stroke-dasharray: 5 3; }
.c0 { stroke: #1f77b4; fill: #1f77b4; } .c1 { stroke: #ff7f0e; fill: #ff7f0e; }
.c2 { stroke: #d62728; fill: #d62728; } .c3 { stroke: #2ca02c; fill: #2ca02c; }
.c4 { stroke: #9467bd; fill: #9467bd; } .c5 { stroke: #8c564b; fill: #8c564b; }
.c6 { stroke: #e377c2; fill: #e377c2; } .c7 { stroke: #7f7f7f; fill: #7f7f7f; }
.plot path.data.c0, .plot path.data.c1, .plot path.data.c2, .plot path.data.c3,
.plot path.data.c4, .plot path.data.c5, .plot path.data.c6, .plot path.data.c7 { fill: none; }
ul.legend { list-style: none; padding: 0; margin: .3em 0 0; display: flex; flex-wrap: wrap;
  gap: .3em 1.2em; font-size: 13px; }
ul.legend svg { width: 22px; height: 10px; vertical-align: middle; margin-right: .35em; }
ul.legend line { stroke-width: 2.5; }
p.nodata { color: #7a838c; font-style: italic; }
)css";

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return out;
  if (hi == lo) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9 && out.size() < 100; v += step) {
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !std::isfinite(hi) || hi < lo) return out;
  const int a = int(std::floor(std::log10(lo) + 1e-9)), b = int(std::ceil(std::log10(hi) - 1e-9));
  const bool fine = b - a < 3;
  for (int e = a; e <= b && out.size() < 100; ++e) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && !fine) continue;
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  }
  return out;
}

int CountPathPoints(const std::string& d) {
  return int(std::count_if(d.begin(), d.end(), [](char c) { return c == 'M' || c == 'L'; }));
}

std::string RenderSvgChart(const Chart& c) {
  std::string out = fmt::format("<figure class=\"chart\" id=\"{}\">\n<figcaption>{}</figcaption>\n",
                                HtmlEscape(c.id), HtmlEscape(c.title));
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const ChartSeries& s : c.series) {
    for (const ChartPoint& p : s.points) {
      if (!Drawable(p.x, c.x.log) || !Drawable(p.y, c.y.log)) continue;
      x_lo = std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y);
      y_hi = std::max(y_hi, p.y);
    }
  }
  if (!(x_lo <= x_hi)) {
    out += "<p class=\"nodata\">no data</p>\n</figure>\n";
    return out;
  }
  for (const ChartBand& b : c.bands) {
    if (!Drawable(b.x0, c.x.log) || !Drawable(b.x1, c.x.log)) continue;
    x_lo = std::min(x_lo, b.x0);
    x_hi = std::max(x_hi, b.x1);
  }
  // The x axis spans the data exactly (time runs edge to edge); y is widened to whole ticks.
  const Scale xs = MakeScale(c.x, x_lo, x_hi, false);
  const Scale ys = MakeScale(c.y, y_lo, y_hi, true);
  out += fmt::format(
      "<svg class=\"plot\" viewBox=\"0 0 {:g} {:g}\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      kWidth, kHeight, HtmlEscape(c.title));

  out += "<g class=\"bands\">\n";
  for (size_t i = 0; i < c.bands.size(); ++i) {
    const ChartBand& b = c.bands[i];
    if (!Drawable(b.x0, xs.log) || !Drawable(b.x1, xs.log) || b.x1 <= b.x0) continue;
    const double x0 = kLeft + std::clamp(xs.Map(b.x0), 0.0, 1.0) * kPlotW;
    const double x1 = kLeft + std::clamp(xs.Map(b.x1), 0.0, 1.0) * kPlotW;
    out += fmt::format(
        "<rect class=\"band {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title>"
        "</rect>\n",
        b.alert ? std::string("alert") : fmt::format("b{}", i % 2), Num(x0), Num(kTop),
        Num(x1 - x0), Num(kPlotH), HtmlEscape(b.label));
    // Labels only where they fit; the <title> tooltip names narrow bands.
    const size_t max_chars = size_t(std::max(0.0, (x1 - x0 - 6) / 6.5));
    if (max_chars >= 3) {
      std::string label = b.label.size() <= max_chars ? b.label : b.label.substr(0, max_chars - 1);
      if (label.size() < b.label.size()) {
        // Cut at a character boundary, never inside a UTF-8 sequence.
        while (!label.empty() && (static_cast<unsigned char>(label.back()) & 0xC0) == 0x80) {
          label.pop_back();
        }
        if (!label.empty() && static_cast<unsigned char>(label.back()) >= 0xC0) label.pop_back();
        label += "\xE2\x80\xA6";  // an ellipsis
      }
      out += fmt::format("<text class=\"{}\" x=\"{}\" y=\"{}\">{}</text>\n",
                         b.alert ? "alert-label" : "band-label", Num(x0 + 4),
                         Num(b.alert ? kTop + 14 : kTop - 8), HtmlEscape(label));
    }
  }
  out += "</g>\n";
  if (!c.markers.empty()) {
    out += "<g class=\"markers\">\n";
    for (const ChartMarker& m : c.markers) {
      if (!Drawable(m.x, xs.log) || m.x < xs.lo || m.x > xs.hi) continue;
      const double x = kLeft + xs.Map(m.x) * kPlotW;
      out += fmt::format(
          "<g class=\"marker\"><title>{}</title><line x1=\"{}\" x2=\"{}\" y1=\"{}\" "
          "y2=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text></g>\n",
          HtmlEscape(m.label), Num(x), Num(x), Num(kTop), Num(kTop + kPlotH), Num(x), Num(kTop - 2),
          HtmlEscape(m.tag));
    }
    out += "</g>\n";
  }

  const std::vector<ChartTick> yt = TicksFor(c.y, ys, 5), xt = TicksFor(c.x, xs, 8);
  out += "<g class=\"grid\">\n";
  for (const ChartTick& t : yt) {
    if (!Drawable(t.value, ys.log) || t.value < ys.lo || t.value > ys.hi) continue;
    const double y = kTop + (1 - ys.Map(t.value)) * kPlotH;
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\n", Num(kLeft),
                       Num(kLeft + kPlotW), Num(y), Num(y));
  }
  out += "</g>\n<g class=\"ticks-y\">\n";
  for (const ChartTick& t : yt) {
    if (!Drawable(t.value, ys.log) || t.value < ys.lo || t.value > ys.hi) continue;
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", Num(kLeft - 6),
                       Num(kTop + (1 - ys.Map(t.value)) * kPlotH), HtmlEscape(t.label));
  }
  out += "</g>\n<g class=\"ticks-x\">\n";
  for (const ChartTick& t : xt) {
    if (!Drawable(t.value, xs.log) || t.value < xs.lo * (1 - 1e-9) ||
        t.value > xs.hi * (1 + 1e-9) + 1e-9) {
      continue;
    }
    const double x = kLeft + xs.Map(t.value) * kPlotW;
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", Num(x), Num(kTop + kPlotH + 16),
                       HtmlEscape(t.label));
  }
  out += "</g>\n";
  out += fmt::format("<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                     Num(kLeft), Num(kTop), Num(kPlotW), Num(kPlotH));
  out +=
      fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                  Num(kLeft + kPlotW / 2), Num(kHeight - 6), HtmlEscape(c.x.title));
  out += fmt::format(
      "<text class=\"axis-title\" transform=\"translate(14 {}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>\n",
      Num(kTop + kPlotH / 2), HtmlEscape(c.y.title));

  out += "<g class=\"series\">\n";
  const double base_y = kTop + kPlotH;
  for (const ChartSeries& s : c.series) {
    const std::vector<ChartPoint> px = Project(s, xs, ys);
    if (px.empty()) continue;
    const int color = ((s.color % 8) + 8) % 8;
    if (s.area && !ys.log && px.size() >= 2) {
      out +=
          fmt::format("<path class=\"area c{}\" d=\"{} L{} {} L{} {} Z\"/>\n", color, PathData(px),
                      Num(px.back().x), Num(base_y), Num(px.front().x), Num(base_y));
    }
    out += fmt::format("<path class=\"data c{}{}\" data-series=\"{}\" d=\"{}\"/>\n", color,
                       s.dashed ? " dashed" : "", HtmlEscape(s.name), PathData(px));
  }
  out += "</g>\n</svg>\n<ul class=\"legend\">\n";
  for (const ChartSeries& s : c.series) {
    const int color = ((s.color % 8) + 8) % 8;
    out += fmt::format(
        "<li><svg viewBox=\"0 0 22 10\" aria-hidden=\"true\"><line class=\"c{}{}\" x1=\"1\" "
        "y1=\"5\" x2=\"21\" y2=\"5\"/></svg>{}</li>\n",
        color, s.dashed ? " dashed" : "", HtmlEscape(s.name));
  }
  out += "</ul>\n</figure>\n";
  return out;
}

}  // namespace vitals
