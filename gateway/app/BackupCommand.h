#pragma once

#include <string>
#include <vector>

namespace medbridge::app {

// `medbridge backup --to DIR [--config FILE] [--set k=v]...`: a consistent online copy of the
// store (SQLite VACUUM INTO) and of dataDir, with DIR/manifest.sha256 (sha256sum format).
int runBackup(const std::vector<std::string>& args);
// `medbridge restore --from DIR [--config FILE] [--set k=v]...`: checks the manifest, then
// restores into a store path that does not exist yet and an empty dataDir.
int runRestore(const std::vector<std::string>& args);

}  // namespace medbridge::app
