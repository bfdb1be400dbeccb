#include "support/postgres_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

#include "support/process.hpp"

namespace tributary::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

std::string random_word(std::size_t length) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::mt19937_64 rng(device());
  std::string word;
  for (std::size_t i = 0; i < length; ++i) word += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return word;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

PostgresCluster::PostgresCluster() : as_root_(::geteuid() == 0) {
  root_ = std::filesystem::temp_directory_path() /
          ("tributary-pg-" + std::to_string(::getpid()) + "-" + random_word(6));
  std::filesystem::create_directories(root_);
  if (as_root_) run_shell("chown postgres:postgres " + shell_quote(root_.string()));
  password_ = random_word(24);
  const auto pwfile = root_ / "pw";
  as_postgres("umask 077; echo " + shell_quote(password_) + " > " + shell_quote(pwfile.string()));
  as_postgres(std::string(kBin) + "/initdb -D " + shell_quote((root_ / "data").string()) +
              " -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256"
              " --pwfile=" + shell_quote(pwfile.string()) + " >/dev/null");
  // Settings for fast throwaway clusters: durability does not matter here.
  std::ofstream conf(root_ / "data" / "postgresql.auto.conf", std::ios::app);
  conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
       << "max_connections = 200\nshared_buffers = 256MB\n";
  conf.close();
  start();
  psql("postgres", "create role tributary_test login createrole password '" + password_ + "'");
}

PostgresCluster::~PostgresCluster() {
  try {
    as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((root_ / "data").string()) +
                " -m immediate -w stop >/dev/null 2>&1 || true");
  } catch (...) {
  }
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void PostgresCluster::start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = port_ != 0 && attempt == 0 ? port_ : free_port();
    try {
      as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((root_ / "data").string()) +
                  " -l " + shell_quote((root_ / "log").string()) + " -w -t 60 -o " +
                  shell_quote("-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                              " -c unix_socket_directories=" + root_.string()) +
                  " start >/dev/null");
      return;
    } catch (const std::exception&) {
      if (attempt == 4) throw;
    }
  }
}

void PostgresCluster::stop() {
  as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((root_ / "data").string()) +
              " -m fast -w stop >/dev/null");
}

std::string PostgresCluster::as_postgres(const std::string& command) const {
  if (as_root_) return run_shell("runuser -u postgres -- sh -c " + shell_quote(command));
  return run_shell(command);
}

std::string PostgresCluster::psql(const std::string& db, const std::string& sql) const {
  return as_postgres("psql -X -q -At -v ON_ERROR_STOP=1 -h " + shell_quote(root_.string()) +
                     " -p " + std::to_string(port_) + " -U postgres -d " + shell_quote(db) +
                     " -c " + shell_quote(sql));
}

std::string PostgresCluster::dump(const std::string& db) const {
  return as_postgres("pg_dump -h " + shell_quote(root_.string()) + " -p " +
                     std::to_string(port_) + " -U postgres " + shell_quote(db));
}

void PostgresCluster::restart() {
  as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((root_ / "data").string()) +
              " -m fast -w -t 60 restart >/dev/null");
}

DatabaseSettings PostgresCluster::create_database(const std::string& name) {
  psql("postgres", "drop database if exists \"" + name + "\" with (force)");
  psql("postgres", "create database \"" + name + "\" owner tributary_test");
  return settings_for(name);
}

DatabaseSettings PostgresCluster::settings_for(const std::string& name) const {
  DatabaseSettings s;
  s.host = "127.0.0.1";
  s.port = port_;
  s.name = name;
  s.user = "tributary_test";
  s.password = password_;
  return s;
}

}  // namespace tributary::testing
