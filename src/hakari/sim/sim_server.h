// `hakari sim`: a real HTTP server on loopback that is llama.cpp's llama-server, vLLM,
// Ollama or LM Studio (SimOptions::persona) — their routes, wire shapes, headers and
// connection habits — with a timing model, fault injection and a ground-truth trace, so
// the whole benchmark pipeline can be tested, and its own timing error measured, without
// a GPU. See docs/simulator.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hakari/sim/sim_options.h"

namespace hakari::sim {

class SimServer {
 public:
  // Binds and listens. Throws std::invalid_argument for unusable options and
  // std::runtime_error when it cannot listen (e.g. the port is in use) or open the trace.
  explicit SimServer(SimOptions opts);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // Serves until stop(), on the calling thread (one epoll loop); then closes every
  // connection and flushes the trace.
  void run();
  // Thread-safe and async-signal-safe.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hakari::sim
