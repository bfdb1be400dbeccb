#include "db/statement_canceller.hpp"

#include <spdlog/spdlog.h>

namespace tributary::internal {

StatementCanceller::StatementCanceller(std::stop_token stop)
    : stop_(std::move(stop)), on_stop_(stop_, std::function<void()>([this] {
                                         std::lock_guard lock(mutex_);
                                         cancel_locked();
                                       })) {}

void StatementCanceller::arm(pqxx::connection_base& conn) {
  std::lock_guard lock(mutex_);
  conn_ = &conn;
}

void StatementCanceller::disarm() {
  std::lock_guard lock(mutex_);
  conn_ = nullptr;
}

void StatementCanceller::cancel_locked() {
  if (conn_ == nullptr) return;
  // A cancel request only reads the backend's key (fixed for the session), so it may come
  // from another thread while the owner waits on the connection. The server ignores it
  // when no statement runs.
  try {
    conn_->cancel_query();
  } catch (const std::exception& e) {
    spdlog::debug("could not send the cancel request: {}", e.what());
  }
}

}  // namespace tributary::internal
