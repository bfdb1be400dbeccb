#pragma once

// Turns a requested stop into a cancelled statement: while armed with a connection, a stop
// cancels what runs on it (libpq's cancel request), so its transaction fails and rolls
// back; disarmed (a transaction committing, the connection idle or being replaced) a stop
// changes nothing. Private to the library.

#include <functional>
#include <mutex>
#include <stop_token>

#include <pqxx/pqxx>

namespace tributary::internal {

/// Cancels the statement running on the armed connection when `stop` is requested. The
/// owner (one worker thread) arms and disarms it; the stop may come from any thread.
class StatementCanceller {
 public:
  explicit StatementCanceller(std::stop_token stop);
  StatementCanceller(const StatementCanceller&) = delete;
  StatementCanceller& operator=(const StatementCanceller&) = delete;

  /// From now on a stop cancels what runs on `conn`. A stop requested before is not sent
  /// again (the owner checks stop_requested() instead). `conn` must stay open until
  /// disarm().
  void arm(pqxx::connection_base& conn);
  /// From now on a stop changes nothing (the transaction is committing, or done).
  void disarm();
  /// Whether the stop was requested.
  bool stop_requested() const { return stop_.stop_requested(); }
  /// The token it watches.
  const std::stop_token& token() const { return stop_; }

 private:
  void cancel_locked();

  std::stop_token stop_;
  std::mutex mutex_;  // guards conn_ between the owner and the thread requesting the stop
  pqxx::connection_base* conn_ = nullptr;
  // Last: destroyed first, waiting for a callback running in another thread to return.
  std::stop_callback<std::function<void()>> on_stop_;
};

}  // namespace tributary::internal
