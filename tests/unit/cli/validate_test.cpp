// `tributary validate` and `tributary fetch-day` as a user runs them: the built binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/test_http_server.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;

const date::sys_days kDay{date::year{2024} / 1 / 10};

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("tributary-" + std::to_string(::getpid()) + "-" + name);
}

struct Intended {
  std::size_t valid = 0;
  std::vector<std::pair<std::size_t, std::string>> rejections;
};

// Writes the generator's day to a file, and what the generator meant each event to be.
Intended save_demo_day(const DemoOptions& options, const fs::path& path) {
  Intended intended;
  std::ofstream out(path);
  out << '[';
  std::size_t position = 0;
  DemoGenerator(options).generate_day(kDay, [&](const GeneratedEvent& e) {
    if (position > 0) out << ",\n";
    out << e.json;
    if (e.expected_reason) {
      intended.rejections.emplace_back(position, *e.expected_reason);
    } else {
      ++intended.valid;
    }
    ++position;
  });
  out << "]\n";
  return intended;
}

TEST(CliValidate, ReportsTheCountsAndReasonsTheGeneratorIntended) {
  DemoOptions options;
  options.seed = 99;
  options.events_per_day = 3000;
  options.invalid_rate = 0.05;
  const auto path = temp_file("validate.json");
  const auto intended = save_demo_day(options, path);
  ASSERT_GT(intended.rejections.size(), 50u);

  const auto result = run_process({TRIBUTARY_CLI_PATH, "validate", path.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["accepted"].get<std::size_t>(), intended.valid);
  std::vector<std::pair<std::size_t, std::string>> rejected;
  for (const auto& r : report["rejected"]) {
    rejected.emplace_back(r["position"].get<std::size_t>(), r["reason"].get<std::string>());
  }
  EXPECT_EQ(rejected, intended.rejections);

  const auto text = run_process({TRIBUTARY_CLI_PATH, "validate", path.string()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out, ::testing::HasSubstr("accepted: " + std::to_string(intended.valid)));
  fs::remove(path);
}

TEST(CliValidate, ExitsTwoWhenTheFileIsNotAJsonArray) {
  const auto path = temp_file("not-array.json");
  for (const std::string body : {"{\"detail\":\"x\"}", "", "[{\"a\":1},", "<html>"}) {
    std::ofstream(path) << body;
    const auto result = run_process({TRIBUTARY_CLI_PATH, "validate", path.string()});
    EXPECT_EQ(result.exit_code, 2) << "body: " << body;
    EXPECT_THAT(result.err, ::testing::HasSubstr("not a JSON array"));
  }
  EXPECT_EQ(run_process({TRIBUTARY_CLI_PATH, "validate", "/nonexistent/file.json"}).exit_code, 2);
  fs::remove(path);
}

TEST(CliValidate, ExitsZeroForAnArrayWhateverItsEvents) {
  const auto path = temp_file("junk-array.json");
  std::ofstream(path) << "[1, \"x\", {}, null]";
  const auto result = run_process({TRIBUTARY_CLI_PATH, "validate", path.string(), "--json"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(result.out)["rejected"].size(), 4u);
  fs::remove(path);
}

// One event the generator made valid, then two that break a rule.
std::string small_payload() {
  DemoOptions options;
  options.seed = 7;
  options.events_per_day = 1;
  options.invalid_rate = 0;
  std::string valid;
  DemoGenerator(options).generate_day(kDay, [&](const GeneratedEvent& e) { valid = e.json; });
  return "[" + valid + ", 1, {}]";
}

const std::string kSmallReportText =
    "accepted: 1\n"
    "rejected: 2\n"
    "  position 1: event: not an object\n"
    "  position 2: date: missing\n";
const std::string kSmallReportRejected =
    R"("rejected":[{"position":1,"reason":"event: not an object"},)"
    R"({"position":2,"reason":"date: missing"}])";

TEST(CliValidate, PrintsTheCountsThenOneLinePerRejection) {
  const auto path = temp_file("small.json");
  std::ofstream(path) << small_payload();
  const auto text = run_process({TRIBUTARY_CLI_PATH, "validate", path.string()});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, kSmallReportText);
  const auto json = run_process({TRIBUTARY_CLI_PATH, "validate", path.string(), "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, R"({"accepted":1,)" + kSmallReportRejected + "}\n");
  fs::remove(path);
}

TEST(CliFetchDay, PrintsTheFetchThenTheSameReportAsValidate) {
  const auto body = small_payload();
  testkit::TestHttpServer server(testkit::answer(200, body));
  const std::map<std::string, std::string> env = {{"API_URL", server.url()},
                                                  {"API_TOKEN", "demo-token"}};
  const auto text = run_process({TRIBUTARY_CLI_PATH, "fetch-day", "2024-01-10"}, env);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "2024-01-10: events after 1 attempt(s), " + std::to_string(body.size()) +
                          " bytes\n" + kSmallReportText);
  const auto json = run_process({TRIBUTARY_CLI_PATH, "fetch-day", "2024-01-10", "--json"}, env);
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, R"({"accepted":1,"attempts":1,"bytes":)" + std::to_string(body.size()) +
                          R"(,"day":"2024-01-10","outcome":"events",)" + kSmallReportRejected +
                          "}\n");
}

// Peak memory of `tributary fetch-day` (client + streaming parser, in their own process)
// does not grow with the size of the day.
long fetch_day_peak_rss_kb(std::size_t events_per_day) {
  DemoServerOptions server_options;
  server_options.data.events_per_day = events_per_day;
  DemoServer server(server_options);
  const auto result = run_process({TRIBUTARY_CLI_PATH, "fetch-day", "2024-01-10", "--json"},
                                  {{"API_URL", server.url()}, {"API_TOKEN", "demo-token"}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_GT(report["accepted"].get<std::size_t>(), events_per_day * 9 / 10);
  return result.max_rss_kb;
}

TEST(CliFetchDay, PeakMemoryDoesNotGrowWithTheSizeOfTheDay) {
#ifdef TRIBUTARY_SANITIZED
  GTEST_SKIP() << "AddressSanitizer's quarantine keeps freed memory; RSS is measured in the "
                  "normal build";
#endif
  const long small = fetch_day_peak_rss_kb(10'000);
  const long large = fetch_day_peak_rss_kb(100'000);
  RecordProperty("peak_rss_kb_10000", static_cast<int>(small));
  RecordProperty("peak_rss_kb_100000", static_cast<int>(large));
  std::cout << "peak RSS: 10,000 events/day " << small << " KiB, 100,000 events/day " << large
            << " KiB (ratio " << static_cast<double>(large) / static_cast<double>(small) << ")\n";
  EXPECT_LE(static_cast<double>(large), 1.5 * static_cast<double>(small));
}

}  // namespace
}  // namespace tributary::testing
