// The demo events API (docs/cli.md, demo-api): token check, strict dates, 404 outside the range
// or after today, the part of a day uploaded by now (the clock is read once per request), ETag
// and 304, a day generated while it is sent, and deterministic fault injection.

#include "tributary/demo/server.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "http_server.hpp"
#include "random.hpp"
#include "tributary/demo/calendar.hpp"
#include "tributary/error.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary {

namespace demo = internal::demo;

namespace {

constexpr std::size_t kWorkerThreads = 32;  // stalled requests must not starve the rest
constexpr std::size_t kChunkBytes =
    std::size_t{128} * 1024;                           // body bytes handed to the socket at a time
constexpr std::uint64_t kFaultSalt = 0x6661756c74ULL;  // "fault"
constexpr const char* kNoEvents = "No event found for date";
constexpr const char* kAcceptedKinds = "429, 500, 503, reset, cut, stall, badjson";

struct KindName {
  std::string_view name;
  FaultKind kind;
};
constexpr KindName kKinds[] = {{"429", FaultKind::TooManyRequests},
                               {"500", FaultKind::InternalError},
                               {"503", FaultKind::ServiceUnavailable},
                               {"reset", FaultKind::Reset},
                               {"cut", FaultKind::Cut},
                               {"stall", FaultKind::Stall},
                               {"badjson", FaultKind::BadJson}};

std::string_view kind_name(FaultKind kind) {
  for (const auto& entry : kKinds) {
    if (entry.kind == kind) return entry.name;
  }
  return "?";
}

void reply_detail(httplib::Response& res, int status, const std::string& detail) {
  res.status = status;
  // `replace`: a detail that echoes a query parameter may hold bytes that are not UTF-8.
  res.set_content(nlohmann::json{{"detail", detail}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace),
                  "application/json");
}

/// Compares without an early exit, so response timing says little about the token.
bool token_matches(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return difference == 0;
}

/// Whether an If-None-Match header names `etag` (a list of tags, or `*`).
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.front())))
      tag.remove_prefix(1);
    while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.back())))
      tag.remove_suffix(1);
    if (tag == etag || tag == "*") return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

FaultSpec parse_fault(std::string_view text) {
  const auto fail = [text]() {
    return ConfigError("--fault '" + std::string{text} + "' is not KIND=RATE with KIND one of " +
                       kAcceptedKinds + " and RATE a fraction in [0, 1] (e.g. 500=0.2)");
  };
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) throw fail();
  std::string kind_text{text.substr(0, eq)};
  std::transform(kind_text.begin(), kind_text.end(), kind_text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view rate_text = text.substr(eq + 1);
  double rate = -1.0;
  const auto [end, error] =
      std::from_chars(rate_text.data(), rate_text.data() + rate_text.size(), rate);
  if (error != std::errc{} || end != rate_text.data() + rate_text.size() ||
      !(rate >= 0.0 && rate <= 1.0)) {
    throw fail();
  }
  for (const auto& entry : kKinds) {
    if (entry.name == kind_text) return FaultSpec{entry.kind, rate};
  }
  throw fail();
}

struct DemoServer::Impl {
  explicit Impl(DemoServerOptions opts)
      : options(std::move(opts)), generator(options.data), http(options.compress) {}

  void handle(const httplib::Request& req, httplib::Response& res);
  std::optional<FaultKind> decide_fault(date::sys_days day, std::uint64_t attempt) const;
  /// Answers a fault that replaces the whole response; false for those that break the body.
  bool answer_fault(FaultKind fault, httplib::Response& res);
  std::uint64_t next_attempt(date::sys_days day);
  /// Sends the `served` elements uploaded by `now_ms` under `etag`.
  void stream_day(httplib::Response& res, date::sys_days day, std::int64_t now_ms,
                  std::size_t served, const std::string& etag, std::optional<FaultKind> fault);
  /// Sleeps for `duration` unless the server stops first.
  void pause(std::chrono::milliseconds duration);

  DemoServerOptions options;
  DemoGenerator generator;
  demo::DemoHttpServer http;
  std::thread listener;
  int port = 0;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<bool> stopping{false};

