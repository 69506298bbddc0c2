#include "gateway/routing/IdentityCheck.h"

#include "mappings/identity/NationalId.h"

namespace medbridge::routing {
namespace {

using core::ErrorCode;
using mappings::hl7v2::Message;
using mappings::hl7v2::Segment;

struct Cx {
  std::string value, authority, universalId;
};

Cx cxOf(const Message& msg, std::string_view rep) {
  return {msg.unescape(msg.component(rep, 1)), msg.unescape(msg.component(rep, 4, 1)),
          msg.unescape(msg.component(rep, 4, 2))};
}

}  // namespace

std::optional<IdentityFinding> checkMerge(const Message& msg, const std::string& trigger,
                                          store::IStore& store,
                                          const mappings::identity::IdentifierSystems& systems) {
  if (trigger != "ADT_A40" && trigger != "ADT_A47") return std::nullopt;
  const Segment* mrg = msg.first("MRG");
  if (!mrg) return IdentityFinding{ErrorCode::Hl7MissingSegment, "MRG", "MRG"};
  std::vector<Cx> current;
  if (const Segment* pid = msg.first("PID"))
    for (auto rep : msg.repetitions(pid->field(3))) current.push_back(cxOf(msg, rep));
  int priors = 0;
  bool known = false;   // the index (or a pending message) knows one of the prior identifiers
  std::string unknown;  // the first prior identifier, named when none is known
  for (auto rep : msg.repetitions(mrg->field(1))) {
    Cx prior = cxOf(msg, rep);
    if (prior.value.empty()) continue;
    ++priors;
    std::string where = "MRG-1[" + std::to_string(priors) + "]";
    const auto* system = systems.find(prior.authority, prior.universalId);
    if (!system || !system->trusted)
      return IdentityFinding{ErrorCode::IdentityUntrustedAuthority,
                             "'" + prior.authority + prior.universalId + "'", where};
    for (const auto& c : current)
      if (c.value == prior.value && systems.find(c.authority, c.universalId) == system)
        return IdentityFinding{ErrorCode::IdentitySelfMerge, system->system + "|" + prior.value,
                               where};
    if (unknown.empty()) unknown = system->system + "|" + prior.value;
    known = known || store.crossReference(system->system, prior.value) ||
            store.pendingMessageMentions(prior.value);
  }
  if (priors == 0) return IdentityFinding{ErrorCode::Hl7RequiredFieldMissing, "MRG-1", "MRG-1"};
  if (!known) return IdentityFinding{ErrorCode::IdentityUnknownPatient, unknown, "MRG-1"};
  return std::nullopt;
}

std::optional<IdentityFinding> checkNationalIds(
    const Message& msg, const mappings::identity::IdentifierSystems& systems,
    const std::string& today) {
  const Segment* pid = msg.first("PID");
  if (!pid) return std::nullopt;
  int n = 0;
  for (auto rep : msg.repetitions(pid->field(3))) {
    ++n;
    Cx cx = cxOf(msg, rep);
    const auto* system = systems.find(cx.authority, cx.universalId);
    if (cx.value.empty() || !system || system->type != "national-id") continue;
    auto id = mappings::identity::checkNationalId(cx.value, today);
    if (id.valid) continue;
    std::string why;
    for (const auto& e : id.errors) why += (why.empty() ? "" : "; ") + e;
    return IdentityFinding{ErrorCode::IdentityInvalidNationalId,
                           "PID-3[" + std::to_string(n) + "]: " + why, "PID-3"};
  }
  return std::nullopt;
}

}  // namespace medbridge::routing
