#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace hakari::cli {

ProgressDisplay::ProgressDisplay(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}

std::string ProgressDisplay::render(const driver::CellProgress& p, Nanos now) const {
  const std::int64_t done = p.ok + p.failed;
  const double elapsed = to_s(now - p.started);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double tok_rate = elapsed > 0 ? static_cast<double>(p.output_tokens) / elapsed : 0;
  std::string eta = "--";
  if (rate > 0 && done < p.planned) {
    eta = fmt::format("{:.0f}s", static_cast<double>(p.planned - done) / rate);
  } else if (done >= p.planned) {
    eta = "0s";
  }
  constexpr int kWidth = 24;
  const int filled = p.planned > 0 ? static_cast<int>(kWidth * done / p.planned) : 0;
  std::string bar;
  for (int i = 0; i < kWidth; ++i) bar += i < filled ? "█" : "░";
  return fmt::format("{} c={:<3} {} {}/{} ok {} fail {} · {:.2f} req/s {:.0f} tok/s · ETA {}",
                     p.warming_up ? "warm-up" : "measure", p.concurrency, bar, done, p.planned, p.ok, p.failed, rate,
                     tok_rate, eta);
}

void ProgressDisplay::update(const driver::CellProgress& p) {
  if (!enabled_) return;
  const Nanos now = now_ns();
  const Nanos interval = tty_ ? 100 * kNanosPerMilli : 5 * kNanosPerSecond;
  if (drawn_ && now - last_draw_ < interval && p.ok + p.failed < p.planned) return;
  last_draw_ = now;
  const std::string line = render(p, now);
  if (tty_) {
    std::fprintf(stderr, "\r\033[2K%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  drawn_ = true;
}

void ProgressDisplay::finish() {
  if (enabled_ && tty_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace hakari::cli
