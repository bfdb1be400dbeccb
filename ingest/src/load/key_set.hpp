#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tributary::internal {

/// The keys (device_id, event_time) of one day's payload, exact, each with what the loader
/// did with its first row: copied straight into public.user_events, or staged for the merge
/// (the key existed already, or its first row is dated another day). Open addressing over
/// one byte arena: about 40 bytes per key, so a 200,000-event day costs ~8 MB.
class KeySet {
 public:
  enum class Route : std::uint8_t { Direct, Staged };

  struct Found {
    Route route;
    bool added;
    std::size_t ref;  ///< the key's place, for route_at() and set_route()
  };
  /// The key's route if it is in the set (`added` false); otherwise adds it with `route`
  /// and returns that (`added` true).
  Found find_or_add(std::string_view device_id, std::int64_t event_time, Route route);
  /// The key's place, if it is in the set.
  std::optional<std::size_t> find(std::string_view device_id, std::int64_t event_time) const;
  Route route_at(std::size_t ref) const noexcept { return static_cast<Route>(arena_[ref]); }
  void set_route(std::size_t ref, Route route) noexcept { arena_[ref] = static_cast<char>(route); }
  std::size_t size() const noexcept { return size_; }
  void clear() noexcept;

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t entry = kEmpty;  ///< the key's offset in arena_
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  bool matches(std::uint64_t entry, std::string_view device_id, std::int64_t event_time) const;
  void grow();

  std::vector<Slot> slots_;
  /// Per key: its route (1 byte), its device_id's length (4 bytes), the bytes, event_time.
  std::string arena_;
  std::size_t size_ = 0;
};

}  // namespace tributary::internal
