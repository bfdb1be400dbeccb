// The report page: its JSON, made safe inside <script>, and the page around it. Pure code.
#include "report/page.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kFakeChartJs = "/*!\n * Chart.js v3.9.1\n */\nwindow.Chart = function () {};";

// The text of the element `<script type="application/json" id="report-data">`.
std::string embedded_json(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto start = page.find(open);
  if (start == std::string::npos) return {};
  const auto end = page.find("</script>", start);
  return page.substr(start + open.size(), end - start - open.size());
}

Report hostile_report() {
  Report report;
  report.database = "ware<house>";
  report.weekly_users.push_back({date::sys_days{date::year{2024} / 1 / 1}, 2024, 1, 42, 7});
  report.weekly_users.push_back({date::sys_days{date::year{2024} / 1 / 29}, 2024, 5, 40, 3});
  report.rejection_reasons.push_back({"data.</script><script>alert(1)</script>: duplicate key", 3});
  ReportModelDoc model;
  model.name = "weekly_summary";
  model.relation = "analytics.weekly_summary";
  model.materialized = "table";
  model.description = "Line\u2028separator & <!-- comment";
  model.depends_on = {"user_daily_events"};
  model.columns.push_back({"week_start", "Monday of the ISO week.", {"not_null", "unique"}});
  report.models.push_back(model);
  return report;
}

TEST(HtmlSafeJson, EscapesEverythingThatCouldEndOrConfuseAScriptElement) {
  const nlohmann::json value = {{"text", "</script><!-- & \u2028\u2029 >"}};
  const auto text = html_safe_json(value);
  EXPECT_THAT(text, Not(HasSubstr("<")));
  EXPECT_THAT(text, Not(HasSubstr(">")));
  EXPECT_THAT(text, Not(HasSubstr("&")));
  EXPECT_THAT(text, Not(HasSubstr("\u2028")));
  EXPECT_THAT(text, HasSubstr("\\u003c/script\\u003e"));
  EXPECT_EQ(nlohmann::json::parse(text), value);  // still the same JSON
}

TEST(HtmlSafeJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  const auto text = html_safe_json(nlohmann::json{{"bad", std::string("a\xff"
                                                                      "b")}});
  EXPECT_EQ(nlohmann::json::parse(text)["bad"],
            "a\xEF\xBF\xBD"
            "b");
}

TEST(ChartJsVersion, ReadsTheBanner) {
  EXPECT_EQ(chart_js_version(kFakeChartJs), "3.9.1");
  EXPECT_EQ(chart_js_version("function Chart() {}"), "");
}

TEST(RenderReportHtml, EmbedsTheFiguresAsJsonThatParsesBackWhole) {
  const auto report = hostile_report();
  const auto page = render_report_html(report, kFakeChartJs);
  const auto embedded = nlohmann::json::parse(embedded_json(page));
  auto expected = report_json(report);
  expected["chart_js_version"] = "3.9.1";
  EXPECT_EQ(embedded, expected);
  EXPECT_EQ(embedded["weekly_users"][1]["days_covered"], 3);
  EXPECT_EQ(embedded["models"][0]["columns"][0]["tests"][1], "unique");
  EXPECT_EQ(embedded["data_through"], nullptr);
}

TEST(RenderReportHtml, NoFigureCanBreakOutOfItsScriptElement) {
  const auto page = render_report_html(hostile_report(), kFakeChartJs);
  EXPECT_THAT(page, Not(HasSubstr("<script>alert(1)")));
  EXPECT_THAT(page, Not(HasSubstr("<!-- comment")));
  EXPECT_THAT(page, HasSubstr("<title>tributary report \u2014 ware&lt;house&gt;</title>"));
}

TEST(RenderReportHtml, InlinesChartJsAndLoadsNothingFromOutside) {
  const auto page = render_report_html(hostile_report(), kFakeChartJs);
  EXPECT_THAT(page, HasSubstr(kFakeChartJs));
  EXPECT_THAT(page, HasSubstr("default-src 'none'"));
  EXPECT_THAT(page, Not(HasSubstr(" src=")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
  // The error hooks come before Chart.js, the drawing after it.
  EXPECT_LT(page.find("window.tributaryReport = "), page.find(kFakeChartJs));
  EXPECT_LT(page.find(kFakeChartJs),
            page.find("JSON.parse(document.getElementById('report-data')"));
}

TEST(RenderReportHtml, DrawsTheLineageGraph) {
  auto report = hostile_report();
  ReportModelDoc base;
  base.name = "user_daily_events";
  base.sources = {"public.user_events"};
  report.models.insert(report.models.begin(), base);
  const auto page = render_report_html(report, kFakeChartJs);
  EXPECT_THAT(page, HasSubstr("<template id=\"lineage-svg\"><svg"));
  EXPECT_THAT(page, HasSubstr("user_daily_events \u2192 weekly_summary"));
  EXPECT_THAT(page, HasSubstr("public.user_events \u2192 user_daily_events"));
}

TEST(RenderReportHtml, RefusesAChartJsThatWouldEndItsScriptElement) {
  EXPECT_THROW(render_report_html(Report{}, "/* Chart.js v3.9.1 */ var a = '</SCRIPT>';"),
               ConfigError);
  EXPECT_THROW(render_report_html(Report{}, "/* Chart.js v3.9.1 */ <!-- x"), ConfigError);
}

}  // namespace
}  // namespace tributary::internal
