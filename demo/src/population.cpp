// The demo population: who produces the demo API's events.

#include "population.hpp"

#include <algorithm>

#include "tributary/demo/calendar.hpp"
#include "tributary/day_range.hpp"
#include "random.hpp"

namespace tributary::internal::demo {

namespace {

constexpr std::uint64_t kPopulationSalt = 0x706f70756c617469ULL;  // "populati"

// Non-ASCII names on purpose: the payload is UTF-8 and must stay so through the pipeline.
constexpr std::array<Location, 14> kLocations{{
    {"Spain", "Madrid", "Madrid", "Spanish"},
    {"Spain", "Catalonia", "Barcelona", "Spanish"},
    {"Germany", "Bavaria", "München", "German"},
    {"United States", "California", "San Francisco", "English"},
    {"United States", "New York", "New York", "English"},
    {"United States", "Texas", "Austin", "English"},
    {"France", "Île-de-France", "Paris", "French"},
    {"Brazil", "São Paulo", "São Paulo", "Portuguese"},
    {"United Kingdom", "England", "London", "English"},
    {"Mexico", "Jalisco", "Guadalajara", "Spanish"},
    {"Japan", "Tokyo", "Tokyo", "Japanese"},
    {"Switzerland", "Zürich", "Zürich", "German"},
    {"Côte d'Ivoire", "Abidjan", "Abidjan", "French"},
    {"Netherlands", "North Holland", "Amsterdam", "Dutch"},
}};

// Mixed case as upstream sends it; the loader lower-cases it.
constexpr std::array<std::string_view, 10> kCorporationStatuses{
    "Active",   "ACTIVE",   "active", "active", "Active",
    "Inactive", "inactive", "trial",  "Trial",  "churned"};
constexpr std::array<std::string_view, 8> kRoles{"admin",  "member", "member",  "member",
                                                 "viewer", "viewer", "analyst", "owner"};
constexpr std::array<std::string_view, 6> kUserStatuses{"active",  "active",   "active",
                                                        "invited", "disabled", "pending"};

/// A version-4 UUID in lowercase text.
std::string make_uuid(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t hi = rng.next();
  std::uint64_t lo = rng.next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10xx
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out += kHex[(hi >> (i * 4)) & 0xf];
    if (i == 8 || i == 4) out += '-';
  }
  out += '-';
  for (int i = 15; i >= 0; --i) {
    out += kHex[(lo >> (i * 4)) & 0xf];
    if (i == 12) out += '-';
  }
  return out;
}

std::string make_signup(Rng& rng) {
  const date::sys_days first{date::year{2021} / 1 / 1};
  const date::sys_days day = first + date::days{rng.below(std::uint64_t{3} * 365)};
  std::string out = format_day(day);
  out += 'T';
  append_padded(out, static_cast<unsigned>(rng.below(24)), 2);
  out += ':';
  append_padded(out, static_cast<unsigned>(rng.below(60)), 2);
  out += ':';
  append_padded(out, static_cast<unsigned>(rng.below(60)), 2);
  return out;
}

}  // namespace

Population make_population(std::uint64_t seed, std::size_t events_per_day) {
  Rng rng(hash_words({seed, kPopulationSalt}));
  Population population;

  const std::size_t user_count = std::max<std::size_t>(50, events_per_day / 20);
  const std::size_t corporation_count = std::max<std::size_t>(5, user_count / 8);
  population.heavy_users = std::max<std::size_t>(3, user_count / 50);

  population.corporations.reserve(corporation_count);
  for (std::size_t c = 0; c < corporation_count; ++c) {
    Corporation corporation;
    corporation.id = 10 + static_cast<std::int64_t>(c) * 3 + rng.between(0, 2);
    corporation.id_text = std::to_string(corporation.id);
    corporation.status = kCorporationStatuses[rng.below(kCorporationStatuses.size())];
    corporation.is_demo = rng.chance(0.1);
    population.corporations.push_back(std::move(corporation));
  }

  population.users.reserve(user_count);
  for (std::size_t u = 0; u < user_count; ++u) {
    User user;
    user.user_id = 1000 + static_cast<std::int64_t>(u) * 5 + rng.between(0, 4);
    user.amp_id = rng.between(100'000'000, 999'999'999);
    const double devices = rng.unit();
    user.device_count = devices < 0.6 ? 1 : (devices < 0.9 ? 2 : 3);
    for (std::uint8_t d = 0; d < user.device_count; ++d) user.devices[d] = make_uuid(rng);
    if (rng.chance(0.8)) {
      // Bigger corporations first: a squared draw favours low indices.
      const double x = rng.unit();
      user.corporation = static_cast<int>(static_cast<double>(corporation_count) * x * x);
    }
    user.role = kRoles[rng.below(kRoles.size())];
    user.status = kUserStatuses[rng.below(kUserStatuses.size())];
    user.signup = make_signup(rng);
    user.location = &kLocations[rng.below(kLocations.size())];
    user.language = rng.chance(0.6) ? user.location->language : std::string_view{"English"};
    population.users.push_back(std::move(user));
  }
  return population;
}

}  // namespace tributary::internal::demo
