#include "load/key_set.hpp"

#include <cstring>

#include <xxhash.h>

namespace tributary::internal {
namespace {

std::uint64_t key_hash(std::string_view device_id, std::int64_t event_time) {
  return XXH3_64bits_withSeed(device_id.data(), device_id.size(),
                              static_cast<std::uint64_t>(event_time));
}

}  // namespace

bool KeySet::matches(std::uint64_t entry, std::string_view device_id,
                     std::int64_t event_time) const {
  const char* at = arena_.data() + entry + 1;
  std::uint32_t length = 0;
  std::memcpy(&length, at, sizeof length);
  if (length != device_id.size()) return false;
  std::int64_t time = 0;
  std::memcpy(&time, at + sizeof length + length, sizeof time);
  return time == event_time && std::memcmp(at + sizeof length, device_id.data(), length) == 0;
}

KeySet::Found KeySet::find_or_add(std::string_view device_id, std::int64_t event_time,
                                  Route route) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t hash = key_hash(device_id, event_time);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.entry == kEmpty) {
      const auto length = static_cast<std::uint32_t>(device_id.size());
      const std::size_t ref = arena_.size();
      slot.hash = hash;
      slot.entry = ref;
      arena_.push_back(static_cast<char>(route));
      arena_.append(reinterpret_cast<const char*>(&length), sizeof length);
      arena_.append(device_id);
      arena_.append(reinterpret_cast<const char*>(&event_time), sizeof event_time);
      ++size_;
      return {route, true, ref};
    }
    if (slot.hash == hash && matches(slot.entry, device_id, event_time)) {
      return {route_at(slot.entry), false, slot.entry};
    }
  }
}

std::optional<std::size_t> KeySet::find(std::string_view device_id,
                                        std::int64_t event_time) const {
  if (slots_.empty()) return std::nullopt;
  const std::uint64_t hash = key_hash(device_id, event_time);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.entry == kEmpty) return std::nullopt;
    if (slot.hash == hash && matches(slot.entry, device_id, event_time)) return slot.entry;
  }
}

void KeySet::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.entry == kEmpty) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].entry != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void KeySet::clear() noexcept {
  slots_.clear();
  arena_.clear();
  size_ = 0;
}

}  // namespace tributary::internal
