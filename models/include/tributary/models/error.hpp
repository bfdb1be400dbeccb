#pragma once

#include <stdexcept>
#include <string>

namespace tributary {

/// Root of every exception tributary throws; the message says what failed, where, and
/// what to do. Subclasses exist only where a caller reacts differently.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tributary
