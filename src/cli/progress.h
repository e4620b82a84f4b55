// Progress on stderr: an in-place bar with rate and ETA on a terminal, a line every few
// seconds otherwise (CI logs), nothing with --quiet.
#pragma once

#include <string>

#include "hakari/core/clock.h"
#include "hakari/driver/driver.h"

namespace hakari::cli {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool enabled);
  void update(const driver::CellProgress& p);
  // Ends the current bar line so other output can follow.
  void finish();

 private:
  std::string render(const driver::CellProgress& p, Nanos now) const;
  bool enabled_;
  bool tty_;
  Nanos last_draw_ = 0;
  bool drawn_ = false;
};

}  // namespace hakari::cli
