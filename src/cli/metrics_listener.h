// A small /metrics endpoint for commands that expose their own metrics to a
// Prometheus scraping them (`vitals watch --listen`, `vitals load
// --metrics-listen`): one thread, one connection at a time, GET /metrics
// answers the page the owner last published, anything else 404.
//
// The owner publishes a fresh page with Publish() (or gives a callback that
// renders one per request); requests never touch the owner's state.
// Addresses: target/listen_address.h forms (":9100", "127.0.0.1:0").
//
// Thread-safety: Publish may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace vitals::cli {

class MetricsListener {
 public:
  // Binds and starts serving.  `render`, when set, is called on the
  // listener thread for every request instead of the published page.
  static Result<std::unique_ptr<MetricsListener>> Start(const std::string& address,
                                                        std::function<std::string()> render = {});
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  void Publish(std::string page);
  // "http://127.0.0.1:9100/metrics" (the bound port when 0 was asked).
  const std::string& url() const { return url_; }

 private:
  MetricsListener() = default;
  void Serve();
  void Answer(int fd);

  int fd_ = -1;
  std::string url_;
  std::function<std::string()> render_;
  std::mutex mu_;
  std::string page_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace vitals::cli
