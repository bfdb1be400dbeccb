// `tributary validate FILE [--json]`: checks a saved API payload offline with exactly the
// rules a load uses, streaming the file so its size does not matter.
#include <fstream>
#include <iostream>
#include <vector>

#include "cli/commands.hpp"
#include "cli/rejection_report.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::cli {
namespace {

struct ValidateArgs {
  std::string file;
  bool json = false;
};

ExitCode run_validate(const ValidateArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read " << args.file << '\n';
    return ExitCode::Usage;
  }
  RejectionReport report;
  models::PayloadParser parser(report);
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
    nlohmann::json out = nlohmann::json::object();
    report.add_to_json(out, summary);
    std::cout << out.dump() << '\n';
  } else {
    report.print_text(std::cout, summary);
  }
  return ExitCode::Success;
}

}  // namespace

Command add_validate_command(CLI::App& parent) {
  auto args = std::make_shared<ValidateArgs>();
  auto* app = parent.add_subcommand(
      "validate",
      "Check a saved API payload offline with the rules a load uses; exit 0 when "
      "it is a JSON array, 2 otherwise");
  app->add_option("FILE", args->file, "the payload (a JSON array of events)")->required();
  app->add_flag("--json", args->json,
                R"(print {"accepted": N, "rejected": [{"position": I, "reason": "..."}]})");
  return Command{app, [args] { return run_validate(*args); }, /*reads_settings=*/false};
}

}  // namespace tributary::cli
