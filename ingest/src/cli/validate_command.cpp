// `tributary validate FILE [--json]`: checks a saved API payload offline with exactly the
// rules a load uses, streaming the file so its size does not matter.
#include <fstream>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::cli {
namespace {

struct ValidateArgs {
  std::string file;
  bool json = false;
};

// Counts accepted events and keeps (position, reason) of each rejection.
class RejectionCollector final : public models::EventSink {
 public:
  void on_event(models::UserEvent&&, std::size_t) override {}
  void on_rejection(models::Rejection&& r) override {
    rejections.emplace_back(r.position, std::move(r.reason));
  }
  std::vector<std::pair<std::size_t, std::string>> rejections;
};

ExitCode run_validate(const ValidateArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read " << args.file << '\n';
    return ExitCode::Usage;
  }
  RejectionCollector collector;
  models::PayloadParser parser(collector);
  models::PayloadSummary summary;
  try {
    std::vector<char> buffer(1 << 20);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    summary = parser.finish();
  } catch (const models::PayloadError& e) {
    std::cerr << "error: " << args.file << " is not a JSON array of events: " << e.what() << '\n';
    return ExitCode::Usage;
  }

  if (args.json) {
    auto rejected = nlohmann::json::array();
    for (const auto& [position, reason] : collector.rejections) {
      rejected.push_back({{"position", position}, {"reason", reason}});
    }
    const nlohmann::json out = {{"accepted", summary.accepted}, {"rejected", rejected}};
    std::cout << out.dump() << '\n';
  } else {
    std::cout << "accepted: " << summary.accepted << '\n'
              << "rejected: " << summary.rejected << '\n';
    for (const auto& [position, reason] : collector.rejections) {
      std::cout << "  position " << position << ": " << reason << '\n';
    }
  }
  return ExitCode::Success;
}

}  // namespace

Command add_validate_command(CLI::App& parent) {
  auto args = std::make_shared<ValidateArgs>();
  auto* app = parent.add_subcommand(
      "validate", "Check a saved API payload offline with the rules a load uses; exit 0 when "
                  "it is a JSON array, 2 otherwise");
  app->add_option("FILE", args->file, "the payload (a JSON array of events)")->required();
  app->add_flag("--json", args->json,
                R"(print {"accepted": N, "rejected": [{"position": I, "reason": "..."}]})");
  return Command{app, [args] { return run_validate(*args); }};
}

}  // namespace tributary::cli
