#include "hakari/sim/sim_server.h"

#include "hakari/sim/sim_app.h"

namespace hakari::sim {

class SimServer::Impl {
 public:
  explicit Impl(SimOptions opts) : app(std::move(opts)) {}
  SimApp app;
};

SimServer::SimServer(SimOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

SimServer::~SimServer() = default;

std::uint16_t SimServer::port() const { return impl_->app.http().port(); }

std::string SimServer::url() const {
  // A wildcard address is not somewhere to connect to; loopback reaches it.
  std::string host = impl_->app.options().host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}

void SimServer::run() {
  impl_->app.http().run();
  impl_->app.shut_down();
}

void SimServer::stop() { impl_->app.http().stop(); }

}  // namespace hakari::sim
