#include "tributary/models/payload_parser.hpp"
#include "tributary/models/event_parser.hpp"

#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "models_test_events.hpp"

namespace tributary::models {
namespace {

using Kind = PayloadError::Kind;
using test_events::kDesignEvent;
using test_events::with;

struct AcceptedEvent {
  std::size_t position = 0;
  UserEvent event;
  friend bool operator==(const AcceptedEvent&, const AcceptedEvent&) = default;
};
using Element = std::variant<AcceptedEvent, Rejection>;

class RecordingSink : public EventSink {
 public:
  void on_event(UserEvent&& event, std::size_t position) override {
    elements.emplace_back(AcceptedEvent{position, std::move(event)});
  }
  void on_rejection(Rejection&& rejection) override { elements.emplace_back(std::move(rejection)); }

  std::vector<Element> elements;
};

struct Parsed {
  std::vector<Element> elements;
  PayloadSummary summary;
};

/// Feeds `body` in chunks of the sizes `next_size` returns (0 is allowed).
template <typename NextSize>
Parsed parse_in_chunks(std::string_view body, NextSize next_size, PayloadLimits limits = {}) {
  RecordingSink sink;
  PayloadParser parser(sink, limits);
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t size = next_size();
    parser.feed(body.substr(at, size));
    at += size;
  }
  Parsed parsed;
  parsed.summary = parser.finish();
  parsed.elements = std::move(sink.elements);
  return parsed;
}

Parsed parse_whole(std::string_view body, PayloadLimits limits = {}) {
  RecordingSink sink;
  Parsed parsed;
  parsed.summary = parse_payload(body, sink, limits);
  parsed.elements = std::move(sink.elements);
  return parsed;
}

/// The PayloadError parse_payload throws for `body`, if any.
std::optional<PayloadError> payload_error(std::string_view body, PayloadLimits limits = {}) {
  RecordingSink sink;
  try {
    parse_payload(body, sink, limits);
  } catch (const PayloadError& error) {
    return error;
  }
  return std::nullopt;
}

const Rejection& rejection_at(const Parsed& parsed, std::size_t index) {
  return std::get<Rejection>(parsed.elements.at(index));
}

/// A day with accepted and rejected events, strings full of structural characters,
/// escapes, non-ASCII text and whitespace between and inside elements.
std::string mixed_payload() {
  std::string body = " \n[";
  body += kDesignEvent;
  body += ",\r\n";
  body += with("/data/path", "/a]b,{c}[\"\\\"}\t\xC3\xA9\xF0\x9F\x98\x80");
  body += " , ";
  body += with("/device_id", std::string(37, 'x'));
  body += ",5,\"]\" ,[1,[2]],{\"odd\":\"\\\\\"}, ";
  body += with("/country", "NULL");
  body += "\n]\n ";
  return body;
}

// Every test runs with each per-event reader (Readers/PayloadParserTest.Name/fast, ...).
class PayloadParserTest : public test_events::EachReader {};
class PayloadParserHostile : public test_events::EachReader {};

TEST_P(PayloadParserTest, ParsesMixedPayloadInOrderWithPositions) {
  const Parsed parsed = parse_whole(mixed_payload());
  ASSERT_EQ(parsed.elements.size(), 8U);
  EXPECT_EQ(std::get<AcceptedEvent>(parsed.elements[0]).position, 0U);
  EXPECT_EQ(std::get<AcceptedEvent>(parsed.elements[1]).event.data.path,
            "/a]b,{c}[\"\\\"}\t\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(rejection_at(parsed, 2).reason, "device_id: longer than 36 characters");
  EXPECT_EQ(rejection_at(parsed, 3), (Rejection{3, "event: not an object", "5"}));
  EXPECT_EQ(rejection_at(parsed, 4), (Rejection{4, "event: not an object", "\"]\""}));
  EXPECT_EQ(rejection_at(parsed, 5), (Rejection{5, "event: not an object", "[1,[2]]"}));
  EXPECT_EQ(rejection_at(parsed, 6), (Rejection{6, "date: missing", R"({"odd":"\\"})"}));
  const auto& last = std::get<AcceptedEvent>(parsed.elements[7]);
  EXPECT_EQ(last.position, 7U);
  EXPECT_EQ(last.event.country, std::nullopt);
  EXPECT_EQ(parsed.summary.elements, 8U);
  EXPECT_EQ(parsed.summary.accepted, 3U);
  EXPECT_EQ(parsed.summary.rejected, 5U);
  EXPECT_EQ(parsed.summary.bytes, mixed_payload().size());
}

TEST_P(PayloadParserTest, GivesIdenticalResultsFedWholeBytewiseOrInRandomChunks) {
  const std::string body = "\xEF\xBB\xBF" + mixed_payload();
  const Parsed whole = parse_whole(body);
  ASSERT_EQ(whole.elements.size(), 8U);

  const Parsed bytewise = parse_in_chunks(body, [] { return std::size_t{1}; });
  EXPECT_EQ(bytewise.elements, whole.elements);
  EXPECT_EQ(bytewise.summary.bytes, whole.summary.bytes);
  EXPECT_EQ(bytewise.summary.accepted, whole.summary.accepted);

  for (unsigned seed = 1; seed <= 25; ++seed) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<std::size_t> size(0, std::size_t{64} * seed);
    const Parsed chunked = parse_in_chunks(body, [&] { return size(random); });
    EXPECT_EQ(chunked.elements, whole.elements) << "seed " << seed;
    EXPECT_EQ(chunked.summary.rejected, whole.summary.rejected);
  }
}

TEST_P(PayloadParserTest, KeepsRawJsonOfRejectionsByteForByte) {
  const Parsed parsed = parse_whole("[ {\"x\" : 1 } ,\n 5 , \"s\\\"\" ,[1, 2]\t]");
  ASSERT_EQ(parsed.elements.size(), 4U);
  EXPECT_EQ(rejection_at(parsed, 0), (Rejection{0, "date: missing", "{\"x\" : 1 }"}));
  EXPECT_EQ(rejection_at(parsed, 1), (Rejection{1, "event: not an object", "5"}));
  EXPECT_EQ(rejection_at(parsed, 2), (Rejection{2, "event: not an object", "\"s\\\"\""}));
  EXPECT_EQ(rejection_at(parsed, 3), (Rejection{3, "event: not an object", "[1, 2]"}));
}

TEST_P(PayloadParserTest, RejectsOnlyTheEventHoldingALoneSurrogateEscape) {
  std::string element = test_events::design_json().dump();
  element.replace(element.find(R"("city":"Madrid")"), 15, R"("city":"\ud800")");
  std::string body = "[";
  for (int i = 0; i < 10; ++i) {
    if (i > 0) body += ",\n";
    body += i == 6 ? element : with("/event_time", 1000 + i);
  }
  body += "]";
  const Parsed whole = parse_whole(body);
  EXPECT_EQ(whole.summary.accepted, 9U);
  EXPECT_EQ(whole.summary.rejected, 1U);
  EXPECT_EQ(rejection_at(whole, 6), (Rejection{6, "city: invalid Unicode escape", element}));
  const Parsed bytewise = parse_in_chunks(body, [] { return std::size_t{1}; });
  EXPECT_EQ(bytewise.elements, whole.elements);

  // Text that is not JSON after such an escape still makes the body invalid.
  std::string broken = body;
  broken.replace(broken.find(R"("city":"\ud800")"), 15, R"("city":"\ud800",})");
  EXPECT_EQ(payload_error(broken).value_or(PayloadError(Kind::Truncated, 0, "none")).kind(),
            Kind::InvalidJson);
}

TEST_P(PayloadParserTest, EmptyArrayHasNoElements) {
  for (const char* body : {"[]", " [ \n ] ", "\xEF\xBB\xBF[]"}) {
    const Parsed parsed = parse_whole(body);
    EXPECT_TRUE(parsed.elements.empty());
    EXPECT_EQ(parsed.summary.elements, 0U);
    EXPECT_EQ(parsed.summary.bytes, std::string_view(body).size());
  }
}

TEST_P(PayloadParserTest, AcceptsLeadingByteOrderMarkSplitAcrossFeeds) {
  const std::string body = "\xEF\xBB\xBF[" + std::string(kDesignEvent) + "]";
  const Parsed parsed = parse_in_chunks(body, [] { return std::size_t{1}; });
  ASSERT_EQ(parsed.elements.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<AcceptedEvent>(parsed.elements[0]));
}

TEST_P(PayloadParserTest, RejectsBodyThatIsNotAnArray) {
  for (const char* body : {"{}", "\"x\"", "null", "5", "{\"detail\":\"No event found for date\"}",
                           "\xEF\xBB\xBF{}", "\xEF\xBB[]", "]"}) {
    const auto error = payload_error(body);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->kind(), Kind::NotAnArray) << body;
  }
  EXPECT_EQ(payload_error("  {}")->offset(), 2U);
}

