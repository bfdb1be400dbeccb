#include "api/transfer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/text.hpp"
namespace tributary::internal {

namespace {
constexpr std::size_t kDetailLimit = 300;  // characters of server text in messages
}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kDetailLimit)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kDetailLimit) out += "...";
  return out;
}

void Transfer::take(std::string_view bytes) {
  if (status != 200 && mode == Mode::Undecided) mode = Mode::Buffered;
  switch (mode) {
    case Mode::Streaming:
      consumer->consume(bytes);
      return;
    case Mode::Buffered:
      keep(bytes);
      return;
    case Mode::Undecided:
      buffer.append(bytes);
      decide();
      return;
  }
}

void Transfer::keep(std::string_view bytes) {
  buffer.append(bytes.substr(0, kBufferedBodyLimit - std::min(kBufferedBodyLimit, buffer.size())));
}

// Looks at the first byte after an optional UTF-8 BOM and whitespace: `[` streams.
void Transfer::decide() {
  std::string_view seen = buffer;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (seen.size() < kBom.size() && kBom.substr(0, seen.size()) == seen) return;  // partial BOM
  if (seen.substr(0, kBom.size()) == kBom) seen.remove_prefix(kBom.size());
  const auto first = seen.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    // Only whitespace so far, which any amount of is allowed before the array (the parser
    // and `validate` accept it): keep the BOM, if any, and one space standing for the rest,
    // so a BOM arriving later is still seen as out of place.
    if (buffer.size() > 4096) buffer.resize(buffer.size() - seen.size() + 1);
    return;
  }
  if (seen[first] == '[') {
    mode = Mode::Streaming;
    std::string leading = std::exchange(buffer, {});
    consumer->begin_attempt();
    consumer->consume(leading);
  } else {
    mode = Mode::Buffered;
    if (buffer.size() > kBufferedBodyLimit) buffer.resize(kBufferedBodyLimit);
  }
}

void Transfer::take_header(std::string_view line) {
  line = trim(line);
  if (starts_with_ci(line, "HTTP/")) {  // a new answer starts (1xx, or the final one)
    const auto space = line.find(' ');
    status = space == std::string_view::npos
                 ? 0
                 : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    etag.reset();
    retry_after.reset();
    location.reset();
    headers_complete = false;
    return;
  }
  if (line.empty()) {
    headers_complete = true;
    return;
  }
  if (headers_complete) return;  // a trailer
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const auto name = line.substr(0, colon);
  const std::string value(trim(line.substr(colon + 1)));
  if (name.size() == 4 && starts_with_ci(name, "etag")) etag = value;
  if (name.size() == 11 && starts_with_ci(name, "retry-after")) retry_after = value;
  if (name.size() == 8 && starts_with_ci(name, "location")) location = value;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  transfer.body_bytes += length;
  if (transfer.body_bytes > transfer.max_body_bytes) {
    transfer.too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  try {
    transfer.take(std::string_view(data, length));
  } catch (...) {
    transfer.consumer_error = std::current_exception();
    return 0;
  }
  return length;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->stop.stop_requested() ? 1 : 0;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  try {
    static_cast<Transfer*>(user)->take_header(std::string_view(data, size * count));
  } catch (...) {  // out of memory: nothing may cross libcurl's C frames
    return 0;
  }
  return size * count;
}

std::string detail_of(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("detail")) return {};
  const auto& detail = json["detail"];
  return detail.is_string() ? detail.get<std::string>() : detail.dump();
}

bool is_transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    // API_URL is checked to be http(s) before any request, so this only comes from a garbled
    // answer ("Received HTTP/0.9 when not allowed": bytes left over from the previous one).
    case CURLE_UNSUPPORTED_PROTOCOL:
      return true;
    default:
      return false;
  }
}

bool could_not_reach(CURLcode code, bool connected) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    // The TLS handshake failed or the server's certificate was refused: no request was sent.
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    case CURLE_OPERATION_TIMEDOUT:
      return !connected;
    default:
      return false;
  }
}

}  // namespace tributary::internal
