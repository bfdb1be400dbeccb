#include "common/stop.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace tributary::internal {

void sleep_unless_stopped(std::chrono::milliseconds duration, const std::stop_token& stop,
                          const char* what) {
  if (!stop.stop_possible()) {
    std::this_thread::sleep_for(duration);
    return;
  }
  // Nothing else waits on these: they exist so that request_stop() wakes this wait.
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
  throw_if_stopped(stop, what);
}

void throw_if_stopped(const std::stop_token& stop, const char* what) {
  if (stop.stop_requested()) throw Interrupted(std::string("stopped while ") + what);
}

}  // namespace tributary::internal
