// An API that cannot be reached at all (refused, unknown host, TLS failure, connect timeout)
// stops a run that has not reached it yet: exit 5 within seconds, one error naming API_URL,
// nothing recorded. An API that answers, or one that was reached earlier in the run, fails
// days as before.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/environment.hpp"
#include "support/test_http_server.hpp"
#include "tributary/day_range.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/error.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kUnreachableToken = "unreachable-canary-token-4711";

// The CLI environment for `api_url` with the API settings at their defaults (5 attempts,
// 500 ms backoff base, 10 s connect timeout): database_env's short test backoff removed.
std::map<std::string, std::string> default_api_env(const DatabaseSettings& db,
                                                   const std::string& api_url) {
  auto env = database_env(db);
  env["API_URL"] = api_url;
  env["API_TOKEN"] = kUnreachableToken;
  env["TRIBUTARY_BACKOFF_BASE_MS"] = "";
  env["TRIBUTARY_MAX_ATTEMPTS"] = "";
  env["TRIBUTARY_CONNECT_TIMEOUT_MS"] = "";
  return env;
}

struct TimedRun {
  ProcessResult result;
  double seconds = 0;
};

TimedRun timed_cli(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
  const auto started = std::chrono::steady_clock::now();
  TimedRun run{run_cli(args, env), 0};
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// What every unreachable run must leave: exit 5, one error line naming API_URL (redacted,
// as given) and the cause, no token anywhere, no day recorded, the run `failed`.
void expect_stopped_unreachable(const TimedRun& run, const DatabaseSettings& db,
                                const std::string& shown_url, const std::string& cause) {
  const auto& r = run.result;
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  const auto errors = lines_starting(r.err, "error: ");
  ASSERT_EQ(errors.size(), 1u) << r.err;
  EXPECT_THAT(errors[0], HasSubstr("error: could not reach the API at API_URL=" + shown_url + ":"));
  EXPECT_THAT(errors[0], HasSubstr(cause));
  EXPECT_THAT(errors[0], HasSubstr("nothing was recorded — is the API up and API_URL right?"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kUnreachableToken)));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads"), "0");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.rejected_events"), "0");
  EXPECT_EQ(query_value(db, "select status from ingest.runs order by id desc limit 1"), "failed");
  const auto recorded = query_value(db, "select error from ingest.runs order by id desc limit 1");
  EXPECT_THAT(recorded, HasSubstr("could not reach the API at API_URL=" + shown_url));
  EXPECT_THAT(recorded, Not(HasSubstr(kUnreachableToken)));
}

TEST(UnreachableApi, RefusedConnectionStopsABackfillWithExit5InSecondsRecordingNothing) {
  const auto db = fresh_database();
  const testkit::RefusingPort nothing;  // bound, never listening: connections are refused
  const std::string base = nothing.url();
  // A secret in the query string must not be shown either: the URL is redacted.
  const auto env = default_api_env(db, base + "?key=url-secret-canary");
  const auto run = timed_cli({"backfill-month", "2024-06", "--no-models"}, env);

  expect_stopped_unreachable(run, db, base, "Connection refused");
  EXPECT_LT(run.seconds, 10.0) << "with the default 5 attempts and 500 ms backoff";
  EXPECT_THAT(run.result.err, HasSubstr("gave up after 5 attempts, fetching 2024-06-"));
  EXPECT_THAT(run.result.out + run.result.err, Not(HasSubstr("url-secret-canary")));
  // One warning per failed attempt of one day, not one per attempt of every day in flight.
  EXPECT_LE(count_of(run.result.err, "retrying in"), 4u) << run.result.err;
  EXPECT_GE(count_of(run.result.err, "retrying in"), 1u) << run.result.err;
  EXPECT_THAT(run.result.out, HasSubstr("run stopped early"));
  std::cout << "[ figures  ] refused backfill-month stopped after " << run.seconds << " s\n";
}

TEST(UnreachableApi, RefusedConnectionStopsRequestDayWithExit5) {
  const auto db = fresh_database();
  const testkit::RefusingPort nothing;
  const std::string base = nothing.url();
  const auto run = timed_cli({"request-day", "2024-06-03"}, default_api_env(db, base));
  expect_stopped_unreachable(run, db, base, "Connection refused");
  EXPECT_LT(run.seconds, 10.0);
}

TEST(UnreachableApi, RefusedConnectionStopsASyncWithExit5BeforeTheModels) {
  const auto db = fresh_database();
  const testkit::RefusingPort nothing;
  const std::string base = nothing.url();
  const auto run = timed_cli({"sync", "--since", "2024-06-01", "--until", "2024-06-10"},
                             default_api_env(db, base));
  expect_stopped_unreachable(run, db, base, "Connection refused");
  EXPECT_THAT(run.result.out, Not(HasSubstr("models of"))) << "no model runs after the stop";
  EXPECT_LT(run.seconds, 10.0);
}

TEST(UnreachableApi, UnknownHostStopsWithExit5) {
  const auto db = fresh_database();
  const std::string base = "http://nonexistent.invalid/events";
  const auto run =
      timed_cli({"backfill-month", "2024-06", "--no-models"}, default_api_env(db, base));
  expect_stopped_unreachable(run, db, base, "Could not resolve host");
  EXPECT_LT(run.seconds, 10.0);
}

