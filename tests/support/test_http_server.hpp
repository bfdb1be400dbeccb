#pragma once

// Scripted HTTP servers on 127.0.0.1 for the api client tests: the test decides exactly
// what each request gets (a status, a cut body, a stall, a reset connection).

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

namespace tributary::testkit {

/// What the server saw of one request.
struct SeenRequest {
  std::string target;  ///< path and query, e.g. /events?date=2024-01-05
  std::string date;    ///< the `date` parameter
  httplib::Headers headers;
  int remote_port = 0;  ///< the client's port: equal ports mean one kept-alive connection

  /// The value of header `name` (any case), empty when absent.
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// Content type that httplib leaves uncompressed, so the bytes on the wire are exactly the
/// test's (httplib compresses plain `application/json` when the client accepts it).
inline constexpr const char* kJsonType = "application/json; charset=utf-8";

/// An httplib::Server in a background thread. The handler answers every GET; it gets the
/// zero-based index of the request so that a test can script an answer per attempt.
class TestHttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, int index)>;

  /// Starts serving; set the handler here or later with set_handler().
  explicit TestHttpServer(Handler handler = {}) : handler_(std::move(handler)) {
    server_.set_keep_alive_timeout(2);
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        index = static_cast<int>(seen_.size());
        std::string target = req.path;
        if (!req.params.empty()) {
          char separator = '?';
          for (const auto& [key, value] : req.params) {
            target += separator + key + "=" + value;
            separator = '&';
          }
        }
        seen_.push_back({target, req.get_param_value("date"), req.headers, req.remote_port});
      }
      Handler handler;
      {
        std::lock_guard lock(mutex_);
        handler = handler_;
      }
      if (handler) handler(req, res, index);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("test server could not bind 127.0.0.1");
    thread_ = std::thread([this] {
      // Workers inherit this mask: a client that hangs up mid-body must not kill the test
      // process with SIGPIPE (cpp-httplib 0.11 may send without MSG_NOSIGNAL).
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      server_.listen_after_bind();
    });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~TestHttpServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_.stop();
    thread_.join();
  }

  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  /// Replaces the handler (steps may then capture the server, e.g. to pause()).
  void set_handler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }
  /// `http://127.0.0.1:PORT/events`.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  /// The bound port.
  int port() const { return port_; }
  /// Requests received so far.
  int requests() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(seen_.size());
  }
  /// Every request received so far, in order.
  std::vector<SeenRequest> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  /// Sleeps for `duration`, or less when the server is being stopped (for stall scripts).
  void pause(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stopping_; });
  }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<SeenRequest> seen_;
};

/// Answers request i with `steps[i]`, and every later request with the last step.
inline TestHttpServer::Handler sequence(std::vector<TestHttpServer::Handler> steps) {
  return [steps = std::move(steps)](const httplib::Request& req, httplib::Response& res, int i) {
    steps[std::min<std::size_t>(static_cast<std::size_t>(i), steps.size() - 1)](req, res, i);
  };
}

/// A step answering `status` with `body` as JSON, exactly these bytes.
inline TestHttpServer::Handler answer(int status, std::string body) {
  return [status, body = std::move(body)](const httplib::Request&, httplib::Response& res, int) {
    res.status = status;
    res.set_content(body, kJsonType);
  };
}

/// `body` as a gzip member (RFC 1952) made of stored deflate blocks: valid gzip without
/// linking zlib into the tests.
inline std::string gzip_stored(std::string_view body) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char byte : body) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  const auto le32 = [](std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min<std::size_t>(body.size() - offset, 65535);
    const bool last = offset + n == body.size();
    out += static_cast<char>(last ? 1 : 0);  // BFINAL, BTYPE=00 (stored)
    out += static_cast<char>(n & 0xFF);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(~n & 0xFF);
    out += static_cast<char>((~n >> 8) & 0xFF);
    out.append(body.substr(offset, n));
    offset += n;
  } while (offset < body.size());
  le32(out, crc);
  le32(out, static_cast<std::uint32_t>(body.size()));
  return out;
}

/// A TCP socket bound to a free port of 127.0.0.1 (listening with `backlog` unless it is
/// negative); sets `port`. Throws `what` when that fails.
inline int bind_loopback(int backlog, int& port, const char* what) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      (backlog >= 0 && ::listen(fd, backlog) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(what);
  }
  port = ntohs(address.sin_port);
  return fd;
}

/// A bare TCP server for what HTTP servers will not do on purpose: each accepted connection
/// is handed to `handler` (with its zero-based index), then closed.
class RawTcpServer {
 public:
  using Handler = std::function<void(int fd, int index)>;

  explicit RawTcpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = bind_loopback(16, port_, "raw test server could not listen on 127.0.0.1");
    thread_ = std::thread([this] {
      for (int index = 0;; ++index) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;  // shut down
        connections_.fetch_add(1);
        handler_(fd, index);
        ::close(fd);
      }
    });
  }

  ~RawTcpServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listen_fd_);
  }

  RawTcpServer(const RawTcpServer&) = delete;
  RawTcpServer& operator=(const RawTcpServer&) = delete;

  /// `http://127.0.0.1:PORT/events`.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  /// Connections accepted so far.
  int connections() const { return connections_.load(); }

  /// Reads one request head (up to the blank line).
  static std::string read_request(int fd) {
    std::string head;
    char c = 0;
    while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
    return head;
  }
  /// Writes all of `bytes`.
  static void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  /// Makes the close that follows a TCP reset (RST) instead of an orderly FIN.
  static void reset_on_close(int fd) {
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }

 private:
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

/// A loopback port that is bound but never listens: connecting to it is refused, and no
/// other test can take it while this object lives.
class RefusingPort {
 public:
  RefusingPort() { fd_ = bind_loopback(-1, port_, "could not reserve a port on 127.0.0.1"); }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  /// `http://127.0.0.1:PORT/events`.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace tributary::testkit
