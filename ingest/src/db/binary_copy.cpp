#include "db/binary_copy.hpp"

#include <libpq-fe.h>

#include <memory>

#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

// libpqxx keeps a transaction's PGconn to itself, but hands it to large objects through a
// protected static member: a subclass reaches it without touching anything private.
struct ConnectionOf : pqxx::largeobject {
  static PGconn* of(const pqxx::transaction_base& tx) {
    return raw_connection(dynamic_cast<const pqxx::dbtransaction&>(tx));
  }
};

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

BinaryCopy::BinaryCopy(pqxx::transaction_base& tx, std::string_view table,
                       std::string_view columns)
    : conn_(ConnectionOf::of(tx)),
      statement_("copy " + std::string(table) + " (" + std::string(columns) +
                 ") from stdin (format binary)") {
  auto* conn = static_cast<PGconn*>(conn_);
  const Result started{PQexec(conn, statement_.c_str())};
  if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) {
    const char* state = started ? PQresultErrorField(started.get(), PG_DIAG_SQLSTATE) : nullptr;
    const std::string message = started ? PQresultErrorMessage(started.get()) : "";
    // Whatever else the server answered is read, so that the connection is idle again.
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
    if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(PQerrorMessage(conn));
    throw pqxx::sql_error(message.empty() ? std::string(PQerrorMessage(conn)) : message,
                          statement_, state);
  }
  open_ = true;
  write(models::kCopyBinaryHeader);
}

BinaryCopy::~BinaryCopy() { abandon(); }

void BinaryCopy::write(std::string_view tuples) {
  if (tuples.empty()) return;
  auto* conn = static_cast<PGconn*>(conn_);
  if (PQputCopyData(conn, tuples.data(), static_cast<int>(tuples.size())) != 1) {
    fail("sending rows");
  }
}

std::uint64_t BinaryCopy::complete() {
  auto* conn = static_cast<PGconn*>(conn_);
  write(models::kCopyBinaryTrailer);
  open_ = false;
  if (PQputCopyEnd(conn, nullptr) != 1) fail("ending");
  std::uint64_t rows = 0;
  std::string message;
  std::string state;
  bool failed = false;
  while (PGresult* raw = PQgetResult(conn)) {
    const Result result{raw};
    if (PQresultStatus(raw) == PGRES_COMMAND_OK) {
      const char* tuples = PQcmdTuples(raw);
      if (tuples != nullptr && *tuples != '\0') rows = std::stoull(tuples);
    } else if (!failed) {
      failed = true;
      message = PQresultErrorMessage(raw);
      if (const char* s = PQresultErrorField(raw, PG_DIAG_SQLSTATE)) state = s;
    }
  }
  if (!failed) return rows;
  if (state.empty() && PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection(message.empty() ? PQerrorMessage(conn) : message);
  }
  throw pqxx::sql_error(message, statement_, state.empty() ? nullptr : state.c_str());
}

void BinaryCopy::abandon() noexcept {
  if (!open_) return;
  open_ = false;
  auto* conn = static_cast<PGconn*>(conn_);
  if (PQputCopyEnd(conn, "abandoned by tributary") == 1) {
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
  }
}

void BinaryCopy::fail(std::string_view doing) {
  auto* conn = static_cast<PGconn*>(conn_);
  const std::string message = PQerrorMessage(conn);
  abandon();
  if (PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection("COPY " + std::string(doing) + ": " + message);
  }
  throw pqxx::sql_error("COPY " + std::string(doing) + ": " + message, statement_);
}

}  // namespace tributary::internal