TEST_P(PayloadParserTest, RejectsEmptyOrWhitespaceBodyAsNotAnArray) {
  for (const char* body : {"", "   ", "\n\t\r ", "\xEF\xBB\xBF"}) {
    const auto error = payload_error(body);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind(), Kind::NotAnArray);
    EXPECT_NE(std::string(error->what()).find("empty body"), std::string::npos);
  }
}

TEST_P(PayloadParserTest, ReportsTruncatedForEveryCutOfTheBody) {
  const std::string body = mixed_payload();
  const std::size_t close = body.rfind(']');
  for (std::size_t length = 3; length <= close; ++length) {  // past " \n" and before ']'
    const auto error = payload_error(std::string_view(body).substr(0, length));
    ASSERT_TRUE(error) << length;
    EXPECT_EQ(error->kind(), Kind::Truncated) << length;
    EXPECT_EQ(error->offset(), length);
  }
}

TEST_P(PayloadParserTest, ReportsTruncatedForUnclosedDeepNesting) {
  EXPECT_EQ(payload_error("[" + std::string(10000, '['))->kind(), Kind::Truncated);
  EXPECT_EQ(payload_error("[{\"a\":\"unterminated")->kind(), Kind::Truncated);
  EXPECT_EQ(payload_error("[{\"a\":\"\\")->kind(), Kind::Truncated);
}

