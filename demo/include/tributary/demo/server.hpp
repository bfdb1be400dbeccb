#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/demo/generator.hpp"

namespace tributary {

/// A fault the demo API injects, for exercising the client.
enum class FaultKind {
  TooManyRequests,     ///< `429` with `Retry-After: 1`
  InternalError,       ///< `500`
  ServiceUnavailable,  ///< `503`
  Reset,               ///< connection closed before any answer
  Cut,                 ///< body cut short
  Stall,               ///< body stops for longer than the client's stall limit
  BadJson,             ///< a 200 body that is not JSON
};

/// `--fault KIND=RATE`: KIND hits the fraction RATE of requests.
struct FaultSpec {
  FaultKind kind = FaultKind::InternalError;
  double rate = 0.0;
};

/// Parses `KIND=RATE` (`429`, `500`, `503`, `reset`, `cut`, `stall`, `badjson`; RATE in
/// [0,1]). Throws ConfigError naming the bad text.
FaultSpec parse_fault(std::string_view text);

/// How the demo API runs.
struct DemoServerOptions {
  DemoOptions data;
  std::string host = "127.0.0.1";
  int port = 0;                         ///< 0 picks a free port
  std::string token = "demo-token";
  std::vector<FaultSpec> faults;
  std::chrono::milliseconds stall{40'000};  ///< how long a `stall` fault stops the body
  /// gzip the body when the client accepts it. Off by default: httplib's gzip is ~20x
  /// slower than generating the events, and the client must be the bottleneck.
  bool compress = false;
};

/// The demo events API (docs/cli.md, demo-api) over cpp-httplib, serving
/// `GET /events?date=YYYY-MM-DD` from a DemoGenerator, generating while sending.
class DemoServer {
 public:
  /// Binds and starts serving on a background thread; returns once connections are
  /// accepted. Throws Error when the port cannot be bound.
  explicit DemoServer(DemoServerOptions options);
  /// Stops serving and joins the thread.
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  /// The bound port.
  int port() const noexcept;
  /// `http://HOST:PORT/events`.
  std::string url() const;
  /// Requests answered so far (faults included).
  std::uint64_t requests() const noexcept;
  /// Blocks until stop() is called from another thread (for the CLI).
  void wait();
  /// Stops serving; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary
