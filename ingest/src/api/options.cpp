// The api client's settings: their check (ApiOptions::validate) and the URL as it may be
// shown (redact_url). Pure code, no libcurl.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "api/redact_url.hpp"
#include "common/text.hpp"
#include "tributary/api_client.hpp"

namespace tributary {
namespace {

using internal::redact_url;
using internal::starts_with_ci;

// Whether the query of `url` has a `date` parameter (`date=...`, or a bare `date`).
bool has_date_parameter(std::string_view url) {
  const auto question = url.find('?');
  if (question == std::string_view::npos) return false;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (true) {
    const auto amp = query.find('&');
    const auto name = query.substr(0, std::min(amp, query.find('=')));
    if (name.size() == 4 && starts_with_ci(name, "date")) return true;
    if (amp == std::string_view::npos) return false;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::vector<std::string> ApiOptions::validate() const {
  std::vector<std::string> errors;
  const auto has_control = [](std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  };
  if (url.empty()) {
    errors.emplace_back("API_URL is empty");
  } else if (!starts_with_ci(url, "http://") && !starts_with_ci(url, "https://")) {
    errors.push_back("API_URL must start with http:// or https:// (got " + redact_url(url) + ")");
  } else if (const auto host = redact_url(url).substr(url.find("://") + 3);
             host.empty() || host.front() == '/' || host.front() == '?') {
    errors.emplace_back("API_URL has no host");
  }
  if (has_control(url) || url.find(' ') != std::string::npos) {
    errors.emplace_back("API_URL contains a space or control character");
  }
  if (url.find('#') != std::string::npos) errors.emplace_back("API_URL must not contain '#'");
  if (has_date_parameter(url)) {
    errors.emplace_back(
        "API_URL must not carry a date parameter (tributary appends ?date=YYYY-MM-DD for each "
        "day itself; got " +
        redact_url(url) + ")");
  }
  if (has_control(token))
    errors.emplace_back("API_TOKEN contains a line break or control character");
  if (max_attempts < 1) errors.emplace_back("api.max_attempts must be at least 1");
  if (backoff_base.count() < 0) errors.emplace_back("api.backoff_base_ms must not be negative");
  if (backoff_cap.count() < 0) errors.emplace_back("api.backoff_cap_ms must not be negative");
  if (retry_after_cap.count() < 0)
    errors.emplace_back("api.retry_after_cap_ms must not be negative");
  if (connect_timeout.count() <= 0) errors.emplace_back("api.connect_timeout_ms must be positive");
  if (low_speed_limit < 1) {
    errors.emplace_back("api.min_bytes_per_second must be at least 1 byte/s");
  }
  if (low_speed_time.count() < 1) errors.emplace_back("api.stall_seconds must be at least 1");
  if (attempt_timeout.count() < 1) {
    errors.emplace_back("api.attempt_timeout_seconds must be at least 1");
  }
  if (max_body_bytes == 0) errors.emplace_back("api.max_body_bytes must be at least 1");
  return errors;
}

std::string internal::redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  std::string_view authority = url.substr(start, authority_end - start);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view rest = url.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  const auto question = rest.find('?');
  std::string out = std::string(url.substr(0, start)) + std::string(authority) +
                    std::string(rest.substr(0, question));
  if (question == std::string_view::npos) return out;
  // Keep only `date` parameters: any other one may carry a secret.
  std::string_view query = rest.substr(question + 1);
  char separator = '?';
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto param = query.substr(0, amp);
    if (param == "date" || param.substr(0, 5) == "date=") {
      out += separator;
      out += param;
      separator = '&';
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace tributary