TEST_P(PayloadParserTest, RejectsGarbageAfterClosingBracket) {
  for (const char* body : {"[] x", "[]]", "[],[]", "[1] {}"}) {
    const auto error = payload_error(body);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->kind(), Kind::InvalidJson) << body;
  }
  EXPECT_EQ(payload_error("[] x")->offset(), 3U);
  EXPECT_TRUE(parse_whole("[]  \n\t ").elements.empty());
}

TEST_P(PayloadParserTest, ReportsStructuralErrorsWithTheirOffset) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"[1,,2]", 3}, {"[1 2]", 3},        {"[1,]", 3},         {"[,1]", 1},       {"[{}{}]", 3},
      {"[}]", 1},    {"[{\"a\":1}}]", 8}, {"[\"a\"\"b\"]", 4}, {"[{} ,\n,{}]", 6}};
  for (const auto& [body, offset] : cases) {
    const auto error = payload_error(body);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->kind(), Kind::InvalidJson) << body;
    EXPECT_EQ(error->offset(), offset) << body;
  }
}

TEST_P(PayloadParserTest, RejectsElementThatIsNotJsonAsInvalidJson) {
  for (const char* body : {"[{\"a\":tru}]", "[{\"a\":1,}]", "[{\"a\" 1}]", "[{\"a\":[1}]", "[nul]",
                           "[1x]", "[{\"a\":\"\x01\"}]"}) {
    const auto error = payload_error(body);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->kind(), Kind::InvalidJson) << body;
  }
  const auto nul_byte = payload_error(std::string_view("[{}\0]", 5));
  ASSERT_TRUE(nul_byte);
  EXPECT_EQ(nul_byte->kind(), Kind::InvalidJson);
  const auto error = payload_error("[{}, {\"a\":tru}]");
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("element 1"), std::string::npos) << error->what();
  EXPECT_GE(error->offset(), 5U);
  EXPECT_LE(error->offset(), 14U);
}

TEST_P(PayloadParserTest, RejectsInvalidUtf8InsideAnElementAsInvalidJson) {
  const auto error = payload_error("[" + with("/city", "x") + ",{\"city\":\"\xC3\x28\"}]");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), Kind::InvalidJson);
  EXPECT_NE(std::string(error->what()).find("element 1"), std::string::npos) << error->what();
}

