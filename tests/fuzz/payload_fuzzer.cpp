// libFuzzer target: a day's body through the streaming PayloadParser, as `tributary
// validate` and the loader feed it. The input is the body itself (so a crash file is
// replayed with `tributary validate FILE`); how it is cut into feed() calls and which
// PayloadLimits apply are derived from a hash of it, so every mutation also tries another
// chunking. Checked on every input, abort() on violation:
//   - fed whole, one byte at a time, and in hash-chosen chunks (with empty feeds between,
//     as validate's read loop does at end of file): the identical sequence of events and
//     rejections, and the identical summary or PayloadError (kind, offset, message);
//   - elements are numbered 0, 1, 2... and each gives exactly one event or rejection;
//   - every accepted event obeys docs/validation.md (fuzz_checks.hpp);
//   - every rejection names a known rule, keeps text that can be stored, and agrees with
//     parse_event() on the same element text;
//   - the body is accepted exactly when nlohmann, parsing it on its own, finds a JSON
//     array, with as many elements;
//   - after a PayloadError the parser refuses more input with tributary::Error;
//   - the two per-event readers agree: fed whole, the fast reader (falling back to the
//     reference) and the reference alone give the identical outcome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_checks.hpp"
#include "tributary/models/event_parser.hpp"
#include "tributary/models/payload_parser.hpp"

namespace {

using tributary::fuzz::fail;
namespace models = tributary::models;

struct Item {
  std::optional<models::UserEvent> event;  // set for an event
  models::Rejection rejection;             // position is set for both
  friend bool operator==(const Item&, const Item&) = default;
};

struct Outcome {
  std::vector<Item> items;
  bool failed = false;
  models::PayloadError::Kind kind{};
  std::uint64_t offset = 0;
  std::string message;
  models::PayloadSummary summary{};
};

class Collector final : public models::EventSink {
 public:
  explicit Collector(std::vector<Item>& items) : items_(items) {}
  void on_event(models::UserEvent&& event, std::size_t position) override {
    Item item;
    item.event = std::move(event);
    item.rejection.position = position;
    items_.push_back(std::move(item));
  }
  void on_rejection(models::Rejection&& rejection) override {
    items_.push_back(Item{std::nullopt, std::move(rejection)});
  }

 private:
  std::vector<Item>& items_;
};

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

enum class Chunking { kWhole, kBytes, kRandom };

Outcome run(std::string_view body, const models::PayloadLimits& limits, Chunking chunking,
            std::uint64_t seed) {
  Outcome out;
  Collector sink(out.items);
  models::PayloadParser parser(sink, limits);
  try {
    switch (chunking) {
      case Chunking::kWhole:
        parser.feed(body);
        parser.feed({});  // validate's read loop ends with an empty read
        break;
      case Chunking::kBytes:
        for (std::size_t i = 0; i < body.size(); ++i) parser.feed(body.substr(i, 1));
        break;
      case Chunking::kRandom: {
        SplitMix rng{seed};
        // Chunks of 1-3, 1-16, 1-256 or 1-65536 bytes (bodies over 1 MiB: one of the last
        // two, to stay fast); now and then an empty feed.
        static constexpr std::size_t kMaxChunk[] = {3, 16, 256, 65536};
        const std::size_t first = body.size() > (1U << 20) ? 2 : 0;
        const std::size_t max_chunk = kMaxChunk[first + rng.next() % (4 - first)];
        std::size_t at = 0;
        while (at < body.size()) {
          const std::uint64_t r = rng.next();
          if (r % 8 == 0) parser.feed({});
          const std::size_t n = std::min<std::size_t>(1 + (r >> 8) % max_chunk, body.size() - at);
          parser.feed(body.substr(at, n));
          at += n;
        }
        break;
      }
    }
    out.summary = parser.finish();
  } catch (const models::PayloadError& e) {
    out.failed = true;
    out.kind = e.kind();
    out.offset = e.offset();
    out.message = e.what();
    // A failed parser is finished: more input is refused with an Error, never accepted.
    bool refused = false;
    try {
      parser.feed("[]");
    } catch (const models::PayloadError&) {
      fail("feed after a PayloadError threw another PayloadError");
    } catch (const tributary::Error&) {
      refused = true;
    }
    if (!refused) fail("feed after a PayloadError was accepted");
  }
  return out;
}

void compare(const Outcome& a, const Outcome& b, const char* what) {
  if (a.failed != b.failed)
    fail(std::string(what) + ": one run failed, the other did not",
         a.failed ? a.message : b.message);
  if (a.failed) {
    if (a.kind != b.kind || a.offset != b.offset || a.message != b.message) {
      fail(std::string(what) + ": different PayloadError", a.message + " | " + b.message);
    }
  } else if (a.summary.elements != b.summary.elements || a.summary.accepted != b.summary.accepted ||
             a.summary.rejected != b.summary.rejected || a.summary.bytes != b.summary.bytes) {
    fail(std::string(what) + ": different summary");
  }
  if (a.items.size() != b.items.size()) fail(std::string(what) + ": different number of elements");
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (!(a.items[i] == b.items[i])) {
      fail(std::string(what) + ": element " + std::to_string(i) + " differs",
           a.items[i].rejection.reason + " | " + b.items[i].rejection.reason);
    }
  }
}