  std::mutex attempts_mutex;  // handler threads count the requests of each day
  std::map<date::sys_days, std::uint64_t> attempts;

  std::mutex state_mutex;  // stop() wakes wait() and stalled bodies through state_changed
  std::condition_variable state_changed;
  bool listener_done = false;

  std::mutex join_mutex;  // stop() from two threads (CLI and destructor): one joins
};

std::uint64_t DemoServer::Impl::next_attempt(date::sys_days day) {
  const std::lock_guard lock(attempts_mutex);
  return ++attempts[day];
}

std::optional<FaultKind> DemoServer::Impl::decide_fault(date::sys_days day,
                                                        std::uint64_t attempt) const {
  const auto day_word = static_cast<std::uint64_t>(day.time_since_epoch().count());
  for (std::size_t i = 0; i < options.faults.size(); ++i) {
    const double draw = demo::unit_interval(
        demo::hash_words({kFaultSalt, options.data.seed, day_word, attempt, i}));
    if (draw < options.faults[i].rate) return options.faults[i].kind;
  }
  return std::nullopt;
}

void DemoServer::Impl::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(state_mutex);
  state_changed.wait_for(lock, duration, [this] { return stopping.load(); });
}

void DemoServer::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  ++requests;
  if (!token_matches(req.get_header_value("api-token"), options.token)) {
    reply_detail(res, 401, "Invalid or missing api-token header");
    return;
  }
  if (!req.has_param("date")) {
    reply_detail(res, 400, "Query parameter 'date' is required, as YYYY-MM-DD");
    return;
  }
  const std::string text = req.get_param_value("date");
  const auto day = models::parse_iso_date(text);
  if (!day) {
    reply_detail(
        res, 400,
        "Invalid date '" + text.substr(0, 40) + "': expected a calendar day as YYYY-MM-DD");
    return;
  }
  // One reading of the clock for the whole answer: the count, the ETag and the body agree.
  // Outside the range, after today, or nothing uploaded yet: the API's answer for no events.
  const models::Timestamp now = generator.now();
  const std::size_t served = generator.served_count(*day, now);
  if (served == 0) {
    reply_detail(res, 404, kNoEvents);
    return;
  }
  const std::uint64_t attempt = next_attempt(*day);
  const auto fault = decide_fault(*day, attempt);
  spdlog::debug("demo API: {} attempt {}: {} of {} events uploaded, {}", text, attempt, served,
                generator.event_count(*day), fault ? kind_name(*fault) : "no fault");

  if (fault && answer_fault(*fault, res)) return;
  const std::string etag = generator.etag_of(*day, served);
  if (!fault && none_match_hits(req.get_header_value("If-None-Match"), etag)) {
    res.status = 304;
    res.set_header("ETag", etag);
    return;
  }
  const auto now_ms = std::chrono::floor<std::chrono::milliseconds>(now).time_since_epoch().count();
  stream_day(res, *day, now_ms, served, etag, fault);
}

bool DemoServer::Impl::answer_fault(FaultKind fault, httplib::Response& res) {
  switch (fault) {
    case FaultKind::TooManyRequests:
      res.set_header("Retry-After", "1");
      reply_detail(res, 429, "Too many requests; retry after 1 second");
      return true;
    case FaultKind::InternalError:
      reply_detail(res, 500, "Internal server error (injected by the demo API)");
      return true;
    case FaultKind::ServiceUnavailable:
      reply_detail(res, 503, "Service unavailable (injected by the demo API)");
      return true;
    case FaultKind::Reset:
      demo::DemoHttpServer::reset_current_connection();
      res.status = 500;  // never sent: the connection is gone
      return true;
    case FaultKind::BadJson:
      res.status = 200;
      res.set_content("<html>upstream error</html>", "application/json");
      return true;
    case FaultKind::Cut:
    case FaultKind::Stall:
      return false;  // they break the body: stream_day
  }
  return false;
}

