#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace medbridge::app {

// `medbridge convert FILE...`: one transaction Bundle per message, one JSON document per line.
// Returns the exit code: 0 when every file was converted, 1 otherwise (errors on `err`).
int runConvert(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace medbridge::app
