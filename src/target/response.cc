#include "target/response.h"

#include <fmt/format.h>

namespace vitals {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string BuildResponse(int status, std::string_view content_type, std::string_view body,
                          ConnMode mode, bool head_only) {
  const char* connection = mode == ConnMode::kClose         ? "Connection: close\r\n"
                           : mode == ConnMode::kKeepAlive10 ? "Connection: keep-alive\r\n"
                                                            : "";
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: vitals-target\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
      status, ReasonPhrase(status), content_type, body.size(), connection);
  if (!head_only) out.append(body);
  return out;
}

std::string DefaultBody(size_t n) {
  std::string body(n, 'o');
  for (size_t i = 1; i < n; i += 2) body[i] = 'k';
  if (n > 2) body.back() = '\n';
  return body;
}

CannedResponses::CannedResponses(size_t body_bytes, int error_status) {
  const std::string ok_body = DefaultBody(body_bytes);
  const std::string error_body = fmt::format("injected error {}\n", error_status);
  ok_body_ = ok_body;
  error_body_ = error_body;
  for (int m = 0; m < 3; ++m) {
    for (int h = 0; h < 2; ++h) {
      ok_[m][h] = BuildResponse(200, "text/plain", ok_body, ConnMode(m), h == 1);
      error_[m][h] = BuildResponse(error_status, "text/plain", error_body, ConnMode(m), h == 1);
      health_[m][h] = BuildResponse(200, "text/plain", "ok\n", ConnMode(m), h == 1);
    }
  }
}

}  // namespace vitals