TEST(UnreachableApi, TlsFailureStopsWithExit5AfterOneAttempt) {
  const auto db = fresh_database();
  DemoServer plain_http({});
  std::string url = plain_http.url();
  url.replace(0, 4, "https");  // TLS to a server that speaks plain HTTP: the handshake fails
  const auto run = timed_cli({"request-day", "2024-01-05"}, default_api_env(db, url));
  expect_stopped_unreachable(run, db, url, "(curl 35)");
  EXPECT_THAT(run.result.err, HasSubstr("not retried, fetching 2024-01-05"));
  EXPECT_LT(run.seconds, 10.0);
}

// A listener whose accept queue is full: Linux drops further SYNs, so a connect neither
// succeeds nor is refused, it times out. `drops_connections()` says whether that held.
class FullBacklog {
 public:
  FullBacklog() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 0) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    // Connect until one connection stays pending: the queue is full from then on.
    for (int i = 0; i < 16; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 300) == 0) {
        ::close(fd);
        full_ = true;
        return;
      }
      fillers_.push_back(fd);
    }
  }
  ~FullBacklog() {
    for (const int fd : fillers_) ::close(fd);
    if (listener_ >= 0) ::close(listener_);
  }
  FullBacklog(const FullBacklog&) = delete;
  FullBacklog& operator=(const FullBacklog&) = delete;

  bool drops_connections() const { return full_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }

 private:
  int listener_ = -1;
  int port_ = 0;
  bool full_ = false;
  std::vector<int> fillers_;
};

TEST(UnreachableApi, ConnectTimeoutStopsWithExit5) {
  const auto db = fresh_database();
  FullBacklog blackhole;
  if (!blackhole.drops_connections()) {
    GTEST_SKIP() << "this kernel accepted every connection to a full backlog, so no connect "
                    "can be made to time out deterministically";
  }
  auto env = default_api_env(db, blackhole.url());
  // Five 10 s connect timeouts would take a minute; the behaviour is the same at 400 ms.
  env["TRIBUTARY_CONNECT_TIMEOUT_MS"] = "400";
  const auto run = timed_cli({"request-day", "2024-06-03"}, env);
  expect_stopped_unreachable(run, db, blackhole.url(), "(curl 28)");
  EXPECT_THAT(run.result.err, HasSubstr("gave up after 5 attempts"));
}

// An API that answers, even if only with errors, was reached: its days fail and are
// recorded as before (exit 1), never exit 5.
TEST(UnreachableApi, AnApiAnsweringErrorsFailsDaysWithExit1AsBefore) {
  const auto db = fresh_database();
  testkit::TestHttpServer failing([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 500;
    res.set_content(R"({"detail":"boom"})", testkit::kJsonType);
  });
  auto env = database_env(db);
  env["API_URL"] = failing.url();
  env["API_TOKEN"] = kUnreachableToken;
  env["TRIBUTARY_MAX_ATTEMPTS"] = "2";
  const auto run =
      run_cli({"backfill", "--from", "2024-06-01", "--to", "2024-06-03", "--no-models"}, env);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, Not(HasSubstr("could not reach the API")));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'failed'"), "3");
  EXPECT_EQ(query_value(db, "select status from ingest.runs order by id desc limit 1"), "partial");
}

// The API answered for the first day and then went away: the other days fail and are
// recorded, as any failure; the run goes on and ends partial, never stopped.
TEST(UnreachableApi, AnApiThatGoesAwayAfterTheFirstDayFailsTheRestAsBefore) {
  const auto db = fresh_database();
  std::optional<DemoServer> server(std::in_place, demo_server_options(DemoOptions{}));
  Settings settings;
  settings.database = db;
  settings.api.url = server->url();
  settings.api.token = "demo-token";
  settings.api.backoff_base = std::chrono::milliseconds(10);
  RunOptions options;
  options.parallel = 1;
  options.on_day = [&](const DayResult&, std::size_t done, std::size_t) {
    if (done == 1) server.reset();  // nothing listens on the port from now on
  };
  RunResult run;
  ASSERT_NO_THROW(
      run = backfill_range(settings, parse_day("2024-01-01"), parse_day("2024-01-04"), options));
  ASSERT_EQ(run.days.size(), 4u);
  EXPECT_EQ(run.days[0].status, DayStatus::Loaded);
  for (std::size_t i = 1; i < run.days.size(); ++i) {
    EXPECT_EQ(run.days[i].status, DayStatus::Failed) << i;
    EXPECT_THAT(run.days[i].error, HasSubstr("could not reach the API at API_URL=")) << i;
    EXPECT_EQ(run.days[i].attempts, 5) << i;
  }
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'failed'"), "3");
  EXPECT_EQ(query_value(db, "select status from ingest.runs order by id desc limit 1"), "partial");
}

// The library reports the same stop: request_day throws ApiUnreachableError and records no day.
TEST(UnreachableApi, RequestDayThrowsApiUnreachableErrorFromTheLibrary) {
  const auto db = fresh_database();
  Settings settings;
  settings.database = db;
  const testkit::RefusingPort nothing;
  settings.api.url = nothing.url();
  settings.api.backoff_base = std::chrono::milliseconds(10);
  std::string stopped_with;
  RunOptions options;
  options.on_stopped = [&](const RunResult&, const std::string& reason) { stopped_with = reason; };
  EXPECT_THROW(request_day(settings, parse_day("2024-06-03"), options), ApiUnreachableError);
  EXPECT_THAT(stopped_with, HasSubstr("could not reach the API at API_URL="));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads"), "0");
}

}  // namespace
}  // namespace tributary::testing
