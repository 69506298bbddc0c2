#pragma once

#include <string>
#include <vector>

namespace medbridge::app {

// `medbridge serve --config FILE [--set key=value]...` as a Poco ServerApplication:
// SIGTERM/SIGINT stop accepting, finish in-flight work and exit 0.
int runServe(const std::vector<std::string>& args);

}  // namespace medbridge::app
