#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

namespace tributary::internal {

/// A `COPY table (columns) FROM STDIN (FORMAT binary)` inside a libpqxx transaction.
/// libpqxx 6.4 only copies the text format (its writer appends a newline to every write),
/// so this one speaks libpq's COPY calls itself, on the transaction's connection: the
/// stream's header at the start, the caller's tuples as they are (models/copy_row.hpp),
/// the trailer at the end. The transaction must not be used for anything else until
/// complete() or abandon() returns.
class BinaryCopy {
 public:
  /// Starts the COPY; throws pqxx::sql_error (with the server's SQLSTATE) when it fails.
  BinaryCopy(pqxx::transaction_base& tx, std::string_view table, std::string_view columns);
  /// An unfinished COPY is abandoned (see abandon()).
  ~BinaryCopy();
  BinaryCopy(const BinaryCopy&) = delete;
  BinaryCopy& operator=(const BinaryCopy&) = delete;

  /// Sends whole tuples (several at once is cheaper).
  void write(std::string_view tuples);
  /// Ends the COPY and returns the rows it wrote; throws pqxx::sql_error with the server's
  /// SQLSTATE (a unique violation shows here; the plain class, not libpqxx's subclass for
  /// that SQLSTATE: read sqlstate()), or pqxx::broken_connection.
  std::uint64_t complete();
  /// Ends a COPY that is not to be completed: the server fails it, the transaction is then
  /// in its failed state (roll back to a savepoint taken before). Never throws.
  void abandon() noexcept;

 private:
  void fail(std::string_view doing);

  void* conn_;  ///< the libpq connection (PGconn*), kept out of this header
  std::string statement_;
  bool open_ = false;
};

}  // namespace tributary::internal
