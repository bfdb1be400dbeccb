#include "support/postgres_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include "support/process.hpp"

namespace tributary::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kLib = "/usr/lib/postgresql/15/lib";

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

bool citus_mode_requested() {
  const char* value = std::getenv("TRIBUTARY_TEST_CITUS");
  return value != nullptr && std::string(value) == "1";
}

bool citus_installed() {
  return std::filesystem::exists(std::filesystem::path(kLib) / "citus.so") &&
         std::filesystem::exists("/usr/share/postgresql/15/extension/citus.control");
}

PostgresCluster::PostgresCluster(bool citus) : as_root_(::geteuid() == 0) {
  root_ = std::filesystem::temp_directory_path() /
          ("tributary-pg-" + std::to_string(::getpid()) + "-" + random_word(6));
  std::filesystem::create_directories(root_);
  if (as_root_) run_shell("chown postgres:postgres " + shell_quote(root_.string()));
  if (citus) {
    // Only the servers (postgres) and root may reach the nodes' sockets, where they trust.
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all);
    for (const char* name : {"coordinator", "worker1", "worker2"}) {
      nodes_.push_back(Node{root_ / name, 0});
      as_postgres("mkdir -m 0700 " + shell_quote(nodes_.back().dir.string()));
    }
  } else {
    nodes_.push_back(Node{root_, 0});
  }
  password_ = random_word(24);
  const auto pwfile = root_ / "pw";
  as_postgres("umask 077; echo " + shell_quote(password_) + " > " + shell_quote(pwfile.string()));
  for (auto& node : nodes_) {
    as_postgres(std::string(kBin) + "/initdb -D " + shell_quote((node.dir / "data").string()) +
                " -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256"
                " --pwfile=" +
                shell_quote(pwfile.string()) + " >/dev/null");
    // Settings for fast throwaway clusters: durability does not matter here.
    std::ofstream conf(node.dir / "data" / "postgresql.auto.conf", std::ios::app);
    conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
         << "max_connections = 200\nshared_buffers = 256MB\n";
    if (citus) {
      conf << "shared_preload_libraries = 'citus'\nmax_prepared_transactions = 200\n"
           << "unix_socket_permissions = 0700\n";
    }
  }
  start();
  for (const auto& node : nodes_) {
    psql_on(node, "postgres",
            {"create role tributary_test login createrole password '" + password_ + "'"});
  }
}

PostgresCluster::~PostgresCluster() {
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    try {
      as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((it->dir / "data").string()) +
                  " -m immediate -w stop >/dev/null 2>&1 || true");
    } catch (...) {
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void PostgresCluster::start_node(Node& node) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    // A Citus worker is registered by its port: it comes back on the same one.
    node.port = node.port != 0 && (attempt == 0 || citus()) ? node.port : free_port();
    try {
      as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((node.dir / "data").string()) +
                  " -l " + shell_quote((node.dir / "log").string()) + " -w -t 60 -o " +
                  shell_quote("-c listen_addresses=127.0.0.1 -p " + std::to_string(node.port) +
                              " -c unix_socket_directories=" + node.dir.string()) +
                  " start >/dev/null");
      return;
    } catch (const std::exception&) {
      if (attempt == 4) throw;
    }
  }
}

void PostgresCluster::start() {
  for (auto& node : nodes_) start_node(node);
}

void PostgresCluster::stop() {
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    as_postgres(std::string(kBin) + "/pg_ctl -D " + shell_quote((it->dir / "data").string()) +
                " -m fast -w stop >/dev/null");
  }
}

std::string PostgresCluster::as_postgres(const std::string& command) const {
  if (as_root_) return run_shell("runuser -u postgres -- sh -c " + shell_quote(command));
  return run_shell(command);
}

std::string PostgresCluster::psql_on(const Node& node, const std::string& db,
                                     const std::vector<std::string>& statements) const {
  std::string command = "psql -X -q -At -v ON_ERROR_STOP=1 -h " + shell_quote(node.dir.string()) +
                        " -p " + std::to_string(node.port) + " -U postgres -d " + shell_quote(db);
  for (const auto& sql : statements) command += " -c " + shell_quote(sql);
  return as_postgres(command);
}

std::string PostgresCluster::psql(const std::string& db, const std::string& sql) const {
  if (db == "postgres") {
    // Roles and databases belong to each node: the workers get them too.
    for (std::size_t i = 1; i < nodes_.size(); ++i) psql_on(nodes_[i], db, {sql});
  }
  return psql_on(nodes_.front(), db, {sql});
}

std::string PostgresCluster::dump(const std::string& db) const {
  return as_postgres("pg_dump -h " + shell_quote(nodes_.front().dir.string()) + " -p " +
                     std::to_string(port()) + " -U postgres " + shell_quote(db));
}

void PostgresCluster::restart() {
  as_postgres(std::string(kBin) + "/pg_ctl -D " +
              shell_quote((nodes_.front().dir / "data").string()) +
              " -m fast -w -t 60 restart >/dev/null");
}

DatabaseSettings PostgresCluster::create_database(const std::string& name, bool with_citus) {
  for (const auto& node : nodes_) {
    psql_on(node, "postgres",
            {"drop database if exists \"" + name + "\" with (force)",
             "create database \"" + name + "\" owner tributary_test"});
  }
  if (citus() && with_citus) enable_citus(name);
  return settings_for(name);
}

void PostgresCluster::enable_citus(const std::string& name) {
  for (const auto& node : nodes_) {
    psql_on(node, name, {"set client_min_messages = warning; create extension citus"});
  }
  std::vector<std::string> topology{"select citus_set_coordinator_host('" +
                                    nodes_.front().dir.string() + "', " + std::to_string(port()) +
                                    ")"};
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    topology.push_back("select citus_add_node('" + nodes_[i].dir.string() + "', " +
                       std::to_string(nodes_[i].port) + ")");
  }
  // As scripts/citus-up.sh: 4 shards per worker (docs/citus.md).
  topology.push_back("alter database \"" + name + "\" set citus.shard_count = 8");
  psql_on(nodes_.front(), name, topology);
}

DatabaseSettings PostgresCluster::settings_for(const std::string& name) const {
  DatabaseSettings s;
  s.host = "127.0.0.1";
  s.port = port();
  s.name = name;
  s.user = "tributary_test";
  s.password = password_;
  return s;
}

}  // namespace tributary::testing
