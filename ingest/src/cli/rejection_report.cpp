#include "cli/rejection_report.hpp"

namespace tributary::cli {

void RejectionReport::on_rejection(models::Rejection&& rejection) {
  rejections_.emplace_back(rejection.position, std::move(rejection.reason));
}

void RejectionReport::print_text(std::ostream& out, const models::PayloadSummary& summary) const {
  out << "accepted: " << summary.accepted << '\n' << "rejected: " << summary.rejected << '\n';
  for (const auto& [position, reason] : rejections_) {
    out << "  position " << position << ": " << reason << '\n';
  }
}

void RejectionReport::add_to_json(nlohmann::json& report,
                                  const models::PayloadSummary& summary) const {
  auto rejected = nlohmann::json::array();
  for (const auto& [position, reason] : rejections_) {
    rejected.push_back({{"position", position}, {"reason", reason}});
  }
  report["accepted"] = summary.accepted;
  report["rejected"] = std::move(rejected);
}

}  // namespace tributary::cli
