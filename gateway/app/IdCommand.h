#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace medbridge::app {

// `medbridge id check NUMBER...`: one line per number with the verdict, birth date, sex and
// region; exit 0 only when every number is valid.
int runId(const std::vector<std::string>& args, const std::string& today, std::ostream& out,
          std::ostream& err);

}  // namespace medbridge::app
