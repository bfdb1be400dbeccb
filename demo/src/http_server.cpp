// The demo API's connection handling on top of cpp-httplib.

#include "http_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>

namespace tributary::internal::demo {

namespace {

/// The connection whose request the current worker thread is answering (-1: none).
thread_local socket_t current_socket = -1;

constexpr int kPollSliceMs = 50;  // how often a waiting worker checks for shutdown

/// Drops Accept-Encoding, so that cpp-httplib answers identity: its gzip (default level)
/// runs at about 20-40 MB/s, far slower than the generator, and would make the demo server
/// the bottleneck of every load.
void offer_identity(httplib::Request& req) { req.headers.erase("Accept-Encoding"); }

/// Drops brotli from Accept-Encoding, so that cpp-httplib answers with gzip or identity:
/// its brotli encoder runs at quality 11, about 0.25 MB/s, which stalls any real client.
void offer_no_brotli(httplib::Request& req) {
  const auto accepted = req.headers.find("Accept-Encoding");
  if (accepted == req.headers.end() || accepted->second.find("br") == std::string::npos) return;
  std::string kept;
  std::string_view rest = accepted->second;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view coding = rest.substr(0, comma);
    if (coding.find("br") == std::string_view::npos) {
      if (!kept.empty()) kept += ',';
      kept += coding;
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  accepted->second = kept;
}

}  // namespace

void DemoHttpServer::close_connections() {
  const std::lock_guard lock(mutex_);
  closing_ = true;
  // Sockets are closed under the same lock (below), so none of these can be a reused number.
  for (const socket_t sock : open_) ::shutdown(sock, SHUT_RDWR);
}

void DemoHttpServer::reset_current_connection() {
  const socket_t sock = current_socket;
  if (sock < 0) return;
  const linger abort_on_close{1, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  // Linux dissolves a connected TCP socket on connect(AF_UNSPEC) and sends RST right away,
  // while the descriptor stays valid for cpp-httplib, whose answer then fails to send.
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  if (::connect(sock, &unspecified, sizeof unspecified) != 0) ::shutdown(sock, SHUT_RDWR);
}

bool DemoHttpServer::wait_for_request(socket_t sock) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  pollfd waiting{sock, POLLIN, 0};
  while (svr_sock_ != INVALID_SOCKET) {
    const int ready = ::poll(&waiting, 1, kPollSliceMs);
    if (ready > 0) return true;  // a request, or the peer closed: process_request tells
    if (ready < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

bool DemoHttpServer::process_and_close_socket(socket_t sock) {
  {
    const std::lock_guard lock(mutex_);
    if (closing_) {
      ::close(sock);
      return false;
    }
    open_.insert(sock);
  }
  current_socket = sock;
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_; left > 0 && wait_for_request(sock); --left) {
    const bool close_connection = left == 1;
    bool connection_closed = false;
    ok = httplib::detail::process_client_socket(
        sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_,
        [&](httplib::Stream& stream) {
          return process_request(stream, close_connection, connection_closed,
                                 compress_ ? offer_no_brotli : offer_identity);
        });
    if (!ok || connection_closed) break;
  }
  current_socket = -1;
  const std::lock_guard lock(mutex_);
  open_.erase(sock);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace tributary::internal::demo
