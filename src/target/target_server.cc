#include "target/target_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"
#include "net/tls_cert.h"
#include "net/tls_server.h"
#include "target/worker.h"

namespace vitals {
namespace {

// A listening socket on `addr`; SO_REUSEPORT only with several workers, so a
// second single-threaded target on the same port fails loudly instead of
// silently sharing its traffic.
Result<Fd> Listen(const ListenAddress& addr, bool reuse_port) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  Fd owned(fd);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return Status::FromErrno("setsockopt(SO_REUSEPORT)", errno);
  }
  if (addr.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, addr.sockaddr_ptr(), addr.length) != 0) {
    int err = errno;
    std::string hint = err == EADDRINUSE      ? "; pick another port, or port 0 for a free one"
                       : err == EADDRNOTAVAIL ? "; the address is not one of this host's"
                                              : "";
    return Status::Io(
        fmt::format("cannot listen on {}: {}{}", addr.HostPort(), std::strerror(err), hint));
  }
  if (::listen(fd, SOMAXCONN) != 0) return Status::FromErrno("listen", errno);
  return owned;
}

}  // namespace

TargetServer::TargetServer() = default;

TargetServer::~TargetServer() { Stop(); }

std::string TargetServer::url() const {
  std::string u = address_.Url();
  if (shared_ && shared_->tls && u.rfind("http://", 0) == 0) u.insert(4, "s");
  return u;
}

int64_t TargetServer::start_ns() const { return shared_->start_ns; }

Result<std::unique_ptr<TargetServer>> TargetServer::Start(const TargetOptions& options) {
  VITALS_RETURN_IF_ERROR(ValidateTargetOptions(options));
  auto addr = ParseListenAddress(options.listen);
  if (!addr.ok()) return addr.status();
  if (!addr->IsLoopback() && !options.allow_external) {
    return Status::InvalidArgument(fmt::format(
        "refusing to listen on {}: it is not a loopback address, so anyone who can reach this "
        "host could use the target; pass --allow-external if you mean it",
        addr->HostPort()));
  }

  std::unique_ptr<TargetServer> server(new TargetServer());
  server->shared_ = std::make_unique<detail::WorkerShared>(options);
  if (options.tls) {
    const bool files = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
    auto identity = files ? TlsServer::LoadFiles(options.tls_cert_file, options.tls_key_file)
                          : MakeLocalhostCertificate();
    if (!identity.ok()) return identity.status();
    auto tls = TlsServer::Create(*identity, options.http2 ? std::vector<std::string>{"h2"}
                                                          : std::vector<std::string>{"http/1.1"});
    if (!tls.ok()) return tls.status();
    server->shared_->tls = std::move(tls).value();
    // OpenSSL writes with write(2), not send(MSG_NOSIGNAL): a client that resets would raise
    // SIGPIPE and kill the process.
    std::signal(SIGPIPE, SIG_IGN);
  }
  const bool reuse_port = options.threads > 1;
  std::vector<Fd> sockets;
  for (int i = 0; i < options.threads; ++i) {
    auto fd = Listen(*addr, reuse_port);
    if (!fd.ok()) return fd.status();
    if (i == 0) {
      // Learn the port the kernel chose, so the other workers join it.
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      if (getsockname(fd->get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
        return Status::FromErrno("getsockname", errno);
      }
      uint16_t port = bound.ss_family == AF_INET6
                          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      addr->set_port(port);
    }
    sockets.push_back(std::move(fd).value());
  }
  server->address_ = *addr;

  for (int i = 0; i < options.threads; ++i) {
    server->metrics_.push_back(std::make_unique<ThreadMetrics>());
    server->shared_->all_metrics.push_back(server->metrics_.back().get());
  }
  for (int i = 0; i < options.threads; ++i) {
    auto modes = detail::ThreadModes::Make(options, i);
    if (!modes.ok()) return modes.status();
    if (*modes == nullptr) break;
    server->shared_->all_modes.push_back(modes->get());
    server->modes_.push_back(std::move(modes).value());
  }
  uint64_t seed_state = options.seed;
  for (int i = 0; i < options.threads; ++i) {
    auto worker =
        std::make_unique<detail::Worker>(server->shared_.get(), server->metrics_[i].get(),
                                         std::move(sockets[i]), FastRng::SplitMix64(&seed_state));
    VITALS_RETURN_IF_ERROR(worker->Init());
    if (!server->modes_.empty()) worker->AttachModes(server->modes_[size_t(i)].get());
    server->workers_.push_back(std::move(worker));
  }
  server->shared_->start_ns = MonotonicNs();
  server->shared_->process_start_s = double(WallClockMs()) / 1e3;
  if (options.leak.enabled()) {
    server->leaker_ = std::make_unique<Leaker>(options.leak);
    server->shared_->leaker = server->leaker_.get();
  }
  for (auto& w : server->workers_) {
    detail::Worker* raw = w.get();
    server->threads_.emplace_back([raw] { raw->Run(); });
  }
  return server;
}

void TargetServer::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (!shared_ || threads_.empty()) return;
  shared_->stop.store(true, std::memory_order_release);
  for (auto& w : workers_) w->Wake();
  for (auto& t : threads_) t.join();
  threads_.clear();
  workers_.clear();
}

std::string TargetServer::RenderMetrics() const { return detail::RenderTargetMetrics(*shared_); }

MetricsTotals TargetServer::Totals() const { return SumMetrics(shared_->all_metrics); }

}  // namespace vitals
