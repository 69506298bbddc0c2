#pragma once

namespace medbridge::app {

// Dispatches `medbridge serve|convert|backup|restore|version ...`; returns the exit code.
int runCli(int argc, char** argv);

}  // namespace medbridge::app
