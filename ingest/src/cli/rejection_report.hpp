#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/models/payload_parser.hpp"

namespace tributary::cli {

/// The rejections of one payload as the parser finds them, and the report `validate` and
/// `fetch-day` print of it. Accepted events are only counted (by the parser's summary).
class RejectionReport final : public models::EventSink {
 public:
  void on_event(models::UserEvent&&, std::size_t) override {}
  void on_rejection(models::Rejection&& rejection) override;

  /// Forgets the rejections so far (a retried request starts over).
  void clear() { rejections_.clear(); }

  /// `accepted: N`, `rejected: N`, then `  position I: reason` for each rejection.
  void print_text(std::ostream& out, const models::PayloadSummary& summary) const;

  /// Sets `"accepted": N` and `"rejected": [{"position": I, "reason": "..."}]` in `report`.
  void add_to_json(nlohmann::json& report, const models::PayloadSummary& summary) const;

 private:
  std::vector<std::pair<std::size_t, std::string>> rejections_;  // (position, reason)
};

}  // namespace tributary::cli