bool is_oversized(const models::Rejection& r, const models::PayloadLimits& limits) {
  return r.reason == "event: larger than " + std::to_string(limits.max_event_bytes) + " bytes";
}

void check(std::string_view body, const models::PayloadLimits& limits, const Outcome& out) {
  const models::PayloadLimits defaults;
  const bool default_limits =
      limits.max_depth == defaults.max_depth && limits.max_event_bytes == defaults.max_event_bytes;
  std::size_t events = 0;
  bool oversized = false;
  for (std::size_t i = 0; i < out.items.size(); ++i) {
    const Item& item = out.items[i];
    if (item.rejection.position != i) fail("elements are not numbered 0, 1, 2...");
    if (item.event) {
      ++events;
      tributary::fuzz::check_event(*item.event, limits.max_depth);
      continue;
    }
    const models::Rejection& r = item.rejection;
    tributary::fuzz::check_rejection_reason(r, limits.max_depth, limits.max_event_bytes);
    tributary::fuzz::check_raw_json(r);
    if (body.size() <= (1U << 20) && body.find(r.raw_json) == std::string_view::npos) {
      fail("rejection raw_json is not the element's text", r.raw_json);
    }
    if (is_oversized(r, limits)) {
      oversized = true;
    } else if (default_limits) {
      // The same element text through parse_event(): the same rejection.
      const models::EventOutcome alone = models::parse_event(r.raw_json, r.position);
      const auto* rejection = std::get_if<models::Rejection>(&alone);
      if (rejection == nullptr || !(*rejection == r)) {
        fail("parse_event disagrees with PayloadParser on a rejected element", r.reason);
      }
    }
  }

  if (out.failed) {
    if (out.offset > body.size()) fail("PayloadError offset past the end of the body", out.message);
    if (out.kind == models::PayloadError::Kind::NotAnArray && !out.items.empty()) {
      fail("NotAnArray after elements were delivered", out.message);
    }
    if (out.kind == models::PayloadError::Kind::TooLarge) fail("the parser threw TooLarge");
  } else {
    if (out.summary.elements != out.items.size() || out.summary.accepted != events ||
        out.summary.rejected != out.items.size() - events || out.summary.bytes != body.size()) {
      fail("summary does not match the delivered elements");
    }
  }

  // Independent oracle: nlohmann on the whole body. An oversized element is rejected
  // unread by design, and in valid JSON holding a number beyond a double nlohmann cannot
  // count the elements, so both skip the comparison (text that is not JSON past such a
  // number is kInvalid and still checked).
  std::size_t elements = 0;
  const tributary::fuzz::JsonVerdict verdict = tributary::fuzz::json_verdict(body, &elements);
  if (oversized || verdict == tributary::fuzz::JsonVerdict::kOverflow) return;
  if (out.failed) {
    if (verdict == tributary::fuzz::JsonVerdict::kArray) {
      fail("a valid JSON array was refused", out.message);
    }
    if (verdict == tributary::fuzz::JsonVerdict::kOther &&
        out.kind != models::PayloadError::Kind::NotAnArray) {
      fail("valid JSON that is not an array was not refused as NotAnArray", out.message);
    }
  } else if (verdict != tributary::fuzz::JsonVerdict::kArray) {
    fail("a body that is not a JSON array was accepted");
  } else if (elements != out.summary.elements) {
    fail("element count differs from nlohmann's (" + std::to_string(elements) + " vs " +
         std::to_string(out.summary.elements) + ")");
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::uint64_t hash = fnv1a(body);

  // One input in four runs with small limits, to reach the depth and size rejections.
  models::PayloadLimits limits;
  if ((hash & 3U) == 0) {
    limits.max_event_bytes = 1 + (hash >> 8) % 4096;
    limits.max_depth = 1 + (hash >> 24) % 8;
  }

  Outcome by_reference;
  {
    const tributary::fuzz::ScopedJsonReader reference(models::internal::JsonReader::kReference);
    by_reference = run(body, limits, Chunking::kWhole, 0);
  }
  const tributary::fuzz::ScopedJsonReader fast(models::internal::JsonReader::kFast);
  const Outcome whole = run(body, limits, Chunking::kWhole, 0);
  compare(whole, by_reference, "fast vs reference reader");
  check(body, limits, whole);
  compare(whole, run(body, limits, Chunking::kRandom, hash), "whole vs random chunks");
  if (size <= (256U << 10)) {
    compare(whole, run(body, limits, Chunking::kBytes, 0), "whole vs one byte at a time");
  }
  return 0;
}