void DemoServer::Impl::stream_day(httplib::Response& res, date::sys_days day, std::int64_t now_ms,
                                  std::size_t served, const std::string& etag,
                                  std::optional<FaultKind> fault) {
  res.status = 200;
  res.set_header("ETag", etag);
  std::size_t keep = served;  // elements sent before an injected cut or stall
  if (fault == FaultKind::Cut) keep = served / 2;
  if (fault == FaultKind::Stall) keep = served / 3;

  res.set_chunked_content_provider(
      "application/json", [this, day, now_ms, keep, fault](std::size_t, httplib::DataSink& sink) {
        std::string buffer;
        buffer.reserve(kChunkBytes + std::size_t{16} * 1024);
        buffer += '[';
        std::size_t sent = 0;
        bool delivered = true;
        const bool complete =
            generator.generate_day_until(day, now_ms, [&](const GeneratedEvent& event) {
              if (sent == keep) return false;
              if (sent++ > 0) buffer += ',';
              buffer += event.json;
              if (buffer.size() < kChunkBytes) return true;
              delivered = !stopping && sink.write(buffer.data(), buffer.size());
              buffer.clear();
              return delivered;
            });
        if (!delivered) return false;  // the client left or the server stops
        if (!complete) {               // an injected cut or stall
          sink.write(buffer.data(), buffer.size());
          if (fault == FaultKind::Stall) pause(options.stall);
          return false;  // cpp-httplib drops the connection without the last chunk
        }
        buffer += ']';
        if (!sink.write(buffer.data(), buffer.size())) return false;
        sink.done();
        return true;
      });
}

DemoServer::DemoServer(DemoServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& s = *impl_;
  if (s.options.token.empty()) throw ConfigError("demo API: the token must not be empty");
  s.http.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let two servers share a port.
  s.http.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.http.set_keep_alive_max_count(100);
  s.http.set_read_timeout(10);
  s.http.set_write_timeout(120);  // a client may pause reading while it loads a batch
  s.http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status == 404)
      reply_detail(res, 404, "Not found: use GET /events?date=YYYY-MM-DD");
  });
  s.http.Get("/events",
             [&s](const httplib::Request& req, httplib::Response& res) { s.handle(req, res); });

  const std::string& host = s.options.host;
  if (s.options.port == 0)
    s.port = s.http.bind_to_any_port(host);
  else
    s.port = s.http.bind_to_port(host, s.options.port) ? s.options.port : -1;
  if (s.port <= 0) {
    throw Error("demo API: cannot listen on " + host + ":" + std::to_string(s.options.port) +
                " (in use, or not an address of this machine); choose another --port or --host");
  }

  s.listener = std::thread([&s] {
    // Workers inherit this mask: a client that hangs up mid-body must not kill the process
    // with SIGPIPE (cpp-httplib 0.11 sends without MSG_NOSIGNAL).
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    s.http.listen_after_bind();
    const std::lock_guard lock(s.state_mutex);
    s.listener_done = true;
    s.state_changed.notify_all();
  });
  // The socket already listens (connections queue); wait until they are also accepted.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.http.is_running()) {
    bool done = false;
    {
      const std::lock_guard lock(s.state_mutex);
      done = s.listener_done;
    }
    if (done || std::chrono::steady_clock::now() > deadline) {
      stop();
      throw Error("demo API: the server on " + host + ":" + std::to_string(s.port) +
                  " did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::debug("demo API listening on {}", url());
}

DemoServer::~DemoServer() { stop(); }

int DemoServer::port() const noexcept { return impl_->port; }

std::string DemoServer::url() const {
  std::string host = impl_->options.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port) + "/events";
}

std::uint64_t DemoServer::requests() const noexcept { return impl_->requests.load(); }

void DemoServer::wait() {
  std::unique_lock lock(impl_->state_mutex);
  impl_->state_changed.wait(lock,
                            [this] { return impl_->stopping.load() || impl_->listener_done; });
}

void DemoServer::stop() {
  Impl& s = *impl_;
  {
    const std::lock_guard lock(s.state_mutex);
    s.stopping = true;
    s.state_changed.notify_all();
  }
  s.http.stop();               // no new connections
  s.http.close_connections();  // wake workers blocked on a socket
  const std::lock_guard lock(s.join_mutex);
  if (s.listener.joinable() && s.listener.get_id() != std::this_thread::get_id()) s.listener.join();
}

}  // namespace tributary
