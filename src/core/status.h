// Status and Result<T>: errors as values.
//
// Every layer below the CLI reports failure by returning a Status (or a
// Result<T> holding either a value or a Status); exceptions never cross a
// layer boundary.  A Status carries a category (what kind of failure, so that
// callers can branch on it) and a human message that says what failed, where
// and, when we know, how to fix it.
//
// Thread-safety: values; no shared state.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vitals {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input from the user: flag, file, expression (exit 2)
    kNotFound,         // a named thing (file, run, baseline) does not exist
    kIo,               // an operating-system call failed
    kUnavailable,      // a remote component could not be reached
    kParse,            // malformed data from outside (response, exposition, YAML)
    kPermission,       // the role lacks a privilege
    kInternal,         // a bug in vitals
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status Io(std::string msg) { return {Code::kIo, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Parse(std::string msg) { return {Code::kParse, std::move(msg)}; }
  static Status Permission(std::string msg) { return {Code::kPermission, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  // Io error from errno: "<what>: <strerror(err)>".
  static Status FromErrno(const std::string& what, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<category>: <message>", or "ok".
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a non-ok Status.  REQUIRES: value() only when ok().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vitals

#define VITALS_RETURN_IF_ERROR(expr) \
  do {                               \
    ::vitals::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)
