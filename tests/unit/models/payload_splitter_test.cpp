// PayloadParser's byte splitter over long elements: it skips whole 64-byte blocks inside
// an element, so every element boundary, string, escape and bracket is tried at every
// offset within a block and across feeds, against parse_event() on each element alone.
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "models_test_events.hpp"
#include "tributary/models/event_parser.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::models {
namespace {

using test_events::with;
using test_events::with_raw;

class Outcomes final : public EventSink {
 public:
  void on_event(UserEvent&& event, std::size_t position) override {
    got.emplace_back(std::move(event));
    positions.push_back(position);
  }
  void on_rejection(Rejection&& rejection) override {
    positions.push_back(rejection.position);
    got.emplace_back(std::move(rejection));
  }
  std::vector<EventOutcome> got;
  std::vector<std::size_t> positions;
};

/// Elements of every length over a few blocks, with brackets, quotes and escapes inside
/// strings, nesting that closes late, and a few that are rejected or not objects.
std::vector<std::string> elements() {
  std::vector<std::string> out;
  for (std::size_t pad = 0; pad < 140; ++pad) {
    const std::string filler(pad, pad % 3 == 0 ? ']' : '}');
    std::string text = with("/data/path", "/p" + filler + "\"{[");
    if (pad % 4 == 1) text = with_raw("\"x\":[[[[\"" + filler + "\"]],{\"y\":[]}]],", "data");
    if (pad % 4 == 2) text = with("/city", std::string(pad, '\\') + "]]");
    if (pad % 7 == 3) text = with("/device_id", filler);  // longer than 36: rejected
    if (pad % 11 == 5) text = "[" + std::string(pad, ' ') + "[\"]\"]]";
    out.push_back(std::move(text));
  }
  return out;
}

class PayloadSplitter : public test_events::EachReader {};

TEST_P(PayloadSplitter, FindsEveryElementAtEveryOffsetInAnyChunking) {
  const std::vector<std::string> texts = elements();
  std::string body = "[";
  for (std::size_t i = 0; i < texts.size(); ++i) body += (i == 0 ? "" : " ,\n") + texts[i];
  body += "]";
  std::mt19937 rng(7);
  for (const std::size_t max_chunk :
       {body.size(), std::size_t{1}, std::size_t{63}, std::size_t{65}, std::size_t{1000}}) {
    Outcomes sink;
    PayloadParser parser(sink);
    for (std::size_t at = 0; at < body.size();) {
      const std::size_t size = std::min(body.size() - at, 1 + rng() % max_chunk);
      parser.feed(std::string_view(body).substr(at, size));
      at += size;
    }
    const PayloadSummary summary = parser.finish();
    ASSERT_EQ(summary.elements, texts.size()) << "chunks of up to " << max_chunk;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ(sink.positions[i], i);
      EXPECT_EQ(sink.got[i], parse_event(texts[i], i)) << "element " << i << ": " << texts[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Readers, PayloadSplitter, test_events::kEachReader,
                         test_events::ReaderName());

}  // namespace
}  // namespace tributary::models