TEST_P(PayloadParserTest, RejectsOversizedElementAndContinues) {
  PayloadLimits limits;
  limits.max_event_bytes = 2000;
  const std::string big = R"({"big":")" + std::string(100000, 'x') + R"("})";
  const std::string medium = R"({"big":")" + std::string(3000, 'y') + R"("})";
  const std::string body = "[" + std::string(kDesignEvent) + "," + big + "," + medium + "," +
                           std::string(kDesignEvent) + "]";

  const Parsed whole = parse_whole(body, limits);
  ASSERT_EQ(whole.elements.size(), 4U);
  EXPECT_TRUE(std::holds_alternative<AcceptedEvent>(whole.elements[0]));
  EXPECT_EQ(rejection_at(whole, 1),
            (Rejection{1, "event: larger than 2000 bytes", big.substr(0, 64U << 10)}));
  EXPECT_EQ(rejection_at(whole, 2), (Rejection{2, "event: larger than 2000 bytes", medium}));
  EXPECT_EQ(std::get<AcceptedEvent>(whole.elements[3]).position, 3U);
  EXPECT_EQ(whole.summary.rejected, 2U);

  EXPECT_EQ(parse_in_chunks(
                body, [] { return std::size_t{1}; }, limits)
                .elements,
            whole.elements);
  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> size(1, 5000);
  EXPECT_EQ(parse_in_chunks(
                body, [&] { return size(random); }, limits)
                .elements,
            whole.elements);
}

TEST_P(PayloadParserTest, RejectsDeepNestingWithoutCrashing) {
  const std::string deep_array = std::string(10000, '[') + std::string(10000, ']');
  const std::string deep_member = "{\"a\":" + deep_array + "}";
  const Parsed parsed =
      parse_whole("[" + deep_array + "," + deep_member + "," + std::string(kDesignEvent) + "]");
  ASSERT_EQ(parsed.elements.size(), 3U);
  EXPECT_EQ(rejection_at(parsed, 0).reason, "event: not an object");
  EXPECT_EQ(rejection_at(parsed, 1).reason, "event: nested deeper than 64 levels");
  EXPECT_TRUE(std::holds_alternative<AcceptedEvent>(parsed.elements[2]));
}

TEST_P(PayloadParserTest, AppliesConfiguredDepthLimit) {
  PayloadLimits limits;
  limits.max_depth = 3;  // the design event reaches 4: event > data > group_ids > company
  const Parsed parsed = parse_whole("[" + std::string(kDesignEvent) + "]", limits);
  ASSERT_EQ(parsed.elements.size(), 1U);
  EXPECT_EQ(rejection_at(parsed, 0).reason, "event: nested deeper than 3 levels");
}

/// What a parse came to: the elements seen, then the error that stopped it, if any.
struct Outcome {
  std::vector<Element> elements;
  std::optional<Kind> error;
  std::uint64_t offset = 0;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

template <typename NextSize>
Outcome outcome_in_chunks(std::string_view body, NextSize next_size) {
  RecordingSink sink;
  PayloadParser parser(sink);
  Outcome outcome;
  try {
    for (std::size_t at = 0; at < body.size();) {
      const std::size_t size = next_size();
      parser.feed(body.substr(at, size));
      at += size;
    }
    parser.finish();
  } catch (const PayloadError& error) {
    outcome.error = error.kind();
    outcome.offset = error.offset();
  }
  outcome.elements = std::move(sink.elements);
  return outcome;
}

TEST_P(PayloadParserTest, CorruptedPayloadsGiveTheSameOutcomeInAnyChunking) {
  const std::string original = mixed_payload();
  const char replacements[] = {'[', ']', '{', '}', ',', '"', '\\', ' ', 'x', '\xC3', '\0'};
  std::mt19937 random(2024);
  for (int round = 0; round < 300; ++round) {
    std::string body = original;
    const int edits = 1 + round % 3;
    for (int i = 0; i < edits; ++i) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, body.size() - 1)(random);
      const char c = replacements[random() % sizeof replacements];
      if (random() % 2 == 0) {
        body[at] = c;
      } else {
        body.erase(at, 1);
      }
    }
    const Outcome whole = outcome_in_chunks(body, [&] { return body.size(); });
    const Outcome bytewise = outcome_in_chunks(body, [] { return std::size_t{1}; });
    std::uniform_int_distribution<std::size_t> size(0, 300);
    const Outcome chunked = outcome_in_chunks(body, [&] { return size(random); });
    EXPECT_EQ(bytewise, whole) << body;
    EXPECT_EQ(chunked, whole) << body;
  }
}

