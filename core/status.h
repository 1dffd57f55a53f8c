// Expected failures are values, not exceptions (habit from leveldb's Status).
// Xapian and SQLite exceptions are caught at module boundaries and turned into
// these, so callers decide what a failure means for them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kb {

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message, int line = 0) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    s.line_ = line;
    return s;
  }
  // A failure that asking again later may not have: a remote database that
  // did not answer in time or dropped the connection.
  static Status unavailable(std::string message) {
    Status s = error(std::move(message));
    s.unavailable_ = true;
    return s;
  }

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return message_; }
  // 1-based line in the source file the error refers to; 0 when unknown.
  int line() const { return line_; }
  bool unavailable() const { return unavailable_; }

 private:
  bool failed_ = false;
  bool unavailable_ = false;
  int line_ = 0;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kb
