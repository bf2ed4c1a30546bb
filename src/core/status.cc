#include "core/status.h"

#include <cstring>

namespace vitals {

Status Status::FromErrno(const std::string& what, int err) {
  return Status(Code::kIo, what + ": " + std::strerror(err));
}

std::string Status::ToString() const {
  const char* cat = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      cat = "invalid argument";
      break;
    case Code::kNotFound:
      cat = "not found";
      break;
    case Code::kIo:
      cat = "I/O error";
      break;
    case Code::kUnavailable:
      cat = "unavailable";
      break;
    case Code::kParse:
      cat = "parse error";
      break;
    case Code::kPermission:
      cat = "permission denied";
      break;
    case Code::kInternal:
      cat = "internal error";
      break;
  }
  return std::string(cat) + ": " + message_;
}

}  // namespace vitals
