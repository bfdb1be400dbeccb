// ApiReach: what the clients of one run know together about the API (api_client.hpp).

#include "tributary/api_client.hpp"

namespace tributary {

void ApiReach::give_up() {
  {
    std::lock_guard lock(mutex_);
    given_up_ = true;
  }
  woken_.notify_all();
}

bool ApiReach::given_up() const {
  std::lock_guard lock(mutex_);
  return given_up_;
}

bool ApiReach::wait_to_retry(std::chrono::milliseconds wait, const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  woken_.wait_for(lock, stop, wait, [this] { return given_up_; });
  return !given_up_;
}

bool ApiReach::speaks_for(const void* client) noexcept {
  if (reached()) return true;
  const void* none = nullptr;
  // The first client to ask takes the voice; it keeps it.
  if (voice_.compare_exchange_strong(none, client)) return true;
  return none == client;
}

}  // namespace tributary
