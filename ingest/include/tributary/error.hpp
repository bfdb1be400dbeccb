#pragma once

#include <string>

#include "tributary/models/error.hpp"

namespace tributary {

/// A setting is missing or malformed (CLI exit code 2). The message names every bad setting.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// The API refused the token (401/403): never retried (CLI exit code 3).
class AuthError : public Error {
 public:
  using Error::Error;
};

/// The API could not deliver a day: retries exhausted, or a request the server calls wrong.
class ApiError : public Error {
 public:
  /// `status` is the last HTTP status, or 0 when no answer came (reset, timeout, ...);
  /// `attempts` the requests made for the day before giving up.
  ApiError(const std::string& message, int status, int attempts = 1)
      : Error(message), status_(status), attempts_(attempts) {}
  /// The last HTTP status, or 0 when no answer came.
  int status() const noexcept { return status_; }
  /// Requests made for the day, the failed last one included.
  int attempts() const noexcept { return attempts_; }

 private:
  int status_;
  int attempts_;
};

/// The API could not be reached at all for a day: every attempt failed before any answer
/// (connection refused, unknown host, TLS failure, connect timeout). A run that has not
/// reached the API yet stops on it without recording the day (CLI exit code 5); once a run
/// has reached the API, such a day fails like any other.
class ApiUnreachableError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// The database failed or could not be reached; carries the SQLSTATE when there is one.
class DatabaseError : public Error {
 public:
  DatabaseError(const std::string& message, std::string sqlstate = {})
      : Error(message), sqlstate_(std::move(sqlstate)) {}
  /// Five-character SQLSTATE, empty when the server was not reached.
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

}  // namespace tributary
