#pragma once

// The demo API's HTTP server: cpp-httplib's Server with its connection loop taken over, so
// that a handler can reset the connection it is answering (the `reset` fault), stop() can
// wake every worker blocked on a socket at once, and brotli is never chosen (gzip is).

#include <mutex>
#include <unordered_set>

#include <httplib.h>

namespace tributary::internal::demo {

/// cpp-httplib's Server with resettable, tracked connections (Linux).
class DemoHttpServer final : public httplib::Server {
 public:
  /// `compress`: answer gzip when the client accepts it; otherwise always identity.
  explicit DemoHttpServer(bool compress) : compress_(compress) {}

  /// Shuts down every open connection and refuses new ones; call after Server::stop() so
  /// that workers blocked in send, recv or a keep-alive wait return at once.
  void close_connections();

  /// Aborts the connection whose request this thread is handling: the client gets a TCP
  /// reset and no answer at all. Only valid inside a request handler.
  static void reset_current_connection();

 private:
  // cpp-httplib 0.11's keep-alive loop, rebuilt on its public pieces (the base version is
  // private): it records the socket for the handler and registers the connection.
  bool process_and_close_socket(socket_t sock) override;
  /// Waits for the next request on a kept-alive connection; false on timeout or shutdown.
  bool wait_for_request(socket_t sock) const;

  std::mutex mutex_;  // guards open_ and closing_: workers add and remove, stop() walks them
  std::unordered_set<socket_t> open_;
  bool closing_ = false;
  const bool compress_;
};

}  // namespace tributary::internal::demo
