#include "gateway/app/IdCommand.h"

#include <ostream>

#include "mappings/identity/NationalId.h"

namespace medbridge::app {

int runId(const std::vector<std::string>& args, const std::string& today, std::ostream& out,
          std::ostream& err) {
  if (args.size() < 2 || args[0] != "check") {
    err << "usage: medbridge id check NUMBER...\n";
    return 2;
  }
  bool allValid = true;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto id = mappings::identity::checkNationalId(args[i], today);
    out << args[i] << (id.valid ? " valid" : " invalid");
    if (id.upgradedFrom15) out << " upgraded=" << id.normalized;
    if (!id.birthDate.empty()) out << " birthDate=" << id.birthDate;
    if (!id.normalized.empty()) out << " sex=" << id.sex << " region=" << id.regionCode;
    if (!id.regionName.empty()) out << " (" << id.regionName << ")";
    for (const auto& e : id.errors) out << "; error: " << e;
    for (const auto& w : id.warnings) out << "; warning: " << w;
    out << "\n";
    allValid = allValid && id.valid;
  }
  return allValid ? 0 : 1;
}

}  // namespace medbridge::app