TEST_P(PayloadParserTest, PayloadErrorIsATributaryError) {
  RecordingSink sink;
  EXPECT_THROW(parse_payload("{}", sink), tributary::Error);
}

TEST_P(PayloadParserTest, RefusesToContinueAfterAnError) {
  RecordingSink sink;
  PayloadParser parser(sink);
  EXPECT_THROW(parser.feed("[1,,"), PayloadError);
  EXPECT_THROW(parser.feed("2]"), tributary::Error);
  EXPECT_THROW(parser.finish(), tributary::Error);
}

}  // namespace
}  // namespace tributary::models

namespace tributary::models {
namespace {

// What the fuzzer found: bytes nlohmann stops before must still make the body invalid,
// because a rejection's raw text has to be storable.
class NullSink final : public EventSink {
 public:
  void on_event(UserEvent&&, std::size_t) override { ++events; }
  void on_rejection(Rejection&& r) override { raws.push_back(r.raw_json); }
  int events = 0;
  std::vector<std::string> raws;
};

PayloadError::Kind kind_of(std::string_view body) {
  NullSink sink;
  try {
    parse_payload(body, sink);
  } catch (const PayloadError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no PayloadError for a body that is not JSON";
  return PayloadError::Kind::NotAnArray;
}

TEST_P(PayloadParserHostile, RawNulByteAfterAValueIsInvalidJson) {
  EXPECT_EQ(kind_of(std::string("[1\0junk]", 8)), PayloadError::Kind::InvalidJson);
  EXPECT_EQ(kind_of(std::string("[{\"a\":1}\0junk]", 14)), PayloadError::Kind::InvalidJson);
}

TEST_P(PayloadParserHostile, InvalidUtf8AfterAnOverflowingNumberIsInvalidJson) {
  EXPECT_EQ(kind_of("[{\"a\":1e999 \xff\xfe}]"), PayloadError::Kind::InvalidJson);
}

TEST_P(PayloadParserHostile, TextThatIsNotJsonAfterAnOverflowingNumberIsInvalidJson) {
  EXPECT_EQ(kind_of("[{\"a\":1e999 junk}]"), PayloadError::Kind::InvalidJson);
  EXPECT_EQ(kind_of("[{\"a\":1e999, \"b\": -1e999, \"c\": }]"), PayloadError::Kind::InvalidJson);
}

TEST_P(PayloadParserHostile, OversizedElementKeepsAStorablePrefix) {
  PayloadLimits limits;
  limits.max_event_bytes = 1024;
  std::string big = "[{\"k\":\"";
  while (big.size() < 70'000) big += "\xC3\xA9";  // é, two bytes: the 64 KiB cut splits one
  big += "\"}]";
  NullSink sink;
  parse_payload(big, sink, limits);
  ASSERT_EQ(sink.raws.size(), 1u);
  const auto& raw = sink.raws.front();
  ASSERT_FALSE(raw.empty());
  EXPECT_NE(static_cast<unsigned char>(raw.back()), 0xC3) << "cut inside a UTF-8 sequence";
}

}  // namespace
}  // namespace tributary::models

namespace tributary::models {
namespace {

TEST_P(PayloadParserHostile, ByteOrderMarkBeforeAnElementIsInvalidJson) {
  NullSink sink;
  EXPECT_THROW(parse_payload("[\xEF\xBB\xBF{\"a\":1}]", sink), PayloadError);
}

TEST_P(PayloadParserHostile, ParseEventRefusesARawNulByte) {
  const auto outcome = parse_event(std::string("{\"a\":1}\0junk", 12), 3);
  ASSERT_TRUE(std::holds_alternative<Rejection>(outcome));
  EXPECT_EQ(std::get<Rejection>(outcome).reason.rfind("event: not valid JSON", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Readers, PayloadParserTest, test_events::kEachReader,
                         test_events::ReaderName());
INSTANTIATE_TEST_SUITE_P(Readers, PayloadParserHostile, test_events::kEachReader,
                         test_events::ReaderName());

}  // namespace
}  // namespace tributary::models
