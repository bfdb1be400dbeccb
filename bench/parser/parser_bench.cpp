// The parser micro-benchmark (bench/parser_bench.sh runs it over demo days): each payload
// through PayloadParser with each per-event reader, CPU time per event side by side, and
// the share of elements the fast reader takes itself (the rest it hands to the reference).
// Before timing, every element the fast reader takes is checked against the reference.
//
//   parser_bench [--repeat N] PAYLOAD.json...
//
// Times are this thread's CPU time (less sensitive than wall time to other work on the
// machine), the best of N runs; the body is fed in 16 KiB pieces, as libcurl delivers it.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "event_reader.hpp"
#include "event_reader_simd.hpp"
#include "tributary/models/payload_parser.hpp"

namespace {

namespace models = tributary::models;
namespace internal = tributary::models::internal;

constexpr std::size_t kFeedBytes = 16U << 10;
constexpr std::size_t kMaxDepth = models::PayloadLimits{}.max_depth;

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

class CountingSink final : public models::EventSink {
 public:
  void on_event(models::UserEvent&& event, std::size_t /*position*/) override {
    bytes += event.device_id.size();
  }
  void on_rejection(models::Rejection&& rejection) override { bytes += rejection.reason.size(); }
  std::size_t bytes = 0;  // keeps the work observable
};

/// The top-level elements of a JSON array of objects, as the byte splitter delimits them.
std::vector<std::string_view> split_elements(std::string_view body) {
  std::vector<std::string_view> out;
  std::size_t i = body.find('[') + 1;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ',' || body[i] == ' ' || body[i] == '\n')) ++i;
    if (i >= body.size() || body[i] == ']') break;
    const std::size_t start = i;
    int depth = 0;
    bool in_string = false;
    for (; i < body.size(); ++i) {
      const char c = body[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth <= 0) {
          ++i;
          break;
        }
      } else if (depth == 0 && c == ',') {
        break;
      }
    }
    out.push_back(body.substr(start, i - start));
  }
  return out;
}

double parse_day(std::string_view body, internal::JsonReader reader, int repeat) {
  internal::set_json_reader(reader);
  double best = 1e300;
  for (int run = 0; run < repeat; ++run) {
    CountingSink sink;
    const double start = cpu_seconds();
    models::PayloadParser parser(sink);
    for (std::size_t at = 0; at < body.size(); at += kFeedBytes) {
      parser.feed(body.substr(at, kFeedBytes));
    }
    parser.finish();
    best = std::min(best, cpu_seconds() - start);
  }
  return best;
}

template <typename Work>
double per_element(const std::vector<std::string_view>& elements, int repeat, Work work) {
  double best = 1e300;
  for (int run = 0; run < repeat; ++run) {
    const double start = cpu_seconds();
    for (const std::string_view text : elements) work(text);
    best = std::min(best, cpu_seconds() - start);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      files.emplace_back(argv[i]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: parser_bench [--repeat N] PAYLOAD.json...\n");
    return 2;
  }
  std::printf("simdjson %d.%d.%d, kernel %s (chosen at run time), best of %d runs\n",
              simdjson::SIMDJSON_VERSION_MAJOR, simdjson::SIMDJSON_VERSION_MINOR,
              simdjson::SIMDJSON_VERSION_REVISION,
              simdjson::get_active_implementation()->name().c_str(), repeat);
  std::printf("%-28s %7s %9s %11s %11s %8s %11s %10s\n", "payload", "events", "fast path",
              "reference", "fast+fallbk", "speed-up", "fast alone", "pad copy");
  int status = 0;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const std::vector<std::string_view> elements = split_elements(body);
    const auto count = static_cast<double>(elements.size());

    // Which elements the fast reader takes, and that it reads them as the reference does.
    std::size_t fast = 0;
    for (const std::string_view text : elements) {
      models::UserEvent by_fast;
      if (!internal::read_event_fast(text, kMaxDepth, by_fast)) continue;
      ++fast;
      models::UserEvent by_reference;
      const internal::ReadResult result = internal::read_event(text, kMaxDepth, by_reference);
      if (result.status != internal::ReadStatus::kAccepted || !(by_fast == by_reference)) {
        std::fprintf(stderr, "%s: the readers disagree on %.*s\n", file.c_str(),
                     static_cast<int>(text.size()), text.data());
        status = 1;
      }
    }

    const double reference = parse_day(body, internal::JsonReader::kReference, repeat);
    const double with_fast = parse_day(body, internal::JsonReader::kFast, repeat);
    const double alone = per_element(elements, repeat, [](std::string_view text) {
      models::UserEvent event;
      internal::read_event_fast(text, kMaxDepth, event);
    });
    std::unique_ptr<char[]> padded(new char[(16U << 20) + simdjson::SIMDJSON_PADDING]);
    const double copy = per_element(elements, repeat, [&](std::string_view text) {
      std::memcpy(padded.get(), text.data(), text.size());
      std::memset(padded.get() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
      asm volatile("" : : "r"(padded.get()) : "memory");
    });
    const std::string name = file.substr(file.find_last_of('/') + 1);
    std::printf("%-28s %7zu %8.2f%% %8.3f us %8.3f us %7.2fx %8.3f us %7.3f us\n", name.c_str(),
                elements.size(), 100.0 * static_cast<double>(fast) / count, reference / count * 1e6,
                with_fast / count * 1e6, reference / with_fast, alone / count * 1e6,
                copy / count * 1e6);
  }
  return status;
}
