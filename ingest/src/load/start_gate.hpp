#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace tributary::internal {

/// The start of a run on a machine with few cores (std::thread::hardware_concurrency():
/// the CPUs the process may run on, not a cgroup's CPU quota): every day in flight parses at once, so
/// the first day is ready to write only when all of them are (~0.4 s for four 40,000-event
/// days on 2 cores), and the database waits meanwhile. Until the run's first day reaches its
/// writes (or ends), only `width` days fetch at once; then the gate stays open for good, so
/// fetches of different days overlap as before. Shared by the loaders of one run.
class StartGate {
 public:
  /// `width` < 1 counts as 1.
  explicit StartGate(int width) : free_(width < 1 ? 1 : width) {}

  /// Waits for a place while the gate is closed. Returns false when `stop` was requested
  /// meanwhile.
  bool enter(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait(lock, stop, [&] { return open_ || free_ > 0; })) return false;
    if (!open_) --free_;
    return true;
  }

  /// Opens the gate for good: a day reached its writes, or ended.
  void open() {
    {
      std::lock_guard lock(mutex_);
      if (open_) return;
      open_ = true;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any changed_;
  int free_;           // guarded by mutex_
  bool open_ = false;  // guarded by mutex_
};

}  // namespace tributary::internal
