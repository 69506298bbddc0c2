#pragma once

#include <string>
#include <vector>

namespace medbridge::store {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

// Numbered schema migrations, applied in order; the schema_version row records the last one.
const std::vector<Migration>& migrations();
int latestSchemaVersion();

}  // namespace medbridge::store
