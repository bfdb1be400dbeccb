// render_report_html: the Report as one self-contained page. The figures travel as one JSON
// document inside <script type="application/json">, read by the page's script; only the
// lineage graph is drawn here (SVG markup, every name escaped).
#include "report/page.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include "report/lineage.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

using nlohmann::json;

json day_or_null(const std::optional<date::sys_days>& day) {
  return day ? json(format_day(*day)) : json(nullptr);
}

template <typename T>
json value_or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json spread_json(const ReportSpread& s, const std::string& member) {
  return {{"avg_events_per_" + member, value_or_null(s.avg)},
          {"min_events_per_" + member, value_or_null(s.min)},
          {"max_events_per_" + member, value_or_null(s.max)}};
}

json model_json(const ReportModelDoc& m) {
  json columns = json::array();
  for (const auto& c : m.columns) {
    columns.push_back({{"name", c.name}, {"description", c.description}, {"tests", c.tests}});
  }
  json built = nullptr;
  if (m.last_built_at) built = format_time(*m.last_built_at);
  return {{"name", m.name},
          {"relation", m.relation},
          {"materialized", m.materialized},
          {"description", m.description},
          {"depends_on", m.depends_on},
          {"sources", m.sources},
          {"columns", columns},
          {"tests", m.tests},
          {"status", text_or_null(m.status)},
          {"last_built_at", built},
          {"rows", value_or_null(m.rows)},
          {"refresh", text_or_null(m.refresh)},
          {"last_error", text_or_null(m.last_error)}};
}

bool contains_nocase(const std::string& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

// The models and the sources they read, as a graph.
LineageLayout models_lineage(const std::vector<ReportModelDoc>& models) {
  std::vector<LineageNode> nodes;
  std::vector<LineageEdge> edges;
  const auto index_of = [&](const std::string& name, bool source) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].name == name) return i;
    }
    nodes.push_back({name, source});
    return nodes.size() - 1;
  };
  for (const auto& m : models) {
    for (const auto& s : m.sources) index_of(s, true);
  }
  for (const auto& m : models) index_of(m.name, false);
  for (const auto& m : models) {
    const auto to = index_of(m.name, false);
    for (const auto& s : m.sources) edges.push_back({index_of(s, true), to});
    for (const auto& d : m.depends_on) edges.push_back({index_of(d, false), to});
  }
  return lay_out_lineage(nodes, edges);
}

}  // namespace

json report_json(const Report& report) {
  json out;
  out["generated_at"] = format_time(report.generated_at);
  out["database"] = report.database;
  out["since"] = day_or_null(report.since);
  out["until"] = day_or_null(report.until);
  out["data_through"] = day_or_null(report.data_through);
  out["weekly_users"] = json::array();
  for (const auto& w : report.weekly_users) {
    out["weekly_users"].push_back({{"week_start", format_day(w.week_start)},
                                   {"iso_year", w.iso_year},
                                   {"iso_week", w.iso_week},
                                   {"active_users", w.active_users},
                                   {"days_covered", w.days_covered}});
  }
  out["weekly_corporations"] = json::array();
  for (const auto& w : report.weekly_corporations) {
    out["weekly_corporations"].push_back(
        {{"week_start", format_day(w.week_start)},
         {"active_corporations", w.active_corporations},
         {"active_status_corporations", w.active_status_corporations},
         {"days_covered", w.days_covered}});
  }
  out["weekly_summary"] = json::array();
  for (const auto& w : report.weekly_summary) {
    json row{{"week_start", format_day(w.week_start)},
             {"active_users", w.active_users},
             {"active_corporations", w.active_corporations}};
    row.update(spread_json(w.per_user, "user"));
    row.update(spread_json(w.per_corporation, "corporation"));
    out["weekly_summary"].push_back(std::move(row));
  }
  out["daily_users"] = json::array();
  for (const auto& d : report.daily_users) {
    out["daily_users"].push_back(
        {{"event_date", format_day(d.event_date)}, {"active_users", d.active_users}});
  }
  out["loads"] = json::array();
  for (const auto& d : report.loads) {
    out["loads"].push_back({{"day", format_day(d.day)},
                            {"status", d.status},
                            {"events_loaded", value_or_null(d.events_loaded)},
                            {"events_rejected", value_or_null(d.events_rejected)}});
  }
  out["rejection_reasons"] = json::array();
  for (const auto& r : report.rejection_reasons) {
    out["rejection_reasons"].push_back({{"reason", r.reason}, {"events", r.events}});
  }
  out["models"] = json::array();
  for (const auto& m : report.models) out["models"].push_back(model_json(m));
  out["missing_relations"] = report.missing_relations;
  return out;
}

std::string html_safe_json(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string chart_js_version(const std::string& source) {
  static const std::regex kBanner(R"(Chart\.js v([0-9]+\.[0-9]+\.[0-9]+))");
  std::smatch match;
  const std::string head = source.substr(0, 512);
  if (!std::regex_search(head, match, kBanner)) return {};
  return match[1].str();
}

}  // namespace tributary::internal

namespace tributary {

std::string render_report_html(const Report& report, const std::string& chart_js) {
  // The library goes inside a <script> element as it is: text that would end the element
  // early cannot be escaped in JavaScript source, so such a file is refused.
  if (internal::contains_nocase(chart_js, "</script") ||
      chart_js.find("<!--") != std::string::npos) {
    throw ConfigError(
        "the Chart.js file contains '</script' or '<!--' and cannot be inlined into the page");
  }
  auto data = internal::report_json(report);
  data["chart_js_version"] = internal::chart_js_version(chart_js);
  const auto lineage = internal::lineage_svg(internal::models_lineage(report.models));
  std::string title = "tributary report";
  if (!report.database.empty()) title += " \u2014 " + report.database;

  std::string page;
  page.reserve(chart_js.size() + 64 * 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may come from the network: only what is inline runs or loads.
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<title>" + internal::html_escape(title) + "</title>\n";
  page += "<style>\n" + std::string(internal::kReportStyle) + "</style>\n</head>\n<body>\n";
  page += "<header><h1>" + internal::html_escape(title) +
          "</h1><p id=\"report-meta\"></p></header>\n<main id=\"report\"></main>\n";
  page += "<template id=\"lineage-svg\">" + lineage + "</template>\n";
  page += "<script type=\"application/json\" id=\"report-data\">" + internal::html_safe_json(data) +
          "</script>\n";
  page += "<pre id=\"report-summary\" hidden></pre>\n";
  page += "<script>\n" + std::string(internal::kReportPrelude) + "</script>\n";
  page += "<script>\n" + chart_js + "\n</script>\n";
  page += "<script>\n" + std::string(internal::kReportScript) + "</script>\n";
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace tributary
