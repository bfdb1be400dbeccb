#pragma once

// The fixed population behind the demo API: corporations and users (with devices, a
// corporation or none, a role, a status, a signup date and a home location), derived from
// the seed and the daily volume only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::internal::demo {

/// A customer company; `status` is spelled as upstream sends it (mixed case).
struct Corporation {
  std::int64_t id = 0;
  std::string id_text;  ///< decimal text of `id`, for group ids
  std::string_view status;
  bool is_demo = false;
};

/// Where a user works from: the event's `country`, `region`, `city` and local language.
struct Location {
  std::string_view country;
  std::string_view region;
  std::string_view city;
  std::string_view language;
};

/// One person using the product.
struct User {
  std::int64_t user_id = 0;
  std::int64_t amp_id = 0;
  std::array<std::string, 3> devices;  ///< lowercase UUIDs; the first `device_count` are used
  std::uint8_t device_count = 1;
  int corporation = -1;  ///< index into Population::corporations; -1: none
  std::string_view role;
  std::string_view status;
  std::string signup;  ///< `YYYY-MM-DDTHH:MM:SS`
  const Location* location = nullptr;
  std::string_view language;
};

/// All users and corporations of one seed.
struct Population {
  std::vector<Corporation> corporations;
  std::vector<User> users;
  std::size_t heavy_users = 1;  ///< users [0, heavy_users) produce a large share of events
};

/// Builds the population for `seed` with max(50, events_per_day / 20) users.
Population make_population(std::uint64_t seed, std::size_t events_per_day);

}  // namespace tributary::internal::demo
