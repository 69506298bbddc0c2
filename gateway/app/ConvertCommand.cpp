#include "gateway/app/ConvertCommand.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "gateway/core/Clock.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "mappings/hl7v2/Charset.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"

namespace medbridge::app {
namespace {

const char* severityName(mappings::hl7v2::Issue::Severity s) {
  using S = mappings::hl7v2::Issue::Severity;
  return s == S::Fatal ? "fatal" : s == S::Error ? "error" : "warning";
}

}  // namespace

int runConvert(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  namespace hl7 = mappings::hl7v2;
  if (files.empty()) {
    err << "usage: medbridge convert FILE.hl7...\n";
    return 2;
  }
  int failures = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << file << ": cannot be read\n";
      ++failures;
      continue;
    }
    std::ostringstream raw;
    raw << in.rdbuf();
    try {
      hl7::Message msg = hl7::Message::parse(hl7::decodeToUtf8(raw.str()).utf8);
      hl7::MappingContext ctx;
      ctx.receivedAt = core::instantOf(core::SystemClock().nowMillis());
      ctx.contentHash = core::sha256Hex(raw.str());
      hl7::MappingResult result = hl7::mapMessage(msg, ctx);
      if (!result.mapped) {
        err << file << ": " << core::errorId(core::ErrorCode::Hl7UnknownTrigger)
            << " no mapping for " << result.trigger << "\n";
        ++failures;
        continue;
      }
      for (const auto& issue : result.issues)
        err << file << ": " << severityName(issue.severity) << " at " << issue.location << ": "
            << issue.text << "\n";
      if (result.hasErrors()) {
        ++failures;
        continue;
      }
      out << result.bundleJson << "\n";
    } catch (const core::Error& e) {
      err << file << ": " << e.what() << "\n";
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace medbridge::app
